/* stress-dag.h - the C half of the seeded promise DAG used by 527 and 528 (the JS half is
 * stress-dag.js; both draw the same xorshift32 sequence, so they build the same graph).
 * Every value and reason is a node's name, so each side prints the same strings. All
 * nodes stay referenced until the loop is destroyed, like the JS array that holds them. */
#ifndef TICK_STRESS_DAG_H
#define TICK_STRESS_DAG_H

#include "ptwin.h"

#include <stdio.h>

#define DAG_MAX 1000

typedef struct node_s {
  char name[16];
  int op, mode;
  tick_promise_t *p;
  tick_promise_t *target;
  tick_resolver_t *resolver;
} node_t;

static node_t nodes[DAG_MAX];
static int node_count;

static const char *node_name(const tick_promise_t *p) {
  int i;
  for (i = 0; i < node_count; i++)
    if (nodes[i].p == p) return nodes[i].name;
  return "?";
}

static void dag_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("unhandled %s %s", node_name(p), show(p));
}

static void dag_handled_late(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("handled late %s", node_name(p));
}

static tick_promise_t *pick(int i) { return nodes[twin_rand() % (unsigned)i].p; }

static void later(tick_loop_t *loop, int immediate, tick_task_cb fn, node_t *n) {
  if (immediate)
    check(tick_set_immediate(loop, fn, n, NULL), "setImmediate");
  else
    check(tick_next_tick(loop, fn, n), "nextTick");
}

static int ret_name(tick_resolver_t *next, node_t *n) {
  return tick_resolver_resolve(next, n->name, NULL) < 0 ? -1 : 0;
}
static int throw_name(tick_resolver_t *next, node_t *n) {
  return tick_resolver_reject(next, JS_THROW, n->name, NULL) < 0 ? -1 : 0;
}

static int h_then(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s then %s", n->name, show(s));
  return ret_name(next, n);
}

static int h_then_throw(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s then-throw %s", n->name, show(s));
  return throw_name(next, n);
}

static int h_catch(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s catch %s", n->name, show(s));
  return ret_name(next, n);
}

static int h_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  node_t *n = arg;
  (void)loop;
  (void)wait;
  sayf("%s finally", n->name);
  return 0;
}

/* Joins the items of a combined promise: values, or "f:value"/"r:reason" when `status`. */
static const char *join_items(const tick_promise_t *s, int status) {
  static char buf[4096];
  size_t i;
  buf[0] = 0;
  for (i = 0; i < tick_promise_count(s); i++) {
    tick_promise_t *item = tick_promise_item(s, i);
    if (i) strcat(buf, "|");
    if (status) strcat(buf, tick_promise_state(item) == TICK_PROMISE_FULFILLED ? "f:" : "r:");
    strcat(buf, show(item));
  }
  return buf;
}

static int h_comb_ok(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  node_t *n = arg;
  (void)loop;
  if (n->op == 6)
    sayf("%s all %s", n->name, join_items(s, 0));
  else if (n->op == 7)
    sayf("%s allSettled %s", n->name, join_items(s, 1));
  else if (n->op == 8)
    sayf("%s race %s", n->name, show(s));
  else
    sayf("%s any %s", n->name, show(s));
  return ret_name(next, n);
}

static int h_comb_err(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                      void *arg) {
  node_t *n = arg;
  (void)loop;
  if (n->op == 6)
    sayf("%s all rejected %s", n->name, show(s));
  else if (n->op == 8)
    sayf("%s race rejected %s", n->name, show(s));
  else
    sayf("%s any rejected %s", n->name, join_items(s, 0));
  return throw_name(next, n);
}

static void thenable_settles(tick_loop_t *loop, void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s thenable settles", n->name);
  check(tick_resolver_resolve(n->resolver, n->name, NULL), "resolve");
  check(tick_resolver_release(n->resolver), "release");
}

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  node_t *n = object;
  sayf("%s thenable then", n->name);
  if (n->mode == 0) return tick_resolver_resolve(r, n->name, NULL) < 0 ? -1 : 0;
  if (n->mode == 1) return tick_resolver_reject(r, JS_THROW, n->name, NULL) < 0 ? -1 : 0;
  check(tick_resolver_retain(r), "retain");
  n->resolver = r;
  later(loop, n->mode == 3, thenable_settles, n);
  return 0;
}

