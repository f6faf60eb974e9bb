/* SEMANTICS 3, 4 and 7: seeded stress: a tree of 400 callbacks where each spawns children
 * as next-ticks, microtasks, immediates or async functions (resuming after one await,
 * several awaits, or an await on an immediate). */
#include "atwin.h"

#define LIMIT 400

static int created;

static void run(tick_loop_t *loop, const char *name);

static void run_task(tick_loop_t *loop, void *arg) {
  run(loop, arg);
  free(arg);
}

static int await_once(tick_async_t *co, void *arg) {
  await_str(co, NULL);
  run(tick_async_loop(co), arg);
  free(arg);
  return 0;
}

static int await_some(tick_async_t *co, void *arg) {
  int n = (int)(twin_rand() % 3), j;
  char *name;
  for (j = 0; j < n; j++) await_str(co, NULL);
  name = strf("await%d %d", n, (int)(intptr_t)arg);
  run(tick_async_loop(co), name);
  free(name);
  return 0;
}

static void resolve_immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  check(tick_resolver_resolve(arg, NULL, NULL), "resolve");
  check(tick_resolver_release(arg), "release");
}

static int await_immediate(tick_async_t *co, void *arg) {
  tick_resolver_t *r;
  tick_promise_t *p = deferred(tick_async_loop(co), &r);
  check(tick_set_immediate(tick_async_loop(co), resolve_immediate, r, NULL), "setImmediate");
  tick_await(co, p);
  release(p);
  run(tick_async_loop(co), arg);
  free(arg);
  return 0;
}

static void run(tick_loop_t *loop, const char *name) {
  unsigned children = twin_rand() % 4, i;
  say(name);
  for (i = 0; i < children && created < LIMIT; i++) {
    int id = ++created;
    unsigned kind = twin_rand() % 6;
    if (kind == 0)
      check(tick_next_tick(loop, run_task, strf("tick %d", id)), "nextTick");
    else if (kind == 1)
      check(tick_queue_microtask(loop, run_task, strf("microtask %d", id)), "queueMicrotask");
    else if (kind == 2)
      check(tick_set_immediate(loop, run_task, strf("immediate %d", id), NULL), "setImmediate");
    else if (kind == 3)
      go(loop, await_once, strf("await %d", id));
    else if (kind == 4)
      go(loop, await_some, (void *)(intptr_t)id);
    else
      go(loop, await_immediate, strf("await-immediate %d", id));
  }
}

static void main_script(tick_loop_t *loop) { run(loop, "main"); }
