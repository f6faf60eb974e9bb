/* 011-recursive-microtasks-starve.c - C twin of 011-recursive-microtasks-starve.js
 * (SEMANTICS 3). */
#include "twin.h"

static int count = 0;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void again(tick_loop_t *loop, void *arg) {
  count++;
  if (count == 1)
    twin_check(tick_next_tick(loop, print_label, "tick from microtask 1"), "tick_next_tick");
  if (count % 2500 == 0) sayf("microtask %d", count);
  if (count < 10000) twin_check(tick_queue_microtask(loop, again, arg), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
  twin_check(tick_next_tick(loop, print_label, "tick from main"), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, again, NULL), "tick_queue_microtask");
}
