/* process.c - child processes: spawn with clone(CLONE_VM|CLONE_VFORK), exits via pidfd.
 *
 * Starting a child. The parent blocks every signal in the calling thread, then clones a
 * child that shares its memory and runs on a small stack in the parent's frame while the
 * parent is suspended (CLONE_VFORK), as glibc's posix_spawn does: no page tables are
 * copied, which is what makes it several times cheaper than fork in a large process. The
 * child resets every signal handler to the default (a handler of the parent must never
 * run on the shared memory), unblocks all signals, arranges its descriptors, changes
 * directory and ids, and execs. It uses raw system calls only: glibc's setuid() would
 * signal the parent's threads, sanitizer interceptors would touch shared state. If
 * anything fails it stores the errno in the shared arguments, writes it to a close-on-exec
 * pipe too, and exits with 127; when clone returns the parent finds it (a real
 * CLONE_VFORK child has exec'd or exited by then), reaps a failed child at once and
 * returns the error. The pipe is read only where CLONE_VM is emulated by a fork
 * (valgrind): natively, a fork by another thread would keep its write end open.
 *
 * Watching it. A pidfd (pidfd_open) of the child becomes an internal, unref'd fd watcher
 * of the loop; it turns readable when the child exits, and the poll callback reaps it
 * with waitpid(pid, WNOHANG). Until then the pid cannot be recycled, so kill(pid) is safe.
 * Where pidfd_open is missing (kernels before 5.3, or valgrind 3.19, which does not know
 * the system call) the loop falls back to an internal SIGCHLD signal watcher that polls
 * waitpid(pid, WNOHANG) for each of its running children; the fallback is forced in a
 * test through tick__process_force_sigchld.
 *
 * Timeouts (options->timeout_ms, Node's `timeout`). Once the child has exec'd, an unref'd
 * one-shot timer of the loop is started; in the timers phase it sends kill_signal, once,
 * the way tick_process_kill does. It is cleared where the child stops being watched (its
 * exit, or a close before it), so it never outlives the record, and costs nothing per
 * iteration in between: it is an ordinary timer, no allocation in steady state.
 */
#include "io/module.h"
#include "promise/promise.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STDIO_MAX 64
#define CHILD_STACK 16384

/* For tests (tests/test-process.c): makes this loop use the SIGCHLD fallback. Loop
 * thread, before the first spawn. */
int tick__process_force_sigchld(tick_loop_t *loop);

/* P_CLOSING: closed before the exit, the cancellation of the exit callback is still to
 * be reported in the close phase; the id is already stale. */
enum { P_FREE = 0, P_RUNNING, P_EXITED, P_CLOSING };

typedef struct proc_rec_s {
  uint32_t gen;
  uint8_t state;
  uint8_t ref;
  uint8_t auto_close; /* no handle was given out: close after the exit is reported */
  pid_t pid;
  int pidfd;          /* -1 in the SIGCHLD fallback */
  tick_poll_t pw;
  tick_process_exit_cb cb;
  void *arg;
  tick_close_cb close_cb;      /* P_CLOSING */
  void *close_arg;
  tick_resolver_t *resolver;   /* promise form */
  tick_process_exit_t *result; /* promise form: allocated at spawn */
  tick_timer_t timer;          /* options->timeout_ms: an unref'd one-shot */
  uint8_t has_timer;           /* `timer` is armed (cleared at the exit, the close, or
                                  when it fires) */
  int kill_signal;             /* what the timer sends (and a promise's cancellation) */
  int cancel_code;             /* promise form: tick_promise_cancel's code, or 0 */
  uint32_t next;               /* free list */
} proc_rec_t;

typedef struct proc_state_s {
  proc_rec_t *recs;
  uint32_t cap, free_head;
  int mode;                /* 0 unknown, 1 pidfd, 2 SIGCHLD fallback */
  uint32_t fallback_running;
  tick_signal_t chld;      /* the fallback's SIGCHLD watcher */
  int has_chld;
} proc_state_t;

static void state_destroy(tick_loop_t *loop, void *state) {
  proc_state_t *s = state;
  uint32_t i;
  (void)loop;
  for (i = 0; i < s->cap; i++) {
    if (s->recs[i].state == P_FREE) continue;
    tick__free(s->recs[i].result);
    if (s->recs[i].resolver != NULL) tick_resolver_release(s->recs[i].resolver);
  }
  tick__free(s->recs);
  tick__free(s);
}

/* tick_loop_walk: each child process not yet closed (its pidfd's watcher is not listed).
 * A running, ref'd child keeps the loop alive. */
