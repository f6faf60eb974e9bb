/* test-process.c - child processes: exit codes, terminating signals, kill, stdio (pipes
 * with megabytes of output read through tick_poll, stdin pipe, inherit, ignore, a given
 * fd), env and cwd, uid/gid, many children at once, a missing program (an error, no
 * zombie, no descriptor left), detached children, closing before the exit, the promise
 * form, the SIGCHLD fallback, bad input, wrong thread, allocation failure at each site,
 * examples/supervisor run end to end, and the parent's pipe ends wrapped as tick streams
 * (tick_pipe_open, from branch net). */
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Internal (src/process.c): use the SIGCHLD fallback on this loop. */
int tick__process_force_sigchld(tick_loop_t *loop);

static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;
  ASSERT(d != NULL);
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the directory's own fd */
}

static void assert_no_children(void) {
  errno = 0;
  ASSERT_EQ(waitpid(-1, NULL, WNOHANG), -1);
  ASSERT_EQ(errno, ECHILD);
}

typedef struct exit_s {
  int calls;
  int status;
  int sig;
  int close_in_cb;
  int closes;
  int closes_at_exit; /* `closes` when the exit callback ran */
  tick_process_t p;
} exit_t;

static void on_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((exit_t *)arg)->closes++;
}

static void on_exit_cb(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  exit_t *e = arg;
  e->calls++;
  e->status = status;
  e->sig = sig;
  e->closes_at_exit = e->closes;
  if (e->p.id != TICK_NULL_ID) ASSERT_UEQ(p.id, e->p.id);
  if (status == TICK_ECANCELED) {
    /* Closed before the exit: the handle is already stale. */
    ASSERT_ERR(tick_process_kill(loop, p, SIGTERM), TICK_ESTALE);
    return;
  }
  ASSERT_ERR(tick_process_kill(loop, p, SIGTERM), TICK_ESRCH); /* exited: never signalled */
  if (e->close_in_cb) ASSERT_OK(tick_process_close(loop, p, on_closed, e));
}

static void opts_init(tick_process_options_t *o, char **argv, exit_t *e) {
  memset(o, 0, sizeof(*o));
  o->file = argv[0];
  o->argv = argv;
  o->exit_cb = on_exit_cb;
  o->arg = e;
}

/* The usual set-up: a cleared exit record, a loop (on the SIGCHLD fallback if
 * `fallback`), and options that run argv and report to `e`. */
static tick_loop_t *setup(tick_process_options_t *o, char **argv, exit_t *e, int fallback) {
  tick_loop_t *loop;
  memset(e, 0, sizeof(*e));
  ASSERT_OK(tick_loop_create(&loop, 0));
  if (fallback) ASSERT_OK(tick__process_force_sigchld(loop));
  opts_init(o, argv, e);
  return loop;
}

static void run_exit(int fallback, char **argv, int want_status, int want_sig) {
  tick_loop_t *loop;
  tick_process_options_t o;
  exit_t e;
  loop = setup(&o, argv, &e, fallback);
  e.close_in_cb = 1;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_GT(tick_process_pid(loop, e.p), 0);
  ASSERT_EQ(e.calls, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.closes, 1);
  ASSERT_EQ(e.status, want_status);
  ASSERT_EQ(e.sig, want_sig);
  ASSERT_ERR(tick_process_pid(loop, e.p), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

TEST(process_exit_codes) {
  char *ok[] = {"true", NULL};
  char *fail[] = {"false", NULL};
  char *three[] = {"/bin/sh", "-c", "exit 3", NULL};
  char *killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
  run_exit(0, ok, 0, 0);
  run_exit(0, fail, 1, 0);
  run_exit(0, three, 3, 0);
  run_exit(0, killed, 0, SIGKILL);
}

TEST(process_sigchld_fallback_exit_codes) {
  char *three[] = {"/bin/sh", "-c", "exit 3", NULL};
  char *killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
  run_exit(1, three, 3, 0);
  run_exit(1, killed, 0, SIGKILL);
}

static void kill_test(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  exit_t e;
  loop = setup(&o, argv, &e, fallback);
  e.close_in_cb = 1;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_OK(tick_process_kill(loop, e.p, 0));
  ASSERT_ERR(tick_process_kill(loop, e.p, -1), TICK_EINVAL);
  ASSERT_ERR(tick_process_kill(loop, e.p, 65), TICK_EINVAL);
  ASSERT_OK(tick_process_kill(loop, e.p, SIGTERM));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.sig, SIGTERM);
  ASSERT_EQ(e.status, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

TEST(process_kill) { kill_test(0); }
TEST(process_sigchld_fallback_kill) { kill_test(1); }

/* Reads a pipe to its end through tick_poll, counting bytes and keeping the first 256. */
typedef struct reader_s {
  int fd;
  tick_poll_t w;
  size_t total;
  char head[256];
  int eof;
} reader_t;

static void reader_cb(tick_loop_t *loop, tick_poll_t w, int status, unsigned events,
                      void *arg) {
  reader_t *r = arg;
  char buf[65536];
  (void)status, (void)events;
  for (;;) {
    ssize_t n = read(r->fd, buf, sizeof(buf));
    if (n > 0) {
      if (r->total < sizeof(r->head) - 1) {
        size_t k = sizeof(r->head) - 1 - r->total;
        if (k > (size_t)n) k = (size_t)n;
        memcpy(r->head + r->total, buf, k);
      }
      r->total += (size_t)n;
      continue;
    }
    if (n == 0) {
      r->eof = 1;
      ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
      return;
    }
    ASSERT_EQ(errno, EAGAIN);
    return;
  }
}

static void reader_start(tick_loop_t *loop, reader_t *r, int fd) {
  memset(r, 0, sizeof(*r));
  r->fd = fd;
  ASSERT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  ASSERT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_OK(tick_poll_create(loop, fd, &r->w));
  ASSERT_OK(tick_poll_start(loop, r->w, TICK_READABLE, reader_cb, r));
}

TEST(process_pipe_large_output) {
  tick_loop_t *loop;
  tick_process_options_t o;
  size_t mb = slow_build() ? 4 : 32;
  char count[32];
  char *argv[] = {"head", "-c", count, "/dev/zero", NULL};
  tick_stdio_t stdio[2] = {{TICK_STDIO_IGNORE, -1}, {TICK_STDIO_PIPE_FROM_CHILD, -1}};
  exit_t e;
  reader_t r;
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  snprintf(count, sizeof(count), "%zu", mb << 20);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 2;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_GE(stdio[1].fd, 0);
  reader_start(loop, &r, stdio[1].fd);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_EQ(r.eof, 1);
  ASSERT_UEQ(r.total, mb << 20);
  close(stdio[1].fd);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(process_stdin_pipe) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"cat", NULL};
  tick_stdio_t stdio[3] = {{TICK_STDIO_PIPE_TO_CHILD, -1},
                           {TICK_STDIO_PIPE_FROM_CHILD, -1},
                           {TICK_STDIO_INHERIT, -1}};
  exit_t e;
  reader_t r;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  o.stdio = stdio;
  o.stdio_count = 3;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(fcntl(stdio[0].fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
  ASSERT_EQ(write(stdio[0].fd, "hello, cat\n", 11), 11);
  close(stdio[0].fd);
  reader_start(loop, &r, stdio[1].fd);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_STR_EQ(r.head, "hello, cat\n");
  close(stdio[1].fd);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void read_file(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY);
  ssize_t n;
  ASSERT(fd >= 0);
  n = read(fd, buf, len - 1);
  ASSERT(n >= 0);
  buf[n] = 0;
  close(fd);
}

/* stdout to a given fd, stderr ignored, fd 9 inherited (4..8 left closed), env and cwd
 * set. */
TEST(process_fd_ignore_inherit_env_cwd) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char out_path[] = "/tmp/tick-proc-outXXXXXX", three_path[] = "/tmp/tick-proc-3XXXXXX";
  char *argv[] = {"sh", "-c",
                  "echo \"$FOO $(pwd)\"; echo err >&2; echo nine >&9; "
                  "for i in 3 4 5 6 7 8; do [ -e /proc/self/fd/$i ] && echo open $i; done; "
                  "exit 0",
                  NULL};
  char *env[] = {"FOO=bar", "PATH=/usr/bin:/bin", NULL};
  tick_stdio_t stdio[10];
  char buf[256];
  int out, three, saved9 = -1, i;
  exit_t e;
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  out = mkstemp(out_path);
  three = mkstemp(three_path);
  ASSERT(out >= 0 && three >= 0);
  for (i = 0; i < 10; i++) stdio[i].type = TICK_STDIO_IGNORE;
  stdio[1].type = TICK_STDIO_FD;
  stdio[9].type = TICK_STDIO_INHERIT;
  /* fd 9 of this process becomes the file, to be inherited. */
  if (fcntl(9, F_GETFD) >= 0) saved9 = fcntl(9, F_DUPFD_CLOEXEC, 20);
  ASSERT_EQ(dup2(three, 9), 9);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.file = "sh";
  o.env = env;
  o.cwd = "/tmp";
  stdio[1].fd = out;
  o.stdio = stdio;
  o.stdio_count = 10;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.status, 0);
  read_file(out_path, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "bar /tmp\n");
  read_file(three_path, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "nine\n");
  ASSERT_OK(tick_loop_destroy(loop));
  close(9);
  if (saved9 >= 0) {
    dup2(saved9, 9);
    close(saved9);
  }
  close(out);
  close(three);
  unlink(out_path);
  unlink(three_path);
}

/* The child's fds above what `stdio` lists are closed (close-on-exec of the parent's
 * pipes) and 0..2 default to /dev/null. */
TEST(process_default_stdio_is_dev_null) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char path[] = "/tmp/tick-proc-nullXXXXXX";
  char *argv[] = {"sh", "-c", "readlink /proc/self/fd/0 /proc/self/fd/2 >&3", NULL};
  tick_stdio_t stdio[4] = {{TICK_STDIO_IGNORE, -1},
                           {TICK_STDIO_IGNORE, -1},
                           {TICK_STDIO_IGNORE, -1},
                           {TICK_STDIO_FD, -1}};
  char buf[256];
  exit_t e;
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  stdio[3].fd = mkstemp(path);
  ASSERT(stdio[3].fd >= 0);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 4;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.status, 0);
  read_file(path, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "/dev/null\n/dev/null\n");
  ASSERT_OK(tick_loop_destroy(loop));
  close(stdio[3].fd);
  unlink(path);
}

