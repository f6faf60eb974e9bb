/* SEMANTICS 6: resolving a promise with itself rejects it with a type error. */
#include "ptwin.h"

static tick_promise_t *q;

static int return_q(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)arg;
  return tick_resolver_resolve_promise(next, q);
}

static void main_script(tick_loop_t *loop) {
  tick_resolver_t *resolve;
  tick_promise_t *p = deferred(loop, &resolve), *x;
  check(tick_resolver_resolve_promise(resolve, p), "resolve self");
  then_(p, NULL, log_value, "executor self");
  check(tick_resolver_resolve(resolve, "ignored", NULL), "resolve again");
  check(tick_resolver_release(resolve), "release");
  release(p);
  x = resolved(loop, "x");
  q = then(x, return_q, NULL, NULL);
  then_(q, NULL, log_value, "then self");
  release(x);
  release(q); /* the reaction keeps q alive until it has run */
  say("sync end");
}
