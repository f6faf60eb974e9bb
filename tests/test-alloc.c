/* test-alloc.c - the allocator hook and the allocation-failure harness itself. */
#include "test.h"

static size_t custom_calls;
static void *custom_malloc(void *ctx, size_t n) {
  ASSERT_PTR_EQ(ctx, &custom_calls);
  custom_calls++;
  return malloc(n);
}
static void *custom_realloc(void *ctx, void *p, size_t n) {
  (void)ctx;
  custom_calls++;
  return realloc(p, n);
}
static void custom_free(void *ctx, void *p) {
  (void)ctx;
  free(p);
}

TEST(alloc_set_and_get) {
  tick_allocator_t a = {custom_malloc, custom_realloc, custom_free, &custom_calls}, got;
  ASSERT_OK(tick_set_allocator(&a));
  ASSERT_OK(tick_get_allocator(&got));
  ASSERT(got.malloc_fn == custom_malloc);
  ASSERT_PTR_EQ(got.ctx, &custom_calls);
  ASSERT_OK(tick_set_allocator(NULL));
  ASSERT_OK(tick_get_allocator(&got));
  ASSERT(got.malloc_fn != custom_malloc);
}

TEST(alloc_rejects_bad_input) {
  tick_allocator_t a = {custom_malloc, NULL, custom_free, NULL};
  ASSERT_ERR(tick_set_allocator(&a), TICK_EINVAL);
  ASSERT_ERR(tick_get_allocator(NULL), TICK_EINVAL);
}

static int fails_twice(void *arg) {
  /* A scenario with two allocation sites. */
  size_t *runs = arg;
  void *a, *b;
  tick_allocator_t al;
  (*runs)++;
  tick_get_allocator(&al);
  a = al.malloc_fn(al.ctx, 16);
  if (a == NULL) return TICK_ENOMEM;
  b = al.malloc_fn(al.ctx, 16);
  if (b == NULL) {
    al.free_fn(al.ctx, a);
    return TICK_ENOMEM;
  }
  al.free_fn(al.ctx, b);
  al.free_fn(al.ctx, a);
  return 0;
}

TEST(alloc_harness_walks_every_site) {
  size_t runs = 0;
  test_alloc_install();
  ASSERT_EQ(test_alloc_each_failure(fails_twice, &runs), 2);
  ASSERT_EQ(runs, 3);
  ASSERT_EQ(test_alloc_live(), 0);
}