TEST(process_uid_gid_current) {
  char *argv[] = {"true", NULL};
  tick_loop_t *loop;
  tick_process_options_t o;
  exit_t e;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  o.flags = TICK_PROCESS_SETUID | TICK_PROCESS_SETGID;
  o.uid = getuid();
  o.gid = getgid();
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.status, 0);
  if (getuid() != 0) {
    /* Unprivileged: another uid is refused in the child and reported by spawn. */
    o.uid = getuid() + 1;
    ASSERT_ERR(tick_spawn(loop, &o, &e.p), TICK_EPERM);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

typedef struct many_s {
  int exits, bad;
} many_t;

static void many_exit(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  many_t *m = arg;
  (void)loop, (void)p;
  m->exits++;
  if (status != 0 || sig != 0) m->bad++;
}

static void many_test(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"true", NULL};
  many_t m = {0, 0};
  int n = slow_build() ? 20 : 100, i, fds = count_fds();
  ASSERT_OK(tick_loop_create(&loop, 0));
  if (fallback) ASSERT_OK(tick__process_force_sigchld(loop));
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  o.exit_cb = many_exit;
  o.arg = &m;
  /* No handle asked for: each closes itself after its exit callback. */
  for (i = 0; i < n; i++) ASSERT_OK(tick_spawn(loop, &o, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(m.exits, n);
  ASSERT_EQ(m.bad, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_EQ(count_fds(), fds);
  assert_no_children();
}

TEST(process_many_children) { many_test(0); }
TEST(process_sigchld_fallback_many_children) { many_test(1); }

TEST(process_missing_program_is_an_error) {
  tick_loop_t *loop;
  tick_process_options_t o;
  tick_process_t p = {TICK_NULL_ID};
  char *argv[] = {"tick-no-such-program", NULL};
  char *abs_argv[] = {"/nonexistent/tick-no-such-program", NULL};
  char *true_argv[] = {"true", NULL};
  tick_stdio_t stdio[2] = {{TICK_STDIO_PIPE_TO_CHILD, -1}, {TICK_STDIO_PIPE_FROM_CHILD, -1}};
  exit_t e;
  int fds;
  memset(&e, 0, sizeof(e));
  ASSERT_OK(tick_loop_create(&loop, 0));
  fds = count_fds();
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 2;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_ENOENT);
  ASSERT_EQ(stdio[0].fd, -1); /* nothing stored, nothing left open */
  opts_init(&o, abs_argv, &e);
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_ENOENT);
  opts_init(&o, true_argv, &e);
  o.cwd = "/nonexistent-dir";
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_ENOENT);
  opts_init(&o, true_argv, &e);
  o.cwd = "/etc/passwd";
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_ENOTDIR);
  o.file = "/etc/passwd"; /* not executable */
  o.cwd = NULL;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EACCES);
  ASSERT_UEQ(p.id, TICK_NULL_ID);
  ASSERT_EQ(e.calls, 0);
  /* Nothing keeps the loop (in the SIGCHLD fallback, used under valgrind, the internal
   * watcher still has its close phase to go through). */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  assert_no_children(); /* no zombie */
  ASSERT_EQ(count_fds(), fds);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(process_detached) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  exit_t e;
  int pid;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  o.flags = TICK_PROCESS_DETACHED;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  pid = tick_process_pid(loop, e.p);
  ASSERT_EQ(getsid(pid), pid); /* leads its own session */
  ASSERT_EQ(getpgid(pid), pid);
  ASSERT_OK(tick_process_kill(loop, e.p, SIGKILL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.sig, SIGKILL);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void close_before_exit(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  exit_t e;
  int pid, st;
  loop = setup(&o, argv, &e, fallback);
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  pid = tick_process_pid(loop, e.p);
  ASSERT_OK(tick_process_close(loop, e.p, on_closed, &e));
  ASSERT_ERR(tick_process_close(loop, e.p, on_closed, &e), TICK_ESTALE);
  ASSERT_ERR(tick_process_kill(loop, e.p, SIGKILL), TICK_ESTALE);
  ASSERT_EQ(e.closes, 0);
  ASSERT_EQ(e.calls, 0); /* never from the closing call */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0); /* not kept alive any more */
  ASSERT_EQ(e.closes, 1);
  /* The accepted exit callback reports its cancellation, once, before the close
   * callback. */
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, TICK_ECANCELED);
  ASSERT_EQ(e.sig, 0);
  ASSERT_EQ(e.closes_at_exit, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  /* tick let it go: it is still ours to kill and reap. */
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT(WIFSIGNALED(st));
  assert_no_children();
}

