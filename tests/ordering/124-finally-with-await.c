/* SEMANTICS 7: an await inside finally delays the function's settlement; the original
 * outcome is kept. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  int rc;
  (void)arg;
  /* try */
  await_str(co, NULL);
  rc = throw_str(co, "original");
  /* finally: the pending throw stays the outcome */
  say("finally start");
  await_str(co, "cleanup");
  say("finally end");
  return rc;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, f, NULL);
  then_(p, NULL, log_value, "caught");
  release(p);
  say("sync end");
}
