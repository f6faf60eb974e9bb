/* test-obs-metrics.c - tick_loop_metrics (counters, utilization, delay histogram, pool
 * figures), tick_loop_walk and the alive report, creation sites, the TICK_DEBUG report
 * and the unhandled-rejection report's promise and site. */
#include "test.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#define MS 1000000ull

static tick_loop_t *new_loop(unsigned flags) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, flags));
  logbuf[0] = 0;
  return loop;
}

static tick_loop_metrics_t metrics_of(tick_loop_t *loop) {
  tick_loop_metrics_t m;
  memset(&m, 0xa5, sizeof(m));
  m.size = sizeof(m);
  ASSERT_OK(tick_loop_metrics(loop, &m));
  ASSERT_UEQ(m.size, sizeof(m));
  return m;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void spin_ms(int ms) {
  int64_t end = mono_ns() + (int64_t)ms * 1000000;
  while (mono_ns() < end) {
  }
}

static void nop_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
}

static void nop_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
}

/* ---------------------------------------------------------------- metrics ---- */

TEST(metrics_arguments_and_size) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_loop_metrics_t m;
  struct {
    tick_loop_metrics_t m;
    char canary[16];
  } big;
  ASSERT_ERR(tick_loop_metrics(NULL, &m), TICK_EINVAL);
  ASSERT_ERR(tick_loop_metrics(loop, NULL), TICK_EINVAL);
  m.size = 4;
  ASSERT_ERR(tick_loop_metrics(loop, &m), TICK_EINVAL);
  /* An older, shorter struct: only its bytes are written, and size says how many. */
  memset(&m, 0xa5, sizeof(m));
  m.size = offsetof(tick_loop_metrics_t, timer_callbacks);
  ASSERT_OK(tick_set_immediate(loop, nop_task, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_metrics(loop, &m));
  ASSERT_UEQ(m.size, offsetof(tick_loop_metrics_t, timer_callbacks));
  ASSERT_UEQ(m.iterations, 1);
  ASSERT_UEQ(m.timer_callbacks, 0xa5a5a5a5a5a5a5a5ull); /* not written */
  /* A newer, longer struct: tick fills what it knows and says so. */
  memset(&big, 0x5a, sizeof(big));
  big.m.size = sizeof(big);
  ASSERT_OK(tick_loop_metrics(loop, &big.m));
  ASSERT_UEQ(big.m.size, sizeof(tick_loop_metrics_t));
  ASSERT_EQ(big.canary[0], 0x5a);
  ASSERT_UEQ(big.m.check_callbacks, 1);
  ASSERT_ERR(tick_loop_metrics_enable(NULL, 0, 0), TICK_EINVAL);
  ASSERT_ERR(tick_loop_metrics_enable(loop, 1u << 7, 0), TICK_EINVAL);
  ASSERT_ERR(tick_loop_metrics_enable(loop, TICK_METRICS_DELAY, 0), TICK_EINVAL);
  ASSERT_ERR(tick_loop_metrics_enable(loop, TICK_METRICS_DELAY, (uint32_t)TICK_TIMEOUT_MAX + 1),
             TICK_EINVAL);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void *metrics_thread(void *arg) {
  tick_loop_metrics_t m;
  m.size = sizeof(m);
  return (void *)(intptr_t)tick_loop_metrics(arg, &m);
}

TEST(metrics_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  void *ret;
  ASSERT_EQ(pthread_create(&th, NULL, metrics_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((int)(intptr_t)ret, TICK_EWRONGTHREAD);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void close_logged(tick_loop_t *loop, void *arg) {
  (void)loop;
  logs(arg);
}

static void count_micro(tick_loop_t *loop, void *arg) {
  (void)arg;
  /* A microtask that queues a tick: counted in the same drain. */
  ASSERT_OK(tick_next_tick(loop, nop_task, NULL));
}

TEST(metrics_counts_callbacks_per_phase_and_queue_depths) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_loop_metrics_t m;
  tick_poll_t w;
  tick_timer_t unref;
  int fds[2], i;
  ASSERT_EQ(pipe(fds), 0);
  for (i = 0; i < 3; i++) ASSERT_OK(tick_set_timeout(loop, 10 * (i + 1), nop_timer, NULL, NULL));
  ASSERT_OK(tick_set_timeout(loop, 1000, nop_timer, NULL, &unref));
  ASSERT_OK(tick_timer_unref(loop, unref));
  for (i = 0; i < 2; i++) ASSERT_OK(tick_set_immediate(loop, nop_task, NULL, NULL));
  for (i = 0; i < 4; i++) ASSERT_OK(tick_next_tick(loop, nop_task, NULL));
  for (i = 0; i < 5; i++) ASSERT_OK(tick_queue_microtask(loop, count_micro, NULL));
  ASSERT_OK(tick_poll_create(loop, fds[0], &w));
  m = metrics_of(loop);
  ASSERT_UEQ(m.timers, 4);
  ASSERT_UEQ(m.immediates, 2);
  ASSERT_UEQ(m.handles, 1);
  ASSERT_UEQ(m.ticks_queued, 4);
  ASSERT_UEQ(m.microtasks_queued, 5);
  ASSERT_UEQ(m.closing, 0);
  ASSERT_UEQ(m.enabled, 0);
  ASSERT_OK(tick_poll_close(loop, w, close_logged, "closed"));
  m = metrics_of(loop);
  ASSERT_UEQ(m.closing, 1);
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_STR_EQ(logbuf, "closed");
  m = metrics_of(loop);
  ASSERT_UEQ(m.timer_callbacks, 3);
  ASSERT_UEQ(m.check_callbacks, 2);
  ASSERT_UEQ(m.close_callbacks, 1);
  ASSERT_UEQ(m.poll_callbacks, 0);
  ASSERT_UEQ(m.ticks_run, 9); /* 4 queued + one from each of the 5 microtasks */
  ASSERT_UEQ(m.microtasks_run, 5);
  ASSERT_UEQ(m.timers, 1); /* the unref'd one */
  ASSERT_UEQ(m.immediates, 0);
  ASSERT_UEQ(m.handles, 0);
  ASSERT_UEQ(m.ticks_queued, 0);
  ASSERT_UEQ(m.iterations, tick_loop_iteration(loop));
  /* Timing is off: its fields read 0. */
  ASSERT_UEQ(m.idle_ns, 0);
  ASSERT_UEQ(m.active_ns, 0);
  ASSERT_UEQ(m.delay_samples, 0);
  ASSERT_UEQ(m.pool_threads, 0);
  ASSERT_OK(tick_clear_timer(loop, unref));
  close(fds[0]);
  close(fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void readable_once(tick_loop_t *loop, tick_poll_t w, int status, unsigned events,
                          void *arg) {
  char c;
  (void)status;
  (void)events;
  ASSERT_EQ(read(*(int *)arg, &c, 1), 1);
  ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
}

static void post_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  logs("post");
}

TEST(metrics_counts_poll_phase_callbacks) {
  tick_loop_t *loop = new_loop(0);
  tick_loop_metrics_t m;
  tick_poll_t w;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  ASSERT_OK(tick_poll_create(loop, fds[0], &w));
  ASSERT_OK(tick_poll_start(loop, w, TICK_READABLE, readable_once, &fds[0]));
  ASSERT_OK(tick_post(loop, post_task, NULL));
  ASSERT_OK(tick_post(loop, post_task, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  m = metrics_of(loop);
  ASSERT_UEQ(m.poll_callbacks, 3); /* one fd event, two posts */
  ASSERT_UEQ(m.close_callbacks, 1);
  close(fds[0]);
  close(fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(metrics_idle_time_on_the_manual_clock) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_loop_metrics_t m;
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_IDLE_TIME, 0));
  ASSERT_OK(tick_set_timeout(loop, 100, nop_timer, NULL, NULL));
  ASSERT_OK(tick_loop_advance(loop, 100));
  m = metrics_of(loop);
  ASSERT_UEQ(m.enabled, TICK_METRICS_IDLE_TIME);
  /* The whole 100 ms was jumped over where the poll phase would have waited; callbacks
   * take no time on the manual clock. */
  ASSERT_UEQ(m.idle_ns, 100 * MS);
  ASSERT_UEQ(m.active_ns, 0);
  ASSERT_OK(tick_loop_advance(loop, 50));
  m = metrics_of(loop);
  ASSERT_UEQ(m.idle_ns, 150 * MS);
  /* Switching it off and on starts from zero. */
  ASSERT_OK(tick_loop_metrics_enable(loop, 0, 0));
  m = metrics_of(loop);
  ASSERT_UEQ(m.idle_ns, 0);
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_IDLE_TIME, 0));
  ASSERT_OK(tick_loop_advance(loop, 7));
  m = metrics_of(loop);
  ASSERT_UEQ(m.idle_ns, 7 * MS);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void spin_20(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  spin_ms(20);
}

static void metrics_inside(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  *(tick_loop_metrics_t *)arg = metrics_of(loop);
}

TEST(metrics_idle_time_on_the_real_clock) {
  tick_loop_t *loop = new_loop(0);
  tick_loop_metrics_t m, inside;
  int64_t t0, t_run, wall;
  uint64_t least;
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_IDLE_TIME, 0));
  t0 = mono_ns();
  /* 20 ms of work, then a wait until the timer, 200 ms after the start: most of the run
   * is idle even when the machine is slow (valgrind, a loaded host). */
  ASSERT_OK(tick_set_timeout(loop, 200, metrics_inside, &inside, NULL));
  ASSERT_OK(tick_set_immediate(loop, spin_20, NULL, NULL));
  t_run = mono_ns();
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  wall = mono_ns() - t0;
  m = metrics_of(loop);
  ASSERT_GE(m.active_ns, 20 * MS);
  ASSERT_GE(m.idle_ns, 100 * MS);
  ASSERT_LE(m.idle_ns + m.active_ns, (uint64_t)wall);
  /* The timer's 200 ms are counted on the loop's millisecond clock (1 ms resolution) from
   * its creation, and some of them passed before run() began. */
  least = 200 * MS - (uint64_t)(t_run - t0) - 1 * MS;
  ASSERT_GE(m.idle_ns + m.active_ns, least);
  /* Read from inside the run: counted up to that moment. */
  ASSERT_GE(inside.active_ns + inside.idle_ns, least);
  ASSERT_LE(inside.active_ns + inside.idle_ns, m.active_ns + m.idle_ns);
  /* Outside run() nothing is counted. */
  spin_ms(10);
  inside = metrics_of(loop);
  ASSERT_UEQ(inside.active_ns, m.active_ns);
  ASSERT_UEQ(inside.idle_ns, m.idle_ns);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(metrics_delay_samples_on_the_manual_clock) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_loop_metrics_t m;
  uint64_t iterations;
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_DELAY, 10));
  m = metrics_of(loop);
  ASSERT_UEQ(m.delay_resolution_ms, 10);
  ASSERT_UEQ(m.delay_samples, 0);
  /* Deadlines at 10, 20, ... 100: the advance stops at each, and each is sampled at the
   * start of the next iteration; the one at 100 waits for the next run. Nothing is late
   * on the manual clock. */
  ASSERT_OK(tick_loop_advance(loop, 100));
  m = metrics_of(loop);
  ASSERT_UEQ(m.delay_samples, 9);
  ASSERT_UEQ(m.delay_max_ns, 0);
  ASSERT_UEQ(m.delay_p99_ns, 0);
  ASSERT_UEQ(m.delay_mean_ns, 0);
  iterations = m.iterations;
  ASSERT_GE(iterations, 10);
  /* Sampling keeps nothing alive: with no work, run() returns at once. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  /* A new resolution starts the histogram again; 0 flags stop it. */
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_DELAY, 25));
  ASSERT_OK(tick_loop_advance(loop, 100));
  m = metrics_of(loop);
  ASSERT_UEQ(m.delay_samples, 3); /* 125, 150, 175 */
  ASSERT_OK(tick_loop_metrics_enable(loop, 0, 0));
  ASSERT_OK(tick_loop_advance(loop, 100));
  m = metrics_of(loop);
  ASSERT_UEQ(m.delay_samples, 0);
  ASSERT_UEQ(m.delay_resolution_ms, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void spin_50(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  spin_ms(50);
}

static void start_blocked_stretch(tick_loop_t *loop, void *arg) {
  (void)arg;
  ASSERT_OK(tick_set_timeout(loop, 40, spin_50, NULL, NULL));
  ASSERT_OK(tick_set_timeout(loop, 150, nop_timer, NULL, NULL));
}

TEST(metrics_delay_measures_a_blocked_loop) {
  tick_loop_t *loop = new_loop(0);
  tick_loop_metrics_t m;
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_DELAY, 5));
  /* From inside the run (so that a slow start does not make every timer due at once): a
   * quiet stretch (the samples are close to 0), a 50 ms block, a quiet stretch. */
  ASSERT_OK(tick_set_immediate(loop, start_blocked_stretch, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  m = metrics_of(loop);
  ASSERT_GE(m.delay_samples, 3);
  /* The sample after the block is late by the block minus at most the resolution. */
  ASSERT_GE(m.delay_max_ns, 44 * MS);
  ASSERT_LE(m.delay_min_ns, m.delay_p50_ns);
  ASSERT_LE(m.delay_p50_ns, m.delay_p90_ns);
  ASSERT_LE(m.delay_p90_ns, m.delay_p99_ns);
  ASSERT_LE(m.delay_p99_ns, m.delay_max_ns);
  ASSERT_LE(m.delay_mean_ns, m.delay_max_ns);
  /* One sample in many is the block: the median is far below it. */
  ASSERT_LT(m.delay_p50_ns, 40 * MS);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------------- pool ---- */

static void sleep_work(void *arg) {
  (void)arg;
  usleep(20000);
}

static void count_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  (void)status;
  ++*(int *)arg;
}

TEST(metrics_pool_queue_and_wait) {
  tick_loop_t *loop = new_loop(0);
  tick_loop_metrics_t m;
  tick_pool_t *pool;
  tick_work_t cancelled;
  int done = 0, i;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_loop_metrics_enable(loop, TICK_METRICS_POOL_WAIT, 0));
  for (i = 0; i < 3; i++) ASSERT_OK(tick_work_queue(loop, NULL, sleep_work, count_done, &done, NULL));
  ASSERT_OK(tick_work_queue(loop, NULL, sleep_work, count_done, &done, &cancelled));
  m = metrics_of(loop);
  ASSERT_UEQ(m.pool_threads, 1);
  ASSERT_UEQ(m.pool_jobs_inflight, 4);
  ASSERT_GE(m.pool_queue_length, 3); /* the one worker holds one job at most */
  ASSERT_LE(m.pool_queue_length, 4);
  ASSERT_OK(tick_work_cancel(loop, cancelled));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(done, 4);
  m = metrics_of(loop);
  ASSERT_UEQ(m.pool_jobs_done, 4);
  ASSERT_UEQ(m.pool_jobs_inflight, 0);
  ASSERT_UEQ(m.pool_queue_length, 0);
  /* The cancelled job never waited for a worker; the third waited for two others. */
  ASSERT_UEQ(m.pool_wait_count, 3);
  ASSERT_GE(m.pool_wait_max_ns, 38 * MS);
  ASSERT_GE(m.pool_wait_total_ns, 58 * MS);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* ------------------------------------------------------------------- walk ---- */

typedef struct seen_s {
  int count;
  char kinds[512];
  unsigned flags_of_first_timer;
  int alive;
  int stop_after;
} seen_t;

static int collect(tick_loop_t *loop, const tick_resource_t *res, void *arg) {
  seen_t *s = arg;
  (void)loop;
  s->count++;
  if (s->kinds[0]) strcat(s->kinds, " ");
  strcat(s->kinds, res->kind);
  if (tick_resource_keeps_alive(res)) {
    s->alive++;
    strcat(s->kinds, "*");
  }
  ASSERT(res->id != 0 || strcmp(res->kind, "waker") == 0);
  return s->stop_after != 0 && s->count >= s->stop_after;
}

static void waker_nop(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (void)loop;
  (void)w;
  (void)arg;
}

static void signal_nop(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  (void)loop;
  (void)w;
  (void)signum;
  (void)arg;
}

static void accept_nop(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                       void *arg) {
  (void)loop;
  (void)l;
  (void)status;
  (void)c;
  (void)arg;
}

static int nested_walk(tick_loop_t *loop, const tick_resource_t *res, void *arg) {
  (void)res;
  *(int *)arg = tick_loop_walk(loop, nested_walk, arg);
  return 1;
}

TEST(walk_lists_every_kind_with_its_state) {
  tick_loop_t *loop = new_loop(0);
  tick_timer_t t1, t2;
  tick_poll_t pw;
  tick_stream_t l;
  tick_udp_t u;
  tick_signal_t sig;
  tick_waker_t *wk;
  seen_t s;
  char report[4096];
  int fds[2], nested = 0, n;
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_OK(tick_set_timeout(loop, 1000, nop_timer, NULL, &t1));
  ASSERT_OK(tick_set_timeout(loop, 2000, nop_timer, NULL, &t2));
  ASSERT_OK(tick_timer_unref(loop, t2));
  ASSERT_OK(tick_poll_create(loop, fds[0], &pw)); /* not started: keeps nothing alive */
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &l));
  ASSERT_OK(tick_tcp_bind_ip(loop, l, "127.0.0.1", 0, 0));
  ASSERT_OK(tick_tcp_listen(loop, l, 8, accept_nop, NULL));
  ASSERT_OK(tick_udp_create(loop, AF_INET, &u));
  ASSERT_OK(tick_signal_create(loop, &sig));
  ASSERT_OK(tick_signal_start(loop, sig, SIGUSR1, signal_nop, NULL));
  ASSERT_OK(tick_signal_unref(loop, sig));
  ASSERT_OK(tick_waker_create(loop, waker_nop, NULL, &wk));
  ASSERT_OK(tick_set_immediate(loop, nop_task, NULL, NULL));
  memset(&s, 0, sizeof(s));
  n = tick_loop_walk(loop, collect, &s);
  ASSERT_EQ(n, 8);
  ASSERT_EQ(s.count, 8);
  /* The slab in creation order, then wakers, then the layers in slot order. The
   * signal's and the UDP socket's own fd watchers are not listed. */
  ASSERT_STR_EQ(s.kinds, "timer* timer poll tcp* immediate* waker* signal udp");
  ASSERT_EQ(s.alive, 4);
  /* Stopping early. */
  memset(&s, 0, sizeof(s));
  s.stop_after = 3;
  ASSERT_EQ(tick_loop_walk(loop, collect, &s), 3);
  /* No walk inside a walk; no NULL callback. */
  ASSERT_EQ(tick_loop_walk(loop, nested_walk, &nested), 1);
  ASSERT_EQ(nested, TICK_EBUSY);
  ASSERT_ERR(tick_loop_walk(loop, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_loop_walk(NULL, collect, &s), TICK_EINVAL);
  /* The report: one line each, the four that keep the loop alive marked. */
  n = tick_loop_report_string(loop, report, sizeof(report));
  ASSERT_GT(n, 0);
  ASSERT_LT(n, (int)sizeof(report));
  ASSERT_EQ((int)strlen(report), n);
  ASSERT(strstr(report, "tick: 4 resources keep the loop alive") != NULL);
  ASSERT(strstr(report, "* timer") != NULL);
  ASSERT(strstr(report, "  timer ") != NULL); /* the unref'd one, unmarked */
  ASSERT(strstr(report, "* tcp        ") != NULL);
  ASSERT(strstr(report, "inactive ref") != NULL); /* the poll watcher */
  ASSERT(strstr(report, "* 1 held by layers") != NULL); /* the waker */
  /* Cut short like snprintf, and measurable with a NULL buffer. */
  ASSERT_EQ(tick_loop_report_string(loop, NULL, 0), n);
  ASSERT_EQ(tick_loop_report_string(loop, report, 10), n);
  ASSERT_EQ((int)strlen(report), 9);
  ASSERT_ERR(tick_loop_report_string(loop, NULL, 5), TICK_EINVAL);
  ASSERT_ERR(tick_loop_report(loop, NULL), TICK_EINVAL);
  /* Close everything: closing handles keep it alive until the close phase. */
  ASSERT_OK(tick_clear_timer(loop, t1));
  ASSERT_OK(tick_clear_timer(loop, t2));
  ASSERT_OK(tick_poll_close(loop, pw, NULL, NULL));
  ASSERT_OK(tick_stream_close(loop, l, NULL, NULL));
  ASSERT_OK(tick_udp_close(loop, u, NULL, NULL));
  ASSERT_OK(tick_signal_close(loop, sig, NULL, NULL));
  ASSERT_OK(tick_waker_close(loop, wk));
  memset(&s, 0, sizeof(s));
  tick_loop_walk(loop, collect, &s);
  ASSERT(strstr(s.kinds, "poll*") != NULL);
  ASSERT(strstr(s.kinds, "tcp*") != NULL);
  ASSERT(strstr(s.kinds, "udp*") != NULL);
  ASSERT(strstr(s.kinds, "close*") != NULL); /* the signal watcher's close callback */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  memset(&s, 0, sizeof(s));
  ASSERT_EQ(tick_loop_walk(loop, collect, &s), 0);
  n = tick_loop_report_string(loop, report, sizeof(report));
  ASSERT(strstr(report, "tick: 0 resources keep the loop alive") != NULL);
  close(fds[0]);
  close(fds[1]);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void slow_work(void *arg) {
  (void)arg;
  usleep(30000);
}

static void done_nop(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  (void)status;
  (void)arg;
}

TEST(walk_lists_pool_jobs) {
  tick_loop_t *loop = new_loop(0);
  seen_t s;
  ASSERT_OK(tick_work_queue(loop, NULL, slow_work, done_nop, NULL, NULL));
  memset(&s, 0, sizeof(s));
  ASSERT_EQ(tick_loop_walk(loop, collect, &s), 1);
  ASSERT_STR_EQ(s.kinds, "work*");
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  memset(&s, 0, sizeof(s));
  ASSERT_EQ(tick_loop_walk(loop, collect, &s), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------------ sites ---- */

typedef struct site_probe_s {
  const void *site;
  uint64_t id;
} site_probe_t;

static int find_id(tick_loop_t *loop, const tick_resource_t *res, void *arg) {
  site_probe_t *p = arg;
  (void)loop;
  if (res->id != p->id) return 0;
  p->site = res->site;
  return 1;
}

/* Not inlined, so that the call's return address lies inside this function's code. */
__attribute__((noinline)) static int make_timer_here(tick_loop_t *loop, tick_timer_t *t) {
  int r = tick_set_timeout(loop, 50, nop_timer, NULL, t);
  __asm__ volatile("" ::: "memory");
  return r;
}

__attribute__((noinline)) static int make_marker_end(void) {
  __asm__ volatile("" ::: "memory");
  return 0;
}

TEST(sites_record_the_creating_call) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t, before;
  site_probe_t probe;
  char name[256];
  ASSERT_OK(tick_set_timeout(loop, 50, nop_timer, NULL, &before));
  ASSERT_OK(tick_loop_record_sites(loop, 1));
  ASSERT_OK(make_timer_here(loop, &t));
  probe.id = t.id;
  probe.site = NULL;
  ASSERT_EQ(tick_loop_walk(loop, find_id, &probe), 2);
  ASSERT(probe.site != NULL);
  ASSERT((const char *)probe.site > (const char *)(uintptr_t)make_timer_here);
  ASSERT((const char *)probe.site < (const char *)(uintptr_t)make_timer_here + 256);
  (void)make_marker_end();
  /* Made before recording began: no site. */
  probe.id = before.id;
  probe.site = (const void *)1;
  tick_loop_walk(loop, find_id, &probe);
  ASSERT(probe.site == NULL);
  /* Names: an address inside the test program. */
  ASSERT_GT(tick_site_name(make_timer_here, name, sizeof(name)), 0);
  ASSERT(strstr(name, "run-tests") != NULL);
  ASSERT_GT(tick_site_name(NULL, name, sizeof(name)), 0);
  ASSERT_STR_EQ(name, "?");
  ASSERT_ERR(tick_site_name(NULL, NULL, 3), TICK_EINVAL);
  /* A timer that fired is forgotten; stopping forgets everything. */
  ASSERT_OK(tick_loop_advance(loop, 50));
  ASSERT_OK(make_timer_here(loop, &t));
  ASSERT_OK(tick_loop_record_sites(loop, 0));
  probe.id = t.id;
  probe.site = (const void *)1;
  tick_loop_walk(loop, find_id, &probe);
  ASSERT(probe.site == NULL);
  ASSERT_UEQ(tick_loop_sites_dropped(loop), 0);
  ASSERT_OK(tick_loop_advance(loop, 50));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Many resources made and freed with recording on: the table grows, shrinks back through
 * deletions, and every live resource still finds its site. */
TEST(sites_table_survives_churn) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t[300];
  site_probe_t probe;
  int i, round;
  ASSERT_OK(tick_loop_record_sites(loop, 1));
  for (round = 0; round < 3; round++) {
    for (i = 0; i < 300; i++) ASSERT_OK(make_timer_here(loop, &t[i]));
    for (i = 0; i < 300; i += 2) ASSERT_OK(tick_clear_timer(loop, t[i]));
    for (i = 1; i < 300; i += 2) {
      probe.id = t[i].id;
      probe.site = NULL;
      tick_loop_walk(loop, find_id, &probe);
      ASSERT(probe.site != NULL);
    }
    for (i = 1; i < 300; i += 2) ASSERT_OK(tick_clear_timer(loop, t[i]));
  }
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------- reports ---- */

/* Runs `fn(loop)` with stderr going to a pipe, and returns what was written. */
static void capture_stderr(void (*fn)(tick_loop_t *), tick_loop_t *loop, char *buf,
                           size_t size) {
  int fds[2], saved;
  ssize_t n;
  ASSERT_EQ(pipe(fds), 0);
  fflush(stderr);
  saved = dup(2);
  ASSERT_EQ(dup2(fds[1], 2), 2);
  fn(loop);
  fflush(stderr);
  ASSERT_EQ(dup2(saved, 2), 2);
  close(saved);
  close(fds[1]);
  n = read(fds[0], buf, size - 1);
  buf[n > 0 ? n : 0] = 0;
  close(fds[0]);
}

static void destroy_busy(tick_loop_t *loop) {
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
}

TEST(debug_env_reports_a_busy_destroy) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_timer_t t;
  char buf[4096];
  ASSERT_OK(tick_loop_record_sites(loop, 1));
  ASSERT_OK(make_timer_here(loop, &t));
  ASSERT_OK(tick_next_tick(loop, nop_task, NULL));
  /* Without TICK_DEBUG: silent. */
  unsetenv("TICK_DEBUG");
  capture_stderr(destroy_busy, loop, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "");
  setenv("TICK_DEBUG", "0", 1);
  capture_stderr(destroy_busy, loop, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "");
  setenv("TICK_DEBUG", "1", 1);
  capture_stderr(destroy_busy, loop, buf, sizeof(buf));
  ASSERT(strstr(buf, "tick_loop_destroy: TICK_EBUSY") != NULL);
  ASSERT(strstr(buf, "* timer") != NULL);
  ASSERT(strstr(buf, "created at ") != NULL);
  ASSERT(strstr(buf, "make_timer_here") != NULL || strstr(buf, "run-tests(+0x") != NULL);
  ASSERT(strstr(buf, "queued: 1 next-ticks, 0 microtasks") != NULL);
  ASSERT(strstr(buf, "tick: 1 resources keep the loop alive") != NULL);
  unsetenv("TICK_DEBUG");
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(report_to_a_file) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  char buf[1024];
  FILE *f = tmpfile();
  size_t n;
  ASSERT(f != NULL);
  ASSERT_OK(tick_set_immediate(loop, nop_task, NULL, NULL));
  ASSERT_EQ(tick_loop_report(loop, f), 1);
  rewind(f);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = 0;
  ASSERT(strstr(buf, "* immediate") != NULL);
  ASSERT_EQ(tick_loop_report_string(loop, NULL, 0), (int)n);
  fclose(f);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_destroy(loop));
}

__attribute__((noinline)) static void reject_here(tick_loop_t *loop, tick_promise_t **p,
                                                  tick_resolver_t **r) {
  ASSERT_OK(tick_promise_create_deferred(loop, p, r));
  __asm__ volatile("" ::: "memory");
}

static tick_promise_t *rejected;

static void run_rejection(tick_loop_t *loop) {
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
}

TEST(unhandled_rejection_names_the_promise_and_its_site) {
  tick_loop_t *loop = new_loop(0);
  tick_resolver_t *r;
  char buf[1024], handle[64];
  ASSERT_OK(tick_loop_record_sites(loop, 1));
  reject_here(loop, &rejected, &r);
  ASSERT_EQ(tick_resolver_reject_message(r, TICK_EIO, "disk on fire"), 1);
  capture_stderr(run_rejection, loop, buf, sizeof(buf));
  snprintf(handle, sizeof(handle), "(promise %p, created at ", (void *)rejected);
  ASSERT(strstr(buf, "tick: unhandled promise rejection: EIO: disk on fire") != NULL);
  ASSERT(strstr(buf, handle) != NULL);
  ASSERT(strstr(buf, "reject_here") != NULL || strstr(buf, "run-tests(+0x") != NULL);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(rejected));
  /* Without recording: the promise, no site. */
  ASSERT_OK(tick_loop_record_sites(loop, 0));
  reject_here(loop, &rejected, &r);
  ASSERT_EQ(tick_resolver_reject(r, TICK_EIO, NULL, NULL), 1);
  capture_stderr(run_rejection, loop, buf, sizeof(buf));
  snprintf(handle, sizeof(handle), "(promise %p)\n", (void *)rejected);
  ASSERT(strstr(buf, "tick: unhandled promise rejection: EIO: i/o error") != NULL);
  ASSERT(strstr(buf, handle) != NULL);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(rejected));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------ allocation failure ---- */

