/* 020-immediate-from-drain-waits.c - C twin of 020-immediate-from-drain-waits.js
 * (SEMANTICS 4.5). */
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

/* A tick or microtask that queues an immediate printing `arg`. */
static void queue_labelled_immediate(tick_loop_t *loop, void *arg) {
  twin_check(tick_set_immediate(loop, print_label, arg, NULL), "tick_set_immediate");
}

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1");
  twin_check(tick_next_tick(loop, queue_labelled_immediate, "immediate from tick of 1"),
             "tick_next_tick");
  twin_check(tick_queue_microtask(loop, queue_labelled_immediate,
                                  "immediate from microtask of 1"),
             "tick_queue_microtask");
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer from immediate 1", NULL),
             "tick_set_timeout");
  busy_wait_ms(5);
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, immediate_1, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 2", NULL), "tick_set_immediate");
}
