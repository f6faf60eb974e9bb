/* tick/async-io.h - await forms of tick's I/O: one call per step inside an async function
 * (tick/async.h). Included by <tick.h>. The manual is docs/async-io.md.
 *
 * Each tick_await_* call starts the operation, suspends the calling async function until
 * the operation completes, and returns its outcome; the function resumes one turn after
 * the completion, as `await` of the promise form would (each form is built on that
 * promise form, or on the callback form and a promise of its own).
 *
 * RETURNS. 0 or a count (bytes, an fd) on success; a negative TICK_E* code on failure.
 * Errors of the start call (TICK_EINVAL, TICK_ENOTCONN, TICK_ENOMEM ...) are returned
 * without suspending; TICK_ENOTASYNC when `co` is not the async function running now.
 * A cancellation of the function (tick_async_cancel, or its cancel scope: tick/cancel.h)
 * makes the pending form return the cancel code, and the form asks its operation to stop
 * with tick_promise_cancel (docs/cancellation.md says what each operation does then: a
 * read consumes nothing, a queued write leaves the queue, a pool job not started never
 * runs). An operation that cannot be stopped any more runs to its end with nobody to
 * report to: a write already partly in the kernel goes on from `buf`, so keep a write's
 * buffer alive until the stream is closed when a write may be cancelled.
 *
 * CANCELLING. Closing the handle an await form waits on (tick_stream_close, closing the
 * UDP socket, tick_async_acceptor_close, closing a process handle) makes the await return
 * TICK_ECANCELED, as the promise form rejects. A timeout argument > 0 returns
 * TICK_ETIMEDOUT when it passes first; 0 waits without limit.
 *
 * Every function here is "loop thread" and must be called from inside an async function.
 */
#ifndef TICK_ASYNC_IO_H
#define TICK_ASYNC_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct addrinfo;

/* ------------------------------------------------------------------ timers ---- */

/* Suspends for `ms` milliseconds (below 1: 1 ms, as tick_set_timeout), on a loop timer
 * that keeps the loop alive. Returns 0, TICK_ENOMEM, or a cancel code (the timer is then
 * cleared). */
int tick_await_sleep(tick_async_t *co, int64_t ms);

/* ----------------------------------------------------------------- streams ---- */

/* Reads once into `buf` (`len` > 0 bytes, owned by the caller): waits until data is
 * there, then returns the number of bytes stored (1..len), 0 at end of stream (the peer
 * closed its write side), or an error (TICK_ECONNRESET ...). The bytes go straight from
 * the socket into `buf`, with no buffer or copy in between; `buf` is written only while
 * the call is suspended, never after it returns: a cancelled read (tick_async_cancel) is
 * stopped before the call returns the cancel code, and what arrives later goes to the
 * next read. With `timeout_ms` > 0 it
 * returns TICK_ETIMEDOUT if nothing arrived in time; nothing was consumed and the stream
 * stays usable (read again, or write, or close). TICK_EBUSY while the stream is reading
 * with tick_stream_read_start or another read is pending; TICK_EINVAL for NULL buf or len 0. */
ssize_t tick_await_read(tick_async_t *co, tick_stream_t stream, void *buf, size_t len,
                        int64_t timeout_ms);

/* Writes all `len` bytes of `buf` (borrowed until this returns) and returns once the
 * kernel has taken them all: 0, or the write error (TICK_EPIPE, TICK_ECONNRESET,
 * TICK_ECANCELED when the stream was closed). len 0 is allowed (returns 0). */
int tick_await_write(tick_async_t *co, tick_stream_t stream, const void *buf, size_t len);

/* Closes the write side once queued writes are out (tick_stream_shutdown): 0 or the error. */
int tick_await_shutdown(tick_async_t *co, tick_stream_t stream);

/* Creates a TCP stream for `addr`'s family and connects it. On 0, *stream_out is the
 * connected stream (the caller closes it with tick_stream_close). On failure nothing is
 * left to close: TICK_ECONNREFUSED, TICK_ETIMEDOUT (`timeout_ms` > 0 passed), TICK_EINVAL,
 * TICK_ENOMEM, TICK_EMFILE, other system errors. */
int tick_await_connect(tick_async_t *co, const struct sockaddr *addr, int64_t timeout_ms,
                       tick_stream_t *stream_out);

/* Looks up `host` (a name or a numeric address) on the loop's pool, then connects to
 * its addresses in turn, as tick_await_connect, until one connects. `timeout_ms` > 0
 * bounds the lookup and each connect attempt. Returns 0 with *stream_out connected, the
 * lookup's error (TICK_EAI_NONAME ...), or the last connect error. */
int tick_await_connect_name(tick_async_t *co, const char *host, int port,
                            int64_t timeout_ms, tick_stream_t *stream_out);

/* A listener whose connections are awaited one at a time. */
typedef struct tick_async_acceptor_s tick_async_acceptor_t;

