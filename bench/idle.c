/* idle.c - the cost of one loop iteration that has work queued but no I/O ready.
 *
 * Workloads (the same in idle-uv.c, idle-ev.c and idle.js):
 * - "loop iteration, no fd": an immediate that queues the next one, ITERATIONS deep, on a
 *   loop with no fd registered. Each immediate runs in its own iteration (check-phase
 *   snapshot), so this counts one full iteration (timers, pending, idle/prepare, poll
 *   without waiting, check, close, drain) plus one immediate. The peers do the same with
 *   what they have: a libuv idle handle, a libev ev_idle, a node setImmediate chain.
 * - "loop iteration, 1 idle fd": the same with one pipe watched for readability that
 *   never becomes readable, so the poll phase must ask the kernel each iteration.
 * Counted: from tick_loop_run() to its return; time per iteration.
 */
#include <tick.h>
#include <tick/loop.h>

#include <unistd.h>

#include "bench.h"

#define ITERATIONS_NO_FD 10000000
#define ITERATIONS_WITH_FD 1000000

typedef struct chain_s {
  uint64_t left;
  int has_watcher;
  tick_poll_t watcher;
} chain_t;

static void never_ready(tick_loop_t *loop, tick_poll_t watcher, int status, unsigned events,
                        void *arg) {
  (void)loop;
  (void)watcher;
  (void)status;
  (void)events;
  (void)arg;
  fprintf(stderr, "idle: the idle pipe became ready\n");
  exit(1);
}

static void next_link(tick_loop_t *loop, void *arg) {
  chain_t *chain = arg;
  if (--chain->left > 0)
    BENCH_CHECK(tick_set_immediate(loop, next_link, chain, NULL));
  else if (chain->has_watcher)
    BENCH_CHECK(tick_poll_close(loop, chain->watcher, NULL, NULL));
}

static void bench_chain(const char *workload, uint64_t iterations, int with_fd) {
  tick_loop_t *loop = NULL;
  int fds[2] = {-1, -1};
  chain_t chain = {iterations, with_fd, {0}};
  BENCH_CHECK(tick_loop_create(&loop, 0));
  if (with_fd) {
    BENCH_CHECK(pipe(fds));
    BENCH_CHECK(tick_poll_create(loop, fds[0], &chain.watcher));
    BENCH_CHECK(tick_poll_start(loop, chain.watcher, TICK_READABLE, never_ready, NULL));
  }
  BENCH_CHECK(tick_set_immediate(loop, next_link, &chain, NULL));

  uint64_t first_iteration = tick_loop_iteration(loop);
  bench_mark_t mark;
  bench_begin(&mark);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, workload, "tick", (double)iterations);

  BENCH_EXPECT(chain.left == 0);
  BENCH_EXPECT(tick_loop_iteration(loop) - first_iteration >= iterations);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  if (with_fd) {
    close(fds[0]);
    close(fds[1]);
  }
}

int main(int argc, char **argv) {
  bench_goal("loop iteration, no fd", "libuv", 0.05, "wall");
  bench_goal("loop iteration, no fd", "node", 0.05, "wall");
  bench_goal("loop iteration, 1 idle fd", "libuv", 0.9, "wall");
  if (bench_workload_child(argc, argv, "loop iteration, no fd")) {
    bench_chain("loop iteration, no fd", ITERATIONS_NO_FD, 0);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "loop iteration, 1 idle fd")) {
    bench_chain("loop iteration, 1 idle fd", ITERATIONS_WITH_FD, 1);
    bench_child_done();
  }
  return 0;
}
