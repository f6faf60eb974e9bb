/* SEMANTICS 6: the executor runs synchronously, a throw in it rejects the promise, and a
 * promise settles once. */
#include "ptwin.h"

static int e1(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)r;
  (void)arg;
  say("executor 1");
  return tick_resolver_reject(r, JS_THROW, "boom", NULL) < 0 ? -1 : JS_THROW;
}

static int e2(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  say("executor 2");
  check(tick_resolver_resolve(r, "ok", NULL), "resolve");
  return JS_THROW; /* throw 'ignored' */
}

static int e3(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  check(tick_resolver_resolve(r, "first", NULL), "resolve");
  check(tick_resolver_reject(r, JS_THROW, "second", NULL), "reject");
  check(tick_resolver_resolve(r, "third", NULL), "resolve");
  return 0;
}

static int e4(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  check(tick_resolver_reject(r, JS_THROW, "first", NULL), "reject");
  check(tick_resolver_resolve(r, "second", NULL), "resolve");
  return 0;
}

static void make(tick_loop_t *loop, tick_executor_cb ex, tick_promise_cb ok,
                 tick_promise_cb err, const char *label) {
  tick_promise_t *p;
  check(tick_promise_create(loop, ex, NULL, &p), "create");
  then_(p, ok, err, label);
  release(p);
}

static int fulfilled(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  sayf("fulfilled %s", show(s));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  make(loop, e1, NULL, log_value, "caught");
  make(loop, e2, fulfilled, log_value, "never");
  make(loop, e3, log_value, NULL, "settled once");
  make(loop, e4, NULL, log_value, "rejected once");
  say("sync end");
}