static int promise_then_nop(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                            void *arg) {
  (void)loop;
  (void)settled;
  (void)next;
  (void)arg;
  return 0;
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_timer_t t[80];
  tick_loop_metrics_t m;
  int r, i, made = 0;
  (void)arg;
  r = tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK);
  if (r != 0) return r;
  r = tick_loop_metrics_enable(loop, TICK_METRICS_DELAY | TICK_METRICS_IDLE_TIME, 5);
  if (r == 0) r = tick_loop_record_sites(loop, 1);
  /* Enough timers and promises to make the site table grow (a failed growth drops the
   * site, not the timer). */
  for (i = 0; r == 0 && i < 80; i++) {
    r = tick_set_timeout(loop, 1 + i % 7, nop_timer, NULL, &t[i]);
    if (r == 0) made++;
  }
  if (r == 0) {
    tick_promise_t *p, *q;
    r = tick_promise_resolve(loop, NULL, NULL, &p);
    if (r == 0) {
      r = tick_promise_then(p, promise_then_nop, NULL, NULL, NULL, &q);
      if (r == 0) tick_promise_release(q);
      tick_promise_release(p);
    }
  }
  ASSERT_OK(tick_loop_advance(loop, 20));
  m.size = sizeof(m);
  ASSERT_OK(tick_loop_metrics(loop, &m));
  ASSERT_UEQ(m.timer_callbacks, (uint64_t)made);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST_TIMEOUT(metrics_alloc_failure_each_site, 120) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 8);
}

