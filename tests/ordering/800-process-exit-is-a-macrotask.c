/* 800-process-exit-is-a-macrotask.c - C twin of 800-process-exit-is-a-macrotask.js
 * (SEMANTICS 3, 4 and 9): the exit callback is a poll-phase macrotask. */
#include "twin.h"

#include <signal.h>

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_exit_cb(tick_loop_t *loop, tick_process_t child, int status, int sig,
                       void *arg) {
  (void)arg;
  printf("exit %d %s\n", status, sig == 0 ? "null" : "signal");
  twin_check(tick_set_timeout(loop, 0, timer_label, "timeout 0 from exit", NULL),
             "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate from exit", NULL),
             "tick_set_immediate");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from exit"),
             "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick from exit"), "tick_next_tick");
  twin_check(tick_process_close(loop, child, NULL, NULL), "tick_process_close");
}

static void main_script(tick_loop_t *loop) {
  static char *argv[] = {"true", NULL};
  tick_process_options_t o = {0};
  tick_process_t child;
  o.file = "true";
  o.argv = argv;
  o.exit_cb = on_exit_cb;
  twin_check(tick_spawn(loop, &o, &child), "tick_spawn");
  say("spawned");
}
