/* coro.h - execution contexts and their stacks for async functions (coro.c). Not API.
 *
 * A context is a saved stack pointer (the hand-written switch for x86-64 and aarch64) or a
 * ucontext_t (the portable fallback). Both backends are always compiled where the
 * hand-written one exists, so that one program can compare them; the async layer uses
 * TICK__CORO_DEFAULT_BACKEND, which -DTICK_CORO_UCONTEXT=1 turns to ucontext.
 * The switch tells ASan, TSan and valgrind about every stack and every switch.
 */
#ifndef TICK_ASYNC_CORO_H
#define TICK_ASYNC_CORO_H

#include <stddef.h>
#include <ucontext.h>

#if defined(__x86_64__) || defined(__aarch64__)
#define TICK__CORO_HAVE_ASM 1
#else
#define TICK__CORO_HAVE_ASM 0
#endif

typedef enum tick__coro_backend_e {
  TICK__CORO_ASM = 0,
  TICK__CORO_UCONTEXT = 1
} tick__coro_backend_t;

#if defined(TICK_CORO_UCONTEXT) && TICK_CORO_UCONTEXT
#define TICK__CORO_DEFAULT_BACKEND TICK__CORO_UCONTEXT
#elif TICK__CORO_HAVE_ASM
#define TICK__CORO_DEFAULT_BACKEND TICK__CORO_ASM
#else
#define TICK__CORO_DEFAULT_BACKEND TICK__CORO_UCONTEXT
#endif

/* A stack: a mapping of its own or a slot of a chunk, the guard page at its low end,
 * usable bytes [lo, hi). */
typedef struct tick__stack_s {
  struct tick__stack_s *next; /* free list of a pool */
  void *base;                 /* the mapping, guard page first */
  size_t map_size;
  char *lo, *hi;
  size_t size; /* the size asked for (pools match on it) */
  unsigned valgrind_id;
  struct tick__stack_chunk_s *chunk; /* the chunk it was carved from, or NULL */
} tick__stack_t;

/* Maps a stack of `size` usable bytes (a multiple of the page size) with a PROT_NONE
 * guard page below it, reserved but not committed (MAP_NORESERVE: the kernel commits a
 * page when it is first touched). Returns 0 or TICK_ENOMEM. */
int tick__stack_map(tick__stack_t *stack, size_t size);
void tick__stack_unmap(tick__stack_t *stack);
/* Gives the pages of a stack that a finished function touched back to the kernel except
 * the top `keep` bytes (the next function's frames land there first). */
void tick__stack_release_pages(tick__stack_t *stack, size_t keep);

/* A chunk: one mapping cut into `count` slots of a guard page and `size` usable bytes,
 * reserved but not committed. Stacks are carved from it one at a time, in slot order; a
 * slot's guard page is installed when it is carved. The guard is a guard region
 * (madvise MADV_GUARD_INSTALL, Linux 6.13 and later: the chunk stays one mapping whatever
 * its number of stacks) or, where the kernel lacks those, a PROT_NONE page set with
 * mprotect (which splits the mapping: two mappings per carved stack). The descriptors
 * live in the chunk's record, off the stacks. */
typedef struct tick__stack_chunk_s {
  struct tick__stack_chunk_s *next;
  void *base;
  size_t map_size;
  size_t size;     /* usable bytes of each stack */
  unsigned count;  /* slots */
  unsigned carved; /* slots [0, carved) are stacks */
  int guard_mode;  /* 0 guard regions, 1 mprotect */
  unsigned idle;   /* carved stacks that no function has (kept by the user of the chunk) */
  int listed;      /* on its user's list of chunks to release (idle_next) */
  struct tick__stack_chunk_s *idle_next;
  tick__stack_t stacks[];
} tick__stack_chunk_t;

/* Maps a chunk of `count` stacks of `size` usable bytes (a multiple of the page size);
 * the record comes from tick__malloc. `guard_mode` is the mode to try first (0 guard
 * regions, 1 mprotect; a chunk falls back from 0 to 1 by itself). Returns 0 or
 * TICK_ENOMEM. */
