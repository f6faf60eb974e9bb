/* timers.c - tick's timers: start and stop cost, and firing cost.
 *
 * Workloads (the same in timers-uv.c, timers-ev.c and timers.js):
 * - "timers 1M start (random delays)": starts 1M one-shot timers whose delays are drawn
 *   from xorshift32 (seed 2463534242) in 1..1000000 ms. Counted: the start calls only
 *   (the delays and the id array are prepared before the clock starts). ns per timer.
 * - "timers 1M stop": clears those 1M timers, in start order, none having fired.
 *   Counted: the clear calls. ns per timer.
 * - "timers 1M start+stop": the sum of the two, per timer (the goal row).
 * - "timers 1M start+stop, warm": the same again on the same loop, so that the memory the
 *   first round touched is reused: the steady-state cost, without the first-touch page
 *   faults that dominate a fresh process on a virtual machine (docs/design/bench.md).
 * - "timers 1M fired, 1000 deadlines": starts 1M one-shot timers with delays
 *   1 + (i % 1000) ms (1000 distinct deadlines, 1000 timers each, interleaved), then runs
 *   the loop until all have fired. Counted: the run only, from tick_loop_run() to its
 *   return; CPU time is the figure that matters (wall time is ~1 s for everyone: the
 *   loop sleeps until the last deadline).
 */
#include <tick.h>
#include <tick/loop.h>

#include "bench.h"

#include <malloc.h>

/* Bytes the allocator hands out (small blocks and mapped ones): their growth across the
 * first round's starts is the library's memory per live timer. */
static size_t heap_in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

static size_t live_bytes; /* library bytes with TIMER_COUNT timers started */

#define TIMER_COUNT 1000000
#define DISTINCT_DEADLINES 1000

typedef struct fire_count_s {
  uint64_t fired;
} fire_count_t;

static void must_not_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  (void)arg;
  fprintf(stderr, "timers: a stopped timer fired\n");
  exit(1);
}

static void count_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  ((fire_count_t *)arg)->fired++;
}

/* One round of starts then stops on `loop`; returns the two spans. */
static void start_stop_round(tick_loop_t *loop, const int64_t *delays, tick_timer_t *ids,
                             bench_span_t *start, bench_span_t *stop) {
  size_t before = heap_in_use();
  bench_mark_t mark;
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_set_timeout(loop, delays[i], must_not_fire, NULL, &ids[i]));
  *start = bench_elapsed(&mark);
  if (live_bytes == 0) live_bytes = heap_in_use() - before;

  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_clear_timer(loop, ids[i]));
  *stop = bench_elapsed(&mark);
}

static void bench_start_stop(void) {
  int64_t *delays = bench_alloc(TIMER_COUNT * sizeof *delays);
  tick_timer_t *ids = bench_alloc(TIMER_COUNT * sizeof *ids);
  uint32_t seed = 2463534242u;
  for (size_t i = 0; i < TIMER_COUNT; i++)
    delays[i] = 1 + (int64_t)(bench_random(&seed) % 1000000u);

  tick_loop_t *loop = NULL;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_span_t start, stop;
  start_stop_round(loop, delays, ids, &start, &stop);
  bench_print("timers 1M start (random delays)", "tick", start, TIMER_COUNT);
  bench_print("timers 1M stop", "tick", stop, TIMER_COUNT);
  bench_print("timers 1M start+stop", "tick", bench_span_add(start, stop), TIMER_COUNT);
  /* Not a RESULT line: run.sh leaves it out of the table (docs/design/timers.md). */
  printf("MEMORY\ttimers 1M live\ttick\t%.1f B per timer (%zu B handle + %.1f B inside)\n",
         (double)sizeof(tick_timer_t) + (double)live_bytes / TIMER_COUNT, (size_t)sizeof(tick_timer_t),
         (double)live_bytes / TIMER_COUNT);
  start_stop_round(loop, delays, ids, &start, &stop);
  bench_print("timers 1M start+stop, warm", "tick", bench_span_add(start, stop), TIMER_COUNT);

  /* Nothing is left: the loop must run dry at once and be destroyable. */
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(ids);
  free(delays);
}

static void bench_fire(void) {
  tick_loop_t *loop = NULL;
  fire_count_t count = {0};
  BENCH_CHECK(tick_loop_create(&loop, 0));
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(tick_set_timeout(loop, 1 + (int64_t)(i % DISTINCT_DEADLINES), count_fire,
                                 &count, NULL));

  bench_mark_t mark;
  bench_begin(&mark);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, "timers 1M fired, 1000 deadlines", "tick", TIMER_COUNT);

  BENCH_EXPECT(count.fired == TIMER_COUNT);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

int main(int argc, char **argv) {
  bench_goal("timers 1M start+stop", "libuv", 0.3, "wall");
  bench_goal("timers 1M start+stop", "libev", 1.0, "wall");
  bench_goal("timers 1M start+stop", "node", 0.05, "wall");
  bench_goal("timers 1M fired, 1000 deadlines", "libuv", 0.5, "cpu");
  bench_goal("timers 1M fired, 1000 deadlines", "libev", 0.5, "cpu");
  bench_goal("timers 1M fired, 1000 deadlines", "node", 0.1, "cpu");
  if (bench_workload_child(argc, argv, "timers 1M start+stop")) {
    bench_start_stop();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "timers 1M fired, 1000 deadlines")) {
    bench_fire();
    bench_child_done();
  }
  return 0;
}
