/* 166-context-enter-with.c - twin of the .js. Rule: tick_context_enter changes the
 * context for the rest of the running callback and for what it schedules from then on;
 * what it scheduled before keeps the old context, and the next callback is not affected. */
#include "xtwin.h"

static void first(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  twin_check(tick_next_tick(loop, log_task, "tick before enterWith"), "next_tick");
  twin_check(tick_context_enter(loop, store_of("E")), "enter");
  log_store(loop, "after enterWith");
  twin_check(tick_next_tick(loop, log_task, "tick after enterWith"), "next_tick");
}

static void schedule(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 0, first, NULL, NULL), "timeout");
  twin_check(tick_set_timeout(loop, 0, log_timer, "next timeout", NULL), "timeout");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("A"), schedule, NULL), "run A");
}