/* Listens on the TCP stream `listener` (created and usually bound by the caller; see
 * tick_tcp_listen for `backlog`) and keeps each accepted connection until an await takes
 * it. *out owns the listener from then on: close both with tick_async_acceptor_close.
 * Need not be called from an async function (loop thread). Returns 0, TICK_EINVAL,
 * TICK_ENOMEM, or the errors of tick_tcp_listen (the caller still owns the stream). */
int tick_async_listen(tick_loop_t *loop, tick_stream_t listener, int backlog,
                      tick_async_acceptor_t **out);

/* The listening stream (for tick_tcp_getsockname), or a TICK_NULL_ID stream for NULL. */
tick_stream_t tick_async_acceptor_stream(const tick_async_acceptor_t *acceptor);

/* Awaits the next connection: 0 with *client_out (the caller owns and closes it), an
 * accept error (TICK_EMFILE ...), or TICK_ECANCELED when the acceptor is closed.
 * TICK_EBUSY if another function is already awaiting this acceptor. */
int tick_await_accept(tick_async_t *co, tick_async_acceptor_t *acceptor,
                      tick_stream_t *client_out);

/* Closes the listener and the connections accepted and not taken yet, makes a pending
 * tick_await_accept return TICK_ECANCELED, and frees the acceptor (at once, or once that
 * await has returned). Returns 0 or TICK_EINVAL (NULL). Loop thread. */
int tick_async_acceptor_close(tick_async_acceptor_t *acceptor);

/* -------------------------------------------------------------------- files ---- */

/* open(2) on the pool: returns the new fd (>= 0) or the error (TICK_ENOENT ...). */
int tick_await_fs_open(tick_async_t *co, const char *path, int flags, int mode);

/* pread(2) of up to `len` bytes at `offset` (-1: the current position) into `buf`:
 * returns the count (0 at end of file) or the error. */
ssize_t tick_await_fs_read(tick_async_t *co, int fd, void *buf, size_t len, int64_t offset);

/* Writes all `len` bytes at `offset` (-1: the current position), continuing after short
 * writes: returns 0 or the error. */
int tick_await_fs_write(tick_async_t *co, int fd, const void *buf, size_t len,
                        int64_t offset);

/* close(2): 0 or the error. */
int tick_await_fs_close(tick_async_t *co, int fd);

/* stat(2) of `path` into *st: 0 or the error. */
int tick_await_fs_stat(tick_async_t *co, const char *path, tick_stat_t *st);

/* ------------------------------------------------------------ name lookup ---- */

/* getaddrinfo(3) on the pool (tick_getaddrinfo; `hints` may be NULL). On 0, *res is the
 * list, owned by the caller: free it with tick_freeaddrinfo. `timeout_ms` > 0 bounds the
 * lookup (TICK_ETIMEDOUT). Errors: TICK_EAI_NONAME ..., TICK_ENOMEM. */
int tick_await_getaddrinfo(tick_async_t *co, const char *node, const char *service,
                           const struct addrinfo *hints, int64_t timeout_ms,
                           struct addrinfo **res);

/* ------------------------------------------------------- pool, processes ---- */

/* Runs `work(arg, &value, &free)` on `pool` (NULL: the loop's pool) and returns its result
 * (tick_work_promise): 0 with the value readable by tick_async_value(co) until the next
 * await, or the negative code it returned, or TICK_ECANCELED. `arg` must stay valid until
 * the work has run (a cancelled function's work still runs). */
int tick_await_work(tick_async_t *co, tick_pool_t *pool, tick_work_value_cb work, void *arg);

/* Spawns a child (tick_spawn_promise: options->exit_cb is ignored) and waits for its exit.
 * Returns 0 with *exit_status and *term_signal set (each may be NULL), a spawn error
 * (TICK_ENOENT ... returned at once), or TICK_ECANCELED. */
int tick_await_spawn(tick_async_t *co, const tick_process_options_t *options,
                     int *exit_status, int *term_signal);

/* ---------------------------------------------------------------------- UDP ---- */

/* Receives one datagram on the bound `udp` socket into `buf` (`len` > 0 bytes): returns
 * its length (cut to `len`; *truncated, if not NULL, is 1 then), with the sender in *from
 * (may be NULL). `timeout_ms` > 0: TICK_ETIMEDOUT if none arrived (the socket stays
 * usable). TICK_EBUSY while receiving with tick_udp_recv_start. */
ssize_t tick_await_udp_recv(tick_async_t *co, tick_udp_t udp, void *buf, size_t len,
                            struct sockaddr_storage *from, int *truncated,
                            int64_t timeout_ms);

/* Sends one datagram of `len` bytes to `addr` (NULL on a connected socket): 0 or the error. */
int tick_await_udp_send(tick_async_t *co, tick_udp_t udp, const void *buf, size_t len,
                        const struct sockaddr *addr);

#endif
