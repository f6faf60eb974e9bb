/* fs-uring.c - the io_uring backend of file reads and writes.
 *
 * One ring per loop, set up on the loop's first file request. Requests are queued as
 * submission entries when they are made and handed to the kernel in one io_uring_enter
 * at the start of the next poll phase (so a burst made by one callback costs one system
 * call). A read of a cached page completes inside that call: the poll phase then finds
 * the completion by looking at the completion ring (a memory read) and does not block,
 * so a sequential read costs one system call and no thread hand-off. Completions that
 * come later (a read that waits for the disk, handed to a kernel worker) signal an
 * eventfd registered with the ring, which the loop's epoll watches through poll.c's
 * internal watcher interface, so the loop sleeps as usual while they run.
 *
 * Only reads and writes come here: docs/design/fs.md has the measurements (stat through
 * IORING_OP_STATX is handed to a kernel worker on this kernel and is slower than the
 * pool).
 */
#include "io/fs.h"

#if TICK_HAVE_VALGRIND
/* Client requests: a few instructions that do nothing unless the program runs under
 * valgrind. */
#include <valgrind/memcheck.h>
#endif

/* Memcheck follows what system calls write into memory, but a read through io_uring is
 * done by the kernel later, outside any system call it can see (the ring is shared
 * memory): without this, every byte read that way is "uninitialised" to it, and a
 * program that looks at its data is reported. The kernel wrote exactly `nbytes`, from the
 * first buffer on. */
void tick__uring_read_done(const struct iovec *iov, unsigned iovcnt, size_t nbytes) {
#if TICK_HAVE_VALGRIND
  unsigned i;
  for (i = 0; i < iovcnt && nbytes != 0; i++) {
    size_t n = iov[i].iov_len < nbytes ? iov[i].iov_len : nbytes;
    (void)VALGRIND_MAKE_MEM_DEFINED(iov[i].iov_base, n);
    nbytes -= n;
  }
#else
  (void)iov;
  (void)iovcnt;
  (void)nbytes;
#endif
}

#if TICK_HAVE_URING

#include <errno.h>
#include <liburing.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define RING_ENTRIES 256

struct tick__uring_s {
  struct io_uring ring;
  tick__iowatch_t watch;       /* first member after the ring: see watch_ring() */
  tick__uring_complete_cb complete;
  unsigned inflight;           /* queued or in the kernel, completion not yet run */
  unsigned cap;                /* the completion queue's size */
  unsigned unsubmitted;        /* queued since the last io_uring_enter */
};

static tick__uring_t *watch_ring(tick__iowatch_t *w) {
  return (tick__uring_t *)(void *)((char *)w - offsetof(tick__uring_t, watch));
}

static void ring_submit(tick__uring_t *u) {
  int r;
  do r = io_uring_submit(&u->ring);
  while (r == -EINTR);
  /* Entries the kernel did not take (-EAGAIN, -EBUSY: short of memory, or too many
   * completions pending) stay queued and go with the next call. */
  if (r > 0) u->unsubmitted = r >= (int)u->unsubmitted ? 0 : u->unsubmitted - (unsigned)r;
}

static int ring_prepare(tick_loop_t *loop, tick__iowatch_t *w) {
  tick__uring_t *u = watch_ring(w);
  (void)loop;
  if (u->unsubmitted != 0) ring_submit(u);
  /* Entries the kernel refused for now must not wait for a completion that will never
   * come: the poll phase then does not block, and they are offered again next time. */
  return io_uring_cq_ready(&u->ring) != 0 || u->unsubmitted != 0;
}

static void ring_run(tick_loop_t *loop, tick__iowatch_t *w, int fd_ready) {
  tick__uring_t *u = watch_ring(w);
  struct io_uring_cqe *cqe;
  if (fd_ready) {
    uint64_t value;
    ssize_t n = read(w->fd, &value, sizeof(value));
    (void)n; /* EAGAIN: nothing new since the last read */
  }
  /* Only the completions present now: callbacks queue more, which wait for the next
   * poll phase like any I/O started from a callback. */
  for (unsigned budget = io_uring_cq_ready(&u->ring); budget != 0; budget--) {
    void *data;
    int res;
    if (io_uring_peek_cqe(&u->ring, &cqe) != 0) break;
    data = io_uring_cqe_get_data(cqe);
    res = cqe->res;
    io_uring_cqe_seen(&u->ring, cqe);
    u->inflight--;
    loop->module_refs--;
    if (data == NULL) continue; /* an IORING_OP_ASYNC_CANCEL's own completion */
    loop->depth++;
    u->complete(loop, data, res);
    loop->depth--;
    tick__drain(loop);
  }
}

