/* 167-context-promise-chain.c - twin of the .js. Rule: each link of a then chain runs in
 * the context of its then call; a then registered inside a reaction under another
 * tick_context_run runs in that run's context; catch and finally likewise. */
#include "xtwin.h"
#include "ptwin.h"

static int logger(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  log_store(loop, arg);
  return 0;
}

static void inner(tick_loop_t *loop, void *arg) {
  tick_promise_t *q = resolved(loop, NULL);
  (void)arg;
  then_(q, logger, NULL, "inner then");
  release(q);
}

static int link1(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  (void)arg;
  log_store(loop, "link 1");
  twin_check(tick_context_run(loop, store_of("inner"), inner, NULL), "run inner");
  return 0;
}

static int on_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)arg;
  (void)wait;
  log_store(loop, "finally");
  return 0;
}

static void chain(tick_loop_t *loop, void *arg) {
  tick_promise_t *a = resolved(loop, "1"), *b, *c, *d;
  (void)arg;
  b = then(a, link1, NULL, NULL);
  c = then(b, logger, NULL, "link 2");
  check(tick_promise_finally(c, on_finally, NULL, NULL, &d), "finally");
  release(a);
  release(b);
  release(c);
  release(d);
}

static void other(tick_loop_t *loop, void *arg) {
  tick_promise_t *r = rejected(loop, "x");
  (void)arg;
  check(tick_promise_catch(r, logger, "catch", NULL, NULL), "catch");
  release(r);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("chain"), chain, NULL), "run chain");
  twin_check(tick_context_run(loop, store_of("other"), other, NULL), "run other");
}
