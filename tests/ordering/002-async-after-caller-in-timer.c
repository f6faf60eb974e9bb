/* 002-async-after-caller-in-timer.c - C twin of 002-async-after-caller-in-timer.js
 * (SEMANTICS 2). */
#include "twin.h"

static int value = 0;

static void on_timer_2(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  (void)arg;
  sayf("timer 2 sees value %d", value);
}

static void on_immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  value = 3;
  say("immediate");
}

static void on_microtask(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  value = 2;
  say("microtask");
}

static void on_tick(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  value = 1;
  say("tick");
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer start");
  twin_check(tick_set_timeout(loop, 0, on_timer_2, NULL, NULL), "tick_set_timeout");
  twin_check(tick_set_immediate(loop, on_immediate, NULL, NULL), "tick_set_immediate");
  twin_check(tick_queue_microtask(loop, on_microtask, NULL), "tick_queue_microtask");
  twin_check(tick_next_tick(loop, on_tick, NULL), "tick_next_tick");
  sayf("timer sees value %d", value);
  say("timer end");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, on_timer, NULL, NULL), "tick_set_timeout");
}
