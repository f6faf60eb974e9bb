/* test-loop.c - the event loop: drain order, timers, immediates, watchers, lifetime,
 * manual clock, stale ids, wrong thread, allocation failure. Orders that node can also
 * produce are tested against node itself in tests/ordering/; these tests cover what only
 * C can check (ids, errors, memory, threads, the manual clock). */
#include "test.h"
#include "core/idtab.h"

#include <pthread.h>
#include <unistd.h>

static void log_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  logs(arg);
}

static tick_loop_t *new_loop(unsigned flags) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, flags));
  logbuf[0] = 0;
  return loop;
}

static void tick_queues_micro(tick_loop_t *loop, void *arg) {
  logs(arg);
  ASSERT_OK(tick_queue_microtask(loop, log_task, "m-from-tick"));
}

static void micro_queues_tick(tick_loop_t *loop, void *arg) {
  logs(arg);
  ASSERT_OK(tick_next_tick(loop, log_task, "t-from-micro"));
}

TEST(loop_drain_order) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_queue_microtask(loop, micro_queues_tick, "m1"));
  ASSERT_OK(tick_next_tick(loop, tick_queues_micro, "t1"));
  ASSERT_OK(tick_queue_microtask(loop, log_task, "m2"));
  ASSERT_OK(tick_next_tick(loop, log_task, "t2"));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  /* Nothing runs before run(): asynchronous callbacks never run synchronously. */
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "t1 t2 m1 m2 m-from-tick t-from-micro");
  ASSERT_OK(tick_loop_destroy(loop));
}

static void imm_a(tick_loop_t *loop, void *arg) {
  (void)arg;
  logs("A");
  ASSERT_OK(tick_next_tick(loop, log_task, "A.tick"));
  ASSERT_OK(tick_set_immediate(loop, log_task, "A.imm", NULL));
}

TEST(loop_immediates_snapshot_and_drain) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_set_immediate(loop, imm_a, NULL, NULL));
  ASSERT_OK(tick_set_immediate(loop, log_task, "B", NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_ONCE));
  ASSERT_STR_EQ(logbuf, "A A.tick B");
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "A A.tick B A.imm");
  ASSERT_OK(tick_loop_destroy(loop));
}

static tick_immediate_t victim;
static void imm_clears(tick_loop_t *loop, void *arg) {
  (void)arg;
  logs("C");
  ASSERT_OK(tick_clear_immediate(loop, victim));
  ASSERT_OK(tick_clear_immediate(loop, victim)); /* twice: still a no-op */
}

