/* 033-stale-handle-after-reuse.c - C twin of 033-stale-handle-after-reuse.js (SEMANTICS 5.5):
 * the new timer and immediate probably reuse the slots of the fired ones, so this checks that
 * a stale id is recognised by its generation. */
#include "twin.h"

static tick_timer_t first;
static tick_immediate_t first_immediate;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1");
  twin_check(tick_set_immediate(loop, print_label, "immediate 2 runs", NULL),
             "tick_set_immediate");
  twin_check(tick_clear_immediate(loop, first_immediate), "tick_clear_immediate");
}

static void timer_1(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer 1");
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer 2 runs", NULL), "tick_set_timeout");
  twin_check(tick_clear_timer(loop, first), "tick_clear_timer");
  twin_check(tick_set_immediate(loop, immediate_1, NULL, &first_immediate),
             "tick_set_immediate");
  /* Timer 2 must be due in the next timers phase, which comes before immediate 2's check
   * phase. */
  busy_wait_ms(2);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, timer_1, NULL, &first), "tick_set_timeout");
}
