/* fs.c - file requests: records, dispatch to the pool or the io_uring, completion.
 *
 * A request is a record from a per-loop free list (chunks that never move, named by a
 * generation-counted id like pool jobs). It is queued as a pool job (tick_work_queue) whose
 * work function makes the system call on a worker and whose done callback completes the
 * request on the loop thread; reads and writes go to the loop's io_uring instead when it
 * has one (fs-uring.c). Either way the completion runs once, as a macrotask, and the
 * record is back on the free list before the user's callback runs, so a callback may
 * make the next request without allocating.
 *
 * Every allocation happens on the loop thread, at submission (the record chunks, an iovec
 * copy, realpath's buffer, a directory handle, a promise's result): workers only make
 * system calls, and a failed allocation is a submission error, never a lost completion.
 */
#include "io/fs.h"
#include "promise/promise.h"
#include "thread/pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQ_CHUNK_SHIFT 6
#define REQ_CHUNK (1u << REQ_CHUNK_SHIFT)
#define IOV_INLINE 4
#define IOV_MAX_COUNT 1024
#define COPY_CHUNK (64 * 1024)

struct tick_fs_dir_s {
  DIR *dir;
  tick_fs_dir_t *next, *prev; /* the loop's open handles, freed with the loop */
  int busy;                   /* an opendir, readdir or closedir is in flight */
};

/* A promise form's value: the result, and the realpath buffer it points into. */
typedef struct fs_box_s {
  tick_fs_result_t res;
  char *pathbuf;
} fs_box_t;

typedef struct fs_req_s fs_req_t;
struct fs_req_s {
  fs_req_t *next_free;
  uint32_t gen, index;
  int live;
  int on_ring;           /* handed to the io_uring: cannot be cancelled */
  int timed_out;         /* cancelled by its deadline */
  int cancel_code;       /* promise form: tick_promise_cancel's code, or 0 */
  int never_ran;         /* removed from the pool before a worker took it */
  tick_fs_op_t op;
  tick_fs_cb cb;
  void *arg;
  tick_resolver_t *resolver; /* promise form */
  fs_box_t *box;
  tick_work_t job;
  tick_timer_t timer;
  tick__cap_t cap;       /* io_uring requests: the context and flow of the call */
  /* Arguments. */
  int fd, flags, mode;
  unsigned cflags;
  const char *path, *path2;
  int64_t offset;
  struct iovec *iov;
  unsigned iovcnt;
  struct iovec iov_inline[IOV_INLINE];
  tick_fs_dir_t *dir;
  tick_dirent_t *entries;
  size_t count;
  char *pathbuf;
  /* Results, written by the worker (or the ring's completion). */
  int64_t result;
  tick_stat_t stat;
};

typedef struct fs_loop_s {
  fs_req_t **chunks;
  uint32_t nchunks;
  fs_req_t *free;
  tick_pool_t *pool;
  tick__uring_t *ring;
  tick_fs_dir_t *dirs;
} fs_loop_t;

/* ------------------------------------------------------------------ records ---- */

static fs_req_t *req_at(const fs_loop_t *fl, uint32_t index) {
  return &fl->chunks[index >> REQ_CHUNK_SHIFT][index & (REQ_CHUNK - 1)];
}

static fs_req_t *req_take(fs_loop_t *fl) {
  fs_req_t *req;
  if (fl->free == NULL) {
    fs_req_t **chunks, *chunk;
    uint32_t i, base = fl->nchunks << REQ_CHUNK_SHIFT;
    if (fl->nchunks >= (UINT32_MAX >> REQ_CHUNK_SHIFT) - 1) return NULL;
    chunk = tick__calloc(REQ_CHUNK, sizeof(*chunk));
    if (chunk == NULL) return NULL;
    chunks = tick__reallocarray(fl->chunks, fl->nchunks + 1, sizeof(*chunks));
    if (chunks == NULL) {
      tick__free(chunk);
      return NULL;
    }
    fl->chunks = chunks;
    chunks[fl->nchunks++] = chunk;
    for (i = REQ_CHUNK; i-- > 0;) {
      chunk[i].gen = 1;
      chunk[i].index = base + i;
      chunk[i].next_free = fl->free;
      fl->free = &chunk[i];
    }
  }
  req = fl->free;
  fl->free = req->next_free;
  return req;
}

static void req_release(fs_loop_t *fl, fs_req_t *req) {
  uint32_t gen = req->gen + 1 ? req->gen + 1 : 1, index = req->index;
  memset(req, 0, sizeof(*req));
  req->gen = gen;
  req->index = index;
  req->next_free = fl->free;
  fl->free = req;
}

