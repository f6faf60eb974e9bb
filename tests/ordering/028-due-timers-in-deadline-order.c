/* 028-due-timers-in-deadline-order.c - C twin of 028-due-timers-in-deadline-order.js
 * (SEMANTICS 4.1 and 5.3). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void timer_10(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer 10");
  twin_check(tick_set_immediate(loop, print_label, "immediate from timer 10", NULL),
             "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 200, timer_label, "timer 200", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 10, timer_10, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 300, timer_label, "timer 300", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 100, timer_label, "timer 100", NULL), "tick_set_timeout");
  busy_wait_ms(350);
}
