/* trace.c - the cost of tracing (tick/trace.h) per traced callback.
 *
 * Workloads (no peer: node's trace events are another feature):
 * - "trace off next-tick 1M depth": one next-tick queues the next, 1M deep, no trace.
 * - "trace on next-tick 1M depth": the same while the loop traces into a file in $TMPDIR
 *   (or /tmp): each callback is a slice, each next-tick an arrow.
 * - "trace off immediate 1M depth" / "trace on immediate 1M depth": the same with
 *   immediates (one loop iteration per callback: counters are sampled too).
 * Counted: from the first queueing call to the return of tick_loop_run(), and for the
 * traced rows tick_trace_stop (the last write and the end of the file) too; time per
 * callback. The difference between an "on" row and its "off" row is the cost of a traced
 * callback (docs/design/observability.md).
 */
#include <tick.h>

#include "bench.h"

#define COUNT 1000000

typedef struct chain_s {
  uint64_t ran, target;
  int immediate;
} chain_t;

static void again(tick_loop_t *loop, void *arg) {
  chain_t *c = arg;
  if (++c->ran < c->target)
    BENCH_CHECK(c->immediate ? tick_set_immediate(loop, again, c, NULL)
                             : tick_next_tick(loop, again, c));
}

static void bench_chain(const char *workload, int immediate, int traced) {
  tick_loop_t *loop = NULL;
  chain_t c = {0, COUNT, immediate};
  bench_mark_t mark;
  char path[512];
  const char *dir = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/tick-bench-trace-%d.json", dir != NULL ? dir : "/tmp",
           (int)getpid());
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_begin(&mark);
  if (traced) BENCH_CHECK(tick_trace_start(loop, path));
  BENCH_CHECK(immediate ? tick_set_immediate(loop, again, &c, NULL)
                        : tick_next_tick(loop, again, &c));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  if (traced) BENCH_CHECK(tick_trace_stop(loop));
  bench_report(&mark, workload, "tick", (double)COUNT);
  BENCH_EXPECT(c.ran == COUNT);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  if (traced) unlink(path);
}

static const struct {
  const char *workload;
  int immediate, traced;
} workloads[] = {
    {"trace off next-tick 1M depth", 0, 0},
    {"trace on next-tick 1M depth", 0, 1},
    {"trace off immediate 1M depth", 1, 0},
    {"trace on immediate 1M depth", 1, 1},
};

int main(int argc, char **argv) {
  size_t i, n = sizeof workloads / sizeof workloads[0];
  for (i = 0; i < n; i++) {
    if (bench_workload_child(argc, argv, workloads[i].workload)) {
      bench_chain(workloads[i].workload, workloads[i].immediate, workloads[i].traced);
      bench_child_done();
    }
  }
  return 0;
}