static uint64_t req_id(const fs_req_t *req) {
  return ((uint64_t)req->gen << 32) | ((uint64_t)req->index + 1);
}

static fs_req_t *req_lookup(const fs_loop_t *fl, tick_fs_t id) {
  uint32_t low = (uint32_t)id.id;
  fs_req_t *req;
  if (fl == NULL || low == 0 || ((low - 1) >> REQ_CHUNK_SHIFT) >= fl->nchunks) return NULL;
  req = req_at(fl, low - 1);
  if (!req->live || req->gen != (uint32_t)(id.id >> 32)) return NULL;
  return req;
}

static void dir_unlink_free(fs_loop_t *fl, tick_fs_dir_t *d) {
  if (d->prev != NULL)
    d->prev->next = d->next;
  else
    fl->dirs = d->next;
  if (d->next != NULL) d->next->prev = d->prev;
  tick__free(d);
}

/* -------------------------------------------------------------- completion ---- */

static void box_free(void *ptr) {
  fs_box_t *box = ptr;
  tick__free(box->pathbuf);
  tick__free(box);
}

/* Runs on the loop thread inside the completion's macrotask: frees the record, then
 * reports the result once. */
static void req_finish(tick_loop_t *loop, fs_req_t *req) {
  fs_loop_t *fl = tick__loop_module_state(loop, TICK__MODULE_FS);
  tick_fs_result_t res;
  tick_fs_cb cb = req->cb;
  void *arg = req->arg;
  tick_resolver_t *resolver = req->resolver;
  fs_box_t *box = req->box;
  char *pathbuf = req->pathbuf;
  memset(&res, 0, sizeof(res));
  res.req.id = req_id(req);
  res.op = req->op;
  res.fd = -1;
  if (req->result < 0) {
    res.status = (int)req->result;
  } else if (req->op == TICK_FS_OPEN) {
    res.fd = (int)req->result;
  } else if (req->op == TICK_FS_READ || req->op == TICK_FS_WRITE ||
             req->op == TICK_FS_COPYFILE) {
    res.nbytes = req->result;
  } else if (req->op == TICK_FS_READDIR) {
    res.count = (size_t)req->result;
  }
  if (req->op == TICK_FS_STAT || req->op == TICK_FS_LSTAT || req->op == TICK_FS_FSTAT)
    res.stat = req->stat;
  if (req->timer.id != TICK_NULL_ID) tick_clear_timer(loop, req->timer);
  if (req->iov != req->iov_inline) tick__free(req->iov);
  switch (req->op) {
    case TICK_FS_OPENDIR:
      if (res.status < 0) {
        dir_unlink_free(fl, req->dir);
      } else {
        req->dir->busy = 0;
        res.dir = req->dir;
      }
      break;
    case TICK_FS_READDIR:
      req->dir->busy = 0;
      break;
    case TICK_FS_CLOSEDIR:
      /* Freed whatever closedir(3) said: the DIR is gone either way. A cancelled
       * closedir leaves the handle open and usable. */
      if (req->never_ran)
        req->dir->busy = 0;
      else
        dir_unlink_free(fl, req->dir);
      break;
    case TICK_FS_REALPATH:
      if (res.status == 0) res.path = pathbuf;
      break;
    default:
      break;
  }
  req_release(fl, req);
  if (resolver != NULL) {
    if (res.status < 0) {
      tick__free(pathbuf);
      tick__free(box);
      tick_resolver_reject(resolver, res.status, NULL, NULL);
    } else {
      box->res = res;
      box->pathbuf = pathbuf;
      tick_resolver_resolve(resolver, box, box_free);
    }
    tick_resolver_release(resolver);
  } else {
    cb(loop, &res, arg);
    tick__free(pathbuf);
  }
}

static void fs_done(tick_loop_t *loop, int status, void *arg) {
  fs_req_t *req = arg;
  if (status == TICK_ECANCELED) { /* the pool removed it before a worker took it */
    req->never_ran = 1;
    req->result = req->cancel_code != 0 ? req->cancel_code
                  : req->timed_out      ? TICK_ETIMEDOUT
                                        : TICK_ECANCELED;
  }
  req_finish(loop, req);
}

