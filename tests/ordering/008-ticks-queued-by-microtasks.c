/* 008-ticks-queued-by-microtasks.c - C twin of 008-ticks-queued-by-microtasks.js
 * (SEMANTICS 3.3). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void tick_from_microtask_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick from microtask 1");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from that tick"),
             "tick_queue_microtask");
}

static void microtask_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 1");
  twin_check(tick_next_tick(loop, tick_from_microtask_1, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 3 from microtask 1"),
             "tick_queue_microtask");
}

static void microtask_2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 2");
  twin_check(tick_next_tick(loop, print_label, "tick from microtask 2"), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
  twin_check(tick_queue_microtask(loop, microtask_1, NULL), "tick_queue_microtask");
  twin_check(tick_queue_microtask(loop, microtask_2, NULL), "tick_queue_microtask");
}
