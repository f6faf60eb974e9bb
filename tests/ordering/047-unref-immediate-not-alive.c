/* 047-unref-immediate-not-alive.c - C twin of 047-unref-immediate-not-alive.js (SEMANTICS 8.1). */
#include "twin.h"

static tick_immediate_t u;

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_clear_immediate(loop, u), "tick_clear_immediate");
  say("exit");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_immediate(loop, print_label, "unref immediate (never)", &u),
             "tick_set_immediate");
  twin_check(tick_immediate_unref(loop, u), "tick_immediate_unref");
  twin_check(tick_loop_set_exit(loop, on_exit_hook, NULL), "tick_loop_set_exit");
  say("main end");
}
