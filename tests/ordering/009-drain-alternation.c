/* 009-drain-alternation.c - C twin of 009-drain-alternation.js (SEMANTICS 3.1-3.3). */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void t4(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("T4");
  twin_check(tick_next_tick(loop, print_label, "T6"), "tick_next_tick");
}

static void m2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("M2");
  twin_check(tick_next_tick(loop, t4, NULL), "tick_next_tick");
}

static void t2(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("T2");
  twin_check(tick_queue_microtask(loop, print_label, "M3"), "tick_queue_microtask");
}

static void t1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("T1");
  twin_check(tick_queue_microtask(loop, m2, NULL), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, t2, NULL), "tick_next_tick");
}

static void t3(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("T3");
  twin_check(tick_queue_microtask(loop, print_label, "M6"), "tick_queue_microtask");
}

static void m4(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("M4");
  twin_check(tick_queue_microtask(loop, print_label, "M5"), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "T5"), "tick_next_tick");
}

static void m1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("M1");
  twin_check(tick_next_tick(loop, t3, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, m4, NULL), "tick_queue_microtask");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
  twin_check(tick_next_tick(loop, t1, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, m1, NULL), "tick_queue_microtask");
}
