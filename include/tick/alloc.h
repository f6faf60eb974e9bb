/* tick/alloc.h - the allocator hook. Included by <tick.h>.
 *
 * Every allocation tick makes goes through these three functions. Replace them once, at
 * start-up, before any loop exists (a replacement while a loop is alive would free memory
 * with a different allocator than the one that made it). The hook is the only global
 * mutable state in tick.
 */
#ifndef TICK_ALLOC_H
#define TICK_ALLOC_H

#include <stddef.h>

typedef struct tick_allocator_s {
  /* Like malloc(3); may return NULL, which tick reports as TICK_ENOMEM. */
  void *(*malloc_fn)(void *ctx, size_t size);
  /* Like realloc(3); on NULL the old block must stay valid. */
  void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
  /* Like free(3); must accept NULL. */
  void (*free_fn)(void *ctx, void *ptr);
  /* Passed unchanged to the three functions. */
  void *ctx;
} tick_allocator_t;

/* Installs `allocator` (copied), or restores libc's malloc/realloc/free when NULL.
 * Returns 0, TICK_EINVAL if a function is missing, or TICK_EBUSY while any loop exists.
 * Call it from one thread, before other threads use tick. */
int tick_set_allocator(const tick_allocator_t *allocator);

/* Copies the allocator in use into `*out`. Returns 0, or TICK_EINVAL for NULL. */
int tick_get_allocator(tick_allocator_t *out);

#endif
