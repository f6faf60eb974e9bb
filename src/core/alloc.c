/* alloc.c - the allocator hook, the only global mutable state in tick.
 *
 * The hook is read on every allocation without a lock. That is safe because it may only be
 * replaced while no loop exists, and the documented rule is that replacement happens at
 * start-up, before other threads use tick. The loop count is atomic so that creating loops
 * on several threads at once stays correct.
 */
#include "core/internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

static void *libc_malloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size);
}

static void *libc_realloc(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  return realloc(ptr, size);
}

static void libc_free(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

static tick_allocator_t tick__allocator = {libc_malloc, libc_realloc, libc_free, NULL};
static atomic_int tick__live_loops;

int tick_set_allocator(const tick_allocator_t *allocator) {
  if (allocator != NULL &&
      (allocator->malloc_fn == NULL || allocator->realloc_fn == NULL ||
       allocator->free_fn == NULL))
    return TICK_EINVAL;
  if (atomic_load(&tick__live_loops) != 0) return TICK_EBUSY;
  if (allocator == NULL) {
    tick__allocator.malloc_fn = libc_malloc;
    tick__allocator.realloc_fn = libc_realloc;
    tick__allocator.free_fn = libc_free;
    tick__allocator.ctx = NULL;
  } else {
    tick__allocator = *allocator;
  }
  return 0;
}

int tick_get_allocator(tick_allocator_t *out) {
  if (out == NULL) return TICK_EINVAL;
  *out = tick__allocator;
  return 0;
}

void tick__loop_count_add(int delta) { atomic_fetch_add(&tick__live_loops, delta); }

void *tick__malloc(size_t size) {
  /* A zero-size request gets a real, distinct block so callers never see NULL success. */
  return tick__allocator.malloc_fn(tick__allocator.ctx, size ? size : 1);
}

void *tick__calloc(size_t count, size_t size) {
  size_t total;
  void *p;
  if (tick__mul_size(count, size, &total) != 0) return NULL;
  p = tick__malloc(total);
  if (p != NULL) memset(p, 0, total);
  return p;
}

void *tick__realloc(void *ptr, size_t size) {
  return tick__allocator.realloc_fn(tick__allocator.ctx, ptr, size ? size : 1);
}

void *tick__reallocarray(void *ptr, size_t count, size_t size) {
  size_t total;
  if (tick__mul_size(count, size, &total) != 0) return NULL;
  return tick__realloc(ptr, total);
}

void tick__free(void *ptr) {
  if (ptr != NULL) tick__allocator.free_fn(tick__allocator.ctx, ptr);
}

void tick__populate(void *ptr, size_t size) {
  uintptr_t page = 4096, start = ((uintptr_t)ptr + page - 1) & ~(page - 1);
  uintptr_t end = ((uintptr_t)ptr + size) & ~(page - 1);
  if (end > start) (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}
