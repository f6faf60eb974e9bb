/* tick_scope_link (AbortSignal.any): the follower is cancelled with the first source's
 * code, after that source's own listeners; a follower of a follower follows too; later
 * cancellations of the other sources change nothing. 'from a' is TICK_EIO here, 'from b'
 * TICK_EPIPE. */
#include "ctwin.h"

static tick_scope_t *a, *b, *any, *any2;

static const char *reason(int code) {
  return code == TICK_EIO ? "from a" : code == TICK_EPIPE ? "from b" : "undefined";
}

static void a_listener_1(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  sayf("a listener 1 %s", aborted(any));
}

static void any_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("any listener %s %s", reason(code), aborted(any2));
}

static void any2_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("any2 listener %s", reason(code));
}

static void a_listener_2(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  sayf("a listener 2 %s", aborted(any));
}

static void b_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  sayf("b listener %s", reason(tick_scope_status(any)));
}

static void main_script(tick_loop_t *loop) {
  a = controller(loop);
  b = controller(loop);
  any = controller(loop);
  check(tick_scope_link(any, a), "any");
  check(tick_scope_link(any, b), "any");
  any2 = controller(loop);
  check(tick_scope_link(any2, any), "any");
  on_abort(a, a_listener_1, NULL);
  on_abort(any, any_listener, NULL);
  on_abort(any2, any2_listener, NULL);
  on_abort(a, a_listener_2, NULL);
  on_abort(b, b_listener, NULL);
  check(tick_scope_cancel(b, TICK_EPIPE), "abort");
  sayf("after b %s %s", aborted(any), reason(tick_scope_status(any)));
  check(tick_scope_cancel(a, TICK_EIO), "abort");
  sayf("after a %s %s", reason(tick_scope_status(any)), reason(tick_scope_status(any2)));
  check(tick_scope_release(any2), "release");
  check(tick_scope_release(any), "release");
  check(tick_scope_release(b), "release");
  check(tick_scope_release(a), "release");
}
