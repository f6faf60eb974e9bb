/* tcp.c - TCP streams: sockets, bind, listen/accept, connect with timeout, options.
 *
 * Accepting uses accept4(SOCK_NONBLOCK|SOCK_CLOEXEC), up to ACCEPTS_PER_EVENT per poll
 * phase so one busy listener cannot starve the other fds. When accept fails for lack of
 * descriptors or memory the listener drops its epoll interest for
 * TICK_TCP_ACCEPT_PAUSE_MS and reports the error once: level-triggered epoll would
 * otherwise report the same pending connection forever (the classic EMFILE spin). The
 * waiting connections stay in the kernel's backlog meanwhile; see docs/design/io.md for why we
 * chose this over libuv's reserve-descriptor trick, which drops them.
 */
#include "io/stream.h"
#include "promise/promise.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPTS_PER_EVENT 64
#define DEFAULT_BACKLOG 511
#define TCP_KEEPIDLE_MAX 32767 /* Linux's MAX_TCP_KEEPIDLE, in seconds */

static int tcp_get(const tick_loop_t *loop, tick_stream_t stream, tick__stream_t **out) {
  int r = tick__stream_get(loop, stream, out);
  if (r != 0) return r;
  if (!((*out)->flags & TICK__S_TCP)) return TICK_ENOTSOCK;
  return 0;
}

static int apply_options(tick__stream_t *s) {
  int on = 1;
  if ((s->flags & TICK__S_NODELAY) &&
      setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
    return tick_translate_errno(errno);
  if (s->keepalive != 0) {
    int idle = (int)s->keepalive;
    if (setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0 ||
        setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0)
      return tick_translate_errno(errno);
  }
  return 0;
}

/* Makes the socket if the stream has none yet; `family` must match an existing one. */
static int ensure_socket(tick_loop_t *loop, tick__stream_t *s, int family) {
  int fd, r;
  if (family != AF_INET && family != AF_INET6) return TICK_EINVAL;
  if (s->fd >= 0) return family == s->family ? 0 : TICK_EINVAL;
  if (s->flags & TICK__S_FAILED) return TICK_EINVAL;
  fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tick_translate_errno(errno);
  r = tick__stream_set_fd(loop, s, fd);
  if (r == 0) {
    s->family = family;
    r = apply_options(s);
    if (r == 0) return 0;
    tick__fd_unclaim(loop, fd);
    s->fd = -1;
  }
  close(fd);
  return r;
}

int tick_tcp_create(tick_loop_t *loop, int family, tick_stream_t *stream_out) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (stream_out == NULL) return TICK_EINVAL;
  if (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC) return TICK_EINVAL;
  r = tick__stream_new(loop, -1, TICK__S_TCP | TICK__S_SOCKET, &s);
  if (r != 0) return r;
  if (family != AF_UNSPEC) {
    r = ensure_socket(loop, s, family);
    if (r != 0) {
      tick__stream_discard(loop, s);
      return r;
    }
  }
  TICK__NOTE_SITE(loop, TICK__SITE_ID, s->id);
  stream_out->id = s->id;
  return 0;
}

int tick_ip_addr(const char *ip, int port, struct sockaddr_storage *addr) {
  if (ip == NULL || addr == NULL || port < 0 || port > 65535) return TICK_EINVAL;
  memset(addr, 0, sizeof(*addr));
  {
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)addr;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
      a4->sin_family = AF_INET;
      a4->sin_port = htons((uint16_t)port);
      return 0;
    }
  }
  {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)addr;
    if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
      a6->sin6_family = AF_INET6;
      a6->sin6_port = htons((uint16_t)port);
      return 0;
    }
  }
  return TICK_EINVAL;
}

int tick_ip_port(const struct sockaddr_storage *addr) {
  if (addr == NULL) return TICK_EINVAL;
  if (addr->ss_family == AF_INET)
    return ntohs(((const struct sockaddr_in *)(const void *)addr)->sin_port);
  if (addr->ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)(const void *)addr)->sin6_port);
  return TICK_EINVAL;
}

static socklen_t addr_len(const struct sockaddr *addr) {
  return addr->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                     : (socklen_t)sizeof(struct sockaddr_in);
}

