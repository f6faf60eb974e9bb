/* internal.h - declarations shared by tick's source files. Not API. */
#ifndef TICK_INTERNAL_H
#define TICK_INTERNAL_H

#include "tick.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define TICK__LIKELY(x) __builtin_expect(!!(x), 1)
#define TICK__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TICK__LIKELY(x) (x)
#define TICK__UNLIKELY(x) (x)
#endif

#define TICK__COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation through the hook (alloc.c). Sizes that overflow return NULL. */
void *tick__malloc(size_t size);
void *tick__calloc(size_t count, size_t size);
void *tick__realloc(void *ptr, size_t size);
/* Like tick__realloc for count*size with an overflow check. */
void *tick__reallocarray(void *ptr, size_t count, size_t size);
void tick__free(void *ptr);

/* Loop registry for tick_set_allocator's "no loop alive" rule (alloc.c). */
void tick__loop_count_add(int delta);

/* Multiplies with an overflow check: returns 0 and sets *out, or TICK_EOVERFLOW. */
static inline int tick__mul_size(size_t a, size_t b, size_t *out) {
  if (b != 0 && a > SIZE_MAX / b) return TICK_EOVERFLOW;
  *out = a * b;
  return 0;
}

#endif