int tick__uring_create(tick_loop_t *loop, tick__uring_complete_cb complete,
                       tick__uring_t **out) {
  tick__uring_t *u = tick__calloc(1, sizeof(*u));
  int r;
  if (u == NULL) return TICK_ENOMEM;
  r = io_uring_queue_init(RING_ENTRIES, &u->ring, 0);
  if (r < 0) {
    tick__free(u);
    return TICK_ENOTSUP; /* whatever the kernel's reason, even its own ENOMEM */
  }
  /* IORING_OP_READ/WRITE and reading at the file position (offset -1) came in Linux 5.6,
   * with this feature bit. An older kernel sets the ring up but would fail every read
   * with EINVAL: refuse it here, so that reads and writes fall back to the pool. */
  if (!(u->ring.features & IORING_FEAT_RW_CUR_POS)) {
    io_uring_queue_exit(&u->ring);
    tick__free(u);
    return TICK_ENOTSUP;
  }
  u->cap = u->ring.cq.ring_entries;
  if (u->cap > u->ring.sq.ring_entries * 2u) u->cap = u->ring.sq.ring_entries * 2u;
  u->complete = complete;
  u->watch.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  r = TICK_ENOTSUP;
  if (u->watch.fd < 0) goto fail_ring;
  if (io_uring_register_eventfd(&u->ring, u->watch.fd) < 0) goto fail_fd;
  u->watch.prepare = ring_prepare;
  u->watch.run = ring_run;
  if (tick__iowatch_add(loop, &u->watch) != 0) goto fail_fd;
  *out = u;
  return 0;
fail_fd:
  close(u->watch.fd);
fail_ring:
  io_uring_queue_exit(&u->ring);
  tick__free(u);
  return r;
}

void tick__uring_destroy(tick_loop_t *loop, tick__uring_t *u) {
  if (u == NULL) return;
  tick__iowatch_remove(loop, &u->watch);
  io_uring_queue_exit(&u->ring);
  close(u->watch.fd);
  tick__free(u);
}

int tick__uring_rw(tick_loop_t *loop, tick__uring_t *u, int is_write, int fd,
                   const struct iovec *iov, unsigned iovcnt, int64_t offset, void *data) {
  struct io_uring_sqe *sqe;
  /* -1 reads at the file position (IORING_FEAT_RW_CUR_POS, Linux 5.6). */
  __u64 off = offset < 0 ? (__u64)-1 : (__u64)offset;
  if (u->inflight >= u->cap) return TICK_EAGAIN;
  sqe = io_uring_get_sqe(&u->ring);
  if (sqe == NULL) { /* the submission ring is full: hand it over now */
    ring_submit(u);
    sqe = io_uring_get_sqe(&u->ring);
    if (sqe == NULL) return TICK_EAGAIN;
  }
  if (iovcnt == 1 && iov[0].iov_len <= 0x7ffff000u) { /* read(2)'s own limit */
    if (is_write)
      io_uring_prep_write(sqe, fd, iov[0].iov_base, (unsigned)iov[0].iov_len, off);
    else
      io_uring_prep_read(sqe, fd, iov[0].iov_base, (unsigned)iov[0].iov_len, off);
  } else if (is_write) {
    io_uring_prep_writev(sqe, fd, iov, iovcnt, off);
  } else {
    io_uring_prep_readv(sqe, fd, iov, iovcnt, off);
  }
  io_uring_sqe_set_data(sqe, data);
  u->unsubmitted++;
  u->inflight++;
  loop->module_refs++;
  return 0;
}

int tick__uring_cancel(tick_loop_t *loop, tick__uring_t *u, void *data) {
  struct io_uring_sqe *sqe;
  if (u->inflight >= u->cap) return TICK_EAGAIN; /* no room for its completion */
  sqe = io_uring_get_sqe(&u->ring);
  if (sqe == NULL) {
    ring_submit(u);
    sqe = io_uring_get_sqe(&u->ring);
    if (sqe == NULL) return TICK_EAGAIN;
  }
  io_uring_prep_cancel(sqe, data, 0);
  /* Its own completion carries no request: ring_run skips it (whatever it says: 0, the
   * target was stopped; -ENOENT or -EALREADY, it had finished or is running). */
  io_uring_sqe_set_data(sqe, NULL);
  u->unsubmitted++;
  u->inflight++;
  loop->module_refs++;
  return 0;
}

#else /* !TICK_HAVE_URING */

int tick__uring_create(tick_loop_t *loop, tick__uring_complete_cb complete,
                       tick__uring_t **out) {
  (void)loop;
  (void)complete;
  (void)out;
  return TICK_ENOSYS;
}

void tick__uring_destroy(tick_loop_t *loop, tick__uring_t *ring) {
  (void)loop;
  (void)ring;
}

int tick__uring_rw(tick_loop_t *loop, tick__uring_t *ring, int is_write, int fd,
                   const struct iovec *iov, unsigned iovcnt, int64_t offset, void *data) {
  (void)loop;
  (void)ring;
  (void)is_write;
  (void)fd;
  (void)iov;
  (void)iovcnt;
  (void)offset;
  (void)data;
  return TICK_EAGAIN;
}

int tick__uring_cancel(tick_loop_t *loop, tick__uring_t *ring, void *data) {
  (void)loop;
  (void)ring;
  (void)data;
  return TICK_EAGAIN;
}

#endif
