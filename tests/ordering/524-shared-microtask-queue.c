/* SEMANTICS 3: promise reactions, thenable jobs and queueMicrotask share one FIFO
 * microtask queue. */
#include "ptwin.h"

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void on_resolved(tick_loop_t *loop, tick_promise_cb cb, const char *label,
                        tick_promise_cb cb2, const char *label2) {
  tick_promise_t *p = resolved(loop, NULL), *q = then(p, cb, NULL, label);
  if (cb2 != NULL) then_(q, cb2, NULL, label2);
  release(p);
  release(q);
}

static int p2(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  (void)arg;
  say("p2");
  check(tick_queue_microtask(loop, log_task, "q3"), "queueMicrotask");
  return 0;
}

static int thenable(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  say("thenable job");
  return tick_resolver_resolve(r, NULL, NULL);
}

static void q4(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("q4");
  on_resolved(loop, log_label, "p4", NULL, NULL);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  check(tick_queue_microtask(loop, log_task, "q1"), "queueMicrotask");
  on_resolved(loop, log_label, "p1", NULL, NULL);
  check(tick_queue_microtask(loop, log_task, "q2"), "queueMicrotask");
  on_resolved(loop, p2, NULL, log_label, "p3");
  check(tick_promise_resolve_thenable(loop, NULL, thenable, NULL, &p), "thenable");
  then_(p, log_label, NULL, "after thenable");
  release(p);
  check(tick_queue_microtask(loop, q4, NULL), "queueMicrotask");
}
