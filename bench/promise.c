/* promise.c - promise benchmarks for tick; bench/promise.js is the same program for node.
 *
 * Workloads (each timed from the first promise created to the last reaction run, loop
 * included; wall and CPU seconds):
 *   chains_1000x1000   1000 chains of 1000 then links, built first, then run interleaved
 *   chain_1m           one chain of 1,000,000 then links
 *   resolve_then_1m    1,000,000 independent promises: create, then, resolve
 *   all_1000           1000 rounds of all() over 1000 fresh fulfilled promises
 *   all_100k           10 rounds of all() over 100,000 fresh fulfilled promises
 *   doxbee             10,000 requests of 10 dependent steps, each step a function returning a
 *                      promise settled by a microtask (bluebird's doxbee, minus the I/O)
 *   immediate_trip_100k 100,000 sequential round trips: a promise resolved from an
 *                      immediate, whose then schedules the next one
 *   callback_chain_1m  the plain-callback twin of chain_1m: 1,000,000 prebuilt continuation
 *                      records run one per microtask, each calling fn(ctx, v) -> v + 1
 *   callback_loop_1m   the floor: 1,000,000 microtasks computing v + 1 with no records
 *
 * Each workload runs once to warm up and then 5 times; the fastest run is reported.
 * Output: one line per workload, `RESULT\t<workload>\ttick\t<wall_s>\t<cpu_s>`.
 * Usage: promise [workload...]   (no argument: all)
 */
#define _POSIX_C_SOURCE 200809L
#include "tick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void must(int r, const char *what) {
  if (r < 0) {
    fprintf(stderr, "bench: %s: %s\n", what, tick_strerror(r));
    exit(1);
  }
}

#define RUNS 5

static tick_loop_t *loop;
static long sink; /* results, so no work is optimised away */

/* v => v + 1, the then link every workload uses. */
static int add_one(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)l;
  (void)arg;
  return tick_resolver_resolve(next, (void *)((intptr_t)tick_promise_value(s) + 1), NULL);
}

static int collect(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)l;
  (void)next;
  (void)arg;
  sink += (long)(intptr_t)tick_promise_value(s);
  return 0;
}

static void run_loop(void) { must(tick_loop_run(loop, TICK_RUN_DEFAULT), "run"); }

static void chains(int count, int links) {
  int c, i;
  for (c = 0; c < count; c++) {
    tick_promise_t *p, *q;
    must(tick_promise_resolve(loop, NULL, NULL, &p), "resolve");
    for (i = 0; i < links; i++) {
      must(tick_promise_then(p, add_one, NULL, NULL, NULL, &q), "then");
      tick_promise_release(p);
      p = q;
    }
    must(tick_promise_then(p, collect, NULL, NULL, NULL, NULL), "then");
    tick_promise_release(p);
  }
  run_loop();
}

static void chains_1000x1000(void) { chains(1000, 1000); }
static void chain_1m(void) { chains(1, 1000000); }

static void resolve_then_1m(void) {
  intptr_t i;
  for (i = 0; i < 1000000; i++) {
    tick_promise_t *p;
    tick_resolver_t *r;
    must(tick_promise_create_deferred(loop, &p, &r), "deferred");
    must(tick_promise_then(p, collect, NULL, NULL, NULL, NULL), "then");
    must(tick_resolver_resolve(r, (void *)i, NULL), "resolve");
    tick_resolver_release(r);
    tick_promise_release(p);
  }
  run_loop();
}

static int count_items(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)l;
  (void)next;
  (void)arg;
  sink += (long)tick_promise_count(s);
  return 0;
}

static void all_rounds(int rounds, int n) {
  tick_promise_t **in = malloc(sizeof(*in) * (size_t)n), *all;
  int r, i;
  if (in == NULL) exit(1);
  for (r = 0; r < rounds; r++) {
    for (i = 0; i < n; i++)
      must(tick_promise_resolve(loop, (void *)(intptr_t)i, NULL, &in[i]), "resolve");
    must(tick_promise_all(loop, in, (size_t)n, &all), "all");
    for (i = 0; i < n; i++) tick_promise_release(in[i]);
    must(tick_promise_then(all, count_items, NULL, NULL, NULL, NULL), "then");
    tick_promise_release(all);
    run_loop();
  }
  free(in);
}

static void all_1000(void) { all_rounds(1000, 1000); }
static void all_100k(void) { all_rounds(10, 100000); }

/* doxbee: step() returns a promise that a microtask resolves (fake asynchronous work). */
static void settle_step(tick_loop_t *l, void *arg) {
  tick_resolver_t *r = arg;
  (void)l;
  must(tick_resolver_resolve(r, (void *)1, NULL), "resolve");
  tick_resolver_release(r);
}

static tick_promise_t *step(void) {
  tick_promise_t *p;
  tick_resolver_t *r;
  must(tick_promise_create_deferred(loop, &p, &r), "deferred");
  must(tick_queue_microtask(loop, settle_step, r), "queueMicrotask");
  return p;
}

static int next_step(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  tick_promise_t *p = step();
  int rc = tick_resolver_resolve_promise(next, p);
  (void)l;
  (void)s;
  (void)arg;
  tick_promise_release(p);
  return rc;
}