TEST(process_close_before_exit) { close_before_exit(0); }
TEST(process_sigchld_fallback_close_before_exit) { close_before_exit(1); }

TEST(process_unref_ref) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  exit_t e;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_process_unref(loop, e.p));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY); /* a live handle */
  ASSERT_OK(tick_process_ref(loop, e.p));
  ASSERT_OK(tick_process_kill(loop, e.p, SIGTERM));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.sig, SIGTERM);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* The exit callback is a macrotask: its ticks and microtasks run before the next one. */
static char trail[64];

static void trail_tick(tick_loop_t *loop, void *arg) {
  (void)loop;
  strcat(trail, (const char *)arg);
}

static void trail_exit(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  (void)status, (void)sig;
  strcat(trail, (const char *)arg);
  ASSERT_OK(tick_next_tick(loop, trail_tick, "t"));
  ASSERT_OK(tick_process_close(loop, p, NULL, NULL));
}

TEST(process_exit_callback_is_a_macrotask) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"true", NULL};
  tick_process_t p;
  int i;
  trail[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  o.exit_cb = trail_exit;
  for (i = 0; i < 3; i++) {
    o.arg = "x";
    ASSERT_OK(tick_spawn(loop, &o, &p));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(trail, "xtxtxt");
  ASSERT_OK(tick_loop_destroy(loop));
}

typedef struct pres_s {
  int seen, status, sig;
} pres_t;

static int on_exit_value(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                         void *arg) {
  pres_t *r = arg;
  tick_process_exit_t *x = tick_promise_value(settled);
  (void)loop, (void)next;
  r->seen++;
  r->status = x->exit_status;
  r->sig = x->term_signal;
  ASSERT_GT(x->pid, 0);
  return 0;
}

TEST(process_promise) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"/bin/sh", "-c", "exit 7", NULL};
  char *missing[] = {"tick-no-such-program", NULL};
  tick_promise_t *pr = NULL, *then = NULL;
  pres_t r = {0, 0, 0};
  ASSERT_OK(tick_loop_create(&loop, 0));
  memset(&o, 0, sizeof(o));
  o.file = argv[0];
  o.argv = argv;
  ASSERT_OK(tick_spawn_promise(loop, &o, NULL, &pr));
  ASSERT_OK(tick_promise_then(pr, on_exit_value, NULL, &r, NULL, &then));
  o.file = missing[0];
  o.argv = missing;
  {
    tick_process_t none = {TICK_NULL_ID};
    ASSERT_ERR(tick_spawn_promise(loop, &o, &none, &pr), TICK_ENOENT);
    ASSERT_UEQ(none.id, TICK_NULL_ID); /* not set on failure */
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(r.seen, 1);
  ASSERT_EQ(r.status, 7);
  ASSERT_EQ(r.sig, 0);
  ASSERT_OK(tick_promise_release(then));
  ASSERT_OK(tick_promise_release(pr));
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* -------------------------------------------------- the promise form's handle ---- */

/* What a promise test saw: its fulfilment or rejection, in order with the close
 * callback. */
typedef struct pwatch_s {
  int fulfilled, rejected, error, status, sig, pid, closes, closes_at_settle;
  int handle_stale_at_settle; /* the handle was stale when the reaction ran */
  tick_process_t p;
  tick_loop_t *loop;
} pwatch_t;

static int pwatch_fulfilled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                            void *arg) {
  pwatch_t *w = arg;
  tick_process_exit_t *x = tick_promise_value(settled);
  (void)next;
  w->fulfilled++;
  w->status = x->exit_status;
  w->sig = x->term_signal;
  w->pid = x->pid;
  w->closes_at_settle = w->closes;
  w->handle_stale_at_settle = tick_process_pid(loop, w->p) == TICK_ESTALE;
  return 0;
}

static int pwatch_rejected(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                           void *arg) {
  pwatch_t *w = arg;
  tick_process_exit_t *x = tick_promise_value(settled);
  (void)next;
  w->rejected++;
  w->error = tick_promise_error(settled);
  ASSERT(x != NULL);
  w->status = x->exit_status;
  w->sig = x->term_signal;
  w->pid = x->pid;
  w->closes_at_settle = w->closes;
  w->handle_stale_at_settle = tick_process_pid(loop, w->p) == TICK_ESTALE;
  return 0;
}

static void pwatch_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((pwatch_t *)arg)->closes++;
}

/* Spawns `argv` in the promise form with a handle and a then(fulfilled, rejected). */
static tick_promise_t *pwatch_spawn(tick_loop_t *loop, tick_process_options_t *o,
                                    pwatch_t *w, tick_promise_t **then) {
  tick_promise_t *pr = NULL;
  memset(w, 0, sizeof(*w));
  w->loop = loop;
  ASSERT_OK(tick_spawn_promise(loop, o, &w->p, &pr));
  ASSERT(pr != NULL);
  ASSERT(w->p.id != TICK_NULL_ID);
  ASSERT_GT(tick_process_pid(loop, w->p), 0);
  ASSERT_OK(tick_promise_then(pr, pwatch_fulfilled, pwatch_rejected, w, NULL, then));
  return pr;
}

