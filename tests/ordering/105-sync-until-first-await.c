/* SEMANTICS 7: an async function runs synchronously up to its first await; the caller's
 * next statement comes after that. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  sayf("%s body before await", (const char *)arg);
  await_str(co, NULL);
  sayf("%s body after await", (const char *)arg);
  return 0;
}

static int no_await(tick_async_t *co, void *arg) {
  (void)arg;
  say("no-await body");
  return ret_str(co, "done");
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  say("before call");
  p = call(loop, f, "f");
  say("after call");
  q = call(loop, no_await, NULL);
  then_(q, log_value, NULL, "no-await settled");
  release(q);
  say("sync end");
  then_(p, log_label, NULL, "f settled");
  release(p);
}
