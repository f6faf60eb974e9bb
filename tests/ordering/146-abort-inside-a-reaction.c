/* A cancellation inside a promise reaction: the listeners run inside that reaction, and
 * the reactions of the promises it rejects (a delay under the scope) queue behind the
 * microtasks already queued, in listener order. */
#include "ctwin.h"

static tick_scope_t *ac;

static void listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)s, (void)code, (void)arg;
  say("listener");
  check(tick_queue_microtask(loop, say_task, "micro from listener"), "queueMicrotask");
}

static void listener_after(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  say("listener after the delay");
}

static int delay_rejected(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next,
                          void *arg) {
  (void)loop, (void)next, (void)arg;
  sayf("delay rejected %s", error_name(tick_promise_error(p)));
  return 0;
}

static int then_1(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)p, (void)next, (void)arg;
  say("then 1");
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  say("then 1 after abort");
  check(tick_scope_release(ac), "release");
  return 0;
}

static void timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  tick_promise_t *p;
  (void)t, (void)arg;
  p = resolved(loop, NULL);
  then_(p, then_1, NULL, NULL);
  release(p);
  p = resolved(loop, NULL);
  then_(p, log_label, NULL, "then 2");
  release(p);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  ac = controller(loop);
  on_abort(ac, listener, NULL);
  check(tick_delay(loop, ac, 1000, &p), "delay");
  then_(p, NULL, delay_rejected, NULL);
  release(p);
  on_abort(ac, listener_after, NULL);
  check(tick_set_timeout(loop, 1, timer, NULL, NULL), "setTimeout");
}
