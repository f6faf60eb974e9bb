/* stream.h - the private side of streams (stream.c) and TCP (tcp.c). Not API.
 *
 * A stream is a heap record with an embedded core watcher (tick__io_t, core/loop.h): its
 * public id is the watcher's, generation-counted like every other handle's, and its
 * poller registration carries that id, so the poll phase finds the watcher from an event
 * with one slab lookup and calls the stream's own callback (stream_io).
 */
#ifndef TICK_STREAM_PRIVATE_H
#define TICK_STREAM_PRIVATE_H

#include "io/module.h"

#include <sys/uio.h>

/* A write request: taken from a per-loop free list, so a steady flow of writes allocates
 * nothing. Up to TICK__WREQ_INLINE buffers live inside it; more take one allocation. */
#define TICK__WREQ_INLINE 4

typedef struct tick__wreq_s tick__wreq_t;
struct tick__wreq_s {
  tick__wreq_t *next;
  tick_stream_cb cb;
  void *arg;
  uint64_t stream_id;
  tick_buf_t *bufs; /* `small`, or an allocated array */
  uint32_t nbufs;
  uint32_t cur;     /* first buffer not fully written; bufs[cur] is advanced in place */
  int status;
  int started;      /* some of it reached the kernel: it can no longer be withdrawn */
  tick_buf_t small[TICK__WREQ_INLINE];
};

/* Stream flags. */
enum {
  TICK__S_TCP = 1u << 0,         /* a TCP socket (tcp.c); else tick_pipe_open */
  TICK__S_SOCKET = 1u << 1,      /* a socket: send with MSG_NOSIGNAL */
  TICK__S_CONNECTED = 1u << 2,   /* reads and writes allowed */
  TICK__S_CONNECTING = 1u << 3,
  TICK__S_LISTENING = 1u << 4,
  TICK__S_PAUSED = 1u << 5,      /* listener: accepting paused after EMFILE */
  TICK__S_READING = 1u << 6,
  TICK__S_READ_PROMISE = 1u << 7,
  TICK__S_EOF = 1u << 8,         /* EOF read */
  TICK__S_SHUT_REQ = 1u << 9,    /* shutdown requested (writes refused) */
  TICK__S_SHUT_PENDING = 1u << 10, /* shutdown waits for the write queue */
  TICK__S_CLOSING = 1u << 11,
  TICK__S_REF = 1u << 12,
  TICK__S_ACTIVE_REF = 1u << 13, /* counted in loop->poll_active_refs */
  TICK__S_BOUND = 1u << 14,
  TICK__S_NODELAY = 1u << 15,    /* apply TCP_NODELAY when the socket is made */
  TICK__S_FAILED = 1u << 16,     /* connect failed: only close is useful */
  TICK__S_SHARED = 1u << 17,     /* the fd may have other references (given by the caller,
                                  * or lent by tick_stream_fileno): close deregisters it */
  TICK__S_RESOLVING = 1u << 18,  /* with CONNECTING: tick_tcp_connect_host's lookup runs;
                                  * no fd interest until an address is tried */
  TICK__S_IN_LINGER = 1u << 19   /* a read promise ended: read interest stays registered
                                  * until an event finds nobody reading (stream.c) */
};

typedef struct tick__stream_s tick__stream_t;
struct tick__stream_s {
  tick_loop_t *loop;
  tick__io_t io;       /* the core's watcher: its callback and close hook */
  uint64_t id;
  int fd;              /* -1: no socket yet (TCP, AF_UNSPEC) or closed by shutdown */
  uint32_t flags;
  unsigned registered; /* poller events registered (TICK__POLLER_IN|OUT), 0: none */
  int family;          /* TCP: AF_INET/AF_INET6, 0 while unknown */
  uint32_t keepalive;  /* TCP: keep-alive delay to apply when the socket is made, 0 off */
  int pending_status;  /* a connect that finished inside tick_tcp_connect */

  tick_alloc_cb alloc_cb;
  tick_read_cb read_cb;
  void *read_arg;

