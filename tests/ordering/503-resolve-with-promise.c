/* SEMANTICS 6: resolving with a native promise costs 2 extra turns (a thenable job, then a
 * reaction). */
#include "ptwin.h"

static tick_resolver_t *resolve_later;

static void resolve_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  check(tick_resolver_resolve(resolve_later, arg, NULL), "resolve");
  check(tick_resolver_release(resolve_later), "release");
}

/* new Promise(r => r(q)) */
static tick_promise_t *follow(tick_loop_t *loop, tick_promise_t *q) {
  tick_resolver_t *r;
  tick_promise_t *p = deferred(loop, &r);
  check(tick_resolver_resolve_promise(r, q), "resolve_promise");
  check(tick_resolver_release(r), "release");
  release(q);
  return p;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *later;
  start_turns(loop, 6);
  p = resolved(loop, "plain");
  then_(p, log_value, NULL, "settled");
  release(p);
  p = follow(loop, resolved(loop, "via-promise"));
  then_(p, log_value, NULL, "settled");
  release(p);
  p = follow(loop, rejected(loop, "via-rejected"));
  then_(p, NULL, log_value, "rejected");
  release(p);
  later = deferred(loop, &resolve_later);
  p = follow(loop, later);
  then_(p, log_value, NULL, "settled");
  release(p);
  check(tick_queue_microtask(loop, resolve_task, "via-pending"), "queueMicrotask");
}
