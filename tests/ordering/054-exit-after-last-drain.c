/* 054-exit-after-last-drain.c - C twin of 054-exit-after-last-drain.js (SEMANTICS 8.2). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void last_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("last timer");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from last timer"),
             "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick from last timer"), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 5, last_timer, NULL, NULL), "tick_set_timeout");
  twin_check(tick_loop_set_before_exit(loop, print_label, "beforeExit"),
             "tick_loop_set_before_exit");
  twin_check(tick_loop_set_exit(loop, print_label, "exit"), "tick_loop_set_exit");
}
