/* 030-clear-due-timer-same-phase.c - C twin of 030-clear-due-timer-same-phase.js
 * (SEMANTICS 5.5). */
#include "twin.h"

static tick_timer_t b;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A clears B");
  twin_check(tick_clear_timer(loop, b), "tick_clear_timer");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 5, timer_a, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_label, "timer B", &b), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_label, "timer C", NULL), "tick_set_timeout");
  busy_wait_ms(10);
}
