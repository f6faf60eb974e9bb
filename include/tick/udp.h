/* tick/udp.h - UDP sockets on the loop. Included by <tick.h>. docs/io.md.
 *
 * A UDP handle owns a non-blocking datagram socket watched by the loop's epoll. It is
 * named by a generation-counted id (like timers and fd watchers): once the handle's close
 * callback has run, every copy of the id is stale and operations on it return
 * TICK_ESTALE; between tick_udp_close() and its close callback they return
 * TICK_ECLOSING.
 *
 * States:  open --bind/connect--> bound/connected --recv_start--> receiving
 *          (any) --tick_udp_close--> closing --close phase--> closed (id stale)
 *
 * SENDING. tick_udp_send() queues a datagram and returns; its callback is called exactly
 * once, on the loop thread, as a macrotask (ticks and microtasks drain after it), never
 * from inside the call: with 0 once the kernel took the datagram, with a negative error
 * if it refused it (e.g. TICK_ECONNREFUSED on a connected socket whose peer port is
 * closed, TICK_EMSGSIZE), or with TICK_ECANCELED if the handle was closed first. Queued
 * datagrams are handed to the kernel after the drain that follows the current callback,
 * in the order they were queued, with one sendmmsg() call per handle for up to 64
 * messages, and runs of equal-size datagrams to one destination sent as one segmented
 * message (UDP_SEGMENT, when the kernel accepts it), so a burst of sends made in one
 * callback costs one system call and one pass through the IP layer. Their callbacks run
 * in the poll phase of the next iteration, in order. Closing the handle first hands the
 * sends still queued (for instance queued in the same callback as the close) to the
 * kernel, as far as it takes them without blocking; only those it does not take are
 * cancelled.
 * The caller's data buffers must stay valid and unchanged until the send's callback has
 * run; the iovec array itself is copied by the call.
 *
 * RECEIVING. tick_udp_recv_start() lends tick a buffer (the "ring"): tick cuts it into
 * slots of `slot_size` bytes and reads up to one datagram per slot per recvmmsg() call
 * (64 slots at most). The callback is called once per datagram, each call its own
 * macrotask; `data` points into the caller's buffer and is valid until the callback
 * returns (copy what must outlive it). The buffer must stay valid until
 * tick_udp_recv_stop() or the close callback. A datagram larger than a slot is cut and
 * reported with TICK_UDP_TRUNCATED. If a callback stops receiving (even to lend the same
 * buffer again), lends another buffer or closes the handle, the datagrams already read in
 * the same batch are dropped (UDP may drop them anyway).
 *
 * Threads: every function here is "loop thread" (TICK_EWRONGTHREAD from others).
 * Addresses are `struct sockaddr_in` or `struct sockaddr_in6` passed as sockaddr.
 */
#ifndef TICK_UDP_H
#define TICK_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

typedef struct tick_udp_s { uint64_t id; } tick_udp_t;

/* tick_udp_bind() flags. */
enum {
  TICK_UDP_REUSEADDR = 1u << 0, /* SO_REUSEADDR: several sockets may bind the address */
  TICK_UDP_IPV6ONLY = 1u << 1   /* IPv6 socket: no IPv4-mapped traffic */
};

/* Flags given to the receive callback. */
enum {
  TICK_UDP_TRUNCATED = 1u << 0 /* the datagram was longer than the slot and was cut */
};

/* The largest number of datagrams one sendmmsg()/recvmmsg() call moves. */
#define TICK_UDP_BATCH_MAX 64

/* Send completion: `status` is 0, a negative error, or TICK_ECANCELED. */
typedef void (*tick_udp_send_cb)(tick_loop_t *loop, tick_udp_t udp, int status, void *arg);

/* Receive callback: `status` is the datagram's length stored at `data` (0 for an empty
 * datagram), or a negative error from the socket (e.g. TICK_ECONNREFUSED after a send to
 * a closed port; then `data` and `addr` are NULL and receiving goes on). `addr` is the
 * sender's address (borrowed, valid during the call), `flags` TICK_UDP_* bits. */
typedef void (*tick_udp_recv_cb)(tick_loop_t *loop, tick_udp_t udp, int status,
                                 const void *data, const struct sockaddr *addr,
                                 unsigned flags, void *arg);

/* Creates a handle with a new socket of `family` (AF_INET or AF_INET6), not bound.
 * Returns 0 and sets *udp, TICK_EINVAL (NULL loop or udp, other family), TICK_ENOMEM, or
 * a system error from socket() (TICK_EMFILE, TICK_EAFNOSUPPORT). */
int tick_udp_create(tick_loop_t *loop, int family, tick_udp_t *udp);

