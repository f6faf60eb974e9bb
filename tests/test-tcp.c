/* test-tcp.c - streams and TCP (issue 7): loopback only, port 0 + getsockname. */
#include "test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TEST_SANITIZED
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif

static int slow_build(void) {
  return TEST_SANITIZED || getenv("TICK_TEST_VALGRIND") != NULL;
}

/* ------------------------------------------------------------ helpers ---- */

static tick_stream_t listen_on(tick_loop_t *loop, const char *ip, int backlog,
                               tick_accept_cb cb, void *arg, int *port) {
  tick_stream_t l;
  struct sockaddr_storage a;
  ASSERT_OK(tick_tcp_create(loop, AF_UNSPEC, &l));
  ASSERT_OK(tick_tcp_bind_ip(loop, l, ip, 0, 0));
  ASSERT_OK(tick_tcp_listen(loop, l, backlog, cb, arg));
  ASSERT_OK(tick_tcp_getsockname(loop, l, &a));
  *port = tick_ip_port(&a);
  ASSERT_GT(*port, 0);
  return l;
}

/* A connection record used by the echo server and the clients. */
typedef struct conn_s {
  tick_stream_t s;
  char buf[65536];
  size_t got;
  int eof, err, closed, writes_done, write_errors;
  struct ctx_s *ctx;
} conn_t;

typedef struct ctx_s {
  tick_loop_t *loop;
  tick_stream_t listener;
  int accepted, accept_errors, close_listener_after;
  int closes;
  conn_t *server_conns[1024];
} ctx_t;

static void on_closed_count(tick_loop_t *loop, void *arg) {
  int *n = arg;
  (void)loop;
  (*n)++;
}

static void conn_free_cb(tick_loop_t *loop, void *arg) {
  conn_t *c = arg;
  (void)loop;
  if (c->ctx != NULL) c->ctx->closes++;
  free(c);
}

static void alloc_conn(tick_loop_t *loop, tick_stream_t s, size_t suggested, tick_buf_t *b,
                       void *arg) {
  conn_t *c = arg;
  (void)loop;
  (void)s;
  (void)suggested;
  *b = tick_buf(c->buf, sizeof(c->buf));
}

static void echo_write_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)loop;
  (void)s;
  (void)status;
  free(arg);
}

static void echo_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                      void *arg) {
  conn_t *c = arg;
  if (n > 0) {
    char *copy = malloc((size_t)n);
    tick_buf_t out;
    memcpy(copy, b->base, (size_t)n);
    out = tick_buf(copy, (size_t)n);
    ASSERT_OK(tick_write(loop, s, &out, 1, echo_write_done, copy));
    return;
  }
  if (n < 0) ASSERT_OK(tick_stream_close(loop, s, conn_free_cb, c));
}

static void echo_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t client,
                        void *arg) {
  ctx_t *ctx = arg;
  conn_t *c;
  (void)l;
  if (status < 0) {
    ctx->accept_errors++;
    return;
  }
  ctx->accepted++;
  c = calloc(1, sizeof(*c));
  c->s = client;
  c->ctx = ctx;
  ASSERT_OK(tick_read_start(loop, client, alloc_conn, echo_read, c));
  if (ctx->close_listener_after && ctx->accepted == ctx->close_listener_after)
    ASSERT_OK(tick_stream_close(loop, ctx->listener, NULL, NULL));
}

/* ------------------------------------------------------------ echo round trips ---- */

typedef struct pingpong_s {
  ctx_t ctx;
  tick_stream_t client;
  conn_t cc;
  int rounds, target, connected;
  size_t msg_len;
  int closed;
} pingpong_t;

static void pp_send(tick_loop_t *loop, pingpong_t *p) {
  static char msg[64];
  tick_buf_t b;
  snprintf(msg, sizeof(msg), "ping %06d", p->rounds);
  p->msg_len = strlen(msg);
  b = tick_buf(msg, p->msg_len);
  ASSERT_OK(tick_write(loop, p->client, &b, 1, NULL, NULL));
}

