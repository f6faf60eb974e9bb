/* 006-microtasks-queued-by-microtasks.c - C twin of 006-microtasks-queued-by-microtasks.js
 * (SEMANTICS 3.2). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void microtask_1a(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 1a");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 1a-x"), "tick_queue_microtask");
}

static void microtask_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 1");
  twin_check(tick_queue_microtask(loop, microtask_1a, NULL), "tick_queue_microtask");
}

static void microtask_2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask 2");
  twin_check(tick_queue_microtask(loop, print_label, "microtask 2a"), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_queue_microtask(loop, microtask_1, NULL), "tick_queue_microtask");
  twin_check(tick_queue_microtask(loop, microtask_2, NULL), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick"), "tick_next_tick");
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
}
