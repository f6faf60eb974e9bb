/* 035-interval-clear-inside.c - C twin of 035-interval-clear-inside.js (SEMANTICS 5.4-5.5). */
#include "twin.h"

static int n = 0;

static void on_interval(tick_loop_t *loop, tick_timer_t iv, void *arg) {
  (void)arg;
  n++;
  sayf("interval %d", n);
  if (n == 3) {
    twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
    say("cleared");
  }
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 1, on_interval, NULL, NULL), "tick_set_interval");
}
