/* tick/stream.h - byte streams on the loop: TCP sockets, pipes and unix sockets.
 * Included by <tick.h>. TCP-specific calls (listen, connect, bind, options) are in
 * tick/tcp.h; this header has what every stream does: read, write, shutdown, close.
 *
 * HANDLES. A stream is named by a value type holding a generation-counted id, like timers
 * and fd watchers (tick/loop.h): tick owns the stream's memory. After the close callback
 * has run the id is stale and every call with it returns TICK_ESTALE; between close and
 * the close callback calls return TICK_ECLOSING. TICK_NULL_ID is never a stream.
 *
 * STATES (docs/io.md has the full table):
 *
 *   created --bind/listen--> listening --(accept cb gets new streams)
 *   created --connect------> connecting --ok--> open ; --error/timeout--> failed
 *   open (read_start/read_stop any time) --shutdown--> write side closed
 *   any state --close--> closing --(close phase)--> closed (id stale)
 *
 * CALLBACKS. Every callback runs on the loop thread as a macrotask followed by the drain
 * (docs/semantics.md sections 3 and 4), never from inside the call that registered it. Each
 * accepted request (write, shutdown, connect, promise) completes exactly once: with 0, an
 * error, or TICK_ECANCELED when the stream is closed first. Requests still pending at
 * close complete with TICK_ECANCELED in the close phase, before the close callback, in
 * the order they were made (connect, writes in queue order, shutdown).
 *
 * WHERE A CALLBACK RUNS. A write the kernel takes whole inside tick_stream_write(), and a
 * shutdown requested with an empty write queue, complete in the next-tick queue of the
 * current macrotask (as a Node stream's write callback does); the others complete in the
 * poll phase when the fd becomes writable. Reads, accepts and connects complete in the
 * poll phase. Close callbacks run in the close phase of the iteration in which close was
 * called.
 *
 * THREADS. Every function here is "loop thread": from another thread it returns
 * TICK_EWRONGTHREAD and does nothing.
 *
 * SIGPIPE. tick never raises SIGPIPE and never changes its disposition: a write to a
 * stream whose reader is gone (a child that exited, a closed pipe, a peer that closed
 * its socket) fails with TICK_EPIPE, reported like any refused write (the callback of
 * tick_stream_write, the return of tick_stream_try_write), and the program keeps running even with
 * SIGPIPE's default action (death). Sockets are written with MSG_NOSIGNAL, at no cost.
 * Other fds (pipes, ttys) are written with SIGPIPE blocked on the loop thread for the
 * duration of the write system call (two more system calls per write); a SIGPIPE that
 * write raised is consumed before the mask is restored. The program's own handler, mask
 * and pending signals are left as they were, and its own writes raise SIGPIPE as
 * before. Unlike Node, which sets SIGPIPE to be ignored for the whole process at
 * start-up, tick leaves that choice to the program.
 */
#ifndef TICK_STREAM_H
#define TICK_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tick_stream_s { uint64_t id; } tick_stream_t;

/* A byte range the caller owns. */
typedef struct tick_buf_s {
  char *base;
  size_t len;
} tick_buf_t;

/* A tick_buf_t for the `len` bytes at `base`, for building write requests. */
static inline tick_buf_t tick_buf(void *base, size_t len) {
  tick_buf_t b;
  b.base = (char *)base;
  b.len = len;
  return b;
}

/* Completion of a write, a shutdown or a connect: `status` is 0, a negative TICK_E* code,
 * or TICK_ECANCELED when the stream was closed before the request completed. */
typedef void (*tick_stream_cb)(tick_loop_t *loop, tick_stream_t stream, int status,
                               void *arg);

/* Asks the caller for a read buffer: set *buf to memory the caller owns (at most, and
 * ideally, `suggested_size` bytes; 64 KiB today). Leaving buf->base NULL or buf->len 0
 * makes the read callback report TICK_ENOBUFS (reading goes on, so stop it or free
 * memory). The buffer comes back in the read callback. */
typedef void (*tick_alloc_cb)(tick_loop_t *loop, tick_stream_t stream,
                              size_t suggested_size, tick_buf_t *buf, void *arg);

