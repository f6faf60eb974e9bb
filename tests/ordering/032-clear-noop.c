/* 032-clear-noop.c - C twin of 032-clear-noop.js (SEMANTICS 5.5). Where the JS prints "ok"
 * after a clear, the twin prints "ok" only if the clear returned 0. */
#include "twin.h"

static tick_timer_t t;
static tick_immediate_t i;

static const char *ok(int r) { return r == 0 ? "ok" : tick_err_name(r); }

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void immediate_2(tick_loop_t *loop, void *arg) {
  tick_timer_t u;
  tick_timer_t null_timer = {0};
  tick_immediate_t null_immediate = {0};
  int r;
  (void)arg;
  sayf("clear fired timer: %s", ok(tick_clear_timer(loop, t)));
  sayf("clear fired immediate: %s", ok(tick_clear_immediate(loop, i)));
  twin_check(tick_set_timeout(loop, 1, timer_label, "never", &u), "tick_set_timeout");
  r = tick_clear_timer(loop, u);
  if (r == 0) r = tick_clear_timer(loop, u);
  sayf("clear twice: %s", ok(r));
  r = tick_clear_timer(loop, null_timer);
  if (r == 0) r = tick_clear_immediate(loop, null_immediate);
  sayf("clear null: %s", ok(r));
}

static void immediate_1(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate");
  twin_check(tick_set_immediate(loop, immediate_2, NULL, NULL), "tick_set_immediate");
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer");
  sayf("clear itself while running: %s", ok(tick_clear_timer(loop, t)));
  twin_check(tick_set_immediate(loop, immediate_1, NULL, &i), "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, on_timer, NULL, &t), "tick_set_timeout");
}
