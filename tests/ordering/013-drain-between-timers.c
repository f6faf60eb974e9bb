/* 013-drain-between-timers.c - C twin of 013-drain-between-timers.js (SEMANTICS 3 and 4.1). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void tick_from_a(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick from A");
  twin_check(tick_next_tick(loop, print_label, "tick from tick from A"), "tick_next_tick");
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A");
  twin_check(tick_set_immediate(loop, print_label, "immediate from A", NULL), "tick_set_immediate");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from A"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, tick_from_a, NULL), "tick_next_tick");
}

static void timer_b(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer B");
  twin_check(tick_next_tick(loop, print_label, "tick from B"), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 5, timer_a, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5, timer_b, NULL, NULL), "tick_set_timeout");
  busy_wait_ms(10);
}
