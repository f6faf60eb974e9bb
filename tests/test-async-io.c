/* test-async-io.c - the await forms of the I/O calls (include/tick/async-io.h,
 * docs/async-io.md), on real loopback sockets, pipes, files in /tmp and child processes. */
#include "test.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Runs `fn(arg)` as an async function on a new loop until the loop is done; returns the
 * outcome (0 fulfilled, else the rejection code). */
static int run_async(tick_async_fn fn, void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, fn, arg, NULL, &p));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT(tick_promise_state(p) != TICK_PROMISE_PENDING);
  rc = tick_promise_state(p) == TICK_PROMISE_FULFILLED ? 0 : tick_promise_error(p);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
  return rc;
}

/* A bound, listening acceptor on 127.0.0.1 with a free port. */
static int listen_local(tick_loop_t *loop, tick_async_acceptor_t **a, int *port) {
  tick_stream_t l;
  struct sockaddr_storage ss;
  int rc = tick_tcp_create(loop, AF_INET, &l);
  if (rc != 0) return rc;
  rc = tick_tcp_bind_ip(loop, l, "127.0.0.1", 0, 0);
  if (rc == 0) rc = tick_tcp_getsockname(loop, l, &ss);
  if (rc == 0) rc = tick_async_listen(loop, l, 0, a);
  if (rc != 0) {
    tick_stream_close(loop, l, NULL, NULL);
    return rc;
  }
  *port = tick_ip_port(&ss);
  return 0;
}

/* A port nobody listens on (bound then closed). */
static int dead_port(void) {
  struct sockaddr_storage a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &a));
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(struct sockaddr_in)), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  port = tick_ip_port(&a);
  close(fd);
  return port;
}

/* ------------------------------------------------------------------- sleep ---- */


static int sleeper(tick_async_t *co, void *arg) {
  uint64_t t0 = now_ms();
  (void)arg;
  strcat(logbuf, "a;");
  ASSERT_OK(tick_await_sleep(co, 30));
  ASSERT_GE(now_ms() - t0, 29);
  strcat(logbuf, "b;");
  ASSERT_OK(tick_await_sleep(co, 0));
  strcat(logbuf, "c;");
  return 0;
}

TEST(await_sleep) {
  tick_loop_t *loop;
  tick_promise_t *p;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, sleeper, NULL, NULL, &p));
  ASSERT_STR_EQ(logbuf, "a;"); /* ran synchronously up to its first await */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "a;b;c;");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int long_sleeper(tick_async_t *co, void *arg) {
  (void)arg;
  return tick_await_sleep(co, 60000);
}

static void cancel_soon(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  ASSERT_OK(tick_async_cancel(arg, TICK_ECANCELED));
}

TEST(await_sleep_cancelled_clears_its_timer) {
  tick_loop_t *loop;
  tick_promise_t *p;
  uint64_t t0 = now_ms();
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_async_run(loop, long_sleeper, NULL, NULL, &p));
  ASSERT_OK(tick_set_timeout(loop, 10, cancel_soon, p, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0); /* no timer left behind */
  ASSERT_LT(now_ms() - t0, 5000);
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(await_misuse) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_async_t *co = NULL;
  ASSERT_ERR(tick_await_sleep(NULL, 1), TICK_EINVAL);
  ASSERT_ERR(tick_await_write(NULL, (tick_stream_t){0}, "x", 1), TICK_EINVAL);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, long_sleeper, NULL, NULL, &p));
  co = tick_async_current(loop);
  ASSERT_PTR_EQ(co, NULL);
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_async_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static tick_async_t *saved_co;
static int save_co(tick_async_t *co, void *arg) {
  (void)arg;
  saved_co = co;
  return tick_await_sleep(co, 1);
}

