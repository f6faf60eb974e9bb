/* stream.c - byte streams on the loop: read, write, shutdown, close, pipes, promises.
 *
 * The hot path is lean on purpose (a ping-pong round trip is the measure): a write on an idle socket
 * is tried at once (one sendmsg, no epoll change), a read is one read() per readiness,
 * and the epoll interest set is tracked so that an epoll_ctl is issued only when it
 * really changes (a stream that keeps reading and whose writes go straight out never
 * touches epoll after its first read_start). Write requests and stream records come from
 * per-loop free lists, so a steady flow allocates nothing. See docs/design/io.md.
 */
#include "io/stream.h"
#include "promise/promise.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_SUGGESTED (64 * 1024)
#define READS_PER_EVENT 32
#define IOV_BATCH 1024
#define FREE_KEEP 1024

/* ------------------------------------------------------------ module state ---- */

typedef struct net_state_s {
  tick__wreq_t *free_wreqs;
  uint32_t nfree_wreqs;
  tick__stream_t *free_streams; /* linked through `loop` (unused while free) */
  uint32_t nfree_streams;
} net_state_t;

static void net_destroy(tick_loop_t *loop, void *state) {
  net_state_t *ns = state;
  (void)loop;
  while (ns->free_wreqs != NULL) {
    tick__wreq_t *w = ns->free_wreqs;
    ns->free_wreqs = w->next;
    tick__free(w);
  }
  while (ns->free_streams != NULL) {
    tick__stream_t *s = ns->free_streams;
    ns->free_streams = (tick__stream_t *)(void *)s->loop;
    tick__free(s);
  }
  tick__free(ns);
}

static const tick__module_hooks_t net_hooks = {NULL, net_destroy, NULL};

static net_state_t *net_state(tick_loop_t *loop) {
  net_state_t *ns = tick__loop_module_state(loop, TICK__MODULE_NET);
  if (TICK__LIKELY(ns != NULL)) return ns;
  ns = tick__calloc(1, sizeof(*ns));
  if (ns == NULL) return NULL;
  tick__loop_set_module(loop, TICK__MODULE_NET, &net_hooks, ns);
  return ns;
}

static tick__wreq_t *wreq_get(tick_loop_t *loop) {
  net_state_t *ns = net_state(loop);
  tick__wreq_t *w;
  if (ns == NULL) return NULL;
  w = ns->free_wreqs;
  if (TICK__LIKELY(w != NULL)) {
    ns->free_wreqs = w->next;
    ns->nfree_wreqs--;
    return w;
  }
  return tick__malloc(sizeof(*w));
}

static void wreq_put(tick_loop_t *loop, tick__wreq_t *w) {
  net_state_t *ns = tick__loop_module_state(loop, TICK__MODULE_NET);
  if (w->bufs != w->small) tick__free(w->bufs);
  if (ns->nfree_wreqs >= FREE_KEEP) {
    tick__free(w);
    return;
  }
  w->next = ns->free_wreqs;
  ns->free_wreqs = w;
  ns->nfree_wreqs++;
}

/* ------------------------------------------------------------ stream records ---- */

static void stream_io(tick_loop_t *loop, tick__io_t *w, unsigned events);
static void stream_close_phase(tick_loop_t *loop, tick__io_t *io);
static void stream_free(tick_loop_t *loop, tick__stream_t *s);

int tick__stream_get(const tick_loop_t *loop, tick_stream_t stream, tick__stream_t **out) {
  tick__io_t *w = tick__io_get(loop, stream.id);
  tick__stream_t *s;
  if (w == NULL) return TICK_ESTALE;
  s = TICK__CONTAINER_OF(w, tick__stream_t, io);
  if (s->flags & TICK__S_CLOSING) return TICK_ECLOSING;
  *out = s;
  return 0;
}

int tick__stream_set_fd(tick_loop_t *loop, tick__stream_t *s, int fd) {
  int r = tick__fd_claim(loop, fd);
  if (r != 0) return r;
  s->fd = fd;
  return 0;
}

/* tick_loop_walk: a stream is active while it reads, writes, connects, listens or waits
 * to shut down. */
static void stream_describe(const tick_loop_t *loop, const tick__io_t *w, tick_resource_t *res) {
  const tick__stream_t *s =
      (const tick__stream_t *)(const void *)((const char *)w - offsetof(tick__stream_t, io));
  (void)loop;
  res->kind = (s->flags & TICK__S_TCP) ? "tcp" : "pipe";
  if ((s->flags & (TICK__S_READING | TICK__S_CONNECTING | TICK__S_LISTENING |
                   TICK__S_SHUT_PENDING)) ||
      s->wq_head != NULL)
    res->flags |= TICK_RESOURCE_ACTIVE;
  if (s->flags & TICK__S_REF) res->flags |= TICK_RESOURCE_REF;
  if (s->flags & TICK__S_CLOSING) res->flags |= TICK_RESOURCE_CLOSING;
}

int tick__stream_new(tick_loop_t *loop, int fd, uint32_t flags, tick__stream_t **out) {
  net_state_t *ns = net_state(loop);
  tick__stream_t *s;
  int r;
  if (ns == NULL) return TICK_ENOMEM;
  if (ns->free_streams != NULL) {
    s = ns->free_streams;
    ns->free_streams = (tick__stream_t *)(void *)s->loop;
    ns->nfree_streams--;
  } else {
    s = tick__malloc(sizeof(*s));
    if (s == NULL) return TICK_ENOMEM;
  }
  memset(s, 0, sizeof(*s));
  s->loop = loop;
  s->fd = -1;
  s->flags = flags | TICK__S_REF;
  s->io.cb = stream_io;
  s->io.close = stream_close_phase;
  s->io.describe = stream_describe;
  r = tick__io_open(loop, &s->io, &s->id);
  if (r != 0) {
    stream_free(loop, s);
    return r;
  }
  if (fd >= 0) {
    r = tick__stream_set_fd(loop, s, fd);
    if (r != 0) {
      s->fd = -1;
      tick__stream_discard(loop, s);
      return r;
    }
  }
  *out = s;
  return 0;
}