static void resolve_with_target(tick_loop_t *loop, void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s resolving with a promise", n->name);
  check(tick_resolver_resolve_promise(n->resolver, n->target), "resolve_promise");
  check(tick_resolver_release(n->resolver), "release");
}

static int h_then_return(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                         void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s then-return %s", n->name, show(s));
  return tick_resolver_resolve_promise(next, n->target) < 0 ? -1 : 0;
}

static int h_late_then(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                       void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s late then %s", n->name, show(s));
  return ret_name(next, n);
}

static int h_late_catch(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  node_t *n = arg;
  (void)loop;
  sayf("%s late catch %s", n->name, show(s));
  return ret_name(next, n);
}

static void late_attach(tick_loop_t *loop, void *arg) {
  node_t *n = arg;
  tick_promise_t *q;
  (void)loop;
  sayf("%s late attach", n->name);
  check(tick_promise_then(n->target, h_late_then, h_late_catch, n, NULL, &q), "then");
  check(tick_resolver_resolve_promise(n->resolver, q), "resolve_promise");
  release(q);
  check(tick_resolver_release(n->resolver), "release");
}

static void run_dag(tick_loop_t *loop, unsigned seed, int count) {
  int i;
  twin_rand_state = seed;
  check(tick_promise_set_unhandled_hook(loop, dag_unhandled, NULL, dag_handled_late, NULL),
        "hook");
  for (i = 0; i < count; i++) {
    node_t *n = &nodes[i];
    tick_promise_t *p = NULL, *raw;
    snprintf(n->name, sizeof(n->name), "n%d", i);
    n->op = i == 0 ? 0 : (int)(twin_rand() % 14);
    switch (n->op) {
    case 0:
      p = resolved(loop, n->name);
      break;
    case 1:
      p = rejected(loop, n->name);
      break;
    case 2:
      check(tick_promise_then(pick(i), h_then, NULL, n, NULL, &p), "then");
      break;
    case 3:
      check(tick_promise_then(pick(i), h_then_throw, NULL, n, NULL, &p), "then");
      break;
    case 4:
      check(tick_promise_catch(pick(i), h_catch, n, NULL, &p), "catch");
      break;
    case 5:
      check(tick_promise_finally(pick(i), h_finally, n, NULL, &p), "finally");
      break;
    case 6:
    case 7:
    case 8:
    case 9: {
      tick_promise_t *in[4];
      int k = (int)(twin_rand() % 5), m;
      for (m = 0; m < k; m++) in[m] = pick(i);
      if (n->op == 6) check(tick_promise_all(loop, in, (size_t)k, &raw), "all");
      if (n->op == 7) check(tick_promise_all_settled(loop, in, (size_t)k, &raw), "allSettled");
      if (n->op == 8) check(tick_promise_race(loop, in, (size_t)k, &raw), "race");
      if (n->op == 9) check(tick_promise_any(loop, in, (size_t)k, &raw), "any");
      check(tick_promise_then(raw, h_comb_ok, n->op == 7 ? NULL : h_comb_err, n, NULL, &p),
            "then");
      release(raw);
      break;
    }
    case 10:
      n->mode = (int)(twin_rand() % 4);
      check(tick_promise_resolve_thenable(loop, n, thenable_then, NULL, &p), "thenable");
      break;
    case 11:
      n->target = pick(i);
      p = deferred(loop, &n->resolver);
      later(loop, twin_rand() % 2 == 1, resolve_with_target, n);
      break;
    case 12: {
      tick_promise_t *src = pick(i);
      n->target = pick(i);
      check(tick_promise_then(src, h_then_return, NULL, n, NULL, &p), "then");
      break;
    }
    default:
      n->target = pick(i);
      p = deferred(loop, &n->resolver);
      check(tick_set_immediate(loop, late_attach, n, NULL), "setImmediate");
      break;
    }
    n->p = p;
    node_count = i + 1;
  }
}

#endif