TEST(await_from_outside_is_enotasync) {
  tick_loop_t *loop;
  tick_promise_t *p;
  char b[4];
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, save_co, NULL, NULL, &p));
  ASSERT_ERR(tick_await_sleep(saved_co, 1), TICK_ENOTASYNC);
  ASSERT_ERR(tick_await_read(saved_co, (tick_stream_t){0}, b, 4, 0), TICK_ENOTASYNC);
  ASSERT_ERR(tick_await_fs_open(saved_co, "/", O_RDONLY, 0), TICK_ENOTASYNC);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------------- TCP ---- */

/* Both ends in one function: connect (the acceptor queues the connection meanwhile),
 * accept, exchange, shut down, read EOF. */
static int tcp_roundtrip(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_async_acceptor_t *a;
  tick_stream_t c, s;
  char buf[64];
  ssize_t n;
  int port, by_name = arg != NULL;
  ASSERT_OK(listen_local(loop, &a, &port));
  if (by_name)
    ASSERT_OK(tick_await_connect_name(co, "localhost", port, 5000, &c));
  else {
    struct sockaddr_storage ss;
    ASSERT_OK(tick_ip_addr("127.0.0.1", port, &ss));
    ASSERT_OK(tick_await_connect(co, (struct sockaddr *)&ss, 0, &c));
  }
  ASSERT_OK(tick_await_accept(co, a, &s));
  ASSERT_OK(tick_await_write(co, c, "hello", 5));
  ASSERT_OK(tick_await_shutdown(co, c));
  n = tick_await_read(co, s, buf, sizeof(buf), 5000);
  ASSERT_EQ(n, 5);
  ASSERT(memcmp(buf, "hello", 5) == 0);
  ASSERT_EQ(tick_await_read(co, s, buf, sizeof(buf), 5000), 0); /* EOF */
  ASSERT_OK(tick_await_write(co, s, "bye", 3));
  ASSERT_OK(tick_await_write(co, s, "", 0));
  ASSERT_OK(tick_stream_close(loop, s, NULL, NULL));
  ASSERT_EQ(tick_await_read(co, c, buf, 2, 0), 2); /* a short buffer: the rest waits */
  ASSERT_EQ(tick_await_read(co, c, buf + 2, sizeof(buf) - 2, 0), 1);
  ASSERT(memcmp(buf, "bye", 3) == 0);
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 0), 0);
  ASSERT_OK(tick_stream_close(loop, c, NULL, NULL));
  ASSERT_OK(tick_async_acceptor_close(a));
  return 0;
}

TEST(await_tcp_connect_accept_read_write_eof) {
  ASSERT_OK(run_async(tcp_roundtrip, NULL));
}

TEST(await_tcp_connect_name) {
  ASSERT_OK(run_async(tcp_roundtrip, (void *)"name"));
}

static int tcp_refused(tick_async_t *co, void *arg) {
  struct sockaddr_storage ss;
  tick_stream_t c = {TICK_NULL_ID};
  int port = dead_port();
  (void)arg;
  ASSERT_OK(tick_ip_addr("127.0.0.1", port, &ss));
  ASSERT_ERR(tick_await_connect(co, (struct sockaddr *)&ss, 0, &c), TICK_ECONNREFUSED);
  ASSERT_EQ(c.id, TICK_NULL_ID); /* nothing to close */
  ASSERT_ERR(tick_await_connect_name(co, "127.0.0.1", port, 0, &c), TICK_ECONNREFUSED);
  ASSERT_ERR(tick_await_connect(co, NULL, 0, &c), TICK_EINVAL);
  ASSERT_ERR(tick_await_connect_name(co, "127.0.0.1", 70000, 0, &c), TICK_EINVAL);
  return 0;
}

TEST(await_tcp_connect_refused) {
  ASSERT_OK(run_async(tcp_refused, NULL));
}

