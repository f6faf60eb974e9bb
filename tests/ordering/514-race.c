/* SEMANTICS 6: Promise.race settles like the first input to settle; plain values count as
 * fulfilled; race([]) never settles. */
#include "ptwin.h"

static tick_resolver_t *resolve_slow;

static void immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("immediate");
  check(tick_resolver_resolve(resolve_slow, "slow", NULL), "resolve");
  check(tick_resolver_release(resolve_slow), "release");
}

/* (e) => log(label + ' rejected', e) */
static int log_rejected(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)next;
  sayf("%s rejected %s", (const char *)arg, show(s));
  return 0;
}

static void race(tick_loop_t *loop, tick_promise_t **in, size_t n, const char *label) {
  tick_promise_t *p;
  check(tick_promise_race(loop, in, n, &p), "race");
  then_(p, log_value, log_rejected, label);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *slow, *in[3];
  start_turns(loop, 3);
  slow = deferred(loop, &resolve_slow);
  in[0] = slow;
  in[1] = resolved(loop, "value");
  in[2] = rejected(loop, "loser");
  race(loop, in, 3, "race");
  release(in[1]);
  release(in[2]);
  in[1] = rejected(loop, "first reject");
  in[2] = resolved(loop, "later value");
  race(loop, in, 3, "race2");
  release(in[1]);
  release(in[2]);
  race(loop, NULL, 0, "never");
  race(loop, &slow, 1, "race3");
  release(slow);
  check(tick_set_immediate(loop, immediate, NULL, NULL), "setImmediate");
}
