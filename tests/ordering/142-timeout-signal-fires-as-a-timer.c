/* A scope's timeout (tick_scope_set_timeout, AbortSignal.timeout) is a loop timer of that
 * delay: it fires in creation order among timers of the same delay, and the scope's
 * listeners run inside that timer's callback, before its drain. */
#include "ctwin.h"

static tick_scope_t *signal_;

static void abort_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)s;
  (void)arg;
  sayf("abort %s", error_name(code));
  check(tick_queue_microtask(loop, say_task, "micro from abort"), "queueMicrotask");
}

static void timeout_50(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  sayf("timeout 50 %s", aborted(signal_));
  check(tick_scope_release(signal_), "release");
}

static void main_script(tick_loop_t *loop) {
  check(tick_set_timeout(loop, 10, say_timer, "timeout A", NULL), "setTimeout");
  signal_ = controller(loop);
  check(tick_scope_set_timeout(signal_, 10), "AbortSignal.timeout");
  on_abort(signal_, abort_listener, NULL);
  check(tick_set_timeout(loop, 10, say_timer, "timeout B", NULL), "setTimeout");
  check(tick_set_timeout(loop, 50, timeout_50, NULL, NULL), "setTimeout");
}
