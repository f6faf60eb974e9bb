/* test-parallel-sort.c - tick_parallel_sort: the same result as tick_sort (stability
 * checked with records that carry their original index among many equal keys) on random,
 * sorted, reversed, all-equal and sawtooth input, at sizes around the inline threshold,
 * the run and piece boundaries; several element sizes and pool sizes; bad input;
 * allocation failure; an inconsistent comparator still yields a permutation. */
#include "test.h"

#include <pthread.h>

typedef struct rec_s {
  uint32_t key, index;
} rec_t;

static int cmp_key(void *ctx, const void *a, const void *b) {
  const rec_t *x = a, *y = b;
  (void)ctx;
  return (x->key > y->key) - (x->key < y->key);
}

/* A record of 12 bytes (tick_sort's generic kernel) and one of 32 (a specialised one). */
typedef struct rec12_s {
  uint32_t key, index, pad;
} rec12_t;
typedef struct rec32_s {
  uint64_t key, index, pad[2];
} rec32_t;

static int cmp_key12(void *ctx, const void *a, const void *b) {
  const rec12_t *x = a, *y = b;
  (void)ctx;
  return (x->key > y->key) - (x->key < y->key);
}

static int cmp_key32(void *ctx, const void *a, const void *b) {
  const rec32_t *x = a, *y = b;
  (void)ctx;
  return (x->key > y->key) - (x->key < y->key);
}

static int cmp_int(void *ctx, const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  (void)ctx;
  return (x > y) - (x < y);
}

enum { RANDOM, SORTED, REVERSED, ALL_EQUAL, SAWTOOTH, DESCENDING_TIES, SHAPES };

static uint32_t rng_state;
static uint32_t rng(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}

static uint32_t key_for(int shape, size_t i, size_t n) {
  switch (shape) {
  case RANDOM: return rng() % 1000; /* many equal keys */
  case SORTED: return (uint32_t)i;
  case REVERSED: return (uint32_t)(n - i); /* strictly descending */
  case ALL_EQUAL: return 7;
  case SAWTOOTH: return (uint32_t)(i % 5000);
  default: return (uint32_t)((n - i) / 3); /* descending with ties: not reversible */
  }
}

/* Sorts `n` records of each shape with tick_parallel_sort and tick_sort, and compares. */
static void check_rec8(tick_pool_t *pool, size_t n) {
  rec_t *a = malloc((n ? n : 1) * sizeof(*a)), *b = malloc((n ? n : 1) * sizeof(*b));
  int shape;
  size_t i;
  ASSERT(a != NULL && b != NULL);
  for (shape = 0; shape < SHAPES; shape++) {
    rng_state = (uint32_t)(n * 31 + (size_t)shape);
    for (i = 0; i < n; i++) {
      a[i].key = key_for(shape, i, n);
      a[i].index = (uint32_t)i;
    }
    if (n) memcpy(b, a, n * sizeof(*a));
    ASSERT_OK(tick_parallel_sort(pool, a, n, sizeof(*a), cmp_key, NULL));
    ASSERT_OK(tick_sort(b, n, sizeof(*b), cmp_key, NULL));
    for (i = 0; i < n; i++) {
      if (a[i].key != b[i].key || a[i].index != b[i].index)
        test_fail(__FILE__, __LINE__, "n=%zu shape=%d differs at %zu: (%u,%u) vs (%u,%u)", n,
                  shape, i, a[i].key, a[i].index, b[i].key, b[i].index);
      if (i > 0) ASSERT(a[i - 1].key < a[i].key ||
                        (a[i - 1].key == a[i].key && a[i - 1].index < a[i].index));
    }
  }
  free(a);
  free(b);
}

TEST_TIMEOUT(parallel_sort_equals_tick_sort_at_boundaries, 120) {
  /* The inline threshold is 16384 elements; runs hold at least 4096 elements, pieces
   * at least 4096: sizes on either side of these and of their multiples. */
  static const size_t sizes[] = {0,     1,     2,     17,    4095,  16383, 16384, 16385,
                                 32767, 32768, 32769, 65535, 65537, 98304, 131073};
  static const unsigned threads[] = {1, 2, 3, 7};
  size_t s;
  unsigned t;
  for (t = 0; t < (sizeof(threads) / sizeof(threads[0])); t++) {
    tick_pool_t *pool;
    ASSERT_OK(tick_pool_create(&pool, threads[t]));
    for (s = 0; s < (sizeof(sizes) / sizeof(sizes[0])); s++) {
      if (slow_build() && sizes[s] > 40000 && threads[t] != 2) continue;
      check_rec8(pool, sizes[s]);
    }
    ASSERT_OK(tick_pool_destroy(pool));
  }
  check_rec8(NULL, 20000); /* NULL pool: tick_sort on the caller */
}

