/* 171-context-await-in-nested-run.c - twin of the .js. Rule: an async function started
 * inside tick_context_run keeps that context across its awaits; a tick_context_run inside
 * the function gives the function it starts the inner context; each caller goes on in its
 * own context when the function it called suspends. */
#include "xtwin.h"
#include "atwin.h"

static tick_promise_t *g_promise;

static int g(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  log_store(loop, "g start");
  tick_await_value(co, NULL, NULL);
  log_store(loop, "g after await");
  return 0;
}

static void start_g(tick_loop_t *loop, void *arg) {
  (void)arg;
  g_promise = call(loop, g, NULL);
}

static int f(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  log_store(loop, "f start");
  tick_await_value(co, NULL, NULL);
  log_store(loop, "f after first await");
  twin_check(tick_context_run(loop, store_of("inner"), start_g, NULL), "run inner");
  tick_await(co, g_promise);
  release(g_promise);
  log_store(loop, "f after awaiting g");
  return 0;
}

static void outer(tick_loop_t *loop, void *arg) {
  (void)arg;
  go(loop, f, NULL);
  log_store(loop, "outer after f()");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("outer"), outer, NULL), "run outer");
  log_store(loop, "main after run");
}