static void promise_kill_test(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  tick_promise_t *pr, *then;
  pwatch_t w;
  int pid;
  ASSERT_OK(tick_loop_create(&loop, 0));
  if (fallback) ASSERT_OK(tick__process_force_sigchld(loop));
  memset(&o, 0, sizeof(o));
  o.file = argv[0];
  o.argv = argv;
  pr = pwatch_spawn(loop, &o, &w, &then);
  pid = tick_process_pid(loop, w.p);
  ASSERT_OK(tick_process_kill(loop, w.p, SIGTERM));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(w.fulfilled, 1);
  ASSERT_EQ(w.rejected, 0);
  ASSERT_EQ(w.status, 0);
  ASSERT_EQ(w.sig, SIGTERM);
  ASSERT_EQ(w.pid, pid);
  /* The handle closed itself once the exit was reported, before the reaction ran. */
  ASSERT_EQ(w.handle_stale_at_settle, 1);
  ASSERT_ERR(tick_process_kill(loop, w.p, SIGTERM), TICK_ESTALE);
  ASSERT_ERR(tick_process_close(loop, w.p, NULL, NULL), TICK_ESTALE);
  ASSERT_OK(tick_promise_release(then));
  ASSERT_OK(tick_promise_release(pr));
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

TEST(process_promise_killed_through_handle) { promise_kill_test(0); }
TEST(process_sigchld_fallback_promise_killed_through_handle) { promise_kill_test(1); }

/* Closing the promise's handle before the exit rejects the promise with TICK_ECANCELED,
 * once, in the close phase (never from the closing call), before the close callback;
 * its reason carries the pid. The child is left running, for the program to reap. */
static void promise_close_test(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  tick_promise_t *pr, *then;
  pwatch_t w;
  int pid, st;
  ASSERT_OK(tick_loop_create(&loop, 0));
  if (fallback) ASSERT_OK(tick__process_force_sigchld(loop));
  memset(&o, 0, sizeof(o));
  o.file = argv[0];
  o.argv = argv;
  o.timeout_ms = 50; /* released by the close: it must not signal the child */
  pr = pwatch_spawn(loop, &o, &w, &then);
  pid = tick_process_pid(loop, w.p);
  ASSERT_OK(tick_process_close(loop, w.p, pwatch_closed, &w));
  ASSERT_ERR(tick_process_close(loop, w.p, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_process_kill(loop, w.p, SIGTERM), TICK_ESTALE);
  ASSERT_EQ(tick_promise_state(pr), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0); /* not kept alive any more */
  ASSERT_EQ(w.fulfilled, 0);
  ASSERT_EQ(w.rejected, 1);
  ASSERT_EQ(w.error, TICK_ECANCELED);
  ASSERT_EQ(w.status, TICK_ECANCELED);
  ASSERT_EQ(w.sig, 0);
  ASSERT_EQ(w.pid, pid);
  ASSERT_EQ(w.closes_at_settle, 0);
  ASSERT_EQ(w.closes, 1);
  ASSERT_EQ(tick_promise_state(pr), TICK_PROMISE_REJECTED);
  ASSERT_OK(tick_promise_release(then));
  ASSERT_OK(tick_promise_release(pr));
  ASSERT_OK(tick_loop_destroy(loop)); /* TICK_EBUSY if the timer were left */
  /* Well past the timeout, the child still runs: it was never signalled. */
  {
    struct timespec ts = {0, 150 * 1000000L};
    nanosleep(&ts, NULL);
  }
  ASSERT_EQ(waitpid(pid, &st, WNOHANG), 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT(WIFSIGNALED(st));
  ASSERT_EQ(WTERMSIG(st), SIGKILL);
  assert_no_children();
}

TEST(process_promise_close_before_exit) { promise_close_test(0); }
TEST(process_sigchld_fallback_promise_close_before_exit) { promise_close_test(1); }

/* ----------------------------------------------------- timeout and kill_signal ---- */

static int64_t elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* `sleep 10` with a 50 ms timeout: killed with kill_signal (0: SIGTERM), reported as a
 * normal exit by that signal; never before the timeout. Node: exit(null, 'SIGTERM'). */
static void timeout_test(int fallback, int kill_signal, int want_sig) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  struct timespec t0;
  exit_t e;
  int64_t took;
  loop = setup(&o, argv, &e, fallback);
  e.close_in_cb = 1;
  o.timeout_ms = 50;
  o.kill_signal = kill_signal;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  took = elapsed_ms(&t0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_EQ(e.sig, want_sig);
  ASSERT_EQ(e.closes, 1);
  ASSERT_GE(took, 49);   /* the loop clock counts whole milliseconds */
  ASSERT_LT(took, 9000); /* not the 10 s of sleep */
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

TEST(process_timeout_kills) { timeout_test(0, 0, SIGTERM); }
TEST(process_sigchld_fallback_timeout_kills) { timeout_test(1, 0, SIGTERM); }
TEST(process_timeout_kill_signal) { timeout_test(0, SIGKILL, SIGKILL); }
TEST(process_sigchld_fallback_timeout_kill_signal) { timeout_test(1, SIGUSR1, SIGUSR1); }

/* The promise form honours the timeout too. */
TEST(process_promise_timeout) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  tick_promise_t *pr, *then;
  pwatch_t w;
  ASSERT_OK(tick_loop_create(&loop, 0));
  memset(&o, 0, sizeof(o));
  o.file = argv[0];
  o.argv = argv;
  o.timeout_ms = 30;
  o.kill_signal = SIGINT;
  pr = pwatch_spawn(loop, &o, &w, &then);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(w.fulfilled, 1);
  ASSERT_EQ(w.sig, SIGINT);
  ASSERT_EQ(w.status, 0);
  ASSERT_OK(tick_promise_release(then));
  ASSERT_OK(tick_promise_release(pr));
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* A child that exits before its timeout is not signalled, and the timer goes with the
 * exit: the loop ends as soon as the child has (not after 20 s), and destroy finds no
 * timer left (it would return TICK_EBUSY). The exit callback does not close the handle:
 * the timer must go at the exit, not at the close. */
static void exit_before_timeout_test(int fallback) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"/bin/sh", "-c", "exit 4", NULL};
  struct timespec t0;
  exit_t e;
  loop = setup(&o, argv, &e, fallback);
  o.timeout_ms = 20000;
  o.kill_signal = SIGKILL;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_LT(elapsed_ms(&t0), 10000);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 4);
  ASSERT_EQ(e.sig, 0);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  /* The exited handle is left open (destroy frees it); a timer left behind would make
   * destroy return TICK_EBUSY. */
  ASSERT_GT(tick_process_pid(loop, e.p), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

TEST(process_exit_before_timeout) { exit_before_timeout_test(0); }
TEST(process_sigchld_fallback_exit_before_timeout) { exit_before_timeout_test(1); }

/* The timeout never keeps the loop alive by itself (Node's does: an unref'd child with a
 * timeout holds node up until the timeout). */
TEST(process_timeout_does_not_keep_loop_alive) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sleep", "10", NULL};
  struct timespec t0;
  exit_t e;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  o.timeout_ms = 20000;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_OK(tick_process_unref(loop, e.p));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_LT(elapsed_ms(&t0), 10000);
  ASSERT_EQ(e.calls, 0);
  ASSERT_OK(tick_process_ref(loop, e.p));
  ASSERT_OK(tick_process_kill(loop, e.p, SIGKILL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.sig, SIGKILL);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* A child that survives its kill_signal runs on; the exit is reported when it comes, as
 * a normal one. SIGCONT's default action does nothing to a running process. */
TEST(process_timeout_signal_survived) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"/bin/sh", "-c", "sleep 0.3; exit 6", NULL};
  exit_t e;
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  o.timeout_ms = 10;
  o.kill_signal = SIGCONT;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 6);
  ASSERT_EQ(e.sig, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* Bad values are refused before anything is started (Node throws ERR_OUT_OF_RANGE and
 * ERR_UNKNOWN_SIGNAL); the largest timeout is accepted. */
TEST(process_timeout_bad_values) {
  tick_loop_t *loop;
  tick_process_options_t o;
  tick_process_t p = {TICK_NULL_ID};
  tick_promise_t *pr = NULL;
  char *argv[] = {"true", NULL};
  exit_t e;
  int fds;
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  ASSERT_OK(tick_loop_create(&loop, 0));
  fds = count_fds();
  opts_init(&o, argv, &e);
  o.timeout_ms = -1;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  ASSERT_ERR(tick_spawn_promise(loop, &o, &p, &pr), TICK_EINVAL);
  o.timeout_ms = INT64_MIN;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.timeout_ms = (int64_t)TICK_TIMEOUT_MAX + 1;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.timeout_ms = 100;
  o.kill_signal = -1;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.kill_signal = 65;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  ASSERT_ERR(tick_spawn_promise(loop, &o, &p, &pr), TICK_EINVAL);
  o.timeout_ms = 0; /* an invalid kill_signal is refused even without a timeout */
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  ASSERT_UEQ(p.id, TICK_NULL_ID);
  ASSERT(pr == NULL);
  ASSERT_EQ(e.calls, 0);
  assert_no_children();
  ASSERT_EQ(count_fds(), fds);
  /* The extremes that are valid. */
  o.timeout_ms = TICK_TIMEOUT_MAX;
  o.kill_signal = 64;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_EQ(e.sig, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

static void *wrong_thread(void *arg) {
  tick_loop_t *loop = arg;
  tick_process_options_t o;
  tick_process_t p = {TICK_NULL_ID};
  char *argv[] = {"true", NULL};
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_process_kill(loop, p, SIGTERM), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_process_close(loop, p, NULL, NULL), TICK_EWRONGTHREAD);
  ASSERT_ERR(tick_process_pid(loop, p), TICK_EWRONGTHREAD);
  return NULL;
}

TEST(process_bad_input) {
  tick_loop_t *loop;
  tick_process_options_t o;
  tick_process_t p = {TICK_NULL_ID}, bogus = {0x100000007ull};
  tick_stdio_t bad_type[1] = {{42, -1}}, bad_fd[1] = {{TICK_STDIO_FD, -1}};
  pthread_t t;
  memset(&o, 0, sizeof(o));
  ASSERT_ERR(tick_spawn(NULL, &o, &p), TICK_EINVAL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_ERR(tick_spawn(loop, NULL, &p), TICK_EINVAL);
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL); /* no file */
  o.file = "";
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.file = "true";
  o.stdio = bad_type;
  o.stdio_count = 1;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.stdio = bad_fd;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.stdio_count = 65;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  o.stdio = NULL;
  o.stdio_count = 0;
  o.flags = 1u << 20;
  ASSERT_ERR(tick_spawn(loop, &o, &p), TICK_EINVAL);
  ASSERT_ERR(tick_spawn_promise(loop, &o, &p, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_process_pid(loop, p), TICK_ESTALE);
  ASSERT_ERR(tick_process_kill(loop, bogus, SIGTERM), TICK_ESTALE);
  ASSERT_ERR(tick_process_unref(loop, bogus), TICK_ESTALE);
  ASSERT_ERR(tick_process_close(loop, p, NULL, NULL), TICK_ESTALE);
  ASSERT_EQ(pthread_create(&t, NULL, wrong_thread, loop), 0);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  /* And a good one with the defaults: argv NULL means { file, NULL }. */
  {
    exit_t e;
    memset(&e, 0, sizeof(e));
    e.close_in_cb = 1;
    memset(&o, 0, sizeof(o));
    o.file = "true";
    o.exit_cb = on_exit_cb;
    o.arg = &e;
    ASSERT_OK(tick_spawn(loop, &o, &e.p));
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
    ASSERT_EQ(e.calls, 1);
    ASSERT_EQ(e.status, 0);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* Allocation failure at each site of a spawn with pipes, in both modes. */
static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"/bin/sh", "-c", "exit 5", NULL};
  tick_stdio_t stdio[2] = {{TICK_STDIO_IGNORE, -1}, {TICK_STDIO_PIPE_FROM_CHILD, -1}};
  exit_t e;
  int r;
  memset(&e, 0, sizeof(e));
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  if (arg != NULL) r = tick__process_force_sigchld(loop);
  if (r == 0) {
    opts_init(&o, argv, &e);
    o.stdio = stdio;
    o.stdio_count = 2;
    r = tick_spawn(loop, &o, NULL);
    if (r == 0) close(stdio[1].fd);
    else ASSERT_EQ(stdio[1].fd, -1);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, r == 0 ? 1 : 0);
  if (r == 0) ASSERT_EQ(e.status, 5);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
  return r;
}

TEST(process_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 3); /* loop, module state, table, ... */
  sites = test_alloc_each_failure(alloc_scenario, (void *)1);
  ASSERT_GE(sites, 4); /* + the SIGCHLD watcher */
}

/* The sites of the timeout and of the promise form's handle: the timeout's timer
 * (created after the exec: on failure the child is killed and reaped, nothing is left),
 * and the promise form with a handle,
 * fulfilled at the exit or rejected by a close before it. `arg` bit 0: the SIGCHLD
 * fallback; bit 1: close the promise's handle before the exit. */
typedef struct alloc_promise_s {
  int fulfilled, rejected, status, error;
} alloc_promise_t;

static int alloc_promise_fulfilled(tick_loop_t *loop, tick_promise_t *settled,
                                   tick_resolver_t *next, void *arg) {
  alloc_promise_t *a = arg;
  (void)loop, (void)next;
  a->fulfilled++;
  a->status = ((tick_process_exit_t *)tick_promise_value(settled))->exit_status;
  return 0;
}

static int alloc_promise_rejected(tick_loop_t *loop, tick_promise_t *settled,
                                  tick_resolver_t *next, void *arg) {
  alloc_promise_t *a = arg;
  (void)loop, (void)next;
  a->rejected++;
  a->error = tick_promise_error(settled);
  return 0;
}

static int alloc_timeout_scenario(void *arg) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"/bin/sh", "-c", "exit 5", NULL};
  exit_t e;
  int r;
  memset(&e, 0, sizeof(e));
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  if ((uintptr_t)arg & 1) r = tick__process_force_sigchld(loop);
  if (r == 0) {
    opts_init(&o, argv, &e);
    o.timeout_ms = 60000; /* never reached: the timer is made and released */
    r = tick_spawn(loop, &o, NULL);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, r == 0 ? 1 : 0);
  if (r == 0) ASSERT_EQ(e.status, 5);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
  return r;
}

static int alloc_promise_scenario(void *arg) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *exits[] = {"/bin/sh", "-c", "exit 5", NULL};
  char *sleeps[] = {"sleep", "10", NULL};
  int close_first = ((uintptr_t)arg & 2) != 0;
  tick_process_t p = {TICK_NULL_ID};
  tick_promise_t *pr = NULL, *then = NULL;
  alloc_promise_t a;
  int r, pid = -1, st;
  memset(&a, 0, sizeof(a));
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  if ((uintptr_t)arg & 1) r = tick__process_force_sigchld(loop);
  if (r == 0) {
    memset(&o, 0, sizeof(o));
    o.argv = close_first ? sleeps : exits;
    o.file = o.argv[0];
    o.timeout_ms = 60000;
    r = tick_spawn_promise(loop, &o, &p, &pr);
    if (r != 0) ASSERT_UEQ(p.id, TICK_NULL_ID);
  }
  if (r == 0) {
    pid = tick_process_pid(loop, p);
    ASSERT_GT(pid, 0);
    r = tick_promise_then(pr, alloc_promise_fulfilled, alloc_promise_rejected, &a, NULL,
                          &then);
  }
  if (r == 0 && close_first) r = tick_process_close(loop, p, NULL, NULL);
  if (r != 0 && pid > 0) {
    /* Something after the spawn failed: the child still runs and is watched; end it. */
    ASSERT_OK(tick_process_kill(loop, p, SIGKILL));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  if (r == 0 && close_first) {
    ASSERT_EQ(a.rejected, 1);
    ASSERT_EQ(a.error, TICK_ECANCELED);
    ASSERT_EQ(kill(pid, SIGKILL), 0); /* tick let it go: ours to reap */
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
  } else if (r == 0) {
    ASSERT_EQ(a.fulfilled, 1);
    ASSERT_EQ(a.status, 5);
  } else {
    ASSERT_EQ(a.fulfilled + a.rejected, 0);
  }
  if (pid > 0) ASSERT_ERR(tick_process_pid(loop, p), TICK_ESTALE);
  ASSERT_OK(tick_promise_release(then));
  ASSERT_OK(tick_promise_release(pr));
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
  return r;
}

TEST(process_alloc_failure_timeout_and_promise_handle) {
  size_t sites;
  uintptr_t mode;
  test_alloc_install();
  for (mode = 0; mode < 2; mode++) {
    sites = test_alloc_each_failure(alloc_timeout_scenario, (void *)mode);
    ASSERT_GE(sites, 4); /* loop, module state, table, timer (+ SIGCHLD watcher) */
  }
  for (mode = 0; mode < 4; mode++) {
    sites = test_alloc_each_failure(alloc_promise_scenario, (void *)mode);
    ASSERT_GE(sites, 5); /* + the result, the promise, the reaction, the close record */
  }
}

/* examples/supervisor: restarts its child, exits 0 on SIGTERM leaving no child. */
TEST_TIMEOUT(process_supervisor_example, 60) {
  char path[512], log_path[] = "/tmp/tick-supervisorXXXXXX", buf[4096];
  tick_loop_t *loop;
  tick_process_options_t o;
  tick_stdio_t stdio[3] = {{TICK_STDIO_IGNORE, -1}, {TICK_STDIO_FD, -1}, {TICK_STDIO_INHERIT, -1}};
  char *argv[] = {path, "/bin/sh", "-c", "echo started; sleep 0.2; exit 3", NULL};
  exit_t e;
  int fd, starts = 0, tries;
  char *s;
  /* run-tests is $(BUILD)/tests/run-tests; the example is $(BUILD)/examples/supervisor. */
  {
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
    char *slash;
    ASSERT(n > 0);
    path[n] = 0;
    slash = strstr(path, "/tests/run-tests");
    ASSERT(slash != NULL);
    strcpy(slash, "/examples/supervisor");
  }
  if (access(path, X_OK) != 0) {
    printf("# skipped: %s not built\n", path);
    return;
  }
  fd = mkstemp(log_path);
  ASSERT(fd >= 0);
  loop = setup(&o, argv, &e, 0);
  e.close_in_cb = 1;
  stdio[1].fd = fd;
  o.stdio = stdio;
  o.stdio_count = 3;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  /* Wait until the child has been started twice (one restart). */
  for (tries = 0; tries < 3000 && starts < 2; tries++) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
    read_file(log_path, buf, sizeof(buf));
    starts = 0;
    for (s = buf; (s = strstr(s, "started")) != NULL; s++) starts++;
  }
  ASSERT_GE(starts, 2);
  ASSERT_OK(tick_process_kill(loop, e.p, SIGTERM));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.sig, 0);
  ASSERT_EQ(e.status, 0);
  read_file(log_path, buf, sizeof(buf));
  ASSERT(strstr(buf, "supervisor: stopped") != NULL);
  /* It reported each child's pid; none may be left running. */
  for (s = buf; (s = strstr(s, "pid ")) != NULL; s++) {
    int pid = atoi(s + 4);
    ASSERT_GT(pid, 0);
    ASSERT(kill(pid, 0) != 0);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  close(fd);
  unlink(log_path);
}

/* ----------------------------------------------- stdio pipes as tick streams ---- */

/* The parent's pipe ends wrapped with tick_pipe_open (tick/stream.h, branch net): a
 * child's large output read through a stream, and a child's stdin written through one
 * and shut down (cat copies it back). */
typedef struct streamed_s {
  char buf[65536];
  size_t total;
  char head[64];
  int eof, closes, shutdown_status;
} streamed_t;

static void stream_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested,
                         tick_buf_t *buf, void *arg) {
  streamed_t *st = arg;
  (void)loop, (void)s, (void)suggested;
  *buf = tick_buf(st->buf, sizeof(st->buf));
}

