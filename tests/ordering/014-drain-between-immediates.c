/* 014-drain-between-immediates.c - C twin of 014-drain-between-immediates.js
 * (SEMANTICS 3 and 4.5). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void microtask_from_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("microtask from 1");
  twin_check(tick_next_tick(loop, print_label, "tick from microtask from 1"), "tick_next_tick");
}

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 1");
  twin_check(tick_queue_microtask(loop, microtask_from_1, NULL), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick from 1"), "tick_next_tick");
}

static void immediate_2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate 2");
  twin_check(tick_next_tick(loop, print_label, "tick from 2"), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, immediate_1, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, immediate_2, NULL, NULL), "tick_set_immediate");
  twin_check(tick_set_immediate(loop, print_label, "immediate 3", NULL), "tick_set_immediate");
}
