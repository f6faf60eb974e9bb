/* tick/tcp.h - TCP on the loop: listen/accept, connect, bind, options. Included by
 * <tick.h>. A TCP socket is a stream (tick/stream.h): read, write, shutdown and close it
 * with the stream calls. IPv4 and IPv6; addresses are `struct sockaddr` (sockaddr_in or
 * sockaddr_in6), or "ip" strings plus a port with the _ip conveniences.
 *
 * A typical server:   tick_tcp_create -> tick_tcp_bind_ip -> tick_tcp_listen, then each
 *                     accepted stream: tick_stream_read_start / tick_stream_write / tick_stream_close.
 * A typical client:   tick_tcp_create -> tick_tcp_connect_host (a name or an address;
 *                     callback or promise) -> read and write -> tick_stream_close.
 *
 * EMFILE. When accept fails for lack of file descriptors (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM), the listener stops accepting for TICK_TCP_ACCEPT_PAUSE_MS milliseconds and
 * reports the error once to its accept callback (status < 0, no stream); the connections
 * waiting meanwhile stay in the kernel's backlog and are accepted when it resumes. The
 * listener stays open and keeps the loop alive; nothing spins. See docs/io.md.
 *
 * All functions here are "loop thread" (TICK_EWRONGTHREAD from another thread). A stream
 * that is not TCP (tick_pipe_open) gives TICK_ENOTSOCK to the TCP-only calls.
 */
#ifndef TICK_TCP_H
#define TICK_TCP_H

#include <stdint.h>
#include <sys/socket.h>

/* How long a listener pauses after an accept failed for lack of descriptors. */
#define TICK_TCP_ACCEPT_PAUSE_MS 100

/* tick_tcp_connect_host: how long one address is tried before the next one starts (as
 * Node's default autoSelectFamilyAttemptTimeout). */
#define TICK_TCP_ATTEMPT_TIMEOUT_MS 250

/* The accept callback: `status` 0 and a new connected stream in `client`, which the
 * callback now owns (read, write, and close it eventually; closing it at once rejects
 * the connection); or `status` < 0 (TICK_EMFILE, TICK_ENFILE...) and client.id ==
 * TICK_NULL_ID. Runs in the poll phase; one listener accepts up to 64 connections per
 * poll phase, each its own macrotask. */
typedef void (*tick_accept_cb)(tick_loop_t *loop, tick_stream_t listener, int status,
                               tick_stream_t client, void *arg);

/* Creates a TCP stream. `family` is AF_INET, AF_INET6, or AF_UNSPEC (the socket is made
 * at bind or connect, with the address's family). Returns 0 and sets *stream_out,
 * TICK_EINVAL (other family, NULL out), TICK_ENOMEM, TICK_EMFILE or another system error
 * from socket(). The stream must be closed with tick_stream_close. */
int tick_tcp_create(tick_loop_t *loop, int family, tick_stream_t *stream_out);

/* Parses "ip" (dotted IPv4 or IPv6 text, no brackets, no names) and `port` (0-65535) into
 * *addr (sockaddr_in or sockaddr_in6). Returns 0 or TICK_EINVAL. Any thread. */
int tick_ip_addr(const char *ip, int port, struct sockaddr_storage *addr);

/* bind flags. */
enum {
  TICK_TCP_IPV6ONLY = 1u << 0, /* IPV6_V6ONLY on an AF_INET6 socket */
  TICK_TCP_REUSEPORT = 1u << 1 /* SO_REUSEPORT: several listeners share the port */
};

/* Binds to `addr` (SO_REUSEADDR is always set, as libuv and Node do). Port 0 picks a free
 * port: read it with tick_tcp_getsockname. Returns 0, TICK_EINVAL (NULL addr, a family
 * other than the socket's, unknown flags), TICK_EALREADY (already bound, listening or
 * connected), TICK_EADDRINUSE, TICK_EADDRNOTAVAIL, TICK_EACCES, TICK_ESTALE,
 * TICK_ECLOSING, TICK_ENOTSOCK. */
int tick_tcp_bind(tick_loop_t *loop, tick_stream_t stream, const struct sockaddr *addr,
                  unsigned flags);
int tick_tcp_bind_ip(tick_loop_t *loop, tick_stream_t stream, const char *ip, int port,
                     unsigned flags);

/* Listens (binding first to 0.0.0.0:0 / [::]:0 if not bound) with the given `backlog`
 * (<= 0: 511, Node's default) and calls `cb` for each accepted connection or accept
 * error. New streams are made with accept4(SOCK_NONBLOCK|SOCK_CLOEXEC) and inherit
 * nothing but the loop. A listening stream is active. Returns 0, TICK_EINVAL (NULL cb),
 * TICK_EALREADY (listening or connected), a system error from listen(), TICK_ESTALE,
 * TICK_ECLOSING, TICK_ENOTSOCK. */
int tick_tcp_listen(tick_loop_t *loop, tick_stream_t stream, int backlog,
                    tick_accept_cb cb, void *arg);

/* Connects to `addr` and calls `cb(loop, stream, status, arg)` once: 0 when connected
 * (read and write from then on), TICK_ECONNREFUSED, TICK_ETIMEDOUT when `timeout_ms` > 0
 * passed first (0: no timeout besides the kernel's), TICK_ECANCELED when the stream was
 * closed first, or another system error. After a failed connect the stream can only be
 * closed (a new connect returns TICK_EINVAL). `cb` may be NULL. Returns 0 (accepted: the
 * callback will run), TICK_EINVAL,
 * TICK_EALREADY (connecting, connected or listening), TICK_ENOMEM, TICK_ESTALE,
 * TICK_ECLOSING, TICK_ENOTSOCK. */
