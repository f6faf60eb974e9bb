/* 048-unref-immediate-runs-while-alive.c - C twin of 048-unref-immediate-runs-while-alive.js
 * (SEMANTICS 8.1 and 4.5). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_immediate_t u;
  twin_check(tick_set_immediate(loop, print_label, "unref immediate", &u), "tick_set_immediate");
  twin_check(tick_immediate_unref(loop, u), "tick_immediate_unref");
  twin_check(tick_set_immediate(loop, print_label, "ref immediate", NULL), "tick_set_immediate");
  twin_check(tick_set_timeout(loop, 20, timer_label, "timer 20", NULL), "tick_set_timeout");
}
