/* SEMANTICS 6: Promise.allSettled never rejects and reports every outcome in input order. */
#include "ptwin.h"

static tick_resolver_t *resolve_later;

static int log_settled(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                       void *arg) {
  char buf[256] = "";
  size_t i;
  (void)loop;
  (void)next;
  for (i = 0; i < tick_promise_count(s); i++) {
    tick_promise_t *item = tick_promise_item(s, i);
    if (i) strcat(buf, ",");
    strcat(buf, tick_promise_state(item) == TICK_PROMISE_FULFILLED ? "ok:" : "err:");
    strcat(buf, show(item));
  }
  if (tick_promise_count(s) == 0)
    sayf("%s 0", (const char *)arg);
  else
    sayf("%s %s", (const char *)arg, buf);
  return 0;
}

static void immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("immediate");
  check(tick_resolver_resolve(resolve_later, "b", NULL), "resolve");
  check(tick_resolver_release(resolve_later), "release");
}

static void settled(tick_loop_t *loop, tick_promise_t **in, size_t n, const char *label) {
  tick_promise_t *p;
  size_t i;
  check(tick_promise_all_settled(loop, in, n, &p), "all_settled");
  then_(p, log_settled, NULL, label);
  release(p);
  for (i = 0; i < n; i++) release(in[i]);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *in[3];
  start_turns(loop, 4);
  in[0] = rejected(loop, "a");
  in[1] = deferred(loop, &resolve_later);
  in[2] = resolved(loop, "c");
  settled(loop, in, 3, "settled");
  settled(loop, NULL, 0, "empty");
  in[0] = rejected(loop, "x");
  in[1] = rejected(loop, "y");
  settled(loop, in, 2, "all rejected");
  check(tick_set_immediate(loop, immediate, NULL, NULL), "setImmediate");
}
