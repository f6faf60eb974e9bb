/* io.c - await forms of the I/O calls (include/tick/async-io.h, docs/async-io.md).
 *
 * Each form starts the promise form of its operation (or the callback form with a
 * deferred promise when the promise form does not give the caller what it needs), awaits
 * it with tick_await and copies the outcome out. The caller's buffers are touched only
 * while the call is suspended in it or between the await's return and this function's
 * return, so nothing of the caller's is used once a cancelled function has moved on.
 */
#include "cancel/cancel.h"
#include "core/internal.h"
#include "io/stream.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

/* The loop of `co` if it is the async function running now. */
static int enter(tick_async_t *co, tick_loop_t **loop) {
  tick_loop_t *l;
  if (co == NULL) return TICK_EINVAL;
  l = tick_async_loop(co);
  if (l == NULL || tick_async_current(l) != co) return TICK_ENOTASYNC;
  *loop = l;
  return 0;
}

/* Awaits the promise of an operation. If the await was cancelled (the function or its
 * scope) while the operation is still pending, the operation is asked to stop with the
 * same code (tick_promise_cancel: it stops, or reports its real outcome to nobody). */
static int await_op(tick_async_t *co, tick_promise_t *p) {
  int rc = tick_await(co, p);
  if (TICK__UNLIKELY(rc < 0) && tick_promise_state(p) == TICK_PROMISE_PENDING)
    tick__cancel_source(p, rc);
  return rc;
}

/* Awaits `p` (await_op), then drops the caller's reference. The settled promise stays
 * readable as tick_async_result(co). */
static int await_release(tick_async_t *co, tick_promise_t *p) {
  int rc = await_op(co, p);
  tick_promise_release(p);
  return rc;
}

/* ------------------------------------------------------------------- sleep ---- */

static void sleep_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  (void)timer;
  tick_resolver_resolve(r, NULL, NULL);
  tick_resolver_release(r);
}

int tick_await_sleep(tick_async_t *co, int64_t ms) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_resolver_t *r;
  tick_timer_t timer;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_promise_create_deferred(loop, &p, &r);
  if (rc != 0) return rc;
  rc = tick_set_timeout(loop, ms, sleep_fire, r, &timer);
  if (rc != 0) {
    tick_resolver_release(r);
    tick_promise_release(p);
    return rc;
  }
  rc = tick_await(co, p);
  if (tick_promise_state(p) == TICK_PROMISE_PENDING) { /* cancelled: the timer still holds r */
    tick_clear_timer(loop, timer);
    tick_resolver_release(r);
  }
  tick_promise_release(p);
  return rc;
}

/* ----------------------------------------------------------------- streams ---- */

/* Reads straight into the caller's buffer (no buffer of the promise's, no copy). The
 * buffer is written only while the read promise is pending; an await that returns before
 * it settled (a cancel) stops it first, so nothing writes into `buf` once this returns. */
ssize_t tick_await_read(tick_async_t *co, tick_stream_t stream, void *buf, size_t len,
                        int64_t timeout_ms) {
  tick_loop_t *loop;
  tick_promise_t *p;
  size_t n;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (buf == NULL || len == 0) return TICK_EINVAL;
  rc = tick__stream_read_into_promise(loop, stream, buf, len, timeout_ms, &p);
  if (rc != 0) return rc;
  rc = await_op(co, p);
  if (rc == 0) {
    n = (size_t)(uintptr_t)tick_async_value(co);
    tick_promise_release(p);
    return (ssize_t)n;
  }
  if (tick_promise_state(p) == TICK_PROMISE_PENDING) tick__stream_read_into_abandon(loop, stream, buf);
  tick_promise_release(p);
  return rc;
}

int tick_await_write(tick_async_t *co, tick_stream_t stream, const void *buf, size_t len) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_buf_t b = tick_buf((void *)(uintptr_t)buf, len);
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (buf == NULL && len > 0) return TICK_EINVAL;
  rc = tick_stream_write_promise(loop, stream, &b, 1, &p);
  if (rc != 0) return rc;
  return await_release(co, p);
}

int tick_await_shutdown(tick_async_t *co, tick_stream_t stream) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_stream_shutdown_promise(loop, stream, &p);
  if (rc != 0) return rc;
  return await_release(co, p);
}

int tick_await_connect(tick_async_t *co, const struct sockaddr *addr, int64_t timeout_ms,
                       tick_stream_t *stream_out) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_stream_t s;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (addr == NULL || stream_out == NULL) return TICK_EINVAL;
  if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) return TICK_EINVAL;
  rc = tick_tcp_create(loop, addr->sa_family, &s);
  if (rc != 0) return rc;
  rc = tick_tcp_connect_promise(loop, s, addr, timeout_ms, &p);
  if (rc == 0) rc = await_release(co, p);
  if (rc != 0) {
    tick_stream_close(loop, s, NULL, NULL);
    return rc;
  }
  *stream_out = s;
  return 0;
}

