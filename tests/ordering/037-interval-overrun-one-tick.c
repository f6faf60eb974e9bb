/* 037-interval-overrun-one-tick.c - C twin of 037-interval-overrun-one-tick.js (SEMANTICS 5.4). */
#include "twin.h"

#include <stdint.h>

static int n = 0;

static void on_immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  sayf("immediate %d", (int)(intptr_t)arg);
}

static void on_interval(tick_loop_t *loop, tick_timer_t iv, void *arg) {
  int k;
  (void)arg;
  n++;
  sayf("interval %d", n);
  k = n;
  twin_check(tick_set_immediate(loop, on_immediate, (void *)(intptr_t)k, NULL),
             "tick_set_immediate");
  if (n == 4)
    twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
  else
    busy_wait_ms(10);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 2, on_interval, NULL, NULL), "tick_set_interval");
}
