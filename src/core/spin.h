/* spin.h - adaptive spinning before a thread sleeps (the loop's poll phase while pool jobs
 * run, and idle pool workers). A cross-thread wake-up (futex, eventfd) costs 5-15 us on
 * the machines tick is measured on; waiting a few microseconds for work that is about to
 * arrive avoids both the sleep and the wake-up. Spinning only pays when the other side
 * runs at the same time on another core, so the budget adapts, as glibc's adaptive
 * mutexes do: it doubles after a spin that found work, halves after one that did not,
 * and once it reaches zero the thread sleeps at once, probing with a short spin only
 * every TICK__SPIN_PROBE_EVERY sleeps. On a loaded machine (or under valgrind, which
 * runs one thread at a time) spins fail and the cost falls to about one probe in 64.
 * docs/design/threads.md has the measurements. */
#ifndef TICK_SPIN_H
#define TICK_SPIN_H

#include <stdint.h>
#include <time.h>

#define TICK__SPIN_MAX_NS 40000u
#define TICK__SPIN_PROBE_NS 4000u
#define TICK__SPIN_MIN_NS 1000u
#define TICK__SPIN_PROBE_EVERY 64u
#define TICK__SPIN_MAX_JOBS 4u

typedef struct tick__spin_s {
  uint32_t budget_ns; /* 0: sleep at once (but probe now and then) */
  uint32_t skips;     /* sleeps since the last probe, while budget_ns is 0 */
} tick__spin_t;

static inline void tick__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline uint64_t tick__spin_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spins while `ready(arg)` is 0, for at most the current budget; returns 1 as soon as it
 * is not, 0 when the budget ran out (or there is none). Adapts the budget. */
static inline int tick__spin(tick__spin_t *s, int (*ready)(void *), void *arg) {
  uint32_t budget = s->budget_ns;
  uint64_t start;
  unsigned i;
  if (budget == 0) {
    if (++s->skips < TICK__SPIN_PROBE_EVERY) return 0;
    s->skips = 0;
    budget = TICK__SPIN_PROBE_NS;
  }
  start = tick__spin_clock_ns();
  for (;;) {
    for (i = 0; i < 32; i++) {
      if (ready(arg)) {
        budget *= 2;
        s->budget_ns = budget > TICK__SPIN_MAX_NS ? TICK__SPIN_MAX_NS : budget;
        return 1;
      }
      tick__cpu_relax();
    }
    if (tick__spin_clock_ns() - start >= budget) break;
  }
  budget /= 2;
  s->budget_ns = budget < TICK__SPIN_MIN_NS ? 0 : budget;
  return 0;
}

#endif
