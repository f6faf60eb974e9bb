/* 168-context-same-delay-interleaved.c - twin of the .js. Rule: timers of one duration
 * made alternately under two contexts run in creation order, each in its own context;
 * next-ticks likewise. */
#include "xtwin.h"

static char labels[3][2][32];

static void schedule(tick_loop_t *loop, void *arg) {
  int i = (int)(intptr_t)arg;
  twin_check(tick_set_timeout(loop, 1, log_timer, labels[i][0], NULL), "timeout");
  twin_check(tick_next_tick(loop, log_task, labels[i][1]), "next_tick");
}

static void main_script(tick_loop_t *loop) {
  int i;
  for (i = 0; i < 3; i++) {
    snprintf(labels[i][0], sizeof(labels[i][0]), "timeout %d", i);
    snprintf(labels[i][1], sizeof(labels[i][1]), "tick %d", i);
    twin_check(tick_context_run(loop, store_of("A"), schedule, (void *)(intptr_t)i), "run A");
    twin_check(tick_context_run(loop, store_of("B"), schedule, (void *)(intptr_t)i), "run B");
  }
}
