/* 031-clear-due-timer-from-drain.c - C twin of 031-clear-due-timer-from-drain.js
 * (SEMANTICS 5.5). */
#include "twin.h"

static tick_timer_t b, c;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void tick_clears_b(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick of A clears B");
  twin_check(tick_clear_timer(loop, b), "tick_clear_timer");
}

static void microtask_clears_c(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask of A clears C");
  twin_check(tick_clear_timer(loop, c), "tick_clear_timer");
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A");
  twin_check(tick_next_tick(loop, tick_clears_b, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, microtask_clears_c, NULL), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 5, timer_a, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_label, "timer B", &b), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_label, "timer C", &c), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_label, "timer D", NULL), "tick_set_timeout");
  busy_wait_ms(10);
}
