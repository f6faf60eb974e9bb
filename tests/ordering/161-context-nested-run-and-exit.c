/* 161-context-nested-run-and-exit.c - twin of the .js. Rule: tick_context_run nests and
 * puts the outer context back when it returns; tick_context_exit runs with no context, and
 * what it schedules captures none. */
#include "xtwin.h"

static void inner(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "inner");
  twin_check(tick_next_tick(loop, log_task, "tick from inner"), "next_tick");
}

static void in_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "exit");
  twin_check(tick_set_timeout(loop, 0, log_timer, "timeout from exit", NULL), "timeout");
  twin_check(tick_queue_microtask(loop, log_task, "microtask from exit"), "microtask");
}

static void outer(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "outer before");
  twin_check(tick_context_run(loop, store_of("inner"), inner, NULL), "run inner");
  log_store(loop, "outer after inner");
  twin_check(tick_context_exit(loop, in_exit, NULL), "exit");
  log_store(loop, "outer after exit");
  twin_check(tick_set_timeout(loop, 0, log_timer, "timeout from outer", NULL), "timeout");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("outer"), outer, NULL), "run outer");
  log_store(loop, "main");
}
