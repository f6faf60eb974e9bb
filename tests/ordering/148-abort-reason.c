/* Cancellation codes: TICK_ECANCELED is abort()'s AbortError, another code is a reason
 * of the program's own (here TICK_EIO stands for 'custom'); a scope made under a
 * cancelled parent is born cancelled (AbortSignal.abort()); the code reaches a delay
 * under the scope. */
#include "ctwin.h"

static tick_scope_t *a, *b;

static const char *reason(int code) { return code == TICK_EIO ? "custom" : error_name(code); }

static void a_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("a reason %s", reason(code));
}

static void b_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("b reason %s", reason(code));
}

static int delay_rejected(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next,
                          void *arg) {
  (void)loop, (void)next, (void)arg;
  sayf("delay cause %s", reason(tick_promise_error(p)));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_scope_t *cancelled = controller(loop), *born;
  tick_promise_t *p;
  check(tick_scope_cancel(cancelled, TICK_ECANCELED), "abort");
  check(tick_scope_create(loop, cancelled, &born), "AbortSignal.abort");
  sayf("born aborted %s %s", aborted(born), reason(tick_scope_status(born)));
  check(tick_scope_release(born), "release");
  check(tick_scope_release(cancelled), "release");
  a = controller(loop);
  b = controller(loop);
  on_abort(a, a_listener, NULL);
  on_abort(b, b_listener, NULL);
  check(tick_delay(loop, b, 10, &p), "delay");
  then_(p, NULL, delay_rejected, NULL);
  release(p);
  check(tick_scope_cancel(a, TICK_ECANCELED), "abort");
  check(tick_scope_cancel(b, TICK_EIO), "abort");
  sayf("a then b %s %s", aborted(a), aborted(b));
  check(tick_scope_release(a), "release");
  check(tick_scope_release(b), "release");
}
