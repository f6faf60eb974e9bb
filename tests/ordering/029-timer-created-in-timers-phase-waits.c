/* 029-timer-created-in-timers-phase-waits.c - C twin of
 * 029-timer-created-in-timers-phase-waits.js (SEMANTICS 4.1). */
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

/* A tick or microtask that starts a 1 ms timer printing `arg`. */
static void start_labelled_timer(tick_loop_t *loop, void *arg) {
  twin_check(tick_set_timeout(loop, 1, timer_label, arg, NULL), "tick_set_timeout");
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A");
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer B from A", NULL), "tick_set_timeout");
  twin_check(tick_next_tick(loop, start_labelled_timer, "timer C from tick of A"),
             "tick_next_tick");
  twin_check(tick_queue_microtask(loop, start_labelled_timer, "timer D from microtask of A"),
             "tick_queue_microtask");
  twin_check(tick_set_immediate(loop, print_label, "immediate from A", NULL),
             "tick_set_immediate");
  busy_wait_ms(5);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, timer_a, NULL, NULL), "tick_set_timeout");
  /* Z is the phase's last timer, so no clock read happens in the drain after the phase's
   * last callback (see 056 for what node does then). */
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer Z, due with A", NULL),
             "tick_set_timeout");
  busy_wait_ms(5);
}
