/* SEMANTICS 6: a handler attached in a later macrotask still runs, and the promise is then
 * reported as handled-late. */
#include "ptwin.h"

static tick_promise_t *p;

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timeout(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  say("timeout attaches a handler");
  then_(p, NULL, log_value, "caught");
  release(p);
  check(tick_queue_microtask(loop, log_task, "microtask"), "queueMicrotask");
  check(tick_next_tick(loop, log_task, "tick"), "nextTick");
  check(tick_set_immediate(loop, log_task, "immediate", NULL), "setImmediate");
  say("timeout end");
}

static void main_script(tick_loop_t *loop) {
  watch_rejections(loop);
  p = rejected(loop, "late");
  release(rejected(loop, "never handled"));
  check(tick_set_timeout(loop, 0, timeout, NULL, NULL), "setTimeout");
}