TEST(loop_clear_immediate_in_batch) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_set_immediate(loop, imm_clears, NULL, NULL));
  ASSERT_OK(tick_set_immediate(loop, log_task, "victim", &victim));
  ASSERT_OK(tick_set_immediate(loop, log_task, "D", NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "C D");
  ASSERT_ERR(tick_immediate_unref(loop, victim), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_manual_clock_timers) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  ASSERT_EQ(tick_loop_now(loop), 0);
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "t10", NULL));
  ASSERT_OK(tick_set_timeout(loop, 5, log_timer, "t5", NULL));
  ASSERT_OK(tick_set_timeout(loop, 0, log_timer, "t0", NULL)); /* clamps to 1 */
  ASSERT_OK(tick_set_timeout(loop, 5, log_timer, "t5b", NULL));
  /* With a manual clock, run() returns when only timers are left. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 1);
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_OK(tick_loop_advance(loop, 4));
  ASSERT_STR_EQ(logbuf, "t0");
  ASSERT_EQ(tick_loop_now(loop), 4);
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_STR_EQ(logbuf, "t0 t5 t5b");
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_STR_EQ(logbuf, "t0 t5 t5b t10");
  ASSERT_EQ(tick_loop_now(loop), 105);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static int interval_count;
static void interval_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  char buf[32];
  (void)arg;
  snprintf(buf, sizeof(buf), "i%d@%d", ++interval_count, (int)tick_loop_now(loop));
  logs(buf);
  if (interval_count == 3) ASSERT_OK(tick_clear_timer(loop, t));
}

TEST(loop_interval_manual_clock) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t;
  interval_count = 0;
  ASSERT_OK(tick_set_interval(loop, 10, interval_cb, NULL, &t));
  ASSERT_OK(tick_loop_advance(loop, 1000));
  ASSERT_STR_EQ(logbuf, "i1@10 i2@20 i3@30");
  ASSERT_ERR(tick_timer_refresh(loop, t), TICK_ESTALE);
  ASSERT_OK(tick_clear_timer(loop, t));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_timer_ids_and_stale) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t, null_timer = {0}, bogus = {0xdeadbeef00001234ull};
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "x", &t));
  ASSERT_NE(t.id, 0);
  ASSERT_EQ(tick_timer_has_ref(loop, t), 1);
  ASSERT_OK(tick_timer_unref(loop, t));
  ASSERT_EQ(tick_timer_has_ref(loop, t), 0);
  ASSERT_EQ(tick_loop_alive(loop), 0); /* an unref'd timer does not keep it alive */
  ASSERT_OK(tick_timer_ref(loop, t));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_clear_timer(loop, t));
  ASSERT_OK(tick_clear_timer(loop, t));          /* stale: no-op */
  ASSERT_OK(tick_clear_timer(loop, null_timer)); /* null: no-op */
  ASSERT_OK(tick_clear_timer(loop, bogus));      /* never valid: no-op */
  ASSERT_ERR(tick_timer_unref(loop, t), TICK_ESTALE);
  ASSERT_ERR(tick_timer_ref(loop, bogus), TICK_ESTALE);
  ASSERT_ERR(tick_timer_has_ref(loop, t), TICK_ESTALE);
  ASSERT_ERR(tick_timer_refresh(loop, null_timer), TICK_ESTALE);
  /* A new timer reusing the slot gets a new generation: the old id stays stale. */
  {
    tick_timer_t u;
    ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "y", &u));
    ASSERT_NE(u.id, t.id);
    ASSERT_OK(tick_clear_timer(loop, t));
    ASSERT_EQ(tick_timer_has_ref(loop, u), 1);
    ASSERT_OK(tick_clear_timer(loop, u));
  }
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_refresh_restarts_countdown) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t;
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "r", &t));
  ASSERT_OK(tick_loop_advance(loop, 8));
  ASSERT_OK(tick_timer_refresh(loop, t));
  ASSERT_OK(tick_loop_advance(loop, 8));
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_OK(tick_loop_advance(loop, 2));
  ASSERT_STR_EQ(logbuf, "r");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_bad_input) {
  tick_loop_t *loop = new_loop(0);
  tick_immediate_t null_imm = {0};
  ASSERT_ERR(tick_loop_create(NULL, 0), TICK_EINVAL);
  ASSERT_ERR(tick_loop_create(&loop, 1u << 9), TICK_EINVAL);
  ASSERT_ERR(tick_loop_run(NULL, TICK_RUN_DEFAULT), TICK_EINVAL);
  ASSERT_ERR(tick_loop_run(loop, (tick_run_mode_t)42), TICK_EINVAL);
  ASSERT_ERR(tick_set_timeout(NULL, 1, log_timer, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_set_timeout(loop, 1, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_set_immediate(loop, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_next_tick(loop, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_queue_microtask(NULL, log_task, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_loop_advance(loop, 5), TICK_EINVAL); /* not a manual clock */
  ASSERT_OK(tick_clear_immediate(loop, null_imm));
  ASSERT_ERR(tick_immediate_ref(loop, null_imm), TICK_ESTALE);
  ASSERT_ERR(tick_poll_create(loop, -1, NULL), TICK_EINVAL);
  ASSERT_OK(tick_loop_destroy(NULL));
  ASSERT_OK(tick_loop_destroy(loop));
}

static void try_nested(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_ERR(tick_loop_run(loop, TICK_RUN_DEFAULT), TICK_EBUSY);
  ASSERT_ERR(tick_loop_drain(loop), TICK_EBUSY);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  logs("nested-refused");
}

TEST(loop_no_reentry) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_set_immediate(loop, try_nested, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "nested-refused");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_destroy_busy_until_cleared) {
  tick_loop_t *loop = new_loop(0);
  tick_timer_t t;
  tick_immediate_t i;
  ASSERT_OK(tick_set_timeout(loop, 1000, log_timer, "never", &t));
  ASSERT_OK(tick_timer_unref(loop, t));
  ASSERT_OK(tick_set_immediate(loop, log_task, "imm", &i));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_OK(tick_clear_immediate(loop, i));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY); /* the unref'd timer is still there */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_clear_timer(loop, t));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_STR_EQ(logbuf, "");
}

static void stopper(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  logs("stop");
  ASSERT_OK(tick_loop_stop(loop));
}

TEST(loop_stop_and_run_modes) {
  tick_loop_t *loop = new_loop(0);
  tick_timer_t t;
  ASSERT_OK(tick_set_interval(loop, 1, stopper, NULL, &t));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 1); /* stopped, still alive */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 1);
  ASSERT_STR_EQ(logbuf, "stop stop");
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 1); /* never blocks */
  ASSERT_OK(tick_clear_timer(loop, t));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static int before_exit_calls;