int tick_await_connect_name(tick_async_t *co, const char *host, int port,
                            int64_t timeout_ms, tick_stream_t *stream_out) {
  tick_loop_t *loop;
  struct addrinfo hints, *res, *ai;
  char service[8];
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (host == NULL || stream_out == NULL || port < 0 || port > 65535) return TICK_EINVAL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  snprintf(service, sizeof(service), "%d", port);
  rc = tick_await_getaddrinfo(co, host, service, &hints, timeout_ms, &res);
  if (rc != 0) return rc;
  rc = TICK_EAI_NONAME;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    rc = tick_await_connect(co, ai->ai_addr, timeout_ms, stream_out);
    if (rc == 0 || rc == TICK_ENOMEM || rc == TICK_ENOTASYNC) break;
  }
  tick_freeaddrinfo(res);
  return rc;
}

/* ---------------------------------------------------------------- acceptor ---- */

struct tick_async_acceptor_s {
  tick_loop_t *loop;
  tick_stream_t listener;
  tick_stream_t *ring; /* accepted, not yet taken: ring[head .. head+count) mod cap */
  size_t head, count, cap;
  int error;               /* an accept error to report, or 0 */
  tick_resolver_t *waiter; /* the pending tick_await_accept's, or NULL */
  int refs;                /* the listener until its close callback, + a pending await */
  int closed;
};

static void acceptor_unref(tick_async_acceptor_t *a) {
  if (--a->refs > 0) return;
  tick__free(a->ring);
  tick__free(a);
}

static void acceptor_wake(tick_async_acceptor_t *a, int code) {
  tick_resolver_t *r = a->waiter;
  if (r == NULL) return;
  a->waiter = NULL;
  if (code == 0)
    tick_resolver_resolve(r, NULL, NULL);
  else
    tick_resolver_reject(r, code, NULL, NULL);
  tick_resolver_release(r);
}

static void acceptor_on_accept(tick_loop_t *loop, tick_stream_t listener, int status,
                               tick_stream_t client, void *arg) {
  tick_async_acceptor_t *a = arg;
  (void)listener;
  if (a->closed) {
    if (status == 0) tick_stream_close(loop, client, NULL, NULL);
    return;
  }
  if (status == 0 && a->count == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 8, i;
    tick_stream_t *ring = tick__reallocarray(NULL, cap, sizeof(*ring));
    if (ring == NULL) {
      tick_stream_close(loop, client, NULL, NULL);
      status = TICK_ENOMEM;
    } else {
      for (i = 0; i < a->count; i++) ring[i] = a->ring[(a->head + i) % a->cap];
      tick__free(a->ring);
      a->ring = ring;
      a->head = 0;
      a->cap = cap;
    }
  }
  if (status == 0)
    a->ring[(a->head + a->count++) % a->cap] = client;
  else
    a->error = status;
  acceptor_wake(a, 0);
}

static void acceptor_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  acceptor_unref(arg);
}

int tick_async_listen(tick_loop_t *loop, tick_stream_t listener, int backlog,
                      tick_async_acceptor_t **out) {
  tick_async_acceptor_t *a;
  int rc;
  if (loop == NULL || out == NULL) return TICK_EINVAL;
  a = tick__malloc(sizeof(*a));
  if (a == NULL) return TICK_ENOMEM;
  memset(a, 0, sizeof(*a));
  a->loop = loop;
  a->listener = listener;
  a->refs = 1;
  rc = tick_tcp_listen(loop, listener, backlog, acceptor_on_accept, a);
  if (rc != 0) {
    tick__free(a);
    return rc;
  }
  *out = a;
  return 0;
}

tick_stream_t tick_async_acceptor_stream(const tick_async_acceptor_t *acceptor) {
  tick_stream_t none = {TICK_NULL_ID};
  return acceptor != NULL ? acceptor->listener : none;
}

/* Takes a queued connection or error; 1 if there was one (*rc set). */
static int acceptor_take(tick_async_acceptor_t *a, tick_stream_t *client_out, int *rc) {
  if (a->count > 0) {
    *client_out = a->ring[a->head];
    a->head = (a->head + 1) % a->cap;
    a->count--;
    *rc = 0;
    return 1;
  }
  if (a->error != 0) {
    *rc = a->error;
    a->error = 0;
    return 1;
  }
  return 0;
}