static void pp_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                    void *arg) {
  pingpong_t *p = arg;
  char want[64];
  (void)b;
  ASSERT_GE(n, 0);
  if (n == 0) return;
  p->cc.got += (size_t)n;
  if (p->cc.got < p->msg_len) return;
  ASSERT_UEQ(p->cc.got, p->msg_len);
  snprintf(want, sizeof(want), "ping %06d", p->rounds);
  ASSERT(memcmp(p->cc.buf, want, p->msg_len) == 0);
  p->cc.got = 0;
  if (++p->rounds == p->target) {
    ASSERT_OK(tick_stream_close(loop, s, on_closed_count, &p->closed));
    ASSERT_OK(tick_stream_close(loop, p->ctx.listener, on_closed_count, &p->closed));
    return;
  }
  pp_send(loop, p);
}

static void pp_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested, tick_buf_t *b,
                     void *arg) {
  pingpong_t *p = arg;
  (void)loop;
  (void)s;
  (void)suggested;
  *b = tick_buf(p->cc.buf + p->cc.got, sizeof(p->cc.buf) - p->cc.got);
}

static void pp_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  pingpong_t *p = arg;
  struct sockaddr_storage peer;
  ASSERT_OK(status);
  p->connected = 1;
  ASSERT_OK(tick_tcp_getpeername(loop, s, &peer));
  ASSERT_GT(tick_ip_port(&peer), 0);
  ASSERT_OK(tick_tcp_nodelay(loop, s, 1));
  ASSERT_OK(tick_read_start(loop, s, pp_alloc, pp_read, p));
  pp_send(loop, p);
}

static void echo_round_trips(const char *ip) {
  pingpong_t *p = calloc(1, sizeof(*p));
  tick_loop_t *loop;
  int port;
  ASSERT_OK(tick_loop_create(&loop, 0));
  p->ctx.loop = loop;
  p->target = slow_build() ? 200 : 2000;
  p->ctx.listener = listen_on(loop, ip, 0, echo_accept, &p->ctx, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_UNSPEC, &p->client));
  ASSERT_OK(tick_tcp_connect_ip(loop, p->client, ip, port, 5000, pp_connected, p));
  ASSERT_EQ(p->connected, 0); /* never from inside the call */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(p->rounds, p->target);
  ASSERT_EQ(p->closed, 2);
  ASSERT_EQ(p->ctx.closes, 1); /* the server side saw EOF and closed */
  ASSERT_OK(tick_loop_destroy(loop));
  free(p);
}

TEST(tcp_echo_round_trips_v4) { echo_round_trips("127.0.0.1"); }
TEST(tcp_echo_round_trips_v6) { echo_round_trips("::1"); }

/* ------------------------------------------------------------ back-pressure ---- */

typedef struct bp_s {
  tick_loop_t *loop;
  tick_stream_t listener, server, client;
  char *chunk;
  size_t chunk_len, received, total_sent, peak_queue;
  int writes, completed, closed, reading;
  conn_t cc;
} bp_t;

static void bp_write_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  bp_t *b = arg;
  size_t q;
  ASSERT_OK(status);
  b->completed++;
  ASSERT_OK(tick_stream_write_queue_size(loop, s, &q));
  if (b->completed == b->writes) {
    ASSERT_UEQ(q, 0);
    ASSERT_OK(tick_shutdown(loop, s, NULL, NULL));
  }
}

static void bp_client_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *buf,
                           void *arg) {
  bp_t *b = arg;
  (void)buf;
  if (n > 0) {
    b->received += (size_t)n;
    return;
  }
  if (n == TICK_EOF) {
    ASSERT_UEQ(b->received, b->total_sent);
    ASSERT_OK(tick_stream_close(loop, s, on_closed_count, &b->closed));
    ASSERT_OK(tick_stream_close(loop, b->server, on_closed_count, &b->closed));
    ASSERT_OK(tick_stream_close(loop, b->listener, on_closed_count, &b->closed));
  }
}

static void bp_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested, tick_buf_t *buf,
                     void *arg) {
  bp_t *b = arg;
  alloc_conn(loop, s, suggested, buf, &b->cc);
}