/* A read that times out leaves the stream usable: the next read gets the data. */
static int tcp_read_timeout(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_async_acceptor_t *a;
  tick_stream_t c, s;
  char buf[16];
  uint64_t t0;
  int port;
  (void)arg;
  ASSERT_OK(listen_local(loop, &a, &port));
  ASSERT_OK(tick_await_connect_name(co, "127.0.0.1", port, 0, &c));
  ASSERT_OK(tick_await_accept(co, a, &s));
  t0 = now_ms();
  ASSERT_ERR(tick_await_read(co, c, buf, sizeof(buf), 50), TICK_ETIMEDOUT);
  ASSERT_GE(now_ms() - t0, 49);
  ASSERT_OK(tick_await_write(co, s, "x", 1));
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 5000), 1);
  ASSERT_EQ(buf[0], 'x');
  ASSERT_ERR(tick_await_read(co, c, NULL, 1, 0), TICK_EINVAL);
  ASSERT_ERR(tick_await_read(co, c, buf, 0, 0), TICK_EINVAL);
  ASSERT_OK(tick_stream_close(loop, s, NULL, NULL));
  ASSERT_OK(tick_stream_close(loop, c, NULL, NULL));
  ASSERT_ERR(tick_await_write(co, c, "x", 1), TICK_ECLOSING);
  ASSERT_OK(tick_async_acceptor_close(a));
  return 0;
}

TEST(await_tcp_read_timeout_keeps_stream) {
  ASSERT_OK(run_async(tcp_read_timeout, NULL));
}

/* tick_await_read reads straight into the caller's buffer. A function cancelled while its
 * read waits gets the cancel code, and nothing is written into its buffer after that: the
 * bytes that arrive later go to the next read of the stream. */
typedef struct read_cancel_s {
  tick_stream_t stream;
  char buf[8];
  ssize_t rc;
} read_cancel_t;

static int read_until_cancelled(tick_async_t *co, void *arg) {
  read_cancel_t *r = arg;
  memset(r->buf, '#', sizeof(r->buf));
  r->rc = tick_await_read(co, r->stream, r->buf, sizeof(r->buf), 0);
  return 0;
}

static int tcp_read_cancelled(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_async_acceptor_t *a;
  tick_stream_t c, s;
  tick_promise_t *p;
  read_cancel_t r;
  char buf[8];
  size_t i;
  int port;
  (void)arg;
  ASSERT_OK(listen_local(loop, &a, &port));
  ASSERT_OK(tick_await_connect_name(co, "127.0.0.1", port, 0, &c));
  ASSERT_OK(tick_await_accept(co, a, &s));
  r.stream = c;
  r.rc = 1;
  ASSERT_OK(tick_async_run(loop, read_until_cancelled, &r, NULL, &p)); /* waits in its read */
  ASSERT_EQ(r.rc, 1);
  ASSERT_OK(tick_async_cancel(p, TICK_ECANCELED));
  ASSERT_OK(tick_await(co, p));
  ASSERT_EQ(r.rc, TICK_ECANCELED);
  ASSERT_OK(tick_await_write(co, s, "abc", 3));
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 5000), 3);
  ASSERT(memcmp(buf, "abc", 3) == 0);
  for (i = 0; i < sizeof(r.buf); i++) ASSERT_EQ(r.buf[i], '#');
  /* A full buffer, then the rest: the count of each read, nothing copied twice. */
  ASSERT_OK(tick_await_write(co, s, "0123456789", 10));
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 5000), 8);
  ASSERT(memcmp(buf, "01234567", 8) == 0);
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 5000), 2);
  ASSERT(memcmp(buf, "89", 2) == 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_stream_close(loop, s, NULL, NULL));
  ASSERT_EQ(tick_await_read(co, c, buf, sizeof(buf), 5000), 0); /* end of stream */
  ASSERT_OK(tick_stream_close(loop, c, NULL, NULL));
  ASSERT_OK(tick_async_acceptor_close(a));
  return 0;
}

TEST(await_tcp_read_into_buffer_cancelled) {
  ASSERT_OK(run_async(tcp_read_cancelled, NULL));
}

/* Closing the handle cancels the await: a read by closing the stream, an accept by
 * closing the acceptor. */
typedef struct closer_s {
  tick_stream_t stream;
  tick_async_acceptor_t *acceptor;
} closer_t;

