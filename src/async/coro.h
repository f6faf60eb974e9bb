/* coro.h - execution contexts and their stacks for async functions (coro.c). Not API.
 *
 * A context is three saved words (the hand-written switch for x86-64 and aarch64) or a
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
 * reserved but not committed. Stacks are carved from it one at a time, in slot order. The
 * guard is a guard region (madvise MADV_GUARD_INSTALL, Linux 6.13 and later: the chunk
 * stays one mapping whatever its number of stacks) or, where the kernel lacks those, a
 * PROT_NONE page set with mprotect (which splits the mapping: two mappings per carved
 * stack). Guard regions are installed for every slot when the chunk is mapped, in one
 * process_madvise call, and the top page of every slot is committed in one more
 * (MADV_POPULATE_WRITE): a first touch from user space costs several times a page the
 * kernel fills in a batch (docs/design/async.md). Where process_madvise is refused, each
 * slot's guard is installed when it is carved, with madvise, and nothing is committed
 * ahead. The descriptors live in the chunk's record, off the stacks. */
typedef struct tick__stack_chunk_s {
  struct tick__stack_chunk_s *next;
  void *base;
  size_t map_size;
  size_t size;     /* usable bytes of each stack */
  unsigned count;  /* slots */
  unsigned carved; /* slots [0, carved) are stacks */
  unsigned guarded; /* slots [0, guarded) have their guard (installed ahead in one call) */
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
/* Carves the next stack of `chunk`: installs its guard unless that was done ahead, and
 * tells valgrind about it. Returns 0, TICK_ENOENT (every slot is carved) or TICK_ENOMEM
 * (the guard could not be installed: out of memory or of mappings; the slot stays free
 * for a later try). */
int tick__stack_chunk_carve(tick__stack_chunk_t *chunk, tick__stack_t **out);
/* Unmaps a chunk and frees its record; none of its stacks may be in use. */
void tick__stack_chunk_unmap(tick__stack_chunk_t *chunk);
/* Gives every page of the carved stacks of a chunk back to the kernel in one call (the
 * guards stay); none of them may be in use. MADV_FREE: the pages go only when the kernel
 * needs memory, and a stack used again before that costs no fault (docs/design/async.md
 * has the trade-off); MADV_DONTNEED where the kernel lacks it. */
void tick__stack_chunk_release(tick__stack_chunk_t *chunk);

/* A saved context. The main context (the thread's own stack) needs only zeroes.
 * TICK__CORO_ASM keeps three words: the stack pointer, the address it continues at and its
 * frame pointer (rbp / x29). Every other register the switch leaves to the compiler: the
 * inline switch tells it they are all destroyed, so it keeps across the switch only what
 * is live, and the function holding the switch saves the callee-saved ones it uses in
 * its prologue, as around any call (and its unwind information says where). */
typedef struct tick__ctx_s {
  void *sp;           /* TICK__CORO_ASM: the saved stack pointer (offset 0) */
  void *pc;           /* where it continues (offset 8 / 4) */
  void *fp;           /* its frame pointer (offset 16 / 8) */
  ucontext_t *uc;     /* TICK__CORO_UCONTEXT: storage, on the context's stack or beside */
  int backend;
  /* What the sanitizers need: the stack's extent (learned on the first switch away from
   * the main context), ASan's fake stack while suspended, TSan's fiber. */
  const void *stack_bottom;
  size_t stack_size;
  void *asan_fake_stack;
  void *tsan_fiber;
  struct tick__ctx_s *from; /* the context that switched to this one last (ASan) */
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

/* The switch as a function (the sanitizer builds' path, and the ucontext comparison of
 * bench/async.c): pushes the callee-saved registers, saves the context as the inline
 * switch does, pops them when continued. Contexts saved by either continue by either. */
void tick__coro_switch_asm(tick__ctx_t *from, tick__ctx_t *to);

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

#if TICK__CORO_INLINE_SWITCH && defined(__x86_64__)
#if defined(__CET__)
#define TICK__CORO_LANDING "endbr64\n\t"
#else
#define TICK__CORO_LANDING ""
#endif
#if defined(__AVX512F__)
#define TICK__CORO_CLOBBER_WIDE                                                             \
  , "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24",        \
      "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k2", "k3", "k4", \
      "k5", "k6", "k7"
#else
#define TICK__CORO_CLOBBER_WIDE
#endif
/* Saves rsp, the continuation address and rbp in `from`, loads them from `to` and jumps.
 * No call and no return: the processor's return predictions stay paired with the calls
 * that made them, and the jump of each switch site is an ordinary indirect branch. Nothing
 * is written below the stack pointer (the red zone of the code around it stays intact). */
static inline void tick__coro_switch_inline(tick__ctx_t *from, tick__ctx_t *to) {
  __asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
                   "movq %%rsp, 0(%0)\n\t"
                   "movq %%rax, 8(%0)\n\t"
                   "movq %%rbp, 16(%0)\n\t"
                   "movq 0(%1), %%rsp\n\t"
                   "movq 16(%1), %%rbp\n\t"
                   "jmpq *8(%1)\n"
                   "1:\n\t" TICK__CORO_LANDING
                   : "+D"(from), "+S"(to)
                   :
                   : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                     "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                     "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st",
                     "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "memory",
                     "cc" TICK__CORO_CLOBBER_WIDE);
}
#elif TICK__CORO_INLINE_SWITCH && defined(__aarch64__)
#if defined(__ARM_FEATURE_BTI_DEFAULT)
#define TICK__CORO_LANDING "hint #36\n\t" /* bti j */
#else
#define TICK__CORO_LANDING ""
#endif
/* As on x86-64: sp, the continuation address and x29 in three words, then a branch. */
static inline void tick__coro_switch_inline(tick__ctx_t *from, tick__ctx_t *to) {
  register tick__ctx_t *f __asm__("x0") = from;
  register tick__ctx_t *t __asm__("x1") = to;
  __asm__ volatile("adr x9, 1f\n\t"
                   "mov x10, sp\n\t"
                   "str x10, [%0]\n\t"
                   "str x9, [%0, #8]\n\t"
                   "str x29, [%0, #16]\n\t"
                   "ldr x10, [%1]\n\t"
                   "ldr x29, [%1, #16]\n\t"
                   "ldr x9, [%1, #8]\n\t"
                   "mov sp, x10\n\t"
                   "br x9\n"
                   "1:\n\t" TICK__CORO_LANDING
                   : "+r"(f), "+r"(t)
                   :
                   : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                     "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24",
                     "x25", "x26", "x27", "x28", "x30", "v0", "v1", "v2", "v3", "v4", "v5", "v6",
                     "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v16", "v17",
                     "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28",
                     "v29", "v30", "v31", "memory", "cc");
}
#endif

/* Saves the current context in `from` and continues `to`; returns when something
 * switches back to `from`. Inline for the hand-written backend: no call level of its own
 * and no return the processor would mispredict after the stack change. */
static inline void tick__ctx_switch(tick__ctx_t *from, tick__ctx_t *to) {
#if TICK__CORO_INLINE_SWITCH
  if (__builtin_expect(to->backend == TICK__CORO_ASM, 1)) {
    tick__coro_switch_inline(from, to);
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