static void stream_free(tick_loop_t *loop, tick__stream_t *s) {
  net_state_t *ns = tick__loop_module_state(loop, TICK__MODULE_NET);
  if (ns->nfree_streams >= FREE_KEEP / 4) {
    tick__free(s);
    return;
  }
  s->loop = (tick_loop_t *)(void *)ns->free_streams;
  ns->free_streams = s;
  ns->nfree_streams++;
}

void tick__stream_discard(tick_loop_t *loop, tick__stream_t *s) {
  tick__fd_unclaim(loop, s->fd);
  tick__io_release(loop, s->id);
  stream_free(loop, s);
}

/* ------------------------------------------------------------ interest, activity ---- */

static int stream_active(const tick__stream_t *s) {
  return (s->flags & (TICK__S_READING | TICK__S_READ_PROMISE | TICK__S_LISTENING |
                      TICK__S_CONNECTING | TICK__S_SHUT_PENDING)) != 0 ||
         s->wq_head != NULL;
}

int tick__stream_update(tick_loop_t *loop, tick__stream_t *s) {
  unsigned want = 0;
  int active_ref, r;
  if (s->fd >= 0 && !(s->flags & TICK__S_CLOSING)) {
    if ((s->flags & (TICK__S_READING | TICK__S_READ_PROMISE)) ||
        ((s->flags & (TICK__S_LISTENING | TICK__S_PAUSED)) == TICK__S_LISTENING))
      want |= TICK__POLLER_IN;
    else if (s->flags & TICK__S_IN_LINGER)
      want |= s->registered & TICK__POLLER_IN;
    if ((s->flags & (TICK__S_CONNECTING | TICK__S_RESOLVING)) == TICK__S_CONNECTING ||
        s->wq_head != NULL)
      want |= TICK__POLLER_OUT;
  }
  r = tick__io_watch(loop, s->fd, s->id, &s->registered, want);
  if (r != 0) return r;
  active_ref = stream_active(s) && (s->flags & TICK__S_REF) &&
               !(s->flags & TICK__S_CLOSING);
  if (active_ref && !(s->flags & TICK__S_ACTIVE_REF)) {
    s->flags |= TICK__S_ACTIVE_REF;
    loop->poll_active_refs++;
  } else if (!active_ref && (s->flags & TICK__S_ACTIVE_REF)) {
    s->flags &= ~(uint32_t)TICK__S_ACTIVE_REF;
    loop->poll_active_refs--;
  }
  return 0;
}

/* ------------------------------------------------------------ completions ---- */

int tick__stream_reserve_tick(tick_loop_t *loop) {
  tick__tq_t *q = &loop->ticks;
  if (q->tail == NULL || q->tail_pos == TICK__TQ_BLOCK) return tick__tq_grow(q);
  return 0;
}

void tick__stream_call(tick_loop_t *loop, tick__stream_t *s, tick_stream_cb cb, int status,
                       void *arg) {
  tick_stream_t id;
  if (cb == NULL) return;
  id.id = s->id;
  loop->depth++;
  cb(loop, id, status, arg);
  loop->depth--;
  tick__drain(loop);
}

/* A write completed inside tick_stream_write (or failed there): its callback runs as a
 * next-tick of the current macrotask, as a Node stream's does. */
static void write_tick(tick_loop_t *loop, void *arg) {
  tick__wreq_t *w = arg;
  tick_stream_cb cb = w->cb;
  void *cb_arg = w->arg;
  tick_stream_t id;
  int status = w->status;
  id.id = w->stream_id;
  wreq_put(loop, w);
  cb(loop, id, status, cb_arg);
}

/* ------------------------------------------------------------ writing ---- */

static size_t bufs_total(const tick_buf_t *bufs, size_t n) {
  size_t t = 0, i;
  for (i = 0; i < n; i++) t += bufs[i].len;
  return t;
}

/* write(2) or writev(2) on an fd that is not a socket (a pipe, a tty...), without
 * SIGPIPE. There is no MSG_NOSIGNAL for them, and a library must not change the
 * process-wide disposition of SIGPIPE (the program may have a handler, or want the
 * default), so SIGPIPE is blocked on this thread for the call only: a write to a pipe
 * whose reader is gone then fails with EPIPE and leaves the signal pending on this thread,
 * where sigtimedwait consumes it before the old mask comes back. A SIGPIPE that was
 * pending before (the thread already blocked it: an unblocked one would have been
 * delivered) is the program's and stays; the kernel keeps one per thread, so tick's
 * merged into it (the one case where the program may see one more: its earlier SIGPIPE
 * was sent to the whole process, not to this thread). The cost is two
 * rt_sigprocmask calls per write system call (three when the thread blocks SIGPIPE
 * itself: sigpending), on pipes only: sockets use MSG_NOSIGNAL and pay nothing. */
static ssize_t pipe_writev(int fd, const tick_buf_t *bufs, size_t n) {
  sigset_t pipe_set, old;
  int blocked_before, pending_before = 0, saved;
  ssize_t r;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  blocked_before = sigismember(&old, SIGPIPE) == 1;
  if (blocked_before) {
    sigset_t pending;
    if (sigpending(&pending) == 0) pending_before = sigismember(&pending, SIGPIPE) == 1;
  }
  do {
    if (n == 1)
      r = write(fd, bufs[0].base, bufs[0].len);
    else
      r = writev(fd, (const struct iovec *)(const void *)bufs, (int)n);
  } while (r < 0 && errno == EINTR);
  saved = errno;
  if (r < 0 && saved == EPIPE && !pending_before) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
    }
  }
  if (!blocked_before) pthread_sigmask(SIG_UNBLOCK, &pipe_set, NULL);
  errno = saved;
  return r;
}

