/* 160-context-follows-schedulers.c - twin of the .js. Rule: an immediate, a next-tick
 * and a microtask each run in the context of the tick_context_run that scheduled
 * them; outside any run the context is NULL. */
#include "xtwin.h"

static void schedule(tick_loop_t *loop, void *name) {
  static char labels[2][4][32];
  int i = ((const char *)name)[0] - 'A';
  snprintf(labels[i][1], 32, "immediate %s", (const char *)name);
  snprintf(labels[i][2], 32, "tick %s", (const char *)name);
  snprintf(labels[i][3], 32, "microtask %s", (const char *)name);
  twin_check(tick_set_immediate(loop, log_task, labels[i][1], NULL), "immediate");
  twin_check(tick_next_tick(loop, log_task, labels[i][2]), "next_tick");
  twin_check(tick_queue_microtask(loop, log_task, labels[i][3]), "microtask");
  sayf("inside run %s: %s", (const char *)name, (const char *)tick_context_get(loop));
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("A"), schedule, "A"), "run A");
  twin_check(tick_context_run(loop, store_of("B"), schedule, "B"), "run B");
  log_store(loop, "main");
  twin_check(tick_set_immediate(loop, log_task, "immediate from main", NULL), "immediate");
}