static void bp_start_reading(tick_loop_t *loop, tick_timer_t t, void *arg) {
  bp_t *b = arg;
  size_t q;
  (void)t;
  /* The client never read so far: the queue holds what the kernel refused. */
  ASSERT_OK(tick_stream_write_queue_size(loop, b->server, &q));
  ASSERT_GT(q, 0);
  ASSERT_LT(b->completed, b->writes);
  b->reading = 1;
  ASSERT_OK(tick_read_start(loop, b->client, bp_alloc, bp_client_read, b));
}

static void bp_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                      void *arg) {
  bp_t *b = arg;
  int i;
  size_t q, last = 0;
  (void)l;
  ASSERT_OK(status);
  b->server = c;
  for (i = 0; i < b->writes; i++) {
    tick_buf_t buf = tick_buf(b->chunk, b->chunk_len);
    ASSERT_OK(tick_write(loop, c, &buf, 1, bp_write_done, b));
    b->total_sent += b->chunk_len;
    ASSERT_OK(tick_stream_write_queue_size(loop, c, &q));
    ASSERT_GE(q, last); /* grows while the peer does not read */
    last = q;
  }
  b->peak_queue = last;
  ASSERT_GT(last, 0);
  ASSERT_EQ(tick_try_write(loop, c, &(tick_buf_t){b->chunk, 1}, 1), TICK_EAGAIN);
  ASSERT_OK(tick_set_timeout(loop, 50, bp_start_reading, b, NULL));
}

static void bp_read_fwd(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *buf,
                        void *arg);

TEST(tcp_large_writes_back_pressure) {
  bp_t *b = calloc(1, sizeof(*b));
  tick_loop_t *loop;
  int port;
  ASSERT_OK(tick_loop_create(&loop, 0));
  b->loop = loop;
  b->chunk_len = 1 << 20;
  b->chunk = malloc(b->chunk_len);
  memset(b->chunk, 'x', b->chunk_len);
  b->writes = slow_build() ? 8 : 32;
  b->listener = listen_on(loop, "127.0.0.1", 0, bp_accept, b, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &b->client));
  ASSERT_OK(tick_tcp_connect_ip(loop, b->client, "127.0.0.1", port, 0, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(b->completed, b->writes);
  ASSERT_EQ(b->closed, 3);
  ASSERT_OK(tick_loop_destroy(loop));
  (void)bp_read_fwd;
  free(b->chunk);
  free(b);
}

static void bp_read_fwd(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *buf,
                        void *arg) {
  bp_client_read(loop, s, n, buf, arg);
}

/* ------------------------------------------------------------ peer reset ---- */

typedef struct rst_s {
  tick_stream_t listener, client;
  int status, closed;
  conn_t cc;
} rst_t;

static void rst_server_read(tick_loop_t *loop, tick_stream_t c, ssize_t n,
                            const tick_buf_t *b, void *arg) {
  rst_t *r = (rst_t *)((char *)arg - offsetof(rst_t, cc));
  int fd;
  struct linger lg = {1, 0};
  (void)b;
  ASSERT_GT(n, 0); /* the client's byte: it is connected, now reset it */
  ASSERT_OK(tick_stream_fileno(loop, c, &fd));
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
  ASSERT_OK(tick_stream_close(loop, c, on_closed_count, &r->closed)); /* sends RST */
  ASSERT_OK(tick_stream_close(loop, r->listener, on_closed_count, &r->closed));
}

static void rst_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                       void *arg) {
  rst_t *r = arg;
  (void)l;
  ASSERT_OK(status);
  ASSERT_OK(tick_read_start(loop, c, alloc_conn, rst_server_read, &r->cc));
}

static void rst_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                     void *arg) {
  rst_t *r = (rst_t *)((char *)arg - offsetof(rst_t, cc));
  (void)b;
  if (n == 0) return;
  r->status = (int)n;
  ASSERT_OK(tick_stream_close(loop, s, on_closed_count, &r->closed));
}

