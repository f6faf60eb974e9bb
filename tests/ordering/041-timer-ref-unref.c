/* 041-timer-ref-unref.c - C twin of 041-timer-ref-unref.js (SEMANTICS 5.6). */
#include "twin.h"

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static const char *has_ref(tick_loop_t *loop, tick_timer_t t) {
  int r = tick_timer_has_ref(loop, t);
  twin_check(r, "tick_timer_has_ref");
  return r ? "true" : "false";
}

static void main_script(tick_loop_t *loop) {
  tick_timer_t t;
  twin_check(tick_set_timeout(loop, 10, timer_label, "timer runs", &t), "tick_set_timeout");
  sayf("has ref: %s", has_ref(loop, t));
  twin_check(tick_timer_unref(loop, t), "tick_timer_unref");
  sayf("after unref: %s", has_ref(loop, t));
  twin_check(tick_timer_ref(loop, t), "tick_timer_ref");
  sayf("after ref: %s", has_ref(loop, t));
}
