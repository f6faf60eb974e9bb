/* async.c - tick's async functions against node's (async.js) and against tick's own
 * alternatives in the same run.
 *
 * Workloads (each in its own process):
 * - "switch: 10M suspend+resume": a context switches to a coroutine and back, 10M times;
 *   one operation is the pair (suspend + resume). Impls: "tick" (the hand-written switch
 *   async functions use) and "swapcontext" (the ucontext backend, the same code path with
 *   swapcontext, 1M pairs: each makes two rt_sigprocmask calls). No node row: node has no
 *   stackful switch.
 * - "await: 10M settled in one function": one async function awaits an already fulfilled
 *   promise 10M times (each await is a reaction, a microtask, two switches). Impls: "tick",
 *   "then link" (the same loop without a coroutine: a reaction on a settled promise whose
 *   handler registers the next one, 10M times) and node's `await p`. Nothing else is
 *   queued, so each continuation is the next job of the drain, and tick's function goes on
 *   without switching (docs/design/async.md).
 * - "await: 10M settled, two functions taking turns": two async functions each awaiting a
 *   settled promise 5M times; their continuations alternate in the microtask queue, so
 *   every await suspends and is resumed (two switches). Impls: "tick", node.
 * - "async x timer: N concurrent": N async functions each awaiting a 1 ms timer's promise,
 *   then returning; counted from the first start to the last end (create + finish), per
 *   function, N = 100000 for both. Each suspended tick function holds a guarded stack
 *   carved from a chunk of stacks (one mapping per chunk where the kernel has guard
 *   regions, so vm.max_map_count does not bound N). Also
 *   printed (INFO lines): resident memory per suspended function, for tick and for node.
 * Goals: a switch pair <= 0.2x swapcontext's; await <= 2x a then link and <= 0.15x node;
 * async x timer <= 0.3x node.
 */
#include <tick.h>

#include "../src/async/coro.h"
#include "bench.h"

static long sink;

/* ------------------------------------------------------------------ switch ---- */

#define SWITCHES 10000000L
#define UC_SWITCHES 1000000L

typedef struct pingpong_s {
  tick__ctx_t main, co;
  long count;
} pingpong_t;

static void pingpong_entry(void *arg) {
  pingpong_t *pp = arg;
  for (;;) {
    pp->count++;
    tick__ctx_switch(&pp->co, &pp->main);
  }
}

static void switch_run(int backend, const char *impl, long switches) {
  static pingpong_t pp;
  tick__stack_t stack;
  ucontext_t main_uc;
  bench_mark_t mark;
  long i;
  memset(&pp, 0, sizeof(pp));
  BENCH_CHECK(tick__stack_map(&stack, 64 * 1024));
  BENCH_CHECK(tick__ctx_make(&pp.co, backend, &stack, pingpong_entry, &pp));
  tick__ctx_main(&pp.main, backend, &main_uc);
  tick__ctx_switch(&pp.main, &pp.co); /* started */
  bench_begin(&mark);
  for (i = 0; i < switches; i++) tick__ctx_switch(&pp.main, &pp.co);
  bench_report(&mark, "switch: 10M suspend+resume", impl, (double)switches);
  BENCH_EXPECT(pp.count == switches + 1);
  /* The coroutine stays suspended; the process ends here. */
}

/* ------------------------------------------------------------------- await ---- */

#define AWAITS 10000000L

static int await_loop(tick_async_t *co, void *arg) {
  tick_promise_t *p = arg;
  long i;
  for (i = 0; i < AWAITS; i++) {
    if (tick_await(co, p) != 0) return TICK_EIO;
    sink += (long)(intptr_t)tick_async_value(co);
  }
  return 0;
}

static void await_run(void) {
  tick_loop_t *loop;
  tick_promise_t *p, *done;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_promise_resolve(loop, (void *)1, NULL, &p));
  bench_begin(&mark);
  BENCH_CHECK(tick_async_run(loop, await_loop, p, NULL, &done));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, "await: 10M settled in one function", "tick", (double)AWAITS);
  BENCH_EXPECT(tick_promise_state(done) == TICK_PROMISE_FULFILLED && sink == AWAITS);
  tick_promise_release(done);
  tick_promise_release(p);
  BENCH_CHECK(tick_loop_destroy(loop));
}

