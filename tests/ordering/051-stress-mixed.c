/* 051-stress-mixed.c - C twin of 051-stress-mixed.js (SEMANTICS 3, 4 and 5): the same
 * xorshift32 sequence (twin_rand, default seed) drives the same tree of callbacks. */
#include "twin.h"

#include <stdint.h>

#define LIMIT 400

static int created = 0;

static void run(tick_loop_t *loop, const char *kind, int id, int macrotask);

static void on_tick(tick_loop_t *loop, void *arg) { run(loop, "tick", (int)(intptr_t)arg, 0); }

static void on_microtask(tick_loop_t *loop, void *arg) {
  run(loop, "microtask", (int)(intptr_t)arg, 0);
}

static void on_immediate(tick_loop_t *loop, void *arg) {
  run(loop, "immediate", (int)(intptr_t)arg, 1);
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  run(loop, "timer", (int)(intptr_t)arg, 1);
}

static void run(tick_loop_t *loop, const char *kind, int id, int macrotask) {
  unsigned children, i, k;
  int made_timer = 0;
  sayf("%s %d", kind, id);
  children = twin_rand() % 4;
  for (i = 0; i < children && created < LIMIT; i++) {
    void *child = (void *)(intptr_t)++created;
    /* Timers are twice as likely as the other kinds from a macrotask; from a tick or a
     * microtask a timer becomes an immediate. */
    k = twin_rand() % 5;
    if (k == 4) k = 3;
    if (k == 3 && !macrotask) k = 2;
    if (k == 0) {
      twin_check(tick_next_tick(loop, on_tick, child), "tick_next_tick");
    } else if (k == 1) {
      twin_check(tick_queue_microtask(loop, on_microtask, child), "tick_queue_microtask");
    } else if (k == 2) {
      twin_check(tick_set_immediate(loop, on_immediate, child, NULL), "tick_set_immediate");
    } else {
      twin_check(tick_set_timeout(loop, 1, on_timer, child, NULL), "tick_set_timeout");
      made_timer = 1;
    }
  }
  if (made_timer) busy_wait_ms(2);
}

static void main_script(tick_loop_t *loop) {
  int r;
  for (r = 0; r < 6; r++) run(loop, "root", r, 1);
  sayf("created %d", created);
}
