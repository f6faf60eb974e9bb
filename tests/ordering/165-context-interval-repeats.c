/* 165-context-interval-repeats.c - twin of the .js. Rule: every repetition of an interval
 * runs in the context of its creator, whoever clears it and whatever the timers around it
 * see. */
#include "xtwin.h"

static int n;
static tick_timer_t iv;

static void schedule_other(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 0, log_timer, "timeout from repeat 2", NULL), "timeout");
}

static void repeat(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  n++;
  sayf("repeat %d: %s", n, (const char *)tick_context_get(loop));
  if (n == 2) twin_check(tick_context_run(loop, store_of("other"), schedule_other, NULL), "run");
}

static void check_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  if (n >= 3) {
    log_store(loop, "clearing");
    twin_check(tick_clear_timer(loop, iv), "clear");
  } else {
    twin_check(tick_set_timeout(loop, 1, check_timer, NULL, NULL), "timeout");
  }
}

static void start_interval(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_interval(loop, 1, repeat, NULL, &iv), "interval");
}

static void start_clearer(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 1, check_timer, NULL, NULL), "timeout");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("interval"), start_interval, NULL), "run");
  twin_check(tick_context_run(loop, store_of("clearer"), start_clearer, NULL), "run");
}