int tick_await_accept(tick_async_t *co, tick_async_acceptor_t *a, tick_stream_t *client_out) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_resolver_t *r;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (a == NULL || client_out == NULL || a->loop != loop) return TICK_EINVAL;
  if (a->closed) return TICK_ECANCELED;
  if (a->waiter != NULL) return TICK_EBUSY;
  if (acceptor_take(a, client_out, &rc)) return rc;
  rc = tick_promise_create_deferred(loop, &p, &r);
  if (rc != 0) return rc;
  a->waiter = r;
  a->refs++;
  for (;;) {
    rc = tick_await(co, p);
    if (a->waiter == r) { /* the function was cancelled: the acceptor still holds r */
      a->waiter = NULL;
      tick_resolver_release(r);
    }
    tick_promise_release(p);
    if (rc != 0 || a->closed) break;
    if (acceptor_take(a, client_out, &rc)) break;
    /* a connection woke us and another await took it first: wait again */
    rc = tick_promise_create_deferred(loop, &p, &r);
    if (rc != 0) break;
    a->waiter = r;
  }
  if (a->closed && rc == 0) rc = TICK_ECANCELED;
  acceptor_unref(a);
  return rc;
}

int tick_async_acceptor_close(tick_async_acceptor_t *a) {
  int rc;
  if (a == NULL || a->closed) return TICK_EINVAL;
  a->closed = 1;
  while (a->count > 0) {
    tick_stream_close(a->loop, a->ring[a->head], NULL, NULL);
    a->head = (a->head + 1) % a->cap;
    a->count--;
  }
  acceptor_wake(a, TICK_ECANCELED);
  rc = tick_stream_close(a->loop, a->listener, acceptor_closed, a);
  if (rc != 0) acceptor_unref(a); /* no close callback will come */
  return rc == 0 ? 0 : rc;
}

/* -------------------------------------------------------------------- files ---- */

/* What a file request's await gave: its error, or the descriptor it opened (`want_fd`) or
 * the bytes it moved. */
static int64_t fs_result(tick_async_t *co, int rc, int want_fd) {
  const tick_fs_result_t *res;
  if (rc != 0) return rc;
  res = tick_async_value(co);
  return want_fd ? res->fd : res->nbytes;
}

int tick_await_fs_open(tick_async_t *co, const char *path, int flags, int mode) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_fs_open_promise(loop, path, flags, mode, &p, NULL);
  if (rc != 0) return rc;
  return (int)fs_result(co, await_release(co, p), 1);
}

ssize_t tick_await_fs_read(tick_async_t *co, int fd, void *buf, size_t len, int64_t offset) {
  tick_loop_t *loop;
  tick_promise_t *p;
  struct iovec iov;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  iov.iov_base = buf;
  iov.iov_len = len;
  rc = tick_fs_read_promise(loop, fd, &iov, 1, offset, &p, NULL);
  if (rc != 0) return rc;
  return (ssize_t)fs_result(co, await_release(co, p), 0);
}

int tick_await_fs_write(tick_async_t *co, int fd, const void *buf, size_t len,
                        int64_t offset) {
  tick_loop_t *loop;
  tick_promise_t *p;
  struct iovec iov;
  int64_t n;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (buf == NULL && len > 0) return TICK_EINVAL;
  do {
    iov.iov_base = (void *)(uintptr_t)buf;
    iov.iov_len = len;
    rc = tick_fs_write_promise(loop, fd, &iov, 1, offset, &p, NULL);
    if (rc != 0) return rc;
    n = fs_result(co, await_release(co, p), 0);
    if (n < 0) return (int)n;
    if (n == 0 && len > 0) return TICK_EIO; /* no progress */
    buf = (const char *)buf + n;
    len -= (size_t)n;
    if (offset >= 0) offset += n;
  } while (len > 0);
  return 0;
}

int tick_await_fs_close(tick_async_t *co, int fd) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_fs_close_promise(loop, fd, &p, NULL);
  if (rc != 0) return rc;
  return await_release(co, p);
}

int tick_await_fs_stat(tick_async_t *co, const char *path, tick_stat_t *st) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (st == NULL) return TICK_EINVAL;
  rc = tick_fs_stat_promise(loop, path, &p, NULL);
  if (rc != 0) return rc;
  rc = await_release(co, p);
  if (rc == 0) *st = ((const tick_fs_result_t *)tick_async_value(co))->stat;
  return rc;
}

/* ------------------------------------------------------------ name lookup ---- */

/* The lookup's list travels in this box, the promise's value, so that the caller can take
 * it out of the settled promise; the box frees what was not taken. */