static int state_walk(tick_loop_t *loop, void *state,
                      int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  proc_state_t *s = state;
  uint32_t i;
  for (i = 0; i < s->cap; i++) {
    const proc_rec_t *p = &s->recs[i];
    tick_resource_t res;
    if (p->state == P_FREE) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "process";
    res.id = ((uint64_t)p->gen << 32) | (i + 1);
    if (p->state == P_RUNNING) res.flags |= TICK_RESOURCE_ACTIVE;
    if (p->ref) res.flags |= TICK_RESOURCE_REF;
    if (p->state == P_CLOSING) res.flags |= TICK_RESOURCE_CLOSING;
    res.site = tick__site_get(loop, TICK__SITE_MODULE(TICK__MODULE_PROCESS), res.id);
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static const tick__module_hooks_t hooks = {NULL, state_destroy, NULL, NULL, state_walk};

static proc_state_t *get_state(tick_loop_t *loop) {
  proc_state_t *s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  if (s != NULL) return s;
  s = tick__calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  s->free_head = TICK__NONE;
  tick__loop_set_module(loop, TICK__MODULE_PROCESS, &hooks, s);
  return s;
}

int tick__process_force_sigchld(tick_loop_t *loop) {
  proc_state_t *s;
  TICK__CHECK_LOOP(loop);
  s = get_state(loop);
  if (s == NULL) return TICK_ENOMEM;
  s->mode = 2;
  return 0;
}

static proc_rec_t *lookup(proc_state_t *s, uint64_t id, uint32_t *idx_out) {
  uint32_t low = (uint32_t)id, idx;
  if (s == NULL || low == 0) return NULL;
  idx = low - 1;
  if (idx >= s->cap) return NULL;
  if (s->recs[idx].state == P_FREE || s->recs[idx].state == P_CLOSING ||
      s->recs[idx].gen != (uint32_t)(id >> 32))
    return NULL;
  *idx_out = idx;
  return &s->recs[idx];
}

/* The public entry points' common start: checks the loop, then looks the process up.
 * Returns the record (and sets *s_out, *idx_out), or NULL with *err set. */
static proc_rec_t *enter(const tick_loop_t *loop, tick_process_t process, proc_state_t **s_out,
                         uint32_t *idx_out, int *err) {
  proc_rec_t *p;
  *err = tick__loop_check(loop);
  if (*err != 0) return NULL;
  *s_out = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  p = lookup(*s_out, process.id, idx_out);
  if (p == NULL) *err = TICK_ESTALE;
  return p;
}

static uint64_t rec_id(proc_state_t *s, uint32_t idx) {
  return ((uint64_t)s->recs[idx].gen << 32) | (idx + 1);
}

static void rec_free(proc_state_t *s, uint32_t idx) {
  proc_rec_t *p = &s->recs[idx];
  p->state = P_FREE;
  p->gen = p->gen + 1 ? p->gen + 1 : 1;
  p->cb = NULL;
  p->arg = NULL;
  p->close_cb = NULL;
  p->close_arg = NULL;
  p->next = s->free_head;
  s->free_head = idx;
}

static void free_value(void *ptr) { tick__free(ptr); }

static void close_fd_cb(tick_loop_t *loop, void *arg) {
  (void)loop;
  close((int)(intptr_t)arg);
}

/* The child stopped being watched (exit or close): drops its watch and its ref. */
static void unwatch(tick_loop_t *loop, proc_state_t *s, proc_rec_t *p) {
  if (p->ref) loop->module_refs--;
  if (p->has_timer) {
    /* Clearing a timer never allocates and cannot fail on the loop thread. */
    tick_clear_timer(loop, p->timer);
    p->has_timer = 0;
  }
  if (p->pidfd >= 0) {
    /* Closing a watcher never allocates; the pidfd is closed after it. */
    tick_poll_close(loop, p->pw, close_fd_cb, (void *)(intptr_t)p->pidfd);
    p->pidfd = -1;
  } else if (--s->fallback_running == 0 && s->has_chld) {
    if (tick_signal_close(loop, s->chld, NULL, NULL) == 0) s->has_chld = 0;
  }
}

static void rec_release(tick_loop_t *loop, proc_state_t *s, uint32_t idx) {
  proc_rec_t *p = &s->recs[idx];
  tick__site_forget(loop, TICK__SITE_MODULE(TICK__MODULE_PROCESS), rec_id(s, idx));
  tick__free(p->result);
  p->result = NULL;
  if (p->resolver != NULL) tick_resolver_release(p->resolver);
  p->resolver = NULL;
  rec_free(s, idx);
}

/* Close phase of a handle closed before the exit (`arg` is the record's index): the exit
 * callback reports its cancellation, then the close callback runs. */
static void cancel_exit(tick_loop_t *loop, void *arg) {
  proc_state_t *s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  uint32_t idx = (uint32_t)(uintptr_t)arg;
  proc_rec_t *p = &s->recs[idx];
  tick_process_exit_cb cb = p->cb;
  void *cb_arg = p->arg;
  tick_close_cb close_cb = p->close_cb;
  void *close_arg = p->close_arg;
  tick_resolver_t *resolver = p->resolver;
  tick_process_exit_t *res = p->result;
  tick_process_t h;
  h.id = rec_id(s, idx); /* stale by the time the callback sees it */
  if (resolver != NULL) {
    /* The promise form: it rejects with TICK_ECANCELED, its reason the record of what
     * was known (the pid, so that the program can still kill and reap the child). */
    res->pid = (int)p->pid;
    res->exit_status = TICK_ECANCELED;
    res->term_signal = 0;
    p->resolver = NULL;
    p->result = NULL;
  }
  rec_release(loop, s, idx);
  if (resolver != NULL) {
    tick_resolver_reject(resolver, TICK_ECANCELED, res, free_value);
    tick_resolver_release(resolver);
  } else {
    cb(loop, h, TICK_ECANCELED, 0, cb_arg);
  }
  tick__drain(loop);
  if (close_cb != NULL) close_cb(loop, close_arg);
}

static int close_rec(tick_loop_t *loop, proc_state_t *s, uint32_t idx, tick_close_cb cb,
                     void *arg) {
  proc_rec_t *p = &s->recs[idx];
  int r;
  if (p->state == P_RUNNING && (p->cb != NULL || p->resolver != NULL)) {
    /* The exit callback (or the promise) was accepted and will not be told of an exit: it
     * gets TICK_ECANCELED in the close phase. The record stays taken until then. */
    r = tick__close_defer(loop, cancel_exit, (void *)(uintptr_t)idx);
    if (r != 0) return r;
    unwatch(loop, s, p);
    p->state = P_CLOSING;
    p->close_cb = cb;
    p->close_arg = arg;
    return 0;
  }
  r = tick__close_defer(loop, cb, arg);
  if (r != 0) return r;
  if (p->state == P_RUNNING) unwatch(loop, s, p);
  rec_release(loop, s, idx);
  return 0;
}

/* Reaps `pid` if it has exited: returns 1 and sets its exit code and terminating signal,
 * or 0 if it is still running. ECHILD means the status is gone: the program ignores
 * SIGCHLD (SIG_IGN or SA_NOCLDWAIT, so the kernel reaped it) or reaped it elsewhere with
 * waitpid(-1). The child is gone all the same, so its exit is reported, with exit code
 * TICK_ECHILD (waiting on would never end, and in pidfd mode the pidfd stays readable:
 * the loop would spin). */
static int reap(pid_t pid, int *code, int *sig) {
  int status;
  pid_t r = waitpid(pid, &status, WNOHANG);
  *code = 0;
  *sig = 0;
  if (r == 0 || (r < 0 && errno != ECHILD)) return 0;
  if (r < 0) {
    *code = TICK_ECHILD;
    return 1;
  }
  if (WIFEXITED(status)) *code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) *sig = WTERMSIG(status);
  return 1;
}

/* Reports the exit of record `idx` (reaped: `code`, `sig`), as one macrotask. */
static void report_exit(tick_loop_t *loop, proc_state_t *s, uint32_t idx, int code,
                        int sig) {
  proc_rec_t *p = &s->recs[idx];
  uint64_t id = rec_id(s, idx);
  tick_process_t h;
  unwatch(loop, s, p);
  p->state = P_EXITED;
  h.id = id;
  if (p->resolver != NULL) {
    tick_resolver_t *r = p->resolver;
    tick_process_exit_t *res = p->result;
    p->resolver = NULL;
    p->result = NULL;
    res->pid = (int)p->pid;
    res->exit_status = code;
    res->term_signal = sig;
    if (p->cancel_code != 0) /* cancelled: the exit it caused is the reason */
      tick_resolver_reject(r, p->cancel_code, res, free_value);
    else
      tick_resolver_resolve(r, res, free_value);
    tick_resolver_release(r);
  } else if (p->cb != NULL) {
    p->cb(loop, h, code, sig, p->arg);
  }
  /* The callback may have closed the handle, or spawned (moving `s->recs`). */
  p = lookup(s, id, &idx);
  if (p != NULL && p->auto_close) close_rec(loop, s, idx, NULL, NULL);
  tick__drain(loop);
}

static void pidfd_ready(tick_loop_t *loop, tick_poll_t pw, int status, unsigned events,
                        void *arg) {
  proc_state_t *s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  uint64_t id = (uint64_t)(uintptr_t)arg;
  uint32_t idx;
  proc_rec_t *p = lookup(s, id, &idx);
  int code, sig;
  (void)pw, (void)status, (void)events;
  if (p == NULL || p->state != P_RUNNING) return;
  if (!reap(p->pid, &code, &sig)) return; /* not yet (spurious) */
  report_exit(loop, s, idx, code, sig);
}

/* Sends `signum` to a running child: through its pidfd (this child or nobody, even if
 * the program reaped it behind tick's back and the pid went to another process), or in
 * the SIGCHLD fallback by pid, which tick keeps from being recycled by not reaping the
 * child before it reports the exit (unless the program reaped it itself). */
static int send_signal(proc_rec_t *p, int signum) {
  if (p->pidfd >= 0) {
    if (syscall(SYS_pidfd_send_signal, p->pidfd, signum, NULL, 0) != 0)
      return tick_translate_errno(errno);
    return 0;
  }
  if (kill(p->pid, signum) != 0) return tick_translate_errno(errno);
  return 0;
}

/* options->timeout_ms ran out (timers phase): the child gets kill_signal, once. The timer
 * is cleared when the exit is reported or the handle closed, so the record is running. A
 * failure (TICK_EPERM for a child that became another user, TICK_ESRCH if the program
 * reaped it itself) has nobody to be reported to: as the kill of Node's timeout, it is
 * dropped, and the exit is reported when it comes (docs/design/process.md). */
static void timeout_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  proc_state_t *s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  uint32_t idx;
  proc_rec_t *p = lookup(s, (uint64_t)(uintptr_t)arg, &idx);
  (void)t;
  if (p == NULL || p->state != P_RUNNING) return;
  p->has_timer = 0;
  (void)send_signal(p, p->kill_signal);
}

