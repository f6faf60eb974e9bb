/* tick/fs.h - files on the loop: open, read, write, stat, rename, directories, copy.
 * Included by <tick.h>.
 *
 * Every operation here is an asynchronous request. It runs on the loop's thread pool
 * (tick_loop_pool, tick/thread.h), or, for read and write when tick was built with
 * liburing and the kernel allows it, on an io_uring owned by the loop. Its completion
 * runs on the loop thread as a macrotask in the poll phase (with the drain of ticks and
 * microtasks after it), exactly once: with the operation's result, an error (the errno
 * of the system call as a TICK_E* code), TICK_ECANCELED or TICK_ETIMEDOUT. A completion
 * never runs before the call that accepted the request has returned.
 *
 * FORMS. Each operation has a callback form, `tick_fs_<op>(..., cb, arg, req)`, and a
 * promise form, `tick_fs_<op>_promise(..., &promise, req)`. The promise fulfils with a
 * `const tick_fs_result_t *` (read it with tick_promise_value; it lives as long as the
 * promise) or rejects with the error code. `req` (may be NULL) receives the request's id
 * for tick_fs_cancel and tick_fs_timeout. tick_promise_cancel(promise, code) cancels it
 * too, with `code`: on the pool while no worker has started it, on the io_uring while the
 * kernel has not done it (IORING_OP_ASYNC_CANCEL); else its real result comes
 * (docs/cancellation.md). Submission errors are returned at once and
 * then nothing runs: TICK_EINVAL (NULL loop, NULL path or buffer, negative fd, NULL cb
 * for the callback form), TICK_ENOMEM, TICK_ECLOSING (the loop is being destroyed),
 * TICK_EWRONGTHREAD, or what tick_loop_pool returns.
 *
 * MEMORY. Paths, buffers and the `tick_dirent_t` array are borrowed: they must stay valid
 * and untouched until the completion has run (a string literal, or memory freed in the
 * callback). The iovec array itself is copied: it may be a local of the caller. The
 * request record comes from a per-loop free list: steady-state requests do not allocate,
 * except realpath (one PATH_MAX buffer), opendir (the directory handle), more than four
 * iovecs (the copy), and the promise forms (the promise and its result).
 *
 * CANCELLATION AND TIMEOUTS. A request that no worker has started is cancelled by
 * tick_fs_cancel: its completion reports TICK_ECANCELED. A request that has started (on
 * a worker, or handed to the io_uring) cannot be interrupted: cancel returns TICK_EBUSY
 * and the completion reports the operation's own result. tick_fs_timeout arms a deadline
 * with the same rule: when it expires before the request started, the request is
 * cancelled and reports TICK_ETIMEDOUT; after that it has no effect. Destroying the loop
 * cancels every request not yet started (their completions run, with TICK_ECANCELED,
 * before tick_loop_destroy returns) and returns TICK_EBUSY while started ones run.
 *
 * THREADS. Every function here is "loop thread".
 */
#ifndef TICK_FS_H
#define TICK_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* A request, named by a generation-counted id like the loop's handles. */
typedef struct tick_fs_s { uint64_t id; } tick_fs_t;

/* An open directory (tick_fs_opendir), owned by the caller until tick_fs_closedir. */
typedef struct tick_fs_dir_s tick_fs_dir_t;

typedef enum tick_fs_op_e {
  TICK_FS_OPEN = 1, TICK_FS_CLOSE, TICK_FS_READ, TICK_FS_WRITE, TICK_FS_STAT, TICK_FS_FSTAT,
  TICK_FS_LSTAT, TICK_FS_RENAME, TICK_FS_UNLINK, TICK_FS_FSYNC, TICK_FS_FDATASYNC,
  TICK_FS_FTRUNCATE, TICK_FS_MKDIR, TICK_FS_RMDIR, TICK_FS_OPENDIR, TICK_FS_READDIR,
  TICK_FS_CLOSEDIR, TICK_FS_REALPATH, TICK_FS_COPYFILE
} tick_fs_op_t;

typedef struct tick_timespec_s {
  int64_t sec;
  int64_t nsec;
} tick_timespec_t;

/* stat(2)'s fields. `mode` holds the type bits (S_IFREG...) and the permissions. */
typedef struct tick_stat_s {
  uint64_t dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks;
  tick_timespec_t atime, mtime, ctime;
} tick_stat_t;

enum { /* tick_dirent_t.type */
  TICK_DIRENT_UNKNOWN = 0, TICK_DIRENT_FILE, TICK_DIRENT_DIR, TICK_DIRENT_LINK,
  TICK_DIRENT_OTHER
};

