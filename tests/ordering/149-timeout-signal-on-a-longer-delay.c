/* A delay under a scope whose timeout is shorter: the scope's timer rejects it with
 * TICK_ETIMEDOUT (Node: an AbortError caused by a TimeoutError) in that timer's drain,
 * before a timer of the same delay made after the scope's. */
#include "ctwin.h"

static int fulfilled(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)p, (void)next, (void)arg;
  say("delay fulfilled");
  return 0;
}

static int rejected_(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)next, (void)arg;
  sayf("delay rejected AbortError %s", error_name(tick_promise_error(p)));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_scope_t *signal_ = controller(loop);
  tick_promise_t *p;
  check(tick_scope_set_timeout(signal_, 5), "AbortSignal.timeout");
  check(tick_delay(loop, signal_, 10, &p), "delay");
  then_(p, fulfilled, rejected_, NULL);
  release(p);
  check(tick_scope_release(signal_), "release");
  check(tick_set_timeout(loop, 5, say_timer, "timeout 5", NULL), "setTimeout");
  check(tick_set_timeout(loop, 50, say_timer, "timeout 50", NULL), "setTimeout");
}
