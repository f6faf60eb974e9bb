/* 042-timer-refresh.c - C twin of 042-timer-refresh.js (SEMANTICS 5.2, refresh). */
#include "twin.h"

static tick_timer_t a;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void timer_b(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer B refreshes A");
  twin_check(tick_timer_refresh(loop, a), "tick_timer_refresh");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 100, timer_label, "timer A, 100 ms from its refresh", &a),
             "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 10, timer_b, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 60, timer_label, "timer C 60", NULL), "tick_set_timeout");
}
