/* test-obs.c - async context (tick/context.h) and traces (tick/trace.h).
 *
 * The context rules themselves are checked against node by the ordering twins 160-179;
 * these tests cover what node has no twin for (fd watchers, wakers, pool jobs, misuse,
 * allocation failure) and the trace file: trace_json_causality runs a known chain of
 * callbacks with tracing on and has tests/trace-check.js (node) parse the file and follow
 * its arrows.
 */
#include "test.h"

#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>

static char store_a[] = "A", store_b[] = "B";

/* ------------------------------------------------------------- context ---- */

static void record_context(tick_loop_t *loop, void *arg) { *(void **)arg = tick_context_get(loop); }

static void *other_thread_get(void *arg) { return tick_context_get(arg); }

static void nested_check(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT(tick_context_get(loop) == store_a);
  /* The context of the main program may be read from another thread: never. */
  {
    pthread_t th;
    void *seen = store_b;
    ASSERT_EQ(pthread_create(&th, NULL, other_thread_get, loop), 0);
    ASSERT_EQ(pthread_join(th, &seen), 0);
    ASSERT(seen == NULL);
  }
}

TEST(context_run_is_synchronous_and_restores) {
  tick_loop_t *loop;
  void *seen = store_b;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT(tick_context_get(loop) == NULL);
  ASSERT_OK(tick_context_run(loop, store_a, record_context, &seen));
  ASSERT(seen == store_a); /* called before tick_context_run returned */
  ASSERT(tick_context_get(loop) == NULL);
  ASSERT_OK(tick_context_run(loop, store_a, nested_check, NULL));
  ASSERT_OK(tick_context_enter(loop, store_b));
  ASSERT(tick_context_get(loop) == store_b);
  ASSERT_OK(tick_context_exit(loop, record_context, &seen));
  ASSERT(seen == NULL);
  ASSERT(tick_context_get(loop) == store_b);
  ASSERT_OK(tick_context_enter(loop, NULL));
  ASSERT_OK(tick_loop_destroy(loop));
}

static void *misuse_thread(void *arg) {
  tick_loop_t *loop = arg;
  intptr_t bad = 0;
  if (tick_context_run(loop, store_a, record_context, &bad) != TICK_EWRONGTHREAD) bad |= 1;
  if (tick_context_enter(loop, store_a) != TICK_EWRONGTHREAD) bad |= 2;
  if (tick_trace_start(loop, "/dev/null") != TICK_EWRONGTHREAD) bad |= 4;
  if (tick_trace_path(loop) != NULL) bad |= 8;
  return (void *)bad;
}