/* One write, send, writev or sendmsg: returns bytes written or a negative code (TICK_EAGAIN). */
static ssize_t stream_writev(const tick__stream_t *s, const tick_buf_t *bufs, size_t n) {
  ssize_t r;
  if (n > IOV_BATCH) n = IOV_BATCH;
  if (!(s->flags & TICK__S_SOCKET)) {
    r = pipe_writev(s->fd, bufs, n);
  } else {
    do {
      if (n == 1) {
        /* send(2), not sendmsg(2): the kernel copies no message header or iovec array
         * for one buffer. MSG_NOSIGNAL either way: a reset peer is an error, not SIGPIPE. */
        r = send(s->fd, bufs[0].base, bufs[0].len, MSG_NOSIGNAL);
      } else {
        struct msghdr msg;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = (struct iovec *)(void *)(uintptr_t)bufs;
        msg.msg_iovlen = n;
        r = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
      }
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) return errno == EWOULDBLOCK ? TICK_EAGAIN : tick_translate_errno(errno);
  return r;
}

/* Advances (bufs, n) past `done` bytes, in place; returns the new first index. */
static uint32_t bufs_advance(tick_buf_t *bufs, uint32_t cur, uint32_t n, size_t done) {
  while (cur < n && done >= bufs[cur].len) {
    done -= bufs[cur].len;
    cur++;
  }
  if (cur < n && done > 0) {
    bufs[cur].base += done;
    bufs[cur].len -= done;
  }
  while (cur < n && bufs[cur].len == 0) cur++;
  return cur;
}

/* Checks a write's arguments and the stream's state; sets *out and *total (the bytes in
 * bufs). A total above SSIZE_MAX is refused: no write system call takes one (the kernel
 * says EINVAL), and a sum that wrapped around SIZE_MAX would make a write of nothing
 * look complete. */
static int write_check(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
                       size_t nbufs, tick__stream_t **out, size_t *total) {
  tick__stream_t *s;
  size_t t = 0, i;
  int r;
  TICK__CHECK_LOOP(loop);
  if (bufs == NULL && nbufs > 0) return TICK_EINVAL;
  if (nbufs > UINT32_MAX) return TICK_EINVAL;
  for (i = 0; i < nbufs; i++) {
    if (bufs[i].len > (size_t)SSIZE_MAX - t) return TICK_EINVAL;
    t += bufs[i].len;
  }
  *total = t;
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & TICK__S_SHUT_REQ) return TICK_EPIPE;
  if (!(s->flags & TICK__S_CONNECTED) || s->fd < 0) return TICK_ENOTCONN;
  *out = s;
  return 0;
}

int tick_stream_write(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
               size_t nbufs, tick_stream_cb cb, void *arg) {
  tick__stream_t *s;
  tick__wreq_t *w;
  size_t total, done = 0;
  uint32_t cur = 0;
  int r = write_check(loop, stream, bufs, nbufs, &s, &total);
  if (r != 0) return r;
  /* Everything that can fail is done before a byte is written. */
  w = wreq_get(loop);
  if (w == NULL) return TICK_ENOMEM;
  w->bufs = w->small;
  if (tick__stream_reserve_tick(loop) != 0) {
    wreq_put(loop, w);
    return TICK_ENOMEM;
  }
  w->cb = cb;
  w->arg = arg;
  w->stream_id = s->id;
  w->status = 0;
  if (s->wq_head == NULL) {
    /* The fast path: straight to the kernel. */
    while (done < total) {
      ssize_t n;
      /* Skip what is already written without copying the caller's array. */
      size_t skip = done;
      const tick_buf_t *b = bufs;
      size_t nb = nbufs;
      tick_buf_t first;
      while (nb > 0 && skip >= b->len) {
        skip -= b->len;
        b++;
        nb--;
      }
      if (skip > 0) {
        /* Rare (a partial write followed by room): write the rest of this buffer alone. */
        first = tick_buf(b->base + skip, b->len - skip);
        n = stream_writev(s, &first, 1);
      } else {
        n = stream_writev(s, b, nb);
      }
      if (n == TICK_EAGAIN) break;
      if (n < 0) {
        w->status = (int)n;
        break;
      }
      done += (size_t)n;
    }
    if (done == total || w->status != 0) {
      if (cb == NULL) {
        wreq_put(loop, w);
        return 0;
      }
      tick__tick_push(loop, write_tick, w); /* cannot fail: reserved above */
      return 0;
    }
  }
  /* Queue what is left: copy the array (the caller may reuse it). */
  if (nbufs > TICK__WREQ_INLINE) {
    tick_buf_t *copy = tick__reallocarray(NULL, nbufs, sizeof(*copy));
    if (copy == NULL) {
      if (done > 0) {
        /* Part of it went out already: the stream cannot lose the rest silently. Fail
         * the request through its callback, as an I/O error would be. */
        w->status = TICK_ENOMEM;
        if (cb == NULL) {
          wreq_put(loop, w);
          return 0;
        }
        tick__tick_push(loop, write_tick, w);
        return 0;
      }
      wreq_put(loop, w);
      return TICK_ENOMEM;
    }
    w->bufs = copy;
  }
  memcpy(w->bufs, bufs, nbufs * sizeof(*bufs));
  w->nbufs = (uint32_t)nbufs;
  cur = bufs_advance(w->bufs, 0, w->nbufs, done);
  w->cur = cur;
  w->started = done > 0;
  w->next = NULL;
  if (s->wq_tail == NULL)
    s->wq_head = w;
  else
    s->wq_tail->next = w;
  s->wq_tail = w;
  s->wq_size += total - done;
  r = tick__stream_update(loop, s);
  if (r != 0) {
    /* epoll refused the fd (out of kernel memory). That can only happen when this request
     * made the queue non-empty (otherwise EPOLLOUT was registered already), so it is the
     * only one: unqueue it. If nothing went out, the call fails; if part did, the request
     * fails through its callback (the reserved next-tick). */
    s->wq_head = s->wq_tail = NULL;
    s->wq_size -= total - done;
    if (done == 0 || cb == NULL) {
      wreq_put(loop, w);
      return done == 0 ? r : 0;
    }
    w->status = r;
    tick__tick_push(loop, write_tick, w);
  }
  return 0;
}

