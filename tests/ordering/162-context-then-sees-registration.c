/* 162-context-then-sees-registration.c - twin of the .js. Rule: a promise reaction runs
 * in the context of the tick_promise_then call that registered it, not in the context of
 * the code that resolved the promise; a then on an already settled promise likewise. */
#include "xtwin.h"
#include "ptwin.h"

static tick_promise_t *p;
static tick_resolver_t *res;

static int reaction(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  log_store(loop, arg);
  return 0;
}

static void register_then(tick_loop_t *loop, void *label) {
  (void)loop;
  then_(p, reaction, NULL, label);
}

static void on_timeout(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  log_store(loop, "resolving");
  check(tick_resolver_resolve(res, "v", NULL), "resolve");
  twin_check(tick_context_run(loop, store_of("late"), register_then, "reaction registered late"),
             "run late");
  release(p);
}

static void start_resolver(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 0, on_timeout, NULL, NULL), "timeout");
}

static void main_script(tick_loop_t *loop) {
  p = deferred(loop, &res);
  twin_check(tick_context_run(loop, store_of("then-A"), register_then, "reaction registered in A"),
             "run A");
  twin_check(tick_context_run(loop, store_of("then-B"), register_then, "reaction registered in B"),
             "run B");
  twin_check(tick_context_run(loop, store_of("resolver"), start_resolver, NULL), "run resolver");
}
