/* map.c - calling a callback once per element: tick_map and tick_for_each against the
 * hand-written loop a C programmer would write instead.
 *
 * Workloads: "map 10M int" (10,000,000 ints mapped into a second array of ints by a
 * callback that doubles and adds its index) and "for_each 10M int" (the same callback,
 * updating each element in place). Counted: one pass over the 10M elements, for tick
 * ("tick") and for a plain loop calling the very same callback through the same kind of
 * function pointer and stopping on a negative result as tick does ("hand-loop"). The
 * pointer is read from a volatile variable so that neither side can inline it. The
 * arrays are written once before timing, so no page faults are timed.
 */
#include "tick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define COUNT 10000000

static int map_cb(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx;
  *(int *)out = *(const int *)in * 2 + (int)index;
  return 0;
}

static int each_cb(void *ctx, void *elem, size_t index) {
  (void)ctx;
  *(int *)elem = *(int *)elem * 2 + (int)index;
  return 0;
}

static tick_map_cb volatile map_fn = map_cb;
static tick_each_cb volatile each_fn = each_cb;

typedef struct span_s {
  struct timespec wall, cpu;
} span_t;

static void span_begin(span_t *s) {
  clock_gettime(CLOCK_MONOTONIC, &s->wall);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &s->cpu);
}

static double seconds(struct timespec a, struct timespec b) {
  return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
}

static void span_report(const span_t *s, const char *workload, const char *impl) {
  struct timespec wall, cpu;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  clock_gettime(CLOCK_MONOTONIC, &wall);
  printf("RESULT\t%s\t%s\t%.9f\t%.9f\n", workload, impl, seconds(s->wall, wall),
         seconds(s->cpu, cpu));
  fflush(stdout);
}

/* The loops tick replaces, written the way one would by hand. */
static int hand_map(const int *in, int *out, size_t count, tick_map_cb cb, void *ctx) {
  size_t i;
  for (i = 0; i < count; i++) {
    int r = cb(ctx, &in[i], &out[i], i);
    if (r < 0) return r;
  }
  return 0;
}

static int hand_for_each(int *v, size_t count, tick_each_cb cb, void *ctx) {
  size_t i;
  for (i = 0; i < count; i++) {
    int r = cb(ctx, &v[i], i);
    if (r < 0) return r;
  }
  return 0;
}

static void fill(int *v) {
  size_t i;
  for (i = 0; i < COUNT; i++) v[i] = (int)(i * 2654435761u);
}

int main(void) {
  int *in = malloc(COUNT * sizeof(int)), *out = malloc(COUNT * sizeof(int));
  int *check = malloc(COUNT * sizeof(int));
  span_t span;
  size_t i;
  int r;
  if (in == NULL || out == NULL || check == NULL) return 1;
  /* One untimed pass of each side first: whichever ran first was otherwise measured
   * about 15% slower (a cold processor and cold caches), whatever the order. */
  fill(in);
  if (hand_map(in, check, COUNT, map_fn, NULL) != 0) return 1;
  if (tick_map(in, COUNT, sizeof(int), out, sizeof(int), map_fn, NULL) != 0) return 1;
  /* Every timed pass starts from the same state: arrays written just before. */
  fill(in);
  fill(out);
  span_begin(&span);
  r = tick_map(in, COUNT, sizeof(int), out, sizeof(int), map_fn, NULL);
  span_report(&span, "map 10M int", "tick");
  if (r != 0) return 1;

  fill(in);
  fill(check);
  span_begin(&span);
  r = hand_map(in, check, COUNT, map_fn, NULL);
  span_report(&span, "map 10M int", "hand-loop");
  if (r != 0) return 1;
  for (i = 0; i < COUNT; i++)
    if (out[i] != check[i]) return 1;

  fill(out);
  span_begin(&span);
  r = tick_for_each(out, COUNT, sizeof(int), each_fn, NULL);
  span_report(&span, "for_each 10M int", "tick");
  if (r != 0) return 1;

  fill(check);
  span_begin(&span);
  r = hand_for_each(check, COUNT, each_fn, NULL);
  span_report(&span, "for_each 10M int", "hand-loop");
  if (r != 0) return 1;
  for (i = 0; i < COUNT; i++)
    if (out[i] != check[i]) return 1;

  free(check);
  free(out);
  free(in);
  return 0;
}
