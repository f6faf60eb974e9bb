/* 034-timer-arguments.c - C twin of 034-timer-arguments.js (SEMANTICS 5.7): the JS extra
 * argument is the `arg` pointer. */
#include "twin.h"

static void show(tick_loop_t *loop, void *arg) {
  (void)loop;
  sayf("got %s", (const char *)arg);
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  show(loop, arg);
  twin_check(tick_set_immediate(loop, show, "immediate argument", NULL), "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, on_timer, "timer argument", NULL), "tick_set_timeout");
}
