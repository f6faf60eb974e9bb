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
#include <sys/syscall.h>
#include <sys/uio.h>
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
/* tick__coro_switch_asm(from = rdi, to = rsi): the five callee-saved registers besides rbp
 * pushed under the return address, then the context saved as the inline switch saves it
 * (rsp, the continuation, rbp; coro.h), so that either switch continues a context the
 * other saved. The trampoline starts a new context: it finds the context and the start
 * function in the two words at its stack pointer. */
__asm__(".text\n"
        ".globl tick__coro_switch_asm\n"
        ".type tick__coro_switch_asm, @function\n"
        ".p2align 4\n"
        "tick__coro_switch_asm:\n"
        "  .cfi_startproc\n"
#if defined(__CET__)
        "  endbr64\n"
#endif
        "  pushq %rbx\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset rbx, 0\n"
        "  pushq %r12\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset r12, 0\n"
        "  pushq %r13\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset r13, 0\n"
        "  pushq %r14\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset r14, 0\n"
        "  pushq %r15\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  .cfi_rel_offset r15, 0\n"
        "  leaq 1f(%rip), %rax\n"
        "  movq %rsp, 0(%rdi)\n"
        "  movq %rax, 8(%rdi)\n"
        "  movq %rbp, 16(%rdi)\n"
        "  movq 0(%rsi), %rsp\n"
        "  movq 16(%rsi), %rbp\n"
        "  jmpq *8(%rsi)\n"
        "1:\n"
#if defined(__CET__)
        "  endbr64\n"
#endif
        "  popq %r15\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %r14\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %r13\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %r12\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %rbx\n"
        "  .cfi_adjust_cfa_offset -8\n"
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
        "  movq 0(%rsp), %rdi\n"
        "  callq *8(%rsp)\n"
        "  ud2\n"
        "  .cfi_endproc\n"
        ".size tick__coro_trampoline, .-tick__coro_trampoline\n");
#elif defined(__aarch64__)
/* tick__coro_switch_asm(from = x0, to = x1): x19-x28, x30 and d8-d15 in a 160-byte frame,
 * then the context saved as the inline switch saves it (sp, the continuation, x29). The
 * trampoline finds the context and the start function in the two words at sp. */
__asm__(".text\n"
        ".globl tick__coro_switch_asm\n"
        ".type tick__coro_switch_asm, %function\n"
        ".p2align 4\n"
        "tick__coro_switch_asm:\n"
        "  .cfi_startproc\n"
#if defined(__ARM_FEATURE_BTI_DEFAULT)
        "  hint #34\n" /* bti c */
#endif
        "  sub sp, sp, #160\n"
        "  .cfi_def_cfa_offset 160\n"
        "  stp x19, x20, [sp, #0]\n"
        "  stp x21, x22, [sp, #16]\n"
        "  stp x23, x24, [sp, #32]\n"
        "  stp x25, x26, [sp, #48]\n"
        "  stp x27, x28, [sp, #64]\n"
        "  str x30, [sp, #80]\n"
        "  .cfi_offset x30, -80\n"
        "  stp d8, d9, [sp, #96]\n"
        "  stp d10, d11, [sp, #112]\n"
        "  stp d12, d13, [sp, #128]\n"
        "  stp d14, d15, [sp, #144]\n"
        "  mov x10, sp\n"
        "  adr x9, 1f\n"
        "  str x10, [x0]\n"
        "  str x9, [x0, #8]\n"
        "  str x29, [x0, #16]\n"
        "  ldr x10, [x1]\n"
        "  ldr x29, [x1, #16]\n"
        "  ldr x9, [x1, #8]\n"
        "  mov sp, x10\n"
        "  br x9\n"
        "1:\n"
#if defined(__ARM_FEATURE_BTI_DEFAULT)
        "  hint #36\n" /* bti j */
#endif
        "  ldp x19, x20, [sp, #0]\n"
        "  ldp x21, x22, [sp, #16]\n"
        "  ldp x23, x24, [sp, #32]\n"
        "  ldp x25, x26, [sp, #48]\n"
        "  ldp x27, x28, [sp, #64]\n"
        "  ldr x30, [sp, #80]\n"
        "  ldp d8, d9, [sp, #96]\n"
        "  ldp d10, d11, [sp, #112]\n"
        "  ldp d12, d13, [sp, #128]\n"
        "  ldp d14, d15, [sp, #144]\n"
        "  add sp, sp, #160\n"
        "  .cfi_def_cfa_offset 0\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size tick__coro_switch_asm, .-tick__coro_switch_asm\n"
        ".globl tick__coro_trampoline\n"
        ".type tick__coro_trampoline, %function\n"
        ".p2align 4\n"
        "tick__coro_trampoline:\n"
        "  .cfi_startproc\n"
        "  .cfi_undefined x30\n"
#if defined(__ARM_FEATURE_BTI_DEFAULT)
        "  hint #36\n" /* bti j */
#endif
        "  ldp x0, x1, [sp]\n"
        "  blr x1\n"
        "  brk #0\n"
        "  .cfi_endproc\n"
        ".size tick__coro_trampoline, .-tick__coro_trampoline\n");
