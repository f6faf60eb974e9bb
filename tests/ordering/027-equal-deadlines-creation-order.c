/* 027-equal-deadlines-creation-order.c - C twin of 027-equal-deadlines-creation-order.js
 * (SEMANTICS 5.3). */
#include "twin.h"

#include <stdint.h>

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  sayf("timer %d", (int)(intptr_t)arg);
}

static void main_script(tick_loop_t *loop) {
  int i;
  for (i = 1; i <= 8; i++)
    twin_check(tick_set_timeout(loop, 10, on_timer, (void *)(intptr_t)i, NULL),
               "tick_set_timeout");
}