static void close_later(tick_loop_t *loop, tick_timer_t t, void *arg) {
  closer_t *c = arg;
  (void)t;
  if (c->acceptor != NULL) ASSERT_OK(tick_async_acceptor_close(c->acceptor));
  if (c->stream.id != TICK_NULL_ID) ASSERT_OK(tick_stream_close(loop, c->stream, NULL, NULL));
}

static int tcp_cancel_by_close(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_async_acceptor_t *a;
  tick_stream_t c, s, none;
  closer_t cl;
  char buf[8];
  int port;
  (void)arg;
  ASSERT_OK(listen_local(loop, &a, &port));
  ASSERT_OK(tick_await_connect_name(co, "127.0.0.1", port, 0, &c));
  ASSERT_OK(tick_await_accept(co, a, &s));
  cl.stream = c;
  cl.acceptor = NULL;
  ASSERT_OK(tick_set_timeout(loop, 10, close_later, &cl, NULL));
  ASSERT_ERR(tick_await_read(co, c, buf, sizeof(buf), 0), TICK_ECANCELED);
  cl.stream.id = TICK_NULL_ID;
  cl.acceptor = a;
  ASSERT_OK(tick_set_timeout(loop, 10, close_later, &cl, NULL));
  ASSERT_ERR(tick_await_accept(co, a, &none), TICK_ECANCELED);
  ASSERT_OK(tick_stream_close(loop, s, NULL, NULL));
  return 0;
}

TEST(await_cancel_by_closing_the_handle) {
  ASSERT_OK(run_async(tcp_cancel_by_close, NULL));
}

/* Several functions each awaiting its own connection: the acceptor hands them out in
 * turn; a second await of the same acceptor at once is TICK_EBUSY. */
typedef struct many_s {
  tick_async_acceptor_t *a;
  int port, served;
} many_t;

static int many_server(tick_async_t *co, void *arg) {
  many_t *m = arg;
  tick_stream_t s, t;
  char b[4];
  int i;
  for (i = 0; i < 3; i++) {
    ASSERT_OK(tick_await_accept(co, m->a, &s));
    ASSERT_EQ(tick_await_read(co, s, b, sizeof(b), 5000), 1);
    ASSERT_OK(tick_await_write(co, s, b, 1));
    ASSERT_OK(tick_stream_close(tick_async_loop(co), s, NULL, NULL));
    m->served++;
  }
  (void)t;
  return tick_async_acceptor_close(m->a);
}

static int busy_second(tick_async_t *co, void *arg) {
  many_t *m = arg;
  tick_stream_t s;
  return tick_await_accept(co, m->a, &s);
}

static int many_client(tick_async_t *co, void *arg) {
  many_t *m = arg;
  tick_stream_t c;
  char b[4];
  ASSERT_OK(tick_await_connect_name(co, "127.0.0.1", m->port, 0, &c));
  ASSERT_OK(tick_await_write(co, c, "k", 1));
  ASSERT_EQ(tick_await_read(co, c, b, sizeof(b), 5000), 1);
  ASSERT_EQ(b[0], 'k');
  return tick_stream_close(tick_async_loop(co), c, NULL, NULL);
}

TEST(await_accept_many) {
  tick_loop_t *loop;
  tick_promise_t *ps[5];
  many_t m;
  int i;
  memset(&m, 0, sizeof(m));
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(listen_local(loop, &m.a, &m.port));
  ASSERT_OK(tick_async_run(loop, many_server, &m, NULL, &ps[0]));
  ASSERT_OK(tick_async_run(loop, busy_second, &m, NULL, &ps[1]));
  ASSERT_EQ(tick_promise_error(ps[1]), TICK_EBUSY);
  for (i = 2; i < 5; i++) ASSERT_OK(tick_async_run(loop, many_client, &m, NULL, &ps[i]));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(m.served, 3);
  for (i = 0; i < 5; i++) {
    if (i != 1) ASSERT_EQ(tick_promise_state(ps[i]), TICK_PROMISE_FULFILLED);
    ASSERT_OK(tick_promise_release(ps[i]));
  }
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A stream over a pipe: read until EOF. */
static int pipe_reader(tick_async_t *co, void *arg) {
  int *fds = arg;
  tick_stream_t r;
  char buf[8];
  ASSERT_OK(tick_pipe_open(tick_async_loop(co), fds[0], &r));
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  close(fds[1]);
  ASSERT_EQ(tick_await_read(co, r, buf, sizeof(buf), 1000), 3);
  ASSERT_EQ(tick_await_read(co, r, buf, sizeof(buf), 1000), 0);
  ASSERT_ERR(tick_await_read(co, r, buf, sizeof(buf), 1000), TICK_EOF);
  return tick_stream_close(tick_async_loop(co), r, NULL, NULL);
}

TEST(await_read_pipe_eof) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_OK(run_async(pipe_reader, fds));
}

