/* parallel.c - tick's blocking parallel map and reduce against the sequential ones.
 *
 * Workloads: "parallel map sqrt 5e7 doubles" (out[i] = sqrt(in[i])) and "parallel sum
 * 5e7 doubles" (a reduce with +). The peer "serial" is tick_map / tick_reduce on the same
 * data in the same process. Counted: the one call (the pool is started, and the arrays
 * filled and faulted in, before the timed part); time per element. The pool has one
 * thread per core; the caller works too. The goals: >= 1.75x the serial map and
 * >= 1.5x the serial reduce on 2 cores.
 */
#include <tick.h>

#include <math.h>

#include "bench.h"

#define COUNT 50000000

static int sqrt_map(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx;
  (void)index;
  *(double *)out = sqrt(*(const double *)in);
  return 0;
}

static int add(void *ctx, void *acc, const void *elem, size_t index) {
  (void)ctx;
  (void)index;
  *(double *)acc += *(const double *)elem;
  return 0;
}

static double *filled(void) {
  double *a = malloc((size_t)COUNT * sizeof(*a));
  BENCH_EXPECT(a != NULL);
  for (size_t i = 0; i < COUNT; i++) a[i] = (double)(i % 1000003);
  return a;
}

static void bench_map(const char *name) {
  tick_pool_t *pool;
  double *in = filled(), *out = filled();
  bench_mark_t mark;
  BENCH_CHECK(tick_pool_create(&pool, 0));
  bench_begin(&mark);
  BENCH_CHECK(tick_parallel_map(pool, in, COUNT, sizeof(*in), out, sizeof(*out), sqrt_map, NULL));
  bench_report(&mark, name, "tick", COUNT);
  BENCH_EXPECT(out[COUNT - 1] == sqrt(in[COUNT - 1]));
  bench_begin(&mark);
  BENCH_CHECK(tick_map(in, COUNT, sizeof(*in), out, sizeof(*out), sqrt_map, NULL));
  bench_report(&mark, name, "serial", COUNT);
  BENCH_CHECK(tick_pool_destroy(pool));
  free(in);
  free(out);
}

static void bench_sum(const char *name) {
  tick_pool_t *pool;
  double *in = filled(), par = 0, seq = 0;
  bench_mark_t mark;
  BENCH_CHECK(tick_pool_create(&pool, 0));
  bench_begin(&mark);
  BENCH_CHECK(tick_parallel_reduce(pool, in, COUNT, sizeof(*in), &par, add, NULL));
  bench_report(&mark, name, "tick", COUNT);
  bench_begin(&mark);
  BENCH_CHECK(tick_reduce(in, COUNT, sizeof(*in), &seq, add, NULL));
  bench_report(&mark, name, "serial", COUNT);
  /* Integers below 2^53 in total: both sums are exact, whatever the grouping. */
  BENCH_EXPECT(par == seq);
  BENCH_CHECK(tick_pool_destroy(pool));
  free(in);
}

int main(int argc, char **argv) {
  bench_goal("parallel map sqrt 5e7 doubles", "serial", 1 / 1.75, "wall");
  bench_goal("parallel sum 5e7 doubles", "serial", 1 / 1.5, "wall");
  if (bench_workload_child(argc, argv, "parallel map sqrt 5e7 doubles")) {
    bench_map("parallel map sqrt 5e7 doubles");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "parallel sum 5e7 doubles")) {
    bench_sum("parallel sum 5e7 doubles");
    bench_child_done();
  }
  return 0;
}