int tick_tcp_bind(tick_loop_t *loop, tick_stream_t stream, const struct sockaddr *addr,
                  unsigned flags) {
  tick__stream_t *s;
  int r, on = 1;
  TICK__CHECK_LOOP(loop);
  if (addr == NULL || (flags & ~(unsigned)(TICK_TCP_IPV6ONLY | TICK_TCP_REUSEPORT)))
    return TICK_EINVAL;
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & (TICK__S_BOUND | TICK__S_LISTENING | TICK__S_CONNECTING |
                  TICK__S_CONNECTED))
    return TICK_EALREADY;
  if ((flags & TICK_TCP_IPV6ONLY) && addr->sa_family != AF_INET6) return TICK_EINVAL;
  r = ensure_socket(loop, s, addr->sa_family);
  if (r != 0) return r;
  if (setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
    return tick_translate_errno(errno);
  if ((flags & TICK_TCP_REUSEPORT) &&
      setsockopt(s->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
    return tick_translate_errno(errno);
  if (addr->sa_family == AF_INET6) {
    int v6only = (flags & TICK_TCP_IPV6ONLY) ? 1 : 0;
    if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0)
      return tick_translate_errno(errno);
  }
  if (bind(s->fd, addr, addr_len(addr)) != 0) return tick_translate_errno(errno);
  s->flags |= TICK__S_BOUND;
  return 0;
}

int tick_tcp_bind_ip(tick_loop_t *loop, tick_stream_t stream, const char *ip, int port,
                     unsigned flags) {
  struct sockaddr_storage a;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick_ip_addr(ip, port, &a);
  if (r != 0) return r;
  return tick_tcp_bind(loop, stream, (const struct sockaddr *)&a, flags);
}

/* ------------------------------------------------------------ accepting ---- */

static void accept_resume(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  tick__stream_t *s = arg;
  (void)timer;
  s->timer.id = TICK_NULL_ID;
  s->flags &= ~(uint32_t)TICK__S_PAUSED;
  tick__stream_update(loop, s);
}

static void accept_call(tick_loop_t *loop, tick__stream_t *s, int status, uint64_t client) {
  tick_stream_t l, c;
  l.id = s->id;
  c.id = client;
  loop->depth++;
  s->accept_cb(loop, l, status, c, s->req_arg);
  loop->depth--;
  tick__drain(loop);
}

void tick__tcp_accept_io(tick_loop_t *loop, tick__stream_t *s) {
  int i;
  for (i = 0; i < ACCEPTS_PER_EVENT; i++) {
    tick__stream_t *c;
    int fd, r;
    if ((s->flags & (TICK__S_CLOSING | TICK__S_LISTENING | TICK__S_PAUSED)) !=
        TICK__S_LISTENING)
      return;
    fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      /* Out of descriptors or memory (or anything unexpected): stop asking for a while
       * so the loop does not spin on the same pending connection, and say so once. */
      if (tick_set_timeout(loop, TICK_TCP_ACCEPT_PAUSE_MS, accept_resume, s, &s->timer) ==
          0) {
        tick_timer_unref(loop, s->timer);
        s->flags |= TICK__S_PAUSED;
        tick__stream_update(loop, s);
      }
      accept_call(loop, s, tick_translate_errno(err), TICK_NULL_ID);
      return;
    }
    {
      /* As in Node, the accepted connection's handle is made before the listener's
       * callback is entered: it starts with no async context (tick/context.h). */
      void *context = tick__context_current(loop);
      tick__context_set(loop, NULL);
      r = tick__stream_new(loop, fd, TICK__S_TCP | TICK__S_SOCKET | TICK__S_CONNECTED, &c);
      tick__context_set(loop, context);
    }
    if (r != 0) {
      close(fd); /* the peer sees the connection closed */
      accept_call(loop, s, r, TICK_NULL_ID);
      continue;
    }
    c->family = s->family;
    /* An accepted connection was made where its listener was. */
    if (loop->obs.record_sites)
      tick__site_note(loop, TICK__SITE_ID, c->id, tick__site_get(loop, TICK__SITE_ID, s->id));
    accept_call(loop, s, 0, c->id);
  }
}

