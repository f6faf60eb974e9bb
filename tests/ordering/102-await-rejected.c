/* SEMANTICS 7: await of a rejected promise raises at that await after 1 turn; the catch
 * block runs there. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  tick_promise_t *bad = rejected(tick_async_loop(co), "bad");
  int rc = tick_await(co, bad);
  release(bad);
  (void)arg;
  if (rc < 0) goto catch_;
  say("not reached");
  goto after;
catch_:
  sayf("caught %s", got(co));
after:
  say("f after catch");
  return 0;
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 6);
  go(loop, f, NULL);
  say("sync end");
}
