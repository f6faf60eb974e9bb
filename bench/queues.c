/* queues.c - tick's next-tick, microtask and immediate queues, in breadth and in depth.
 *
 * Workloads (the same in queues.js; libuv and libev have no such queues):
 * - "next-tick 10M breadth": the main script queues 10M next-ticks, then the loop drains
 *   them. "next-tick 10M depth": one next-tick that queues the next, 10M deep.
 * - "microtask 10M breadth" / "microtask 10M depth": the same with microtasks.
 * - "immediate 1M breadth": the main script queues 1M immediates, which all run in one
 *   check phase. "immediate 1M depth": each immediate queues the next, so 1M iterations.
 * - each breadth workload again on the same loop, "..., warm": the steady-state cost,
 *   without the first-touch page faults of growing the queues (docs/design/bench.md).
 * Counted: from the first queueing call to the return of tick_loop_run() (each workload
 * on a fresh loop); time per callback.
 */
#include <tick.h>
#include <tick/loop.h>

#include "bench.h"

#define TASK_COUNT 10000000
#define IMMEDIATE_COUNT 1000000

typedef struct counter_s {
  uint64_t ran;
  uint64_t target;
} counter_t;

static void count_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((counter_t *)arg)->ran++;
}

static void next_tick_again(tick_loop_t *loop, void *arg) {
  counter_t *counter = arg;
  if (++counter->ran < counter->target)
    BENCH_CHECK(tick_next_tick(loop, next_tick_again, counter));
}

static void microtask_again(tick_loop_t *loop, void *arg) {
  counter_t *counter = arg;
  if (++counter->ran < counter->target)
    BENCH_CHECK(tick_queue_microtask(loop, microtask_again, counter));
}

static void immediate_again(tick_loop_t *loop, void *arg) {
  counter_t *counter = arg;
  if (++counter->ran < counter->target)
    BENCH_CHECK(tick_set_immediate(loop, immediate_again, counter, NULL));
}

typedef enum kind_e { NEXT_TICK, MICROTASK, IMMEDIATE } kind_t;

static int queue_one(tick_loop_t *loop, kind_t kind, tick_task_cb cb, counter_t *counter) {
  switch (kind) {
  case NEXT_TICK:
    return tick_next_tick(loop, cb, counter);
  case MICROTASK:
    return tick_queue_microtask(loop, cb, counter);
  case IMMEDIATE:
    return tick_set_immediate(loop, cb, counter, NULL);
  }
  return -1;
}

/* Runs one round of the workload on `loop` and prints it as `workload`. */
static void queue_round(tick_loop_t *loop, const char *workload, kind_t kind, uint64_t count,
                        int depth) {
  static const tick_task_cb again[] = {next_tick_again, microtask_again, immediate_again};
  counter_t counter = {0, count};
  bench_mark_t mark;
  bench_begin(&mark);
  if (depth) {
    BENCH_CHECK(queue_one(loop, kind, again[kind], &counter));
  } else {
    for (uint64_t i = 0; i < count; i++)
      BENCH_CHECK(queue_one(loop, kind, count_task, &counter));
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, workload, "tick", (double)count);
  BENCH_EXPECT(counter.ran == count);
}

/* A breadth workload runs a second time on the same loop ("..., warm"): the queues have
 * grown already, so this is the steady-state cost without first-touch page faults. */
static void bench_queue(const char *workload, kind_t kind, uint64_t count, int depth) {
  tick_loop_t *loop = NULL;
  char warm[128];
  BENCH_CHECK(tick_loop_create(&loop, 0));
  queue_round(loop, workload, kind, count, depth);
  if (!depth) {
    snprintf(warm, sizeof warm, "%s, warm", workload);
    queue_round(loop, warm, kind, count, depth);
  }
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

static const struct {
  const char *workload;
  kind_t kind;
  uint64_t count;
  int depth;
} workloads[] = {
    {"next-tick 10M breadth", NEXT_TICK, TASK_COUNT, 0},
    {"next-tick 10M depth", NEXT_TICK, TASK_COUNT, 1},
    {"microtask 10M breadth", MICROTASK, TASK_COUNT, 0},
    {"microtask 10M depth", MICROTASK, TASK_COUNT, 1},
    {"immediate 1M breadth", IMMEDIATE, IMMEDIATE_COUNT, 0},
    {"immediate 1M depth", IMMEDIATE, IMMEDIATE_COUNT, 1},
};

int main(int argc, char **argv) {
  size_t n = sizeof workloads / sizeof workloads[0];
  for (size_t i = 0; i < n; i++)
    bench_goal(workloads[i].workload, "node", 0.15, "wall");
  for (size_t i = 0; i < n; i++) {
    if (bench_workload_child(argc, argv, workloads[i].workload)) {
      bench_queue(workloads[i].workload, workloads[i].kind, workloads[i].count,
                  workloads[i].depth);
      bench_child_done();
    }
  }
  return 0;
}