static void doxbee(void) {
  int req, s;
  for (req = 0; req < 10000; req++) {
    tick_promise_t *p = step(), *q;
    for (s = 1; s < 10; s++) {
      must(tick_promise_then(p, next_step, NULL, NULL, NULL, &q), "then");
      tick_promise_release(p);
      p = q;
    }
    must(tick_promise_then(p, collect, NULL, NULL, NULL, NULL), "then");
    tick_promise_release(p);
  }
  run_loop();
}

/* immediate round trip: new Promise(r => setImmediate(r, i)).then(go) */
static int trips_left;
static int go(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg);

static void immediate_resolve(tick_loop_t *l, void *arg) {
  tick_resolver_t *r = arg;
  (void)l;
  must(tick_resolver_resolve(r, (void *)(intptr_t)trips_left, NULL), "resolve");
  tick_resolver_release(r);
}

static void trip(void) {
  tick_promise_t *p;
  tick_resolver_t *r;
  must(tick_promise_create_deferred(loop, &p, &r), "deferred");
  must(tick_set_immediate(loop, immediate_resolve, r, NULL), "setImmediate");
  must(tick_promise_then(p, go, NULL, NULL, NULL, NULL), "then");
  tick_promise_release(p);
}

static int go(tick_loop_t *l, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)l;
  (void)next;
  (void)arg;
  sink += (long)(intptr_t)tick_promise_value(s);
  if (--trips_left > 0) trip();
  return 0;
}

static void immediate_trip_100k(void) {
  trips_left = 100000;
  trip();
  run_loop();
}

/* The plain-callback twins of a then link. callback_chain_1m does the same work as
 * chain_1m without promises: a chain of 1,000,000 continuation records (function, context,
 * value) is built first, then run one link per microtask, each link calling its function
 * with the previous value. callback_loop_1m is the floor: one microtask per link and no
 * record at all. */
typedef struct link_s {
  long (*fn)(void *ctx, long v);
  void *ctx;
  long value;
  struct link_s *next;
} link_t;

static long plain_add_one(void *ctx, long v) {
  (void)ctx;
  return v + 1;
}

static void run_link(tick_loop_t *l, void *arg) {
  link_t *k = arg;
  if (k->next == NULL) {
    sink += k->value;
    return;
  }
  k->next->value = k->next->fn(k->next->ctx, k->value);
  must(tick_queue_microtask(l, run_link, k->next), "queueMicrotask");
}

static void callback_chain_1m(void) {
  /* Kept between runs, as tick's pools are, so the measured run faults no pages in. */
  static link_t *links;
  link_t *k;
  long i;
  if (links == NULL) links = malloc(sizeof(*links) * 1000001);
  if (links == NULL) exit(1);
  k = &links[0];
  k->value = 0;
  for (i = 1; i <= 1000000; i++) {
    links[i].fn = plain_add_one;
    links[i].ctx = NULL;
    links[i].next = NULL;
    links[i - 1].next = &links[i];
  }
  must(tick_queue_microtask(loop, run_link, k), "queueMicrotask");
  run_loop();
}

typedef struct {
  long value;
  long left;
} counter_t;

static void count_link(tick_loop_t *l, void *arg) {
  counter_t *c = arg;
  c->value = plain_add_one(NULL, c->value);
  if (--c->left > 0) must(tick_queue_microtask(l, count_link, c), "queueMicrotask");
}

static void callback_loop_1m(void) {
  static counter_t c;
  c.value = 0;
  c.left = 1000000;
  must(tick_queue_microtask(loop, count_link, &c), "queueMicrotask");
  run_loop();
  sink += c.value;
}

static const struct {
  const char *name;
  void (*fn)(void);
} workloads[] = {
    {"chains_1000x1000", chains_1000x1000},
    {"chain_1m", chain_1m},
    {"resolve_then_1m", resolve_then_1m},
    {"all_1000", all_1000},
    {"all_100k", all_100k},
    {"doxbee", doxbee},
    {"immediate_trip_100k", immediate_trip_100k},
    {"callback_chain_1m", callback_chain_1m},
    {"callback_loop_1m", callback_loop_1m},
};

int main(int argc, char **argv) {
  size_t i;
  int a;
  for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
    double w0, c0;
    int selected = argc < 2;
    for (a = 1; a < argc; a++)
      if (strcmp(argv[a], workloads[i].name) == 0) selected = 1;
    if (!selected) continue;
    /* Each workload runs once to warm up, then RUNS times on the same loop, and the
     * fastest run is reported, as node's side does: both then measure warm memory (pools
     * and heap grown, pages faulted in) rather than the machine's page-fault cost, and
     * the minimum filters out the other tenants of a shared machine. */
    double best_wall = 1e30, best_cpu = 0;
    int run;
    must(tick_loop_create(&loop, 0), "loop");
    workloads[i].fn();
    for (run = 0; run < RUNS; run++) {
      w0 = now(CLOCK_MONOTONIC);
      c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      workloads[i].fn();
      w0 = now(CLOCK_MONOTONIC) - w0;
      c0 = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
      if (w0 < best_wall) {
        best_wall = w0;
        best_cpu = c0;
      }
    }
    printf("RESULT\t%s\ttick\t%.4f\t%.4f\n", workloads[i].name, best_wall, best_cpu);
    fflush(stdout);
    must(tick_loop_destroy(loop), "destroy");
  }
  return sink == -1;
}