static void rst_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  rst_t *r = arg;
  tick_buf_t b = tick_buf("x", 1);
  ASSERT_OK(status);
  ASSERT_OK(tick_write(loop, s, &b, 1, NULL, NULL));
  ASSERT_OK(tick_read_start(loop, s, alloc_conn, rst_read, &r->cc));
}

TEST(tcp_peer_reset_reported) {
  rst_t r;
  tick_loop_t *loop;
  int port;
  memset(&r, 0, sizeof(r));
  ASSERT_OK(tick_loop_create(&loop, 0));
  r.listener = listen_on(loop, "127.0.0.1", 0, rst_accept, &r, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &r.client));
  ASSERT_OK(tick_tcp_connect_ip(loop, r.client, "127.0.0.1", port, 0, rst_connected, &r));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_ERR(r.status, TICK_ECONNRESET);
  ASSERT_EQ(r.closed, 3);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ half-close ---- */

typedef struct half_s {
  tick_stream_t listener, client, server;
  conn_t sc, cc;
  int shut_status, closed, server_eof, client_eof;
  char reply[16];
} half_t;

static void half_server_read(tick_loop_t *loop, tick_stream_t s, ssize_t n,
                             const tick_buf_t *b, void *arg) {
  half_t *h = arg;
  if (n > 0) {
    memcpy(h->sc.buf + h->sc.got, b->base, 0);
    h->sc.got += (size_t)n;
    return;
  }
  if (n == TICK_EOF) {
    tick_buf_t out = tick_buf("bye", 3);
    h->server_eof = 1;
    ASSERT_UEQ(h->sc.got, 5);
    /* The peer shut its write side; this side can still write back. */
    ASSERT_OK(tick_write(loop, s, &out, 1, NULL, NULL));
    ASSERT_OK(tick_shutdown(loop, s, NULL, NULL));
  }
}

static void half_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested, tick_buf_t *b,
                       void *arg) {
  conn_t *c = arg;
  (void)loop;
  (void)s;
  (void)suggested;
  *b = tick_buf(c->buf + c->got, sizeof(c->buf) - c->got);
}

static void half_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                        void *arg) {
  half_t *h = arg;
  (void)l;
  ASSERT_OK(status);
  h->server = c;
  ASSERT_OK(tick_read_start(loop, c, half_alloc, half_server_read, h));
  /* read_start's alloc arg is the half_t; its first bytes are not a conn_t: use sc. */
}

static void half_client_read(tick_loop_t *loop, tick_stream_t s, ssize_t n,
                             const tick_buf_t *b, void *arg) {
  half_t *h = arg;
  (void)b;
  if (n > 0) {
    h->cc.got += (size_t)n;
    return;
  }
  if (n == TICK_EOF) {
    h->client_eof = 1;
    ASSERT_UEQ(h->cc.got, 3);
    ASSERT(memcmp(h->cc.buf, "bye", 3) == 0);
    ASSERT_ERR(tick_read_start(loop, s, half_alloc, half_client_read, h), TICK_EOF);
    ASSERT_OK(tick_stream_close(loop, s, on_closed_count, &h->closed));
    ASSERT_OK(tick_stream_close(loop, h->server, on_closed_count, &h->closed));
    ASSERT_OK(tick_stream_close(loop, h->listener, on_closed_count, &h->closed));
  }
}

static void half_client_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested,
                              tick_buf_t *b, void *arg) {
  half_t *h = arg;
  half_alloc(loop, s, suggested, b, &h->cc);
}

static void half_server_alloc(tick_loop_t *loop, tick_stream_t s, size_t suggested,
                              tick_buf_t *b, void *arg) {
  half_t *h = arg;
  half_alloc(loop, s, suggested, b, &h->sc);
}

static void half_accept2(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                         void *arg) {
  half_t *h = arg;
  (void)l;
  ASSERT_OK(status);
  h->server = c;
  ASSERT_OK(tick_read_start(loop, c, half_server_alloc, half_server_read, h));
}

static void half_shut_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  half_t *h = arg;
  tick_buf_t b = tick_buf("late", 4);
  h->shut_status = status == 0 ? 1 : status;
  /* Writes after shutdown are refused. */
  ASSERT_ERR(tick_write(loop, s, &b, 1, NULL, NULL), TICK_EPIPE);
  ASSERT_ERR(tick_shutdown(loop, s, NULL, NULL), TICK_EALREADY);
}

