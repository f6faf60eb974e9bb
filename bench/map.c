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
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif
#include "tick.h"

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
  double wall, cpu;
} span_t;

static double clock_seconds(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Adds the time since `wall0`/`cpu0` to `total`. */
static void span_add(span_t *total, double wall0, double cpu0) {
  double cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
  double wall = clock_seconds(CLOCK_MONOTONIC);
  total->wall += wall - wall0;
  total->cpu += cpu - cpu0;
}

static void span_report(const span_t *s, const char *workload, const char *impl) {
  printf("RESULT\t%s\t%s\t%.9f\t%.9f\n", workload, impl, s->wall, s->cpu);
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

enum { SIDE_TICK, SIDE_HAND };

/* One timed map pass of `side`, from freshly written arrays, into `out`. */
static int time_map(int side, int *in, int *out, span_t *total) {
  double wall0, cpu0;
  int r;
  fill(in);
  fill(out);
  wall0 = clock_seconds(CLOCK_MONOTONIC);
  cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
  if (side == SIDE_TICK)
    r = tick_map(in, COUNT, sizeof(int), out, sizeof(int), map_fn, NULL);
  else
    r = hand_map(in, out, COUNT, map_fn, NULL);
  span_add(total, wall0, cpu0);
  return r;
}

/* One timed for_each pass of `side` over freshly written `v`. */
static int time_for_each(int side, int *v, span_t *total) {
  double wall0, cpu0;
  int r;
  fill(v);
  wall0 = clock_seconds(CLOCK_MONOTONIC);
  cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
  if (side == SIDE_TICK)
    r = tick_for_each(v, COUNT, sizeof(int), each_fn, NULL);
  else
    r = hand_for_each(v, COUNT, each_fn, NULL);
  span_add(total, wall0, cpu0);
  return r;
}

int main(void) {
  static const int order[4] = {SIDE_TICK, SIDE_HAND, SIDE_HAND, SIDE_TICK};
  int *in = malloc(COUNT * sizeof(int)), *out = malloc(COUNT * sizeof(int));
  int *check = malloc(COUNT * sizeof(int));
  span_t map_total[2] = {{0, 0}, {0, 0}}, each_total[2] = {{0, 0}, {0, 0}};
  size_t i;
  int k;
  if (in == NULL || out == NULL || check == NULL) return 1;
  /* The goals of map and for_each, for a runner that checks them (other runners ignore them). */
  printf("GOAL\tmap 10M int\thand-loop\t1.1\twall\n");
  printf("GOAL\tfor_each 10M int\thand-loop\t1.1\twall\n");

  /* Untimed warm-up of both sides. */
  span_t ignored = {0, 0};
  if (time_map(SIDE_HAND, in, check, &ignored) != 0) return 1;
  if (time_map(SIDE_TICK, in, out, &ignored) != 0) return 1;

  /* Both sides work on the same arrays: with separate ones, the arrays' placement in
   * memory showed up in the ratio. The results are compared after the timed passes. */
  for (k = 0; k < 4; k++)
    if (time_map(order[k], in, out, &map_total[order[k]]) != 0) return 1;
  span_report(&map_total[SIDE_TICK], "map 10M int", "tick");
  span_report(&map_total[SIDE_HAND], "map 10M int", "hand-loop");

  for (k = 0; k < 4; k++)
    if (time_for_each(order[k], out, &each_total[order[k]]) != 0) return 1;
  span_report(&each_total[SIDE_TICK], "for_each 10M int", "tick");
  span_report(&each_total[SIDE_HAND], "for_each 10M int", "hand-loop");

  /* Both sides must compute the same thing. */
  if (time_map(SIDE_TICK, in, out, &ignored) != 0 ||
      time_map(SIDE_HAND, in, check, &ignored) != 0)
    return 1;
  for (i = 0; i < COUNT; i++)
    if (out[i] != check[i]) return 1;
  if (time_for_each(SIDE_TICK, out, &ignored) != 0 ||
      time_for_each(SIDE_HAND, check, &ignored) != 0)
    return 1;
  for (i = 0; i < COUNT; i++)
    if (out[i] != check[i]) return 1;

  free(check);
  free(out);
  free(in);
  return 0;
}
