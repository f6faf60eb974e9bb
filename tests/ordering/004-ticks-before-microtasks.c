/* 004-ticks-before-microtasks.c - C twin of 004-ticks-before-microtasks.js (SEMANTICS 3.1-3.2). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_queue_microtask(loop, print_label, "microtask 1"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick 1"), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 2"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick 2"), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 3"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick 3"), "tick_next_tick");
  say("main end");
}
