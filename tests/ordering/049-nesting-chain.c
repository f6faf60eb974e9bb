/* 049-nesting-chain.c - C twin of 049-nesting-chain.js (SEMANTICS 3 and 4). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_6b(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer 6b from tick 5");
  twin_check(tick_next_tick(loop, print_label, "tick 7 from timer 6b"), "tick_next_tick");
}

static void immediate_6a(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 6a from tick 5");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 7 from immediate 6a"),
             "tick_queue_microtask");
}

static void tick_5(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick 5 from microtask 4");
  twin_check(tick_set_timeout(loop, 0, timer_6b, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_immediate(loop, immediate_6a, NULL, NULL), "tick_set_immediate");
}

static void microtask_4(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 4 from timer 3");
  twin_check(tick_next_tick(loop, tick_5, NULL), "tick_next_tick");
}

static void timer_3(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer 3 from tick 2");
  twin_check(tick_queue_microtask(loop, microtask_4, NULL), "tick_queue_microtask");
}

static void tick_2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick 2 from immediate 1a");
  twin_check(tick_set_timeout(loop, 1, timer_3, NULL, NULL), "tick_set_timeout");
  busy_wait_ms(3);
}

static void immediate_1a(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1a");
  twin_check(tick_next_tick(loop, tick_2, NULL), "tick_next_tick");
}

static void immediate_1b(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1b");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 2 from immediate 1b"),
             "tick_queue_microtask");
}

static void microtask_0(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 0 from main");
  twin_check(tick_set_immediate(loop, immediate_1a, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, immediate_1b, NULL, NULL), "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_queue_microtask(loop, microtask_0, NULL), "tick_queue_microtask");
}