int tick_tcp_connect(tick_loop_t *loop, tick_stream_t stream, const struct sockaddr *addr,
                     int64_t timeout_ms, tick_stream_cb cb, void *arg);
int tick_tcp_connect_ip(tick_loop_t *loop, tick_stream_t stream, const char *ip, int port,
                        int64_t timeout_ms, tick_stream_cb cb, void *arg);

/* Promise forms of tick_tcp_connect and tick_tcp_connect_ip (tick_promise_cancel ends
 * the connect as a timeout would, with its code): fulfilled with a NULL value
 * when connected, rejected with the error code (see tick/stream.h, "Promise forms"). */
int tick_tcp_connect_promise(tick_loop_t *loop, tick_stream_t stream,
                             const struct sockaddr *addr, int64_t timeout_ms,
                             tick_promise_t **promise_out);
int tick_tcp_connect_ip_promise(tick_loop_t *loop, tick_stream_t stream, const char *ip,
                                int port, int64_t timeout_ms, tick_promise_t **promise_out);

/* Connects to `host`, a host name or an IP address text, and `port` (0-65535), as Node's
 * net.connect(port, host), and calls `cb(loop, stream, status, arg)` (may be NULL) once.
 * An address text is connected to at once, as tick_tcp_connect_ip. A name is looked up
 * with tick_getaddrinfo (tick/dns.h: on the loop's pool), restricted to the stream's
 * family if it has a socket already (tick_tcp_create with AF_INET or AF_INET6, or a
 * bind). Then the addresses are tried one at a time, as Node 20 does by default
 * (autoSelectFamily true): in the resolver's order with the two families interleaved,
 * starting with the first address's family; an attempt that fails, or that has not
 * connected after TICK_TCP_ATTEMPT_TIMEOUT_MS while other addresses remain, is abandoned
 * (its socket closed) and the next address gets a new socket. The last address is tried
 * until it connects or fails. A bound stream keeps its socket, so it gets one attempt.
 * Status: 0 when connected; the lookup's error (TICK_EAI_NONAME ...) if the name does not
 * resolve; else the last attempt's error (TICK_ECONNREFUSED ...); TICK_ETIMEDOUT when
 * `timeout_ms` > 0 passed first (it covers the lookup and every attempt; 0: no limit
 * besides the kernel's); TICK_ECANCELED when the stream was closed first (whether the
 * lookup or an attempt was under way: closing the stream is how a connect is
 * cancelled). The callback runs as a macrotask, never from inside this call. While the
 * request is under way the stream counts as connecting (TICK_EALREADY to a second
 * connect, TICK_ENOTCONN to reads and writes) and keeps the loop alive. After a failure
 * the stream can only be closed. `host` is copied. Returns 0 (accepted: the callback
 * will run), TICK_EINVAL (NULL host, port out of range, a stream whose connect failed),
 * TICK_EALREADY, TICK_ENOMEM, TICK_EAGAIN (the loop's pool could not start a thread),
 * TICK_ESTALE, TICK_ECLOSING, TICK_ENOTSOCK, or for an address text the returns of
 * tick_tcp_connect. The promise form settles as the callback would report. */
int tick_tcp_connect_host(tick_loop_t *loop, tick_stream_t stream, const char *host,
                          int port, int64_t timeout_ms, tick_stream_cb cb, void *arg);
int tick_tcp_connect_host_promise(tick_loop_t *loop, tick_stream_t stream, const char *host,
                                  int port, int64_t timeout_ms,
                                  tick_promise_t **promise_out);

/* The local / remote address, written to *addr (sockaddr_in or sockaddr_in6). Returns 0,
 * TICK_EINVAL, TICK_EBADF (no socket yet), TICK_ENOTCONN (getpeername, not connected),
 * TICK_ESTALE, TICK_ECLOSING, TICK_ENOTSOCK. */
int tick_tcp_getsockname(const tick_loop_t *loop, tick_stream_t stream,
                         struct sockaddr_storage *addr);
int tick_tcp_getpeername(const tick_loop_t *loop, tick_stream_t stream,
                         struct sockaddr_storage *addr);
/* The port of a sockaddr_in/sockaddr_in6 (host order), or TICK_EINVAL. Any thread. */
int tick_ip_port(const struct sockaddr_storage *addr);

/* TCP_NODELAY on (1) or off (0): off by default, as in libuv. Applied now if the socket
 * exists, else when it is made. Returns 0, a system error, TICK_ESTALE, TICK_ECLOSING,
 * TICK_ENOTSOCK. */
int tick_tcp_nodelay(tick_loop_t *loop, tick_stream_t stream, int enable);

/* SO_KEEPALIVE on or off; when on, `delay_s` (1 to 32767) is the idle time before the
 * first probe (TCP_KEEPIDLE). Same returns as tick_tcp_nodelay, plus TICK_EINVAL for a
 * delay out of that range with enable (the option is then left as it was). */
int tick_tcp_keepalive(tick_loop_t *loop, tick_stream_t stream, int enable,
                       unsigned delay_s);

#endif
