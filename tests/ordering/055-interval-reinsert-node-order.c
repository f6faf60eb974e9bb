/* 055-interval-reinsert-node-order.c - C twin of 055-interval-reinsert-node-order.js
 * (SEMANTICS 5.4, node's timer lists): node appends a re-armed interval to its delay's list
 * after the callback returns, behind the same-delay timers that callback created, even though
 * the interval's new deadline (from the callback's start) is earlier. */
#include "twin.h"

static int n = 0;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_interval(tick_loop_t *loop, tick_timer_t iv, void *arg) {
  (void)arg;
  n++;
  sayf("interval %d", n);
  if (n == 1) {
    busy_wait_ms(3);
    twin_check(tick_set_timeout(loop, 1, timer_label, "timer created 3 ms into interval 1", NULL),
               "tick_set_timeout");
    busy_wait_ms(5);
  } else {
    twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
  }
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_interval(loop, 1, on_interval, NULL, NULL), "tick_set_interval");
}
