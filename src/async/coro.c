/* coro.c - context switching and stacks for async functions (coro.h).
 *
 * The hand-written switch saves only what the C calling convention says a function must
 * preserve (callee-saved registers and the stack pointer; the return address is on the
 * stack on x86-64 and in x30 on aarch64): everything else is already dead at a call. It
 * makes no system call, unlike swapcontext, which saves and restores the signal mask with
 * rt_sigprocmask on every switch. The floating-point control state (rounding mode,
 * exception masks) is per thread and shared by every coroutine of the thread, as it is
 * across an ordinary call.
 *
 * A new context's stack is laid out as if it had been suspended inside the switch: the
 * switch pops the registers and returns into a small trampoline, which calls
 * context_start(ctx) with the stack aligned as the ABI requires. The trampoline marks the
 * end of the call chain (a zero frame pointer, and an undefined return address in the
 * unwind tables) so debuggers and sanitizers stop their backtraces there.
 */
#include "async/coro.h"
#include "core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TICK__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TICK__ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TICK__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TICK__TSAN 1
#endif
#endif

#ifdef TICK__ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef TICK__TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

/* ---------------------------------------------------------------- the switch ---- */

#if defined(__x86_64__)
/* tick__coro_switch_asm(save_sp = rdi, next_sp = rsi). Six callee-saved registers pushed
 * under the return address; the trampoline finds the context in r12. */
__asm__(".text\n"
        ".globl tick__coro_switch_asm\n"
        ".type tick__coro_switch_asm, @function\n"
        ".p2align 4\n"
        "tick__coro_switch_asm:\n"
        "  .cfi_startproc\n"
#if defined(__CET__)
        "  endbr64\n"
#endif
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size tick__coro_switch_asm, .-tick__coro_switch_asm\n"
        ".globl tick__coro_trampoline\n"
        ".type tick__coro_trampoline, @function\n"
        ".p2align 4\n"
        "tick__coro_trampoline:\n"
        "  .cfi_startproc\n"
        "  .cfi_undefined rip\n"
#if defined(__CET__)
        "  endbr64\n"
#endif
        "  movq %r12, %rdi\n"
        "  callq *%r13\n"
        "  ud2\n"
        "  .cfi_endproc\n"
        ".size tick__coro_trampoline, .-tick__coro_trampoline\n");
#define INITIAL_FRAME_WORDS 7 /* r15 r14 r13 r12 rbx rbp, return address */
#elif defined(__aarch64__)
/* tick__coro_switch_asm(save_sp = x0, next_sp = x1): x19-x30 and d8-d15 in a 176-byte
 * frame (160 rounded up to keep sp 16-byte aligned); the trampoline finds the context in
 * x19 and the start function in x20. */
__asm__(".text\n"
        ".globl tick__coro_switch_asm\n"
        ".type tick__coro_switch_asm, %function\n"
        ".p2align 4\n"
        "tick__coro_switch_asm:\n"
        "  .cfi_startproc\n"
        "  sub sp, sp, #176\n"
        "  stp x19, x20, [sp, #0]\n"
        "  stp x21, x22, [sp, #16]\n"
        "  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n"
        "  stp x27, x28, [sp, #64]\n"
        "  stp x29, x30, [sp, #80]\n"
        "  stp d8, d9, [sp, #96]\n"
        "  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        "  mov x2, sp\n"
        "  str x2, [x0]\n"
        "  mov sp, x1\n"
        "  ldp x19, x20, [sp, #0]\n"
        "  ldp x21, x22, [sp, #16]\n"
        "  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n"
        "  ldp x27, x28, [sp, #64]\n"
        "  ldp x29, x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n"
        "  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #176\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size tick__coro_switch_asm, .-tick__coro_switch_asm\n"
        ".globl tick__coro_trampoline\n"
        ".type tick__coro_trampoline, %function\n"
        ".p2align 4\n"
        "tick__coro_trampoline:\n"
        "  .cfi_startproc\n"
        "  .cfi_undefined x30\n"
        "  mov x0, x19\n"
        "  blr x20\n"
        "  brk #0\n"
        "  .cfi_endproc\n"
        ".size tick__coro_trampoline, .-tick__coro_trampoline\n");
#define INITIAL_FRAME_WORDS 22 /* 176 bytes */
#endif

#if TICK__CORO_HAVE_ASM
void tick__coro_trampoline(void);
#else
void tick__coro_switch_asm(void **save_sp, void *next_sp) {
  (void)save_sp;
  (void)next_sp;
  abort(); /* never reached: contexts of this build are all ucontext ones */
}
#endif

/* ------------------------------------------------------- starting a context ---- */

