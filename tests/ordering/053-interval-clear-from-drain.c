/* 053-interval-clear-from-drain.c - C twin of 053-interval-clear-from-drain.js
 * (SEMANTICS 5.4-5.5). */
#include "twin.h"

static int n = 0, m = 0;
static tick_timer_t a, b;

static void immediate_clears_b(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate clears B");
  twin_check(tick_clear_timer(loop, b), "tick_clear_timer");
}

static void interval_b(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  m++;
  sayf("interval B %d", m);
  twin_check(tick_set_immediate(loop, immediate_clears_b, NULL, NULL), "tick_set_immediate");
}

static void tick_clears_a(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick clears A, starts B");
  twin_check(tick_clear_timer(loop, a), "tick_clear_timer");
  twin_check(tick_set_interval(loop, 1, interval_b, NULL, &b), "tick_set_interval");
}

static void interval_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  n++;
  sayf("interval A %d", n);
  if (n == 2) twin_check(tick_next_tick(loop, tick_clears_a, NULL), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 5, interval_a, NULL, &a), "tick_set_interval");
}
