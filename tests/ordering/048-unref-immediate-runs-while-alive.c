/* 048-unref-immediate-runs-while-alive.c - C twin of 048-unref-immediate-runs-while-alive.js
 * (SEMANTICS 8.1 and 4.5). */
#include "twin.h"

static tick_immediate_t u2;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void ref_immediate(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("ref immediate");
  twin_check(tick_set_immediate(loop, print_label, "unref immediate 2 (never)", &u2),
             "tick_set_immediate");
  twin_check(tick_immediate_unref(loop, u2), "tick_immediate_unref");
}

static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_clear_immediate(loop, u2), "tick_clear_immediate");
  say("exit");
}

static void main_script(tick_loop_t *loop) {
  tick_immediate_t u;
  twin_check(tick_set_immediate(loop, print_label, "unref immediate", &u), "tick_set_immediate");
  twin_check(tick_immediate_unref(loop, u), "tick_immediate_unref");
  twin_check(tick_set_immediate(loop, ref_immediate, NULL, NULL), "tick_set_immediate");
  twin_check(tick_loop_set_exit(loop, on_exit_hook, NULL), "tick_loop_set_exit");
}