/* ------------------------------------------------------------------ files ---- */

static int files(tick_async_t *co, void *arg) {
  const char *path = arg;
  tick_stat_t st;
  char buf[32];
  int fd;
  fd = tick_await_fs_open(co, path, O_CREAT | O_TRUNC | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_OK(tick_await_fs_write(co, fd, "0123456789", 10, 0));
  ASSERT_OK(tick_await_fs_write(co, fd, "ab", 2, -1));
  ASSERT_OK(tick_await_fs_stat(co, path, &st));
  ASSERT_UEQ(st.size, 10); /* -1 wrote at the current position: 0, over "01" */
  ASSERT_EQ(tick_await_fs_read(co, fd, buf, sizeof(buf), 0), 10);
  ASSERT(memcmp(buf, "ab23456789", 10) == 0);
  ASSERT_EQ(tick_await_fs_read(co, fd, buf, sizeof(buf), 10), 0); /* end of file */
  ASSERT_OK(tick_await_fs_close(co, fd));
  ASSERT_ERR(tick_await_fs_close(co, fd), TICK_EBADF);
  ASSERT_ERR(tick_await_fs_open(co, "/nonexistent/x", O_RDONLY, 0), TICK_ENOENT);
  ASSERT_ERR(tick_await_fs_stat(co, "/nonexistent/x", &st), TICK_ENOENT);
  ASSERT_ERR(tick_await_fs_stat(co, path, NULL), TICK_EINVAL);
  ASSERT_EQ(unlink(path), 0);
  return 0;
}

TEST(await_fs_open_write_stat_read_close) {
  char path[64];
  snprintf(path, sizeof(path), "/tmp/tick-async-io-%d", (int)getpid());
  ASSERT_OK(run_async(files, path));
}

/* ------------------------------------------------------- lookup, pool, spawn ---- */

static int lookups(tick_async_t *co, void *arg) {
  struct addrinfo hints, *res = NULL;
  (void)arg;
  memset(&hints, 0, sizeof(hints));
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_STREAM;
  ASSERT_OK(tick_await_getaddrinfo(co, "127.0.0.1", "80", &hints, 5000, &res));
  ASSERT(res != NULL);
  ASSERT_EQ(res->ai_family, AF_INET);
  tick_freeaddrinfo(res);
  ASSERT_ERR(tick_await_getaddrinfo(co, "not an address", NULL, &hints, 0, &res),
             TICK_EAI_NONAME);
  ASSERT_ERR(tick_await_getaddrinfo(co, NULL, NULL, NULL, 0, &res), TICK_EINVAL);
  ASSERT_ERR(tick_await_getaddrinfo(co, "x", NULL, NULL, 0, NULL), TICK_EINVAL);
  return 0;
}

TEST(await_getaddrinfo) {
  ASSERT_OK(run_async(lookups, NULL));
}

static int square(void *arg, void **value, tick_free_cb *free_value) {
  intptr_t x = (intptr_t)arg;
  *value = (void *)(x * x);
  *free_value = NULL;
  return x < 0 ? TICK_ERANGE : 0;
}

static int pool_work(tick_async_t *co, void *arg) {
  (void)arg;
  ASSERT_OK(tick_await_work(co, NULL, square, (void *)(intptr_t)12));
  ASSERT_EQ((intptr_t)tick_async_value(co), 144);
  ASSERT_ERR(tick_await_work(co, NULL, square, (void *)(intptr_t)-1), TICK_ERANGE);
  ASSERT_ERR(tick_await_work(co, NULL, NULL, NULL), TICK_EINVAL);
  return 0;
}

TEST(await_work) {
  ASSERT_OK(run_async(pool_work, NULL));
}

static int spawner(tick_async_t *co, void *arg) {
  tick_process_options_t o;
  char *argv[] = {(char *)"sh", (char *)"-c", (char *)"exit 3", NULL};
  char *argv2[] = {(char *)"sh", (char *)"-c", (char *)"kill -9 $$", NULL};
  int status = -1, sig = -1;
  (void)arg;
  memset(&o, 0, sizeof(o));
  o.file = "sh";
  o.argv = argv;
  ASSERT_OK(tick_await_spawn(co, &o, &status, &sig));
  ASSERT_EQ(status, 3);
  ASSERT_EQ(sig, 0);
  o.argv = argv2;
  ASSERT_OK(tick_await_spawn(co, &o, NULL, &sig));
  ASSERT_EQ(sig, 9);
  o.file = "/nonexistent/program";
  o.argv = NULL;
  ASSERT_ERR(tick_await_spawn(co, &o, &status, &sig), TICK_ENOENT);
  return 0;
}

TEST(await_spawn_exit_status) {
  ASSERT_OK(run_async(spawner, NULL));
}

/* ---------------------------------------------------------------------- UDP ---- */

static int udp_pair(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_udp_t a, b;
  struct sockaddr_storage sa, from;
  socklen_t len = sizeof(sa);
  char buf[4];
  int trunc = -1;
  (void)arg;
  ASSERT_OK(tick_udp_create(loop, AF_INET, &a));
  ASSERT_OK(tick_udp_create(loop, AF_INET, &b));
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &sa));
  ASSERT_OK(tick_udp_bind(loop, a, (struct sockaddr *)&sa, 0));
  ASSERT_OK(tick_udp_bind(loop, b, (struct sockaddr *)&sa, 0));
  ASSERT_OK(tick_udp_getsockname(loop, a, (struct sockaddr *)&sa, &len));
  ASSERT_ERR(tick_await_udp_recv(co, a, buf, sizeof(buf), NULL, NULL, 30), TICK_ETIMEDOUT);
  ASSERT_OK(tick_await_udp_send(co, b, "hello", 5, (struct sockaddr *)&sa));
  ASSERT_EQ(tick_await_udp_recv(co, a, buf, sizeof(buf), &from, &trunc, 5000), 4);
  ASSERT_EQ(trunc, 1);
  ASSERT(memcmp(buf, "hell", 4) == 0);
  ASSERT_EQ(from.ss_family, AF_INET);
  ASSERT_OK(tick_await_udp_send(co, b, "hi", 2, (struct sockaddr *)&sa));
  ASSERT_EQ(tick_await_udp_recv(co, a, buf, sizeof(buf), NULL, &trunc, 5000), 2);
  ASSERT_EQ(trunc, 0);
  ASSERT_ERR(tick_await_udp_recv(co, a, NULL, 4, NULL, NULL, 0), TICK_EINVAL);
  ASSERT_OK(tick_udp_close(loop, a, NULL, NULL));
  ASSERT_OK(tick_udp_close(loop, b, NULL, NULL));
  return 0;
}

