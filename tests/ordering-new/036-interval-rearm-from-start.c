/* 036-interval-rearm-from-start.c - C twin of 036-interval-rearm-from-start.js (SEMANTICS 5.4). */
#include "twin.h"

static int n = 0;
static tick_timer_t iv;

static void on_interval(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  (void)arg;
  n++;
  sayf("interval %d", n);
  if (n == 1) busy_wait_ms(40);
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer 120 clears the interval");
  twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 50, on_interval, NULL, &iv), "tick_set_interval");
  twin_check(tick_set_timeout(loop, 120, on_timer, NULL, NULL), "tick_set_timeout");
}
