/* tick_delay under a scope (timers/promises setTimeout with a signal): cancelling rejects
 * the pending delay inside tick_scope_cancel, at its listener's place, and its timer never
 * fires; the promise settles three turns later, as Node's (which returns a finally); a
 * cancelled scope gives a promise rejected at once; a delay without a scope fulfils on
 * time. */
#include "ctwin.h"

static tick_scope_t *ac;

static int fulfilled(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)p, (void)next;
  sayf("%s fulfilled", (const char *)arg);
  return 0;
}

static int rejected_(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)next;
  sayf("%s rejected %s", (const char *)arg, error_name(tick_promise_error(p)));
  return 0;
}

static void listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop, (void)s, (void)code, (void)arg;
  say("listener");
}

static void abort_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  tick_promise_t *p;
  (void)t, (void)arg;
  say("aborting");
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  say("aborted");
  check(tick_delay(loop, ac, 1, &p), "delay");
  then_(p, NULL, rejected_, "pre-aborted");
  release(p);
  check(tick_scope_release(ac), "release");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  ac = controller(loop);
  check(tick_delay(loop, ac, 1000, &p), "delay");
  then_(p, fulfilled, rejected_, "d1000");
  release(p);
  on_abort(ac, listener, NULL);
  check(tick_delay(loop, NULL, 150, &p), "delay");
  then_(p, fulfilled, NULL, "d150");
  release(p);
  check(tick_set_timeout(loop, 1, abort_timer, NULL, NULL), "setTimeout");
}
