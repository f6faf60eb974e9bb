/* SEMANTICS 7: a catch block that rethrows rejects the function's promise with the same
 * reason; an outer async function catches it. */
#include "atwin.h"

static int inner(tick_async_t *co, void *arg) {
  tick_promise_t *bad = rejected(tick_async_loop(co), "deep");
  int rc = tick_await(co, bad);
  (void)arg;
  release(bad);
  if (rc < 0) {
    sayf("inner caught %s", got(co));
    return tick_async_forward(co, tick_async_result(co)); /* throw e */
  }
  return 0;
}

static int outer(tick_async_t *co, void *arg) {
  tick_promise_t *p = call(tick_async_loop(co), inner, NULL);
  int rc = tick_await(co, p);
  (void)arg;
  release(p);
  if (rc == 0)
    say("not reached");
  else
    sayf("outer caught %s", got(co));
  return ret_str(co, "outer done");
}

static int log_it(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  say(show(s));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p = call(loop, outer, NULL);
  then_(p, log_it, NULL, NULL);
  release(p);
  say("sync end");
}
