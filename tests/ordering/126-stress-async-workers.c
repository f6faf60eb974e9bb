/* SEMANTICS 3, 6 and 7: seeded stress: 300 async workers awaiting mixes of values, settled
 * and rejected promises, thenables, nested async calls (returning promises, throwing), and
 * promises resolved from next-ticks and immediates; every rejection is caught. */
#include "atwin.h"

#define rand twin_rand

typedef struct {
  tick_resolver_t *r;
  char *value;
} later_t;

static void settle_later(tick_loop_t *loop, void *arg) {
  later_t *l = arg;
  (void)loop;
  check(tick_resolver_resolve(l->r, l->value, free), "resolve");
  check(tick_resolver_release(l->r), "release");
  free(l);
}

/* new Promise((r) => process.nextTick / setImmediate(() => r(value))) */
static tick_promise_t *via(tick_loop_t *loop, int immediate, char *value) {
  later_t *l = malloc(sizeof(*l));
  tick_promise_t *p;
  if (l == NULL) twin_check(TICK_ENOMEM, "malloc");
  p = deferred(loop, &l->r);
  l->value = value;
  if (immediate)
    check(tick_set_immediate(loop, settle_later, l, NULL), "setImmediate");
  else
    check(tick_next_tick(loop, settle_later, l), "nextTick");
  return p;
}

/* { then(res) { res(value) } } for a thenable object that tick frees once `then` has
 * returned: the value is a copy. */
static int then_resolve_copy(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  return tick_resolver_resolve(r, strf("%s", (const char *)object), free) < 0 ? -1 : 0;
}

typedef struct {
  const char *name;
  int depth;
} nested_arg_t;

static void free_nested(void *p) { free(p); }

static tick_promise_t *call_nested(tick_loop_t *loop, const char *name, int depth);

static int nested(tick_async_t *co, void *arg) {
  const nested_arg_t *a = arg;
  int k = (int)(rand() % 3), i;
  for (i = 0; i < k; i++) tick_await_value(co, NULL, NULL);
  if (a->depth > 0 && rand() % 2) {
    tick_promise_t *p = call_nested(tick_async_loop(co), a->name, a->depth - 1);
    int rc = tick_async_return_promise(co, p);
    release(p);
    return rc;
  }
  if (rand() % 4 == 0)
    return tick_async_throw(co, JS_THROW, strf("%s-throw%d", a->name, a->depth), free);
  return tick_async_return(co, strf("%s-n%d%d", a->name, a->depth, k), free);
}

static tick_promise_t *call_nested(tick_loop_t *loop, const char *name, int depth) {
  nested_arg_t *a = malloc(sizeof(*a));
  tick_async_options_t opt = {0, free_nested};
  tick_promise_t *p;
  if (a == NULL) twin_check(TICK_ENOMEM, "malloc");
  a->name = name;
  a->depth = depth;
  check(tick_async_run(loop, nested, a, &opt, &p), "tick_async_run");
  return p;
}

static int arrow(tick_async_t *co, void *arg) {
  await_str(co, NULL);
  return tick_async_return(co, strf("arrow%d", (int)(intptr_t)arg), free);
}

static int worker(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  char name[16];
  int steps = 1 + (int)(rand() % 5), s;
  snprintf(name, sizeof(name), "w%d", (int)(intptr_t)arg);
  for (s = 0; s < steps; s++) {
    int kind = (int)(rand() % 9), rc = 0;
    const char *v = NULL;
    tick_promise_t *p = NULL;
    switch (kind) {
    case 0:
      rc = tick_await_value(co, strf("%d", s), free);
      break;
    case 1:
      check(tick_promise_resolve(loop, strf("r%d", s), free, &p), "resolve");
      break;
    case 2:
      check(tick_promise_reject(loop, JS_THROW, strf("x%d", s), free, &p), "reject");
      break;
    case 3:
      rc = tick_await_thenable(co, strf("t%d", s), then_resolve_copy, free);
      break;
    case 4:
      p = call_nested(loop, name, 2);
      break;
    case 5:
      p = via(loop, 0, strf("k%d", s));
      break;
    case 6:
      p = via(loop, 1, strf("i%d", s));
      break;
    case 7:
      if (rand() % 2) {
        sayf("%s %d %d caught thrown%d", name, s, kind, s);
        continue;
      }
      v = "no-throw";
      break;
    default:
      p = call(loop, arrow, (void *)(intptr_t)s);
      break;
    }
    if (p != NULL) {
      rc = tick_await(co, p);
      release(p);
    }
    if (v == NULL) v = got(co);
    sayf("%s %d %d %s %s", name, s, kind, rc < 0 ? "caught" : "ok", v);
  }
  return tick_async_return(co, strf("%s", name), free);
}

static int done(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  sayf("%s done", show(s));
  return 0;
}

static void start_worker(tick_loop_t *loop, void *arg) {
  tick_promise_t *p = call(loop, worker, arg);
  then_(p, done, NULL, NULL);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  intptr_t i;
  for (i = 0; i < 300; i++) {
    unsigned where = rand() % 3;
    if (where == 0)
      start_worker(loop, (void *)i);
    else if (where == 1)
      check(tick_set_immediate(loop, start_worker, (void *)i, NULL), "setImmediate");
    else
      check(tick_next_tick(loop, start_worker, (void *)i), "nextTick");
  }
  say("sync end");
}