int tick_stream_try_write(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
                   size_t nbufs) {
  tick__stream_t *s;
  ssize_t n;
  size_t total;
  int r = write_check(loop, stream, bufs, nbufs, &s, &total);
  if (r != 0) return r;
  if (s->wq_head != NULL) return TICK_EAGAIN;
  if (total == 0) return 0;
  n = stream_writev(s, bufs, nbufs);
  if (n > INT32_MAX) n = INT32_MAX; /* the count fits an int; the rest is the caller's */
  return (int)n;
}

int tick_stream_write_queue_size(const tick_loop_t *loop, tick_stream_t stream,
                                 size_t *size) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (size == NULL) return TICK_EINVAL;
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  *size = s->wq_size;
  return 0;
}

static void read_promise_cancel(tick_loop_t *loop, tick__stream_t *s);

/* The write side: shutdown(SHUT_WR) for sockets; a write-only pipe is closed. */
static int do_shutdown(tick_loop_t *loop, tick__stream_t *s) {
  int fl;
  if (s->fd < 0) return TICK_EBADF;
  if (s->flags & TICK__S_SOCKET) {
    if (shutdown(s->fd, SHUT_WR) != 0) return tick_translate_errno(errno);
    return 0;
  }
  fl = fcntl(s->fd, F_GETFL);
  if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY) {
    /* Nothing can be read from a closed fd: a pending read promise is cancelled (its
     * reactions run in the drain after the shutdown's own callback). */
    if (s->flags & TICK__S_READ_PROMISE) read_promise_cancel(loop, s);
    s->flags &= ~(uint32_t)TICK__S_READING;
    /* Stops the registration first (the fd is about to go). */
    s->flags |= TICK__S_FAILED;
    tick__io_unwatch(loop, s->fd, &s->registered, 1);
    tick__fd_unclaim(loop, s->fd);
    close(s->fd);
    s->fd = -1;
    return 0;
  }
  if (shutdown(s->fd, SHUT_WR) != 0) return tick_translate_errno(errno);
  return 0;
}

/* Flushes the write queue after EPOLLOUT; completes requests as macrotasks. */
static void stream_flush(tick_loop_t *loop, tick__stream_t *s) {
  while (s->wq_head != NULL && !(s->flags & TICK__S_CLOSING)) {
    tick__wreq_t *w = s->wq_head;
    size_t before = bufs_total(w->bufs + w->cur, w->nbufs - w->cur);
    ssize_t n = 0;
    int status = 0;
    while (w->cur < w->nbufs) {
      n = stream_writev(s, w->bufs + w->cur, w->nbufs - w->cur);
      if (n < 0) break;
      w->started = 1;
      w->cur = bufs_advance(w->bufs, w->cur, w->nbufs, (size_t)n);
    }
    s->wq_size -= before - bufs_total(w->bufs + w->cur, w->nbufs - w->cur);
    if (n == TICK_EAGAIN && w->cur < w->nbufs) break;
    if (n < 0 && w->cur < w->nbufs) {
      status = (int)n;
      s->wq_size -= bufs_total(w->bufs + w->cur, w->nbufs - w->cur);
    }
    s->wq_head = w->next;
    if (s->wq_head == NULL) s->wq_tail = NULL;
    {
      tick_stream_cb cb = w->cb;
      void *arg = w->arg;
      wreq_put(loop, w);
      tick__stream_call(loop, s, cb, status, arg);
    }
  }
  if (s->flags & TICK__S_CLOSING) return;
  if (s->wq_head == NULL && (s->flags & TICK__S_SHUT_PENDING)) {
    int st = do_shutdown(loop, s);
    tick_stream_cb cb = s->shutdown_cb;
    void *arg = s->shutdown_arg;
    s->flags &= ~(uint32_t)TICK__S_SHUT_PENDING;
    s->shutdown_cb = NULL;
    tick__stream_update(loop, s);
    tick__stream_call(loop, s, cb, st, arg);
    return;
  }
  tick__stream_update(loop, s);
}

/* A shutdown requested with nothing queued completes in a next-tick. */
static void shutdown_tick(tick_loop_t *loop, void *arg) {
  tick__stream_t *s = arg;
  tick_stream_cb cb = s->shutdown_cb;
  void *cb_arg = s->shutdown_arg;
  tick_stream_t id;
  int st;
  /* The stream record lives until its close phase, which comes after this drain. */
  /* Closed meanwhile: the close phase cancels it, in its order. */
  if (!(s->flags & TICK__S_SHUT_PENDING) || (s->flags & TICK__S_CLOSING)) return;
  st = do_shutdown(loop, s);
  s->flags &= ~(uint32_t)TICK__S_SHUT_PENDING;
  s->shutdown_cb = NULL;
  tick__stream_update(loop, s);
  id.id = s->id;
  if (cb != NULL) cb(loop, id, st, cb_arg);
}

int tick_stream_shutdown(tick_loop_t *loop, tick_stream_t stream, tick_stream_cb cb, void *arg) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & TICK__S_SHUT_REQ) return TICK_EALREADY;
  if (!(s->flags & TICK__S_CONNECTED) || s->fd < 0) return TICK_ENOTCONN;
  if (s->wq_head == NULL) {
    r = tick__stream_reserve_tick(loop);
    if (r != 0) return r;
    tick__tick_push(loop, shutdown_tick, s);
  }
  s->flags |= TICK__S_SHUT_REQ | TICK__S_SHUT_PENDING;
  s->shutdown_cb = cb;
  s->shutdown_arg = arg;
  tick__stream_update(loop, s);
  return 0;
}

