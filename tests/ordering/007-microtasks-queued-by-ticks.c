/* 007-microtasks-queued-by-ticks.c - C twin of 007-microtasks-queued-by-ticks.js
 * (SEMANTICS 3.1-3.2). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void tick_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick 1");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from tick 1"),
             "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick 3 from tick 1"), "tick_next_tick");
}

static void tick_2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick 2");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from tick 2"),
             "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_queue_microtask(loop, print_label, "microtask from main"),
             "tick_queue_microtask");
  twin_check(tick_next_tick(loop, tick_1, NULL), "tick_next_tick");
  twin_check(tick_next_tick(loop, tick_2, NULL), "tick_next_tick");
}