static void half_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  half_t *h = arg;
  tick_buf_t b = tick_buf("hello", 5);
  ASSERT_OK(status);
  ASSERT_OK(tick_read_start(loop, s, half_client_alloc, half_client_read, h));
  ASSERT_OK(tick_write(loop, s, &b, 1, NULL, NULL));
  ASSERT_OK(tick_shutdown(loop, s, half_shut_done, h));
  ASSERT_ERR(tick_write(loop, s, &b, 1, NULL, NULL), TICK_EPIPE);
  ASSERT_EQ(h->shut_status, 0);
}

TEST(tcp_half_close) {
  half_t *h = calloc(1, sizeof(*h));
  tick_loop_t *loop;
  int port;
  (void)half_accept;
  ASSERT_OK(tick_loop_create(&loop, 0));
  h->listener = listen_on(loop, "127.0.0.1", 0, half_accept2, h, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &h->client));
  ASSERT_OK(tick_tcp_connect_ip(loop, h->client, "127.0.0.1", port, 0, half_connected, h));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(h->shut_status, 1);
  ASSERT_EQ(h->server_eof, 1);
  ASSERT_EQ(h->client_eof, 1);
  ASSERT_EQ(h->closed, 3);
  ASSERT_OK(tick_loop_destroy(loop));
  free(h);
}

/* ------------------------------------------------------------ accept storm, churn ---- */

typedef struct storm_s {
  tick_loop_t *loop;
  tick_stream_t listener;
  int n, accepted, connected, closed, started, target, concurrency, failed;
  int port;
} storm_t;

static void storm_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg);

static void storm_start_one(tick_loop_t *loop, storm_t *st) {
  tick_stream_t c;
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &c));
  ASSERT_OK(tick_tcp_connect_ip(loop, c, "127.0.0.1", st->port, 10000, storm_connected, st));
  st->started++;
}

static void storm_client_closed(tick_loop_t *loop, void *arg) {
  storm_t *st = arg;
  st->closed++;
  if (st->started < st->target) storm_start_one(loop, st);
}

static void storm_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  storm_t *st = arg;
  if (status != 0) st->failed++;
  else st->connected++;
  ASSERT_OK(tick_stream_close(loop, s, storm_client_closed, st));
}

static void storm_server_closed(tick_loop_t *loop, void *arg) {
  storm_t *st = arg;
  (void)loop;
  st->closed++;
  if (st->accepted == st->target) {
    ASSERT_OK(tick_stream_close(loop, st->listener, NULL, NULL));
    st->accepted++; /* close once */
  }
}

static void storm_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                         void *arg) {
  storm_t *st = arg;
  (void)l;
  ASSERT_OK(status);
  st->accepted++;
  ASSERT_OK(tick_stream_close(loop, c, storm_server_closed, st));
}

static void run_storm(int target, int concurrency) {
  storm_t st;
  tick_loop_t *loop;
  int i;
  memset(&st, 0, sizeof(st));
  ASSERT_OK(tick_loop_create(&loop, 0));
  st.loop = loop;
  st.target = target;
  st.listener = listen_on(loop, "127.0.0.1", 1024, storm_accept, &st, &st.port);
  for (i = 0; i < concurrency && i < target; i++) storm_start_one(loop, &st);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(st.failed, 0);
  ASSERT_EQ(st.connected, target);
  ASSERT_EQ(st.accepted, target + 1);
  ASSERT_EQ(st.closed, 2 * target);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(tcp_accept_storm) {
  /* Hundreds of connects issued at once, before the loop runs. */
  run_storm(slow_build() ? 200 : 500, slow_build() ? 200 : 500);
}

TEST_TIMEOUT(tcp_churn_10k, 120) {
  /* 10k connections opened and closed, 100 in flight at a time. */
  run_storm(slow_build() ? 1000 : 10000, 100);
}

/* ------------------------------------------------------------ EMFILE ---- */

typedef struct emfile_s {
  tick_stream_t listener, client2;
  int errors, accepted, closed, freed;
  int *fillers;
  int nfill;
  uint64_t first_error_at;
} emfile_t;

static void emfile_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                          void *arg) {
  emfile_t *e = arg;
  (void)l;
  if (status < 0) {
    ASSERT_ERR(status, TICK_EMFILE);
    ASSERT_EQ(c.id, TICK_NULL_ID);
    e->errors++;
    /* Give the descriptors back: the listener resumes by itself and accepts. */
    if (!e->freed) {
      int i;
      for (i = 0; i < e->nfill; i++) close(e->fillers[i]);
      e->freed = 1;
    }
    return;
  }
  e->accepted++;
  ASSERT_OK(tick_stream_close(loop, c, on_closed_count, &e->closed));
  ASSERT_OK(tick_stream_close(loop, e->listener, on_closed_count, &e->closed));
  ASSERT_OK(tick_stream_close(loop, e->client2, on_closed_count, &e->closed));
}

