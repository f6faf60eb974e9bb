/* SEMANTICS 6-7: an async function returning a foreign thenable settles 1 turn after
 * returning a value. */
#include "atwin.h"

static int then_th(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  sayf("then called %s", (const char *)object);
  return tick_resolver_resolve(r, object, NULL) < 0 ? -1 : 0;
}

static int a(tick_async_t *co, void *arg) {
  (void)arg;
  return tick_async_return_thenable(co, (void *)"th", then_th, NULL);
}

static int b(tick_async_t *co, void *arg) {
  (void)arg;
  return ret_str(co, "v");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, a, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  p = call(loop, b, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  say("sync end");
}
