/* 012-main-script-drain.c - C twin of 012-main-script-drain.js (SEMANTICS 3 and 4). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void on_immediate(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate");
  twin_check(tick_next_tick(loop, print_label, "tick from immediate"), "tick_next_tick");
}

static void tick_from_that_microtask(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick from that microtask");
  twin_check(tick_queue_microtask(loop, print_label, "microtask, depth 4"),
             "tick_queue_microtask");
}

static void microtask_from_tick_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask from tick 1");
  twin_check(tick_next_tick(loop, tick_from_that_microtask, NULL), "tick_next_tick");
}

static void tick_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("tick 1");
  twin_check(tick_queue_microtask(loop, microtask_from_tick_1, NULL), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, on_immediate, NULL, NULL), "tick_set_immediate");
  twin_check(tick_next_tick(loop, tick_1, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 1"), "tick_queue_microtask");
  say("main end");
}