static void sigchld_cb(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  proc_state_t *s = arg;
  uint32_t idx;
  (void)w, (void)signum;
  /* Each exit is its own macrotask; a callback may spawn (growing `recs`), so the bound
   * is re-read on every step. Children spawned by a callback are looked at too. */
  for (idx = 0; idx < s->cap; idx++) {
    proc_rec_t *p = &s->recs[idx];
    int code, sig;
    if (p->state != P_RUNNING || p->pidfd >= 0) continue;
    if (!reap(p->pid, &code, &sig)) continue;
    report_exit(loop, s, idx, code, sig);
  }
}

/* ------------------------------------------------------------------ spawning ---- */

typedef struct child_args_s {
  const char *paths;  /* candidate paths, each NUL-terminated, an empty one ends them */
  char *const *argv;
  char *const *envp;
  const char *cwd;
  unsigned flags;
  uid_t uid;
  gid_t gid;
  int nfds;
  int errfd;
  int src[STDIO_MAX]; /* child fd i gets src[i]; -1 closes it */
  /* The only fields the child writes: `ran` as it starts, `err` if it fails. With a real
   * CLONE_VM the parent sees them when clone returns; where CLONE_VM is emulated by a
   * fork (valgrind) it does not, and reads the error pipe instead. */
  volatile int ran;
  volatile int err;
} child_args_t;

