/* test-thread.c - crossing threads: tick_post from any thread (exactly once, per-thread
 * FIFO, refusal after close begins), wakers, and the thread pool (completions on the loop
 * thread, cancellation racing with start, destroy with queued work), with stress runs
 * under load and allocation failure at each site. Orders that node can also produce are
 * in tests/ordering/6NN-*. */
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

/* Stress sizes: the full counts natively, a tenth under valgrind and the
 * sanitizers, which slow threads down ten to fifty times. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif

static int slow_build(void) {
  return TEST_SANITIZED || getenv("TICK_TEST_VALGRIND") != NULL;
}

static char logbuf[4096];

static void logs(const char *s) {
  if (logbuf[0]) strcat(logbuf, " ");
  strcat(logbuf, s);
}

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  logs(arg);
}

static void log_imm(tick_loop_t *loop, void *arg) {
  (void)loop;
  logs(arg);
}

static tick_loop_t *new_loop(unsigned flags) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, flags));
  logbuf[0] = 0;
  return loop;
}

/* ------------------------------------------------------------------ posting ---- */

static void post_is_macrotask(tick_loop_t *loop, void *arg) {
  logs(arg);
  ASSERT_OK(tick_set_immediate(loop, log_imm, "imm-from-post", NULL));
  ASSERT_OK(tick_queue_microtask(loop, log_task, "micro-from-post"));
  ASSERT_OK(tick_next_tick(loop, log_task, "tick-from-post"));
}

TEST(thread_post_from_loop_thread_is_a_macrotask) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_post(loop, post_is_macrotask, "p1"));
  ASSERT_OK(tick_post(loop, log_task, "p2"));
  /* Never called back from the registering call. */
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  /* Each post is its own macrotask: its ticks and microtasks drain before the next post,
   * and posts (poll phase) run before the immediates they queue (check phase). */
  ASSERT_STR_EQ(logbuf, "p1 tick-from-post micro-from-post p2 imm-from-post");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_post_bad_input_and_close) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_ERR(tick_post(NULL, log_task, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_post(loop, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_post_close(NULL), TICK_EINVAL);
  ASSERT_OK(tick_post(loop, log_task, "before"));
  ASSERT_OK(tick_post_close(loop));
  ASSERT_OK(tick_post_close(loop)); /* idempotent */
  ASSERT_ERR(tick_post(loop, log_task, "after"), TICK_ECLOSING);
  /* Accepted before the close: still runs. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "before");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_destroy_with_pending_posts_is_busy) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_post(loop, log_task, "p"));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  /* Destroy began closing: new posts are refused, the accepted one still runs. */
  ASSERT_ERR(tick_post(loop, log_task, "late"), TICK_ECLOSING);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "p");
  ASSERT_OK(tick_loop_destroy(loop));
}

static void *close_from_other_thread(void *arg) {
  return (void *)(intptr_t)tick_post_close(arg);
}

