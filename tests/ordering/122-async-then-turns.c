/* SEMANTICS 7: the turn at which a .then on an async function's promise runs, for 0, 1
 * and 2 awaits inside. */
#include "atwin.h"

static int steps(tick_async_t *co, void *arg) {
  const char *n = arg;
  int i;
  for (i = 0; i < n[0] - '0'; i++) await_str(co, NULL);
  return ret_str(co, n);
}

static void main_script(tick_loop_t *loop) {
  static const char *const order[] = {"2", "1", "0"};
  int i;
  start_turns(loop, 6);
  for (i = 0; i < 3; i++) {
    tick_promise_t *p = call(loop, steps, order[i]);
    then_(p, log_value, NULL, "settled");
    release(p);
  }
  say("sync end");
}
