/* 003-promise-then-is-one-microtask.c - C twin of 003-promise-then-is-one-microtask.js
 * (SEMANTICS 3.2). Promise.resolve().then(fn) is one microtask, so both JS forms map to
 * tick_queue_microtask. */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_queue_microtask(loop, print_label, "then 1"), "tick_queue_microtask");
  twin_check(tick_queue_microtask(loop, print_label, "queueMicrotask 2"), "tick_queue_microtask");
  twin_check(tick_queue_microtask(loop, print_label, "then 3"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick"), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, print_label, "queueMicrotask 4"), "tick_queue_microtask");
  twin_check(tick_queue_microtask(loop, print_label, "then 5"), "tick_queue_microtask");
  say("main end");
}
