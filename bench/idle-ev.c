/* idle-ev.c - libev's loop iteration, the peer of idle.c (read its header).
 *
 * libev's counterpart of a per-iteration callback is an ev_idle watcher, which makes the
 * poll not wait. "1 idle fd" adds an ev_io on a pipe that never becomes readable.
 * Counted: from ev_run() to its return; time per iteration. libev asks the kernel in
 * every iteration even without an fd, so it runs fewer iterations; the runner compares
 * time per iteration.
 */
#include <ev.h>

#include <unistd.h>

#include "bench.h"

#define ITERATIONS_NO_FD 1000000
#define ITERATIONS_WITH_FD 1000000

typedef struct chain_s {
  uint64_t left;
  int has_watcher;
  ev_io watcher;
} chain_t;

static void never_ready(struct ev_loop *loop, ev_io *watcher, int events) {
  (void)loop;
  (void)watcher;
  (void)events;
  fprintf(stderr, "idle-ev: the idle pipe became ready\n");
  exit(1);
}

static void next_link(struct ev_loop *loop, ev_idle *idle, int events) {
  chain_t *chain = idle->data;
  (void)events;
  if (--chain->left > 0)
    return;
  ev_idle_stop(loop, idle);
  if (chain->has_watcher)
    ev_io_stop(loop, &chain->watcher);
}

static void bench_chain(const char *workload, uint64_t iterations, int with_fd) {
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  ev_idle idle;
  int fds[2] = {-1, -1};
  chain_t chain = {.left = iterations, .has_watcher = with_fd};
  BENCH_EXPECT(loop != NULL);
  if (with_fd) {
    BENCH_CHECK(pipe(fds));
    ev_io_init(&chain.watcher, never_ready, fds[0], EV_READ);
    ev_io_start(loop, &chain.watcher);
  }
  ev_idle_init(&idle, next_link);
  idle.data = &chain;
  ev_idle_start(loop, &idle);

  bench_mark_t mark;
  bench_begin(&mark);
  ev_run(loop, 0);
  bench_report(&mark, workload, "libev", (double)iterations);

  BENCH_EXPECT(chain.left == 0);
  ev_loop_destroy(loop);
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
