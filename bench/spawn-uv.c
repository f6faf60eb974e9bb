/* spawn-uv.c - libuv's uv_spawn, the peer of spawn.c (read its header).
 *
 * Same workloads: N (BENCH_SPAWN_CHILDREN, default 200) `true` children, stdio on
 * /dev/null (libuv's default for fds 0-2 not given), one at a time and 16 at a time,
 * each new spawn from the exit callback.
 * Counted: from the first spawn to the last exit callback; time per process.
 */
#include <uv.h>

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
  uv_loop_t *loop;
  uv_process_options_t options;
  int started, exited, failed;
} run_t;

static void start_one(run_t *run);

static void on_closed(uv_handle_t *handle) { free(handle); }

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  run_t *run = p->data;
  run->exited++;
  if (status != 0 || sig != 0) run->failed++;
  uv_close((uv_handle_t *)p, on_closed);
  if (run->started < CHILDREN) start_one(run);
}

static void start_one(run_t *run) {
  uv_process_t *p = bench_alloc(sizeof(*p));
  p->data = run;
  run->started++;
  BENCH_CHECK(uv_spawn(run->loop, p, &run->options));
}

static void bench_spawn(const char *workload, int parallel) {
  static char *argv[] = {"true", NULL};
  uv_loop_t loop;
  run_t run;
  int i;
  memset(&run, 0, sizeof(run));
  BENCH_CHECK(uv_loop_init(&loop));
  run.loop = &loop;
  run.options.file = "true";
  run.options.args = argv;
  run.options.exit_cb = on_exit_cb;
  bench_mark_t mark;
  bench_begin(&mark);
  for (i = 0; i < parallel; i++) start_one(&run);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  bench_report(&mark, workload, "libuv", CHILDREN);
  BENCH_EXPECT(run.exited == CHILDREN && run.failed == 0);
  BENCH_EXPECT(uv_loop_close(&loop) == 0);
}

int main(int argc, char **argv) {
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
