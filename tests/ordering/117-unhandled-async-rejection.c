/* SEMANTICS 6-7: an async function's rejected promise that nobody handles is reported
 * after the drain; a later catch makes it handled late. */
#include "atwin.h"

static int fails(tick_async_t *co, void *arg) {
  await_str(co, NULL);
  return throw_str(co, arg);
}

static int caught(tick_async_t *co, void *arg) {
  tick_promise_t *p = call(tick_async_loop(co), fails, "inner");
  (void)arg;
  if (tick_await(co, p) < 0) sayf("caught %s", got(co));
  release(p);
  return 0;
}

static void catch_late(tick_loop_t *loop, void *arg) {
  (void)loop;
  then_(arg, NULL, log_value, "caught late");
  release(arg);
}

static void on_unhandled_reason(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("unhandledRejection %s", show(p));
}

static void on_late(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
  say("rejectionHandled");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  check(tick_promise_set_unhandled_hook(loop, on_unhandled_reason, NULL, on_late, NULL),
        "hook");
  go(loop, fails, "nobody");
  p = call(loop, fails, "later");
  check(tick_set_immediate(loop, catch_late, p, NULL), "setImmediate");
  go(loop, caught, NULL);
  say("sync end");
}