static void before_exit(tick_loop_t *loop, void *arg) {
  (void)arg;
  logs("beforeExit");
  if (++before_exit_calls == 1) ASSERT_OK(tick_set_immediate(loop, log_task, "again", NULL));
}
static void on_exit_hook(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  logs("exit");
}

TEST(loop_before_exit_restarts) {
  tick_loop_t *loop = new_loop(0);
  before_exit_calls = 0;
  ASSERT_OK(tick_loop_set_before_exit(loop, before_exit, NULL));
  ASSERT_OK(tick_loop_set_exit(loop, on_exit_hook, NULL));
  ASSERT_OK(tick_set_immediate(loop, log_task, "first", NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "first beforeExit again beforeExit exit");
  ASSERT_OK(tick_loop_destroy(loop));
}

static void real_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  *(int64_t *)arg = (int64_t)tick_loop_now(loop);
}

TEST(loop_real_clock_timer_waits) {
  tick_loop_t *loop = new_loop(0);
  int64_t start, fired = 0;
  ASSERT_OK(tick_loop_update_time(loop));
  start = (int64_t)tick_loop_now(loop);
  ASSERT_OK(tick_set_timeout(loop, 20, real_timer, &fired, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_GE(fired - start, 20);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------- fd watchers ---- */

static int pipe_fds[2];
static void on_readable(tick_loop_t *loop, tick_poll_t w, int status, unsigned events,
                        void *arg) {
  char c;
  (void)arg;
  ASSERT_EQ(status, 0);
  ASSERT(events & TICK_READABLE);
  ASSERT_EQ(read(pipe_fds[0], &c, 1), 1);
  logs("readable");
  ASSERT_OK(tick_set_immediate(loop, log_task, "imm-from-io", NULL));
  ASSERT_OK(tick_poll_close(loop, w, log_task, "closed"));
  ASSERT_ERR(tick_poll_close(loop, w, NULL, NULL), TICK_ECLOSING);
}

TEST(loop_poll_readable_and_close) {
  tick_loop_t *loop = new_loop(0);
  tick_poll_t w, w2;
  ASSERT_OK(pipe(pipe_fds));
  ASSERT_OK(tick_poll_create(loop, pipe_fds[0], &w));
  ASSERT_ERR(tick_poll_create(loop, pipe_fds[0], &w2), TICK_EEXIST);
  ASSERT_ERR(tick_poll_start(loop, w, 0, on_readable, NULL), TICK_EINVAL);
  ASSERT_OK(tick_poll_start(loop, w, TICK_READABLE, on_readable, NULL));
  ASSERT_EQ(write(pipe_fds[1], "x", 1), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "readable imm-from-io closed");
  ASSERT_ERR(tick_poll_close(loop, w, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_poll_start(loop, w, TICK_READABLE, on_readable, NULL), TICK_ESTALE);
  /* The fd can be watched again once the close callback ran. */
  ASSERT_OK(tick_poll_create(loop, pipe_fds[0], &w2));
  ASSERT_OK(tick_poll_close(loop, w2, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_poll_unref_does_not_keep_alive) {
  tick_loop_t *loop = new_loop(0);
  tick_poll_t w;
  ASSERT_OK(pipe(pipe_fds));
  ASSERT_OK(tick_poll_create(loop, pipe_fds[0], &w));
  ASSERT_OK(tick_poll_start(loop, w, TICK_READABLE, on_readable, NULL));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_poll_unref(loop, w));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY); /* the watcher still exists */
  ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ wrong thread ---- */

static void *other_thread(void *arg) {
  tick_loop_t *loop = arg;
  tick_timer_t t = {0};
  static int results[8];
  results[0] = tick_set_timeout(loop, 1, log_timer, NULL, NULL);
  results[1] = tick_set_immediate(loop, log_task, NULL, NULL);
  results[2] = tick_next_tick(loop, log_task, NULL);
  results[3] = tick_queue_microtask(loop, log_task, NULL);
  results[4] = tick_loop_run(loop, TICK_RUN_NOWAIT);
  results[5] = tick_clear_timer(loop, t);
  results[6] = tick_loop_destroy(loop);
  results[7] = tick_loop_stop(loop);
  return results;
}

TEST(loop_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  int *results, i;
  ASSERT_EQ(pthread_create(&th, NULL, other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, (void **)&results), 0);
  for (i = 0; i < 8; i++) ASSERT_ERR(results[i], TICK_EWRONGTHREAD);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ---------------------------------------------------------- many timers ---- */

static uint32_t fired_count;
static void count_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  fired_count++;
}

TEST_TIMEOUT(loop_million_timers, 120) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  uint32_t i, n = getenv("TICK_TEST_VALGRIND") ? 100000 : 1000000;
  fired_count = 0;
  for (i = 0; i < n; i++) ASSERT_OK(tick_set_timeout(loop, 1 + (i * 7919u) % 5000, count_timer, NULL, NULL));
  ASSERT_OK(tick_loop_advance(loop, 5000));
  ASSERT_EQ(fired_count, n);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------- allocation failure ---- */

static void log_quiet(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_timer_t t;
  int r, i;
  (void)arg;
  r = tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK);
  if (r != 0) return r;
  logbuf[0] = 0;
  /* Enough of each to force every structure to grow at least once. */
  for (i = 0; i < 1500; i++) {
    r = tick_set_timeout(loop, 1 + i % 40, count_timer, NULL, &t);
    if (r == 0) r = tick_set_immediate(loop, log_quiet, NULL, NULL);
    if (r == 0) r = tick_next_tick(loop, log_quiet, NULL);
    if (r == 0) r = tick_queue_microtask(loop, log_quiet, NULL);
    if (r != 0) break;
  }
  /* A watcher on a high fd number grows the fd table. */
  if (r == 0) {
    int fds[2], high;
    tick_poll_t w;
    ASSERT_OK(pipe(fds));
    high = dup2(fds[0], 700);
    ASSERT_EQ(high, 700);
    r = tick_poll_create(loop, high, &w);
    if (r == 0) {
      ASSERT_OK(tick_poll_start(loop, w, TICK_READABLE, on_readable, NULL));
      ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
    }
    ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
    close(high);
    close(fds[0]);
    close(fds[1]);
  }
  /* Whatever was accepted must run; then the loop must be destroyable. */
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST_TIMEOUT(loop_alloc_failure_each_site, 120) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 5);
}

static void exit_queues_tick(tick_loop_t *loop, void *arg) {
  (void)arg;
  logs("exit");
  ASSERT_OK(tick_next_tick(loop, log_task, "tick-from-exit"));
}

TEST(loop_exit_hook_work_waits_for_next_run) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_loop_set_exit(loop, exit_queues_tick, NULL));
  ASSERT_OK(tick_set_immediate(loop, log_task, "imm", NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 1); /* the tick keeps it alive */
  ASSERT_STR_EQ(logbuf, "imm exit");
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_OK(tick_loop_set_exit(loop, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "imm exit tick-from-exit");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(loop_stop_before_run_returns_at_once) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_next_tick(loop, log_task, "main-drain"));
  ASSERT_OK(tick_set_immediate(loop, log_task, "imm", NULL));
  ASSERT_OK(tick_loop_stop(loop));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 1);
  ASSERT_STR_EQ(logbuf, "main-drain");
  ASSERT_EQ(tick_loop_iteration(loop), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "main-drain imm");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Timers churned through many durations and clears: the duration map's tombstones must
 * never make a lookup spin or lose a list. */
static int churn_fired;
static void churn_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  churn_fired++;
}

TEST(loop_timer_map_churn) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t ids[512];
  int round, i;
  churn_fired = 0;
  for (round = 0; round < 200; round++) {
    for (i = 0; i < 512; i++)
      ASSERT_OK(tick_set_timeout(loop, 1 + (round * 512 + i) % 3001, churn_cb, NULL, &ids[i]));
    for (i = 0; i < 512; i += 2) ASSERT_OK(tick_clear_timer(loop, ids[i]));
    ASSERT_OK(tick_loop_advance(loop, 3001));
  }
  ASSERT_EQ(churn_fired, 200 * 256);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* The user-data pointer: NULL at first, kept as set, reachable from a callback through
 * the loop alone, and never touched by tick (it is not freed at destroy). */
static void data_timer_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  int *seen = tick_loop_data(loop);
  (void)t;
  (void)arg;
  (*seen)++;
}

