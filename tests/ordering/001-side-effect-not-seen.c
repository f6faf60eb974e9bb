/* 001-side-effect-not-seen.c - C twin of 001-side-effect-not-seen.js (SEMANTICS 2). */
#include "twin.h"

static int value = 0;

static void on_tick(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  value = 1;
  say("tick sets value");
}

static void on_microtask(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  value = 2;
  say("microtask sets value");
}

static void on_immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  sayf("immediate sees value %d", value);
}

static void main_script(tick_loop_t *loop) {
  say("main start");
  twin_check(tick_next_tick(loop, on_tick, NULL), "tick_next_tick");
  twin_check(tick_queue_microtask(loop, on_microtask, NULL), "tick_queue_microtask");
  twin_check(tick_set_immediate(loop, on_immediate, NULL, NULL), "tick_set_immediate");
  sayf("main sees value %d", value);
  say("main end");
}
