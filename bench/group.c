/* group.c - task groups with a concurrency limit against node with a p-limit-style
 * limiter (group.js).
 *
 * Workloads (each in its own process):
 * - "group: 100k async, limit 100, await settled": one group with limit 100 gets 100000
 *   async functions; each awaits an already fulfilled promise once and returns. Counted
 *   from the first tick_group_run to the group's promise settling (every member ended),
 *   per function. node: 100000 async functions pushed through a limiter of 100 written in
 *   group.js (a FIFO and a running count, as p-limit does), awaited with Promise.all.
 * - "group: 100k async, limit 100, await immediate": the same, but each function awaits a
 *   promise resolved by an immediate (setImmediate), so the queue drains through 1000
 *   turns of the loop's check phase instead of one microtask drain.
 * Goal: <= 0.3x node on the first.
 */
#include <tick.h>

#include "bench.h"

#define FUNCTIONS 100000L
#define LIMIT 100

static long ended;

static int await_settled(tick_async_t *co, void *arg) {
  int rc = tick_await(co, arg);
  ended++;
  return rc;
}

static void resolve_now(tick_loop_t *loop, void *arg) {
  (void)loop;
  tick_resolver_resolve(arg, NULL, NULL);
  tick_resolver_release(arg);
}

static int await_immediate(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_promise_t *p;
  tick_resolver_t *r;
  int rc;
  (void)arg;
  BENCH_CHECK(tick_promise_create_deferred(loop, &p, &r));
  BENCH_CHECK(tick_set_immediate(loop, resolve_now, r, NULL));
  rc = tick_await(co, p);
  tick_promise_release(p);
  ended++;
  return rc;
}

static void group_run(const char *workload, tick_async_fn fn) {
  tick_group_options_t options = {.limit = LIMIT};
  tick_loop_t *loop;
  tick_group_t *g;
  tick_promise_t *settled, *done;
  bench_mark_t mark;
  long i;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_promise_resolve(loop, (void *)1, NULL, &settled));
  bench_begin(&mark);
  BENCH_CHECK(tick_group_create(loop, &options, &g));
  for (i = 0; i < FUNCTIONS; i++) BENCH_CHECK(tick_group_run(g, fn, settled, NULL, NULL));
  BENCH_CHECK(tick_group_promise(g, &done));
  BENCH_CHECK(tick_group_close(g));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, workload, "tick", (double)FUNCTIONS);
  BENCH_EXPECT(ended == FUNCTIONS);
  BENCH_EXPECT(tick_promise_state(done) == TICK_PROMISE_FULFILLED);
  BENCH_EXPECT(tick_group_count(g) == (size_t)FUNCTIONS);
  BENCH_CHECK(tick_group_release(g));
  tick_promise_release(done);
  tick_promise_release(settled);
  BENCH_CHECK(tick_loop_destroy(loop));
}

int main(int argc, char **argv) {
  bench_goal("group: 100k async, limit 100, await settled", "node", 0.3, "wall");
  if (bench_workload_child(argc, argv, "group: 100k async, limit 100, await settled")) {
    group_run("group: 100k async, limit 100, await settled", await_settled);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "group: 100k async, limit 100, await immediate")) {
    group_run("group: 100k async, limit 100, await immediate", await_immediate);
    bench_child_done();
  }
  return 0;
}
