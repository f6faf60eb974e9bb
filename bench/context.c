/* context.c - the cost of async context (tick/context.h) on the queues.
 *
 * Workloads (the same in context.js, with one AsyncLocalStorage):
 * - "context next-tick 1M depth": inside tick_context_run, one next-tick queues the next,
 *   1M deep; each callback reads the context (tick_context_get) and checks it.
 * - "context microtask 1M depth": the same with microtasks.
 * - "context immediate 1M depth": the same with immediates (1M loop iterations).
 * - "context then 1M depth": a chain of 1M promise reactions, each registering the next
 *   with then on a resolved promise and reading the context.
 * Counted: from tick_context_run to the return of tick_loop_run(); time per callback.
 * The same chains without a context are the depth rows of queues.c: the difference is
 * the cost of carrying the context (docs/observability.md, "Cost").
 */
#include <tick.h>

#include "bench.h"

#define COUNT 1000000

static int store_value;

typedef struct chain_s {
  uint64_t ran, target;
  int kind;
} chain_t;

static void again(tick_loop_t *loop, void *arg);

static int link_next(tick_loop_t *loop, chain_t *c);

static int then_again(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)s;
  (void)next;
  again(loop, arg);
  return 0;
}

static int link_next(tick_loop_t *loop, chain_t *c) {
  tick_promise_t *p;
  int r;
  switch (c->kind) {
  case 0:
    return tick_next_tick(loop, again, c);
  case 1:
    return tick_queue_microtask(loop, again, c);
  case 2:
    return tick_set_immediate(loop, again, c, NULL);
  default:
    r = tick_promise_resolve(loop, NULL, NULL, &p);
    if (r != 0) return r;
    r = tick_promise_then(p, then_again, NULL, c, NULL, NULL);
    tick_promise_release(p);
    return r;
  }
}

static void again(tick_loop_t *loop, void *arg) {
  chain_t *c = arg;
  BENCH_EXPECT(tick_context_get(loop) == &store_value);
  if (++c->ran < c->target) BENCH_CHECK(link_next(loop, c));
}

static void start(tick_loop_t *loop, void *arg) { BENCH_CHECK(link_next(loop, arg)); }

static void bench_chain(const char *workload, int kind) {
  tick_loop_t *loop = NULL;
  chain_t c = {0, COUNT, kind};
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_begin(&mark);
  BENCH_CHECK(tick_context_run(loop, &store_value, start, &c));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, workload, "tick", (double)COUNT);
  BENCH_EXPECT(c.ran == COUNT);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

static const char *const workloads[] = {"context next-tick 1M depth",
                                        "context microtask 1M depth",
                                        "context immediate 1M depth", "context then 1M depth"};

int main(int argc, char **argv) {
  int i;
  for (i = 0; i < 4; i++) bench_goal(workloads[i], "node", 0.5, "wall");
  for (i = 0; i < 4; i++) {
    if (bench_workload_child(argc, argv, workloads[i])) {
      bench_chain(workloads[i], i);
      bench_child_done();
    }
  }
  return 0;
}