TEST(await_udp_send_recv_timeout) {
  ASSERT_OK(run_async(udp_pair, NULL));
}

/* ------------------------------------------------------ allocation failure ---- */

/* Every form once; on any error the function cleans up and returns it. */
static int alloc_body(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  const char *path = arg;
  tick_async_acceptor_t *a = NULL;
  tick_stream_t c = {TICK_NULL_ID}, s = {TICK_NULL_ID};
  struct addrinfo *res = NULL;
  tick_process_options_t o;
  tick_udp_t u = {TICK_NULL_ID};
  struct sockaddr_storage sa;
  socklen_t len = sizeof(sa);
  tick_stat_t st;
  char buf[8];
  int port, fd = -1, rc;
  ssize_t n;
  if ((rc = tick_await_sleep(co, 1)) != 0) goto out;
  if ((rc = listen_local(loop, &a, &port)) != 0) goto out;
  if ((rc = tick_await_connect_name(co, "127.0.0.1", port, 0, &c)) != 0) goto out;
  if ((rc = tick_await_accept(co, a, &s)) != 0) goto out;
  if ((rc = tick_await_write(co, c, "abc", 3)) != 0) goto out;
  if ((rc = tick_await_shutdown(co, c)) != 0) goto out;
  if ((n = tick_await_read(co, s, buf, sizeof(buf), 5000)) < 0) {
    rc = (int)n;
    goto out;
  }
  if ((rc = tick_await_getaddrinfo(co, "127.0.0.1", NULL, NULL, 5000, &res)) != 0) goto out;
  tick_freeaddrinfo(res);
  if ((fd = tick_await_fs_open(co, path, O_CREAT | O_RDWR, 0600)) < 0) {
    rc = fd;
    goto out;
  }
  if ((rc = tick_await_fs_write(co, fd, "x", 1, 0)) != 0) goto out;
  if ((n = tick_await_fs_read(co, fd, buf, 1, 0)) < 0) {
    rc = (int)n;
    goto out;
  }
  if ((rc = tick_await_fs_stat(co, path, &st)) != 0) goto out;
  rc = tick_await_fs_close(co, fd);
  fd = -1;
  if (rc != 0) goto out;
  if ((rc = tick_await_work(co, NULL, square, (void *)(intptr_t)2)) != 0) goto out;
  memset(&o, 0, sizeof(o));
  o.file = "true";
  if ((rc = tick_await_spawn(co, &o, NULL, NULL)) != 0) goto out;
  if ((rc = tick_udp_create(loop, AF_INET, &u)) != 0) goto out;
  tick_ip_addr("127.0.0.1", 0, &sa);
  if ((rc = tick_udp_bind(loop, u, (struct sockaddr *)&sa, 0)) != 0) goto out;
  if ((rc = tick_udp_getsockname(loop, u, (struct sockaddr *)&sa, &len)) != 0) goto out;
  if ((rc = tick_await_udp_send(co, u, "d", 1, (struct sockaddr *)&sa)) != 0) goto out;
  if ((n = tick_await_udp_recv(co, u, buf, sizeof(buf), NULL, NULL, 5000)) < 0) rc = (int)n;
out:
  if (fd >= 0) close(fd);
  if (u.id != TICK_NULL_ID) tick_udp_close(loop, u, NULL, NULL);
  if (c.id != TICK_NULL_ID) tick_stream_close(loop, c, NULL, NULL);
  if (s.id != TICK_NULL_ID) tick_stream_close(loop, s, NULL, NULL);
  if (a != NULL) tick_async_acceptor_close(a);
  return rc;
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc;
  rc = tick_loop_create(&loop, 0);
  if (rc != 0) return rc;
  rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL);
  if (rc == 0) rc = tick_async_run(loop, alloc_body, arg, NULL, &p);
  if (rc == 0) {
    if (tick_loop_run(loop, TICK_RUN_DEFAULT) != 0) return TICK_EIO;
    if (tick_promise_state(p) == TICK_PROMISE_REJECTED) rc = tick_promise_error(p);
    tick_promise_release(p);
  }
  if (tick_loop_destroy(loop) != 0) return TICK_EIO;
  unlink((const char *)arg);
  if (rc != 0 && rc != TICK_ENOMEM) fprintf(stderr, "alloc scenario: %s\n", tick_err_name(rc));
  return rc;
}

TEST_TIMEOUT(await_io_alloc_failure_each_site, 120) {
  char path[64];
  size_t sites;
  snprintf(path, sizeof(path), "/tmp/tick-async-io-af-%d", (int)getpid());
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, path);
  ASSERT_GE(sites, 20);
}
