/* 164-context-transitive-chain.c - twin of the .js. Rule: the context follows a chain of
 * causes across kinds (timer -> immediate -> next-tick -> microtask -> timer); a timer
 * created inside a callback runs in the callback's context. */
#include "xtwin.h"

#include <string.h>

static void first(tick_loop_t *loop, tick_timer_t t, void *arg);

static void start_b(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 1, first, NULL, NULL), "timeout");
}

static void last(tick_loop_t *loop, tick_timer_t t, void *arg) {
  const char *store = tick_context_get(loop);
  (void)t;
  (void)arg;
  log_store(loop, "last timeout");
  if (store != NULL && strcmp(store, "A") == 0)
    twin_check(tick_context_run(loop, store_of("B"), start_b, NULL), "run B");
}

static void micro(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "microtask");
  twin_check(tick_set_timeout(loop, 1, last, NULL, NULL), "timeout");
}

static void tick(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "tick");
  twin_check(tick_queue_microtask(loop, micro, NULL), "microtask");
}

static void imm(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "immediate");
  twin_check(tick_next_tick(loop, tick, NULL), "next_tick");
}

static void first(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  log_store(loop, "timeout");
  twin_check(tick_set_immediate(loop, imm, NULL, NULL), "immediate");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("A"), start_b, NULL), "run A");
}