static void stream_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  ((streamed_t *)arg)->closes++;
}

static void stream_read(tick_loop_t *loop, tick_stream_t s, ssize_t nread,
                        const tick_buf_t *buf, void *arg) {
  streamed_t *st = arg;
  if (nread > 0) {
    if (st->total < sizeof(st->head) - 1) {
      size_t k = sizeof(st->head) - 1 - st->total;
      memcpy(st->head + st->total, buf->base, k < (size_t)nread ? k : (size_t)nread);
    }
    st->total += (size_t)nread;
    return;
  }
  if (nread == 0) return;
  ASSERT_EQ(nread, TICK_EOF);
  st->eof = 1;
  ASSERT_OK(tick_stream_close(loop, s, stream_closed, st));
}

TEST(process_pipe_as_stream_large_output) {
  tick_loop_t *loop;
  tick_process_options_t o;
  size_t mb = slow_build() ? 4 : 32;
  char count[32];
  char *argv[] = {"head", "-c", count, "/dev/zero", NULL};
  tick_stdio_t stdio[2] = {{TICK_STDIO_IGNORE, -1}, {TICK_STDIO_PIPE_FROM_CHILD, -1}};
  tick_stream_t out;
  streamed_t *st = calloc(1, sizeof(*st));
  exit_t e;
  ASSERT(st != NULL);
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  snprintf(count, sizeof(count), "%zu", mb << 20);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 2;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_OK(tick_pipe_open(loop, stdio[1].fd, &out)); /* the stream owns the fd now */
  ASSERT_OK(tick_stream_read_start(loop, out, stream_alloc, stream_read, st));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_EQ(st->eof, 1);
  ASSERT_EQ(st->closes, 1);
  ASSERT_UEQ(st->total, mb << 20);
  ASSERT_OK(tick_loop_destroy(loop));
  free(st);
}