int tick_tcp_listen(tick_loop_t *loop, tick_stream_t stream, int backlog, tick_accept_cb cb,
                    void *arg) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & (TICK__S_LISTENING | TICK__S_CONNECTING | TICK__S_CONNECTED))
    return TICK_EALREADY;
  if (!(s->flags & TICK__S_BOUND)) {
    struct sockaddr_storage any;
    tick_ip_addr(s->family == AF_INET6 ? "::" : "0.0.0.0", 0, &any);
    r = tick_tcp_bind(loop, stream, (struct sockaddr *)&any, 0);
    if (r != 0) return r;
  }
  if (listen(s->fd, backlog > 0 ? backlog : DEFAULT_BACKLOG) != 0)
    return tick_translate_errno(errno);
  s->accept_cb = cb;
  s->req_arg = arg;
  s->flags |= TICK__S_LISTENING;
  r = tick__stream_update(loop, s);
  if (r != 0) s->flags &= ~(uint32_t)TICK__S_LISTENING;
  return r;
}

/* ------------------------------------------------------------ connecting ---- */

void tick__tcp_connect_finish(tick_loop_t *loop, tick__stream_t *s, int status) {
  tick_stream_cb cb = s->connect_cb;
  void *arg = s->req_arg;
  tick_stream_t id;
  s->flags &= ~(uint32_t)TICK__S_CONNECTING;
  s->connect_cb = NULL;
  tick_clear_timer(loop, s->timer);
  s->timer.id = TICK_NULL_ID;
  s->flags |= status == 0 ? TICK__S_CONNECTED : TICK__S_FAILED;
  id.id = s->id;
  /* The interest set is brought up to date after the callback: a callback that starts
   * reading turns EPOLLOUT into EPOLLIN with one EPOLL_CTL_MOD instead of a DEL then an
   * ADD (connection churn). Until then a stale EPOLLOUT can only wake this stream's
   * handler, which ignores events it does not want. */
  if (cb != NULL) cb(loop, id, status, arg);
  if (!(s->flags & TICK__S_CLOSING)) tick__stream_update(loop, s);
}

/* Poll phase: the socket became writable (connected) or failed. */
void tick__tcp_connect_io(tick_loop_t *loop, tick__stream_t *s) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  loop->depth++;
  tick__tcp_connect_finish(loop, s, err ? tick_translate_errno(err) : 0);
  loop->depth--;
  tick__drain(loop);
}

static void connect_timeout(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  tick__stream_t *s = arg;
  (void)timer;
  s->timer.id = TICK_NULL_ID;
  tick__tcp_connect_finish(loop, s, TICK_ETIMEDOUT); /* a timer callback: a macrotask */
}

/* A connect that finished inside tick_tcp_connect reports in a next-tick. */
static void connect_tick(tick_loop_t *loop, void *arg) {
  tick__stream_t *s = arg;
  /* The record lives until its close phase, which comes after this drain; a close in
   * between leaves the request to be cancelled there. */
  if (!(s->flags & TICK__S_CONNECTING) || (s->flags & TICK__S_CLOSING)) return;
  tick__tcp_connect_finish(loop, s, (int)s->pending_status);
}

int tick_tcp_connect(tick_loop_t *loop, tick_stream_t stream, const struct sockaddr *addr,
                     int64_t timeout_ms, tick_stream_cb cb, void *arg) {
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (addr == NULL) return TICK_EINVAL;
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & (TICK__S_LISTENING | TICK__S_CONNECTING | TICK__S_CONNECTED))
    return TICK_EALREADY;
  if (s->flags & TICK__S_FAILED) return TICK_EINVAL; /* a failed socket cannot retry */
  r = ensure_socket(loop, s, addr->sa_family);
  if (r != 0) return r;
  r = tick__stream_reserve_tick(loop);
  if (r != 0) return r;
  if (timeout_ms > 0) {
    r = tick_set_timeout(loop, timeout_ms, connect_timeout, s, &s->timer);
    if (r != 0) return r;
    tick_timer_unref(loop, s->timer); /* the connecting stream keeps the loop alive */
  }
  s->connect_cb = cb;
  s->req_arg = arg;
  s->flags |= TICK__S_CONNECTING;
  do {
    r = connect(s->fd, addr, addr_len(addr));
  } while (r != 0 && errno == EINTR);
  if (r != 0 && errno == EINPROGRESS) {
    r = tick__stream_update(loop, s);
    if (r == 0) return 0;
  } else {
    r = r == 0 ? 0 : tick_translate_errno(errno);
  }
  /* Finished (or failed) at once: report it after this call returns. */
  s->pending_status = r;
  tick__tick_push(loop, connect_tick, s);
  return 0;
}

