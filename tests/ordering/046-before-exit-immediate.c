/* 046-before-exit-immediate.c - C twin of 046-before-exit-immediate.js (SEMANTICS 8.2 and 3). */
#include "twin.h"

static int n = 0;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void immediate_from_before_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate from beforeExit");
  twin_check(tick_next_tick(loop, print_label, "tick from that immediate"), "tick_next_tick");
}

static void on_before_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  n++;
  sayf("beforeExit %d", n);
  if (n == 1) {
    twin_check(tick_set_immediate(loop, immediate_from_before_exit, NULL, NULL),
               "tick_set_immediate");
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
  twin_check(tick_set_immediate(loop, print_label, "immediate from main", NULL),
             "tick_set_immediate");
}