/* What every switch does around the register swap for the sanitizers. `to` learns who
 * switched to it, so that it can record the main context's stack extent, which only the
 * side that arrives can learn from ASan. */
static inline void before_switch(tick__ctx_t *from, tick__ctx_t *to, int final) {
  to->from = from;
#ifdef TICK__ASAN
  __sanitizer_start_switch_fiber(final ? NULL : &from->asan_fake_stack, to->stack_bottom,
                                 to->stack_size);
#else
  (void)final;
#endif
#ifdef TICK__TSAN
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
}

static inline void after_switch(tick__ctx_t *self) {
#ifdef TICK__ASAN
  const void *bottom = NULL;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(self->asan_fake_stack, &bottom, &size);
  if (self->from != NULL) {
    self->from->stack_bottom = bottom;
    self->from->stack_size = size;
  }
#else
  (void)self;
#endif
}

static void context_start(tick__ctx_t *ctx) {
  ctx->asan_fake_stack = NULL;
  after_switch(ctx);
  ctx->entry(ctx->entry_arg);
  abort(); /* entry ends with tick__ctx_switch_final */
}

static void uc_start(unsigned hi, unsigned lo) {
  context_start((tick__ctx_t *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}

int tick__ctx_make(tick__ctx_t *ctx, int backend, tick__stack_t *stack,
                   tick__coro_entry_cb entry, void *arg) {
  uintptr_t top = (uintptr_t)stack->hi & ~(uintptr_t)15;
  memset(ctx, 0, sizeof(*ctx));
  ctx->backend = backend;
  ctx->entry = entry;
  ctx->entry_arg = arg;
  ctx->stack_bottom = stack->lo;
  ctx->stack_size = (size_t)(stack->hi - stack->lo);
#ifdef TICK__TSAN
  ctx->tsan_fiber = __tsan_create_fiber(0);
  if (ctx->tsan_fiber == NULL) return TICK_ENOMEM;
#endif
#if TICK__CORO_HAVE_ASM
  if (backend == TICK__CORO_ASM) {
    void **frame = (void **)(top - 16) - INITIAL_FRAME_WORDS;
    memset(frame, 0, INITIAL_FRAME_WORDS * sizeof(void *));
#if defined(__x86_64__)
    /* Popped as r15 r14 r13 r12 rbx rbp, then the return address. rsp is top - 16 after
     * the ret, 16-byte aligned at the trampoline's call as the ABI requires. */
    frame[2] = (void *)(uintptr_t)context_start; /* r13 */
    frame[3] = ctx;                              /* r12 */
    frame[6] = (void *)(uintptr_t)tick__coro_trampoline;
#else
    frame[0] = ctx;                                    /* x19 */
    frame[1] = (void *)(uintptr_t)context_start;       /* x20 */
    frame[11] = (void *)(uintptr_t)tick__coro_trampoline; /* x30 */
#endif
    ctx->sp = frame;
    return 0;
  }
#endif
  {
    /* The ucontext_t lives at the top of the stack; the function's frames go below it. */
    uintptr_t at = (top - sizeof(ucontext_t)) & ~(uintptr_t)63;
    uintptr_t p = (uintptr_t)ctx;
    ucontext_t *uc = (ucontext_t *)at;
    memset(uc, 0, sizeof(*uc));
    if (getcontext(uc) != 0) return TICK_ENOMEM;
    uc->uc_stack.ss_sp = stack->lo;
    uc->uc_stack.ss_size = (size_t)(at - (uintptr_t)stack->lo);
    uc->uc_link = NULL;
    makecontext(uc, (void (*)(void))uc_start, 2, (unsigned)(p >> 32), (unsigned)p);
    ctx->uc = uc;
  }
  return 0;
}

void tick__ctx_dispose(tick__ctx_t *ctx) {
#ifdef TICK__TSAN
  if (ctx->tsan_fiber != NULL) __tsan_destroy_fiber(ctx->tsan_fiber);
#endif
  ctx->tsan_fiber = NULL;
}

void tick__ctx_main(tick__ctx_t *ctx, int backend, ucontext_t *storage) {
  ctx->backend = backend;
  ctx->uc = storage;
#ifdef TICK__TSAN
  ctx->tsan_fiber = __tsan_get_current_fiber();
#endif
}

static inline void raw_switch(tick__ctx_t *from, tick__ctx_t *to) {
#if TICK__CORO_HAVE_ASM
  if (TICK__LIKELY(to->backend == TICK__CORO_ASM)) {
    tick__coro_switch_asm(&from->sp, to->sp);
    return;
  }
#endif
  swapcontext(from->uc, to->uc);
}

void tick__ctx_switch_full(tick__ctx_t *from, tick__ctx_t *to) {
  before_switch(from, to, 0);
  raw_switch(from, to);
  after_switch(from);
}

void tick__ctx_switch_final(tick__ctx_t *from, tick__ctx_t *to) {
  before_switch(from, to, 1);
  raw_switch(from, to);
  abort(); /* nothing switches back to an ended context */
}

/* ------------------------------------------------------------------ stacks ---- */

static size_t page_size(void) {
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? (size_t)page : 4096;
}

size_t tick__page_round(size_t size) {
  size_t page = page_size();
  if (size > SIZE_MAX - page) return 0;
  return (size + page - 1) / page * page;
}

int tick__stack_map(tick__stack_t *stack, size_t size) {
  size_t page = page_size(), total = size + page;
  void *base = mmap(NULL, total, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return TICK_ENOMEM;
  if (mprotect(base, page, PROT_NONE) != 0) {
    munmap(base, total);
    return TICK_ENOMEM;
  }
  stack->next = NULL;
  stack->base = base;
  stack->map_size = total;
  stack->lo = (char *)base + page;
  stack->hi = (char *)base + total;
  stack->size = size;
  stack->chunk = NULL;
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
  stack->valgrind_id = VALGRIND_STACK_REGISTER(stack->lo, stack->hi);
#else
  stack->valgrind_id = 0;
#endif
  return 0;
}

void tick__stack_unmap(tick__stack_t *stack) {
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
  VALGRIND_STACK_DEREGISTER(stack->valgrind_id);
#endif
  munmap(stack->base, stack->map_size);
}

void tick__stack_release_pages(tick__stack_t *stack, size_t keep) {
  size_t size = (size_t)(stack->hi - stack->lo);
  if (keep < size) (void)madvise(stack->lo, size - keep, MADV_DONTNEED);
}

/* Guard regions: page-table markers that fault on access without a mapping of their own
 * (Linux 6.13); older C libraries do not name the advice. */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

int tick__stack_chunk_map(tick__stack_chunk_t **out, size_t size, unsigned count,
                          int guard_mode) {
  size_t page = page_size(), slot = size + page, total;
  tick__stack_chunk_t *chunk;
  void *base;
  *out = NULL;
  if (count == 0 || slot < size || count > SIZE_MAX / slot) return TICK_ENOMEM;
  total = slot * count;
  chunk = tick__malloc(sizeof(*chunk) + (size_t)count * sizeof(tick__stack_t));
  if (chunk == NULL) return TICK_ENOMEM;
  base = mmap(NULL, total, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) {
    tick__free(chunk);
    return TICK_ENOMEM;
  }
  chunk->next = NULL;
  chunk->base = base;
  chunk->map_size = total;
  chunk->size = size;
  chunk->count = count;
  chunk->carved = 0;
  chunk->guard_mode = guard_mode;
  chunk->idle = 0;
  chunk->listed = 0;
  chunk->idle_next = NULL;
  *out = chunk;
  return 0;
}

int tick__stack_chunk_carve(tick__stack_chunk_t *chunk, tick__stack_t **out) {
  size_t page = page_size(), slot = chunk->size + page;
  char *at;
  tick__stack_t *s;
  if (chunk->carved >= chunk->count) return TICK_ENOENT;
  at = (char *)chunk->base + (size_t)chunk->carved * slot;
  if (chunk->guard_mode == 0 && madvise(at, page, MADV_GUARD_INSTALL) != 0) {
    if (errno != EINVAL) return TICK_ENOMEM;
    chunk->guard_mode = 1; /* the kernel has no guard regions */
  }
  if (chunk->guard_mode == 1 && mprotect(at, page, PROT_NONE) != 0) return TICK_ENOMEM;
  s = &chunk->stacks[chunk->carved++];
  s->next = NULL;
  s->base = at;
  s->map_size = slot;
  s->lo = at + page;
  s->hi = at + slot;
  s->size = chunk->size;
  s->chunk = chunk;
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
  s->valgrind_id = VALGRIND_STACK_REGISTER(s->lo, s->hi);
#else
  s->valgrind_id = 0;
#endif
  *out = s;
  return 0;
}

void tick__stack_chunk_unmap(tick__stack_chunk_t *chunk) {
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
  unsigned i;
  for (i = 0; i < chunk->carved; i++) VALGRIND_STACK_DEREGISTER(chunk->stacks[i].valgrind_id);
#endif
  munmap(chunk->base, chunk->map_size);
  tick__free(chunk);
}

void tick__stack_chunk_release(tick__stack_chunk_t *chunk) {
  size_t slot = chunk->size + page_size();
  (void)madvise(chunk->base, slot * chunk->carved, MADV_DONTNEED);
}