int tick_tcp_connect_ip(tick_loop_t *loop, tick_stream_t stream, const char *ip, int port,
                        int64_t timeout_ms, tick_stream_cb cb, void *arg) {
  struct sockaddr_storage a;
  int r;
  TICK__CHECK_LOOP(loop);
  r = tick_ip_addr(ip, port, &a);
  if (r != 0) return r;
  return tick_tcp_connect(loop, stream, (const struct sockaddr *)&a, timeout_ms, cb, arg);
}

static void connect_promise_hook(tick_loop_t *loop, tick_stream_t stream, tick_promise_t *p);

int tick_tcp_connect_promise(tick_loop_t *loop, tick_stream_t stream,
                             const struct sockaddr *addr, int64_t timeout_ms,
                             tick_promise_t **promise_out) {
  tick_promise_t *p;
  tick_resolver_t *res;
  int r = tick__stream_promise_begin(loop, promise_out, &p, &res);
  if (r != 0) return r;
  r = addr == NULL ? TICK_EINVAL
                   : tick_tcp_connect(loop, stream, addr, timeout_ms, tick__stream_settle_cb, res);
  if (r == 0) connect_promise_hook(loop, stream, p);
  return tick__stream_promise_end(r, p, res, promise_out);
}

int tick_tcp_connect_ip_promise(tick_loop_t *loop, tick_stream_t stream, const char *ip,
                                int port, int64_t timeout_ms, tick_promise_t **promise_out) {
  struct sockaddr_storage a;
  int r;
  TICK__CHECK_LOOP(loop);
  if (promise_out == NULL) return TICK_EINVAL;
  r = tick_ip_addr(ip, port, &a);
  if (r != 0) return r;
  return tick_tcp_connect_promise(loop, stream, (const struct sockaddr *)&a, timeout_ms,
                                  promise_out);
}

/* ------------------------------------------------------------ connecting by name ---- */

/* tick_tcp_connect_host: a host name resolved with tick_getaddrinfo (on the loop's pool),
 * then the addresses tried one after the other as Node 20's net.connect does by default
 * (autoSelectFamily): the families interleaved, starting with the resolver's first
 * address, each attempt but the last given TICK_TCP_ATTEMPT_TIMEOUT_MS before the next
 * one starts on a fresh socket.
 *
 * The stream is marked connecting from the start, with host_done as its connect
 * callback, so everything that ends a connect ends this one the same way: the close
 * phase cancels it (TICK_ECANCELED), an attempt's failure or timeout reaches host_done,
 * which either starts the next attempt or reports. The record lives until both the
 * caller has had its one report and the lookup has called back. */
typedef struct host_connect_s {
  tick__stream_t *s;
  tick_stream_cb cb;
  void *arg;
  tick_dns_t dns;
  tick_timer_t deadline;   /* the caller's timeout_ms, over the lookup and every attempt */
  tick_timer_t attempt;    /* the current attempt's turn */
  struct sockaddr_storage *addrs;
  size_t naddrs, next;
  int dns_pending;         /* the lookup has not called back */
  int reported;            /* the caller has had its report */
  int ending;              /* TICK_ETIMEDOUT from the deadline, not an attempt's turn */
} host_connect_t;

static void host_free_if_done(host_connect_t *h) {
  if (!h->reported || h->dns_pending) return;
  tick__free(h->addrs);
  tick__free(h);
}

