/* spawn.c - spawning processes: tick_spawn and the exit callback, against libuv's
 * uv_spawn (spawn-uv.c) and node's child_process.spawn (spawn.js).
 *
 * Workloads (each in its own process, bench_workload_child):
 * - "spawn+wait true, one at a time": N children (default 200, see children()) running
 *   `true` (found in PATH, stdio on /dev/null), each spawned from the exit callback of
 *   the one before, so the time is the latency of spawn + exec + exit + reap, all of it.
 * - "spawn+wait true, 16 at a time": the same N with 16 running at once.
 * Counted: from the first spawn to the last exit callback; time per process. The CPU time
 * is this process's only (the children's is not counted: it is the same program for
 * every implementation).
 */
#include <tick.h>

#include "bench.h"

/* The full workload is 1000 children; on a loaded 2-core machine an exec takes tens of
 * milliseconds, so the runner's default is 200 and BENCH_SPAWN_CHILDREN=1000 gives the
 * full count (the table compares time per process either way). */
static int children(void) {
  const char *s = getenv("BENCH_SPAWN_CHILDREN");
  return s != NULL && atoi(s) > 0 ? atoi(s) : 200;
}
#define CHILDREN children()

typedef struct run_s {
  tick_process_options_t options;
  int started, exited, failed;
  int total;
} run_t;

static void on_exit_cb(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg);

static void start_one(tick_loop_t *loop, run_t *run) {
  run->started++;
  BENCH_CHECK(tick_spawn(loop, &run->options, NULL)); /* closes itself after its exit */
}

static void on_exit_cb(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  run_t *run = arg;
  (void)p;
  run->exited++;
  if (status != 0 || sig != 0) run->failed++;
  if (run->started < run->total) start_one(loop, run);
}

static void bench_spawn(const char *workload, int parallel) {
  static char *argv[] = {"true", NULL};
  tick_loop_t *loop;
  run_t run;
  int i;
  memset(&run, 0, sizeof(run));
  run.options.file = "true";
  run.options.argv = argv;
  run.options.exit_cb = on_exit_cb;
  run.options.arg = &run;
  run.total = CHILDREN;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  bench_mark_t mark;
  bench_begin(&mark);
  for (i = 0; i < parallel; i++) start_one(loop, &run);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, workload, "tick", CHILDREN);
  BENCH_EXPECT(run.exited == CHILDREN && run.failed == 0);
  BENCH_CHECK(tick_loop_destroy(loop));
}

int main(int argc, char **argv) {
  bench_goal("spawn+wait true, one at a time", "libuv", 1.0, "wall");
  if (bench_workload_child(argc, argv, "spawn+wait true, one at a time")) {
    bench_spawn("spawn+wait true, one at a time", 1);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "spawn+wait true, 16 at a time")) {
    bench_spawn("spawn+wait true, 16 at a time", 16);
    bench_child_done();
  }
  return 0;
}
