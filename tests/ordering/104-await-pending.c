/* SEMANTICS 7: await of a pending promise resumes exactly 1 turn after it settles. */
#include "atwin.h"

static tick_resolver_t *resolve_later;

static int f(tick_async_t *co, void *arg) {
  tick_await(co, arg);
  sayf("f resumed %s", got(co));
  return 0;
}

static void resolving(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("resolving");
  check(tick_resolver_resolve(resolve_later, "late", NULL), "resolve");
  check(tick_resolver_release(resolve_later), "release");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *later;
  start_turns(loop, 6);
  later = deferred(loop, &resolve_later);
  go(loop, f, later);
  then_(later, log_value, NULL, "then on later");
  check(tick_queue_microtask(loop, resolving, NULL), "queueMicrotask");
  say("sync end");
  release(later);
}