/* Delivers what was read into `buf` (the buffer the alloc callback gave, returned to its
 * owner in every case):
 *   nread > 0        bytes read into buf->base;
 *   nread == 0       nothing was read (the kernel had no data after all): free the buffer;
 *   TICK_EOF         the peer closed its write side; reading stops by itself;
 *   other nread < 0  an error (TICK_ECONNRESET, TICK_ENOBUFS...); reading stops by itself
 *                    except for TICK_ENOBUFS. After an error only close is useful.
 * `buf` is never NULL; buf->base may be NULL when the alloc callback gave nothing. */
typedef void (*tick_read_cb)(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                             const tick_buf_t *buf, void *arg);

/* ------------------------------------------------------------------- reading ---- */

/* Starts reading: each time the fd is readable, `alloc_cb` then `read_cb` are called
 * (several times in one poll phase when data keeps coming). Both callbacks are required.
 * Calling it again while reading replaces the callbacks. A reading stream is active (it
 * keeps the loop alive unless unref'd). Returns 0, TICK_EINVAL (NULL callback, a
 * listening stream), TICK_ENOTCONN (not connected yet), TICK_EOF (EOF was already read),
 * TICK_EBUSY (a read promise is pending), TICK_ESTALE, TICK_ECLOSING, or an epoll error. */
int tick_stream_read_start(tick_loop_t *loop, tick_stream_t stream, tick_alloc_cb alloc_cb,
                    tick_read_cb read_cb, void *arg);

/* Stops reading; no read callback runs after it returns, with one exception: called
 * from the alloc callback (or tick_stream_close called there), the read callback still
 * runs once with nread == 0 to give back the buffer just lent. Stopping a stream that is
 * not reading is a no-op. Returns 0, TICK_ESTALE or TICK_ECLOSING. */
int tick_stream_read_stop(tick_loop_t *loop, tick_stream_t stream);

/* ------------------------------------------------------------------- writing ---- */

/* Queues `nbufs` buffers (in order, as one request) for writing, then calls
 * `cb(loop, stream, status, arg)` once (`cb` may be NULL). The bytes in the buffers must
 * stay valid and unchanged until the callback runs (or, with a NULL cb, until
 * tick_stream_write_queue_size() no longer counts them or the close callback has run);
 * the `bufs` array itself is copied and may be reused when this returns.
 * Writes go out in the order they were made, never interleaved. tick tries the write
 * system call at once when nothing is queued, so a small write on an idle socket costs
 * one syscall and no epoll change. Returns 0 (the request is accepted and its callback
 * will run), TICK_EINVAL (NULL bufs with nbufs > 0, or lengths adding up to more than
 * SSIZE_MAX; nbufs 0 is allowed and completes with 0), TICK_ENOTCONN, TICK_EPIPE (after shutdown, or the write side failed),
 * TICK_ENOMEM, TICK_ESTALE, TICK_ECLOSING. A write that the system refuses (EPIPE,
 * ECONNRESET) is accepted and reports the error through its callback, without SIGPIPE
 * (see SIGPIPE above). */
int tick_stream_write(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
               size_t nbufs, tick_stream_cb cb, void *arg);

/* The synchronous fast path: writes what the kernel takes now, never queues. Returns the
 * number of bytes written (> 0; the caller writes the rest later), TICK_EAGAIN when
 * nothing could be written now or writes are already queued (ordering would break),
 * or the other errors of tick_stream_write (a system error such as TICK_EPIPE directly). */
int tick_stream_try_write(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
                   size_t nbufs);

/* Bytes accepted by tick_stream_write and not yet written to the kernel (back-pressure: stop
 * producing while it is large, resume from a write callback). Sets *size. Returns 0,
 * TICK_EINVAL, TICK_ESTALE or TICK_ECLOSING. */
int tick_stream_write_queue_size(const tick_loop_t *loop, tick_stream_t stream,
                                 size_t *size);

/* Closes the write side once every queued write has completed (TCP: shutdown(SHUT_WR),
 * the peer reads EOF; a write-only pipe: the fd is closed; other fds: shutdown()), then
 * calls `cb` (may be NULL) with the status. Later writes return TICK_EPIPE. Reading goes
 * on. Returns 0, TICK_ENOTCONN, TICK_EALREADY (a shutdown was already requested),
 * TICK_ESTALE, TICK_ECLOSING. */
