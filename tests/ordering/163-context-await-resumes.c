/* 163-context-await-resumes.c - twin of the .js. Rule: an async function resumes after
 * an await in the context it had when it awaited, even when the awaited promise is
 * resolved under another context; its caller goes on in its own context as soon as the
 * function suspends. */
#include "xtwin.h"
#include "atwin.h"

static tick_promise_t *p;
static tick_resolver_t *res;

static int f(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  log_store(loop, "f before await");
  tick_await(co, p);
  log_store(loop, "f after await p");
  tick_await_value(co, NULL, NULL);
  log_store(loop, "f after await null");
  return 0;
}

static void caller(tick_loop_t *loop, void *arg) {
  (void)arg;
  go(loop, f, NULL);
  log_store(loop, "caller after f()");
}

static void on_timeout(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  log_store(loop, "resolving");
  check(tick_resolver_resolve(res, NULL, NULL), "resolve");
  release(p);
}

static void resolver(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 0, on_timeout, NULL, NULL), "timeout");
}

static void main_script(tick_loop_t *loop) {
  p = deferred(loop, &res);
  twin_check(tick_context_run(loop, store_of("caller"), caller, NULL), "run caller");
  twin_check(tick_context_run(loop, store_of("resolver"), resolver, NULL), "run resolver");
}