TEST_TIMEOUT(parallel_sort_large_and_other_element_sizes, 120) {
  size_t n = slow_build() ? 150001 : 1000003, i;
  tick_pool_t *pool;
  rec12_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
  rec32_t *c = malloc(n * sizeof(*c)), *d = malloc(n * sizeof(*d));
  int *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
  ASSERT(a && b && c && d && x && y);
  rng_state = 42;
  for (i = 0; i < n; i++) {
    a[i].key = rng() % 5000;
    a[i].index = (uint32_t)i;
    a[i].pad = 0;
    c[i].key = rng() % 5000;
    c[i].index = i;
    c[i].pad[0] = c[i].pad[1] = i;
    x[i] = (int)rng() - (1 << 23);
  }
  memcpy(b, a, n * sizeof(*a));
  memcpy(d, c, n * sizeof(*c));
  memcpy(y, x, n * sizeof(*x));
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_parallel_sort(pool, a, n, sizeof(*a), cmp_key12, NULL));
  ASSERT_OK(tick_sort(b, n, sizeof(*b), cmp_key12, NULL));
  ASSERT_OK(memcmp(a, b, n * sizeof(*a)));
  ASSERT_OK(tick_parallel_sort(pool, c, n, sizeof(*c), cmp_key32, NULL));
  ASSERT_OK(tick_sort(d, n, sizeof(*d), cmp_key32, NULL));
  ASSERT_OK(memcmp(c, d, n * sizeof(*c)));
  ASSERT_OK(tick_parallel_sort(pool, x, n, sizeof(*x), cmp_int, NULL));
  ASSERT_OK(tick_sort(y, n, sizeof(*y), cmp_int, NULL));
  ASSERT_OK(memcmp(x, y, n * sizeof(*x)));
  ASSERT_OK(tick_pool_destroy(pool));
  free(a);
  free(b);
  free(c);
  free(d);
  free(x);
  free(y);
}

TEST(parallel_sort_bad_input) {
  tick_pool_t *pool;
  int a[4] = {3, 1, 2, 0};
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_ERR(tick_parallel_sort(pool, a, 4, sizeof(a[0]), NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_parallel_sort(pool, NULL, 4, sizeof(a[0]), cmp_int, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_parallel_sort(pool, a, 4, 0, cmp_int, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_parallel_sort(pool, a, SIZE_MAX / 2, 4, cmp_int, NULL), TICK_EOVERFLOW);
  ASSERT_OK(tick_parallel_sort(pool, NULL, 0, sizeof(a[0]), cmp_int, NULL));
  ASSERT_OK(tick_parallel_sort(pool, a, 4, sizeof(a[0]), cmp_int, NULL));
  ASSERT_EQ(a[0], 0);
  ASSERT_EQ(a[3], 3);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Deterministic but not an order: the result is unspecified, the elements all there. */
static int cmp_chaos(void *ctx, const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  uint32_t h = (x * 2654435761u) ^ (y * 40503u);
  (void)ctx;
  return (int)(h % 3) - 1;
}

static int cmp_u32(void *ctx, const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  (void)ctx;
  return (x > y) - (x < y);
}

TEST(parallel_sort_inconsistent_comparator_keeps_every_element) {
  size_t n = 100000, i;
  uint32_t *a = malloc(n * sizeof(*a));
  tick_pool_t *pool;
  ASSERT(a != NULL);
  for (i = 0; i < n; i++) a[i] = (uint32_t)((i * 7919) % n);
  ASSERT_OK(tick_pool_create(&pool, 3));
  ASSERT_OK(tick_parallel_sort(pool, a, n, sizeof(*a), cmp_chaos, NULL));
  ASSERT_OK(tick_sort(a, n, sizeof(*a), cmp_u32, NULL));
  for (i = 0; i < n; i++) ASSERT_UEQ(a[i], i);
  ASSERT_OK(tick_pool_destroy(pool));
  free(a);
}

static int sort_alloc_scenario(void *arg) {
  tick_pool_t *pool = arg;
  static uint32_t v[40000], orig[40000];
  size_t i;
  int r;
  for (i = 0; i < 40000; i++) orig[i] = v[i] = (uint32_t)((i * 7919) % 40000);
  r = tick_parallel_sort(pool, v, 40000, sizeof(v[0]), cmp_u32, NULL);
  if (r == 0) {
    for (i = 0; i < 40000; i++) ASSERT_UEQ(v[i], i);
  } else {
    ASSERT_ERR(r, TICK_ENOMEM);
    ASSERT_OK(memcmp(v, orig, sizeof(v))); /* unchanged */
  }
  return r;
}

TEST(parallel_sort_alloc_failure) {
  tick_pool_t *pool;
  test_alloc_install();
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_EQ(test_alloc_each_failure(sort_alloc_scenario, pool), 1);
  ASSERT_OK(tick_pool_destroy(pool));
}
