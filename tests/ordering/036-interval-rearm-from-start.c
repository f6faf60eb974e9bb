/* 036-interval-rearm-from-start.c - C twin of 036-interval-rearm-from-start.js (SEMANTICS 5.4). */
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
  if (n == 1) {
    /* Both deadlines count from this callback's start: the interval's next call at +100,
     * this timer at +140; re-arming from the callback's end would put the interval at +180. */
    twin_check(tick_set_timeout(loop, 140, timer_label, "timer 140 from the start of interval 1",
                                NULL),
               "tick_set_timeout");
    busy_wait_ms(80);
  } else {
    twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
  }
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 100, on_interval, NULL, NULL), "tick_set_interval");
}