static int dropped_scenario(void *arg) {
  tick_loop_t *loop;
  tick_timer_t t;
  int r, i;
  (void)arg;
  r = tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK);
  if (r != 0) return r;
  /* The slab and the timer structures first, so that the only allocation left to fail
   * is the site table's (its creation, then its growth). */
  r = tick_set_timeout(loop, 1, nop_timer, NULL, &t);
  if (r == 0) r = tick_loop_record_sites(loop, 1);
  for (i = 0; r == 0 && i < 40; i++) r = tick_set_timeout(loop, 1, nop_timer, NULL, &t);
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST(sites_growth_failure_drops_the_site) {
  tick_loop_t *loop;
  tick_timer_t t;
  site_probe_t probe;
  int i;
  test_alloc_install();
  ASSERT_GE(test_alloc_each_failure(dropped_scenario, NULL), 2);
  /* And what a dropped site looks like: the timer is made, its site is unknown. */
  ASSERT_OK(tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_OK(tick_set_timeout(loop, 1, nop_timer, NULL, &t));
  ASSERT_OK(tick_loop_record_sites(loop, 1));
  for (i = 0; i < 32; i++) ASSERT_OK(tick_set_timeout(loop, 1, nop_timer, NULL, &t));
  test_alloc_fail_at(1); /* the 33rd entry grows the table (64 buckets, half full) */
  ASSERT_OK(make_timer_here(loop, &t));
  ASSERT(test_alloc_failed());
  ASSERT_UEQ(tick_loop_sites_dropped(loop), 1);
  probe.id = t.id;
  probe.site = (const void *)1;
  tick_loop_walk(loop, find_id, &probe);
  ASSERT(probe.site == NULL); /* the timer was made, its site dropped */
  ASSERT_OK(make_timer_here(loop, &t)); /* the next note grows the table */
  probe.id = t.id;
  probe.site = NULL;
  tick_loop_walk(loop, find_id, &probe);
  ASSERT(probe.site != NULL);
  ASSERT_UEQ(tick_loop_sites_dropped(loop), 1);
  ASSERT_OK(tick_loop_advance(loop, 50));
  ASSERT_OK(tick_loop_destroy(loop));
}
