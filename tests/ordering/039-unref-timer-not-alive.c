/* 039-unref-timer-not-alive.c - C twin of 039-unref-timer-not-alive.js (SEMANTICS 5.6, 8.1).
 * process.on('exit') is the loop's exit hook. */
#include "twin.h"

static tick_timer_t u;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_clear_timer(loop, u), "tick_clear_timer");
  say("exit");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 5000, timer_label, "unref timer (never)", &u),
             "tick_set_timeout");
  twin_check(tick_timer_unref(loop, u), "tick_timer_unref");
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "tick_set_immediate");
  twin_check(tick_loop_set_exit(loop, on_exit_hook, NULL), "tick_loop_set_exit");
  say("main end");
}
