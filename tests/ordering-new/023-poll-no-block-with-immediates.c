/* 023-poll-no-block-with-immediates.c - C twin of 023-poll-no-block-with-immediates.js
 * (SEMANTICS 4.4). */
#include "twin.h"

static int n = 0;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void next_immediate(tick_loop_t *loop, void *arg) {
  n++;
  sayf("immediate %d", n);
  if (n < 5) twin_check(tick_set_immediate(loop, next_immediate, arg, NULL), "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 50, timer_label, "timer 50", NULL), "tick_set_timeout");
  twin_check(tick_set_immediate(loop, next_immediate, NULL, NULL), "tick_set_immediate");
}