static void stdin_shut(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  streamed_t *st = arg;
  st->shutdown_status = status;
  ASSERT_OK(tick_stream_close(loop, s, NULL, NULL));
}

TEST(process_stdin_as_stream) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"cat", NULL};
  tick_stdio_t stdio[2] = {{TICK_STDIO_PIPE_TO_CHILD, -1}, {TICK_STDIO_PIPE_FROM_CHILD, -1}};
  tick_stream_t in, out;
  tick_buf_t b = tick_buf("through a stream\n", 17);
  streamed_t *st = calloc(1, sizeof(*st));
  exit_t e;
  ASSERT(st != NULL);
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  st->shutdown_status = 1;
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 2;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_OK(tick_pipe_open(loop, stdio[0].fd, &in));
  ASSERT_OK(tick_pipe_open(loop, stdio[1].fd, &out));
  ASSERT_OK(tick_stream_write(loop, in, &b, 1, NULL, NULL));
  ASSERT_OK(tick_stream_shutdown(loop, in, stdin_shut, st));
  ASSERT_OK(tick_stream_read_start(loop, out, stream_alloc, stream_read, st));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(st->shutdown_status, 0);
  ASSERT_STR_EQ(st->head, "through a stream\n");
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  free(st);
}

/* ------------------------------------------------------ fixed corner cases ---- */

/* A pipe whose fds are below the number of stdio slots: the child moves its end above
 * the slots before placing it, and the parent must still close its own copy of that end
 * (not the number the child moved it to, on the shared memory of CLONE_VM). Otherwise the
 * parent keeps the write end open, the reader never sees EOF, and the number it closes
 * instead may be an unrelated fd of the parent. */
