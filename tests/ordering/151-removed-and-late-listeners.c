/* A listener removed with tick_scope_unlisten is not called; one added after the
 * cancellation is refused (TICK_EALREADY) and never called; each listener runs once. */
#include "ctwin.h"

static void kept(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_scope_t *ac = controller(loop);
  tick_scope_listener_t late;
  on_abort(ac, kept, "kept listener 1");
  on_abort(ac, kept, "removed listener");
  on_abort(ac, kept, "kept listener 2");
  check(tick_scope_unlisten(&listeners[1]), "removeEventListener");
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  memset(&late, 0, sizeof(late));
  if (tick_scope_listen(ac, &late, kept, "late listener") != TICK_EALREADY)
    twin_check(TICK_EINVAL, "late listen");
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  check(tick_set_timeout(loop, 1, say_timer, "end", NULL), "setTimeout");
  check(tick_scope_release(ac), "release");
}