/* The one report: stops the timers and the lookup, then calls the caller's callback. */
static void host_report(tick_loop_t *loop, host_connect_t *h, int status) {
  tick_stream_t id;
  h->reported = 1;
  tick_clear_timer(loop, h->deadline);
  tick_clear_timer(loop, h->attempt);
  if (h->dns_pending) tick_dns_cancel(loop, h->dns); /* its callback frees the record */
  id.id = h->s->id;
  if (h->cb != NULL) h->cb(loop, id, status, h->arg);
  host_free_if_done(h);
}

static void host_done(tick_loop_t *loop, tick_stream_t stream, int status, void *arg);

/* The current attempt's turn is over while others remain: it fails with TICK_ETIMEDOUT
 * and the next one starts (a timer callback: a macrotask). */
static void host_attempt_timeout(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  host_connect_t *h = arg;
  (void)timer;
  h->attempt.id = TICK_NULL_ID;
  if (h->s->flags & TICK__S_CLOSING) return; /* the close phase reports */
  tick__tcp_connect_finish(loop, h->s, TICK_ETIMEDOUT);
}

/* The caller's timeout: ends the lookup or the attempt under way with TICK_ETIMEDOUT. */
static void host_deadline(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  host_connect_t *h = arg;
  (void)timer;
  h->deadline.id = TICK_NULL_ID;
  if (h->s->flags & TICK__S_CLOSING) return;
  h->ending = 1;
  tick__tcp_connect_finish(loop, h->s, TICK_ETIMEDOUT);
}

/* Starts the attempts from h->next on, each on a fresh socket; reports once none is left
 * (with the last attempt's error). A bound stream keeps its socket: it gets one attempt. */
static void host_attempt(tick_loop_t *loop, host_connect_t *h, int last_error) {
  tick__stream_t *s = h->s;
  tick_stream_t id;
  id.id = s->id;
  s->flags &= ~(uint32_t)(TICK__S_CONNECTING | TICK__S_RESOLVING);
  while (h->next < h->naddrs) {
    const struct sockaddr *a = (const struct sockaddr *)&h->addrs[h->next++];
    int r;
    if (s->fd >= 0 && (s->flags & TICK__S_FAILED)) {
      if (s->flags & TICK__S_BOUND) break;
      /* A socket tick made and never lent leaves epoll when it is closed; the connect
       * registers the new one. */
      tick__io_unwatch(loop, s->fd, &s->registered, 0);
      tick__fd_unclaim(loop, s->fd);
      close(s->fd);
      s->fd = -1;
      s->flags &= ~(uint32_t)TICK__S_FAILED;
    }
    r = tick_tcp_connect(loop, id, a, 0, host_done, h);
    if (r == 0) {
      if (h->next < h->naddrs &&
          tick_set_timeout(loop, TICK_TCP_ATTEMPT_TIMEOUT_MS, host_attempt_timeout, h,
                           &h->attempt) == 0)
        tick_timer_unref(loop, h->attempt); /* the connecting stream keeps the loop alive */
      return;
    }
    last_error = r;
    if (s->fd >= 0) s->flags |= TICK__S_FAILED; /* the next attempt starts afresh */
  }
  s->flags |= TICK__S_FAILED;
  tick__stream_update(loop, s);
  host_report(loop, h, last_error);
}

/* The stream's connect callback for the whole request: the end of the lookup phase (by
 * the deadline or the close) or of an attempt. */
static void host_done(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  host_connect_t *h = arg;
  (void)stream;
  h->s->flags &= ~(uint32_t)TICK__S_RESOLVING;
  tick_clear_timer(loop, h->attempt);
  h->attempt.id = TICK_NULL_ID;
  if (status == 0 || status == TICK_ECANCELED || h->ending)
    host_report(loop, h, status);
  else
    host_attempt(loop, h, status);
}

/* Copies the usable addresses of `list` into h->addrs, the two families interleaved
 * starting with the first address's (as Node orders its attempts). */