struct kernel_sigaction { /* the kernel's layout, for a raw rt_sigaction */
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define NO_SANITIZE __attribute__((no_sanitize("address", "undefined", "thread")))
#else
#define NO_SANITIZE
#endif

/* ThreadSanitizer intercepts clone and treats it as a fork: its bookkeeping for the child
 * then runs on the parent's memory (CLONE_VM) and rewrites which fiber the parent thread
 * is on, so a spawn made from an async function's stack loses the synchronisation of the
 * next coroutine switch. Under TSan the spawn calls libc's own clone, which the child's
 * raw system calls need anyway; everywhere else `clone` is libc's. */
#if defined(__SANITIZE_THREAD__)
#define TICK__PROCESS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TICK__PROCESS_TSAN 1
#endif
#endif
#ifdef TICK__PROCESS_TSAN
#include <dlfcn.h>
typedef int (*clone_fn_t)(int (*)(void *), void *, int, void *, ...);
static clone_fn_t libc_clone(void) {
  void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  void *f = libc != NULL ? dlsym(libc, "clone") : NULL;
  return f != NULL ? (clone_fn_t)f : clone;
}
#define TICK__CLONE libc_clone()
#else
#define TICK__CLONE clone
#endif

/* Runs in the child, on the parent's memory: raw system calls only (see the top). `a` is
 * the parent's and only `ran` and `err` are written: the fds the child moves are kept in
 * `src` and `errfd`, on the child's own stack, because the parent closes the numbers in
 * `a` afterwards. */
NO_SANITIZE __attribute__((noinline)) static int child_main(void *data) {
  child_args_t *a = data;
  struct kernel_sigaction dfl;
  uint64_t none = 0;
  const char *p;
  int i, err = 0, fd, errfd = a->errfd, src[STDIO_MAX];
  long r;

  a->ran = 1;
  /* Signal dispositions: default everywhere (every signal is blocked until below). */
  dfl.handler = SIG_DFL;
  dfl.flags = 0;
  dfl.restorer = NULL;
  dfl.mask = 0;
  for (i = 1; i <= 64; i++)
    if (i != SIGKILL && i != SIGSTOP) syscall(SYS_rt_sigaction, i, &dfl, NULL, 8);

  if (a->flags & TICK_PROCESS_DETACHED) {
    if (syscall(SYS_setsid) < 0) goto fail;
  }
  /* Descriptors: first move every source, and the error pipe, above the targets, so that
   * placing one never overwrites another. */
  for (i = 0; i < a->nfds; i++) src[i] = a->src[i];
  if (errfd < a->nfds) {
    fd = (int)syscall(SYS_fcntl, errfd, F_DUPFD_CLOEXEC, a->nfds);
    if (fd < 0) goto fail;
    errfd = fd;
  }
  for (i = 0; i < a->nfds; i++) {
    if (src[i] < 0 || src[i] >= a->nfds || src[i] == i) continue;
    fd = (int)syscall(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, a->nfds);
    if (fd < 0) goto fail;
    src[i] = fd;
  }
  for (i = 0; i < a->nfds; i++) {
    if (src[i] < 0) {
      syscall(SYS_close, i);
    } else if (src[i] == i) {
      /* Inherited: keep it across exec. A closed fd stays closed. */
      syscall(SYS_fcntl, i, F_SETFD, 0);
    } else if (syscall(SYS_dup3, src[i], i, 0) < 0) {
      goto fail;
    }
  }
  if (a->cwd != NULL && syscall(SYS_chdir, a->cwd) < 0) goto fail;
  if ((a->flags & TICK_PROCESS_SETUID) || (a->flags & TICK_PROCESS_SETGID)) {
    /* Drop supplementary groups; refused without privilege, which is fine when the ids
     * do not change (the setgid/setuid below still say if they do). */
    syscall(SYS_setgroups, 0, NULL);
  }
  if ((a->flags & TICK_PROCESS_SETGID) && syscall(SYS_setgid, a->gid) < 0) goto fail;
  if ((a->flags & TICK_PROCESS_SETUID) && syscall(SYS_setuid, a->uid) < 0) goto fail;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);