TEST(tcp_emfile_listener_survives) {
  emfile_t e;
  tick_loop_t *loop;
  struct rlimit rl;
  int port, fd, iter_before;
  memset(&e, 0, sizeof(e));
  ASSERT_OK(tick_loop_create(&loop, 0));
  e.listener = listen_on(loop, "127.0.0.1", 16, emfile_accept, &e, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &e.client2));
  /* Low limit, then fill every free descriptor (the client's socket exists already): the
   * server's accept finds none. */
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  rl.rlim_cur = 64 + (rlim_t)dup(0);
  close((int)rl.rlim_cur - 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
  e.fillers = calloc(256, sizeof(int));
  while ((fd = dup(0)) >= 0) e.fillers[e.nfill++] = fd;
  ASSERT_OK(tick_tcp_connect_ip(loop, e.client2, "127.0.0.1", port, 0, NULL, NULL));
  iter_before = (int)tick_loop_iteration(loop);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(e.errors, 1);   /* reported once, then paused: no spin */
  ASSERT_EQ(e.accepted, 1); /* and it accepted again once descriptors were free */
  ASSERT_EQ(e.closed, 3);
  ASSERT_LT((int)tick_loop_iteration(loop) - iter_before, 50);
  ASSERT_OK(tick_loop_destroy(loop));
  free(e.fillers);
}

/* ------------------------------------------------------------ misuse ---- */

static void never(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)loop;
  (void)s;
  (void)status;
  (void)arg;
  test_fail(__FILE__, __LINE__, "callback must not run");
}

static void never_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                       void *arg) {
  (void)loop;
  (void)s;
  (void)n;
  (void)b;
  (void)arg;
}

