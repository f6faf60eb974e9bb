/* SEMANTICS 7: a throw after an await rejects the promise when it happens; a catch on it
 * runs 1 turn later. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  await_str(co, "a");
  say("f throws");
  return throw_str(co, "late");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, f, NULL);
  then_(p, NULL, log_value, "caught");
  release(p);
  say("sync end");
}