typedef struct tick_dirent_s {
  char name[256]; /* NUL-terminated; "." and ".." are never listed */
  int type;       /* TICK_DIRENT_*; UNKNOWN when the file system does not say */
} tick_dirent_t;

/* What a completed request produced. Borrowed: valid during the callback (promise form:
 * while the promise lives). `status` says whether it succeeded, as the `status` of every
 * other completion in tick does; each operation's output has a field of its own, named
 * for what it holds, and set only when `status` is 0 (else it keeps the value shown). */
typedef struct tick_fs_result_s {
  tick_fs_t req;
  tick_fs_op_t op;
  int status;          /* 0, or the error: a TICK_E* code, TICK_ECANCELED, TICK_ETIMEDOUT */
  int fd;              /* open: the new descriptor (the caller's to close); else -1 */
  int64_t nbytes;      /* read (0 at end of file), write, copyfile: bytes moved; else 0 */
  size_t count;        /* readdir: entries filled (0 once the listing is over); else 0 */
  tick_stat_t stat;    /* stat, fstat, lstat */
  const char *path;    /* realpath: the canonical path; else NULL */
  tick_fs_dir_t *dir;  /* opendir: the handle (close it with tick_fs_closedir); else NULL */
} tick_fs_result_t;

typedef void (*tick_fs_cb)(tick_loop_t *loop, const tick_fs_result_t *result, void *arg);

/* Flags of tick_fs_copyfile. */
enum { TICK_FS_COPY_EXCL = 1u << 0 /* fail with TICK_EEXIST if `dst` exists */ };

/* Which backend the loop's read and write requests use. */
enum { TICK_FS_BACKEND_POOL = 1, TICK_FS_BACKEND_URING = 2 };

/* ------------------------------------------------------------- operations ---- */
/* Each callback form ends with (cb, arg, req); each promise form with (out, req). */

/* open(2): `flags` and `mode` as for open (O_CLOEXEC is always added). result->fd. */
int tick_fs_open(tick_loop_t *loop, const char *path, int flags, int mode, tick_fs_cb cb,
                 void *arg, tick_fs_t *req);
int tick_fs_open_promise(tick_loop_t *loop, const char *path, int flags, int mode,
                         tick_promise_t **out, tick_fs_t *req);

/* close(2). A close that reports TICK_ECANCELED or TICK_ETIMEDOUT (tick_fs_cancel, a
 * deadline, or the loop's destroy) never ran: the descriptor is still open, and closing
 * it is then the caller's job. */
int tick_fs_close(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_close_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req);

/* preadv(2)/pwritev(2) at `offset`, or readv/writev at the current position when
 * `offset` is -1 (other negative offsets: TICK_EINVAL). 1 to 1024 buffers. A read returns
 * fewer bytes than asked near the end of the file and 0 at its end; a write may be short
 * as write(2) may. result->nbytes: the bytes read or written. */
int tick_fs_read(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                 int64_t offset, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_read_promise(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                         int64_t offset, tick_promise_t **out, tick_fs_t *req);
int tick_fs_write(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                  int64_t offset, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_write_promise(tick_loop_t *loop, int fd, const struct iovec *iov,
                          unsigned iovcnt, int64_t offset, tick_promise_t **out,
                          tick_fs_t *req);

/* stat(2), lstat(2) (does not follow a final symbolic link), fstat(2): result->stat. */
int tick_fs_stat(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                 tick_fs_t *req);
int tick_fs_stat_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                         tick_fs_t *req);
int tick_fs_lstat(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                  tick_fs_t *req);
int tick_fs_lstat_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                          tick_fs_t *req);
int tick_fs_fstat(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_fstat_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req);

/* rename(2), unlink(2), mkdir(2), rmdir(2). */
int tick_fs_rename(tick_loop_t *loop, const char *from, const char *to, tick_fs_cb cb,
                   void *arg, tick_fs_t *req);
int tick_fs_rename_promise(tick_loop_t *loop, const char *from, const char *to,
                           tick_promise_t **out, tick_fs_t *req);
int tick_fs_unlink(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                   tick_fs_t *req);
int tick_fs_unlink_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                           tick_fs_t *req);
int tick_fs_mkdir(tick_loop_t *loop, const char *path, int mode, tick_fs_cb cb, void *arg,
                  tick_fs_t *req);
int tick_fs_mkdir_promise(tick_loop_t *loop, const char *path, int mode,
                          tick_promise_t **out, tick_fs_t *req);
