/* SEMANTICS 3 step 4 and 6: unhandled-rejection hooks run after the drain; what they
 * schedule runs, and rejections they cause are reported, before the loop goes on. */
#include "ptwin.h"

static int first = 1;

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void log_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  say(arg);
}

static void unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)arg;
  sayf("unhandledRejection %s", show(p));
  if (first) {
    tick_promise_t *q = resolved(loop, NULL);
    first = 0;
    check(tick_next_tick(loop, log_task, "tick from hook"), "nextTick");
    then_(q, log_label, NULL, "microtask from hook");
    release(q);
    release(rejected(loop, "second"));
  }
}

static void main_script(tick_loop_t *loop) {
  check(tick_promise_set_unhandled_hook(loop, unhandled, NULL, NULL, NULL), "hook");
  release(rejected(loop, "first"));
  check(tick_set_timeout(loop, 0, log_timer, "timeout", NULL), "setTimeout");
}
