/* SEMANTICS 6: resolving with a foreign thenable costs 1 extra turn: its then is read
 * once, synchronously, and called in a job. */
#include "ptwin.h"

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  sayf("then called %s", (const char *)object);
  return tick_resolver_resolve(r, object, NULL);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  tick_resolver_t *r;
  start_turns(loop, 5);
  p = resolved(loop, "plain");
  then_(p, log_value, NULL, "settled");
  release(p);
  p = deferred(loop, &r);
  say("then read executor"); /* the JS getter runs when resolve inspects the value */
  check(tick_resolver_resolve_thenable(r, "executor", thenable_then, NULL), "thenable");
  check(tick_resolver_release(r), "release");
  then_(p, log_value, NULL, "settled");
  release(p);
  say("then read Promise.resolve");
  check(tick_promise_resolve_thenable(loop, "Promise.resolve", thenable_then, NULL, &p),
        "resolve_thenable");
  then_(p, log_value, NULL, "settled");
  release(p);
  say("sync end");
}
