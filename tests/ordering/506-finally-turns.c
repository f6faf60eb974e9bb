/* SEMANTICS 6: finally costs 2 more turns than then and keeps the outcome it was given. */
#include "ptwin.h"

static int identity(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_forward(next, s);
}

static int finally_log(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  (void)wait;
  say(arg);
  return 0;
}

static void with_finally(tick_promise_t *p, const char *label, tick_promise_cb on_ok,
                         tick_promise_cb on_err, const char *done) {
  tick_promise_t *f;
  check(tick_promise_finally(p, finally_log, (void *)(uintptr_t)label, NULL, &f), "finally");
  then_(f, on_ok, on_err, done);
  release(f);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  start_turns(loop, 6);
  p = resolved(loop, "v");
  q = then(p, identity, NULL, NULL);
  then_(q, log_value, NULL, "then done");
  release(p);
  release(q);
  with_finally(resolved(loop, "v"), "finally callback", log_value, NULL, "finally done");
  with_finally(rejected(loop, "r"), "finally callback 2", NULL, log_value, "finally caught");
  p = rejected(loop, "r");
  q = then(p, identity, NULL, NULL);
  then_(q, NULL, log_value, "then caught");
  release(p);
  release(q);
}