TEST(thread_post_close_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  void *ret;
  ASSERT_EQ(pthread_create(&th, NULL, close_from_other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((intptr_t)ret, TICK_EWRONGTHREAD);
  ASSERT_OK(tick_post(loop, log_task, "still-open"));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "still-open");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Stress: THREADS producers post COUNT numbered posts each while the loop runs an interval
 * timer and immediates. Every post must run exactly once, each producer's in order. */
#define STRESS_THREADS 8

typedef struct stress_s {
  tick_loop_t *loop;
  size_t per_thread;
  atomic_int producers_done;
  size_t delivered;
  size_t next_seq[STRESS_THREADS];
  size_t order_errors;
  size_t timer_ticks, immediates;
  atomic_size_t refused;
  tick_timer_t timer;
} stress_t;

typedef struct producer_s {
  stress_t *s;
  unsigned index;
} producer_t;

static stress_t *the_stress; /* the test's own state; each test is its own process */

static void stress_post_count(tick_loop_t *loop, void *arg) {
  stress_t *s = the_stress;
  uintptr_t v = (uintptr_t)arg;
  unsigned th = (unsigned)(v >> 40);
  size_t seq = (size_t)(v & ((UINT64_C(1) << 40) - 1));
  (void)loop;
  if (s->next_seq[th] != seq) s->order_errors++;
  s->next_seq[th] = seq + 1;
  s->delivered++;
}

static void *producer_main(void *arg) {
  producer_t *p = arg;
  size_t i;
  for (i = 0; i < p->s->per_thread; i++) {
    uintptr_t v = ((uintptr_t)p->index << 40) | i;
    int r = tick_post(p->s->loop, stress_post_count, (void *)v);
    if (r != 0) {
      atomic_fetch_add(&p->s->refused, 1);
      break;
    }
    /* Every so often let the loop catch up and fall asleep, so the wake path (eventfd
     * write after a sleep) is exercised, not only the awake path. */
    if ((i & 0xffff) == 0xffff) usleep(200);
  }
  atomic_fetch_add(&p->s->producers_done, 1);
  return NULL;
}

static void stress_imm(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  the_stress->immediates++;
}

static void stress_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  stress_t *s = arg;
  (void)t;
  s->timer_ticks++;
  ASSERT_OK(tick_set_immediate(loop, stress_imm, NULL, NULL));
  ASSERT_OK(tick_set_immediate(loop, stress_imm, NULL, NULL));
  if (atomic_load(&s->producers_done) == STRESS_THREADS &&
      s->delivered == STRESS_THREADS * s->per_thread)
    ASSERT_OK(tick_clear_timer(loop, s->timer));
}

TEST_TIMEOUT(thread_post_stress_8_threads, 120) {
  static stress_t s;
  producer_t prod[STRESS_THREADS];
  pthread_t th[STRESS_THREADS];
  unsigned i;
  the_stress = &s;
  s.loop = new_loop(0);
  s.per_thread = slow_build() ? 100000 : 1000000;
  ASSERT_OK(tick_set_interval(s.loop, 1, stress_timer, &s, &s.timer));
  for (i = 0; i < STRESS_THREADS; i++) {
    prod[i].s = &s;
    prod[i].index = i;
    ASSERT_EQ(pthread_create(&th[i], NULL, producer_main, &prod[i]), 0);
  }
  ASSERT_EQ(tick_loop_run(s.loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < STRESS_THREADS; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_UEQ(atomic_load(&s.refused), 0);
  ASSERT_UEQ(s.delivered, STRESS_THREADS * s.per_thread);
  ASSERT_UEQ(s.order_errors, 0);
  for (i = 0; i < STRESS_THREADS; i++) ASSERT_UEQ(s.next_seq[i], s.per_thread);
  ASSERT_GT(s.timer_ticks, 0);
  ASSERT_UEQ(s.immediates, 2 * s.timer_ticks);
  ASSERT_OK(tick_loop_destroy(s.loop));
}

/* Close racing with posts: producers post until refused; the loop closes to posts after
 * a while; whatever was accepted runs exactly once, and nothing refused runs. */
typedef struct race_s {
  tick_loop_t *loop;
  atomic_size_t accepted;
  size_t delivered;
  atomic_int stop;
} race_t;

static race_t *the_race;

static void race_post(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  the_race->delivered++;
}

static void *race_producer(void *arg) {
  race_t *r = arg;
  while (!atomic_load(&r->stop)) {
    int e = tick_post(r->loop, race_post, NULL);
    if (e == TICK_ECLOSING) break;
    if (e != 0) test_fail(__FILE__, __LINE__, "tick_post: %s", tick_err_name(e));
    atomic_fetch_add(&r->accepted, 1);
  }
  return NULL;
}

static void race_close(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  ASSERT_OK(tick_post_close(loop));
}

TEST(thread_post_close_races_with_posts) {
  static race_t r;
  pthread_t th[4];
  unsigned i;
  the_race = &r;
  r.loop = new_loop(0);
  ASSERT_OK(tick_set_timeout(r.loop, 20, race_close, NULL, NULL));
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_create(&th[i], NULL, race_producer, &r), 0);
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  /* Producers only stop when refused; join them, then deliver what is left. */
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_GT(atomic_load(&r.accepted), 0);
  ASSERT_UEQ(r.delivered, atomic_load(&r.accepted));
  ASSERT_OK(tick_loop_destroy(r.loop));
}

/* Destroy racing with posts: destroy itself refuses posts. An open waker guarantees that
 * this first destroy returns TICK_EBUSY (a destroy that freed the loop while producers
 * still post would be the program's bug, not tick's); the producers are joined before
 * the destroy that frees it. */
static void ignore_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (void)loop;
  (void)w;
  (void)arg;
}

TEST(thread_destroy_races_with_posts) {
  static race_t r;
  pthread_t th[4];
  tick_waker_t *w;
  unsigned i;
  the_race = &r;
  r.loop = new_loop(0);
  ASSERT_OK(tick_waker_create(r.loop, ignore_wake, NULL, &w));
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_create(&th[i], NULL, race_producer, &r), 0);
  while (atomic_load(&r.accepted) < 1000) ASSERT_GE(tick_loop_run(r.loop, TICK_RUN_NOWAIT), 0);
  ASSERT_ERR(tick_loop_destroy(r.loop), TICK_EBUSY);
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_ERR(tick_post(r.loop, race_post, NULL), TICK_ECLOSING);
  ASSERT_ERR(tick_waker_wake(w), TICK_ECLOSING);
  ASSERT_OK(tick_waker_close(r.loop, w));
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(r.delivered, atomic_load(&r.accepted));
  ASSERT_OK(tick_loop_destroy(r.loop));
}

