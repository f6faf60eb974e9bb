/* promise.c - tick's promises against node's (promise.js) and against plain C callbacks.
 *
 * Workloads (each in its own process, run once cold and once more on the same loop as
 * "..., warm"; counted from the first promise created to the last reaction run, loop
 * included; per operation = per link, promise, element or step as named):
 * - "then: 1000 chains x 1000 links": 1000 chains of 1000 `then(v => v + 1)` links, all
 *   built first, then run (interleaved, one link per chain per turn).
 * - "then: one chain of 1M links": the same with one chain. Also measured, as the
 *   plain-callback twins of a then link: "callback chain", a prebuilt list of 1M
 *   continuation records {fn, ctx, value, next} run one per microtask, each calling
 *   fn(ctx, v) -> v + 1 (the same work without promises); and "callback loop", the floor:
 *   one microtask per link computing v + 1 with no record at all.
 * - "resolve+then: 1M promises": 1M independent promises, each created pending, given a
 *   then, then resolved.
 * - "all: 1000 x all over 1000" and "all: 10 x all over 100k": rounds of all() over fresh
 *   fulfilled promises (the promises' creation included), then one then on the result.
 * - "doxbee: 10k requests x 10 steps": bluebird's doxbee without the I/O: each request is
 *   a chain of 10 dependent steps, each step a function returning a promise that a
 *   microtask resolves (so each link resolves with a promise: +2 turns).
 * - "immediate round trip: 100k": a promise resolved from an immediate, whose then
 *   creates the next one, 100k times in sequence (one loop iteration each).
 * Goals: tick <= 0.3x node on every row, a then link <= 3x a callback-chain link.
 */
#include <tick.h>

#include "bench.h"

static long sink; /* results, so that no work is optimised away */

/* v => v + 1, the link every chain uses. */
static int add_one(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_resolve(next, (void *)((intptr_t)tick_promise_value(settled) + 1),
                               NULL);
}

static int collect(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  sink += (long)(intptr_t)tick_promise_value(settled);
  return 0;
}

