/* SEMANTICS 7: await of a plain value resumes after exactly 1 microtask turn. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  say("f start");
  await_str(co, "plain");
  sayf("f resumed %s", got(co));
  await_str(co, NULL);
  sayf("f resumed again %s", got(co));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 6);
  go(loop, f, NULL);
  say("sync end");
}