/* ------------------------------------------------------------ reading ---- */

static void stream_read(tick_loop_t *loop, tick__stream_t *s) {
  int i;
  for (i = 0; i < READS_PER_EVENT; i++) {
    tick_buf_t buf;
    tick_stream_t id;
    ssize_t n;
    tick_read_cb read_cb = s->read_cb;
    void *arg = s->read_arg;
    if (!(s->flags & (TICK__S_READING | TICK__S_READ_PROMISE)) ||
        (s->flags & TICK__S_CLOSING) || s->fd < 0)
      return;
    id.id = s->id;
    buf.base = NULL;
    buf.len = 0;
    loop->depth++;
    s->alloc_cb(loop, id, READ_SUGGESTED, &buf, arg);
    loop->depth--;
    /* The alloc callback may have stopped reading or closed the stream. */
    if (!(s->flags & (TICK__S_READING | TICK__S_READ_PROMISE)) ||
        (s->flags & TICK__S_CLOSING)) {
      n = 0;
    } else if (buf.base == NULL || buf.len == 0) {
      n = TICK_ENOBUFS;
    } else {
      do {
        n = read(s->fd, buf.base, buf.len);
      } while (n < 0 && errno == EINTR);
      if (n == 0) {
        n = TICK_EOF;
      } else if (n < 0) {
        n = (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : tick_translate_errno(errno);
      }
    }
    if (n < 0 && n != TICK_ENOBUFS) {
      /* EOF or an error ends reading: no callback after this one. */
      if (n == TICK_EOF) s->flags |= TICK__S_EOF;
      s->flags &= ~(uint32_t)TICK__S_READING;
    }
    loop->depth++;
    read_cb(loop, id, n, &buf, arg);
    loop->depth--;
    /* After EOF or an error the interest set shrinks after the callback: most programs
     * close the stream there, and closing needs no EPOLL_CTL_DEL (see close). */
    if (n < 0 && n != TICK_ENOBUFS && !(s->flags & TICK__S_CLOSING))
      tick__stream_update(loop, s);
    tick__drain(loop);
    if (n <= 0 || (size_t)n < buf.len) return; /* drained (or stopped) */
  }
}

int tick_stream_read_start(tick_loop_t *loop, tick_stream_t stream, tick_alloc_cb alloc_cb,
                    tick_read_cb read_cb, void *arg) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (alloc_cb == NULL || read_cb == NULL) return TICK_EINVAL;
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & TICK__S_LISTENING) return TICK_EINVAL;
  if (s->flags & TICK__S_READ_PROMISE) return TICK_EBUSY;
  if (!(s->flags & TICK__S_CONNECTED) || s->fd < 0) return TICK_ENOTCONN;
  if (s->flags & TICK__S_EOF) return TICK_EOF;
  s->alloc_cb = alloc_cb;
  s->read_cb = read_cb;
  s->read_arg = arg;
  if (s->flags & TICK__S_READING) return 0;
  s->flags |= TICK__S_READING;
  r = tick__stream_update(loop, s);
  if (r != 0) s->flags &= ~(uint32_t)TICK__S_READING;
  return r;
}

int tick_stream_read_stop(tick_loop_t *loop, tick_stream_t stream) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (!(s->flags & TICK__S_READING)) return 0;
  s->flags &= ~(uint32_t)TICK__S_READING;
  tick__stream_update(loop, s); /* a DEL or a MOD that drops interest: cannot matter */
  return 0;
}

/* ------------------------------------------------------------ events ---- */

/* The stream's watcher callback: the poll phase hands it the fd's events. */
static void stream_io(tick_loop_t *loop, tick__io_t *w, unsigned events) {
  tick__stream_t *s = TICK__CONTAINER_OF(w, tick__stream_t, io);
  if (s->flags & TICK__S_CLOSING) return;
  if (s->flags & TICK__S_LISTENING) {
    tick__tcp_accept_io(loop, s);
    return;
  }
  if (s->flags & TICK__S_CONNECTING) {
    tick__tcp_connect_io(loop, s);
    return;
  }
  if ((events & (TICK__POLLER_IN | TICK__POLLER_ERR)) &&
      (s->flags & (TICK__S_READING | TICK__S_READ_PROMISE)))
    stream_read(loop, s);
  else if ((events & (TICK__POLLER_IN | TICK__POLLER_ERR)) && (s->flags & TICK__S_IN_LINGER)) {
    s->flags &= ~(uint32_t)TICK__S_IN_LINGER; /* nobody reads: stop being woken */
    tick__stream_update(loop, s);
  }
  if ((events & (TICK__POLLER_OUT | TICK__POLLER_ERR)) && s->wq_head != NULL &&
      !(s->flags & TICK__S_CLOSING))
    stream_flush(loop, s);
}

/* ------------------------------------------------------------ closing ---- */

int tick_stream_close(tick_loop_t *loop, tick_stream_t stream, tick_close_cb close_cb,
                      void *arg) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  s->flags |= TICK__S_CLOSING;
  s->close_cb = close_cb;
  s->close_arg = arg;
  tick_clear_timer(loop, s->timer);
  s->timer.id = TICK_NULL_ID;
  if (s->fd >= 0) {
    /* Closing the last reference to a socket removes it from epoll by itself, so a
     * socket tick made (close-on-exec, never lent) skips the EPOLL_CTL_DEL: one syscall
     * less per connection. An fd that may be shared is deregistered explicitly, or a
     * copy kept open elsewhere would go on reporting events under a stale id. */
    tick__io_unwatch(loop, s->fd, &s->registered, (s->flags & TICK__S_SHARED) != 0);
    tick__fd_unclaim(loop, s->fd);
    close(s->fd);
    s->fd = -1;
  }
  r = tick__stream_update(loop, s); /* drops the active ref */
  (void)r;
  tick__io_close(loop, s->id);
  return 0;
}

