/* SEMANTICS 7: await of a foreign thenable resumes after 2 turns (its then is read at the
 * await, called in a job). */
#include "atwin.h"

static int then_th(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  sayf("then called %s", (const char *)object);
  return tick_resolver_resolve(r, object, NULL) < 0 ? -1 : 0;
}

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  say("then read th"); /* the getter runs at the await, synchronously */
  tick_await_thenable(co, (void *)"th", then_th, NULL);
  sayf("f resumed %s", got(co));
  return 0;
}

static int g(tick_async_t *co, void *arg) {
  (void)arg;
  await_str(co, "plain");
  sayf("g resumed %s", got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 6);
  go(loop, f, NULL);
  go(loop, g, NULL);
  say("sync end");
}
