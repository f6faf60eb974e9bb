/* SEMANTICS 3: after each macrotask next-ticks drain first, then microtasks (promise
 * reactions included), again while ticks were queued. */
#include "ptwin.h"

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static int p1(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  (void)arg;
  say("p1");
  check(tick_next_tick(loop, log_task, "tick from p1"), "nextTick");
  return 0;
}

static void on_resolved(tick_loop_t *loop, tick_promise_cb cb, const char *label) {
  tick_promise_t *p = resolved(loop, NULL);
  then_(p, cb, NULL, label);
  release(p);
}

static void t1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("t1");
  on_resolved(loop, log_label, "p from t1");
}

static void timeout(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  say("timeout");
  on_resolved(loop, log_label, "p in timeout");
  check(tick_next_tick(loop, log_task, "tick in timeout"), "nextTick");
}

static void timeout2(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  on_resolved(loop, p1, NULL);
  check(tick_next_tick(loop, t1, NULL), "nextTick");
  p = resolved(loop, NULL);
  q = then(p, log_label, NULL, "p2");
  then_(q, log_label, NULL, "p2 next");
  release(p);
  release(q);
  check(tick_queue_microtask(loop, log_task, "qm"), "queueMicrotask");
  check(tick_next_tick(loop, log_task, "t2"), "nextTick");
  check(tick_set_timeout(loop, 0, timeout, NULL, NULL), "setTimeout");
  check(tick_set_timeout(loop, 0, timeout2, "timeout 2", NULL), "setTimeout");
}
