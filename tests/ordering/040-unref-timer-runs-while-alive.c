/* 040-unref-timer-runs-while-alive.c - C twin of 040-unref-timer-runs-while-alive.js
 * (SEMANTICS 5.6). process.on('exit') is the loop's exit hook. */
#include "twin.h"

static tick_timer_t u1, u2;

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_clear_timer(loop, u2), "tick_clear_timer");
  say("exit");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 10, timer_label, "unref timer 10", &u1), "tick_set_timeout");
  twin_check(tick_timer_unref(loop, u1), "tick_timer_unref");
  twin_check(tick_set_timeout(loop, 50, timer_label, "ref timer 50", NULL), "tick_set_timeout");
  twin_check(tick_set_timeout(loop, 5000, timer_label, "unref timer 5000 (never)", &u2),
             "tick_set_timeout");
  twin_check(tick_timer_unref(loop, u2), "tick_timer_unref");
  twin_check(tick_loop_set_exit(loop, on_exit_hook, NULL), "tick_loop_set_exit");
}