TEST(tcp_closed_handle_and_double_close) {
  tick_loop_t *loop;
  tick_stream_t s, bogus = {TICK_NULL_ID};
  conn_t c;
  int closed = 0, fd;
  tick_buf_t b = tick_buf("x", 1);
  size_t q;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &s));
  /* Not connected yet. */
  ASSERT_ERR(tick_read_start(loop, s, alloc_conn, never_read, &c), TICK_ENOTCONN);
  ASSERT_ERR(tick_write(loop, s, &b, 1, never, NULL), TICK_ENOTCONN);
  ASSERT_ERR(tick_try_write(loop, s, &b, 1), TICK_ENOTCONN);
  ASSERT_ERR(tick_shutdown(loop, s, never, NULL), TICK_ENOTCONN);
  ASSERT_ERR(tick_read_start(loop, s, NULL, never_read, &c), TICK_EINVAL);
  ASSERT_ERR(tick_tcp_listen(loop, s, 0, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_tcp_connect(loop, s, NULL, 0, never, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_tcp_bind_ip(loop, s, "not an ip", 0, 0), TICK_EINVAL);
  ASSERT_ERR(tick_tcp_bind_ip(loop, s, "::1", 0, 0), TICK_EINVAL); /* wrong family */
  ASSERT_ERR(tick_tcp_create(loop, AF_UNIX, &s), TICK_EINVAL);
  ASSERT_ERR(tick_tcp_getpeername(loop, s, &(struct sockaddr_storage){0}), TICK_ENOTCONN);
  ASSERT_OK(tick_stream_fileno(loop, s, &fd));
  ASSERT_GE(fd, 0);
  ASSERT_OK(tick_tcp_keepalive(loop, s, 1, 30));
  ASSERT_ERR(tick_tcp_keepalive(loop, s, 1, 0), TICK_EINVAL);
  ASSERT_ERR(tick_stream_close(loop, bogus, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY); /* a live stream */
  ASSERT_OK(tick_stream_close(loop, s, on_closed_count, &closed));
  ASSERT_ERR(tick_stream_close(loop, s, on_closed_count, &closed), TICK_ECLOSING);
  ASSERT_ERR(tick_read_start(loop, s, alloc_conn, never_read, &c), TICK_ECLOSING);
  ASSERT_EQ(closed, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(closed, 1);
  /* Stale after the close callback. */
  ASSERT_ERR(tick_stream_close(loop, s, on_closed_count, &closed), TICK_ESTALE);
  ASSERT_ERR(tick_read_start(loop, s, alloc_conn, never_read, &c), TICK_ESTALE);
  ASSERT_ERR(tick_read_stop(loop, s), TICK_ESTALE);
  ASSERT_ERR(tick_write(loop, s, &b, 1, never, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_stream_write_queue_size(loop, s, &q), TICK_ESTALE);
  ASSERT_ERR(tick_tcp_nodelay(loop, s, 1), TICK_ESTALE);
  ASSERT_EQ(closed, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ cancel on close ---- */

typedef struct cancel_s {
  tick_stream_t listener, client;
  char *chunk;
  int order[64];
  int norder, writes, cancelled, ok;
} cancel_t;

static void cancel_write_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  cancel_t *c = arg;
  (void)loop;
  (void)s;
  if (status == TICK_ECANCELED) c->cancelled++;
  else if (status == 0) c->ok++;
  else test_fail(__FILE__, __LINE__, "unexpected status %d", status);
  c->order[c->norder++] = 1;
}

static void cancel_closed(tick_loop_t *loop, void *arg) {
  cancel_t *c = arg;
  (void)loop;
  c->order[c->norder++] = 2;
}

static void cancel_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t s,
                          void *arg) {
  cancel_t *c = arg;
  int i;
  size_t q;
  (void)l;
  ASSERT_OK(status);
  /* A peer that never reads: the queue fills, then close cancels what is left. */
  for (i = 0; i < c->writes; i++) {
    tick_buf_t b = tick_buf(c->chunk, 1 << 20);
    ASSERT_OK(tick_write(loop, s, &b, 1, cancel_write_done, c));
  }
  ASSERT_OK(tick_stream_write_queue_size(loop, s, &q));
  ASSERT_GT(q, 0);
  ASSERT_OK(tick_shutdown(loop, s, cancel_write_done, c));
  ASSERT_OK(tick_stream_close(loop, s, cancel_closed, c));
  ASSERT_EQ(c->norder, 0); /* nothing from inside close */
  ASSERT_OK(tick_stream_close(loop, c->listener, NULL, NULL));
  ASSERT_OK(tick_stream_close(loop, c->client, NULL, NULL));
}

TEST(tcp_cancel_on_close_before_close_cb) {
  cancel_t *c = calloc(1, sizeof(*c));
  tick_loop_t *loop;
  int port, i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  c->chunk = calloc(1, 1 << 20);
  c->writes = 16;
  c->listener = listen_on(loop, "127.0.0.1", 0, cancel_accept, c, &port);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &c->client));
  ASSERT_OK(tick_tcp_connect_ip(loop, c->client, "127.0.0.1", port, 0, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c->norder, c->writes + 2);
  ASSERT_EQ(c->ok + c->cancelled, c->writes + 1);
  ASSERT_GT(c->cancelled, 1); /* at least one write and the shutdown */
  for (i = 0; i < c->writes + 1; i++) ASSERT_EQ(c->order[i], 1);
  ASSERT_EQ(c->order[c->writes + 1], 2); /* the close callback comes last */
  ASSERT_OK(tick_loop_destroy(loop));
  free(c->chunk);
  free(c);
}

/* ------------------------------------------------------------ connect errors ---- */

typedef struct cerr_s {
  int statuses[32];
  int n, closed;
} cerr_t;

static void cerr_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  cerr_t *c = arg;
  int r = tick_stream_close(loop, s, on_closed_count, &c->closed);
  c->statuses[c->n++] = status;
  if (status == TICK_ECANCELED)
    ASSERT_ERR(r, TICK_ECLOSING); /* cancelled because it was closed */
  else
    ASSERT_OK(r);
}

TEST(tcp_connect_refused) {
  tick_loop_t *loop;
  tick_stream_t s;
  cerr_t c;
  struct sockaddr_storage a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;
  memset(&c, 0, sizeof(c));
  /* A port nobody listens on: bound (so nobody else takes it) but not listening. */
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &a));
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(struct sockaddr_in)), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = tick_ip_port(&a);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_tcp_create(loop, AF_UNSPEC, &s));
  ASSERT_OK(tick_tcp_connect_ip(loop, s, "127.0.0.1", port, 5000, cerr_done, &c));
  ASSERT_EQ(c.n, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.n, 1);
  ASSERT_ERR(c.statuses[0], TICK_ECONNREFUSED);
  ASSERT_EQ(c.closed, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  close(fd);
}

