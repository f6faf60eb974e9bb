/* 017-immediate-before-timeout-from-timer.c - C twin of
 * 017-immediate-before-timeout-from-timer.js (SEMANTICS 4, consequences). */
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

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer");
  twin_check(tick_set_timeout(loop, 0, timer_label, "timeout 0 from timer", NULL),
             "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate from timer", NULL),
             "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, on_timer, NULL, NULL), "tick_set_timeout");
}
