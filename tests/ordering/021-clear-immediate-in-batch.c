/* 021-clear-immediate-in-batch.c - C twin of 021-clear-immediate-in-batch.js (SEMANTICS 4.5). */
#include "twin.h"

static tick_immediate_t i2, i4;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void clear_i4(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_clear_immediate(loop, i4), "tick_clear_immediate");
}

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1");
  twin_check(tick_clear_immediate(loop, i2), "tick_clear_immediate");
  twin_check(tick_queue_microtask(loop, clear_i4, NULL), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, immediate_1, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 2", &i2), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 3", NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 4", &i4), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 5", NULL), "tick_set_immediate");
}
