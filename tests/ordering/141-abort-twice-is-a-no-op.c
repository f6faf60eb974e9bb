/* Cancelling a scope again does nothing: its listeners ran once and the first code stays
 * (AbortController.abort twice). The reason 'first' is TICK_EIO here, 'second' TICK_EPIPE,
 * 'third' TICK_EBADF. */
#include "ctwin.h"

static tick_scope_t *ac;

static const char *reason(int code) {
  return code == TICK_EIO ? "first" : code == TICK_EPIPE ? "second" : "third";
}

static void listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop;
  (void)s;
  (void)arg;
  sayf("listener %s", reason(code));
}

static void in_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  check(tick_scope_cancel(ac, TICK_EBADF), "abort");
  sayf("in timer %s", reason(tick_scope_status(ac)));
  check(tick_scope_release(ac), "release");
}

static void main_script(tick_loop_t *loop) {
  ac = controller(loop);
  on_abort(ac, listener, NULL);
  check(tick_scope_cancel(ac, TICK_EIO), "abort");
  sayf("aborted once %s", reason(tick_scope_status(ac)));
  check(tick_scope_cancel(ac, TICK_EPIPE), "abort");
  sayf("aborted twice %s", reason(tick_scope_status(ac)));
  check(tick_set_timeout(loop, 1, in_timer, NULL, NULL), "setTimeout");
}