/* The stream's close hook: cancels pending requests, frees the slot, runs the close
 * callback. */
static void stream_close_phase(tick_loop_t *loop, tick__io_t *io) {
  tick__stream_t *s = TICK__CONTAINER_OF(io, tick__stream_t, io);
  tick_close_cb cb;
  void *arg;
  /* Pending requests end first, in the order they were made. */
  if (s->flags & TICK__S_CONNECTING) {
    s->flags &= ~(uint32_t)TICK__S_CONNECTING;
    tick__stream_call(loop, s, s->connect_cb, TICK_ECANCELED, s->req_arg);
  }
  while (s->wq_head != NULL) {
    tick__wreq_t *w = s->wq_head;
    tick_stream_cb wcb = w->cb;
    void *warg = w->arg;
    s->wq_head = w->next;
    if (s->wq_head == NULL) s->wq_tail = NULL;
    wreq_put(loop, w);
    tick__stream_call(loop, s, wcb, TICK_ECANCELED, warg);
  }
  s->wq_size = 0;
  if (s->flags & TICK__S_SHUT_PENDING) {
    s->flags &= ~(uint32_t)TICK__S_SHUT_PENDING;
    tick__stream_call(loop, s, s->shutdown_cb, TICK_ECANCELED, s->shutdown_arg);
  }
  if (s->flags & TICK__S_READ_PROMISE) {
    tick_resolver_t *res = s->read_resolver;
    s->flags &= ~(uint32_t)TICK__S_READ_PROMISE;
    s->read_resolver = NULL;
    loop->depth++;
    tick_resolver_reject(res, TICK_ECANCELED, NULL, NULL);
    tick_resolver_release(res);
    loop->depth--;
    tick__drain(loop);
  }
  cb = s->close_cb;
  arg = s->close_arg;
  tick__io_release(loop, s->id);
  stream_free(loop, s);
  if (cb != NULL) {
    loop->depth++;
    cb(loop, arg);
    loop->depth--;
    tick__drain(loop);
  }
}

/* ------------------------------------------------------------ misc ---- */

static int stream_set_ref(tick_loop_t *loop, tick_stream_t stream, int ref) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (ref)
    s->flags |= TICK__S_REF;
  else
    s->flags &= ~(uint32_t)TICK__S_REF;
  return tick__stream_update(loop, s);
}

int tick_stream_unref(tick_loop_t *loop, tick_stream_t stream) {
  return stream_set_ref(loop, stream, 0);
}

int tick_stream_ref(tick_loop_t *loop, tick_stream_t stream) {
  return stream_set_ref(loop, stream, 1);
}

int tick_stream_fileno(const tick_loop_t *loop, tick_stream_t stream, int *fd) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (fd == NULL) return TICK_EINVAL;
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->fd < 0) return TICK_EBADF;
  s->flags |= TICK__S_SHARED; /* the caller may dup it now */
  *fd = s->fd;
  return 0;
}

int tick_pipe_open(tick_loop_t *loop, int fd, tick_stream_t *stream_out) {
  tick__stream_t *s;
  struct stat st;
  uint32_t flags = TICK__S_CONNECTED | TICK__S_SHARED;
  int type, fl, r;
  socklen_t len = sizeof(type);
  TICK__CHECK_LOOP(loop);
  if (fd < 0 || stream_out == NULL) return TICK_EINVAL;
  if (tick__fd_watched(loop, fd)) return TICK_EEXIST;
  if (fstat(fd, &st) != 0) return tick_translate_errno(errno);
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return TICK_EPERM;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0) flags |= TICK__S_SOCKET;
  r = tick__stream_new(loop, fd, flags, &s);
  if (r != 0) return r;
  fl = fcntl(fd, F_GETFL);
  if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    r = tick_translate_errno(errno);
    tick__stream_discard(loop, s);
    return r;
  }
  TICK__NOTE_SITE(loop, TICK__SITE_ID, s->id);
  stream_out->id = s->id;
  return 0;
}

/* ------------------------------------------------------------ promises ---- */

void tick__stream_settle_cb(tick_loop_t *loop, tick_stream_t stream, int status,
                            void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  (void)stream;
  if (status == 0)
    tick_resolver_resolve(r, NULL, NULL);
  else
    tick_resolver_reject(r, status, NULL, NULL);
  tick_resolver_release(r);
}

int tick__stream_promise_begin(tick_loop_t *loop, tick_promise_t **promise_out,
                               tick_promise_t **p, tick_resolver_t **res) {
  TICK__CHECK_LOOP(loop);
  if (promise_out == NULL) return TICK_EINVAL;
  return tick_promise_create_deferred(loop, p, res);
}

int tick__stream_promise_end(int r, tick_promise_t *p, tick_resolver_t *res,
                             tick_promise_t **promise_out) {
  if (r != 0) {
    tick_resolver_release(res);
    tick_promise_release(p);
    return r;
  }
  *promise_out = p;
  return 0;
}

/* A write promise's abort hook (tick_promise_cancel). A request still waiting in the
 * write queue with none of its bytes sent leaves the queue and rejects with `code` now;
 * one that has started (part of it is in the kernel, so withdrawing the rest would
 * corrupt the stream) or that has finished (its report waits in a next-tick) settles
 * with its real outcome. `w` is valid: every path that recycles a request settles its
 * promise in the same breath, which removes this hook. */
