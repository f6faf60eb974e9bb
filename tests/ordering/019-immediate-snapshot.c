/* 019-immediate-snapshot.c - C twin of 019-immediate-snapshot.js (SEMANTICS 4.5). */
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

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1");
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer from immediate 1", NULL),
             "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate 3 from immediate 1", NULL),
             "tick_set_immediate");
  busy_wait_ms(5);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, immediate_1, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 2", NULL), "tick_set_immediate");
}
