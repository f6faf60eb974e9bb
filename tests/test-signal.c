/* test-signal.c - signal watchers: delivery while the loop is idle (a signal from another
 * thread) and busy (raised inside a long callback), several watchers, several loops on
 * several threads, start/stop at any time, the previous disposition restored, unref,
 * bad input, allocation failure at each site, and SIGCHLD watched while children run. */
#include "test.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void *handler_of(int signum) {
  struct sigaction sa;
  ASSERT_EQ(sigaction(signum, NULL, &sa), 0);
  return (void *)(uintptr_t)sa.sa_handler;
}

typedef struct counter_s {
  int calls;
  int closes;
  int close_on_call;
  tick_signal_t w;
  int last_signum;
} counter_t;

static void count_close(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((counter_t *)arg)->closes++;
}

static void count_cb(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  counter_t *c = arg;
  c->calls++;
  c->last_signum = signum;
  ASSERT_UEQ(w.id, c->w.id);
  if (c->close_on_call) ASSERT_OK(tick_signal_close(loop, w, count_close, c));
}

static void *kill_later(void *arg) {
  sleep_ms(20);
  kill(getpid(), (int)(intptr_t)arg);
  return NULL;
}

TEST(signal_idle_from_other_thread) {
  tick_loop_t *loop;
  counter_t c = {0};
  pthread_t t;
  void *before;
  signal(SIGUSR1, SIG_IGN);
  before = handler_of(SIGUSR1);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &c.w));
  ASSERT_OK(tick_signal_start(loop, c.w, SIGUSR1, count_cb, &c));
  ASSERT(handler_of(SIGUSR1) != before);
  c.close_on_call = 1;
  ASSERT_EQ(pthread_create(&t, NULL, kill_later, (void *)(intptr_t)SIGUSR1), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_EQ(c.calls, 1);
  ASSERT_EQ(c.closes, 1);
  ASSERT_EQ(c.last_signum, SIGUSR1);
  ASSERT_PTR_EQ(handler_of(SIGUSR1), before); /* the previous disposition is back */
  ASSERT_ERR(tick_signal_stop(loop, c.w), TICK_ESTALE);
  ASSERT_ERR(tick_signal_close(loop, c.w, NULL, NULL), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
}

typedef struct busy_s {
  counter_t c;
  int in_callback;
  int seen_inside;
  int ticks;
} busy_t;

static void busy_signal_cb(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  busy_t *b = arg;
  (void)signum;
  if (b->in_callback) b->seen_inside = 1;
  b->c.calls++;
  ASSERT_OK(tick_signal_close(loop, w, NULL, NULL));
}

static void busy_tick(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((busy_t *)arg)->ticks++;
}

static void long_callback(tick_loop_t *loop, void *arg) {
  busy_t *b = arg;
  b->in_callback = 1;
  /* Two arrivals during a long callback: the kernel and tick may coalesce them. */
  ASSERT_EQ(raise(SIGUSR2), 0);
  sleep_ms(30);
  ASSERT_EQ(raise(SIGUSR2), 0);
  sleep_ms(30);
  ASSERT_EQ(b->c.calls, 0); /* never from inside another callback */
  ASSERT_OK(tick_next_tick(loop, busy_tick, b));
  b->in_callback = 0;
}

TEST(signal_busy_delivered_after_long_callback) {
  tick_loop_t *loop;
  busy_t b;
  memset(&b, 0, sizeof(b));
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &b.c.w));
  ASSERT_OK(tick_signal_start(loop, b.c.w, SIGUSR2, busy_signal_cb, &b));
  ASSERT_OK(tick_set_immediate(loop, long_callback, &b, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(b.c.calls, 1);
  ASSERT_EQ(b.seen_inside, 0);
  ASSERT_EQ(b.ticks, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Several watchers on one signal: each called once per arrival, in start order; one
 * stopped by an earlier callback of the same dispatch is not called; one started by a
 * callback waits for the next arrival. */
static char order[64];
static tick_signal_t several[4];

static void several_cb(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  int i = (int)(intptr_t)arg;
  char s[2] = {(char)('a' + i), 0};
  (void)w, (void)signum;
  strcat(order, s);
  if (i == 0 && strlen(order) == 1) {
    ASSERT_OK(tick_signal_stop(loop, several[2]));
    ASSERT_OK(tick_signal_start(loop, several[3], SIGUSR1, several_cb, (void *)3));
  }
}

static void raise_usr1(tick_loop_t *loop, void *arg) {
  (void)loop, (void)arg;
  ASSERT_EQ(raise(SIGUSR1), 0);
}

TEST(signal_several_watchers_start_stop) {
  tick_loop_t *loop;
  int i;
  order[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < 4; i++) ASSERT_OK(tick_signal_create(loop, &several[i]));
  for (i = 0; i < 3; i++)
    ASSERT_OK(tick_signal_start(loop, several[i], SIGUSR1, several_cb, (void *)(intptr_t)i));
  ASSERT_OK(tick_set_immediate(loop, raise_usr1, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_STR_EQ(order, "ab");
  /* Second arrival: a, b and the late d; c stays stopped. */
  ASSERT_OK(tick_set_immediate(loop, raise_usr1, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_STR_EQ(order, "ababd");
  /* Restart c after a stop: it is called again. Restarting a started one is fine. */
  ASSERT_OK(tick_signal_start(loop, several[2], SIGUSR1, several_cb, (void *)2));
  ASSERT_OK(tick_signal_start(loop, several[0], SIGUSR1, several_cb, (void *)0));
  ASSERT_OK(tick_set_immediate(loop, raise_usr1, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_STR_EQ(order, "ababdabdc");
  for (i = 0; i < 4; i++) ASSERT_OK(tick_signal_close(loop, several[i], NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_PTR_EQ(handler_of(SIGUSR1), SIG_DFL);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Two loops on two threads watch the same signal; one kill reaches both. */
typedef struct two_s {
  atomic_int started;
  int calls;
} two_t;

static void two_cb(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  two_t *t = arg;
  (void)signum;
  t->calls++;
  ASSERT_OK(tick_signal_close(loop, w, NULL, NULL));
}

static void *two_thread(void *arg) {
  two_t *t = arg;
  tick_loop_t *loop;
  tick_signal_t w;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &w));
  ASSERT_OK(tick_signal_start(loop, w, SIGUSR2, two_cb, t));
  atomic_fetch_add(&t->started, 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  return NULL;
}

TEST(signal_two_loops_two_threads) {
  two_t t[2];
  pthread_t th[2];
  atomic_int *started[2];
  int i;
  memset(t, 0, sizeof(t));
  for (i = 0; i < 2; i++) ASSERT_EQ(pthread_create(&th[i], NULL, two_thread, &t[i]), 0);
  started[0] = &t[0].started;
  started[1] = &t[1].started;
  while (atomic_load(started[0]) == 0 || atomic_load(started[1]) == 0) sleep_ms(1);
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  for (i = 0; i < 2; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_EQ(t[0].calls, 1);
  ASSERT_EQ(t[1].calls, 1);
  ASSERT_PTR_EQ(handler_of(SIGUSR2), SIG_DFL);
}

TEST(signal_unref_does_not_keep_loop_alive) {
  tick_loop_t *loop;
  tick_signal_t w;
  counter_t c = {0};
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &w));
  ASSERT_EQ(tick_loop_alive(loop), 0); /* a stopped watcher does not */
  ASSERT_OK(tick_signal_start(loop, w, SIGUSR1, count_cb, &c));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_signal_unref(loop, w));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_signal_ref(loop, w));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_signal_stop(loop, w));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY); /* not closed yet */
  ASSERT_OK(tick_signal_close(loop, w, count_close, &c));
  ASSERT_EQ(c.closes, 0); /* never from inside the call */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.closes, 1);
  ASSERT_EQ(c.calls, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A pending arrival is dropped for a watcher stopped before the loop dispatched it. */
TEST(signal_stopped_before_dispatch_not_called) {
  tick_loop_t *loop;
  counter_t a = {0}, b = {0};
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &a.w));
  ASSERT_OK(tick_signal_create(loop, &b.w));
  ASSERT_OK(tick_signal_start(loop, a.w, SIGUSR1, count_cb, &a));
  ASSERT_OK(tick_signal_start(loop, b.w, SIGUSR1, count_cb, &b));
  ASSERT_EQ(raise(SIGUSR1), 0);
  ASSERT_OK(tick_signal_stop(loop, a.w));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
  ASSERT_EQ(a.calls, 0);
  ASSERT_EQ(b.calls, 1);
  ASSERT_OK(tick_signal_close(loop, a.w, NULL, NULL));
  ASSERT_OK(tick_signal_close(loop, b.w, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void *wrong_thread(void *arg) {
  tick_loop_t *loop = arg;
  tick_signal_t w = {TICK_NULL_ID};
  ASSERT_ERR(tick_signal_create(loop, &w), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_signal_start(loop, w, SIGUSR1, count_cb, NULL), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_signal_stop(loop, w), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_signal_close(loop, w, NULL, NULL), TICK_EWRONGTHREAD);
  return NULL;
}

TEST(signal_bad_input) {
  tick_loop_t *loop;
  tick_signal_t w, null_w = {TICK_NULL_ID}, bogus = {12345};
  pthread_t t;
  ASSERT_ERR(tick_signal_create(NULL, &w), TICK_EINVAL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_ERR(tick_signal_create(loop, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, null_w, SIGUSR1, count_cb, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_signal_stop(loop, bogus), TICK_ESTALE);
  ASSERT_OK(tick_signal_create(loop, &w));
  ASSERT_ERR(tick_signal_start(loop, w, 0, count_cb, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, w, 65, count_cb, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, w, SIGKILL, count_cb, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, w, SIGSTOP, count_cb, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, w, SIGUSR1, NULL, NULL), TICK_EINVAL);
  ASSERT_OK(tick_signal_stop(loop, w)); /* stopping a stopped watcher: nothing */
  ASSERT_EQ(pthread_create(&t, NULL, wrong_thread, loop), 0);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  ASSERT_OK(tick_signal_close(loop, w, NULL, NULL));
  ASSERT_ERR(tick_signal_close(loop, w, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_signal_ref(loop, w), TICK_ESTALE);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Watchers created and closed again and again on one loop: the eventfd and the table
 * place come and go with the first and last watcher. */
TEST(signal_churn) {
  tick_loop_t *loop;
  int i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < 200; i++) {
    counter_t c = {0};
    ASSERT_OK(tick_signal_create(loop, &c.w));
    ASSERT_OK(tick_signal_start(loop, c.w, SIGUSR1, count_cb, &c));
    c.close_on_call = 1;
    ASSERT_EQ(raise(SIGUSR1), 0);
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
    ASSERT_EQ(c.calls, 1);
    ASSERT_EQ(c.closes, 1);
  }
  ASSERT_OK(tick_loop_destroy(loop));
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  counter_t c = {0}, d = {0};
  int r;
  (void)arg;
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  r = tick_signal_create(loop, &c.w);
  if (r == 0) {
    ASSERT_OK(tick_signal_start(loop, c.w, SIGUSR1, count_cb, &c));
    /* A second watcher may grow the table. */
    r = tick_signal_create(loop, &d.w);
    if (r == 0) ASSERT_OK(tick_signal_start(loop, d.w, SIGUSR1, count_cb, &d));
    ASSERT_EQ(raise(SIGUSR1), 0);
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_EQ(c.calls, 1);
    if (r == 0) {
      int r2 = tick_signal_close(loop, d.w, NULL, NULL);
      if (r2 != 0) {
        ASSERT_EQ(r2, TICK_ENOMEM); /* unchanged: close it again */
        r = r2;
        ASSERT_OK(tick_signal_close(loop, d.w, NULL, NULL));
      }
    }
    {
      int r3 = tick_signal_close(loop, c.w, count_close, &c);
      if (r3 != 0) {
        ASSERT_EQ(r3, TICK_ENOMEM);
        r = r3;
        ASSERT_OK(tick_signal_close(loop, c.w, count_close, &c));
      }
    }
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
    ASSERT_EQ(c.closes, 1);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_PTR_EQ(handler_of(SIGUSR1), SIG_DFL);
  return r;
}

TEST(signal_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 3); /* loop, module state, table */
}

/* Watching SIGCHLD does not disturb child processes (they use pidfds), and the watcher
 * sees the children's SIGCHLD. */
typedef struct chld_s {
  int signals;
  int exits;
  tick_signal_t w;
} chld_t;

static void chld_signal(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  chld_t *c = arg;
  (void)loop, (void)w;
  ASSERT_EQ(signum, SIGCHLD);
  if (++c->signals == 1 && c->exits == 3) ASSERT_OK(tick_signal_close(loop, w, NULL, NULL));
}

static void chld_exit(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  chld_t *c = arg;
  ASSERT_EQ(status, 0);
  ASSERT_EQ(sig, 0);
  if (++c->exits == 3 && c->signals >= 1) ASSERT_OK(tick_signal_close(loop, c->w, NULL, NULL));
  ASSERT_OK(tick_process_close(loop, p, NULL, NULL));
}

TEST(signal_sigchld_watched_while_spawning) {
  tick_loop_t *loop;
  chld_t c = {0};
  char *argv[] = {"true", NULL};
  tick_process_options_t o;
  tick_process_t p;
  int i;
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  o.exit_cb = chld_exit;
  o.arg = &c;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &c.w));
  ASSERT_OK(tick_signal_start(loop, c.w, SIGCHLD, chld_signal, &c));
  for (i = 0; i < 3; i++) ASSERT_OK(tick_spawn(loop, &o, &p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.exits, 3);
  ASSERT_GE(c.signals, 1);
  ASSERT_EQ(waitpid(-1, NULL, WNOHANG), -1); /* all reaped */
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------ fault and unwatchable signals ---- */

#include <fcntl.h>
#include <sys/mman.h>

/* SIGSEGV, SIGBUS, SIGFPE and SIGILL are refused with TICK_ENOTSUP: a handler that
 * returns from a real fault runs the faulting instruction again, forever. SIGKILL and
 * SIGSTOP cannot be caught at all: TICK_EINVAL. The disposition is left as it was. */
TEST(signal_fault_signals_refused) {
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  tick_loop_t *loop;
  tick_signal_t w;
  size_t i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_signal_create(loop, &w));
  for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    void *before = handler_of(faults[i]);
    ASSERT_ERR(tick_signal_start(loop, w, faults[i], count_cb, NULL), TICK_ENOTSUP);
    ASSERT_PTR_EQ(handler_of(faults[i]), before);
  }
  ASSERT_ERR(tick_signal_start(loop, w, SIGKILL, count_cb, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_signal_start(loop, w, SIGSTOP, count_cb, NULL), TICK_EINVAL);
  /* A refused start leaves a started watcher as it was. */
  ASSERT_OK(tick_signal_start(loop, w, SIGUSR1, count_cb, NULL));
  ASSERT_ERR(tick_signal_start(loop, w, SIGSEGV, count_cb, NULL), TICK_ENOTSUP);
  ASSERT(handler_of(SIGUSR1) != (void *)(uintptr_t)SIG_DFL);
  ASSERT_OK(tick_signal_close(loop, w, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT(handler_of(SIGUSR1) == (void *)(uintptr_t)SIG_DFL);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Makes a real fault of the kind `signum` names (not a kill). */
static void fault(int signum) {
  long page = sysconf(_SC_PAGESIZE);
  switch (signum) {
    case SIGSEGV: {
      volatile char *p = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) *p = 1;
      break;
    }
    case SIGBUS: {
      /* A shared mapping past the end of an empty file. */
      char path[] = "/tmp/tick-sigbus-XXXXXX";
      int fd = mkstemp(path);
      volatile char *p;
      if (fd < 0) break;
      unlink(path);
      p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) (void)*p;
      break;
    }
    case SIGFPE: {
      volatile int zero = 0, x = 1;
      x = x / zero;
      break;
    }
    case SIGILL:
#if defined(__x86_64__) || defined(__i386__)
      __asm__ volatile("ud2");
#elif defined(__aarch64__)
      __asm__ volatile(".inst 0x00000000");
#endif
      break;
  }
}

/* A program that tries to watch a fault signal and then faults dies of the fault, within
 * a few seconds: it never spins on a handler that returns. (Under the sanitizers their
 * own handler reports the fault and aborts: SIGABRT.) */
TEST(signal_fault_after_watch_attempt_dies) {
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  const char *scale = getenv("TICK_TEST_TIMEOUT_SCALE");
  int limit_ms = 5000 * (scale != NULL && atoi(scale) > 1 ? atoi(scale) : 1);
  size_t i;
  if (getenv("TICK_TEST_VALGRIND") != NULL)
    fprintf(stderr, "expected below: four children terminated by SIGSEGV, SIGBUS, SIGFPE, "
                    "SIGILL\n"); /* valgrind reports them on its own descriptor */
  for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    int signum = faults[i], status = 0, waited = 0;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      tick_loop_t *loop;
      tick_signal_t w;
      int devnull = open("/dev/null", O_WRONLY);
      if (tick_loop_create(&loop, 0) != 0 || tick_signal_create(loop, &w) != 0) _exit(3);
      (void)tick_signal_start(loop, w, signum, count_cb, NULL);
      if (devnull >= 0) dup2(devnull, 2); /* the sanitizers' report is expected noise */
      fault(signum);
      _exit(4); /* the fault did not happen */
    }
    while (waited < limit_ms) {
      pid_t r = waitpid(pid, &status, WNOHANG);
      ASSERT_GE(r, 0);
      if (r == pid) break;
      sleep_ms(10);
      waited += 10;
    }
    if (waited >= limit_ms) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fprintf(stderr, "signal %d: the faulting child hung\n", signum);
      ASSERT(0);
    }
    if (WIFSIGNALED(status)) {
      if (WTERMSIG(status) != SIGABRT) ASSERT_EQ(WTERMSIG(status), signum);
    } else {
      ASSERT(WIFEXITED(status));
      ASSERT_NE(WEXITSTATUS(status), 0);
      ASSERT_NE(WEXITSTATUS(status), 3);
      ASSERT_NE(WEXITSTATUS(status), 4);
    }
  }
}
