/* SEMANTICS 6 and 3: a promise resolved from an immediate continues its chain in that
 * immediate's drain. */
#include "ptwin.h"

typedef struct {
  tick_resolver_t *r;
  const char *label;
} delay_t;

static void delay_done(tick_loop_t *loop, void *arg) {
  delay_t *d = arg;
  (void)loop;
  sayf("immediate %s", d->label);
  check(tick_resolver_resolve(d->r, (void *)(uintptr_t)d->label, NULL), "resolve");
  check(tick_resolver_release(d->r), "release");
}

static int delay_executor(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  delay_t *d = arg;
  check(tick_resolver_retain(r), "retain");
  d->r = r;
  return tick_set_immediate(loop, delay_done, d, NULL);
}

static tick_promise_t *delay(tick_loop_t *loop, delay_t *d) {
  tick_promise_t *p;
  check(tick_promise_create(loop, delay_executor, d, &p), "create");
  return p;
}

static delay_t da = {NULL, "a"}, db = {NULL, "b"};

static int got_then_delay(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                          void *arg) {
  tick_promise_t *p = delay(loop, &db);
  int r;
  (void)arg;
  sayf("got %s", show(s));
  r = tick_resolver_resolve_promise(next, p);
  release(p);
  return r;
}

static int got_return(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                      void *arg) {
  (void)loop;
  sayf("got %s", show(s));
  return tick_resolver_resolve(next, arg, NULL);
}

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *a = delay(loop, &da), *b, *c;
  b = then(a, got_then_delay, NULL, NULL);
  c = then(b, got_return, NULL, "c");
  then_(c, log_value, NULL, "got");
  release(a);
  release(b);
  release(c);
  check(tick_set_immediate(loop, log_task, "other immediate", NULL), "setImmediate");
}
