/* 026-clock-read-at-create.c - C twin of 026-clock-read-at-create.js (SEMANTICS 5.2). */
#include "twin.h"

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A");
  busy_wait_ms(50);
  twin_check(tick_set_timeout(loop, 20, timer_label, "timer B, 20 ms after A returned", NULL),
             "tick_set_timeout");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, timer_a, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 45, timer_label, "timer C, 45 ms from main", NULL),
             "tick_set_timeout");
}
