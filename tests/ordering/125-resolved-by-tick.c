/* SEMANTICS 3 and 7: a promise resolved from a next-tick wakes its awaiter in the same
 * drain, after the remaining ticks. */
#include "atwin.h"

static tick_resolver_t *r1;

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void tick_resolves(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick resolves");
  check(tick_resolver_resolve(r1, (void *)"from tick", NULL), "resolve");
  check(tick_resolver_release(r1), "release");
  check(tick_next_tick(loop, log_task, "tick 2"), "nextTick");
}

static int f(tick_async_t *co, void *arg) {
  say("f waits");
  tick_await(co, arg);
  sayf("f got %s", got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p1 = deferred(loop, &r1);
  go(loop, f, p1);
  check(tick_next_tick(loop, tick_resolves, NULL), "nextTick");
  check(tick_queue_microtask(loop, log_task, "microtask 1"), "queueMicrotask");
  say("sync end");
  release(p1);
}
