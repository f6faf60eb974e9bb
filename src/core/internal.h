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
/* Asks the kernel to fault in the whole pages inside [ptr, ptr + size) now, in one call,
 * instead of one fault per page on first touch (several microseconds each on virtual
 * machines). Only a hint: errors are ignored. */
void tick__populate(void *ptr, size_t size);

/* Loop registry for tick_set_allocator's "no loop alive" rule (alloc.c). */
void tick__loop_count_add(int delta);

/* Multiplies with an overflow check: returns 0 and sets *out, or TICK_EOVERFLOW. */
static inline int tick__mul_size(size_t a, size_t b, size_t *out) {
  if (b != 0 && a > SIZE_MAX / b) return TICK_EOVERFLOW;
  *out = a * b;
  return 0;
}

/* Per-loop state of the layers above the core hangs on the loop through these hooks,
 * so that the loop knows nothing about them. The core names no module: a module is a slot
 * number that its layer assigns in its own private header (promise 0: promise.c; thread
 * 1-2: thread/pool.h; io 3-8: io/module.h; async 9 and groups 12: async/), below
 * TICK__MODULE_MAX. Hooks run in slot order, so a lower layer's after_drain runs before a
 * higher one's. */
typedef unsigned tick__module_t;
#define TICK__MODULE_MAX 13

#define TICK__CONTAINER_OF(ptr, type, member) \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

typedef struct tick__module_hooks_s {
  /* Called after every drain (SEMANTICS section 3, step 4). Returns nonzero if it may have
   * queued ticks or microtasks; the loop then drains again. May be NULL. */
  int (*after_drain)(tick_loop_t *loop, void *state);
  /* Called once by tick_loop_destroy, before the loop's memory is freed: free `state` and
   * everything the module still owns. May be NULL. */
  void (*destroy)(tick_loop_t *loop, void *state);
  /* Called by tick_loop_destroy before it checks for live work (TICK_EBUSY): cancels what
   * the module can still cancel and reports it (the pool calls each queued job's done
   * callback with TICK_ECANCELED here). Runs even if destroy then returns TICK_EBUSY, and
   * may run again on the next destroy attempt. May be NULL. */
  void (*pre_destroy)(tick_loop_t *loop, void *state);
  /* tick_loop_metrics: adds the module's figures to `m`. May be NULL. */
  void (*metrics)(tick_loop_t *loop, void *state, tick_loop_metrics_t *m);
  /* tick_loop_walk: calls `visit(ctx, &res)` for each live record the module owns, with
   * its kind name, id, flags and site, and stops (returning nonzero) when visit returns
   * nonzero. May be NULL. */
  int (*walk)(tick_loop_t *loop, void *state, int (*visit)(void *ctx, const tick_resource_t *res),
              void *ctx);
} tick__module_hooks_t;

/* Installs hooks and state for a module (once per loop; replaces earlier ones). */
void tick__loop_set_module(tick_loop_t *loop, tick__module_t module,
                           const tick__module_hooks_t *hooks, void *state);
/* The module's state, or NULL if it was never installed. */
void *tick__loop_module_state(const tick_loop_t *loop, tick__module_t module);
/* 0 if the calling thread owns the loop, else TICK_EWRONGTHREAD (TICK_EINVAL for NULL). */
int tick__loop_check(const tick_loop_t *loop);

#endif
