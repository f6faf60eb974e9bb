/* scopes.c - cancelling many pending timers through one cancel scope (bench/cancel.c has
 * the I/O rows: reads and TCP echo under scopes).
 *
 * Workloads:
 * - "cancel 1M pending timers": 1M one-shot timers with delays 1..1000000 ms (xorshift32,
 *   seed 2463534242, as bench/timers.c) are started, none fires, and all are stopped.
 *   "tick" starts them under one scope (tick_set_timeout_in) and stops them with one
 *   tick_scope_cancel; the peer "one by one" starts them with tick_set_timeout and stops
 *   them with 1M tick_clear_timer calls, in start order. Counted: the stopping only (the
 *   cancel call, or the loop of clears). ns per timer. The goal: one cancel costs no more
 *   than the clears it replaces.
 * - "cancel 1M pending timers, start+stop": the same, counting the starts too (a timer
 *   under a scope also takes a small record from the scope's chunks).
 * Each workload runs in a child process of its own (bench_workload_child), each side on a
 * fresh loop after a warm-up round on the same loop, so both measure the steady state.
 */
#include <tick.h>

#include "bench.h"

#define TIMER_COUNT 1000000

static void must_not_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  (void)arg;
  fprintf(stderr, "cancel: a stopped timer fired\n");
  exit(1);
}

static int64_t *make_delays(void) {
  int64_t *delays = malloc(sizeof(*delays) * TIMER_COUNT);
  uint32_t state = 2463534242u;
  BENCH_EXPECT(delays != NULL);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    delays[i] = 1 + (int64_t)(bench_random(&state) % 1000000u);
  return delays;
}

/* One round through a scope: returns the start and the cancel spans. */
static void scope_round(tick_loop_t *loop, const int64_t *delays, bench_span_t *start,
                        bench_span_t *stop) {
  tick_scope_t *s;
  bench_mark_t mark;
  BENCH_CHECK(tick_scope_create(loop, NULL, &s));
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_set_timeout_in(s, delays[i], must_not_fire, NULL, NULL));
  *start = bench_elapsed(&mark);
  bench_begin(&mark);
  BENCH_CHECK(tick_scope_cancel(s, TICK_ECANCELED));
  *stop = bench_elapsed(&mark);
  BENCH_CHECK(tick_scope_release(s));
  BENCH_EXPECT(tick_loop_alive(loop) == 0);
}

/* One round one by one. */
static void plain_round(tick_loop_t *loop, const int64_t *delays, tick_timer_t *ids,
                        bench_span_t *start, bench_span_t *stop) {
  bench_mark_t mark;
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_set_timeout(loop, delays[i], must_not_fire, NULL, &ids[i]));
  *start = bench_elapsed(&mark);
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_clear_timer(loop, ids[i]));
  *stop = bench_elapsed(&mark);
  BENCH_EXPECT(tick_loop_alive(loop) == 0);
}

static void run(int through_scope) {
  int64_t *delays = make_delays();
  tick_timer_t *ids = malloc(sizeof(*ids) * TIMER_COUNT);
  const char *impl = through_scope ? "tick" : "one by one";
  bench_span_t start, stop;
  tick_loop_t *loop;
  BENCH_EXPECT(ids != NULL);
  BENCH_CHECK(tick_loop_create(&loop, 0));
  for (int round = 0; round < 2; round++) { /* the first warms the loop's memory */
    if (through_scope)
      scope_round(loop, delays, &start, &stop);
    else
      plain_round(loop, delays, ids, &start, &stop);
  }
  bench_print("cancel 1M pending timers", impl, stop, TIMER_COUNT);
  bench_print("cancel 1M pending timers, start+stop", impl, bench_span_add(start, stop),
              TIMER_COUNT);
  BENCH_CHECK(tick_loop_destroy(loop));
  free(ids);
  free(delays);
}

int main(int argc, char **argv) {
  bench_goal("cancel 1M pending timers", "one by one", 1.0, "cpu");
  if (bench_workload_child(argc, argv, "cancel 1M pending timers")) {
    run(1);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "cancel 1M pending timers")) {
    run(0);
    bench_child_done();
  }
  return 0;
}
