/* SEMANTICS 7: await of a fulfilled native promise resumes after exactly 1 turn (no extra
 * turns, unlike resolve with a promise). */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  tick_await(co, arg);
  sayf("f resumed %s", got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *other;
  start_turns(loop, 6);
  p = resolved(loop, "ready");
  go(loop, f, p);
  then_(p, log_value, NULL, "then on p");
  other = resolved(loop, "other");
  then_(other, log_value, NULL, "other then");
  release(other);
  say("sync end");
  release(p); /* the await's reaction is queued already */
}
