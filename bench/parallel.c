/* parallel.c - tick's blocking parallel map and reduce against the sequential ones.
 *
 * Workloads: "parallel map sqrt 5e7 doubles" (out[i] = sqrt(in[i])) and "parallel sum
 * 5e7 doubles" (a reduce with +), and "parallel sort 1e7 ints" (tick_parallel_sort of
 * random ints, against tick_sort of a copy of the same array; "..., on the loop" is the same
 * sort through tick_parallel_sort_start on the loop's pool, timed from the start call to
 * the end of the loop run that delivers its done callback). The peer "serial" is
 * tick_map / tick_reduce / tick_sort on the same data in the same process. Counted: the one call (the pool is started, and the arrays
 * filled and faulted in, before the timed part); time per element. The pool has one
 * thread per core; the caller works too. The goals: >= 1.75x the serial map and
 * >= 1.5x the serial reduce and sort on 2 cores. For the sort the counted part includes
 * the scratch allocation each makes (count elements for the parallel sort, half of that
 * for tick_sort), as a caller would see it.
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

#define SORT_COUNT 10000000

static int cmp_int(void *ctx, const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  (void)ctx;
  return (x > y) - (x < y);
}

static void bench_sort(const char *name) {
  tick_pool_t *pool;
  int *a = malloc((size_t)SORT_COUNT * sizeof(*a)), *b = malloc((size_t)SORT_COUNT * sizeof(*b));
  uint32_t x = 12345;
  bench_mark_t mark;
  BENCH_EXPECT(a != NULL && b != NULL);
  for (size_t i = 0; i < SORT_COUNT; i++) {
    x = x * 1664525u + 1013904223u;
    a[i] = (int)(x >> 1);
  }
  memcpy(b, a, (size_t)SORT_COUNT * sizeof(*a));
  BENCH_CHECK(tick_pool_create(&pool, 0));
  bench_begin(&mark);
  BENCH_CHECK(tick_parallel_sort(pool, a, SORT_COUNT, sizeof(*a), cmp_int, NULL));
  bench_report(&mark, name, "tick", SORT_COUNT);
  bench_begin(&mark);
  BENCH_CHECK(tick_sort(b, SORT_COUNT, sizeof(*b), cmp_int, NULL));
  bench_report(&mark, name, "serial", SORT_COUNT);
  BENCH_EXPECT(memcmp(a, b, (size_t)SORT_COUNT * sizeof(*a)) == 0);
  BENCH_CHECK(tick_pool_destroy(pool));
  free(a);
  free(b);
}

/* The same sort through tick_parallel_sort_start: the loop thread queues it and runs its
 * loop until the done callback; counted from the start call to the end of the run. */
static void sorted_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  *(int *)arg = status;
}

static void bench_sort_on_loop(const char *name) {
  tick_loop_t *loop;
  int *a = malloc((size_t)SORT_COUNT * sizeof(*a)), *b = malloc((size_t)SORT_COUNT * sizeof(*b));
  int status = 1;
  uint32_t x = 12345;
  bench_mark_t mark;
  BENCH_EXPECT(a != NULL && b != NULL);
  for (size_t i = 0; i < SORT_COUNT; i++) {
    x = x * 1664525u + 1013904223u;
    a[i] = (int)(x >> 1);
  }
  memcpy(b, a, (size_t)SORT_COUNT * sizeof(*a));
  BENCH_CHECK(tick_loop_create(&loop, 0));
  {
    tick_pool_t *pool;
    BENCH_CHECK(tick_loop_pool(loop, &pool)); /* started before the timed part */
  }
  bench_begin(&mark);
  BENCH_CHECK(tick_parallel_sort_start(loop, NULL, a, SORT_COUNT, sizeof(*a), cmp_int, NULL,
                                       sorted_done, &status, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", SORT_COUNT);
  BENCH_EXPECT(status == 0);
  bench_begin(&mark);
  BENCH_CHECK(tick_sort(b, SORT_COUNT, sizeof(*b), cmp_int, NULL));
  bench_report(&mark, name, "serial", SORT_COUNT);
  BENCH_EXPECT(memcmp(a, b, (size_t)SORT_COUNT * sizeof(*a)) == 0);
  BENCH_CHECK(tick_loop_destroy(loop));
  free(a);
  free(b);
}

int main(int argc, char **argv) {
  bench_goal("parallel map sqrt 5e7 doubles", "serial", 1 / 1.75, "wall");
  bench_goal("parallel sum 5e7 doubles", "serial", 1 / 1.5, "wall");
  bench_goal("parallel sort 1e7 ints", "serial", 1 / 1.5, "wall");
  bench_goal("parallel sort 1e7 ints, on the loop", "serial", 1 / 1.5, "wall");
  if (bench_workload_child(argc, argv, "parallel map sqrt 5e7 doubles")) {
    bench_map("parallel map sqrt 5e7 doubles");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "parallel sum 5e7 doubles")) {
    bench_sum("parallel sum 5e7 doubles");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "parallel sort 1e7 ints")) {
    bench_sort("parallel sort 1e7 ints");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "parallel sort 1e7 ints, on the loop")) {
    bench_sort_on_loop("parallel sort 1e7 ints, on the loop");
    bench_child_done();
  }
  return 0;
}