int tick__stack_chunk_map(tick__stack_chunk_t **out, size_t size, unsigned count,
                          int guard_mode);
/* Carves the next stack of `chunk`: installs its guard and tells valgrind about it.
 * Returns 0, TICK_ENOENT (every slot is carved) or TICK_ENOMEM (the guard could not be
 * installed: out of memory or of mappings; the slot stays free for a later try). */
int tick__stack_chunk_carve(tick__stack_chunk_t *chunk, tick__stack_t **out);
/* Unmaps a chunk and frees its record; none of its stacks may be in use. */
void tick__stack_chunk_unmap(tick__stack_chunk_t *chunk);
/* Gives every page of the carved stacks of a chunk back to the kernel in one call (the
 * guards stay); none of them may be in use. */
void tick__stack_chunk_release(tick__stack_chunk_t *chunk);

/* A saved context. The main context (the thread's own stack) needs only zeroes. */
typedef struct tick__ctx_s {
  void *sp;           /* TICK__CORO_ASM: where the registers were pushed */
  ucontext_t *uc;     /* TICK__CORO_UCONTEXT: storage, on the context's stack or beside */
  int backend;
  /* What the sanitizers need: the stack's extent (learned on the first switch away from
   * the main context), ASan's fake stack while suspended, TSan's fiber. */
  const void *stack_bottom;
  size_t stack_size;
  void *asan_fake_stack;
  void *tsan_fiber;
  struct tick__ctx_s *from; /* the context that switched to this one last */
  void (*entry)(void *arg); /* a new context's function and its argument */
  void *entry_arg;
} tick__ctx_t;

typedef void (*tick__coro_entry_cb)(void *arg);

/* Prepares `ctx` to run entry(arg) on `stack` the first time it is switched to. `entry`
 * must never return: it ends with tick__ctx_switch_final. The ucontext backend keeps its
 * ucontext_t at the top of the stack. Returns 0, or TICK_ENOMEM (no TSan fiber). */
int tick__ctx_make(tick__ctx_t *ctx, int backend, tick__stack_t *stack,
                   tick__coro_entry_cb entry, void *arg);
/* Frees what tick__ctx_make made (the TSan fiber) once the context will never run again. */
void tick__ctx_dispose(tick__ctx_t *ctx);
/* Readies a main context: records the calling thread's fiber for TSan. */
void tick__ctx_main(tick__ctx_t *ctx, int backend, ucontext_t *storage);

/* The raw switch primitives, exposed for the benchmark (bench/async.c). */
void tick__coro_switch_asm(void **save_sp, void *next_sp);

/* The switch with everything the sanitizers need, and the ucontext backend. */
void tick__ctx_switch_full(tick__ctx_t *from, tick__ctx_t *to);

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TICK__CORO_INLINE_SWITCH 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TICK__CORO_INLINE_SWITCH 0
#endif
#endif
#ifndef TICK__CORO_INLINE_SWITCH
#define TICK__CORO_INLINE_SWITCH TICK__CORO_HAVE_ASM
#endif

/* Saves the current registers in `from` and continues `to`; returns when something
 * switches back to `from`. Inline for the hand-written backend: every return between
 * the switch and the code that awaits is a return the processor mispredicts after a
 * stack change, so the switch adds no call level of its own. */
static inline void tick__ctx_switch(tick__ctx_t *from, tick__ctx_t *to) {
#if TICK__CORO_INLINE_SWITCH
  if (__builtin_expect(to->backend == TICK__CORO_ASM, 1)) {
    to->from = from;
    tick__coro_switch_asm(&from->sp, to->sp);
    return;
  }
#endif
  tick__ctx_switch_full(from, to);
}
/* The last switch away from a context whose function has ended: its stack may be reused
 * as soon as `to` runs. Never returns. */
void tick__ctx_switch_final(tick__ctx_t *from, tick__ctx_t *to) __attribute__((noreturn));

/* Round `size` up to whole pages; 0 stays 0. */
size_t tick__page_round(size_t size);

#endif
