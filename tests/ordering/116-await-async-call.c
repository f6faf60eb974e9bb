/* SEMANTICS 7: awaiting another async function's promise: its return settles it, the
 * awaiter resumes 1 turn later. */
#include "atwin.h"

static int inner(tick_async_t *co, void *arg) {
  (void)arg;
  say("inner start");
  await_str(co, NULL);
  say("inner end");
  return ret_str(co, "inner value");
}

static int outer(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  (void)arg;
  say("outer start");
  p = call(tick_async_loop(co), inner, NULL);
  tick_await(co, p);
  release(p);
  sayf("outer got %s", got(co));
  return tick_async_return(co, strf("%s!", got(co)), free);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, outer, NULL);
  then_(p, log_value, NULL, "outer settled");
  release(p);
  say("sync end");
}