int tick_stream_shutdown(tick_loop_t *loop, tick_stream_t stream, tick_stream_cb cb, void *arg);

/* ------------------------------------------------------------------ lifetime ---- */

/* Closes the stream: stops reading, cancels what is pending (connect, queued writes,
 * shutdown, read promise: each completes with TICK_ECANCELED in the close phase, before
 * the close callback), closes the fd, and calls `close_cb(loop, arg)` (may be NULL) in the
 * close phase of this iteration, exactly once. The id is stale afterwards. Data still in
 * the write queue is not sent (shutdown first, and close in its callback, for a graceful
 * end). Returns 0, TICK_ESTALE (already closed) or TICK_ECLOSING (close already called). */
int tick_stream_close(tick_loop_t *loop, tick_stream_t stream, tick_close_cb close_cb,
                      void *arg);

/* Whether an active stream (reading, listening, connecting, writing, shutting down) keeps
 * the loop alive. Streams start ref'd. Return 0, TICK_ESTALE or TICK_ECLOSING. */
int tick_stream_unref(tick_loop_t *loop, tick_stream_t stream);
int tick_stream_ref(tick_loop_t *loop, tick_stream_t stream);

/* Sets *fd to the stream's file descriptor (still owned by the stream: do not close it).
 * Returns 0, TICK_EBADF (no fd: a TCP stream before bind/connect, a pipe after shutdown),
 * TICK_ESTALE, TICK_ECLOSING. */
int tick_stream_fileno(const tick_loop_t *loop, tick_stream_t stream, int *fd);

/* Wraps an existing pipe or unix-socket fd (or any fd epoll can watch: a tty, a
 * socketpair end) as a stream, connected and ready for read_start and write. The stream
 * takes ownership of `fd` when this returns 0: it makes it non-blocking and close-on-exec
 * and closes it on close (or at shutdown if it is a write-only pipe). On error the caller
 * still owns the fd. Returns 0, TICK_EINVAL (fd < 0, NULL out), TICK_EEXIST (the fd is
 * already watched on this loop), TICK_EBADF, TICK_EPERM (a regular file: epoll cannot
 * watch it), TICK_ENOMEM. Loop thread. */
int tick_pipe_open(tick_loop_t *loop, int fd, tick_stream_t *stream_out);

/* ------------------------------------------------------------------ promises ---- */

/* Promise forms (tick/promise.h). Each returns a new promise in *promise_out (the caller
 * holds one reference and releases it) that settles on the loop thread where the
 * callback form would have run: fulfilled with a NULL value on success, rejected with the
 * error code (TICK_ECANCELED when the stream closes first). Argument and state errors are
 * returned at once, with no promise made. tick_promise_cancel(promise, code) stops a read
 * or a shutdown at once, and a write that has not started (docs/cancellation.md). */
int tick_stream_write_promise(tick_loop_t *loop, tick_stream_t stream, const tick_buf_t *bufs,
                       size_t nbufs, tick_promise_t **promise_out);
int tick_stream_shutdown_promise(tick_loop_t *loop, tick_stream_t stream,
                          tick_promise_t **promise_out);

/* One-shot read: waits until data is available (or EOF, or an error) and fulfils the
 * promise with a `tick_buf_t *` value holding up to `max_size` bytes (64 KiB if 0 is
 * given) that tick allocated and frees with the promise; EOF fulfils it with a buffer
 * of len 0. Errors reject it; `timeout_ms` > 0 rejects it with TICK_ETIMEDOUT if nothing
 * arrived in time (the stream stays usable), 0 waits forever. While it is pending the
 * stream counts as reading: tick_stream_read_start returns TICK_EBUSY, and a second read
 * promise too. Returns 0, TICK_EBUSY (reading, or a read promise pending), TICK_ENOTCONN,
 * TICK_EOF, TICK_ENOMEM, TICK_ESTALE, TICK_ECLOSING. */
int tick_stream_read_promise(tick_loop_t *loop, tick_stream_t stream, size_t max_size,
                      int64_t timeout_ms, tick_promise_t **promise_out);

#endif
