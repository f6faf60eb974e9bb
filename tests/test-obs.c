/* test-obs.c - async context (tick/context.h) and traces (tick/trace.h).
 *
 * The context rules themselves are checked against node by the ordering twins 160-179;
 * these tests cover what node has no twin for (fd watchers, wakers, pool jobs, misuse).
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