  /* Like execvp: try each candidate; EACCES is remembered, other misses go on. */
  for (p = a->paths; *p != '\0';) {
    r = syscall(SYS_execve, p, a->argv, a->envp);
    (void)r;
    if (errno == EACCES)
      err = EACCES;
    else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV &&
             errno != ETIMEDOUT) {
      err = errno;
      break;
    }
    while (*p != '\0') p++;
    p++;
  }
  if (err == 0) err = ENOENT;
  errno = err;
fail:
  err = errno;
  a->err = err;
  syscall(SYS_write, errfd, &err, sizeof(err));
  syscall(SYS_exit_group, 127);
  return 0;
}

/* Packs the candidate paths for `file` into `buf` (or an allocation, returned in *heap). */
static int build_paths(const char *file, char *const *env, char *buf, size_t buflen,
                       char **out, char **heap) {
  const char *path = NULL, *d;
  size_t flen = strlen(file), need = 1, pos = 0;
  char *dst;
  *heap = NULL;
  if (strchr(file, '/') != NULL) {
    need = flen + 2;
    dst = need <= buflen ? buf : (*heap = tick__malloc(need));
    if (dst == NULL) return TICK_ENOMEM;
    memcpy(dst, file, flen + 1);
    dst[flen + 1] = '\0';
    *out = dst;
    return 0;
  }
  if (env != NULL) {
    char *const *e;
    for (e = env; *e != NULL; e++)
      if (strncmp(*e, "PATH=", 5) == 0) {
        path = *e + 5;
        break;
      }
  } else {
    path = getenv("PATH");
  }
  if (path == NULL) path = "/usr/local/bin:/usr/bin:/bin";
  for (d = path;; d++) { /* each component gives "dir/file\0" ("file" for an empty dir) */
    const char *end = strchr(d, ':');
    size_t dlen = end ? (size_t)(end - d) : strlen(d);
    need += dlen + 1 + flen + 1;
    if (end == NULL) break;
    d = end;
  }
  dst = need <= buflen ? buf : (*heap = tick__malloc(need));
  if (dst == NULL) return TICK_ENOMEM;
  for (d = path;; d++) {
    const char *end = strchr(d, ':');
    size_t dlen = end ? (size_t)(end - d) : strlen(d);
    if (dlen != 0) {
      memcpy(dst + pos, d, dlen);
      pos += dlen;
      dst[pos++] = '/';
    }
    memcpy(dst + pos, file, flen + 1);
    pos += flen + 1;
    if (end == NULL) break;
    d = end;
  }
  dst[pos] = '\0';
  *out = dst;
  return 0;
}

static int probe_pidfd(void) {
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0) return errno == ENOSYS ? 2 : 1; /* other errors (EMFILE): try again later */
  close(fd);
  return 1;
}

