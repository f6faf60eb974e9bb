/* timers-uv.c - libuv's timers, the peer of timers.c (read its header for the workloads).
 *
 * What is counted for libuv: "start" is uv_timer_init() + uv_timer_start() on a handle
 * the caller already owns (libuv needs both for a new timer; the handle array is
 * allocated before the clock starts but, like tick's slab, first touched inside it);
 * "stop" is uv_timer_stop(). libuv computes each deadline from the loop's cached time,
 * where tick and node read the clock per timer. The warm round closes the handles (not
 * counted) and inits them again on the same loop. "fired" counts uv_run() until it
 * returns; closing the 1M handles afterwards is not counted.
 */
#include <uv.h>

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

static void must_not_fire(uv_timer_t *timer) {
  (void)timer;
  fprintf(stderr, "timers-uv: a stopped timer fired\n");
  exit(1);
}

static void count_fire(uv_timer_t *timer) {
  (*(uint64_t *)timer->data)++;
}

/* Closes every handle and checks that the loop closes cleanly. */
static void close_all(uv_loop_t *loop, uv_timer_t *timers) {
  for (size_t i = 0; i < TIMER_COUNT; i++)
    uv_close((uv_handle_t *)&timers[i], NULL);
  BENCH_CHECK(uv_run(loop, UV_RUN_DEFAULT));
  BENCH_EXPECT(uv_loop_close(loop) == 0);
}

/* One round of init+starts then stops on `loop`; returns the two spans. The handles are
 * closed afterwards (not counted) so that the next round may init them again. */
static void start_stop_round(uv_loop_t *loop, const uint64_t *delays, uv_timer_t *timers,
                             bench_span_t *start, bench_span_t *stop) {
  size_t before = heap_in_use();
  bench_mark_t mark;
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++) {
    BENCH_CHECK(uv_timer_init(loop, &timers[i]));
    BENCH_CHECK(uv_timer_start(&timers[i], must_not_fire, delays[i], 0));
  }
  *start = bench_elapsed(&mark);
  if (live_bytes == 0) live_bytes = heap_in_use() - before;

  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    BENCH_CHECK(uv_timer_stop(&timers[i]));
  *stop = bench_elapsed(&mark);

  for (size_t i = 0; i < TIMER_COUNT; i++)
    uv_close((uv_handle_t *)&timers[i], NULL);
  BENCH_CHECK(uv_run(loop, UV_RUN_DEFAULT));
}

static void bench_start_stop(void) {
  uint64_t *delays = bench_alloc(TIMER_COUNT * sizeof *delays);
  uv_timer_t *timers = bench_alloc(TIMER_COUNT * sizeof *timers);
  uint32_t seed = 2463534242u;
  for (size_t i = 0; i < TIMER_COUNT; i++)
    delays[i] = 1 + bench_random(&seed) % 1000000u;

  uv_loop_t loop;
  BENCH_CHECK(uv_loop_init(&loop));
  bench_span_t start, stop;
  start_stop_round(&loop, delays, timers, &start, &stop);
  bench_print("timers 1M start (random delays)", "libuv", start, TIMER_COUNT);
  bench_print("timers 1M stop", "libuv", stop, TIMER_COUNT);
  bench_print("timers 1M start+stop", "libuv", bench_span_add(start, stop), TIMER_COUNT);
  /* Not a RESULT line: run.sh leaves it out of the table (docs/design/timers.md). */
  printf("MEMORY\ttimers 1M live\tlibuv\t%.1f B per timer (%zu B handle + %.1f B inside)\n",
         (double)sizeof(uv_timer_t) + (double)live_bytes / TIMER_COUNT, (size_t)sizeof(uv_timer_t),
         (double)live_bytes / TIMER_COUNT);
  start_stop_round(&loop, delays, timers, &start, &stop);
  bench_print("timers 1M start+stop, warm", "libuv", bench_span_add(start, stop), TIMER_COUNT);

  BENCH_EXPECT(uv_loop_close(&loop) == 0);
  free(timers);
  free(delays);
}

static void bench_fire(void) {
  uv_timer_t *timers = bench_alloc(TIMER_COUNT * sizeof *timers);
  uint64_t fired = 0;
  uv_loop_t loop;
  BENCH_CHECK(uv_loop_init(&loop));
  for (size_t i = 0; i < TIMER_COUNT; i++) {
    BENCH_CHECK(uv_timer_init(&loop, &timers[i]));
    timers[i].data = &fired;
    BENCH_CHECK(uv_timer_start(&timers[i], count_fire, 1 + i % DISTINCT_DEADLINES, 0));
  }

  bench_mark_t mark;
  bench_begin(&mark);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  bench_report(&mark, "timers 1M fired, 1000 deadlines", "libuv", TIMER_COUNT);

  BENCH_EXPECT(fired == TIMER_COUNT);
  close_all(&loop, timers);
  free(timers);
}

int main(int argc, char **argv) {
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
