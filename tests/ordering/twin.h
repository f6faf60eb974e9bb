/* twin.h - the frame of an ordering twin: the C program that must print exactly what its
 * JS scenario (NNN-name.js) prints under node. A twin defines
 *
 *     static void main_script(tick_loop_t *loop);
 *
 * which plays the role of the JS file's top level; this header's main() creates a loop,
 * runs main_script, runs the loop until it is dry, destroys it and checks that destroy
 * succeeded (nothing left alive). Output goes through say()/sayf(): one label per line,
 * like console.log.
 */
#ifndef TICK_TWIN_H
#define TICK_TWIN_H

#include "tick.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void main_script(tick_loop_t *loop);

static inline void say(const char *label) { puts(label); }

__attribute__((format(printf, 1, 2))) static inline void sayf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

/* Spins for `ms` milliseconds of wall time, like a JS busy loop on Date.now(). */
static inline void busy_wait_ms(long ms) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do {
    clock_gettime(CLOCK_MONOTONIC, &b);
  } while ((b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L < ms);
}

/* Deterministic pseudo-random numbers for the stress scenarios; the JS twin uses the
 * same generator (xorshift32) so both see the same sequence. */
static unsigned twin_rand_state = 2463534242u;
static inline unsigned twin_rand(void) {
  unsigned x = twin_rand_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return twin_rand_state = x;
}

static inline void twin_check(int r, const char *what) {
  if (r < 0) {
    fprintf(stderr, "%s: %s\n", what, tick_strerror(r));
    exit(1);
  }
}

int main(void) {
  tick_loop_t *loop;
  twin_check(tick_loop_create(&loop, 0), "tick_loop_create");
  main_script(loop);
  twin_check(tick_loop_run(loop, TICK_RUN_DEFAULT), "tick_loop_run");
  twin_check(tick_loop_destroy(loop), "tick_loop_destroy");
  fflush(stdout);
  return 0;
}

#endif