static int spawn(tick_loop_t *loop, const tick_process_options_t *o, int auto_close,
                 tick_resolver_t *resolver, uint32_t *idx_out) {
  _Alignas(16) char stack[CHILD_STACK];
  char pathbuf[1024];
  char *paths = NULL, *paths_heap = NULL;
  char *default_argv[2];
  int parent_end[STDIO_MAX];
  child_args_t a;
  proc_state_t *s;
  proc_rec_t *p;
  sigset_t all, old;
  int i, r, n, pid, devnull = -1, errpipe[2] = {-1, -1}, err = 0, pidfd = -1;
  uint32_t idx;
  tick_poll_t pw = {TICK_NULL_ID};
  tick_timer_t timer = {TICK_NULL_ID};
  ssize_t got = -1;
  int exec_ok;
  uint64_t inherit_closed = 0; /* bit i: stdio[i] inherits an fd the parent has not open */

  TICK__CHECK_LOOP(loop);
  if (o == NULL || o->file == NULL || o->file[0] == '\0' || o->stdio_count < 0 || o->stdio_count > STDIO_MAX ||
      (o->stdio_count > 0 && o->stdio == NULL) ||
      (o->flags & ~(unsigned)(TICK_PROCESS_SETUID | TICK_PROCESS_SETGID |
                              TICK_PROCESS_DETACHED)) ||
      o->timeout_ms < 0 || o->timeout_ms > TICK_TIMEOUT_MAX || o->kill_signal < 0 ||
      o->kill_signal > 64)
    return TICK_EINVAL;
  /* Before tick creates any fd of its own: once it has, a number that is free now (a
   * parent with 0..2 closed) may be one of tick's, and "inherit fd i" or "give fd n"
   * would hand the child tick's pipe instead of nothing. */
  for (i = 0; i < o->stdio_count; i++) {
    int t = o->stdio[i].type;
    if (t < TICK_STDIO_IGNORE || t > TICK_STDIO_PIPE_FROM_CHILD) return TICK_EINVAL;
    if (t == TICK_STDIO_FD && o->stdio[i].fd < 0) return TICK_EINVAL;
    if (t == TICK_STDIO_FD && fcntl(o->stdio[i].fd, F_GETFD) < 0) return TICK_EBADF;
    if (t == TICK_STDIO_INHERIT && fcntl(i, F_GETFD) < 0) inherit_closed |= 1ull << i;
  }
  s = get_state(loop);
  if (s == NULL) return TICK_ENOMEM;
  if (s->mode == 0) s->mode = probe_pidfd();
  if (s->free_head == TICK__NONE) {
    uint32_t cap = s->cap ? s->cap * 2 : 16, k;
    proc_rec_t *recs = tick__reallocarray(s->recs, cap, sizeof(*recs));
    if (recs == NULL) return TICK_ENOMEM;
    memset(recs + s->cap, 0, (cap - s->cap) * sizeof(*recs));
    for (k = s->cap; k < cap; k++) {
      recs[k].gen = 1;
      recs[k].next = k + 1 < cap ? k + 1 : TICK__NONE;
    }
    s->free_head = s->cap;
    s->recs = recs;
    s->cap = cap;
  }
  if (s->mode == 2 && !s->has_chld) {
    /* Before the child exists, so that its SIGCHLD cannot be missed. */
    r = tick_signal_create(loop, &s->chld);
    if (r != 0) return r;
    r = tick_signal_start(loop, s->chld, SIGCHLD, sigchld_cb, s);
    if (r == 0) r = tick_signal_unref(loop, s->chld);
    if (r != 0) {
      if (tick_signal_close(loop, s->chld, NULL, NULL) != 0) s->has_chld = 1;
      return r;
    }
    s->has_chld = 1;
  }
  r = build_paths(o->file, o->env, pathbuf, sizeof(pathbuf), &paths, &paths_heap);
  if (r != 0) goto out_chld;

  memset(&a, 0, sizeof(a));
  n = o->stdio_count < 3 ? 3 : o->stdio_count;
  for (i = 0; i < n; i++) {
    parent_end[i] = -1;
    a.src[i] = -1; /* the cleanup below reads every entry, set or not */
  }
  for (i = 0; i < n; i++) {
    int t = i < o->stdio_count ? o->stdio[i].type : TICK_STDIO_IGNORE;
    int fds[2];
    switch (t) {
      case TICK_STDIO_IGNORE:
        if (i > 2) break;
        if (devnull < 0) devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) {
          err = tick_translate_errno(errno);
          goto out_fds;
        }
        a.src[i] = devnull;
        break;
      case TICK_STDIO_INHERIT: /* closed in the parent: closed in the child */
        a.src[i] = (inherit_closed >> i) & 1 ? -1 : i;
        break;
      case TICK_STDIO_FD:
        a.src[i] = o->stdio[i].fd;
        break;
      default: /* the pipes */
        if (pipe2(fds, O_CLOEXEC) != 0) {
          err = tick_translate_errno(errno);
          goto out_fds;
        }
        if (t == TICK_STDIO_PIPE_TO_CHILD) {
          a.src[i] = fds[0];
          parent_end[i] = fds[1];
        } else {
          a.src[i] = fds[1];
          parent_end[i] = fds[0];
        }
        fcntl(parent_end[i], F_SETFL, O_NONBLOCK);
        break;
    }
  }
  if (pipe2(errpipe, O_CLOEXEC) != 0) {
    err = tick_translate_errno(errno);
    goto out_fds;
  }
  default_argv[0] = (char *)(uintptr_t)o->file;
  default_argv[1] = NULL;
  a.paths = paths;
  a.argv = o->argv != NULL ? o->argv : default_argv;
  a.envp = o->env != NULL ? o->env : environ;
  a.cwd = o->cwd;
  a.flags = o->flags;
  a.uid = o->uid;
  a.gid = o->gid;
  a.nfds = n;
  a.errfd = errpipe[1];

  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  /* With pidfds, the pidfd comes from clone itself (CLONE_PIDFD, Linux 5.2; pidfd_open
   * came in 5.3, so mode 1 implies it): a pidfd_open after the exec could find the child
   * already gone when the kernel reaps it at once (SIGCHLD ignored), and fail. */
  pid = TICK__CLONE(child_main, stack + sizeof(stack),
              CLONE_VM | CLONE_VFORK | SIGCHLD | (s->mode == 1 ? CLONE_PIDFD : 0), &a,
              &pidfd);
  if (pid < 0) err = tick_translate_errno(errno);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(errpipe[1]);
  errpipe[1] = -1;
  if (pid < 0) goto out_fds;

  if (a.ran) {
    /* A real CLONE_VFORK: clone returned once the child had exec'd or exited, and it
     * left its errno in `a.err` if it failed. The pipe is not read: a fork made by another
     * thread of the program meanwhile holds a copy of its write end, for as long as that
     * unrelated child lives (process_spawn_does_not_wait_for_forks_of_other_threads). */
    exec_ok = a.err == 0;
    if (!exec_ok) err = tick_translate_errno(a.err);
  } else {
    /* CLONE_VM emulated by a fork (valgrind): the child runs on its own copy, concurrently.
     * 0 bytes: it exec'd (the close-on-exec pipe closed). 4 bytes: it failed and exits. */
    do {
      int child_errno = 0;
      got = read(errpipe[0], &child_errno, sizeof(child_errno));
      if (got == (ssize_t)sizeof(child_errno)) err = tick_translate_errno(child_errno);
    } while (got < 0 && errno == EINTR);
    exec_ok = got == 0;
  }
  if (err == 0 && s->mode == 1) {
    if (pidfd < 0) err = TICK_ESRCH; /* CLONE_PIDFD always sets it when clone succeeds */
    if (err == 0) {
      /* The pidfd is close-on-exec already (pidfd_open always sets it). */
      r = tick_poll_create(loop, pidfd, &pw);
      if (r == 0) {
        idx = s->free_head;
        r = tick_poll_start(loop, pw, TICK_READABLE, pidfd_ready,
                            (void *)(uintptr_t)rec_id(s, idx));
        if (r == 0) r = tick_poll_unref(loop, pw);
        if (r == 0) tick__poll_set_internal(loop, pw);
        if (r != 0) {
          tick_poll_close(loop, pw, close_fd_cb, (void *)(intptr_t)pidfd);
          pidfd = -1;
        }
      }
      if (r != 0) err = r;
    }
  }
  if (err == 0 && o->timeout_ms > 0) {
    /* Started once the child has exec'd, as Node starts its timer after the spawn. It is
     * unref'd: the running child keeps the loop alive (or not, if unref'd), not its
     * timeout. On failure the child is killed and reaped like one that cannot be watched. */
    r = tick_set_timeout(loop, o->timeout_ms, timeout_cb,
                         (void *)(uintptr_t)rec_id(s, s->free_head), &timer);
    if (r == 0) r = tick_timer_unref(loop, timer);
    if (r != 0) {
      err = r;
      if (pidfd >= 0) {
        tick_poll_close(loop, pw, close_fd_cb, (void *)(intptr_t)pidfd);
        pidfd = -1;
      }
    }
  }
  if (err != 0) {
    /* Nothing may be left behind: a child that failed is reaped now, one that exec'd but
     * cannot be watched is killed and reaped. */
    int st;
    if (exec_ok) kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) close(pidfd);
    goto out_fds;
  }

  idx = s->free_head;
  p = &s->recs[idx];
  s->free_head = p->next;
  p->state = P_RUNNING;
  p->ref = 1;
  p->auto_close = (uint8_t)auto_close;
  p->pid = pid;
  p->pidfd = pidfd;
  p->pw = pw;
  p->cb = resolver != NULL ? NULL : o->exit_cb; /* the promise form ignores it */
  p->arg = o->arg;
  p->resolver = resolver;
  p->result = NULL;
  p->timer = timer;
  p->has_timer = timer.id != TICK_NULL_ID;
  p->kill_signal = o->kill_signal != 0 ? o->kill_signal : SIGTERM;
  p->cancel_code = 0;
  loop->module_refs++;
  if (pidfd < 0) s->fallback_running++;
  for (i = 0; i < o->stdio_count; i++)
    if (parent_end[i] >= 0) o->stdio[i].fd = parent_end[i];
  for (i = 0; i < n; i++) parent_end[i] = -1;
  *idx_out = idx;

