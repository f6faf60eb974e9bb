/* handle.h - pointer handles that carry a generation (wakers, promises, resolvers).
 *
 * Some public handles are pointers (tick_waker_t *, tick_promise_t *) because the calls
 * that take them have no loop argument to look an id up in. Their records live in
 * chunks the owner keeps until the loop is destroyed and reuses through free lists, so
 * the memory behind a stale handle stays readable; what must be told apart is the record's
 * current use from an earlier one. The handle therefore carries the record's generation in
 * the pointer's top 16 bits, which user-space addresses leave zero on x86-64 and AArch64
 * Linux (47 or 48-bit addresses unless a program asks mmap for more): a handle is
 * (generation << 48) | address, the record holds its current generation, and a handle
 * whose generation differs is stale. Handles are opaque: only tick turns them back into
 * addresses. A chunk whose addresses do not fit in 48 bits is refused (as out of memory)
 * by tick__handle_fits.
 *
 * Sixteen bits of generation: a stale handle is recognised until its record has been
 * reused 65535 more times; after that it matches with a chance of 1 in 65535 that the
 * record is at that very generation. Generation 0 is never given out. On a machine with
 * 32-bit pointers there are no spare bits: the generation is not checked there (only a
 * record's free or closed state is). */
#ifndef TICK_HANDLE_H
#define TICK_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#if UINTPTR_MAX > 0xffffffffu
#define TICK__HANDLE_GEN_SHIFT 48
#define TICK__HANDLE_ADDR_MASK ((((uintptr_t)1) << TICK__HANDLE_GEN_SHIFT) - 1)

static inline void *tick__handle_make(const void *record, uint16_t gen) {
  return (void *)((uintptr_t)record | ((uintptr_t)gen << TICK__HANDLE_GEN_SHIFT));
}

static inline void *tick__handle_record(const void *handle) {
  return (void *)((uintptr_t)handle & TICK__HANDLE_ADDR_MASK);
}

/* Nonzero if `handle` was made with generation `gen`. */
static inline int tick__handle_gen_is(const void *handle, uint16_t gen) {
  return (uint16_t)((uintptr_t)handle >> TICK__HANDLE_GEN_SHIFT) == gen;
}

/* Nonzero if every address in [block, block + size) can be carried by a handle. */
static inline int tick__handle_fits(const void *block, size_t size) {
  uintptr_t end = (uintptr_t)block + size;
  return end >= (uintptr_t)block && end <= TICK__HANDLE_ADDR_MASK;
}
#else
static inline void *tick__handle_make(const void *record, uint16_t gen) {
  (void)gen;
  return (void *)(uintptr_t)record;
}
static inline void *tick__handle_record(const void *handle) {
  return (void *)(uintptr_t)handle;
}
static inline int tick__handle_gen_is(const void *handle, uint16_t gen) {
  (void)handle;
  (void)gen;
  return 1;
}
static inline int tick__handle_fits(const void *block, size_t size) {
  (void)block;
  (void)size;
  return 1;
}
#endif

/* The generation after `gen`, skipping 0. */
static inline uint16_t tick__handle_gen_next(uint16_t gen) {
  gen = (uint16_t)(gen + 1);
  return gen != 0 ? gen : 1;
}

#endif
