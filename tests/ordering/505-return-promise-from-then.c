/* SEMANTICS 6: returning a promise from a then callback costs 2 extra turns; returning a
 * thenable 1. */
#include "ptwin.h"

static int return_promise(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                          void *arg) {
  tick_promise_t *q = resolved(loop, arg);
  int r = tick_resolver_resolve_promise(next, q);
  (void)s;
  release(q);
  return r;
}

static int return_rejected(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                           void *arg) {
  tick_promise_t *q = rejected(loop, arg);
  int r = tick_resolver_resolve_promise(next, q);
  (void)s;
  release(q);
  return r;
}

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  say("thenable then");
  return tick_resolver_resolve(r, object, NULL);
}

static int return_thenable(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                           void *arg) {
  (void)loop;
  (void)s;
  return tick_resolver_resolve_thenable(next, arg, thenable_then, NULL);
}

static void step(tick_loop_t *loop, tick_promise_cb first, const char *value,
                 tick_promise_cb on_ok, tick_promise_cb on_err, const char *label) {
  tick_promise_t *a = resolved(loop, "a"), *b = then(a, first, NULL, value);
  then_(b, on_ok, on_err, label);
  release(a);
  release(b);
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 6);
  step(loop, return_label, "value", log_value, NULL, "after value");
  step(loop, return_promise, "promise", log_value, NULL, "after promise");
  step(loop, return_thenable, "thenable", log_value, NULL, "after thenable");
  step(loop, return_rejected, "rejected", NULL, log_value, "after rejected");
}
