/* A scope following a controller and a timeout scope (AbortSignal.any([ac.signal,
 * AbortSignal.timeout(10)])): the timeout's timer cancels the follower after the
 * timeout scope's own listeners; the controller cancelled later changes nothing. */
#include "ctwin.h"

static tick_scope_t *ac, *t, *any;

static void any_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("any aborted %s", error_name(code));
}

static void t_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  say("timeout aborted");
}

static void later(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop, (void)timer, (void)arg;
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  sayf("controller aborted later %s", error_name(tick_scope_status(any)));
  check(tick_scope_release(ac), "release");
  check(tick_scope_release(t), "release");
  check(tick_scope_release(any), "release");
}

static void main_script(tick_loop_t *loop) {
  ac = controller(loop);
  t = controller(loop);
  check(tick_scope_set_timeout(t, 10), "AbortSignal.timeout");
  any = controller(loop);
  check(tick_scope_link(any, ac), "any");
  check(tick_scope_link(any, t), "any");
  on_abort(any, any_listener, NULL);
  on_abort(t, t_listener, NULL);
  check(tick_set_timeout(loop, 10, say_timer, "timer 10", NULL), "setTimeout");
  check(tick_set_timeout(loop, 15, later, NULL, NULL), "setTimeout");
}
