/* SEMANTICS 7: await of a thenable that rejects raises at the await after 2 turns; one
 * that throws after resolving keeps the value. */
#include "atwin.h"

static int then_rejects(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  say("then called");
  return tick_resolver_reject(r, JS_THROW, (void *)"thenable says no", NULL) < 0 ? -1 : 0;
}

static int then_resolves_then_throws(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_resolve(r, (void *)"first", NULL), "resolve");
  return JS_THROW; /* throw 'ignored' */
}

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  if (tick_await_thenable(co, NULL, then_rejects, NULL) < 0) sayf("caught %s", got(co));
  tick_await_thenable(co, NULL, then_resolves_then_throws, NULL);
  sayf("got %s", got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 6);
  go(loop, f, NULL);
  say("sync end");
}