/* Binds to `addr` (its family must be the handle's). `flags`: TICK_UDP_REUSEADDR,
 * TICK_UDP_IPV6ONLY (IPv6 only). Returns 0, TICK_EINVAL, TICK_ESTALE, TICK_ECLOSING, or a
 * system error (TICK_EADDRINUSE, TICK_EADDRNOTAVAIL ...). */
int tick_udp_bind(tick_loop_t *loop, tick_udp_t udp, const struct sockaddr *addr,
                  unsigned flags);

/* Connects to `addr` (sends then go there by default and only datagrams from it are
 * received), or disconnects when `addr` is NULL. Binds to a wildcard address first if
 * needed (the kernel does). Returns 0, TICK_EINVAL, TICK_ESTALE, TICK_ECLOSING,
 * TICK_EISCONN (already connected: disconnect first), TICK_ENOTCONN (disconnect while
 * not connected) or a system error. */
int tick_udp_connect(tick_loop_t *loop, tick_udp_t udp, const struct sockaddr *addr);

/* Queues one datagram made of `nbufs` buffers (at most IOV_MAX; 0 sends an empty
 * datagram) to `addr`, or to the connected peer when `addr` is NULL. `cb` may be NULL.
 * The call copies `*addr` and the `bufs` array (the iovec structures): both may be
 * reused or freed as soon as it returns. The bytes the iovecs point to are not copied
 * (see SENDING above: they stay the caller's until the callback).
 * Returns 0 (accepted: the callback will be called), TICK_EINVAL (NULL loop, NULL bufs
 * with nbufs > 0, lengths adding up to more than SSIZE_MAX, addr of the wrong family),
 * TICK_ENOTCONN (NULL addr on an unconnected
 * handle), TICK_EISCONN (addr on a connected handle), TICK_ESTALE,
 * TICK_ECLOSING, TICK_ENOMEM (nothing queued). Queuing takes a request record from a
 * per-loop free list: steady-state sending does not allocate (datagrams of more than 4
 * buffers allocate their iovec copy). */
int tick_udp_send(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs, size_t nbufs,
                  const struct sockaddr *addr, tick_udp_send_cb cb, void *arg);

/* Sends now, synchronously, if nothing is queued: returns the number of bytes sent,
 * TICK_EAGAIN (sends are queued, or the socket buffer is full), or the same argument
 * errors as tick_udp_send, or the system error of the send (TICK_ECONNREFUSED ...). */
int tick_udp_try_send(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                      size_t nbufs, const struct sockaddr *addr);

/* Promise form of tick_udp_send (which copies the same things): *out (a new reference)
 * fulfils with a NULL value once the kernel took the datagram, or rejects with the send's
 * error (TICK_ECANCELED if the handle closed before the kernel took it). Same returns as
 * tick_udp_send (on error *out is untouched). tick_promise_cancel withdraws a datagram
 * the kernel has not taken yet (docs/cancellation.md). */
int tick_udp_send_promise(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                          size_t nbufs, const struct sockaddr *addr, tick_promise_t **out);

/* Starts receiving into `buffer` (`size` bytes, cut into slots of `slot_size` bytes;
 * slot_size 0 means 65536, and a buffer smaller than one slot is one slot of `size`).
 * An unbound socket is first bound to the wildcard address and a free port. While
 * receiving, the handle keeps the loop alive (unless unref'd). Calling it again replaces
 * the buffer and callback. Returns 0, TICK_EINVAL (NULL buffer or cb, size 0),
 * TICK_EBUSY (one-shot receives are pending), TICK_ESTALE, TICK_ECLOSING, or a system
 * error. */
int tick_udp_recv_start(tick_loop_t *loop, tick_udp_t udp, void *buffer, size_t size,
                        size_t slot_size, tick_udp_recv_cb cb, void *arg);

/* Stops receiving (no callback; datagrams wait in the kernel). Returns 0 (also when not
 * receiving), TICK_ESTALE, TICK_ECLOSING. */
int tick_udp_recv_stop(tick_loop_t *loop, tick_udp_t udp);

/* A datagram received by tick_udp_recv_promise: the promise's value, freed with it. */
typedef struct tick_udp_datagram_s {
  size_t len;                   /* bytes at `data` */
  unsigned flags;               /* TICK_UDP_TRUNCATED */
  struct sockaddr_storage addr; /* the sender */
  unsigned char *data;          /* points inside this record */
} tick_udp_datagram_t;

/* One-shot receive: *out (a new reference) fulfils with a tick_udp_datagram_t * (owned
 * by the promise, valid while it is alive) holding the next datagram, cut to `max_size`
 * bytes; it rejects with a socket error or with TICK_ECANCELED when the handle closes
 * first. Several calls queue and are served in order, one datagram each. `timeout_ms`
 * > 0 arms a deadline (a loop timer that does not keep the loop alive by itself): if it
 * passes first the promise rejects with TICK_ETIMEDOUT in the timers phase, the request
 * leaves the queue, and a datagram that arrives later goes to whoever receives next (or
 * waits in the kernel); 0 (or less) waits forever. Allocates the record (max_size
 * bytes) and, with a timeout, may grow the timer slab, at this call. Returns 0,
 * TICK_EINVAL, TICK_EBUSY (receiving with a callback), TICK_ESTALE, TICK_ECLOSING,
 * TICK_ENOMEM, or a system error. tick_promise_cancel(promise, code) takes the request
 * out of the queue at once, as the deadline does, and rejects it with `code`. */