/* Runs `round` twice on one loop: cold, then ", warm". */
static void cold_and_warm(const char *workload, double ops,
                          void (*round)(tick_loop_t *loop)) {
  tick_loop_t *loop = NULL;
  char warm[128];
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_begin(&mark);
  round(loop);
  bench_report(&mark, workload, "tick", ops);
  snprintf(warm, sizeof warm, "%s, warm", workload);
  bench_begin(&mark);
  round(loop);
  bench_report(&mark, warm, "tick", ops);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

static void chains(tick_loop_t *loop, int count, int links) {
  long before = sink;
  for (int c = 0; c < count; c++) {
    tick_promise_t *p, *q;
    BENCH_CHECK(tick_promise_resolve(loop, NULL, NULL, &p));
    for (int i = 0; i < links; i++) {
      BENCH_CHECK(tick_promise_then(p, add_one, NULL, NULL, NULL, &q));
      tick_promise_release(p);
      p = q;
    }
    BENCH_CHECK(tick_promise_then(p, collect, NULL, NULL, NULL, NULL));
    tick_promise_release(p);
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(sink - before == (long)count * links);
}

static void chains_1000x1000(tick_loop_t *loop) { chains(loop, 1000, 1000); }
static void chain_1m(tick_loop_t *loop) { chains(loop, 1, 1000000); }

static void resolve_then_1m(tick_loop_t *loop) {
  long before = sink;
  for (intptr_t i = 0; i < 1000000; i++) {
    tick_promise_t *p;
    tick_resolver_t *r;
    BENCH_CHECK(tick_promise_create_deferred(loop, &p, &r));
    BENCH_CHECK(tick_promise_then(p, collect, NULL, NULL, NULL, NULL));
    BENCH_CHECK(tick_resolver_resolve(r, (void *)1, NULL));
    tick_resolver_release(r);
    tick_promise_release(p);
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(sink - before == 1000000);
}

static int count_items(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  sink += (long)tick_promise_count(settled);
  return 0;
}

static void all_rounds(tick_loop_t *loop, int rounds, int n) {
  tick_promise_t **in = bench_alloc(sizeof(*in) * (size_t)n), *all;
  long before = sink;
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < n; i++)
      BENCH_CHECK(tick_promise_resolve(loop, (void *)(intptr_t)i, NULL, &in[i]));
    BENCH_CHECK(tick_promise_all(loop, in, (size_t)n, &all));
    for (int i = 0; i < n; i++) tick_promise_release(in[i]);
    BENCH_CHECK(tick_promise_then(all, count_items, NULL, NULL, NULL, NULL));
    tick_promise_release(all);
    BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  }
  free(in);
  BENCH_EXPECT(sink - before == (long)rounds * n);
}

static void all_1000(tick_loop_t *loop) { all_rounds(loop, 1000, 1000); }
static void all_100k(tick_loop_t *loop) { all_rounds(loop, 10, 100000); }

/* doxbee: step() returns a promise that a microtask resolves (fake asynchronous work). */
static void settle_step(tick_loop_t *loop, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  BENCH_CHECK(tick_resolver_resolve(r, (void *)1, NULL));
  tick_resolver_release(r);
}

static tick_promise_t *step(tick_loop_t *loop) {
  tick_promise_t *p;
  tick_resolver_t *r;
  BENCH_CHECK(tick_promise_create_deferred(loop, &p, &r));
  BENCH_CHECK(tick_queue_microtask(loop, settle_step, r));
  return p;
}

static int next_step(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  tick_promise_t *p = step(loop);
  int rc = tick_resolver_resolve_promise(next, p);
  (void)settled;
  (void)arg;
  tick_promise_release(p);
  return rc;
}

static void doxbee(tick_loop_t *loop) {
  long before = sink;
  for (int req = 0; req < 10000; req++) {
    tick_promise_t *p = step(loop), *q;
    for (int s = 1; s < 10; s++) {
      BENCH_CHECK(tick_promise_then(p, next_step, NULL, NULL, NULL, &q));
      tick_promise_release(p);
      p = q;
    }
    BENCH_CHECK(tick_promise_then(p, collect, NULL, NULL, NULL, NULL));
    tick_promise_release(p);
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(sink - before == 10000);
}

/* new Promise(r => setImmediate(r, left)).then(go), 100k times in sequence. */
static int trips_left;
static int go(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next, void *arg);

static void immediate_resolve(tick_loop_t *loop, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  BENCH_CHECK(tick_resolver_resolve(r, (void *)(intptr_t)trips_left, NULL));
  tick_resolver_release(r);
}

static void trip(tick_loop_t *loop) {
  tick_promise_t *p;
  tick_resolver_t *r;
  BENCH_CHECK(tick_promise_create_deferred(loop, &p, &r));
  BENCH_CHECK(tick_set_immediate(loop, immediate_resolve, r, NULL));
  BENCH_CHECK(tick_promise_then(p, go, NULL, NULL, NULL, NULL));
  tick_promise_release(p);
}

static int go(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next, void *arg) {
  (void)next;
  (void)arg;
  sink += (long)(intptr_t)tick_promise_value(settled);
  if (--trips_left > 0) trip(loop);
  return 0;
}

static void immediate_trip_100k(tick_loop_t *loop) {
  trips_left = 100000;
  trip(loop);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(trips_left == 0);
}

/* The plain-callback twins of a then link (see the header). */
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

static void run_link(tick_loop_t *loop, void *arg) {
  link_t *k = arg;
  if (k->next == NULL) {
    sink += k->value;
    return;
  }
  k->next->value = k->next->fn(k->next->ctx, k->value);
  BENCH_CHECK(tick_queue_microtask(loop, run_link, k->next));
}

static link_t *callback_links;

static void callback_chain_1m(tick_loop_t *loop) {
  /* Allocated once per process, as tick's pools are: the warm round reuses it. */
  long before = sink;
  if (callback_links == NULL) callback_links = bench_alloc(sizeof(link_t) * 1000001);
  callback_links[0].value = 0;
  for (long i = 1; i <= 1000000; i++) {
    callback_links[i].fn = plain_add_one;
    callback_links[i].ctx = NULL;
    callback_links[i].next = NULL;
    callback_links[i - 1].next = &callback_links[i];
  }
  BENCH_CHECK(tick_queue_microtask(loop, run_link, &callback_links[0]));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(sink - before == 1000000);
}

typedef struct {
  long value;
  long left;
} counter_t;

static void count_link(tick_loop_t *loop, void *arg) {
  counter_t *c = arg;
  c->value = plain_add_one(NULL, c->value);
  if (--c->left > 0) BENCH_CHECK(tick_queue_microtask(loop, count_link, c));
}

static void callback_loop_1m(tick_loop_t *loop) {
  counter_t c = {0, 1000000};
  BENCH_CHECK(tick_queue_microtask(loop, count_link, &c));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(c.value == 1000000);
}

/* Like cold_and_warm for the callback twins, reported as other implementations of the
 * chain workload. */
static void callback_rows(const char *impl, void (*round)(tick_loop_t *loop)) {
  const char *workload = "then: one chain of 1M links";
  tick_loop_t *loop = NULL;
  char warm[128];
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_begin(&mark);
  round(loop);
  bench_report(&mark, workload, impl, 1e6);
  snprintf(warm, sizeof warm, "%s, warm", workload);
  bench_begin(&mark);
  round(loop);
  bench_report(&mark, warm, impl, 1e6);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

static const struct {
  const char *workload;
  double ops;
  void (*round)(tick_loop_t *loop);
} workloads[] = {
    {"then: 1000 chains x 1000 links", 1e6, chains_1000x1000},
    {"then: one chain of 1M links", 1e6, chain_1m},
    {"resolve+then: 1M promises", 1e6, resolve_then_1m},
    {"all: 1000 x all over 1000", 1e6, all_1000},
    {"all: 10 x all over 100k", 1e6, all_100k},
    {"doxbee: 10k requests x 10 steps", 1e5, doxbee},
    {"immediate round trip: 100k", 1e5, immediate_trip_100k},
};

int main(int argc, char **argv) {
  size_t i;
  for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
    char warm[128];
    bench_goal(workloads[i].workload, "node", 0.3, "wall");
    snprintf(warm, sizeof warm, "%s, warm", workloads[i].workload);
    bench_goal(warm, "node", 0.3, "wall");
    if (bench_workload_child(argc, argv, workloads[i].workload)) {
      cold_and_warm(workloads[i].workload, workloads[i].ops, workloads[i].round);
      bench_child_done();
    }
  }
  bench_goal("then: one chain of 1M links", "callback chain", 3, "wall");
  bench_goal("then: one chain of 1M links, warm", "callback chain", 3, "wall");
  if (bench_workload_child(argc, argv, "then: one chain of 1M links")) {
    callback_rows("callback chain", callback_chain_1m);
    callback_rows("callback loop", callback_loop_1m);
    bench_child_done();
  }
  return sink == -1;
}
