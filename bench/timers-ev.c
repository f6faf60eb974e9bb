/* timers-ev.c - libev's timers, the peer of timers.c (read its header for the workloads).
 *
 * What is counted for libev: "start" is ev_timer_init() + ev_timer_start() on a watcher
 * the caller already owns (the watcher array is allocated before the clock starts but,
 * like tick's slab, first touched inside it); "stop" is ev_timer_stop(). Delays are
 * converted to libev's seconds; libev computes each deadline from the loop's cached time.
 * The warm round starts the same watchers again on the same loop. "fired" counts ev_run()
 * until it returns.
 */
#include <ev.h>

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

static void must_not_fire(struct ev_loop *loop, ev_timer *timer, int events) {
  (void)loop;
  (void)timer;
  (void)events;
  fprintf(stderr, "timers-ev: a stopped timer fired\n");
  exit(1);
}

static void count_fire(struct ev_loop *loop, ev_timer *timer, int events) {
  (void)loop;
  (void)events;
  (*(uint64_t *)timer->data)++;
}

/* One round of starts then stops on `loop`; returns the two spans. */
static void start_stop_round(struct ev_loop *loop, const double *delays, ev_timer *timers,
                             bench_span_t *start, bench_span_t *stop) {
  size_t before = heap_in_use();
  bench_mark_t mark;
  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++) {
    ev_timer_init(&timers[i], must_not_fire, delays[i], 0.0);
    ev_timer_start(loop, &timers[i]);
  }
  *start = bench_elapsed(&mark);
  if (live_bytes == 0) live_bytes = heap_in_use() - before;

  bench_begin(&mark);
  for (size_t i = 0; i < TIMER_COUNT; i++)
    ev_timer_stop(loop, &timers[i]);
  *stop = bench_elapsed(&mark);
}

static void bench_start_stop(void) {
  double *delays = bench_alloc(TIMER_COUNT * sizeof *delays);
  ev_timer *timers = bench_alloc(TIMER_COUNT * sizeof *timers);
  uint32_t seed = 2463534242u;
  for (size_t i = 0; i < TIMER_COUNT; i++)
    delays[i] = (double)(1 + bench_random(&seed) % 1000000u) / 1000.0;

  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  BENCH_EXPECT(loop != NULL);
  bench_span_t start, stop;
  start_stop_round(loop, delays, timers, &start, &stop);
  bench_print("timers 1M start (random delays)", "libev", start, TIMER_COUNT);
  bench_print("timers 1M stop", "libev", stop, TIMER_COUNT);
  bench_print("timers 1M start+stop", "libev", bench_span_add(start, stop), TIMER_COUNT);
  /* Not a RESULT line: run.sh leaves it out of the table (docs/design/timers.md). */
  printf("MEMORY\ttimers 1M live\tlibev\t%.1f B per timer (%zu B handle + %.1f B inside)\n",
         (double)sizeof(ev_timer) + (double)live_bytes / TIMER_COUNT, (size_t)sizeof(ev_timer),
         (double)live_bytes / TIMER_COUNT);
  start_stop_round(loop, delays, timers, &start, &stop);
  bench_print("timers 1M start+stop, warm", "libev", bench_span_add(start, stop), TIMER_COUNT);

  ev_loop_destroy(loop);
  free(timers);
  free(delays);
}

static void bench_fire(void) {
  ev_timer *timers = bench_alloc(TIMER_COUNT * sizeof *timers);
  uint64_t fired = 0;
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  BENCH_EXPECT(loop != NULL);
  for (size_t i = 0; i < TIMER_COUNT; i++) {
    ev_timer_init(&timers[i], count_fire, (double)(1 + i % DISTINCT_DEADLINES) / 1000.0, 0.0);
    timers[i].data = &fired;
    ev_timer_start(loop, &timers[i]);
  }

  bench_mark_t mark;
  bench_begin(&mark);
  ev_run(loop, 0);
  bench_report(&mark, "timers 1M fired, 1000 deadlines", "libev", TIMER_COUNT);

  BENCH_EXPECT(fired == TIMER_COUNT);
  ev_loop_destroy(loop);
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
