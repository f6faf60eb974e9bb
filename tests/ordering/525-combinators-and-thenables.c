/* SEMANTICS 6: combinators over promises that adopt thenables and promises: each input's
 * own turn cost decides when the combinator settles. */
#include "ptwin.h"

static int thenable(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  sayf("then %s", (const char *)object);
  return tick_resolver_resolve(r, object, NULL);
}

static tick_promise_t *from_thenable(tick_loop_t *loop, const char *label) {
  tick_promise_t *p;
  check(tick_promise_resolve_thenable(loop, (void *)(uintptr_t)label, thenable, NULL, &p),
        "resolve_thenable");
  return p;
}

/* new Promise(r => r(q)), consuming q */
static tick_promise_t *follow(tick_loop_t *loop, tick_promise_t *q) {
  tick_resolver_t *r;
  tick_promise_t *p = deferred(loop, &r);
  check(tick_resolver_resolve_promise(r, q), "resolve_promise");
  check(tick_resolver_release(r), "release");
  release(q);
  return p;
}

static int log_items(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                     void *arg) {
  char buf[128] = "";
  size_t i;
  (void)loop;
  (void)next;
  for (i = 0; i < tick_promise_count(s); i++) {
    if (i) strcat(buf, ",");
    strcat(buf, show(tick_promise_item(s, i)));
  }
  sayf("%s %s", (const char *)arg, buf);
  return 0;
}

typedef int (*combinator_fn)(tick_loop_t *, tick_promise_t *const *, size_t,
                             tick_promise_t **);

static void combine(tick_loop_t *loop, combinator_fn fn, tick_promise_t *x, tick_promise_t *y,
                    tick_promise_t *z, tick_promise_cb cb, const char *label) {
  tick_promise_t *in[3] = {x, y, z}, *p;
  check(fn(loop, in, z != NULL ? 3 : 2, &p), "combinator");
  then_(p, cb, NULL, label);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *a, *b, *c, *x, *d;
  start_turns(loop, 6);
  a = from_thenable(loop, "a");
  b = follow(loop, resolved(loop, "b"));
  c = resolved(loop, "c");
  combine(loop, tick_promise_all, a, b, c, log_items, "all");
  combine(loop, tick_promise_race, a, b, NULL, log_value, "race");
  combine(loop, tick_promise_race, b, a, NULL, log_value, "race reversed");
  x = follow(loop, rejected(loop, "x"));
  combine(loop, tick_promise_any, x, a, NULL, log_value, "any");
  d = from_thenable(loop, "d");
  combine(loop, tick_promise_all_settled, b, d, NULL, log_items, "allSettled");
  release(a);
  release(b);
  release(c);
  release(x);
  release(d);
}