  tick__wreq_t *wq_head, *wq_tail;
  size_t wq_size;      /* bytes queued and not yet written */

  /* connect, or (listener) accept; a stream is never both */
  tick_stream_cb connect_cb;
  tick_accept_cb accept_cb;
  void *req_arg;
  tick_timer_t timer;  /* connect timeout, accept pause, or read-promise timeout */

  tick_stream_cb shutdown_cb;
  void *shutdown_arg;

  tick_resolver_t *read_resolver; /* read promise */
  size_t read_max;
  void *read_into; /* the read promise reads straight into this buffer (NULL: its own) */

  tick_close_cb close_cb;
  void *close_arg;
};

/* For tcp.c. */
/* Makes a stream record for `fd` (-1 allowed), not registered anywhere yet. */
int tick__stream_new(tick_loop_t *loop, int fd, uint32_t flags, tick__stream_t **out);
/* Undoes tick__stream_new for a stream never handed out (does not close the fd). */
void tick__stream_discard(tick_loop_t *loop, tick__stream_t *s);
/* Looks a stream up: TICK_ESTALE if gone, TICK_ECLOSING if closing. */
int tick__stream_get(const tick_loop_t *loop, tick_stream_t stream, tick__stream_t **out);
/* Brings the poller registration and the active/ref accounting in line with the flags,
 * with a system call only when the interest set changes. */
int tick__stream_update(tick_loop_t *loop, tick__stream_t *s);
/* Records a new fd for `s` in the loop's set of watched fds. */
int tick__stream_set_fd(tick_loop_t *loop, tick__stream_t *s, int fd);
/* Makes room for one next-tick so a completion can be queued without failing. */
int tick__stream_reserve_tick(tick_loop_t *loop);
/* Calls cb(loop, stream, status, arg) as a macrotask (depth, then the drain). */
void tick__stream_call(tick_loop_t *loop, tick__stream_t *s, tick_stream_cb cb, int status,
                       void *arg);

/* tcp.c: the listener's and the connector's event handlers. */
void tick__tcp_accept_io(tick_loop_t *loop, tick__stream_t *s);
void tick__tcp_connect_io(tick_loop_t *loop, tick__stream_t *s);
/* Completes a pending connect with `status` (clears its timer, runs its callback). */
void tick__tcp_connect_finish(tick_loop_t *loop, tick__stream_t *s, int status);

/* Settles a resolver from a stream callback (the promise forms): arg is the resolver. */
void tick__stream_settle_cb(tick_loop_t *loop, tick_stream_t stream, int status,
                            void *arg);
/* The promise forms' two ends. begin checks the loop and promise_out and makes a deferred
 * promise; the caller then starts the request with tick__stream_settle_cb and `*res`, and
 * end hands its result in: on success it stores the promise, on failure it releases both
 * and returns the error. */
int tick__stream_promise_begin(tick_loop_t *loop, tick_promise_t **promise_out,
                               tick_promise_t **p, tick_resolver_t **res);
int tick__stream_promise_end(int r, tick_promise_t *p, tick_resolver_t *res,
                             tick_promise_t **promise_out);

/* The read promise of tick_await_read: as tick_stream_read_promise, but it reads straight
 * into `buf` (`len` > 0 bytes, the caller's) and fulfils with the count as its value (a
 * size_t in a pointer, owning nothing; 0 at end of stream): no buffer is allocated and
 * nothing is copied. `buf` is written only while the promise is pending. */
int tick__stream_read_into_promise(tick_loop_t *loop, tick_stream_t stream, void *buf,
                                   size_t len, int64_t timeout_ms,
                                   tick_promise_t **promise_out);
/* If a read promise reading into `buf` is pending on `stream`, rejects it with
 * TICK_ECANCELED and stops it: nothing is written to `buf` from here on. */
void tick__stream_read_into_abandon(tick_loop_t *loop, tick_stream_t stream, const void *buf);

_Static_assert(sizeof(tick_buf_t) == sizeof(struct iovec), "tick_buf_t mirrors iovec");

#endif