/* ------------------------------------------------------------------- wakers ---- */

typedef struct wake_s {
  size_t calls;
  atomic_int thread_done;
  tick_waker_t *waker;
} wake_t;

static void wake_cb(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  wake_t *s = arg;
  s->calls++;
  if (atomic_load(&s->thread_done)) ASSERT_OK(tick_waker_close(loop, w));
}

static void *waking_thread(void *arg) {
  wake_t *s = arg;
  int i;
  for (i = 0; i < 1000; i++) {
    ASSERT_OK(tick_waker_wake(s->waker));
    if (i % 100 == 0) usleep(1000);
  }
  atomic_store(&s->thread_done, 1);
  ASSERT_OK(tick_waker_wake(s->waker));
  return NULL;
}

TEST(thread_waker_coalesces_and_keeps_alive) {
  tick_loop_t *loop = new_loop(0);
  static wake_t s;
  pthread_t th;
  ASSERT_ERR(tick_waker_create(loop, NULL, NULL, &s.waker), TICK_EINVAL);
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &s.waker));
  ASSERT_ERR(tick_waker_wake(NULL), TICK_EINVAL);
  /* An open waker keeps the loop alive and makes destroy busy. */
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_waker_wake(s.waker));
  ASSERT_OK(tick_waker_wake(s.waker));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 1);
  ASSERT_UEQ(s.calls, 1); /* two wakes, one call */
  ASSERT_EQ(pthread_create(&th, NULL, waking_thread, &s), 0);
  /* Runs until the callback closes the waker after the thread's last wake. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_GE(s.calls, 2);
  ASSERT_LE(s.calls, 1002);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_waker_close_with_wake_in_flight) {
  tick_loop_t *loop = new_loop(0);
  tick_waker_t *w;
  static wake_t s;
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &w));
  ASSERT_OK(tick_waker_wake(w));
  ASSERT_OK(tick_waker_close(loop, w)); /* the pending wake frees it, without a call */
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(s.calls, 0);
  ASSERT_OK(tick_waker_close(loop, NULL));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------- allocation failure ---- */

static void quiet(tick_loop_t *loop, void *arg) {
  (void)loop;
  (*(size_t *)arg)++;
}

static void quiet_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (*(size_t *)arg)++;
  ASSERT_OK(tick_waker_close(loop, w));
}

static int post_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_waker_t *w = NULL;
  size_t accepted = 0, ran = 0, woke = 0;
  int r, i;
  (void)arg;
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  /* Enough posts to make the queue grow past one block. */
  for (i = 0; i < 5000; i++) {
    r = tick_post(loop, quiet, &ran);
    if (r != 0) break;
    accepted++;
  }
  if (r == 0) {
    r = tick_waker_create(loop, quiet_wake, &woke, &w);
    if (r == 0) ASSERT_OK(tick_waker_wake(w));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(ran, accepted);
  ASSERT_UEQ(woke, w != NULL ? 1 : 0);
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST(thread_post_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(post_alloc_scenario, NULL);
  ASSERT_GE(sites, 4); /* loop, inbox, queue blocks, waker */
}