TEST(loop_user_data) {
  tick_loop_t *loop = new_loop(0);
  tick_timer_t t;
  int seen = 0;
  ASSERT_PTR_EQ(tick_loop_data(loop), NULL);
  ASSERT_PTR_EQ(tick_loop_data(NULL), NULL);
  ASSERT_ERR(tick_loop_set_data(NULL, &seen), TICK_EINVAL);
  ASSERT_OK(tick_loop_set_data(loop, &seen));
  ASSERT_PTR_EQ(tick_loop_data(loop), &seen);
  ASSERT_OK(tick_set_timeout(loop, 0, data_timer_cb, NULL, &t));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(seen, 1);
  ASSERT_OK(tick_loop_set_data(loop, NULL));
  ASSERT_PTR_EQ(tick_loop_data(loop), NULL);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* An id carries its loop's identity: an id another loop handed out is not an id of this
 * loop, even when both loops put their objects in the same slot with the same generation
 * (two fresh loops do). It must not clear, unref or refresh this loop's object there. */
TEST(loop_ids_of_another_loop_are_refused) {
  tick_loop_t *a = new_loop(TICK_LOOP_MANUAL_CLOCK), *b;
  tick_timer_t ta, tb;
  tick_immediate_t ia, ib;
  ASSERT_OK(tick_loop_create(&b, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_OK(tick_set_timeout(a, 10, log_timer, "a-timer", &ta));
  ASSERT_OK(tick_set_timeout(b, 10, log_timer, "b-timer", &tb));
  ASSERT_OK(tick_set_immediate(a, log_task, "a-imm", &ia));
  ASSERT_OK(tick_set_immediate(b, log_task, "b-imm", &ib));
  ASSERT(ta.id != tb.id);
  ASSERT(ia.id != ib.id);
  /* b's ids on a: stale there, a's objects untouched. */
  ASSERT_OK(tick_clear_timer(a, tb));
  ASSERT_OK(tick_clear_immediate(a, ib));
  ASSERT_ERR(tick_timer_unref(a, tb), TICK_ESTALE);
  ASSERT_ERR(tick_timer_has_ref(a, tb), TICK_ESTALE);
  ASSERT_ERR(tick_timer_refresh(a, tb), TICK_ESTALE);
  ASSERT_ERR(tick_immediate_unref(a, ib), TICK_ESTALE);
  ASSERT_EQ(tick_timer_has_ref(a, ta), 1);
  ASSERT_OK(tick_loop_advance(a, 10));
  ASSERT_STR_EQ(logbuf, "a-imm a-timer");
  /* And the other way round: a's (now stale) ids do nothing to b. */
  ASSERT_OK(tick_clear_timer(b, ta));
  ASSERT_OK(tick_clear_immediate(b, ia));
  ASSERT_OK(tick_loop_advance(b, 10));
  ASSERT_STR_EQ(logbuf, "a-imm a-timer b-imm b-timer");
  ASSERT_OK(tick_loop_destroy(b));
  ASSERT_OK(tick_loop_destroy(a));
}

/* The manual clock stops at the end of time, 2^62 ms (TICK_CLOCK_MAX): moving it further
 * is refused with TICK_EOVERFLOW and moves nothing, so every deadline (at most
 * TICK_TIMEOUT_MAX past the clock) stays representable. Timers due by the end fire;
 * a timer due after it never does, and keeps the loop busy until cleared. */
static void clear_on_fire(tick_loop_t *loop, tick_timer_t t, void *arg) {
  logs(arg);
  if (tick_loop_now(loop) == (uint64_t)1 << 62) ASSERT_OK(tick_clear_timer(loop, t));
}

TEST(loop_manual_clock_end_of_time) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  uint64_t end = (uint64_t)1 << 62;
  tick_timer_t late, late2;
  ASSERT_ERR(tick_loop_advance(loop, UINT64_MAX), TICK_EOVERFLOW);
  ASSERT_ERR(tick_loop_advance(loop, (uint64_t)INT64_MAX), TICK_EOVERFLOW);
  ASSERT_ERR(tick_loop_advance(loop, end + 1), TICK_EOVERFLOW);
  ASSERT_UEQ(tick_loop_now(loop), 0);
  ASSERT_OK(tick_loop_advance(loop, end - 100));
  ASSERT_UEQ(tick_loop_now(loop), end - 100);
  ASSERT_OK(tick_set_timeout(loop, 50, log_timer, "t50", NULL));
  ASSERT_OK(tick_set_timeout(loop, TICK_TIMEOUT_MAX, log_timer, "tmax", &late));
  ASSERT_OK(tick_set_interval(loop, 50, clear_on_fire, "i50", NULL));
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_UEQ(tick_loop_now(loop), end);
  ASSERT_STR_EQ(logbuf, "t50 i50 i50");
  ASSERT_ERR(tick_loop_advance(loop, 1), TICK_EOVERFLOW);
  ASSERT_UEQ(tick_loop_now(loop), end);
  /* At the end of time a timer can still be created; it is due after the end. */
  ASSERT_OK(tick_set_timeout(loop, 1000, log_timer, "t1000", &late2));
  ASSERT_OK(tick_loop_advance(loop, 0));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 1);
  ASSERT_STR_EQ(logbuf, "t50 i50 i50");
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_OK(tick_clear_timer(loop, late));
  ASSERT_OK(tick_clear_timer(loop, late2));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* The id tables of the I/O modules (UDP handles, DNS requests) tag their ids the same
 * way: two tables holding an object in the same slot at the same generation give
 * different ids, and neither finds the other's. */
TEST(loop_idtab_ids_of_another_table_are_refused) {
  tick__idtab_t a, b;
  int x, y;
  uint64_t ida, idb;
  tick__idtab_init(&a);
  tick__idtab_init(&b);
  ASSERT_OK(tick__idtab_reserve(&a));
  ASSERT_OK(tick__idtab_reserve(&b));
  ida = tick__idtab_add(&a, &x);
  idb = tick__idtab_add(&b, &y);
  ASSERT(ida != idb);
  ASSERT_PTR_EQ(tick__idtab_get(&a, ida), &x);
  ASSERT_PTR_EQ(tick__idtab_get(&b, idb), &y);
  ASSERT_PTR_EQ(tick__idtab_get(&a, idb), NULL);
  ASSERT_PTR_EQ(tick__idtab_get(&b, ida), NULL);
  tick__idtab_remove(&a, ida);
  ASSERT_PTR_EQ(tick__idtab_get(&a, ida), NULL);
  tick__idtab_remove(&b, idb);
  tick__idtab_free(&a);
  tick__idtab_free(&b);
}