typedef struct gai_box_s {
  tick_resolver_t *resolver;
  struct addrinfo *res;
} gai_box_t;

static void gai_box_free(void *p) {
  gai_box_t *box = p;
  tick_freeaddrinfo(box->res);
  tick__free(box);
}

static void gai_done(tick_loop_t *loop, int status, struct addrinfo *res, void *arg) {
  gai_box_t *box = arg;
  tick_resolver_t *r = box->resolver;
  (void)loop;
  box->resolver = NULL;
  box->res = res;
  if (status == 0) {
    tick_resolver_resolve(r, box, gai_box_free);
  } else {
    gai_box_free(box);
    tick_resolver_reject(r, status, NULL, NULL);
  }
  tick_resolver_release(r);
}

int tick_await_getaddrinfo(tick_async_t *co, const char *node, const char *service,
                           const struct addrinfo *hints, int64_t timeout_ms,
                           struct addrinfo **res) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_dns_t req;
  gai_box_t *box;
  int rc = enter(co, &loop), late = 0;
  if (rc != 0) return rc;
  if (res == NULL) return TICK_EINVAL;
  box = tick__malloc(sizeof(*box));
  if (box == NULL) return TICK_ENOMEM;
  box->res = NULL;
  rc = tick_promise_create_deferred(loop, &p, &box->resolver);
  if (rc != 0) {
    tick__free(box);
    return rc;
  }
  rc = tick_getaddrinfo(loop, node, service, hints, gai_done, box, &req);
  if (rc != 0) {
    tick_resolver_release(box->resolver);
    tick__free(box);
    tick_promise_release(p);
    return rc;
  }
  if (timeout_ms > 0) {
    late = tick_dns_timeout(loop, req, timeout_ms);
    if (late != 0) tick_dns_cancel(loop, req); /* no deadline: do not start unbounded */
  }
  rc = tick_await(co, p);
  if (tick_promise_state(p) == TICK_PROMISE_PENDING) tick_dns_cancel(loop, req);
  if (rc == 0) {
    box = tick_promise_value(p);
    *res = box->res;
    box->res = NULL;
  }
  tick_promise_release(p);
  if (late != 0) {
    if (rc == 0) {
      tick_freeaddrinfo(*res);
      *res = NULL;
    }
    return late;
  }
  return rc;
}

/* ------------------------------------------------------- pool, processes ---- */

int tick_await_work(tick_async_t *co, tick_pool_t *pool, tick_work_value_cb work, void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_work_promise(loop, pool, work, arg, &p, NULL);
  if (rc != 0) return rc;
  return await_release(co, p);
}

int tick_await_spawn(tick_async_t *co, const tick_process_options_t *options,
                     int *exit_status, int *term_signal) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_process_t proc;
  const tick_process_exit_t *ex;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  rc = tick_spawn_promise(loop, options, &proc, &p);
  if (rc != 0) return rc;
  rc = await_release(co, p);
  if (rc != 0) return rc;
  ex = tick_async_value(co);
  if (exit_status != NULL) *exit_status = ex->exit_status;
  if (term_signal != NULL) *term_signal = ex->term_signal;
  return 0;
}

/* ---------------------------------------------------------------------- UDP ---- */

ssize_t tick_await_udp_recv(tick_async_t *co, tick_udp_t udp, void *buf, size_t len,
                            struct sockaddr_storage *from, int *truncated,
                            int64_t timeout_ms) {
  tick_loop_t *loop;
  tick_promise_t *p;
  const tick_udp_datagram_t *d;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  if (buf == NULL || len == 0) return TICK_EINVAL;
  rc = tick_udp_recv_promise(loop, udp, len, timeout_ms, &p);
  if (rc != 0) return rc;
  rc = await_release(co, p);
  if (rc != 0) return rc;
  d = tick_async_value(co);
  memcpy(buf, d->data, d->len);
  if (from != NULL) *from = d->addr;
  if (truncated != NULL) *truncated = (d->flags & TICK_UDP_TRUNCATED) != 0;
  return (ssize_t)d->len;
}

int tick_await_udp_send(tick_async_t *co, tick_udp_t udp, const void *buf, size_t len,
                        const struct sockaddr *addr) {
  tick_loop_t *loop;
  tick_promise_t *p;
  struct iovec iov;
  int rc = enter(co, &loop);
  if (rc != 0) return rc;
  iov.iov_base = (void *)(uintptr_t)buf;
  iov.iov_len = len;
  rc = tick_udp_send_promise(loop, udp, &iov, 1, addr, &p);
  if (rc != 0) return rc;
  return await_release(co, p);
}