static void write_promise_abort(tick_loop_t *loop, void *op, int code) {
  tick__wreq_t *w = op, *prev = NULL, *it;
  tick__stream_t *s;
  tick_stream_t id;
  tick_resolver_t *res;
  id.id = w->stream_id;
  if (w->started || tick__stream_get(loop, id, &s) != 0) return; /* closing: it reports */
  for (it = s->wq_head; it != NULL && it != w; it = it->next) prev = it;
  if (it == NULL) return; /* finished: its next-tick reports */
  /* A shutdown waiting for this last request must then run: it needs its next-tick. */
  if (w->next == NULL && prev == NULL && (s->flags & TICK__S_SHUT_PENDING) &&
      tick__stream_reserve_tick(loop) != 0)
    return; /* out of memory: the write goes on and reports its own result */
  if (prev == NULL)
    s->wq_head = w->next;
  else
    prev->next = w->next;
  if (s->wq_tail == w) s->wq_tail = prev;
  s->wq_size -= bufs_total(w->bufs + w->cur, w->nbufs - w->cur);
  if (s->wq_head == NULL && (s->flags & TICK__S_SHUT_PENDING))
    tick__tq_push(&loop->ticks, shutdown_tick, s); /* reserved above */
  tick__stream_update(loop, s);
  res = w->arg;
  wreq_put(loop, w);
  tick_resolver_reject(res, code, NULL, NULL);
  tick_resolver_release(res);
}

/* The hook of a write that finished inside tick_stream_write: nothing to stop. */
static void write_done_abort(tick_loop_t *loop, void *op, int code) {
  (void)loop;
  (void)op;
  (void)code;
}

int tick_stream_write_promise(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
                       size_t nbufs, tick_promise_t **promise_out) {
  tick_promise_t *p;
  tick__stream_t *s;
  tick_resolver_t *res;
  int r = tick__stream_promise_begin(loop, promise_out, &p, &res);
  if (r != 0) return r;
  r = tick_stream_write(loop, stream, bufs, nbufs, tick__stream_settle_cb, res);
  if (r == 0 && tick__stream_get(loop, stream, &s) == 0) {
    /* The request is the queue's last, or done already: its report waits in a next-tick
     * and a cancellation changes nothing. */
    if (s->wq_tail != NULL && s->wq_tail->arg == (void *)res)
      (void)tick__promise_set_abort(p, write_promise_abort, s->wq_tail);
    else
      (void)tick__promise_set_abort(p, write_done_abort, NULL);
  }
  return tick__stream_promise_end(r, p, res, promise_out);
}

/* A shutdown promise's abort hook: a shutdown still waiting (for the write queue to
 * drain, or for its next-tick) is withdrawn and rejects with `code`; the stream is
 * writable again, as if it had not been asked. There is one shutdown per stream and the
 * close phase rejects a pending one, so while this hook is armed `s` is live and
 * SHUT_PENDING means this request. */
static void shutdown_promise_abort(tick_loop_t *loop, void *op, int code) {
  tick__stream_t *s = op;
  tick_resolver_t *res;
  if (!(s->flags & TICK__S_SHUT_PENDING) || (s->flags & TICK__S_CLOSING)) return;
  res = s->shutdown_arg;
  s->flags &= ~(uint32_t)(TICK__S_SHUT_PENDING | TICK__S_SHUT_REQ);
  s->shutdown_cb = NULL;
  s->shutdown_arg = NULL;
  tick__stream_update(loop, s); /* its next-tick, if queued, finds nothing to do */
  tick_resolver_reject(res, code, NULL, NULL);
  tick_resolver_release(res);
}

int tick_stream_shutdown_promise(tick_loop_t *loop, tick_stream_t stream,
                          tick_promise_t **promise_out) {
  tick_promise_t *p;
  tick__stream_t *s;
  tick_resolver_t *res;
  int r = tick__stream_promise_begin(loop, promise_out, &p, &res);
  if (r != 0) return r;
  r = tick_stream_shutdown(loop, stream, tick__stream_settle_cb, res);
  if (r == 0 && tick__stream_get(loop, stream, &s) == 0)
    (void)tick__promise_set_abort(p, shutdown_promise_abort, s);
  return tick__stream_promise_end(r, p, res, promise_out);
}

/* The one-shot read: its own alloc and read callbacks, a buffer that carries its header. */
/* The interest in EPOLLIN lingers after a one-shot read: a program that reads in a loop
 * (an await loop) asks for the next read before data comes, and would otherwise pay an
 * EPOLL_CTL_DEL and an EPOLL_CTL_ADD per read. The first event that finds nobody reading
 * drops it (tick__stream_io). */
static void read_promise_end(tick_loop_t *loop, tick__stream_t *s) {
  s->flags &= ~(uint32_t)TICK__S_READ_PROMISE;
  s->flags |= TICK__S_IN_LINGER;
  s->read_resolver = NULL;
  s->read_into = NULL;
  tick_clear_timer(loop, s->timer);
  s->timer.id = TICK_NULL_ID;
  tick__stream_update(loop, s);
}

/* Rejects a pending read promise with `code`. */
static void read_promise_stop(tick_loop_t *loop, tick__stream_t *s, int code) {
  tick_resolver_t *res = s->read_resolver;
  read_promise_end(loop, s);
  tick_resolver_reject(res, code, NULL, NULL);
  tick_resolver_release(res);
}

static void read_promise_cancel(tick_loop_t *loop, tick__stream_t *s) {
  read_promise_stop(loop, s, TICK_ECANCELED);
}

/* The read promise's abort hook (tick_promise_cancel): nothing has been read for it (the
 * bytes wait in the kernel for the next reader), so it always stops, now. The stream
 * record outlives the pending promise (the close phase rejects it first). */
static void read_promise_abort(tick_loop_t *loop, void *op, int code) {
  tick__stream_t *s = op;
  if (s->flags & TICK__S_READ_PROMISE) read_promise_stop(loop, s, code);
}