static void ring_complete(tick_loop_t *loop, void *data, int result) {
  fs_req_t *req = data;
  tick__cap_t cap = req->cap;
  void *saved;
  req->result = result < 0 ? tick_translate_errno(-result) : result;
  /* Stopped by the IORING_OP_ASYNC_CANCEL that tick_promise_cancel submitted. */
  if (result == -ECANCELED && req->cancel_code != 0) req->result = req->cancel_code;
  if (req->op == TICK_FS_READ && result > 0)
    tick__uring_read_done(req->iov, req->iovcnt, (size_t)result);
  saved = tick__cap_enter(loop, &cap, TICK__CB_IO, (tick__fn_t)req->cb);
  req_finish(loop, req);
  tick__cap_leave(loop, saved);
}

/* ------------------------------------------------------------ the workers ---- */

static int64_t sys_result(int64_t r) { return r < 0 ? tick_translate_errno(errno) : r; }

static void stat_copy(tick_stat_t *out, const struct stat *st) {
  out->dev = (uint64_t)st->st_dev;
  out->ino = (uint64_t)st->st_ino;
  out->mode = (uint64_t)st->st_mode;
  out->nlink = (uint64_t)st->st_nlink;
  out->uid = (uint64_t)st->st_uid;
  out->gid = (uint64_t)st->st_gid;
  out->rdev = (uint64_t)st->st_rdev;
  out->size = (uint64_t)st->st_size;
  out->blksize = (uint64_t)st->st_blksize;
  out->blocks = (uint64_t)st->st_blocks;
  out->atime.sec = st->st_atim.tv_sec;
  out->atime.nsec = st->st_atim.tv_nsec;
  out->mtime.sec = st->st_mtim.tv_sec;
  out->mtime.nsec = st->st_mtim.tv_nsec;
  out->ctime.sec = st->st_ctim.tv_sec;
  out->ctime.nsec = st->st_ctim.tv_nsec;
}

static int64_t do_stat(fs_req_t *req) {
  struct stat st;
  int r;
  if (req->op == TICK_FS_FSTAT)
    r = fstat(req->fd, &st);
  else if (req->op == TICK_FS_LSTAT)
    r = lstat(req->path, &st);
  else
    r = stat(req->path, &st);
  if (r != 0) return tick_translate_errno(errno);
  stat_copy(&req->stat, &st);
  return 0;
}

static int64_t do_readdir(fs_req_t *req) {
  size_t n = 0;
  while (n < req->count) {
    struct dirent *de;
    errno = 0;
    de = readdir(req->dir->dir);
    if (de == NULL) {
      if (errno != 0 && n == 0) return tick_translate_errno(errno);
      break;
    }
    if (de->d_name[0] == '.' &&
        (de->d_name[1] == 0 || (de->d_name[1] == '.' && de->d_name[2] == 0)))
      continue;
    {
      /* Only the name's own bytes: records are packed in readdir(3)'s buffer, so the
       * last one may end well before sizeof(d_name) (a fixed-size copy read past it). */
      size_t len = strnlen(de->d_name, sizeof(req->entries[n].name) - 1);
      memcpy(req->entries[n].name, de->d_name, len);
      req->entries[n].name[len] = 0;
    }
    switch (de->d_type) {
      case DT_REG: req->entries[n].type = TICK_DIRENT_FILE; break;
      case DT_DIR: req->entries[n].type = TICK_DIRENT_DIR; break;
      case DT_LNK: req->entries[n].type = TICK_DIRENT_LINK; break;
      case DT_UNKNOWN: req->entries[n].type = TICK_DIRENT_UNKNOWN; break;
      default: req->entries[n].type = TICK_DIRENT_OTHER; break;
    }
    n++;
  }
  return (int64_t)n;
}

