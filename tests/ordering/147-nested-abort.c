/* Nested cancellations: a listener of one scope cancels another, whose listeners run
 * inside it, before the first scope's next listener; a listener cancelling its own scope
 * again does nothing. 'outer reason' is TICK_EIO here, 'inner reason' TICK_EPIPE,
 * 'again' TICK_EBADF. */
#include "ctwin.h"

static tick_scope_t *outer, *inner;

static const char *reason(int code) {
  return code == TICK_EIO ? "outer reason" : code == TICK_EPIPE ? "inner reason" : "again";
}

static void outer_1(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)code, (void)arg;
  say("outer listener 1");
  check(tick_scope_cancel(inner, TICK_EPIPE), "abort");
  say("outer listener 1 after inner abort");
  check(tick_scope_cancel(s, TICK_EBADF), "abort");
}

static void inner_1(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)arg;
  sayf("inner listener %s", reason(code));
}

static void outer_2(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)arg;
  sayf("outer listener 2 %s", reason(tick_scope_status(s)));
  (void)code;
}

static void inner_2(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  say("inner listener 2");
}

static void main_script(tick_loop_t *loop) {
  outer = controller(loop);
  inner = controller(loop);
  on_abort(outer, outer_1, NULL);
  on_abort(inner, inner_1, NULL);
  on_abort(outer, outer_2, NULL);
  on_abort(inner, inner_2, NULL);
  check(tick_scope_cancel(outer, TICK_EIO), "abort");
  sayf("done %s %s", reason(tick_scope_status(outer)), reason(tick_scope_status(inner)));
  check(tick_scope_release(outer), "release");
  check(tick_scope_release(inner), "release");
}
