/* SEMANTICS 6: Promise.any fulfils like the first fulfilment; all rejected gives an
 * aggregate error with the reasons in input order; any([]) rejects at once. */
#include "ptwin.h"

static tick_resolver_t *reject_later;

static int log_aggregate(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                         void *arg) {
  char buf[256] = "AggregateError ";
  size_t i;
  (void)loop;
  (void)next;
  if (tick_promise_error(s) != TICK_EAGGREGATE) return log_value(loop, s, next, arg);
  for (i = 0; i < tick_promise_count(s); i++) {
    if (i) strcat(buf, ",");
    strcat(buf, show(tick_promise_item(s, i)));
  }
  sayf("%s %s", (const char *)arg, buf);
  return 0;
}

static void immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("immediate");
  check(tick_resolver_reject(reject_later, JS_THROW, "x", NULL), "reject");
  check(tick_resolver_release(reject_later), "release");
}

static void any(tick_loop_t *loop, tick_promise_t **in, size_t n, tick_promise_cb ok,
                tick_promise_cb err, const char *label) {
  tick_promise_t *p;
  size_t i;
  check(tick_promise_any(loop, in, n, &p), "any");
  then_(p, ok, err, label);
  release(p);
  for (i = 0; i < n; i++) release(in[i]);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *in[3];
  start_turns(loop, 3);
  in[0] = rejected(loop, "a");
  in[1] = resolved(loop, "b");
  in[2] = resolved(loop, "c");
  any(loop, in, 3, log_value, NULL, "any");
  in[0] = deferred(loop, &reject_later);
  in[1] = rejected(loop, "y");
  in[2] = rejected(loop, "z");
  any(loop, in, 3, NULL, log_aggregate, "any rejected");
  any(loop, NULL, 0, NULL, log_aggregate, "empty");
  check(tick_set_immediate(loop, immediate, NULL, NULL), "setImmediate");
}
