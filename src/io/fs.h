/* fs.h - the io_uring backend of file requests (fs-uring.c), used by fs.c. Not API. */
#ifndef TICK_FS_PRIVATE_H
#define TICK_FS_PRIVATE_H

#include "io/module.h"

#include <sys/uio.h>

typedef struct tick__uring_s tick__uring_t;

/* Called on the loop thread, inside the macrotask the ring runs for each completion, with
 * the `data` given at submission and the operation's result (bytes, or -errno). */
typedef void (*tick__uring_complete_cb)(tick_loop_t *loop, void *data, int result);

/* Sets up a ring for `loop` and watches its completions from the poll phase. Returns 0,
 * TICK_ENOMEM (tick's allocator failed: the only error the caller passes on), TICK_ENOSYS
 * when tick was built without liburing, or TICK_ENOTSUP when the kernel refuses (seccomp,
 * kernel.io_uring_disabled, an old kernel, memlock limits, no fd left). */
int tick__uring_create(tick_loop_t *loop, tick__uring_complete_cb complete,
                       tick__uring_t **out);
/* Frees the ring. No operation may be in flight. NULL is a no-op. */
void tick__uring_destroy(tick_loop_t *loop, tick__uring_t *ring);
/* Queues a read (or write) of `iov` at `offset` (-1: the current position); it is handed
 * to the kernel in the next poll phase. The ring keeps the loop alive until the
 * completion. Returns 0, or TICK_EAGAIN when the ring already has as many operations in
 * flight as its completion queue can hold (then use the pool). The iovec array must stay
 * valid until the completion. */
int tick__uring_rw(tick_loop_t *loop, tick__uring_t *ring, int is_write, int fd,
                   const struct iovec *iov, unsigned iovcnt, int64_t offset, void *data);
/* Asks the kernel to stop the operation submitted with `data` (IORING_OP_ASYNC_CANCEL).
 * The operation still completes once, through the ring's callback: with -ECANCELED if
 * it was stopped, else with its own result. Returns 0 (asked), or TICK_EAGAIN when the
 * ring has no room for the request (the operation then simply runs to its end). */
int tick__uring_cancel(tick_loop_t *loop, tick__uring_t *ring, void *data);
/* After a ring read of `nbytes` into `iov`: tells valgrind (when tick was built with its
 * headers and runs under it) that the kernel wrote those bytes, which memcheck cannot see
 * through io_uring. Otherwise a no-op. */
void tick__uring_read_done(const struct iovec *iov, unsigned iovcnt, size_t nbytes);

#endif
