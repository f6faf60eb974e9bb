/* 010-recursive-ticks-starve.c - C twin of 010-recursive-ticks-starve.js (SEMANTICS 3). */
#include "twin.h"

static int count = 0;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void again(tick_loop_t *loop, void *arg) {
  count++;
  if (count % 2500 == 0) sayf("tick %d", count);
  if (count < 10000) twin_check(tick_next_tick(loop, again, arg), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
  twin_check(tick_queue_microtask(loop, print_label, "microtask"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, again, NULL), "tick_next_tick");
}
