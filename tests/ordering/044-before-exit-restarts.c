/* 044-before-exit-restarts.c - C twin of 044-before-exit-restarts.js (SEMANTICS 8.2).
 * process.on('beforeExit') and process.on('exit') are the loop's before-exit and exit hooks. */
#include "twin.h"

#include <stdint.h>

static int n = 0;

static void timer_from_before_exit(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  sayf("timer from beforeExit %d", (int)(intptr_t)arg);
}

static void on_before_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  n++;
  sayf("beforeExit %d", n);
  if (n < 3) {
    int k = n;
    twin_check(tick_set_timeout(loop, 1, timer_from_before_exit, (void *)(intptr_t)k, NULL),
               "tick_set_timeout");
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
