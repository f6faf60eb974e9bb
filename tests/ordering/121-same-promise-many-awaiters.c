/* SEMANTICS 6-7: several awaits on one promise resume in the order they were registered,
 * interleaved with its then reactions. */
#include "atwin.h"

static tick_promise_t *shared;

static int waiter(tick_async_t *co, void *arg) {
  tick_await(co, shared);
  sayf("%s got %s", (const char *)arg, got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_resolver_t *r;
  shared = deferred(loop, &r);
  go(loop, waiter, "w1");
  then_(shared, log_value, NULL, "then got");
  go(loop, waiter, "w2");
  go(loop, waiter, "w3");
  check(tick_resolver_resolve(r, (void *)"shared", NULL), "resolve");
  check(tick_resolver_release(r), "release");
  say("sync end");
  release(shared);
}