out_fds:
  for (i = 0; i < n; i++) {
    if (parent_end[i] >= 0) close(parent_end[i]);
    /* The child's ends of the pipes are the parent's to close in any case. */
    if (i < o->stdio_count && a.src[i] >= 0 &&
        (o->stdio[i].type == TICK_STDIO_PIPE_TO_CHILD ||
         o->stdio[i].type == TICK_STDIO_PIPE_FROM_CHILD))
      close(a.src[i]);
  }
  if (devnull >= 0) close(devnull);
  if (errpipe[0] >= 0) close(errpipe[0]);
  if (errpipe[1] >= 0) close(errpipe[1]);
  tick__free(paths_heap);
  r = err;
out_chld:
  if (r != 0 && s->mode == 2 && s->has_chld && s->fallback_running == 0) {
    if (tick_signal_close(loop, s->chld, NULL, NULL) == 0) s->has_chld = 0;
  }
  return r;
}

int tick_spawn(tick_loop_t *loop, const tick_process_options_t *options,
               tick_process_t *process_out) {
  uint32_t idx;
  proc_state_t *s;
  int r = spawn(loop, options, process_out == NULL, NULL, &idx);
  if (r != 0) return r;
  s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  TICK__NOTE_SITE(loop, TICK__SITE_MODULE(TICK__MODULE_PROCESS), rec_id(s, idx));
  if (process_out != NULL) process_out->id = rec_id(s, idx);
  return 0;
}

