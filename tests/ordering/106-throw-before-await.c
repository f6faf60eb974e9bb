/* SEMANTICS 7: a throw before the first await rejects the async function's promise; the
 * caller is not interrupted. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  say("f body");
  return throw_str(co, "early");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *x;
  start_turns(loop, 6);
  p = call(loop, f, NULL);
  say("after call");
  then_(p, NULL, log_value, "caught");
  release(p);
  x = resolved(loop, "x");
  then_(x, log_value, NULL, "then");
  release(x);
  say("sync end");
}