static int host_take_addresses(host_connect_t *h, const struct addrinfo *list) {
  const struct addrinfo *ai, *p[2];
  size_t n = 0;
  int fam[2], k = 0;
  for (ai = list; ai != NULL; ai = ai->ai_next)
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        ai->ai_addrlen <= sizeof(struct sockaddr_storage))
      n++;
  if (n == 0) return TICK_EAI_NONAME;
  h->addrs = tick__reallocarray(NULL, n, sizeof(*h->addrs));
  if (h->addrs == NULL) return TICK_ENOMEM;
  p[0] = p[1] = list;
  fam[0] = AF_INET6;
  for (ai = list; ai != NULL; ai = ai->ai_next)
    if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
      fam[0] = ai->ai_family;
      break;
    }
  fam[1] = fam[0] == AF_INET ? AF_INET6 : AF_INET;
  while (h->naddrs < n) {
    while (p[k] != NULL && !(p[k]->ai_family == fam[k] &&
                             p[k]->ai_addrlen <= sizeof(struct sockaddr_storage)))
      p[k] = p[k]->ai_next;
    if (p[k] != NULL) {
      memset(&h->addrs[h->naddrs], 0, sizeof(h->addrs[0]));
      memcpy(&h->addrs[h->naddrs++], p[k]->ai_addr, p[k]->ai_addrlen);
      p[k] = p[k]->ai_next;
    }
    k = 1 - k;
  }
  return 0;
}

/* The lookup's callback (a macrotask of the poll phase). */
static void host_resolved(tick_loop_t *loop, int status, struct addrinfo *res, void *arg) {
  host_connect_t *h = arg;
  h->dns_pending = 0;
  if (h->reported || (h->s->flags & TICK__S_CLOSING)) {
    /* Reported already (the lookup was cancelled), or the close phase will report. */
    tick_freeaddrinfo(res);
    host_free_if_done(h);
    return;
  }
  if (status == 0) status = host_take_addresses(h, res);
  tick_freeaddrinfo(res);
  if (status != 0) {
    tick__tcp_connect_finish(loop, h->s, status); /* host_done reports it */
    return;
  }
  host_attempt(loop, h, TICK_EAI_NONAME);
}

int tick_tcp_connect_host(tick_loop_t *loop, tick_stream_t stream, const char *host, int port,
                          int64_t timeout_ms, tick_stream_cb cb, void *arg) {
  struct sockaddr_storage a;
  struct addrinfo hints;
  char service[8];
  host_connect_t *h;
  tick__stream_t *s;
  int r;
  TICK__CHECK_LOOP(loop);
  if (host == NULL || port < 0 || port > 65535) return TICK_EINVAL;
  if (tick_ip_addr(host, port, &a) == 0) /* an address already: no lookup */
    return tick_tcp_connect(loop, stream, (const struct sockaddr *)&a, timeout_ms, cb, arg);
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->flags & (TICK__S_LISTENING | TICK__S_CONNECTING | TICK__S_CONNECTED))
    return TICK_EALREADY;
  if (s->flags & TICK__S_FAILED) return TICK_EINVAL;
  h = tick__calloc(1, sizeof(*h));
  if (h == NULL) return TICK_ENOMEM;
  h->s = s;
  h->cb = cb;
  h->arg = arg;
  if (timeout_ms > 0) {
    r = tick_set_timeout(loop, timeout_ms, host_deadline, h, &h->deadline);
    if (r != 0) {
      tick__free(h);
      return r;
    }
    tick_timer_unref(loop, h->deadline);
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = s->fd >= 0 ? s->family : AF_UNSPEC; /* a socket made already decides */
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  snprintf(service, sizeof(service), "%d", port);
  r = tick_getaddrinfo(loop, host, service, &hints, host_resolved, h, &h->dns);
  if (r != 0) {
    tick_clear_timer(loop, h->deadline);
    tick__free(h);
    return r;
  }
  h->dns_pending = 1;
  s->connect_cb = host_done;
  s->req_arg = h;
  s->flags |= TICK__S_CONNECTING | TICK__S_RESOLVING;
  tick__stream_update(loop, s); /* active (keeps the loop alive), no fd interest yet */
  return 0;
}

/* The connect promises' abort hook (tick_promise_cancel): the connect ends now as a
 * timeout would, with `code`: the attempt's socket is abandoned (the stream can then
 * only be closed) and, for a host name, the lookup is cancelled and no further address
 * is tried. That holds also for a connect that finished inside the call and waits for
 * its next-tick: cancellation wins until the promise has settled. The stream record
 * outlives the pending promise (the close phase rejects it first). */
