/* SEMANTICS 6: resolving with a rejected promise handles it (only the outer promise can be
 * reported) and rejects 2 turns later. */
#include "ptwin.h"

static tick_promise_t *outer, *inner2;

static void unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("unhandledRejection %s %s", show(p), p == outer ? "outer" : "inner");
}

static tick_promise_t *follow(tick_loop_t *loop, tick_promise_t *q) {
  tick_resolver_t *r;
  tick_promise_t *p = deferred(loop, &r);
  check(tick_resolver_resolve_promise(r, q), "resolve_promise");
  check(tick_resolver_release(r), "release");
  return p;
}

static int return_inner2(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                         void *arg) {
  (void)loop;
  (void)s;
  (void)arg;
  return tick_resolver_resolve_promise(next, inner2);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *inner, *p, *q;
  check(tick_promise_set_unhandled_hook(loop, unhandled, NULL, on_handled_late, NULL), "hook");
  start_turns(loop, 4);
  inner = rejected(loop, "inner");
  outer = follow(loop, inner);
  release(inner);
  inner2 = rejected(loop, "inner2");
  p = follow(loop, inner2);
  then_(p, NULL, log_value, "outer2 caught");
  release(p);
  p = resolved(loop, NULL);
  q = then(p, return_inner2, NULL, NULL);
  then_(q, NULL, log_value, "then-returned caught");
  release(p);
  release(q);
  /* outer and inner2 stay referenced until the loop is destroyed, like JS globals. */
}