int tick_fs_rmdir(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                  tick_fs_t *req);
int tick_fs_rmdir_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                          tick_fs_t *req);

/* fsync(2), fdatasync(2), ftruncate(2) (`length` >= 0, else TICK_EINVAL). */
int tick_fs_fsync(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_fsync_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req);
int tick_fs_fdatasync(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_fdatasync_promise(tick_loop_t *loop, int fd, tick_promise_t **out,
                              tick_fs_t *req);
int tick_fs_ftruncate(tick_loop_t *loop, int fd, int64_t length, tick_fs_cb cb, void *arg,
                      tick_fs_t *req);
int tick_fs_ftruncate_promise(tick_loop_t *loop, int fd, int64_t length,
                              tick_promise_t **out, tick_fs_t *req);

/* Directory listing in batches, like libuv's uv_fs_opendir/readdir/closedir. opendir's
 * result->dir is a handle the caller owns; if opendir fails no handle exists. readdir
 * fills up to `count` entries of `entries` (borrowed until the completion) and reports
 * how many it filled in result->count, 0 once the listing is over. One readdir at a time per handle
 * (another one, or a closedir, while it runs returns TICK_EBUSY). closedir frees the
 * handle (even if closedir(3) fails); the handle must not be used after it: readdir and
 * closedir return TICK_ESTALE for a handle that is not open on this loop (closed, or
 * opened by another loop). A handle still open when the loop is destroyed is freed with
 * it. */
int tick_fs_opendir(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                    tick_fs_t *req);
int tick_fs_opendir_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                            tick_fs_t *req);
int tick_fs_readdir(tick_loop_t *loop, tick_fs_dir_t *dir, tick_dirent_t *entries,
                    size_t count, tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_readdir_promise(tick_loop_t *loop, tick_fs_dir_t *dir, tick_dirent_t *entries,
                            size_t count, tick_promise_t **out, tick_fs_t *req);
int tick_fs_closedir(tick_loop_t *loop, tick_fs_dir_t *dir, tick_fs_cb cb, void *arg,
                     tick_fs_t *req);
int tick_fs_closedir_promise(tick_loop_t *loop, tick_fs_dir_t *dir, tick_promise_t **out,
                             tick_fs_t *req);

/* realpath(3): result->path. */
int tick_fs_realpath(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                     tick_fs_t *req);
int tick_fs_realpath_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                             tick_fs_t *req);

/* Copies the regular file `src` to `dst` (created or truncated, with `src`'s permission
 * bits; TICK_FS_COPY_EXCL: TICK_EEXIST if it exists) with copy_file_range(2), falling
 * back to read/write in 64 KiB chunks where the kernel or file system refuses it. On
 * failure a `dst` this call created is removed. Copying a file onto itself (the same
 * name, or a hard link to it) succeeds and leaves it untouched, with nbytes 0 (as libuv
 * and Node do). result->nbytes: the bytes copied. */
int tick_fs_copyfile(tick_loop_t *loop, const char *src, const char *dst, unsigned flags,
                     tick_fs_cb cb, void *arg, tick_fs_t *req);
int tick_fs_copyfile_promise(tick_loop_t *loop, const char *src, const char *dst,
                             unsigned flags, tick_promise_t **out, tick_fs_t *req);

/* ------------------------------------------------------- control, backend ---- */

/* Cancels a request no worker has started: its completion reports TICK_ECANCELED in a
 * later poll phase (never from inside this call). Returns 0, TICK_EBUSY (it has started;
 * it will report its own result), TICK_ESTALE (done, already cancelled, or bogus id). */
int tick_fs_cancel(tick_loop_t *loop, tick_fs_t req);

/* Arms a deadline `ms` milliseconds from now (below 1: 1 ms, as timers): if the request
 * has not started by then it is cancelled and reports TICK_ETIMEDOUT. Arming again
 * replaces the deadline. The deadline is a loop timer cleared when the request
 * completes. Returns 0, TICK_ESTALE, TICK_ENOMEM. */
int tick_fs_timeout(tick_loop_t *loop, tick_fs_t req, int64_t ms);

/* TICK_FS_BACKEND_URING or TICK_FS_BACKEND_POOL: where this loop's reads and writes go.
 * io_uring is used when tick was built with liburing, io_uring_queue_init succeeds on
 * this loop's first file request, and the environment variable TICK_NO_URING is not set
 * to a non-empty value other than "0" at that moment. Returns the backend, or TICK_EINVAL,
 * TICK_EWRONGTHREAD, TICK_ENOMEM, TICK_ECLOSING. */
int tick_fs_backend(tick_loop_t *loop);

#endif
