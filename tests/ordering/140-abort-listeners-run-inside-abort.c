/* Scope listeners run synchronously inside tick_scope_cancel, in the order they were
 * added (abort listeners inside AbortController.abort()); what they queue runs after the
 * caller's code, in the drain. */
#include "ctwin.h"

static tick_scope_t *ac;

static void listener_1(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)s;
  (void)code;
  (void)arg;
  say("listener 1");
  check(tick_queue_microtask(loop, say_task, "micro from listener 1"), "queueMicrotask");
  check(tick_next_tick(loop, say_task, "tick from listener 1"), "nextTick");
}

static void listener_2(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop;
  (void)code;
  (void)arg;
  sayf("listener 2 %s", aborted(s));
}

static void main_script(tick_loop_t *loop) {
  ac = controller(loop);
  on_abort(ac, listener_1, NULL);
  on_abort(ac, listener_2, NULL);
  check(tick_queue_microtask(loop, say_task, "micro before abort"), "queueMicrotask");
  say("before abort");
  check(tick_scope_cancel(ac, TICK_ECANCELED), "abort");
  sayf("after abort %s", aborted(ac));
  check(tick_scope_release(ac), "release");
}
