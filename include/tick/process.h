/* tick/process.h - child processes: spawn, exit callback, kill, stdio pipes.
 * Included by <tick.h>.
 *
 * tick_spawn starts a program and returns once it has exec'd (or failed to: a missing
 * program is an error returned by tick_spawn, such as TICK_ENOENT, and leaves no zombie).
 * The exit callback runs on the loop thread as a macrotask of the poll phase (the drain of
 * docs/semantics.md section 3 follows it) with the exit status or the terminating signal.
 * Exits are watched through a pidfd in the loop's epoll set, so tick needs no SIGCHLD
 * handler and never reaps children it did not spawn. Where pidfd_open is missing (Linux
 * before 5.3) a loop falls back to an internal SIGCHLD signal watcher that still reaps
 * only its own children, with waitpid(pid) (docs/design/process.md).
 *
 * Handles are generation-counted ids (tick/loop.h, "Handles"). A process handle lives
 * until tick_process_close (before or after the exit); the id is stale from then on. Two
 * kinds close themselves once the exit is reported: tick_spawn's without process_out, and
 * every handle of tick_spawn_promise. A timeout (options->timeout_ms) signals a child that
 * runs too long, as Node's child_process `timeout` option.
 * Every function is "loop thread" unless it says otherwise. docs/design/process.md has the
 * details: how the child is started (clone with CLONE_VM|CLONE_VFORK), signal dispositions
 * in the child, what closing before the exit means.
 */
#ifndef TICK_PROCESS_H
#define TICK_PROCESS_H

#include <stdint.h>
#include <sys/types.h>

typedef struct tick_process_s { uint64_t id; } tick_process_t;

/* What one file descriptor of the child is (tick_stdio_t.type). */
enum {
  /* Ignore: fd 0, 1, 2 are opened on /dev/null; other fds are left closed. The default
   * for the fds 0..2 that `stdio` does not list (as libuv). */
  TICK_STDIO_IGNORE = 0,
  /* The child gets the parent's descriptor of the same number (closed if the parent's
   * is closed when tick_spawn is called). */
  TICK_STDIO_INHERIT,
  /* The child gets `fd` (an open descriptor of the parent, else TICK_EBADF; it stays the
   * parent's). */
  TICK_STDIO_FD,
  /* A pipe the parent writes and the child reads (typically stdin). */
  TICK_STDIO_PIPE_TO_CHILD,
  /* A pipe the child writes and the parent reads (typically stdout, stderr). */
  TICK_STDIO_PIPE_FROM_CHILD
};

typedef struct tick_stdio_s {
  int type;
  /* TICK_STDIO_FD: the parent's descriptor to give. For the pipe types, tick_spawn stores
   * here the parent's end: non-blocking, close-on-exec, owned by the caller, who closes
   * it. Wrap it with the stream API (tick/stream.h, when present) or watch it with
   * tick_poll. On failure nothing is stored and no pipe is left open. */
  int fd;
} tick_stdio_t;

/* tick_process_options_t.flags */
enum {
  TICK_PROCESS_SETUID = 1u << 0,   /* set the child's user id to `uid` (and drop
                                      supplementary groups) */
  TICK_PROCESS_SETGID = 1u << 1,   /* set the child's group id to `gid` */
  TICK_PROCESS_DETACHED = 1u << 2  /* the child leads a new session (setsid): it has no
                                      controlling terminal and is not in the parent's
                                      process group, so a ^C does not reach it */
};

/* Called once, on the loop thread, when the child has exited. `exit_status` is its exit
 * code (0..255) when it exited, 0 when it was killed by a signal; `term_signal` is that
 * signal or 0. `exit_status` is TICK_ECHILD (negative) when the kernel had discarded the
 * status: the program ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT) or reaped the child
 * itself with waitpid(-1). The handle stays valid until closed. */
typedef void (*tick_process_exit_cb)(tick_loop_t *loop, tick_process_t process,
                                     int exit_status, int term_signal, void *arg);

typedef struct tick_process_options_s {
  /* The program. Without a '/' it is searched in the PATH of the child's environment
   * (`env` if given, else the parent's), "/usr/local/bin:/usr/bin:/bin" if it has none. */
  const char *file;
  /* NULL-terminated argument vector; NULL means { file, NULL }. */
  char *const *argv;
  /* NULL-terminated "NAME=value" strings; NULL inherits the parent's environment. */
  char *const *env;
  /* Working directory of the child; NULL keeps the parent's. */
  const char *cwd;
  unsigned flags;       /* TICK_PROCESS_* */
  uid_t uid;            /* with TICK_PROCESS_SETUID */
  gid_t gid;            /* with TICK_PROCESS_SETGID */
  /* stdio[i] is the child's fd i (at most 64 entries). */
  tick_stdio_t *stdio;
  int stdio_count;
  tick_process_exit_cb exit_cb; /* may be NULL */
  void *arg;
  /* Node's `timeout` and `killSignal`. When the child still runs `timeout_ms`
   * milliseconds after tick_spawn returned (0: no limit; at most TICK_TIMEOUT_MAX, where
   * Node would fire at once), tick sends it `kill_signal` (1..64; 0: SIGTERM) once, from
   * the timers phase, as tick_process_kill would. Nothing else changes: the exit is
   * reported as usual (term_signal is that signal if the child died of it; a child that
   * catches or ignores it runs on, and is not signalled again). The timer is released
   * when the exit is reported or the handle closed, and never keeps the loop alive by
   * itself (unlike Node's: tick_process_unref lets the loop end before the timeout). A
   * signal that cannot be sent (TICK_EPERM: the child now runs as another user) is not
   * reported, as in Node, where it is an 'error' event. */
  int64_t timeout_ms;
  int kill_signal;
} tick_process_options_t;