TEST(process_pipe_below_stdio_count_closes_child_end) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"sh", "-c", "echo hi", NULL};
  tick_stdio_t stdio[16];
  exit_t e;
  reader_t r;
  int i, fds, fds_before_loop = count_fds();
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  for (i = 0; i < 16; i++) {
    stdio[i].type = TICK_STDIO_IGNORE;
    stdio[i].fd = -1;
  }
  stdio[1].type = TICK_STDIO_PIPE_FROM_CHILD;
  ASSERT_OK(tick_loop_create(&loop, 0));
  fds = count_fds();
  ASSERT(fds < 16);
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 16;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_GE(stdio[1].fd, 0);
  ASSERT_LT(stdio[1].fd, 16);
  /* One new fd (the read end), plus the pidfd where pidfd_open works. */
  ASSERT_LE(count_fds(), fds + 2);
  reader_start(loop, &r, stdio[1].fd);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(r.eof, 1);
  ASSERT_STR_EQ(r.head, "hi\n");
  close(stdio[1].fd);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_EQ(count_fds(), fds_before_loop);
}

/* When the kernel discards the exit status (SIGCHLD ignored, or another part of the
 * program reaped the child with waitpid(-1)), the exit callback still runs once, with
 * exit_status TICK_ECHILD; before, the pidfd stayed readable and the loop spun at 100%
 * CPU forever without calling it (the SIGCHLD fallback hung instead). A watchdog timer
 * closes the handle so that a failure ends. */
typedef struct lost_s {
  exit_t e;
  int watchdog_fired;
} lost_t;

static void lost_watchdog(tick_loop_t *loop, tick_timer_t t, void *arg) {
  lost_t *l = arg;
  (void)t;
  l->watchdog_fired = 1;
  ASSERT_OK(tick_process_close(loop, l->e.p, NULL, NULL));
}

static void lost_exit(tick_loop_t *loop, tick_process_t p, int status, int sig, void *arg) {
  lost_t *l = arg;
  on_exit_cb(loop, p, status, sig, &l->e);
}

static void lost_status_test(int fallback, int ignore_sigchld) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"true", NULL};
  struct sigaction ign, old;
  tick_timer_t watchdog;
  lost_t l;
  memset(&l, 0, sizeof(l));
  l.e.close_in_cb = 1;
  memset(&ign, 0, sizeof(ign));
  ign.sa_handler = SIG_IGN;
  if (ignore_sigchld) ASSERT_EQ(sigaction(SIGCHLD, &ign, &old), 0);
  ASSERT_OK(tick_loop_create(&loop, 0));
  if (fallback) ASSERT_OK(tick__process_force_sigchld(loop));
  opts_init(&o, argv, &l.e);
  o.arg = &l;
  o.exit_cb = lost_exit;
  ASSERT_OK(tick_spawn(loop, &o, &l.e.p));
  if (!ignore_sigchld) {
    /* Someone else reaps it first. */
    int st;
    ASSERT_EQ(waitpid(-1, &st, 0), tick_process_pid(loop, l.e.p));
  }
  ASSERT_OK(tick_set_timeout(loop, 5000, lost_watchdog, &l, &watchdog));
  ASSERT_OK(tick_timer_unref(loop, watchdog));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(l.watchdog_fired, 0);
  ASSERT_EQ(l.e.calls, 1);
  if (ignore_sigchld && getenv("TICK_TEST_VALGRIND") != NULL)
    /* valgrind has no pidfd: the SIGCHLD fallback's handler replaces SIG_IGN while it
     * watches, so the status is kept. */
    ASSERT_EQ(l.e.status, 0);
  else
    ASSERT_EQ(l.e.status, TICK_ECHILD);
  ASSERT_EQ(l.e.sig, 0);
  ASSERT_EQ(l.e.closes, 1);
  ASSERT_OK(tick_clear_timer(loop, watchdog));
  ASSERT_OK(tick_loop_destroy(loop));
  if (ignore_sigchld) ASSERT_EQ(sigaction(SIGCHLD, &old, NULL), 0);
  assert_no_children();
}

TEST(process_exit_status_lost_sigchld_ignored) { lost_status_test(0, 1); }
TEST(process_exit_status_lost_reaped_elsewhere) { lost_status_test(0, 0); }
TEST(process_sigchld_fallback_exit_status_lost_reaped_elsewhere) { lost_status_test(1, 0); }

/* Another thread of the program forks (without exec) while tick_spawn runs: the forked
 * child holds a copy of every fd of the moment, close-on-exec or not, for as long as it
 * lives. tick_spawn must not wait for it: it used to block reading its error pipe until
 * that unrelated child exited, since the child kept the pipe's write end open. */

#define FORKS_MAX 400
static atomic_int forker_stop;
static pid_t forked[FORKS_MAX];
static atomic_int nforked;

static void *forker(void *arg) {
  (void)arg;
  while (!atomic_load(&forker_stop) && atomic_load(&nforked) < FORKS_MAX) {
    struct timespec gap = {0, 200 * 1000};
    pid_t pid = fork();
    if (pid == 0) {
      struct timespec ts = {3, 0};
      nanosleep(&ts, NULL);
      _exit(0);
    }
    if (pid > 0) forked[atomic_fetch_add(&nforked, 1)] = pid;
    nanosleep(&gap, NULL);
  }
  return NULL;
}

