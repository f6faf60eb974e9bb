/* SEMANTICS 6: after the drain, each promise rejected with no handler is reported once, in
 * rejection order; in a chain only the last promise counts. */
#include "ptwin.h"

static tick_promise_t *f;

static int identity(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_forward(next, s);
}

static int throw_e(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)arg;
  return tick_resolver_reject(next, JS_THROW, "e", NULL) < 0 ? -1 : 0;
}

static int reject_d(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_reject(r, JS_THROW, "d", NULL);
}

static void handle_f(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  then_(f, NULL, log_value, "f handled in the same drain");
  release(f);
}

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void log_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q, *r;
  watch_rejections(loop);
  release(rejected(loop, "a"));
  p = rejected(loop, "b");
  then_(p, NULL, log_value, "b handled");
  release(p);
  p = rejected(loop, "c");
  q = then(p, identity, NULL, NULL);
  then_(q, identity, NULL, NULL);
  release(p);
  release(q);
  check(tick_promise_create(loop, reject_d, NULL, NULL), "create");
  p = resolved(loop, NULL);
  then_(p, throw_e, NULL, NULL);
  release(p);
  f = rejected(loop, "f");
  check(tick_queue_microtask(loop, handle_f, NULL), "queueMicrotask");
  check(tick_queue_microtask(loop, log_task, "microtask"), "queueMicrotask");
  check(tick_next_tick(loop, log_task, "tick"), "nextTick");
  check(tick_set_timeout(loop, 0, log_timer, "timeout", NULL), "setTimeout");
  say("sync end");
  (void)r;
}
