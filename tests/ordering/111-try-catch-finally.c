/* SEMANTICS 7: try/catch/finally around awaits: the function's cleanup runs before its
 * promise settles. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  int fail = arg != NULL, rc;
  const char *label = fail ? "true" : "false";
  /* try */
  sayf("try %s", label);
  if (fail) {
    tick_promise_t *bad = rejected(tick_async_loop(co), "err");
    rc = tick_await(co, bad);
    release(bad);
  } else {
    rc = await_str(co, "ok");
  }
  if (rc < 0) goto catch_;
  sayf("after await %s", label);
  rc = ret_str(co, "result");
  goto finally;
catch_:
  sayf("catch %s", got(co));
  await_str(co, "in catch");
  rc = ret_str(co, "recovered");
finally:
  sayf("finally %s", label);
  return rc;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, f, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  p = call(loop, f, "fail");
  then_(p, log_value, NULL, "settled");
  release(p);
  say("sync end");
}