/* A spawn promise's value (or reason), with what its abort hook needs to find the child:
 * the public record first, so that freeing the box frees the value. */
typedef struct spawn_box_s {
  tick_process_exit_t pub;
  uint64_t id; /* the process handle */
} spawn_box_t;

/* The spawn promise's abort hook (tick_promise_cancel): the child gets kill_signal (as
 * when timeout_ms runs out) and the promise rejects with `code` once it has exited, its
 * reason the exit record; so the child is reaped, never left behind. A child that
 * ignores the signal keeps the promise pending until it exits. An exit not yet reported
 * is reported as the cancellation. The box is the promise's value-to-be, alive while the
 * promise is pending. */
static void spawn_abort(tick_loop_t *loop, void *op, int code) {
  spawn_box_t *box = op;
  proc_state_t *s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  uint32_t idx;
  proc_rec_t *p = lookup(s, box->id, &idx);
  if (p == NULL || p->state != P_RUNNING || p->resolver == NULL || p->cancel_code != 0)
    return;
  p->cancel_code = code;
  (void)send_signal(p, p->kill_signal);
}

int tick_spawn_promise(tick_loop_t *loop, const tick_process_options_t *options,
                       tick_process_t *process_out, tick_promise_t **promise_out) {
  tick_promise_t *promise;
  tick_resolver_t *resolver;
  tick_process_exit_t *result;
  spawn_box_t *box;
  proc_state_t *s;
  uint32_t idx;
  int r;
  TICK__CHECK_LOOP(loop);
  if (promise_out == NULL) return TICK_EINVAL;
  box = tick__calloc(1, sizeof(*box));
  if (box == NULL) return TICK_ENOMEM;
  result = &box->pub;
  r = tick_promise_create_deferred(loop, &promise, &resolver);
  if (r != 0) {
    tick__free(result);
    return r;
  }
  r = spawn(loop, options, 1, resolver, &idx);
  if (r != 0) {
    tick_resolver_release(resolver);
    tick_promise_release(promise);
    tick__free(result);
    return r;
  }
  s = tick__loop_module_state(loop, TICK__MODULE_PROCESS);
  TICK__NOTE_SITE(loop, TICK__SITE_MODULE(TICK__MODULE_PROCESS), rec_id(s, idx));
  s->recs[idx].result = result;
  box->id = rec_id(s, idx);
  if (process_out != NULL) process_out->id = box->id;
  (void)tick__promise_set_abort(promise, spawn_abort, box); /* pending, of this loop */
  *promise_out = promise;
  return 0;
}

int tick_process_pid(const tick_loop_t *loop, tick_process_t process) {
  proc_state_t *s;
  proc_rec_t *p;
  uint32_t idx;
  int r;
  p = enter(loop, process, &s, &idx, &r);
  if (p == NULL) return r;
  return (int)p->pid;
}

int tick_process_kill(tick_loop_t *loop, tick_process_t process, int signum) {
  proc_state_t *s;
  proc_rec_t *p;
  uint32_t idx;
  int r;
  p = enter(loop, process, &s, &idx, &r);
  if (p == NULL) return r;
  if (signum < 0 || signum > 64) return TICK_EINVAL;
  if (p->state != P_RUNNING) return TICK_ESRCH;
  return send_signal(p, signum);
}

static int set_ref(tick_loop_t *loop, tick_process_t process, int ref) {
  proc_state_t *s;
  proc_rec_t *p;
  uint32_t idx;
  int r;
  p = enter(loop, process, &s, &idx, &r);
  if (p == NULL) return r;
  if (p->ref == ref) return 0;
  p->ref = (uint8_t)ref;
  if (p->state == P_RUNNING) {
    if (ref) loop->module_refs++;
    else loop->module_refs--;
  }
  return 0;
}

int tick_process_unref(tick_loop_t *loop, tick_process_t process) {
  return set_ref(loop, process, 0);
}

int tick_process_ref(tick_loop_t *loop, tick_process_t process) {
  return set_ref(loop, process, 1);
}

int tick_process_close(tick_loop_t *loop, tick_process_t process, tick_close_cb close_cb,
                       void *arg) {
  proc_state_t *s;
  uint32_t idx;
  int r;
  if (enter(loop, process, &s, &idx, &r) == NULL) return r;
  return close_rec(loop, s, idx, close_cb, arg);
}
