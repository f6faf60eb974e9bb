/* 043-timer-lists-node-order.c - C twin of 043-timer-lists-node-order.js (SEMANTICS 4.1, node's
 * timer lists): node keeps one FIFO list per delay and, in a late timers phase, empties the
 * list of the earliest deadline before looking at other lists. */
#include "twin.h"

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 10, timer_label, "A: delay 10, deadline 10", NULL),
             "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 12, timer_label, "B: delay 12, deadline 12", NULL),
             "tick_set_timeout");
  busy_wait_ms(5);
  twin_check(tick_set_timeout(loop, 10, timer_label,
                              "C: delay 10, created 5 ms later, deadline 15", NULL),
             "tick_set_timeout");
  busy_wait_ms(30);
}