/* Writes all of buf[0, len) at the current position of `fd`. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len != 0) {
    ssize_t w = write(fd, buf, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return tick_translate_errno(errno);
    }
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

static int64_t do_copyfile(fs_req_t *req) {
  struct stat st;
  int64_t total = 0, err = 0;
  int in, out, oflags = O_WRONLY | O_CREAT | O_CLOEXEC, use_cfr = 1, created = 0;
  in = open(req->path, O_RDONLY | O_CLOEXEC);
  if (in < 0) return tick_translate_errno(errno);
  if (fstat(in, &st) != 0) {
    err = tick_translate_errno(errno);
    close(in);
    return err;
  }
  if (S_ISDIR(st.st_mode)) {
    close(in);
    return TICK_EISDIR;
  }
  /* Whether this call creates `dst` decides whether a failure removes it. */
  out = open(req->path2, oflags | O_EXCL, st.st_mode & 07777);
  if (out >= 0) {
    created = 1;
  } else if (errno == EEXIST && !(req->cflags & TICK_FS_COPY_EXCL)) {
    /* Not O_TRUNC: `dst` may be `src` itself (the same name, or a hard link), and
     * truncating it would destroy the data about to be copied. Like libuv (and so Node),
     * copying a file onto itself succeeds without touching it (result 0). */
    struct stat dst_st;
    out = open(req->path2, oflags, st.st_mode & 07777);
    if (out >= 0 && fstat(out, &dst_st) == 0 && dst_st.st_dev == st.st_dev &&
        dst_st.st_ino == st.st_ino) {
      close(out);
      close(in);
      return 0;
    }
    if (out >= 0 && ftruncate(out, 0) != 0) {
      err = tick_translate_errno(errno);
      close(out);
      close(in);
      return err;
    }
  }
  if (out < 0) {
    err = tick_translate_errno(errno);
    close(in);
    return err;
  }
  for (;;) {
    ssize_t n;
    if (use_cfr) {
      n = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                    errno == EOPNOTSUPP || errno == EPERM) && total == 0) {
        use_cfr = 0; /* the file system or kernel refuses: copy through a buffer */
        continue;
      }
    } else {
      char buf[COPY_CHUNK];
      n = read(in, buf, sizeof(buf));
      if (n > 0) {
        int w = write_all(out, buf, (size_t)n);
        if (w != 0) {
          err = w;
          break;
        }
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      err = tick_translate_errno(errno);
      break;
    }
    if (n == 0) break;
    total += n;
  }
  if (err == 0 && fchmod(out, st.st_mode & 07777) != 0) err = tick_translate_errno(errno);
  close(in);
  if (close(out) != 0 && err == 0) err = tick_translate_errno(errno);
  if (err != 0) {
    if (created) unlink(req->path2);
    return err;
  }
  return total;
}

static void fs_work(void *arg) {
  fs_req_t *req = arg;
  int64_t r;
  switch (req->op) {
    case TICK_FS_OPEN:
      r = sys_result(open(req->path, req->flags | O_CLOEXEC, req->mode));
      break;
    case TICK_FS_CLOSE:
      /* Linux frees the descriptor even when close reports EINTR: never retry. */
      r = sys_result(close(req->fd));
      break;
    case TICK_FS_READ:
      if (req->offset < 0)
        r = sys_result(readv(req->fd, req->iov, (int)req->iovcnt));
      else
        r = sys_result(preadv(req->fd, req->iov, (int)req->iovcnt, req->offset));
      break;
    case TICK_FS_WRITE:
      if (req->offset < 0)
        r = sys_result(writev(req->fd, req->iov, (int)req->iovcnt));
      else
        r = sys_result(pwritev(req->fd, req->iov, (int)req->iovcnt, req->offset));
      break;
    case TICK_FS_STAT:
    case TICK_FS_FSTAT:
    case TICK_FS_LSTAT:
      r = do_stat(req);
      break;
    case TICK_FS_RENAME:
      r = sys_result(rename(req->path, req->path2));
      break;
    case TICK_FS_UNLINK:
      r = sys_result(unlink(req->path));
      break;
    case TICK_FS_FSYNC:
      r = sys_result(fsync(req->fd));
      break;
    case TICK_FS_FDATASYNC:
      r = sys_result(fdatasync(req->fd));
      break;
    case TICK_FS_FTRUNCATE:
      r = sys_result(ftruncate(req->fd, (off_t)req->offset));
      break;
    case TICK_FS_MKDIR:
      r = sys_result(mkdir(req->path, (mode_t)req->mode));
      break;
    case TICK_FS_RMDIR:
      r = sys_result(rmdir(req->path));
      break;
    case TICK_FS_OPENDIR:
      req->dir->dir = opendir(req->path);
      r = req->dir->dir == NULL ? tick_translate_errno(errno) : 0;
      break;
    case TICK_FS_READDIR:
      r = do_readdir(req);
      break;
    case TICK_FS_CLOSEDIR:
      r = sys_result(closedir(req->dir->dir));
      break;
    case TICK_FS_REALPATH:
      r = realpath(req->path, req->pathbuf) == NULL ? tick_translate_errno(errno) : 0;
      break;
    case TICK_FS_COPYFILE:
      r = do_copyfile(req);
      break;
    default:
      r = TICK_EINVAL;
      break;
  }
  req->result = r;
}

/* ------------------------------------------------------------ per-loop state ---- */

static void fs_loop_destroy(tick_loop_t *loop, void *state) {
  fs_loop_t *fl = state;
  uint32_t i;
  /* No request is outstanding (each counts in module_refs); handles the program left
   * open are closed here. */
  while (fl->dirs != NULL) {
    if (fl->dirs->dir != NULL) closedir(fl->dirs->dir);
    dir_unlink_free(fl, fl->dirs);
  }
  tick__uring_destroy(loop, fl->ring);
  for (i = 0; i < fl->nchunks; i++) tick__free(fl->chunks[i]);
  tick__free(fl->chunks);
  tick__free(fl);
}

