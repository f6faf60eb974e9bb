/* sort.c - stable sorting with a comparator called through a function pointer.
 *
 * Workloads: "sort 1M int" (1,000,000 random 32-bit ints) and "sort 1M 32-byte records"
 * (1,000,000 records of 32 bytes ordered by a random 20-bit key, so about a third of the
 * records share their key with another and stability matters). Counted: one call that
 * sorts the whole array, for tick_sort and for glibc's qsort_r; filling the array (the
 * same seeded data as bench/sort-std.cc) is outside the timed part. Each result is
 * checked to be sorted and, for records, stable. The peer std::stable_sort is in
 * bench/sort-std.cc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COUNT 1000000

typedef struct record_s {
  uint32_t key;
  uint32_t seq; /* original position, to check stability */
  unsigned char payload[24];
} record_t;

typedef int (*compare_fn)(const void *, const void *, void *);

/* The same generator as sort-std.cc, so both programs sort the same data. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rng_next(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

static int cmp_int(void *ctx, const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  (void)ctx;
  return (x > y) - (x < y);
}
static int cmp_int_qsort(const void *a, const void *b, void *ctx) { return cmp_int(ctx, a, b); }

static int cmp_record(void *ctx, const void *a, const void *b) {
  uint32_t x = ((const record_t *)a)->key, y = ((const record_t *)b)->key;
  (void)ctx;
  return (x > y) - (x < y);
}
static int cmp_record_qsort(const void *a, const void *b, void *ctx) {
  return cmp_record(ctx, a, b);
}

/* Read through volatile so that no compiler can see which function is called. */
static tick_compare_cb volatile tick_int_cmp = cmp_int;
static tick_compare_cb volatile tick_record_cmp = cmp_record;
static compare_fn volatile qsort_int_cmp = cmp_int_qsort;
static compare_fn volatile qsort_record_cmp = cmp_record_qsort;

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

static void fill_ints(int *v) {
  size_t i;
  rng_state = 0x9E3779B97F4A7C15u;
  for (i = 0; i < COUNT; i++) v[i] = (int)rng_next();
}

static void fill_records(record_t *v) {
  size_t i;
  rng_state = 0x9E3779B97F4A7C15u;
  for (i = 0; i < COUNT; i++) {
    memset(&v[i], 0, sizeof(v[i]));
    /* Keys below 2^20 so that about one key in two is shared: stability matters. */
    v[i].key = rng_next() >> 12;
    v[i].seq = (uint32_t)i;
  }
}

static void check_ints(const int *v, const char *impl) {
  size_t i;
  for (i = 1; i < COUNT; i++)
    if (v[i - 1] > v[i]) {
      fprintf(stderr, "sort.c: %s: ints not sorted at %zu\n", impl, i);
      exit(1);
    }
}

static void check_records(const record_t *v, const char *impl, int need_stable) {
  size_t i;
  for (i = 1; i < COUNT; i++)
    if (v[i - 1].key > v[i].key ||
        (need_stable && v[i - 1].key == v[i].key && v[i - 1].seq > v[i].seq)) {
      fprintf(stderr, "sort.c: %s: records not sorted%s at %zu\n", impl,
              need_stable ? " stably" : "", i);
      exit(1);
    }
}

int main(void) {
  int *ints = malloc(COUNT * sizeof(*ints));
  record_t *records = malloc(COUNT * sizeof(*records));
  span_t span;
  int r;
  if (ints == NULL || records == NULL) return 1;

  /* The goals of the sort, for a runner that checks them (other runners ignore them). */
  printf("GOAL\tsort 1M int\tstd::stable_sort\t1.0\twall\n");
  printf("GOAL\tsort 1M int\tqsort_r\t1.0\twall\n");
  printf("GOAL\tsort 1M 32-byte records\tstd::stable_sort\t1.0\twall\n");
  printf("GOAL\tsort 1M 32-byte records\tqsort_r\t1.0\twall\n");

  fill_ints(ints);
  span_begin(&span);
  r = tick_sort(ints, COUNT, sizeof(*ints), tick_int_cmp, NULL);
  span_report(&span, "sort 1M int", "tick");
  if (r != 0) return 1;
  check_ints(ints, "tick");

  fill_ints(ints);
  span_begin(&span);
  qsort_r(ints, COUNT, sizeof(*ints), qsort_int_cmp, NULL);
  span_report(&span, "sort 1M int", "qsort_r");
  check_ints(ints, "qsort_r");

  fill_records(records);
  span_begin(&span);
  r = tick_sort(records, COUNT, sizeof(*records), tick_record_cmp, NULL);
  span_report(&span, "sort 1M 32-byte records", "tick");
  if (r != 0) return 1;
  check_records(records, "tick", 1);

  fill_records(records);
  span_begin(&span);
  qsort_r(records, COUNT, sizeof(*records), qsort_record_cmp, NULL);
  span_report(&span, "sort 1M 32-byte records", "qsort_r");
  /* qsort_r promises no stability, so only the order is checked. */
  check_records(records, "qsort_r", 0);

  free(records);
  free(ints);
  return 0;
}