TEST(context_misuse) {
  tick_loop_t *loop;
  void *bad;
  pthread_t th;
  ASSERT_ERR(tick_context_run(NULL, store_a, record_context, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_context_exit(NULL, record_context, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_context_enter(NULL, store_a), TICK_EINVAL);
  ASSERT(tick_context_get(NULL) == NULL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_ERR(tick_context_run(loop, store_a, NULL, NULL), TICK_EINVAL);
  ASSERT_EQ(pthread_create(&th, NULL, misuse_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &bad), 0);
  ASSERT_EQ((intptr_t)bad, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* fd watchers, their close callbacks, wakers and pool jobs: each in the context of the
 * call that set it up. */
typedef struct seen_s {
  void *poll, *close, *waker, *done;
  tick_poll_t watcher;
  tick_waker_t *waker_handle;
  int fds[2];
} seen_t;

static void on_close(tick_loop_t *loop, void *arg) { ((seen_t *)arg)->close = tick_context_get(loop); }

static void close_watcher(tick_loop_t *loop, void *arg) {
  seen_t *s = arg;
  ASSERT_OK(tick_poll_close(loop, s->watcher, on_close, s));
}

static void on_readable(tick_loop_t *loop, tick_poll_t w, int status, unsigned events, void *arg) {
  seen_t *s = arg;
  (void)w;
  (void)status;
  (void)events;
  s->poll = tick_context_get(loop);
  ASSERT_OK(tick_context_run(loop, store_b, close_watcher, s));
}

static void start_watcher(tick_loop_t *loop, void *arg) {
  seen_t *s = arg;
  ASSERT_OK(tick_poll_start(loop, s->watcher, TICK_READABLE, on_readable, s));
}

static void on_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  seen_t *s = arg;
  s->waker = tick_context_get(loop);
  ASSERT_OK(tick_waker_close(loop, w));
}

static void make_waker(tick_loop_t *loop, void *arg) {
  seen_t *s = arg;
  ASSERT_OK(tick_waker_create(loop, on_wake, s, &s->waker_handle));
}

static void job(void *arg) { (void)arg; }

static void job_done(tick_loop_t *loop, int status, void *arg) {
  ASSERT_OK(status);
  ((seen_t *)arg)->done = tick_context_get(loop);
}

static void queue_job(tick_loop_t *loop, void *arg) {
  ASSERT_OK(tick_work_queue(loop, NULL, job, job_done, arg, NULL));
}

TEST(context_watchers_wakers_and_jobs) {
  tick_loop_t *loop;
  seen_t s;
  memset(&s, 0, sizeof(s));
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s.fds), 0);
  ASSERT_OK(tick_poll_create(loop, s.fds[0], &s.watcher));
  ASSERT_OK(tick_context_run(loop, store_a, start_watcher, &s));
  ASSERT_EQ(write(s.fds[1], "x", 1), 1);
  ASSERT_OK(tick_context_run(loop, store_a, make_waker, &s));
  ASSERT_OK(tick_waker_wake(s.waker_handle));
  ASSERT_OK(tick_context_run(loop, store_b, queue_job, &s));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT(s.poll == store_a);
  ASSERT(s.close == store_b);
  ASSERT(s.waker == store_a);
  ASSERT(s.done == store_b);
  ASSERT(tick_context_get(loop) == NULL);
  close(s.fds[0]);
  close(s.fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A callback that changes the context with enter does not leak it to the next one. */
static void enter_b(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_context_enter(loop, store_b));
}

static void expect_a(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT(tick_context_get(loop) == store_a);
}

static void schedule_pair(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_set_immediate(loop, enter_b, NULL, NULL));
  ASSERT_OK(tick_set_immediate(loop, expect_a, NULL, NULL));
  ASSERT_OK(tick_next_tick(loop, enter_b, NULL));
  ASSERT_OK(tick_next_tick(loop, expect_a, NULL));
}

TEST(context_enter_ends_with_its_callback) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_context_run(loop, store_a, schedule_pair, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT(tick_context_get(loop) == NULL);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ---------------------------------------------------------------- trace ---- */

static void trace_path(char *buf, size_t size, const char *what) {
  snprintf(buf, size, "/tmp/tick-trace-%d-%s.json", (int)getpid(), what);
}

static void noop_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
}

TEST(trace_misuse) {
  tick_loop_t *loop;
  char path[128];
  trace_path(path, sizeof(path), "misuse");
  ASSERT_ERR(tick_trace_start(NULL, path), TICK_EINVAL);
  ASSERT_ERR(tick_trace_flush(NULL), TICK_EINVAL);
  ASSERT_ERR(tick_trace_stop(NULL), TICK_EINVAL);
  ASSERT(tick_trace_path(NULL) == NULL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT(tick_trace_path(loop) == NULL);
  ASSERT_ERR(tick_trace_start(loop, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_trace_start(loop, ""), TICK_EINVAL);
  ASSERT_ERR(tick_trace_flush(loop), TICK_EINVAL);
  ASSERT_ERR(tick_trace_stop(loop), TICK_EINVAL);
  ASSERT_ERR(tick_trace_start(loop, "/nonexistent-dir/x.json"), TICK_ENOENT);
  ASSERT_OK(tick_trace_start(loop, path));
  ASSERT_ERR(tick_trace_start(loop, path), TICK_EBUSY);
  ASSERT(tick_trace_path(loop) != NULL && strcmp(tick_trace_path(loop), path) == 0);
  ASSERT_OK(tick_next_tick(loop, noop_task, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_trace_flush(loop));
  ASSERT_OK(tick_trace_stop(loop));
  ASSERT_ERR(tick_trace_stop(loop), TICK_EINVAL);
  ASSERT(strcmp(tick_trace_path(loop), path) == 0);
  /* Tracing again on the same loop starts a new file. */
  ASSERT_OK(tick_trace_start(loop, path));
  ASSERT_OK(tick_loop_destroy(loop)); /* ends the file */
  unlink(path);
}

/* A trace started inside a callback, and stopped inside another, leaves a valid file. */
static void start_inside(tick_loop_t *loop, void *arg) {
  ASSERT_OK(tick_trace_start(loop, arg));
  ASSERT_OK(tick_next_tick(loop, noop_task, NULL));
}

static void stop_inside(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_next_tick(loop, noop_task, NULL));
  ASSERT_OK(tick_trace_stop(loop));
}

TEST(trace_start_and_stop_inside_callbacks) {
  tick_loop_t *loop;
  char path[128], cmd[256];
  trace_path(path, sizeof(path), "inside");
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_set_immediate(loop, start_inside, path, NULL));
  ASSERT_OK(tick_set_immediate(loop, stop_inside, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  snprintf(cmd, sizeof(cmd), "node -e 'JSON.parse(require(\"fs\").readFileSync(\"%s\"))'",
           path);
  if (system("command -v node >/dev/null 2>&1") == 0) ASSERT_EQ(system(cmd), 0);
  unlink(path);
}

/* Many events: the buffer is written out several times while the loop runs, and no
 * event is lost. */
static void count_down_tick(tick_loop_t *loop, void *arg) {
  int *left = arg;
  if (--*left > 0) ASSERT_OK(tick_next_tick(loop, count_down_tick, left));
}

TEST(trace_buffer_fills_and_flushes) {
  tick_loop_t *loop;
  char path[128], cmd[512];
  int left = 50000;
  trace_path(path, sizeof(path), "many");
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_trace_start(loop, path));
  ASSERT_OK(tick_set_immediate(loop, count_down_tick, &left, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_trace_stop(loop));
  ASSERT_OK(tick_loop_destroy(loop));
  snprintf(cmd, sizeof(cmd),
           "node -e 'const t=JSON.parse(require(\"fs\").readFileSync(\"%s\"));"
           "const n=t.traceEvents.filter(e=>e.ph===\"X\"&&e.cat===\"tick\").length;"
           "const f=t.traceEvents.filter(e=>e.ph===\"f\").length;"
           "if(n!==49999||f<49999){console.error(n,f);process.exit(1)}'",
           path);
  if (system("command -v node >/dev/null 2>&1") == 0) ASSERT_EQ(system(cmd), 0);
  unlink(path);
}

static int trace_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  const char *path = arg;
  int r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  r = tick_trace_start(loop, path);
  if (r == 0) r = tick_next_tick(loop, noop_task, NULL);
  if (r == 0) r = tick_set_immediate(loop, noop_task, NULL, NULL);
  if (tick_loop_run(loop, TICK_RUN_DEFAULT) < 0) r = TICK_EINVAL;
  if (tick_loop_destroy(loop) != 0) r = TICK_EINVAL;
  return r;
}

TEST_TIMEOUT(trace_alloc_failure_each_site, 120) {
  char path[128];
  size_t sites;
  trace_path(path, sizeof(path), "alloc");
  test_alloc_install();
  sites = test_alloc_each_failure(trace_alloc_scenario, path);
  ASSERT_GE(sites, 2);
  unlink(path);
}

/* The known program: a chain of causes through every kind that carries a capture,
 *   immediate -> timer -> next-tick -> microtask -> pool job (work, done)
 *     -> promise reaction -> async function continuation -> close callback,
 * then tests/trace-check.js follows the arrows from the first slice and checks that they
 * lead through these kinds in this order, each slice on the loop's track, the work on a
 * pool thread's track. */
static tick_poll_t chain_watcher;
static int chain_fds[2];

static void chain_close(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
}

static int chain_async(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  (void)arg;
  ASSERT_OK(tick_promise_resolve(tick_async_loop(co), NULL, NULL, &p));
  tick_await(co, p);
  tick_promise_release(p);
  ASSERT_OK(tick_poll_close(tick_async_loop(co), chain_watcher, chain_close, NULL));
  return 0;
}

static int chain_reaction(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                          void *arg) {
  (void)s;
  (void)next;
  (void)arg;
  ASSERT_OK(tick_async_run(loop, chain_async, NULL, NULL, NULL));
  return 0;
}

static void chain_work(void *arg) { (void)arg; }

static void chain_done(tick_loop_t *loop, int status, void *arg) {
  tick_promise_t *p;
  (void)arg;
  ASSERT_OK(status);
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_then(p, chain_reaction, NULL, NULL, NULL, NULL));
  tick_promise_release(p);
}

static void chain_micro(tick_loop_t *loop, void *arg) {
  ASSERT_OK(tick_work_queue(loop, NULL, chain_work, chain_done, arg, NULL));
}

static void chain_tick(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_queue_microtask(loop, chain_micro, NULL));
}

static void chain_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  ASSERT_OK(tick_next_tick(loop, chain_tick, NULL));
}

static void chain_start(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_set_timeout(loop, 1, chain_timer, NULL, NULL));
}

TEST(trace_json_causality) {
  tick_loop_t *loop;
  char path[128], cmd[512];
  if (system("command -v node >/dev/null 2>&1") != 0) {
    printf("node is not installed: the trace is not checked\n");
    return;
  }
  trace_path(path, sizeof(path), "chain");
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_trace_start(loop, path));
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, chain_fds), 0);
  ASSERT_OK(tick_poll_create(loop, chain_fds[0], &chain_watcher));
  ASSERT_OK(tick_set_immediate(loop, chain_start, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  close(chain_fds[0]);
  close(chain_fds[1]);
  snprintf(cmd, sizeof(cmd),
           "node tests/trace-check.js %s immediate timer tick microtask pool reaction await "
           "close",
           path);
  ASSERT_EQ(system(cmd), 0);
  unlink(path);
}
