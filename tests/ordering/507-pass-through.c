/* SEMANTICS 6: a non-function handler passes the value through and still costs one turn. */
#include "ptwin.h"

static int identity(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_forward(next, s);
}

/* p.then(a1, b1).then(a2, b2): a chain of two reactions. */
static void two(tick_promise_t *p, tick_promise_cb a1, tick_promise_cb b1, const char *l1,
                tick_promise_cb a2, tick_promise_cb b2, const char *l2) {
  tick_promise_t *q = then(p, a1, b1, l1);
  then_(q, a2, b2, l2);
  release(q);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  start_turns(loop, 5);
  two(resolved(loop, "v"), NULL, NULL, NULL, log_value, NULL, "passed");
  two(resolved(loop, "v"), identity, NULL, NULL, log_value, NULL, "function");
  two(rejected(loop, "r"), log_value, NULL, "never", NULL, log_value, "passed reason");
  p = rejected(loop, "r");
  then_(p, NULL, log_value, "caught directly");
  release(p);
  p = resolved(loop, "w");
  q = then(p, NULL, log_label, "never");
  two(q, NULL, NULL, NULL, log_value, NULL, "two pass-throughs");
  release(p);
}
