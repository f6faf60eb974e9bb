/* SEMANTICS 3-4 and 7: an async function awaiting a promise settled by an immediate
 * resumes in the drain after that immediate. */
#include "atwin.h"

typedef struct {
  tick_resolver_t *r;
  const char *label;
} later_t;

static void settle_immediate(tick_loop_t *loop, void *arg) {
  later_t *l = arg;
  (void)loop;
  sayf("immediate %s", l->label);
  check(tick_resolver_resolve(l->r, (void *)(uintptr_t)l->label, NULL), "resolve");
  check(tick_resolver_release(l->r), "release");
  free(l);
}

/* new Promise(r => setImmediate(() => { log; r(label) })) */
static tick_promise_t *sleep_immediate(tick_loop_t *loop, const char *label) {
  later_t *l = malloc(sizeof(*l));
  tick_promise_t *p;
  if (l == NULL) twin_check(TICK_ENOMEM, "malloc");
  p = deferred(loop, &l->r);
  l->label = label;
  check(tick_set_immediate(loop, settle_immediate, l, NULL), "setImmediate");
  return p;
}

static int f(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  (void)arg;
  say("f start");
  p = sleep_immediate(tick_async_loop(co), "one");
  tick_await(co, p);
  release(p);
  sayf("f got %s", got(co));
  p = sleep_immediate(tick_async_loop(co), "two");
  tick_await(co, p);
  release(p);
  sayf("f got %s", got(co));
  return 0;
}

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void outer(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("outer immediate");
  go(loop, f, NULL);
  check(tick_set_immediate(loop, log_task, "later immediate", NULL), "setImmediate");
  check(tick_next_tick(loop, log_task, "tick after f"), "nextTick");
}

static void main_script(tick_loop_t *loop) {
  check(tick_set_immediate(loop, outer, NULL, NULL), "setImmediate");
  say("sync end");
}
