/* SEMANTICS 7: an async function started inside a then handler runs to its first await
 * inside that handler. */
#include "atwin.h"

static int body(tick_async_t *co, void *arg) {
  (void)arg;
  say("async body");
  await_str(co, NULL);
  say("async resumed");
  return 0;
}

static int handler(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  (void)arg;
  say("handler start");
  go(loop, body, NULL);
  say("handler end");
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = resolved(loop, NULL);
  then_(p, handler, NULL, NULL);
  release(p);
  say("sync end");
}