static void read_promise_alloc(tick_loop_t *loop, tick_stream_t stream, size_t suggested,
                               tick_buf_t *buf, void *arg) {
  tick__stream_t *s = arg;
  tick_buf_t *hdr;
  (void)loop;
  (void)stream;
  (void)suggested;
  if (s->read_into != NULL) {
    buf->base = s->read_into;
    buf->len = s->read_max;
    return;
  }
  hdr = tick__malloc(sizeof(tick_buf_t) + s->read_max);
  if (hdr == NULL) return;
  hdr->base = (char *)(hdr + 1);
  hdr->len = 0;
  buf->base = hdr->base;
  buf->len = s->read_max;
}

static void read_promise_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                              const tick_buf_t *buf, void *arg) {
  tick__stream_t *s = arg;
  tick_resolver_t *res = s->read_resolver;
  tick_buf_t *hdr;
  (void)stream;
  if (s->read_into != NULL) {
    if (nread == 0 && !(s->flags & TICK__S_CLOSING) && (s->flags & TICK__S_READ_PROMISE))
      return; /* spurious wake-up: keep waiting */
    read_promise_end(loop, s);
    if (nread > 0 || nread == TICK_EOF)
      tick_resolver_resolve(res, (void *)(uintptr_t)(nread > 0 ? (size_t)nread : 0), NULL);
    else
      tick_resolver_reject(res, (int)nread, NULL, NULL);
    tick_resolver_release(res);
    return;
  }
  hdr = buf->base != NULL ? (tick_buf_t *)(void *)buf->base - 1 : NULL;
  if (nread == 0 && !(s->flags & TICK__S_CLOSING) && (s->flags & TICK__S_READ_PROMISE)) {
    tick__free(hdr); /* spurious wake-up: keep waiting */
    return;
  }
  read_promise_end(loop, s);
  if (nread > 0 || nread == TICK_EOF) {
    hdr->len = nread > 0 ? (size_t)nread : 0;
    tick_resolver_resolve(res, hdr, tick__free);
  } else {
    tick__free(hdr);
    tick_resolver_reject(res, nread == TICK_ENOBUFS ? TICK_ENOMEM : (int)nread, NULL, NULL);
  }
  tick_resolver_release(res);
}

static void read_promise_timeout(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  tick__stream_t *s = arg;
  tick_resolver_t *res = s->read_resolver;
  (void)timer;
  s->timer.id = TICK_NULL_ID;
  read_promise_end(loop, s);
  tick_resolver_reject(res, TICK_ETIMEDOUT, NULL, NULL);
  tick_resolver_release(res);
}

static int read_promise_start(tick_loop_t *loop, tick_stream_t stream, size_t max_size,
                              void *into, int64_t timeout_ms, tick_promise_t **promise_out);

int tick_stream_read_promise(tick_loop_t *loop, tick_stream_t stream, size_t max_size,
                      int64_t timeout_ms, tick_promise_t **promise_out) {
  return read_promise_start(loop, stream, max_size, NULL, timeout_ms, promise_out);
}

int tick__stream_read_into_promise(tick_loop_t *loop, tick_stream_t stream, void *buf,
                                   size_t len, int64_t timeout_ms,
                                   tick_promise_t **promise_out) {
  if (buf == NULL || len == 0) return TICK_EINVAL;
  return read_promise_start(loop, stream, len, buf, timeout_ms, promise_out);
}

void tick__stream_read_into_abandon(tick_loop_t *loop, tick_stream_t stream, const void *buf) {
  tick__stream_t *s;
  if (tick__stream_get(loop, stream, &s) != 0) return; /* closing: it reads no more */
  if ((s->flags & TICK__S_READ_PROMISE) && s->read_into == buf) read_promise_cancel(loop, s);
}

static int read_promise_start(tick_loop_t *loop, tick_stream_t stream, size_t max_size,
                              void *into, int64_t timeout_ms, tick_promise_t **promise_out) {
  tick__stream_t *s;
  tick_promise_t *p;
  tick_resolver_t *res;
  int r;
  TICK__CHECK_LOOP(loop);
  if (promise_out == NULL) return TICK_EINVAL;
  r = tick__stream_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & (TICK__S_READING | TICK__S_READ_PROMISE | TICK__S_LISTENING))
    return TICK_EBUSY;
  if (!(s->flags & TICK__S_CONNECTED) || s->fd < 0) return TICK_ENOTCONN;
  if (s->flags & TICK__S_EOF) return TICK_EOF;
  if (max_size == 0) max_size = READ_SUGGESTED;
  if (max_size > SIZE_MAX - sizeof(tick_buf_t)) return TICK_EINVAL;
  r = tick_promise_create_deferred(loop, &p, &res);
  if (r != 0) return r;
  if (timeout_ms > 0) {
    r = tick_set_timeout(loop, timeout_ms, read_promise_timeout, s, &s->timer);
    if (r != 0) goto fail;
    tick_timer_unref(loop, s->timer);
  }
  s->alloc_cb = read_promise_alloc;
  s->read_cb = read_promise_read;
  s->read_arg = s;
  s->read_max = max_size;
  s->read_into = into;
  s->read_resolver = res;
  s->flags |= TICK__S_READ_PROMISE;
  r = tick__stream_update(loop, s);
  if (r != 0) {
    s->flags &= ~(uint32_t)TICK__S_READ_PROMISE;
    s->read_resolver = NULL;
    s->read_into = NULL;
    tick_clear_timer(loop, s->timer);
    s->timer.id = TICK_NULL_ID;
    goto fail;
  }
  (void)tick__promise_set_abort(p, read_promise_abort, s); /* pending, of this loop */
  *promise_out = p;
  return 0;
fail:
  tick_resolver_release(res);
  tick_promise_release(p);
  return r;
}