int tick_udp_recv_promise(tick_loop_t *loop, tick_udp_t udp, size_t max_size,
                          int64_t timeout_ms, tick_promise_t **out);

/* Socket options. Each returns 0, TICK_EINVAL, TICK_ESTALE, TICK_ECLOSING or the system
 * error of setsockopt (for example TICK_ENODEV when a multicast interface is unknown).
 * `on` is 0 or 1; TTLs are 1..255. Multicast functions use the handle's family: for
 * IPv4 `interface_addr` is the local address of the interface ("0.0.0.0" or NULL: let
 * the kernel choose); for IPv6 it is an interface name ("lo") or NULL. */
int tick_udp_set_broadcast(tick_loop_t *loop, tick_udp_t udp, int on);
int tick_udp_set_ttl(tick_loop_t *loop, tick_udp_t udp, int ttl);
int tick_udp_set_multicast_ttl(tick_loop_t *loop, tick_udp_t udp, int ttl);
int tick_udp_set_multicast_loop(tick_loop_t *loop, tick_udp_t udp, int on);
int tick_udp_set_multicast_interface(tick_loop_t *loop, tick_udp_t udp,
                                     const char *interface_addr);
/* Joins or leaves the group `multicast_addr` (a numeric address string). */
int tick_udp_join_group(tick_loop_t *loop, tick_udp_t udp, const char *multicast_addr,
                        const char *interface_addr);
int tick_udp_leave_group(tick_loop_t *loop, tick_udp_t udp, const char *multicast_addr,
                         const char *interface_addr);

/* The local (getsockname) or peer (getpeername) address. *len is the size of `addr` on
 * entry and the address's size on return. Returns 0, TICK_EINVAL, TICK_ESTALE,
 * TICK_ECLOSING, TICK_ENOTCONN (peer of an unconnected handle) or a system error. */
int tick_udp_getsockname(tick_loop_t *loop, tick_udp_t udp, struct sockaddr *addr,
                         socklen_t *len);
int tick_udp_getpeername(tick_loop_t *loop, tick_udp_t udp, struct sockaddr *addr,
                         socklen_t *len);

/* Number of sends accepted whose callbacks have not run yet (0 or more), or an error. */
int tick_udp_send_queue_count(const tick_loop_t *loop, tick_udp_t udp);

/* Counters of one handle, for tests and tuning: how many system calls moved how many
 * datagrams (a batch of queued sends costs one sendmmsg per 64 datagrams). */
typedef struct tick_udp_stats_s {
  uint64_t send_calls;         /* sendmmsg calls for queued sends (try_send not counted) */
  uint64_t datagrams_sent;     /* datagrams those calls handed to the kernel */
  uint64_t recv_calls;         /* recvmmsg/recvmsg calls that returned data or an error */
  uint64_t datagrams_received;
} tick_udp_stats_t;

/* Copies the handle's counters to *stats. Returns 0, TICK_EINVAL, TICK_ESTALE,
 * TICK_ECLOSING. */
int tick_udp_get_stats(const tick_loop_t *loop, tick_udp_t udp, tick_udp_stats_t *stats);

/* Whether an active handle keeps the loop alive (default: yes). Queued sends keep it
 * alive either way. Returns 0, TICK_ESTALE, TICK_ECLOSING. */
int tick_udp_ref(tick_loop_t *loop, tick_udp_t udp);
int tick_udp_unref(tick_loop_t *loop, tick_udp_t udp);

/* Closes the handle: receiving stops, and queued sends are tried once more without
 * blocking (a datagram sent just before the close leaves, as in libuv and Node); then, in
 * the close phase of this iteration, every send not yet reported gets its callback (0 if
 * the kernel had taken it, its error if it refused it, else TICK_ECANCELED) and pending one-shot receives reject with TICK_ECANCELED, in order,
 * each as a macrotask; then the socket is closed, the id becomes stale and
 * `close_cb(loop, arg)` (may be NULL) runs, exactly once. After that the receive buffer
 * may be freed. Returns 0, TICK_ECLOSING (already closing), TICK_ESTALE (closed),
 * TICK_EINVAL. tick_loop_destroy returns TICK_EBUSY while a handle is open. */
int tick_udp_close(tick_loop_t *loop, tick_udp_t udp, tick_close_cb close_cb, void *arg);

#endif
