/* 052-stress-clears.c - C twin of 052-stress-clears.js (SEMANTICS 3, 4.5, 5.4 and 5.5): the
 * same xorshift32 sequence (twin_rand, seed 88675123) drives the same tree of callbacks and
 * clears. */
#include "twin.h"

#include <stdint.h>

#define LIMIT 400

static int created = 0;
static tick_timer_t timers[LIMIT];
static unsigned timer_count = 0;
static tick_immediate_t immediates[LIMIT];
static unsigned immediate_count = 0;
static int interval_times[LIMIT + 1];
static int interval_runs[LIMIT + 1];

static void spawn(tick_loop_t *loop, const char *name, int may_create_timers);

static void spawn_id(tick_loop_t *loop, const char *kind, void *arg, int may_create_timers) {
  char name[64];
  snprintf(name, sizeof(name), "%s %d", kind, (int)(intptr_t)arg);
  spawn(loop, name, may_create_timers);
}

static void on_tick(tick_loop_t *loop, void *arg) { spawn_id(loop, "tick", arg, 0); }

static void on_microtask(tick_loop_t *loop, void *arg) { spawn_id(loop, "microtask", arg, 0); }

static void on_immediate(tick_loop_t *loop, void *arg) { spawn_id(loop, "immediate", arg, 1); }

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  spawn_id(loop, "timer", arg, 1);
}

static void on_interval(tick_loop_t *loop, tick_timer_t iv, void *arg) {
  int id = (int)(intptr_t)arg;
  char name[64];
  interval_runs[id]++;
  if (interval_runs[id] == interval_times[id])
    twin_check(tick_clear_timer(loop, iv), "tick_clear_timer");
  snprintf(name, sizeof(name), "interval %d run %d", id, interval_runs[id]);
  spawn(loop, name, 0);
  busy_wait_ms(2);
}

static void spawn(tick_loop_t *loop, const char *name, int may_create_timers) {
  unsigned children, i, kind, k;
  int wait = 0;
  say(name);
  children = twin_rand() % 5;
  for (i = 0; i < children && created < LIMIT; i++) {
    int id = ++created;
    void *child = (void *)(intptr_t)id;
    /* From a tick, a microtask or an interval, a timer or interval becomes an immediate. */
    kind = twin_rand() % 7;
    if (kind >= 5 && !may_create_timers) kind = 2;
    if (kind == 0) {
      twin_check(tick_next_tick(loop, on_tick, child), "tick_next_tick");
    } else if (kind == 1) {
      twin_check(tick_queue_microtask(loop, on_microtask, child), "tick_queue_microtask");
    } else if (kind == 2) {
      twin_check(tick_set_immediate(loop, on_immediate, child, &immediates[immediate_count++]),
                 "tick_set_immediate");
    } else if (kind == 3) {
      if (immediate_count > 0) {
        k = twin_rand() % immediate_count;
        sayf("clear immediate #%u", k);
        twin_check(tick_clear_immediate(loop, immediates[k]), "tick_clear_immediate");
      }
    } else if (kind == 4) {
      if (timer_count > 0) {
        k = twin_rand() % timer_count;
        sayf("clear timer #%u", k);
        twin_check(tick_clear_timer(loop, timers[k]), "tick_clear_timer");
      }
    } else if (kind == 5) {
      twin_check(tick_set_timeout(loop, 1, on_timer, child, &timers[timer_count++]),
                 "tick_set_timeout");
      wait = 1;
    } else {
      interval_times[id] = 1 + (int)(twin_rand() % 3);
      interval_runs[id] = 0;
      twin_check(tick_set_interval(loop, 1, on_interval, child, &timers[timer_count++]),
                 "tick_set_interval");
      wait = 1;
    }
  }
  if (wait) busy_wait_ms(2);
}

static void main_script(tick_loop_t *loop) {
  int r;
  char name[32];
  twin_rand_state = 88675123u;
  for (r = 0; r < 6; r++) {
    snprintf(name, sizeof(name), "root %d", r);
    spawn(loop, name, 1);
  }
  sayf("created %d", created);
}