/* tick_loop_walk: each request in flight (one on the pool also has its pool job listed,
 * as "work"). */
static int fs_walk(tick_loop_t *loop, void *state,
                   int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  fs_loop_t *fl = state;
  uint32_t i;
  (void)loop;
  for (i = 0; i < (fl->nchunks << REQ_CHUNK_SHIFT); i++) {
    const fs_req_t *req = req_at(fl, i);
    tick_resource_t res;
    if (!req->live) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "fs";
    res.id = req_id(req);
    res.flags = TICK_RESOURCE_ACTIVE | TICK_RESOURCE_REF;
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static const tick__module_hooks_t fs_hooks = {.after_drain = NULL,
                                              .destroy = fs_loop_destroy,
                                              .pre_destroy = NULL,
                                              .walk = fs_walk};

static int uring_refused_by_env(void) {
  const char *v = getenv("TICK_NO_URING");
  return v != NULL && v[0] != 0 && strcmp(v, "0") != 0;
}

/* The loop's file state, created on first use (with the ring, if any). */
static int fs_loop(tick_loop_t *loop, fs_loop_t **out) {
  fs_loop_t *fl = tick__loop_module_state(loop, TICK__MODULE_FS);
  if (fl == NULL) {
    fl = tick__calloc(1, sizeof(*fl));
    if (fl == NULL) return TICK_ENOMEM;
    /* A ring that cannot be set up (no liburing at build time, a kernel that refuses,
     * or TICK_NO_URING) leaves every request on the pool; only running out of memory
     * is an error, so that a request never depends on the kernel's mood. */
    if (!uring_refused_by_env()) {
      int r = tick__uring_create(loop, ring_complete, &fl->ring);
      if (r == TICK_ENOMEM) {
        tick__free(fl);
        return r;
      }
      if (r != 0) fl->ring = NULL;
    }
    tick__loop_set_module(loop, TICK__MODULE_FS, &fs_hooks, fl);
  }
  *out = fl;
  return 0;
}

int tick_fs_backend(tick_loop_t *loop) {
  fs_loop_t *fl;
  int r;
  TICK__CHECK_LOOP(loop);
  if (tick__inbox_closing(loop)) return TICK_ECLOSING;
  r = fs_loop(loop, &fl);
  if (r != 0) return r;
  return fl->ring != NULL ? TICK_FS_BACKEND_URING : TICK_FS_BACKEND_POOL;
}

/* ---------------------------------------------------------------- submitting ---- */

/* The arguments of one request, filled by the public functions. */
typedef struct fs_args_s {
  tick_fs_op_t op;
  int fd, flags, mode;
  unsigned cflags;
  const char *path, *path2;
  int64_t offset;
  const struct iovec *iov;
  unsigned iovcnt;
  tick_fs_dir_t *dir;
  tick_dirent_t *entries;
  size_t count;
} fs_args_t;

static int args_check(const fs_args_t *a) {
  switch (a->op) {
    case TICK_FS_OPEN:
    case TICK_FS_STAT:
    case TICK_FS_LSTAT:
    case TICK_FS_UNLINK:
    case TICK_FS_MKDIR:
    case TICK_FS_RMDIR:
    case TICK_FS_OPENDIR:
    case TICK_FS_REALPATH:
      return a->path != NULL ? 0 : TICK_EINVAL;
    case TICK_FS_RENAME:
    case TICK_FS_COPYFILE:
      if (a->op == TICK_FS_COPYFILE && (a->cflags & ~(unsigned)TICK_FS_COPY_EXCL))
        return TICK_EINVAL;
      return a->path != NULL && a->path2 != NULL ? 0 : TICK_EINVAL;
    case TICK_FS_READ:
    case TICK_FS_WRITE: {
      unsigned i;
      if (a->fd < 0 || a->iov == NULL || a->iovcnt == 0 || a->iovcnt > IOV_MAX_COUNT ||
          a->offset < -1)
        return TICK_EINVAL;
      for (i = 0; i < a->iovcnt; i++)
        if (a->iov[i].iov_base == NULL && a->iov[i].iov_len != 0) return TICK_EINVAL;
      return 0;
    }
    case TICK_FS_FTRUNCATE:
      return a->fd >= 0 && a->offset >= 0 ? 0 : TICK_EINVAL;
    case TICK_FS_READDIR: /* the handle itself: dir_check, with the loop's list */
      return a->dir == NULL || a->entries == NULL || a->count == 0 ? TICK_EINVAL : 0;
    case TICK_FS_CLOSEDIR:
      return a->dir == NULL ? TICK_EINVAL : 0;
    default: /* fd operations */
      return a->fd >= 0 ? 0 : TICK_EINVAL;
  }
}

/* A directory handle is a caller's pointer, so it is looked up among this loop's open
 * handles before it is touched: one already closed, or opened by another loop, is
 * TICK_ESTALE rather than a use of freed memory or a corruption of another loop's list.
 * The walk is as long as the number of open handles, which programs keep small. */
static int dir_check(const fs_loop_t *fl, const tick_fs_dir_t *dir) {
  const tick_fs_dir_t *d;
  for (d = fl != NULL ? fl->dirs : NULL; d != NULL; d = d->next)
    if (d == dir) return dir->busy ? TICK_EBUSY : 0;
  return TICK_ESTALE;
}

/* The abort hook of a promise form (tick_promise_cancel). A request still queued for the
 * pool is removed there and its completion rejects with `code`; one a worker runs goes
 * on and reports its own result. One on the io_uring is asked to stop with
 * IORING_OP_ASYNC_CANCEL: the kernel stops it if it has not started (or is waiting, as a
 * read of an empty pipe does) and it then rejects with `code`; if it already ran, or
 * the cancel cannot be queued, its real result comes. The record lives until the
 * completion, which settles the promise, so `req` is valid here. */
static void fs_abort(tick_loop_t *loop, void *op, int code) {
  fs_req_t *req = op;
  fs_loop_t *fl = tick__loop_module_state(loop, TICK__MODULE_FS);
  req->cancel_code = code;
  if (req->on_ring)
    (void)tick__uring_cancel(loop, fl->ring, req);
  else
    (void)tick__work_cancel_code(loop, req->job, code);
}

/* Queues a request. Exactly one of `cb` and `promise_out` is used. On failure nothing
 * was queued and nothing is left allocated. */
static int fs_submit(tick_loop_t *loop, const fs_args_t *a, tick_fs_cb cb, void *arg,
                     tick_promise_t **promise_out, tick_fs_t *req_out) {
  fs_loop_t *fl;
  fs_req_t *req;
  tick_promise_t *promise = NULL;
  tick_resolver_t *resolver = NULL;
  fs_box_t *box = NULL;
  int r;
  TICK__CHECK_LOOP(loop);
  if (promise_out != NULL) *promise_out = NULL;
  r = args_check(a);
  if (r != 0) return r;
  if (tick__inbox_closing(loop)) return TICK_ECLOSING;
  if (a->op == TICK_FS_READDIR || a->op == TICK_FS_CLOSEDIR) {
    r = dir_check(tick__loop_module_state(loop, TICK__MODULE_FS), a->dir);
    if (r != 0) return r;
  }
  r = fs_loop(loop, &fl);
  if (r != 0) return r;
  req = req_take(fl);
  if (req == NULL) return TICK_ENOMEM;
  req->op = a->op;
  req->fd = a->fd;
  req->flags = a->flags;
  req->mode = a->mode;
  req->cflags = a->cflags;
  req->path = a->path;
  req->path2 = a->path2;
  req->offset = a->offset;
  req->dir = a->dir;
  req->entries = a->entries;
  req->count = a->count;
  req->iov = req->iov_inline;
  if (a->iov != NULL) {
    if (a->iovcnt > IOV_INLINE) {
      req->iov = tick__reallocarray(NULL, a->iovcnt, sizeof(*req->iov));
      if (req->iov == NULL) {
        r = TICK_ENOMEM;
        goto fail;
      }
    }
    memcpy(req->iov, a->iov, a->iovcnt * sizeof(*req->iov));
    req->iovcnt = a->iovcnt;
  }
  if (a->op == TICK_FS_REALPATH) {
    req->pathbuf = tick__malloc(PATH_MAX);
    if (req->pathbuf == NULL) {
      r = TICK_ENOMEM;
      goto fail;
    }
  }
  if (a->op == TICK_FS_OPENDIR) {
    req->dir = tick__calloc(1, sizeof(*req->dir));
    if (req->dir == NULL) {
      r = TICK_ENOMEM;
      goto fail;
    }
  }
  if (promise_out != NULL) {
    box = tick__calloc(1, sizeof(*box));
    if (box == NULL) {
      r = TICK_ENOMEM;
      goto fail;
    }
    r = tick_promise_create_deferred(loop, &promise, &resolver);
    if (r != 0) goto fail;
  }
  req->cb = cb;
  req->arg = arg;
  req->resolver = resolver;
  req->box = box;
  r = TICK_EAGAIN;
  if (fl->ring != NULL && (a->op == TICK_FS_READ || a->op == TICK_FS_WRITE)) {
    tick__cap_take(loop, &req->cap, TICK__CB_IO);
    r = tick__uring_rw(loop, fl->ring, a->op == TICK_FS_WRITE, req->fd, req->iov,
                       req->iovcnt, req->offset, req);
    if (r == 0) req->on_ring = 1;
  }
  if (r != 0) { /* the pool: every other operation, and reads and writes without a ring */
    if (fl->pool == NULL) {
      r = tick_loop_pool(loop, &fl->pool);
      if (r != 0) {
        fl->pool = NULL;
        goto fail;
      }
    }
    r = tick_work_queue(loop, fl->pool, fs_work, fs_done, req, &req->job);
    if (r != 0) goto fail;
  }
  /* Accepted: from here the completion will run exactly once. */
  if (a->op == TICK_FS_OPENDIR) {
    req->dir->next = fl->dirs;
    if (fl->dirs != NULL) fl->dirs->prev = req->dir;
    fl->dirs = req->dir;
  }
  /* Busy while opening too: a stale pointer that happens to equal this new handle's
   * address must not reach readdir(3) before the handle has its DIR. */
  if (a->op == TICK_FS_OPENDIR || a->op == TICK_FS_READDIR || a->op == TICK_FS_CLOSEDIR)
    req->dir->busy = 1;
  req->live = 1;
  if (req_out != NULL) req_out->id = req_id(req);
  if (promise_out != NULL) {
    (void)tick__promise_set_abort(promise, fs_abort, req); /* pending, of this loop */
    *promise_out = promise;
  }
  return 0;
fail:
  if (resolver != NULL) tick_resolver_release(resolver);
  if (promise != NULL) tick_promise_release(promise);
  tick__free(box);
  if (a->op == TICK_FS_OPENDIR) tick__free(req->dir);
  tick__free(req->pathbuf);
  if (req->iov != req->iov_inline) tick__free(req->iov);
  req_release(fl, req);
  return r;
}

static int fs_cb_form(tick_loop_t *loop, const fs_args_t *a, tick_fs_cb cb, void *arg,
                      tick_fs_t *req) {
  if (cb == NULL) {
    TICK__CHECK_LOOP(loop);
    return TICK_EINVAL;
  }
  return fs_submit(loop, a, cb, arg, NULL, req);
}

static int fs_promise_form(tick_loop_t *loop, const fs_args_t *a, tick_promise_t **out,
                           tick_fs_t *req) {
  if (out == NULL) {
    TICK__CHECK_LOOP(loop);
    return TICK_EINVAL;
  }
  return fs_submit(loop, a, NULL, NULL, out, req);
}

/* ------------------------------------------------------------- control ---- */

int tick_fs_cancel(tick_loop_t *loop, tick_fs_t id) {
  fs_req_t *req;
  TICK__CHECK_LOOP(loop);
  req = req_lookup(tick__loop_module_state(loop, TICK__MODULE_FS), id);
  if (req == NULL) return TICK_ESTALE;
  if (req->on_ring) return TICK_EBUSY;
  return tick_work_cancel(loop, req->job);
}

static void fs_deadline(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  fs_req_t *req = arg;
  (void)timer;
  req->timer.id = TICK_NULL_ID;
  /* A request that has started runs to its end: the deadline is then moot. */
  if (!req->on_ring && tick_work_cancel(loop, req->job) == 0) req->timed_out = 1;
}

int tick_fs_timeout(tick_loop_t *loop, tick_fs_t id, int64_t ms) {
  fs_req_t *req;
  tick_timer_t timer;
  int r;
  TICK__CHECK_LOOP(loop);
  req = req_lookup(tick__loop_module_state(loop, TICK__MODULE_FS), id);
  if (req == NULL) return TICK_ESTALE;
  r = tick_set_timeout(loop, ms, fs_deadline, req, &timer);
  if (r != 0) return r;
  if (req->timer.id != TICK_NULL_ID) tick_clear_timer(loop, req->timer);
  req->timer = timer;
  return 0;
}

/* -------------------------------------------------------------- operations ---- */

#define FS_ARGS(...) ((fs_args_t){__VA_ARGS__})

int tick_fs_open(tick_loop_t *loop, const char *path, int flags, int mode, tick_fs_cb cb,
                 void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_OPEN, .path = path, .flags = flags, .mode = mode);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_open_promise(tick_loop_t *loop, const char *path, int flags, int mode,
                         tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_OPEN, .path = path, .flags = flags, .mode = mode);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_close(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_CLOSE, .fd = fd);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_close_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_CLOSE, .fd = fd);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_read(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                 int64_t offset, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_READ, .fd = fd, .iov = iov, .iovcnt = iovcnt,
                        .offset = offset);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_read_promise(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                         int64_t offset, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_READ, .fd = fd, .iov = iov, .iovcnt = iovcnt,
                        .offset = offset);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_write(tick_loop_t *loop, int fd, const struct iovec *iov, unsigned iovcnt,
                  int64_t offset, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_WRITE, .fd = fd, .iov = iov, .iovcnt = iovcnt,
                        .offset = offset);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_write_promise(tick_loop_t *loop, int fd, const struct iovec *iov,
                          unsigned iovcnt, int64_t offset, tick_promise_t **out,
                          tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_WRITE, .fd = fd, .iov = iov, .iovcnt = iovcnt,
                        .offset = offset);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_stat(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                 tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_STAT, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_stat_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                         tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_STAT, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_lstat(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                  tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_LSTAT, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_lstat_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                          tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_LSTAT, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_fstat(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FSTAT, .fd = fd);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_fstat_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FSTAT, .fd = fd);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_rename(tick_loop_t *loop, const char *from, const char *to, tick_fs_cb cb,
                   void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_RENAME, .path = from, .path2 = to);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_rename_promise(tick_loop_t *loop, const char *from, const char *to,
                           tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_RENAME, .path = from, .path2 = to);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_unlink(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                   tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_UNLINK, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_unlink_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                           tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_UNLINK, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_mkdir(tick_loop_t *loop, const char *path, int mode, tick_fs_cb cb, void *arg,
                  tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_MKDIR, .path = path, .mode = mode);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_mkdir_promise(tick_loop_t *loop, const char *path, int mode,
                          tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_MKDIR, .path = path, .mode = mode);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_rmdir(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                  tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_RMDIR, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_rmdir_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                          tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_RMDIR, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_fsync(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FSYNC, .fd = fd);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_fsync_promise(tick_loop_t *loop, int fd, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FSYNC, .fd = fd);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_fdatasync(tick_loop_t *loop, int fd, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FDATASYNC, .fd = fd);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_fdatasync_promise(tick_loop_t *loop, int fd, tick_promise_t **out,
                              tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FDATASYNC, .fd = fd);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_ftruncate(tick_loop_t *loop, int fd, int64_t length, tick_fs_cb cb, void *arg,
                      tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FTRUNCATE, .fd = fd, .offset = length);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_ftruncate_promise(tick_loop_t *loop, int fd, int64_t length,
                              tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_FTRUNCATE, .fd = fd, .offset = length);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_opendir(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                    tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_OPENDIR, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_opendir_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                            tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_OPENDIR, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_readdir(tick_loop_t *loop, tick_fs_dir_t *dir, tick_dirent_t *entries,
                    size_t count, tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_READDIR, .dir = dir, .entries = entries, .count = count);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_readdir_promise(tick_loop_t *loop, tick_fs_dir_t *dir, tick_dirent_t *entries,
                            size_t count, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_READDIR, .dir = dir, .entries = entries, .count = count);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_closedir(tick_loop_t *loop, tick_fs_dir_t *dir, tick_fs_cb cb, void *arg,
                     tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_CLOSEDIR, .dir = dir);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_closedir_promise(tick_loop_t *loop, tick_fs_dir_t *dir, tick_promise_t **out,
                             tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_CLOSEDIR, .dir = dir);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_realpath(tick_loop_t *loop, const char *path, tick_fs_cb cb, void *arg,
                     tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_REALPATH, .path = path);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_realpath_promise(tick_loop_t *loop, const char *path, tick_promise_t **out,
                             tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_REALPATH, .path = path);
  return fs_promise_form(loop, &a, out, req);
}

int tick_fs_copyfile(tick_loop_t *loop, const char *src, const char *dst, unsigned flags,
                     tick_fs_cb cb, void *arg, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_COPYFILE, .path = src, .path2 = dst, .cflags = flags);
  return fs_cb_form(loop, &a, cb, arg, req);
}
int tick_fs_copyfile_promise(tick_loop_t *loop, const char *src, const char *dst,
                             unsigned flags, tick_promise_t **out, tick_fs_t *req) {
  fs_args_t a = FS_ARGS(.op = TICK_FS_COPYFILE, .path = src, .path2 = dst, .cflags = flags);
  return fs_promise_form(loop, &a, out, req);
}
