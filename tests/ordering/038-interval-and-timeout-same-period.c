/* 038-interval-and-timeout-same-period.c - C twin of 038-interval-and-timeout-same-period.js
 * (SEMANTICS 5.3-5.4). */
#include "twin.h"

static int n = 0;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_interval(tick_loop_t *loop, tick_timer_t iv, void *arg) {
  (void)arg;
  n++;
  sayf("interval %d", n);
  if (n == 3) twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 10, on_interval, NULL, NULL), "tick_set_interval");
  twin_check(tick_set_timeout(loop, 10, timer_label, "timeout 10", NULL), "tick_set_timeout");
}