/* Starts a child process. All the memory `options` points to may be freed when it
 * returns. Returns 0 and sets *process_out (may be NULL if not needed, then the handle
 * closes itself after the exit callback), or an error, with nothing left behind (no child,
 * no zombie, no descriptor): TICK_EINVAL (NULL loop/options, NULL or empty file, bad
 * stdio entry or flag, timeout_ms negative or above TICK_TIMEOUT_MAX, kill_signal outside
 * 0..64), TICK_EBADF (a TICK_STDIO_FD that is not open),
 * TICK_ENOMEM, a system error from pipe/clone/pidfd_open (TICK_EMFILE,
 * TICK_EAGAIN), or the child's error before exec: TICK_ENOENT (no such program or cwd),
 * TICK_EACCES, TICK_EPERM (uid/gid), TICK_ENOTDIR... The running process keeps the loop
 * alive until its exit callback has run (unless unref'd). */
int tick_spawn(tick_loop_t *loop, const tick_process_options_t *options,
               tick_process_t *process_out);

/* The child's pid (a positive count), or TICK_ESTALE. After the exit callback the pid
 * may belong to another process: do not signal it yourself. */
int tick_process_pid(const tick_loop_t *loop, tick_process_t process);

/* Sends `signum` (0..64; 0 only checks) to the child (also one of the promise form). Returns 0, TICK_ESRCH once its exit
 * has been reported (before that a child that already died is an unreaped zombie and the
 * call succeeds without effect), TICK_EINVAL, TICK_ESTALE, TICK_EPERM. The signal goes
 * through the child's pidfd, so it never reaches another process that got a recycled pid,
 * even if the program reaped the child itself (then TICK_ESRCH). In the SIGCHLD fallback
 * (no pidfd) it goes by pid, which tick keeps from being recycled by not reaping the child
 * before it reports the exit. */
int tick_process_kill(tick_loop_t *loop, tick_process_t process, int signum);

/* Whether a running child keeps the loop alive (default: yes). 0 or TICK_ESTALE. */
int tick_process_unref(tick_loop_t *loop, tick_process_t process);
int tick_process_ref(tick_loop_t *loop, tick_process_t process);

/* Closes the handle: `close_cb(loop, arg)` (may be NULL) runs in the close phase of this
 * iteration, exactly once, and the id is stale from now on. Closed before the exit, the
 * exit callback is not called for the exit: it is called once in that close phase, before
 * close_cb, with exit_status TICK_ECANCELED and term_signal 0 (its handle already stale).
 * Closing before the exit does not kill the child: tick stops watching it and, like
 * libuv, no longer reaps it (kill it and wait for the exit callback first, or reap it
 * yourself, if it must not linger as a zombie). Returns 0, TICK_ESTALE, TICK_ENOMEM
 * (nothing happened; the handle is unchanged). */
int tick_process_close(tick_loop_t *loop, tick_process_t process, tick_close_cb close_cb,
                       void *arg);

/* ------------------------------------------------------------- promise form ---- */

/* What the promise of tick_spawn_promise fulfils with (owned by the promise). exit_status
 * and term_signal mean what they mean for tick_process_exit_cb (TICK_ECHILD included).
 * A promise rejected because its handle was closed before the exit has one as its reason
 * too: the pid, exit_status TICK_ECANCELED, term_signal 0. */
typedef struct tick_process_exit_s {
  int pid;
  int exit_status;
  int term_signal;
} tick_process_exit_t;

/* tick_promise_cancel(promise, code) on this promise sends the child kill_signal and
 * rejects with `code` once it has exited (its reason the exit record), so the child is
 * always reaped (docs/cancellation.md).
 *
 * Spawns like tick_spawn (options->exit_cb and ->arg are ignored; timeout_ms and
 * kill_signal apply) and sets *promise_out to a new reference to a promise that fulfils
 * with a tick_process_exit_t * when the child exits, as a macrotask of the poll phase.
 *
 * *process_out (may be NULL) gets the child's handle, for tick_process_kill,
 * tick_process_pid and tick_process_unref/ref. The handle closes itself once the exit is
 * reported: tick fulfils the promise, then closes it, so the id is stale (TICK_ESTALE)
 * from then on, already when the promise's reactions run (the value has the pid); the
 * caller never has to close it. Closing it before the exit (tick_process_close) settles
 * the promise exactly once, by rejecting it with TICK_ECANCELED, in the close phase before
 * close_cb; as with the callback form the child is neither killed nor reaped.
 *
 * Why a rejection, where the callback form reports exit_status TICK_ECANCELED: the
 * callback has one channel, a promise has two, and the fulfilment value says "the child
 * exited with this status", which would be false (it may still run). Rejecting is what
 * Node's promise APIs do when cancelled (an AbortError), it lets tick_promise_all stop
 * at the first cancelled child, and a cancellation nobody handles is reported by the
 * unhandled-rejection hook instead of passing for an exit.
 *
 * Spawn errors are returned, as by tick_spawn: no promise is made and *process_out is not
 * set. Returns 0, those errors, TICK_EINVAL (NULL promise_out). */
int tick_spawn_promise(tick_loop_t *loop, const tick_process_options_t *options,
                       tick_process_t *process_out, tick_promise_t **promise_out);

#endif