static int await_half(tick_async_t *co, void *arg) {
  tick_promise_t *p = arg;
  long i;
  for (i = 0; i < AWAITS / 2; i++) {
    if (tick_await(co, p) != 0) return TICK_EIO;
    sink += (long)(intptr_t)tick_async_value(co);
  }
  return 0;
}

static void turns_run(void) {
  tick_loop_t *loop;
  tick_promise_t *p;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_promise_resolve(loop, (void *)1, NULL, &p));
  bench_begin(&mark);
  BENCH_CHECK(tick_async_run(loop, await_half, p, NULL, NULL));
  BENCH_CHECK(tick_async_run(loop, await_half, p, NULL, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, "await: 10M settled, two functions taking turns", "tick", (double)AWAITS);
  BENCH_EXPECT(sink == AWAITS);
  tick_promise_release(p);
  BENCH_CHECK(tick_loop_destroy(loop));
}

static long links_left;

static int then_step(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  (void)loop;
  (void)next;
  sink += (long)(intptr_t)tick_promise_value(settled);
  if (--links_left > 0) BENCH_CHECK(tick_promise_then(settled, then_step, NULL, arg, NULL, NULL));
  return 0;
}

static void then_run(void) {
  tick_loop_t *loop;
  tick_promise_t *p;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_promise_resolve(loop, (void *)1, NULL, &p));
  links_left = AWAITS;
  bench_begin(&mark);
  BENCH_CHECK(tick_promise_then(p, then_step, NULL, NULL, NULL, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, "await: 10M settled in one function", "then link", (double)AWAITS);
  BENCH_EXPECT(sink == AWAITS);
  tick_promise_release(p);
  BENCH_CHECK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ async x timer ---- */

#define TIMER_FUNCTIONS 100000L

static long ended;

static void resolve_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  tick_resolver_resolve(arg, NULL, NULL);
  tick_resolver_release(arg);
}

static int sleeper(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_promise_t *p;
  tick_resolver_t *r;
  int rc;
  (void)arg;
  BENCH_CHECK(tick_promise_create_deferred(loop, &p, &r));
  BENCH_CHECK(tick_set_timeout(loop, 1, resolve_timer, r, NULL));
  rc = tick_await(co, p);
  tick_promise_release(p);
  ended++;
  return rc;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
  fclose(f);
  return (long)(resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

static void timers_run(void) {
  tick_loop_t *loop;
  bench_mark_t mark;
  long i, before, during;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  before = rss_kib();
  bench_begin(&mark);
  for (i = 0; i < TIMER_FUNCTIONS; i++) BENCH_CHECK(tick_async_run(loop, sleeper, NULL, NULL, NULL));
  during = rss_kib();
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, "async x timer: N concurrent", "tick", (double)TIMER_FUNCTIONS);
  BENCH_EXPECT(ended == TIMER_FUNCTIONS);
  printf("INFO\tresident memory per suspended async function: tick %.2f KiB\n",
         (double)(during - before) / (double)TIMER_FUNCTIONS);
  BENCH_CHECK(tick_loop_destroy(loop));
}

int main(int argc, char **argv) {
  bench_goal("switch: 10M suspend+resume", "swapcontext", 0.2, "wall");
  bench_goal("await: 10M settled in one function", "then link", 2.0, "wall");
  bench_goal("await: 10M settled in one function", "node", 0.15, "wall");
  bench_goal("async x timer: N concurrent", "node", 0.3, "wall");
  if (bench_workload_child(argc, argv, "switch: 10M suspend+resume")) {
    switch_run(TICK__CORO_ASM, "tick", SWITCHES);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "switch: 10M suspend+resume")) {
    switch_run(TICK__CORO_UCONTEXT, "swapcontext", UC_SWITCHES);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "await: 10M settled in one function")) {
    await_run();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "await: 10M settled in one function")) {
    then_run();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "await: 10M settled, two functions taking turns")) {
    turns_run();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "async x timer: N concurrent")) {
    timers_run();
    bench_child_done();
  }
  return 0;
}