static void connect_promise_abort(tick_loop_t *loop, void *op, int code) {
  tick__stream_t *s = op;
  if (!(s->flags & TICK__S_CONNECTING) || (s->flags & TICK__S_CLOSING)) return;
  if (s->connect_cb == host_done) ((host_connect_t *)s->req_arg)->ending = 1;
  tick__tcp_connect_finish(loop, s, code);
}

/* Registers the abort hook once a connect promise's request was accepted. */
static void connect_promise_hook(tick_loop_t *loop, tick_stream_t stream, tick_promise_t *p) {
  tick__stream_t *s;
  if (tick__stream_get(loop, stream, &s) == 0)
    (void)tick__promise_set_abort(p, connect_promise_abort, s);
}

int tick_tcp_connect_host_promise(tick_loop_t *loop, tick_stream_t stream, const char *host,
                                  int port, int64_t timeout_ms,
                                  tick_promise_t **promise_out) {
  tick_promise_t *p;
  tick_resolver_t *res;
  int r;
  TICK__CHECK_LOOP(loop);
  if (promise_out == NULL || host == NULL) return TICK_EINVAL;
  r = tick_promise_create_deferred(loop, &p, &res);
  if (r != 0) return r;
  r = tick_tcp_connect_host(loop, stream, host, port, timeout_ms, tick__stream_settle_cb, res);
  if (r != 0) {
    tick_resolver_release(res);
    tick_promise_release(p);
    return r;
  }
  connect_promise_hook(loop, stream, p);
  *promise_out = p;
  return 0;
}

/* ------------------------------------------------------------ addresses, options ---- */

static int sock_name(const tick_loop_t *loop, tick_stream_t stream,
                     struct sockaddr_storage *addr, int peer) {
  tick__stream_t *s;
  socklen_t len = sizeof(*addr);
  int r;
  TICK__CHECK_LOOP(loop);
  if (addr == NULL) return TICK_EINVAL;
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->fd < 0) return TICK_EBADF;
  memset(addr, 0, sizeof(*addr));
  r = peer ? getpeername(s->fd, (struct sockaddr *)addr, &len)
           : getsockname(s->fd, (struct sockaddr *)addr, &len);
  return r == 0 ? 0 : tick_translate_errno(errno);
}

int tick_tcp_getsockname(const tick_loop_t *loop, tick_stream_t stream,
                         struct sockaddr_storage *addr) {
  return sock_name(loop, stream, addr, 0);
}

int tick_tcp_getpeername(const tick_loop_t *loop, tick_stream_t stream,
                         struct sockaddr_storage *addr) {
  return sock_name(loop, stream, addr, 1);
}

int tick_tcp_nodelay(tick_loop_t *loop, tick_stream_t stream, int enable) {
  tick__stream_t *s;
  int r, on = enable ? 1 : 0;
  TICK__CHECK_LOOP(loop);
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->fd >= 0 && setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0)
    return tick_translate_errno(errno);
  if (on)
    s->flags |= TICK__S_NODELAY;
  else
    s->flags &= ~(uint32_t)TICK__S_NODELAY;
  return 0;
}

int tick_tcp_keepalive(tick_loop_t *loop, tick_stream_t stream, int enable,
                       unsigned delay_s) {
  tick__stream_t *s;
  int r, on = enable ? 1 : 0;
  TICK__CHECK_LOOP(loop);
  /* Checked here rather than left to setsockopt: with the socket made, SO_KEEPALIVE
   * would already be on when TCP_KEEPIDLE refused the delay; without it, the error would
   * surface later from an unrelated bind or connect. */
  if (enable && (delay_s == 0 || delay_s > TCP_KEEPIDLE_MAX)) return TICK_EINVAL;
  r = tcp_get(loop, stream, &s);
  if (r != 0) return r;
  if (s->fd >= 0) {
    int idle = (int)delay_s;
    if (setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0)
      return tick_translate_errno(errno);
    if (on && setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) != 0)
      return tick_translate_errno(errno);
  }
  s->keepalive = on ? delay_s : 0;
  return 0;
}
