/* idle-uv.c - libuv's loop iteration, the peer of idle.c (read its header).
 *
 * libuv has no immediates that chain iteration by iteration; the closest is an idle
 * handle, whose callback runs once per iteration and which makes the poll phase not
 * wait. "1 idle fd" adds a uv_poll_t on a pipe that never becomes readable.
 * Counted: from uv_run() to its return; time per iteration. libuv registers an internal
 * fd of its own at loop creation, so it asks the kernel in every iteration even in the
 * "no fd" case (about a microsecond): it runs 1M iterations where tick runs 10M, and the
 * runner compares time per iteration.
 */
#include <uv.h>

#include <unistd.h>

#include "bench.h"

#define ITERATIONS_NO_FD 1000000
#define ITERATIONS_WITH_FD 1000000

typedef struct chain_s {
  uint64_t left;
  int has_watcher;
  uv_poll_t watcher;
} chain_t;

static void never_ready(uv_poll_t *watcher, int status, int events) {
  (void)watcher;
  (void)status;
  (void)events;
  fprintf(stderr, "idle-uv: the idle pipe became ready\n");
  exit(1);
}

static void next_link(uv_idle_t *idle) {
  chain_t *chain = idle->data;
  if (--chain->left > 0)
    return;
  uv_close((uv_handle_t *)idle, NULL);
  if (chain->has_watcher)
    uv_close((uv_handle_t *)&chain->watcher, NULL);
}

static void bench_chain(const char *workload, uint64_t iterations, int with_fd) {
  uv_loop_t loop;
  uv_idle_t idle;
  int fds[2] = {-1, -1};
  chain_t chain = {.left = iterations, .has_watcher = with_fd};
  BENCH_CHECK(uv_loop_init(&loop));
  if (with_fd) {
    BENCH_CHECK(pipe(fds));
    BENCH_CHECK(uv_poll_init(&loop, &chain.watcher, fds[0]));
    BENCH_CHECK(uv_poll_start(&chain.watcher, UV_READABLE, never_ready));
  }
  BENCH_CHECK(uv_idle_init(&loop, &idle));
  idle.data = &chain;
  BENCH_CHECK(uv_idle_start(&idle, next_link));

  bench_mark_t mark;
  bench_begin(&mark);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  bench_report(&mark, workload, "libuv", (double)iterations);

  BENCH_EXPECT(chain.left == 0);
  BENCH_EXPECT(uv_loop_close(&loop) == 0);
  if (with_fd) {
    close(fds[0]);
    close(fds[1]);
  }
}

int main(int argc, char **argv) {
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
