/* SEMANTICS 6: reactions on one promise run in registration order, each as its own
 * microtask. */
#include "ptwin.h"

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static int a(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)next;
  (void)arg;
  sayf("a %s", show(s));
  check(tick_queue_microtask(loop, log_task, "microtask from a"), "queueMicrotask");
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_resolver_t *resolve;
  tick_promise_t *p = deferred(loop, &resolve);
  then_(p, a, NULL, "a");
  then_(p, log_value, NULL, "b");
  then_(p, log_value, NULL, "c");
  check(tick_queue_microtask(loop, log_task, "microtask before resolve"), "queueMicrotask");
  check(tick_resolver_resolve(resolve, "v", NULL), "resolve");
  check(tick_queue_microtask(loop, log_task, "microtask after resolve"), "queueMicrotask");
  then_(p, log_value, NULL, "d");
  check(tick_resolver_release(resolve), "release");
  release(p);
}