#endif

#if TICK__CORO_HAVE_ASM
void tick__coro_trampoline(void);
#else
void tick__coro_switch_asm(tick__ctx_t *from, tick__ctx_t *to) {
  (void)from;
  (void)to;
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
    /* The trampoline starts with sp at top - 16 (16-byte aligned at its call, as the ABI
     * requires) and reads the context and the start function there; a zero frame pointer
     * ends the frame chain. */
    void **words = (void **)(top - 16);
    words[0] = ctx;
    words[1] = (void *)(uintptr_t)context_start;
    ctx->sp = words;
    ctx->pc = (void *)(uintptr_t)tick__coro_trampoline;
    ctx->fp = NULL;
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
    tick__coro_switch_asm(from, to);
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
 * (Linux 6.13); older C libraries do not name the advice, nor MADV_POPULATE_WRITE (5.14). */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* One madvise over `n` ranges of `len` bytes, the first at `first`, `stride` bytes apart,
 * through process_madvise on this process (Linux 5.10; guard regions through it since
 * 6.13). Returns 0, or -1 if the kernel refused (old kernel, unknown advice, no fd left):
 * the caller then does without. Not under valgrind, which does not know the call. */
static int madvise_strided(char *first, size_t stride, size_t len, unsigned n, int advice) {
#if defined(SYS_pidfd_open) && defined(SYS_process_madvise)
  struct iovec iov[256];
  int pidfd, rc = 0;
  unsigned i, done = 0;
#if defined(TICK_HAVE_VALGRIND) && TICK_HAVE_VALGRIND
  if (RUNNING_ON_VALGRIND) return -1;
#endif
  pidfd = (int)syscall(SYS_pidfd_open, (long)getpid(), 0L);
  if (pidfd < 0) return -1;
  while (rc == 0 && done < n) {
    unsigned batch = n - done < 256 ? n - done : 256;
    size_t want = (size_t)batch * len;
    for (i = 0; i < batch; i++) {
      iov[i].iov_base = first + (size_t)(done + i) * stride;
      iov[i].iov_len = len;
    }
    if (syscall(SYS_process_madvise, (long)pidfd, iov, (long)batch, (long)advice, 0L) !=
        (long)want)
      rc = -1;
    done += batch;
  }
  close(pidfd);
  return rc;
#else
  (void)first;
  (void)stride;
  (void)len;
  (void)n;
  (void)advice;
  return -1;
#endif
}

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
  chunk->guarded = 0;
  chunk->guard_mode = guard_mode;
  chunk->idle = 0;
  chunk->listed = 0;
  chunk->idle_next = NULL;
  /* Every guard and every slot's top page in two calls, instead of a call per stack and a
   * fault from user space per stack. A refusal leaves the guards to carving (a partial
   * install is redone there: installing a guard twice is harmless) and the pages to the
   * first touch. */
  if (guard_mode == 0 && madvise_strided(base, slot, page, count, MADV_GUARD_INSTALL) == 0) {
    chunk->guarded = count;
    (void)madvise_strided((char *)base + slot - page, slot, page, count, MADV_POPULATE_WRITE);
  }
  *out = chunk;
  return 0;
}

int tick__stack_chunk_carve(tick__stack_chunk_t *chunk, tick__stack_t **out) {
  size_t page = page_size(), slot = chunk->size + page;
  char *at;
  tick__stack_t *s;
  if (chunk->carved >= chunk->count) return TICK_ENOENT;
  at = (char *)chunk->base + (size_t)chunk->carved * slot;
  if (chunk->carved >= chunk->guarded) {
    if (chunk->guard_mode == 0 && madvise(at, page, MADV_GUARD_INSTALL) != 0) {
      if (errno != EINVAL) return TICK_ENOMEM;
      chunk->guard_mode = 1; /* the kernel has no guard regions */
    }
    if (chunk->guard_mode == 1 && mprotect(at, page, PROT_NONE) != 0) return TICK_ENOMEM;
  }
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

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

void tick__stack_chunk_release(tick__stack_chunk_t *chunk) {
  size_t slot = chunk->size + page_size();
  if (madvise(chunk->base, slot * chunk->carved, MADV_FREE) != 0)
    (void)madvise(chunk->base, slot * chunk->carved, MADV_DONTNEED);
}
