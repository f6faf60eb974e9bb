/* test-parallel.c - blocking parallel for_each, map and reduce: each element visited
 * once, results equal to the sequential algorithms (associative, non-commutative ops
 * included), small arrays inline on the caller, errors, allocation failure, and a call
 * from a pool thread of the same pool. */
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define BIG 200003 /* not a multiple of any chunk size */

static int square_in_place(void *ctx, void *elem, size_t index) {
  int64_t *e = elem;
  (void)ctx;
  if (*e != (int64_t)index) return TICK_EINVAL; /* visited twice would see a square */
  *e = *e * *e;
  return 0;
}

TEST(parallel_for_each_visits_each_once) {
  tick_pool_t *pool;
  int64_t *a = malloc(BIG * sizeof(*a));
  size_t i;
  ASSERT(a != NULL);
  for (i = 0; i < BIG; i++) a[i] = (int64_t)i;
  ASSERT_OK(tick_pool_create(&pool, 3));
  ASSERT_OK(tick_parallel_for_each(pool, a, BIG, sizeof(*a), square_in_place, NULL));
  for (i = 0; i < BIG; i++) ASSERT_EQ(a[i], (int64_t)i * (int64_t)i);
  ASSERT_OK(tick_parallel_for_each(pool, NULL, 0, sizeof(*a), square_in_place, NULL));
  ASSERT_ERR(tick_parallel_for_each(pool, a, BIG, sizeof(*a), NULL, NULL), TICK_EINVAL);
  free(a);
  ASSERT_OK(tick_pool_destroy(pool));
}

static int sqrt_map(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx;
  (void)index;
  *(double *)out = sqrt(*(const double *)in);
  return 0;
}

TEST(parallel_map_equals_sequential) {
  tick_pool_t *pool;
  double *in = malloc(BIG * sizeof(*in)), *out = malloc(BIG * sizeof(*out));
  size_t i;
  ASSERT(in != NULL && out != NULL);
  for (i = 0; i < BIG; i++) in[i] = (double)i;
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_parallel_map(pool, in, BIG, sizeof(*in), out, sizeof(*out), sqrt_map, NULL));
  for (i = 0; i < BIG; i++) ASSERT(out[i] == sqrt((double)i));
  /* In place, and overlap refused. */
  ASSERT_OK(tick_parallel_map(pool, in, BIG, sizeof(*in), in, sizeof(*in), sqrt_map, NULL));
  ASSERT(in[BIG - 1] == sqrt((double)(BIG - 1)));
  ASSERT_ERR(tick_parallel_map(pool, in, BIG, sizeof(*in), in + 1, sizeof(*in), sqrt_map, NULL),
             TICK_EINVAL);
  free(in);
  free(out);
  ASSERT_OK(tick_pool_destroy(pool));
}

static int add_u64(void *ctx, void *acc, const void *elem, size_t index) {
  (void)ctx;
  (void)index;
  *(uint64_t *)acc += *(const uint64_t *)elem;
  return 0;
}

/* Composition of affine maps x -> a*x + b (mod 2^32): associative, not commutative. */
typedef struct affine_s {
  uint32_t a, b;
} affine_t;

static int compose(void *ctx, void *acc, const void *elem, size_t index) {
  affine_t *f = acc;
  const affine_t *g = elem;
  (void)ctx;
  (void)index;
  /* (g after f)(x) = g.a * (f.a * x + f.b) + g.b */
  f->b = g->a * f->b + g->b;
  f->a = g->a * f->a;
  return 0;
}

