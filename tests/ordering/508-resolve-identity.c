/* SEMANTICS 6: Promise.resolve(p) returns p itself, so it costs no turn; new Promise(r =>
 * r(p)) costs 2. */
#include "ptwin.h"

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *same, *q;
  tick_resolver_t *r;
  start_turns(loop, 4);
  p = resolved(loop, "v");
  check(tick_promise_resolve_promise(p, &same), "resolve_promise");
  sayf("same object %s", same == p ? "true" : "false");
  then_(same, log_value, NULL, "via Promise.resolve");
  release(same);
  q = deferred(loop, &r);
  check(tick_resolver_resolve_promise(r, p), "resolve_promise");
  check(tick_resolver_release(r), "release");
  then_(q, log_value, NULL, "via executor");
  release(q);
  then_(p, log_value, NULL, "direct");
  release(p);
}
