/* SEMANTICS 2: a then callback is never called synchronously, even on a settled promise;
 * the executor runs synchronously. */
#include "ptwin.h"

static int executor(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  say("executor runs synchronously");
  return tick_resolver_resolve(r, "x", NULL);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p = resolved(loop, "v"), *q, *r;
  then_(p, log_value, NULL, "then");
  say("sync after then");
  check(tick_promise_create(loop, executor, NULL, &q), "create");
  then_(q, log_value, NULL, "then2");
  r = rejected(loop, "r");
  then_(r, NULL, log_value, "catch");
  say("sync end");
  release(p);
  release(q);
  release(r);
}
