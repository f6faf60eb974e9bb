/* SEMANTICS 7: an async function that returns a promise settles 2 turns after one that
 * returns a value. */
#include "atwin.h"

static int value(tick_async_t *co, void *arg) {
  (void)arg;
  return ret_str(co, "value");
}

static int promise(tick_async_t *co, void *arg) {
  tick_promise_t *p = resolved(tick_async_loop(co), "promise");
  int rc = tick_async_return_promise(co, p);
  (void)arg;
  release(p);
  return rc;
}

static void resolve_task(tick_loop_t *loop, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  check(tick_resolver_resolve(r, "pending", NULL), "resolve");
  check(tick_resolver_release(r), "release");
}

static int pending(tick_async_t *co, void *arg) {
  tick_resolver_t *r;
  tick_promise_t *p = deferred(tick_async_loop(co), &r);
  int rc;
  (void)arg;
  check(tick_queue_microtask(tick_async_loop(co), resolve_task, r), "queueMicrotask");
  rc = tick_async_return_promise(co, p);
  release(p);
  return rc;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  start_turns(loop, 6);
  p = call(loop, promise, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  p = call(loop, value, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  p = call(loop, pending, NULL);
  then_(p, log_value, NULL, "settled");
  release(p);
  say("sync end");
}
