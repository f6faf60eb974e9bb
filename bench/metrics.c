/* metrics.c - what the loop metrics (tick/metrics.h) cost: the same workloads with every
 * opt-in timing on ("tick") and with them off ("metrics-off", the default), so the ratio
 * in the table is the cost of switching them on. The counters are always kept; what they
 * cost against a library without them is measured by running queues.c and timers.c
 * against both builds (docs/design/observability.md).
 *
 * Workloads:
 * - "immediate 1M depth": each immediate queues the next, so 1M loop iterations, each
 *   with the delay deadline check and (on) a possible sample; no blocking wait.
 * - "next-tick 10M depth": one next-tick queueing the next, 10M deep (the drain's
 *   counter).
 * - "timer 200k": 200k timers of 0..9 ms, the loop blocking between them (the idle-time
 *   clock reads around each wait and the delay samples every 1 ms).
 * - "pool 100k": 100k no-op pool jobs on 2 threads, 1k in flight (the wait clock reads).
 * Counted: from the first queueing call to the return of tick_loop_run(), each workload
 * on a fresh loop; time per callback.
 */
#include <tick.h>

#include "bench.h"

#define IMMEDIATES 1000000
#define TICKS 10000000
#define TIMERS 200000
#define JOBS 100000
#define JOBS_INFLIGHT 1000

typedef struct counter_s {
  uint64_t ran, target, queued;
  tick_pool_t *pool;
} counter_t;

static void immediate_again(tick_loop_t *loop, void *arg) {
  counter_t *c = arg;
  if (++c->ran < c->target) BENCH_CHECK(tick_set_immediate(loop, immediate_again, c, NULL));
}

static void tick_again(tick_loop_t *loop, void *arg) {
  counter_t *c = arg;
  if (++c->ran < c->target) BENCH_CHECK(tick_next_tick(loop, tick_again, c));
}

static void timer_ran(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  ((counter_t *)arg)->ran++;
}

static void job_work(void *arg) {
  (void)arg;
}

static void job_done(tick_loop_t *loop, int status, void *arg) {
  counter_t *c = arg;
  BENCH_CHECK(status);
  c->ran++;
  if (c->queued < c->target) {
    c->queued++;
    BENCH_CHECK(tick_work_queue(loop, c->pool, job_work, job_done, c, NULL));
  }
}

typedef enum { IMMEDIATE, TICK, TIMER, POOL } workload_t;

static const char *names[] = {"immediate 1M depth", "next-tick 10M depth", "timer 200k",
                              "pool 100k"};

static void run(workload_t w, int on, tick_pool_t *pool) {
  tick_loop_t *loop;
  counter_t c = {0, 0, 0, pool};
  bench_mark_t mark;
  uint64_t i;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_loop_set_pool(loop, pool));
  if (on)
    BENCH_CHECK(tick_loop_metrics_enable(
        loop, TICK_METRICS_IDLE_TIME | TICK_METRICS_DELAY | TICK_METRICS_POOL_WAIT, 1));
  bench_begin(&mark);
  switch (w) {
  case IMMEDIATE:
    c.target = IMMEDIATES;
    BENCH_CHECK(tick_set_immediate(loop, immediate_again, &c, NULL));
    break;
  case TICK:
    c.target = TICKS;
    BENCH_CHECK(tick_next_tick(loop, tick_again, &c));
    break;
  case TIMER:
    c.target = TIMERS;
    for (i = 0; i < TIMERS; i++)
      BENCH_CHECK(tick_set_timeout(loop, (int64_t)(i % 10), timer_ran, &c, NULL));
    break;
  case POOL:
    c.target = JOBS;
    for (c.queued = 0; c.queued < JOBS_INFLIGHT; c.queued++)
      BENCH_CHECK(tick_work_queue(loop, pool, job_work, job_done, &c, NULL));
    break;
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, names[w], on ? "tick" : "metrics-off", (double)c.target);
  BENCH_EXPECT(c.ran == c.target);
  BENCH_CHECK(tick_loop_destroy(loop));
}

int main(void) {
  tick_pool_t *pool;
  int w;
  BENCH_CHECK(tick_pool_create(&pool, 2));
  /* Alternated, so that a burst of load elsewhere on the machine hits both alike. */
  for (w = IMMEDIATE; w <= POOL; w++) {
    run((workload_t)w, 0, pool);
    run((workload_t)w, 1, pool);
  }
  BENCH_CHECK(tick_pool_destroy(pool));
  return 0;
}
