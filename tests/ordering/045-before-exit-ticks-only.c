/* 045-before-exit-ticks-only.c - C twin of 045-before-exit-ticks-only.js (SEMANTICS 8.2). */
#include "twin.h"

static int n = 0;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void on_before_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  n++;
  sayf("beforeExit %d", n);
  if (n == 1) {
    twin_check(tick_queue_microtask(loop, print_label, "microtask from beforeExit"),
               "tick_queue_microtask");
    twin_check(tick_next_tick(loop, print_label, "tick from beforeExit"), "tick_next_tick");
  }
}

static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("exit");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_loop_set_before_exit(loop, on_before_exit, NULL), "tick_loop_set_before_exit");
  twin_check(tick_loop_set_exit(loop, on_exit_hook, NULL), "tick_loop_set_exit");
  say("main end");
}
