/* 025-timer-clamp.c - C twin of 025-timer-clamp.js (SEMANTICS 5.1). JS's missing delay is 0. */
#include "twin.h"

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, timer_label, "delay 1 (first)", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 0, timer_label, "delay 0", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, -10, timer_label, "delay -10", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 1, timer_label, "delay 1 (second)", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 0, timer_label, "no delay", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 2, timer_label, "delay 2", NULL), "tick_set_timeout");
  busy_wait_ms(5);
}