static void ignore_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                          void *arg) {
  (void)loop;
  (void)l;
  (void)status;
  (void)c;
  (void)arg;
  test_fail(__FILE__, __LINE__, "no accept expected");
}

TEST(tcp_connect_timeout) {
  /* A listener that never accepts, with a full backlog: new SYNs are dropped, so the
   * connects that do not fit hang until their timeout. */
  tick_loop_t *loop;
  tick_stream_t s[8];
  cerr_t c;
  struct sockaddr_storage a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port, i, timeouts = 0;
  (void)ignore_accept;
  memset(&c, 0, sizeof(c));
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &a));
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(struct sockaddr_in)), 0);
  ASSERT_EQ(listen(fd, 0), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = tick_ip_port(&a);
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < 8; i++) {
    ASSERT_OK(tick_tcp_create(loop, AF_INET, &s[i]));
    ASSERT_OK(tick_tcp_connect_ip(loop, s[i], "127.0.0.1", port, 300, cerr_done, &c));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.n, 8);
  for (i = 0; i < 8; i++) {
    if (c.statuses[i] == TICK_ETIMEDOUT) timeouts++;
    else ASSERT_OK(c.statuses[i]);
  }
  ASSERT_GT(timeouts, 0);
  ASSERT_EQ(c.closed, 8);
  ASSERT_OK(tick_loop_destroy(loop));
  close(fd);
}

TEST(tcp_connect_cancelled_by_close) {
  tick_loop_t *loop;
  tick_stream_t s;
  cerr_t c;
  int fd = socket(AF_INET, SOCK_STREAM, 0), port, i;
  struct sockaddr_storage a;
  socklen_t len = sizeof(a);
  memset(&c, 0, sizeof(c));
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &a));
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(struct sockaddr_in)), 0);
  ASSERT_EQ(listen(fd, 0), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = tick_ip_port(&a);
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < 3; i++) {
    int st = 0;
    ASSERT_OK(tick_tcp_create(loop, AF_INET, &s));
    ASSERT_OK(tick_tcp_connect_ip(loop, s, "127.0.0.1", port, 0, cerr_done, &c));
    ASSERT_ERR(tick_tcp_connect_ip(loop, s, "127.0.0.1", port, 0, cerr_done, &c),
               TICK_EALREADY);
    st = tick_stream_close(loop, s, on_closed_count, &c.closed);
    ASSERT_OK(st);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.n, 3);
  for (i = 0; i < 3; i++) ASSERT_ERR(c.statuses[i], TICK_ECANCELED);
  ASSERT_EQ(c.closed, 3);
  ASSERT_OK(tick_loop_destroy(loop));
  close(fd);
}
