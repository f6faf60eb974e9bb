/* SEMANTICS 7: return await p settles 1 turn after returning a value, 1 turn before
 * returning p. */
#include "atwin.h"

static int a(tick_async_t *co, void *arg) { return tick_async_return_promise(co, arg); }

static int b(tick_async_t *co, void *arg) {
  tick_await(co, arg);
  return tick_async_forward(co, tick_async_result(co));
}

static int c(tick_async_t *co, void *arg) {
  (void)arg;
  return ret_str(co, "v");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  start_turns(loop, 6);
  p = resolved(loop, "p");
  q = call(loop, a, p);
  then_(q, log_value, NULL, "return p");
  release(q);
  q = call(loop, b, p);
  then_(q, log_value, NULL, "return await p");
  release(q);
  q = call(loop, c, NULL);
  then_(q, log_value, NULL, "return value");
  release(q);
  say("sync end");
  release(p);
}