TEST(parallel_reduce_equals_sequential_for_associative_ops) {
  tick_pool_t *pool;
  uint64_t *v = malloc(BIG * sizeof(*v)), sum = 7, seq = 7;
  affine_t *f = malloc(BIG * sizeof(*f)), pf = {1, 0}, sf = {1, 0};
  size_t i;
  ASSERT(v != NULL && f != NULL);
  for (i = 0; i < BIG; i++) {
    v[i] = i * 2654435761u;
    f[i].a = (uint32_t)(i * 2 + 1);
    f[i].b = (uint32_t)(i * 7 + 3);
  }
  ASSERT_OK(tick_pool_create(&pool, 4));
  ASSERT_OK(tick_parallel_reduce(pool, v, BIG, sizeof(*v), &sum, add_u64, NULL));
  ASSERT_OK(tick_reduce(v, BIG, sizeof(*v), &seq, add_u64, NULL));
  ASSERT_UEQ(sum, seq);
  ASSERT_OK(tick_parallel_reduce(pool, f, BIG, sizeof(*f), &pf, compose, NULL));
  ASSERT_OK(tick_reduce(f, BIG, sizeof(*f), &sf, compose, NULL));
  ASSERT_UEQ(pf.a, sf.a);
  ASSERT_UEQ(pf.b, sf.b);
  /* Empty: acc untouched. */
  sum = 5;
  ASSERT_OK(tick_parallel_reduce(pool, v, 0, sizeof(*v), &sum, add_u64, NULL));
  ASSERT_UEQ(sum, 5);
  free(v);
  free(f);
  ASSERT_OK(tick_pool_destroy(pool));
}

static pthread_t caller;
static atomic_int off_caller;

static int note_thread(void *ctx, void *elem, size_t index) {
  (void)ctx;
  (void)elem;
  (void)index;
  if (!pthread_equal(pthread_self(), caller)) atomic_store(&off_caller, 1);
  return 0;
}

TEST(parallel_small_arrays_run_inline) {
  tick_pool_t *pool;
  static int a[8000];
  caller = pthread_self();
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_parallel_for_each(pool, a, 8000, sizeof(a[0]), note_thread, NULL));
  ASSERT_EQ(atomic_load(&off_caller), 0);
  ASSERT_OK(tick_parallel_for_each(NULL, a, 8000, sizeof(a[0]), note_thread, NULL));
  ASSERT_EQ(atomic_load(&off_caller), 0);
  ASSERT_OK(tick_pool_destroy(pool));
}

static int fail_at_half(void *ctx, void *elem, size_t index) {
  (void)ctx;
  (void)elem;
  return index == BIG / 2 ? TICK_ERANGE : 0;
}

TEST(parallel_error_stops_and_is_returned) {
  tick_pool_t *pool;
  int *a = calloc(BIG, sizeof(*a));
  ASSERT(a != NULL);
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_ERR(tick_parallel_for_each(pool, a, BIG, sizeof(*a), fail_at_half, NULL), TICK_ERANGE);
  ASSERT_ERR(tick_parallel_for_each(NULL, a, BIG, sizeof(*a), fail_at_half, NULL), TICK_ERANGE);
  free(a);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Called from a pool thread of the same pool, with that pool's only thread busy: the
 * caller does all the chunks and cancels its helper instead of waiting for it. */
typedef struct nested_s {
  tick_pool_t *pool;
  int64_t *a;
  int result;
} nested_t;

static void nested_work(void *arg) {
  nested_t *n = arg;
  n->result = tick_parallel_for_each(n->pool, n->a, BIG, sizeof(*n->a), square_in_place, NULL);
}

static void nested_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  (void)arg;
  ASSERT_OK(status);
}

TEST(parallel_from_a_pool_thread_does_not_deadlock) {
  tick_loop_t *loop;
  static nested_t n;
  size_t i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&n.pool, 1));
  n.a = malloc(BIG * sizeof(*n.a));
  ASSERT(n.a != NULL);
  for (i = 0; i < BIG; i++) n.a[i] = (int64_t)i;
  ASSERT_OK(tick_work_queue(loop, n.pool, nested_work, nested_done, &n, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(n.result);
  for (i = 0; i < BIG; i++) ASSERT_EQ(n.a[i], (int64_t)i * (int64_t)i);
  free(n.a);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(n.pool));
}

static int reduce_alloc_scenario(void *arg) {
  tick_pool_t *pool = arg;
  static uint64_t v[20000];
  uint64_t sum = 0;
  size_t i;
  int r;
  for (i = 0; i < 20000; i++) v[i] = i;
  r = tick_parallel_reduce(pool, v, 20000, sizeof(v[0]), &sum, add_u64, NULL);
  if (r == 0) ASSERT_UEQ(sum, (uint64_t)19999 * 20000 / 2);
  return r;
}

TEST(parallel_reduce_alloc_failure) {
  tick_pool_t *pool;
  test_alloc_install();
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_EQ(test_alloc_each_failure(reduce_alloc_scenario, pool), 1);
  ASSERT_OK(tick_pool_destroy(pool));
}