TEST_TIMEOUT(process_spawn_does_not_wait_for_forks_of_other_threads, 60) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"true", NULL};
  pthread_t t;
  int i, n;
  int64_t worst = 0;
  if (getenv("TICK_TEST_VALGRIND") != NULL) {
    /* valgrind runs the clone child as a fork: the error pipe is the only way to wait for
     * its exec there (docs/process.md). */
    printf("# skipped under valgrind\n");
    return;
  }
  ASSERT_OK(tick_loop_create(&loop, 0));
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  ASSERT_EQ(pthread_create(&t, NULL, forker, NULL), 0);
  while (atomic_load(&nforked) == 0) sched_yield();
  for (i = 0; i < 20; i++) {
    struct timespec a, b;
    int64_t ms;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ASSERT_OK(tick_spawn(loop, &o, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    if (ms > worst) worst = ms;
  }
  atomic_store(&forker_stop, 1);
  ASSERT_EQ(pthread_join(t, NULL), 0);
  n = atomic_load(&nforked);
  for (i = 0; i < n; i++) {
    kill(forked[i], SIGKILL);
    ASSERT_EQ(waitpid(forked[i], NULL, 0), forked[i]);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  /* A blocked spawn waited for the 3 s sleep of a forked child. */
  ASSERT_LT(worst, 2000);
  assert_no_children();
}

/* tick_process_kill must not signal a recycled pid. Where the program reaped the child
 * itself (waitpid(-1)) before tick noticed, the pid is free and may be given to another
 * process: kill(pid) would signal that one. With a pidfd, the signal goes to the child
 * it names or nowhere (TICK_ESRCH). Making the kernel reuse the pid needs
 * /proc/sys/kernel/ns_last_pid (root). */
static int set_last_pid(int pid) {
  char buf[32];
  int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY), n, ok;
  if (fd < 0) return 0;
  n = snprintf(buf, sizeof(buf), "%d", pid);
  ok = write(fd, buf, (size_t)n) == n;
  close(fd);
  return ok;
}

TEST(process_kill_never_signals_a_recycled_pid) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char *argv[] = {"true", NULL};
  tick_process_t p;
  int pid, other = -1, st, tries;
  if (getuid() != 0 || !set_last_pid(1) || getenv("TICK_TEST_VALGRIND") != NULL) {
    /* valgrind: no pidfd there (the SIGCHLD fallback signals by pid). */
    printf("# skipped: needs root and ns_last_pid\n");
    return;
  }
  ASSERT_OK(tick_loop_create(&loop, 0));
  memset(&o, 0, sizeof(o));
  o.file = "true";
  o.argv = argv;
  for (tries = 0; tries < 20 && other < 0; tries++) {
    ASSERT_OK(tick_spawn(loop, &o, &p));
    pid = tick_process_pid(loop, p);
    ASSERT_EQ(waitpid(pid, &st, 0), pid); /* reaped behind tick's back */
    ASSERT(set_last_pid(pid - 1));
    other = fork();
    if (other == 0) {
      pause();
      _exit(0);
    }
    ASSERT_GT(other, 0);
    if (other != pid) { /* someone else took the pid first: try again */
      kill(other, SIGKILL);
      ASSERT_EQ(waitpid(other, NULL, 0), other);
      ASSERT_OK(tick_process_close(loop, p, NULL, NULL));
      other = -1;
    }
  }
  if (other < 0) {
    printf("# skipped: could not get the pid recycled\n");
  } else {
    /* The handle's pid now names `other`: the kill must not reach it. */
    ASSERT_ERR(tick_process_kill(loop, p, SIGTERM), TICK_ESRCH);
    ASSERT_EQ(waitpid(other, &st, WNOHANG), 0); /* still running */
    kill(other, SIGKILL);
    ASSERT_EQ(waitpid(other, &st, 0), other);
    ASSERT_OK(tick_process_close(loop, p, NULL, NULL));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  assert_no_children();
}

/* A daemon-like parent with fds 0..2 closed spawns a child that inherits them: the child
 * must get them closed too. tick's own fds of the spawn (the error pipe, pipes, /dev/null)
 * take the lowest free numbers, so they used to land on 0..2 and be handed to the child
 * as its "inherited" stdin/stdout (the error pipe: the child read its own output), and
 * tick_spawn then waited for the child to close the pipe's write end. A given fd that is
 * not open is refused (TICK_EBADF) before anything is created, for the same reason. */
TEST(process_inherit_closed_stdio_stays_closed) {
  tick_loop_t *loop;
  tick_process_options_t o;
  char path[] = "/tmp/tick-proc-closedXXXXXX";
  char *argv[] = {"sh", "-c",
                  "for i in 0 1 2; do [ -e /proc/self/fd/$i ] && echo open $i >&3; done; "
                  "exit 0",
                  NULL};
  tick_stdio_t stdio[4] = {{TICK_STDIO_INHERIT, -1},
                           {TICK_STDIO_INHERIT, -1},
                           {TICK_STDIO_INHERIT, -1},
                           {TICK_STDIO_FD, -1}};
  tick_stdio_t bad[2] = {{TICK_STDIO_IGNORE, -1}, {TICK_STDIO_FD, -1}};
  char buf[256];
  int saved[3], i, r;
  exit_t e;
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  stdio[3].fd = mkstemp(path);
  ASSERT(stdio[3].fd >= 0);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  o.stdio = stdio;
  o.stdio_count = 4;
  for (i = 0; i < 3; i++) {
    saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 100);
    ASSERT(saved[i] >= 0);
    close(i);
  }
  r = tick_spawn(loop, &o, &e.p);
  for (i = 0; i < 3; i++) {
    /* Where tick now keeps an fd (the pidfd), it stays. */
    if (fcntl(i, F_GETFD) < 0) dup2(saved[i], i);
    close(saved[i]);
  }
  ASSERT_OK(r);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_EQ(e.status, 0);
  read_file(path, buf, sizeof(buf));
  ASSERT_STR_EQ(buf, "");
  /* A given fd that is not open. */
  opts_init(&o, argv, &e);
  bad[1].fd = 1000;
  o.stdio = bad;
  o.stdio_count = 2;
  ASSERT_ERR(tick_spawn(loop, &o, &e.p), TICK_EBADF);
  ASSERT_OK(tick_loop_destroy(loop));
  close(stdio[3].fd);
  unlink(path);
  assert_no_children();
}

/* ------------------------------------------------------------ error names ---- */

#include <sys/stat.h>

/* An executable text file without "#!": the kernel refuses it with ENOEXEC (tick does
 * not retry through /bin/sh as execvp would), and the code has a name of its own. */
TEST(process_spawn_text_without_shebang_is_enoexec) {
  tick_loop_t *loop;
  tick_process_options_t o;
  tick_process_t p = {TICK_NULL_ID};
  char path[] = "/tmp/tick-noexec-XXXXXX";
  char *argv[] = {path, NULL};
  exit_t e;
  int fd, r;
  memset(&e, 0, sizeof(e));
  fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "echo hi\n", 8), 8);
  ASSERT_OK(fchmod(fd, 0700));
  close(fd);
  ASSERT_OK(tick_loop_create(&loop, 0));
  opts_init(&o, argv, &e);
  r = tick_spawn(loop, &o, &p);
  unlink(path);
  ASSERT_EQ(r, -ENOEXEC);
  ASSERT_STR_EQ(tick_err_name(r), "ENOEXEC");
  ASSERT(strcmp(tick_strerror(r), "unknown error") != 0);
  ASSERT_UEQ(p.id, TICK_NULL_ID);
  ASSERT_EQ(e.calls, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  assert_no_children();
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ SIGPIPE ---- */

static void epipe_status(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)loop;
  (void)s;
  *(int *)arg = status;
}

/* Writing to the stdin of a child that exited (or closed it while a write waited) fails
 * the write with TICK_EPIPE through its callback; the parent is not killed by SIGPIPE,
 * whose default action (death) this test keeps. */
TEST(process_write_to_exited_child_stdin_is_epipe) {
  static char big[1 << 20];
  tick_loop_t *loop;
  tick_process_options_t o;
  char *true_argv[] = {"true", NULL};
  char *head_argv[] = {"head", "-c", "1", NULL};
  tick_stdio_t stdio[1] = {{TICK_STDIO_PIPE_TO_CHILD, -1}};
  tick_stream_t in;
  tick_buf_t b = tick_buf("late\n", 5);
  exit_t e;
  int status = 1;
  signal(SIGPIPE, SIG_DFL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  /* The child has exited before the write. */
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  opts_init(&o, true_argv, &e);
  o.stdio = stdio;
  o.stdio_count = 1;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.calls, 1);
  ASSERT_OK(tick_pipe_open(loop, stdio[0].fd, &in));
  ASSERT_OK(tick_stream_write(loop, in, &b, 1, epipe_status, &status));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_ERR(status, TICK_EPIPE);
  ASSERT_OK(tick_stream_close(loop, in, on_closed, &e));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  /* The child reads one byte and exits while the rest of a large write waits. */
  memset(&e, 0, sizeof(e));
  e.close_in_cb = 1;
  status = 1;
  stdio[0].fd = -1;
  opts_init(&o, head_argv, &e);
  o.stdio = stdio;
  o.stdio_count = 1;
  ASSERT_OK(tick_spawn(loop, &o, &e.p));
  ASSERT_OK(tick_pipe_open(loop, stdio[0].fd, &in));
  b = tick_buf(big, sizeof(big));
  ASSERT_OK(tick_stream_write(loop, in, &b, 1, epipe_status, &status));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_ERR(status, TICK_EPIPE);
  ASSERT_EQ(e.calls, 1);
  ASSERT_OK(tick_stream_close(loop, in, on_closed, &e));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.closes, 2); /* the process handle, then the stream */
  assert_no_children();
  ASSERT_OK(tick_loop_destroy(loop));
}
