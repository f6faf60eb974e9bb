/* test-examples.c - runs the network examples (examples/echo-server.c,
 * examples/http-hello.c, their async-function twins *-async.c run through the same tests,
 * and examples/fetch.c) and examples/hashdir.c as a user would: each test starts the
 * program built beside this runner (BUILD/examples/NAME, so it carries the same sanitizers, and valgrind follows it
 * into the child), reads the port from its "listening on" line, talks to it over
 * 127.0.0.1 with plain sockets, then closes the program's standard input and asserts
 * that it exits with status 0 (a leak under ASan or valgrind would make that fail).
 */
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long one wait on a socket may take before the test fails (valgrind is slow). */
#define IO_TIMEOUT_MS 30000

typedef struct example_s {
  pid_t pid;
  int stdin_fd;  /* our end of its standard input: closing it stops the server */
  int stdout_fd; /* our end of its standard output */
  int port;
} example_t;

/* Starts BUILD/examples/`name` --port 0 [option value] and reads its port. */
static void example_start(example_t *ex, const char *name, const char *option,
                          const char *value) {
  char self[PATH_MAX], path[PATH_MAX + 64], line[256];
  int in[2], out[2];
  size_t len = 0;
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  /* self is BUILD/tests/run-tests; the example is BUILD/examples/NAME. */
  snprintf(path, sizeof(path), "%s/../examples/%s", dirname(self), name);
  ASSERT_EQ(access(path, X_OK), 0);
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  fflush(stdout);
  fflush(stderr);
  ex->pid = fork();
  ASSERT_GE(ex->pid, 0);
  if (ex->pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    if (option != NULL)
      execl(path, path, "--port", "0", option, value, (char *)NULL);
    else
      execl(path, path, "--port", "0", (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  ex->stdin_fd = in[1];
  ex->stdout_fd = out[0];
  /* "listening on 127.0.0.1:PORT\n" */
  while (len < sizeof(line) - 1 && memchr(line, '\n', len) == NULL) {
    struct pollfd pfd = {ex->stdout_fd, POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
    n = read(ex->stdout_fd, line + len, sizeof(line) - 1 - len);
    ASSERT_GT(n, 0);
    len += (size_t)n;
  }
  line[len] = '\0';
  ASSERT(strncmp(line, "listening on 127.0.0.1:", 23) == 0);
  ex->port = atoi(line + 23);
  ASSERT_GT(ex->port, 0);
}

/* Closes its standard input and waits: the server must close everything and exit 0.
 * Returns what it printed after the "listening" line. */
static void example_stop(example_t *ex, char *tail, size_t tail_size) {
  int status = 0;
  size_t len = 0;
  ssize_t n;
  close(ex->stdin_fd);
  for (;;) {
    struct pollfd pfd = {ex->stdout_fd, POLLIN, 0};
    ASSERT_EQ(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
    n = read(ex->stdout_fd, tail + len, tail_size - 1 - len);
    ASSERT_GE(n, 0);
    if (n == 0)
      break;
    len += (size_t)n;
    ASSERT_LT(len, tail_size - 1);
  }
  tail[len] = '\0';
  close(ex->stdout_fd);
  while (waitpid(ex->pid, &status, 0) < 0)
    ASSERT_EQ(errno, EINTR);
  ASSERT(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

static int client_connect(int port) {
  struct sockaddr_in address;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);
  return fd;
}

/* Waits for `events` on fd, failing the test after IO_TIMEOUT_MS. */
static short wait_for(int fd, short events) {
  struct pollfd pfd = {fd, events, 0};
  int rc;
  do
    rc = poll(&pfd, 1, IO_TIMEOUT_MS);
  while (rc < 0 && errno == EINTR);
  ASSERT_EQ(rc, 1);
  return pfd.revents;
}

static void send_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    p += n;
    len -= (size_t)n;
  }
}

/* Whether the peer has closed: the next read returns end of stream (or a reset). */
static int peer_closed(int fd) {
  char c;
  wait_for(fd, POLLIN);
  ssize_t n = recv(fd, &c, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* Sends `len` bytes and reads them back at the same time (a large message would fill
 * both directions' buffers if the client only wrote), checking every byte. */
static void echo_exchange(int fd, const char *data, size_t len) {
  char *back = malloc(len);
  size_t sent = 0, got = 0;
  int flags = fcntl(fd, F_GETFL);
  ASSERT(back != NULL);
  ASSERT_EQ(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
  while (got < len) {
    struct pollfd pfd = {fd, (short)(POLLIN | (sent < len ? POLLOUT : 0)), 0};
    ASSERT_EQ(poll(&pfd, 1, IO_TIMEOUT_MS), 1);
    if (sent < len && (pfd.revents & POLLOUT)) {
      ssize_t n = send(fd, data + sent, len - sent, MSG_NOSIGNAL);
      if (n < 0)
        ASSERT_EQ(errno, EAGAIN);
      else
        sent += (size_t)n;
    }
    if (pfd.revents & POLLIN) {
      ssize_t n = recv(fd, back + got, len - got, 0);
      if (n < 0)
        ASSERT_EQ(errno, EAGAIN);
      else {
        ASSERT_GT(n, 0);
        got += (size_t)n;
      }
    }
  }
  ASSERT_EQ(memcmp(back, data, len), 0);
  ASSERT_EQ(fcntl(fd, F_SETFL, flags), 0);
  free(back);
}

/* ------------------------------------------------------------------ echo-server ---- */

static void echo_server_test(const char *name) {
  example_t ex;
  char tail[256];
  size_t big_len = slow_build() ? 256 * 1024 : 4 * 1024 * 1024;
  char *big = malloc(big_len);
  int fds[3];
  ASSERT(big != NULL);
  for (size_t i = 0; i < big_len; i++)
    big[i] = (char)(i * 7 + i / 251);
  example_start(&ex, name, NULL, NULL);

  /* Three clients at once, interleaved: each gets its own bytes back. */
  for (int i = 0; i < 3; i++)
    fds[i] = client_connect(ex.port);
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 3; i++) {
      char message[64];
      int len = snprintf(message, sizeof(message), "client %d round %d", i, round);
      echo_exchange(fds[i], message, (size_t)len);
    }
  }
  /* A large message, read back while it is being written (back-pressure both ways). */
  echo_exchange(fds[0], big, big_len);
  /* Half-close: the server sees end of stream, closes, and we read end of stream. */
  ASSERT_EQ(shutdown(fds[1], SHUT_WR), 0);
  ASSERT(peer_closed(fds[1]));
  close(fds[1]);
  close(fds[0]);
  /* fds[2] stays open: stopping the server must close it too. */
  example_stop(&ex, tail, sizeof(tail));
  ASSERT(peer_closed(fds[2]));
  close(fds[2]);
  ASSERT_STR_EQ(tail, "served 3 connections\n");
  free(big);
}

TEST_TIMEOUT(example_echo_server, 60) { echo_server_test("echo-server"); }
TEST_TIMEOUT(example_echo_server_async, 60) { echo_server_test("echo-server-async"); }

static void echo_server_idle_test(const char *name) {
  example_t ex;
  char tail[256];
  example_start(&ex, name, NULL, NULL);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT_STR_EQ(tail, "served 0 connections\n");
}

TEST(example_echo_server_stops_with_no_client) { echo_server_idle_test("echo-server"); }
TEST(example_echo_server_async_stops_with_no_client) {
  echo_server_idle_test("echo-server-async");
}

/* ------------------------------------------------------------------- http-hello ---- */

typedef struct response_s {
  int status;
  int connection_close;
  long content_length;
  char body[256];
} response_t;

/* Reads one response from fd, using and refilling `buf` (holding *len bytes). HEAD
 * responses have no body whatever Content-Length says: pass head = 1. */
static void read_response(int fd, char *buf, size_t cap, size_t *len, int head,
                          response_t *r) {
  char *blank;
  size_t head_len, body_len;
  while ((blank = memmem(buf, *len, "\r\n\r\n", 4)) == NULL) {
    ASSERT_LT(*len, cap);
    wait_for(fd, POLLIN);
    ssize_t n = recv(fd, buf + *len, cap - *len, 0);
    ASSERT_GT(n, 0);
    *len += (size_t)n;
  }
  head_len = (size_t)(blank + 4 - buf);
  memset(r, 0, sizeof(*r));
  r->content_length = -1;
  ASSERT(strncmp(buf, "HTTP/1.1 ", 9) == 0);
  r->status = atoi(buf + 9);
  for (char *line = strstr(buf, "\r\n") + 2; line < blank + 2;
       line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, "Content-Length:", 15) == 0)
      r->content_length = atol(line + 15);
    if (strncasecmp(line, "Connection: close\r\n", 19) == 0)
      r->connection_close = 1;
  }
  ASSERT_GE(r->content_length, 0);
  body_len = head ? 0 : (size_t)r->content_length;
  ASSERT_LT(body_len, sizeof(r->body));
  while (*len < head_len + body_len) {
    wait_for(fd, POLLIN);
    ssize_t n = recv(fd, buf + *len, cap - *len, 0);
    ASSERT_GT(n, 0);
    *len += (size_t)n;
  }
  memcpy(r->body, buf + head_len, body_len);
  r->body[body_len] = '\0';
  memmove(buf, buf + head_len + body_len, *len - head_len - body_len);
  *len -= head_len + body_len;
}

#define GET_ROOT "GET / HTTP/1.1\r\nHost: test\r\n\r\n"

static void http_hello_test(const char *name) {
  example_t ex;
  char tail[256], buf[8192];
  size_t len = 0;
  response_t r;
  int fd;
  /* A long keep-alive timeout: a slow run (valgrind, a loaded machine) must not see its
   * connections closed between two requests. */
  example_start(&ex, name, "--idle-timeout", "600000");

  /* Keep-alive: two requests one after the other on one connection. */
  fd = client_connect(ex.port);
  for (int i = 0; i < 2; i++) {
    send_all(fd, GET_ROOT, strlen(GET_ROOT));
    read_response(fd, buf, sizeof(buf), &len, 0, &r);
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.connection_close, 0);
    ASSERT_STR_EQ(r.body, "Hello, world!\n");
  }
  /* Pipelined: four requests in one send, the last split across two sends, answered in
   * order: GET /, HEAD / (no body), GET /missing (404), a POST with a body (405, the
   * body skipped), then GET / once more. */
  const char *pipelined = GET_ROOT "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n"
                                   "GET /missing HTTP/1.1\r\nHost: test\r\n\r\n"
                                   "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                                   "GET / HT";
  send_all(fd, pipelined, strlen(pipelined));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  read_response(fd, buf, sizeof(buf), &len, 1, &r);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.content_length, 14);
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 404);
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 405);
  send_all(fd, "TP/1.1\r\nHost: test\r\n\r\n", strlen("TP/1.1\r\nHost: test\r\n\r\n"));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  ASSERT_STR_EQ(r.body, "Hello, world!\n");
  /* Connection: close: answered, marked, then the server ends the connection. */
  const char *close_request = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
  send_all(fd, close_request, strlen(close_request));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.connection_close, 1);
  ASSERT_EQ(len, 0);
  ASSERT(peer_closed(fd));
  close(fd);

  /* HTTP/1.0 closes by default; with keep-alive it stays open. */
  fd = client_connect(ex.port);
  const char *keep_alive_10 = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  send_all(fd, keep_alive_10, strlen(keep_alive_10));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.connection_close, 0);
  send_all(fd, "GET / HTTP/1.0\r\n\r\n", strlen("GET / HTTP/1.0\r\n\r\n"));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.connection_close, 1);
  ASSERT(peer_closed(fd));
  close(fd);

  /* Garbage: 400 and the connection ends; requests after it are not answered. */
  fd = client_connect(ex.port);
  send_all(fd, "NONSENSE\r\n\r\n" GET_ROOT, strlen("NONSENSE\r\n\r\n" GET_ROOT));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 400);
  ASSERT_EQ(r.connection_close, 1);
  ASSERT_EQ(len, 0);
  ASSERT(peer_closed(fd));
  close(fd);

  /* A connection left open is closed when the server stops. */
  fd = client_connect(ex.port);
  send_all(fd, GET_ROOT, strlen(GET_ROOT));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT(peer_closed(fd));
  close(fd);
  ASSERT_STR_EQ(tail, "served 12 requests on 4 connections\n");
}

TEST_TIMEOUT(example_http_hello, 60) { http_hello_test("http-hello"); }
TEST_TIMEOUT(example_http_hello_async, 60) { http_hello_test("http-hello-async"); }

static void http_idle_test(const char *name) {
  example_t ex;
  char tail[256], buf[1024];
  size_t len = 0;
  response_t r;
  int fd;
  example_start(&ex, name, "--idle-timeout", "100");
  /* A connection that sends nothing is closed once the timeout has passed; one that
   * sent a request is answered first. */
  fd = client_connect(ex.port);
  ASSERT(peer_closed(fd));
  close(fd);
  fd = client_connect(ex.port);
  send_all(fd, GET_ROOT, strlen(GET_ROOT));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 200);
  ASSERT(peer_closed(fd));
  close(fd);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT_STR_EQ(tail, "served 1 requests on 2 connections\n");
}

TEST(example_http_hello_idle_timeout) { http_idle_test("http-hello"); }
TEST(example_http_hello_async_idle_timeout) { http_idle_test("http-hello-async"); }

static void http_refusals_test(const char *name) {
  example_t ex;
  char tail[256], buf[1024];
  char *huge = malloc(9000);
  size_t len = 0;
  response_t r;
  int fd;
  ASSERT(huge != NULL);
  example_start(&ex, name, "--idle-timeout", "600000");
  /* A header section that never ends within 8 KiB: 431, then the end. */
  memcpy(huge, "GET / HTTP/1.1\r\nX-Long: ", 24);
  memset(huge + 24, 'x', 9000 - 24);
  fd = client_connect(ex.port);
  send_all(fd, huge, 9000);
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 431);
  ASSERT_EQ(r.connection_close, 1);
  ASSERT(peer_closed(fd));
  close(fd);
  /* A chunked body is refused (501), and the connection ends. */
  fd = client_connect(ex.port);
  const char *chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  send_all(fd, chunked, strlen(chunked));
  read_response(fd, buf, sizeof(buf), &len, 0, &r);
  ASSERT_EQ(r.status, 501);
  ASSERT_EQ(r.connection_close, 1);
  ASSERT_EQ(len, 0);
  ASSERT(peer_closed(fd));
  close(fd);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT_STR_EQ(tail, "served 2 requests on 2 connections\n");
  free(huge);
}

TEST(example_http_hello_refusals) { http_refusals_test("http-hello"); }
TEST(example_http_hello_async_refusals) { http_refusals_test("http-hello-async"); }

/* ----------------------------------------------------------------------- fetch ---- */

/* Runs BUILD/examples/fetch with `argv` (NULL-terminated, without the program), collects
 * its standard output and error in `out`, and returns its exit status. */
static int run_fetch(const char *const *argv, char *out, size_t cap) {
  char self[PATH_MAX], path[PATH_MAX + 64];
  char *args[16];
  int fds[2], status = 0, n_args = 0;
  size_t len = 0;
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  pid_t pid;
  ASSERT_GT(n, 0);
  self[n] = '\0';
  snprintf(path, sizeof(path), "%s/../examples/fetch", dirname(self));
  args[n_args++] = path;
  while (*argv != NULL && n_args < 15)
    args[n_args++] = (char *)(uintptr_t)*argv++;
  args[n_args] = NULL;
  ASSERT_EQ(pipe(fds), 0);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(path, args);
    _exit(127);
  }
  close(fds[1]);
  while ((n = read(fds[0], out + len, cap - 1 - len)) > 0)
    len += (size_t)n;
  out[len] = '\0';
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0)
    ASSERT_EQ(errno, EINTR);
  ASSERT(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* A listener that never accepts nor answers: connects succeed (the backlog), reads wait. */
static int silent_listener(int *port) {
  struct sockaddr_in a;
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ASSERT_EQ(listen(fd, 8), 0);
  ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  *port = ntohs(a.sin_port);
  return fd;
}

TEST_TIMEOUT(example_fetch, 60) {
  example_t ex;
  char tail[256], out[4096], u1[64], u2[64];
  example_start(&ex, "http-hello", "--idle-timeout", "600000");
  snprintf(u1, sizeof(u1), "http://127.0.0.1:%d/", ex.port);
  snprintf(u2, sizeof(u2), "http://localhost:%d", ex.port);
  const char *ok[] = {u1, u2, u1, NULL};
  ASSERT_EQ(run_fetch(ok, out, sizeof(out)), 0);
  ASSERT(strstr(out, "200 14 http://localhost:") != NULL);
  ASSERT(strstr(out, "200 14 http://127.0.0.1:") != NULL);
  /* A 404 is a failure, the other answers still come. */
  snprintf(u2, sizeof(u2), "http://127.0.0.1:%d/missing", ex.port);
  const char *missing[] = {"--timeout-ms", "5000", u2, u1, NULL};
  ASSERT_EQ(run_fetch(missing, out, sizeof(out)), 1);
  ASSERT(strstr(out, "404 10 http://127.0.0.1:") != NULL);
  ASSERT(strstr(out, "200 14 http://127.0.0.1:") != NULL);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT_STR_EQ(tail, "served 5 requests on 5 connections\n");
}

TEST_TIMEOUT(example_fetch_refused_timeout_bad_url, 60) {
  example_t ex;
  char tail[256], out[4096], good[64], refused[64], silent[64], timeout[32];
  struct timespec t0, t1;
  /* 300 ms natively; under valgrind and the sanitizers the good request itself may need
   * longer, so the per-request timeout grows with the runner's scale. */
  const char *scale = getenv("TICK_TEST_TIMEOUT_SCALE");
  long timeout_ms = (long)(300 * (scale != NULL && atof(scale) > 1 ? atof(scale) : 1));
  int silent_port, silent_fd = silent_listener(&silent_port), dead_port;
  close(silent_listener(&dead_port)); /* a port nobody listens on any more */
  example_start(&ex, "http-hello", "--idle-timeout", "600000");
  snprintf(good, sizeof(good), "http://127.0.0.1:%d/", ex.port);
  snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/", dead_port);
  snprintf(silent, sizeof(silent), "http://127.0.0.1:%d/", silent_port);
  snprintf(timeout, sizeof(timeout), "%ld", timeout_ms);
  const char *args[] = {"--timeout-ms", timeout, silent, refused, good, "ftp://x/", NULL};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  ASSERT_EQ(run_fetch(args, out, sizeof(out)), 1);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ASSERT(strstr(out, "200 14 http://127.0.0.1:") != NULL);
  ASSERT(strstr(out, "ECONNREFUSED") != NULL);
  ASSERT(strstr(out, "ETIMEDOUT") != NULL);
  ASSERT(strstr(out, "fetch: ftp://x/: EINVAL") != NULL);
  ASSERT_GE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
            timeout_ms - 10);
  close(silent_fd);
  example_stop(&ex, tail, sizeof(tail));
  ASSERT_STR_EQ(tail, "served 1 requests on 1 connections\n");
  const char *usage[] = {NULL};
  ASSERT_EQ(run_fetch(usage, out, sizeof(out)), 2);
}

/* ------------------------------------------------------------------------ tour ---- */

/* The tour (make demo) runs to the end, and its I/O part prints its callbacks in the
 * order SEMANTICS.md section 4 gives. */
TEST(example_tour) {
  char self[PATH_MAX], path[PATH_MAX + 64];
  static char output[65536];
  const char *order[] = {"the client is connected", "the write callback", "the server reads",
                         "check phase: the immediate, before the timer",
                         "close phase: the server's connection is closed",
                         "close phase: the listener is closed", "the 0 ms timer",
                         "the loop ran dry"};
  size_t len = 0;
  int out[2], status = 0;
  pid_t pid;
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  snprintf(path, sizeof(path), "%s/../examples/tour", dirname(self));
  ASSERT_EQ(pipe(out), 0);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(path, path, (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  while ((n = read(out[0], output + len, sizeof(output) - 1 - len)) > 0)
    len += (size_t)n;
  close(out[0]);
  output[len] = '\0';
  while (waitpid(pid, &status, 0) < 0)
    ASSERT_EQ(errno, EINTR);
  ASSERT(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const char *at = strstr(output, "== Part 4: I/O ==");
  ASSERT(at != NULL);
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    const char *found = strstr(at, order[i]);
    if (found == NULL)
      test_fail(__FILE__, __LINE__, "tour: \"%s\" missing or out of order", order[i]);
    at = found;
  }
  /* Part 5: an async function runs synchronously to its first await, and resumes one
   * turn later, before a microtask queued after tick_async_run returned. */
  const char *async_order[] = {"== Part 5: async functions ==", "synchronously, up to its first await",
                               "tick_async_run returned", "resumed one turn later",
                               "the microtask queued after", "resumed after tick_await_sleep",
                               "the loop ran dry"};
  at = output;
  for (size_t i = 0; i < sizeof(async_order) / sizeof(async_order[0]); i++) {
    const char *found = strstr(at, async_order[i]);
    if (found == NULL)
      test_fail(__FILE__, __LINE__, "tour: \"%s\" missing or out of order", async_order[i]);
    at = found;
  }
}

/* --------------------------------------------------------------------- hashdir ---- */

/* Runs BUILD/examples/hashdir with `a1` [`a2`], collects its standard output in `out` and
 * its standard error in `err`, and returns its exit status. */
static int run_hashdir(const char *a1, const char *a2, char *out, size_t out_cap, char *err,
                       size_t err_cap) {
  char self[PATH_MAX], path[PATH_MAX + 64];
  int o[2], e[2], status = 0;
  size_t olen = 0, elen = 0;
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  pid_t pid;
  ASSERT_GT(n, 0);
  self[n] = '\0';
  snprintf(path, sizeof(path), "%s/../examples/hashdir", dirname(self));
  ASSERT_EQ(pipe(o), 0);
  ASSERT_EQ(pipe(e), 0);
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(o[1], STDOUT_FILENO);
    dup2(e[1], STDERR_FILENO);
    close(o[0]);
    close(o[1]);
    close(e[0]);
    close(e[1]);
    execl(path, path, a1, a2, (char *)NULL);
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  /* The outputs are small: standard error is read once standard output has ended. */
  while ((n = read(o[0], out + olen, out_cap - 1 - olen)) > 0) olen += (size_t)n;
  while ((n = read(e[0], err + elen, err_cap - 1 - elen)) > 0) elen += (size_t)n;
  out[olen] = '\0';
  err[elen] = '\0';
  close(o[0]);
  close(e[0]);
  while (waitpid(pid, &status, 0) < 0)
    ASSERT_EQ(errno, EINTR);
  ASSERT(WIFEXITED(status));
  return WEXITSTATUS(status);
}

typedef struct hashed_s {
  char path[128];
  unsigned long long hash;
} hashed_t;

static int by_path(const void *a, const void *b) {
  return strcmp(((const hashed_t *)a)->path, ((const hashed_t *)b)->path);
}

/* 40 files of different sizes (some larger than the example's 64 KiB chunk, one empty),
 * plus a subdirectory and a symbolic link, which are not hashed: the output is each
 * file's FNV-1a hash in path order, and no more than 8 files were open at once. */
TEST_TIMEOUT(example_hashdir, 60) {
  static char out[16384], err[4096], expect[16384];
  static unsigned char data[200000];
  static hashed_t files[40];
  char dir[] = "/tmp/tick-hashdir-XXXXXX", path[128], link_path[128];
  int i, fd, open_max;
  size_t len, j;
  const char *at;
  ASSERT(mkdtemp(dir) != NULL);
  for (i = 0; i < 40; i++) {
    uint64_t h = 0xcbf29ce484222325u;
    size_t size = (size_t)i * 4999u;
    for (j = 0; j < size; j++) data[j] = (unsigned char)(j * 31u + (size_t)i);
    /* Created out of name order, so the listing is not sorted already. */
    snprintf(files[i].path, sizeof(files[i].path), "%s/file-%02d", dir, (i * 7) % 40);
    fd = open(files[i].path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, data, size), (ssize_t)size);
    close(fd);
    for (j = 0; j < size; j++) h = (h ^ data[j]) * 0x100000001b3u;
    files[i].hash = (unsigned long long)h;
  }
  qsort(files, 40, sizeof(files[0]), by_path);
  expect[0] = '\0';
  for (i = 0; i < 40; i++) {
    len = strlen(expect);
    snprintf(expect + len, sizeof(expect) - len, "%016llx  %s\n", files[i].hash,
             files[i].path);
  }
  snprintf(path, sizeof(path), "%s/subdir", dir);
  ASSERT_EQ(mkdir(path, 0755), 0);
  snprintf(link_path, sizeof(link_path), "%s/link", dir);
  snprintf(path, sizeof(path), "%s/file-00", dir);
  ASSERT_EQ(symlink(path, link_path), 0);

  ASSERT_EQ(run_hashdir("--stats", dir, out, sizeof(out), err, sizeof(err)), 0);
  ASSERT_STR_EQ(out, expect);
  at = strstr(err, "open at most: ");
  ASSERT(at != NULL);
  open_max = atoi(at + 14);
  ASSERT_GE(open_max, 1);
  ASSERT_LE(open_max, 8);

  /* Failures: exit status 1 and the error on standard error. */
  snprintf(path, sizeof(path), "%s/missing", dir);
  ASSERT_EQ(run_hashdir(path, NULL, out, sizeof(out), err, sizeof(err)), 1);
  ASSERT_STR_EQ(out, "");
  ASSERT(strstr(err, "missing: ENOENT") != NULL);
  snprintf(path, sizeof(path), "%s/file-01", dir);
  ASSERT_EQ(run_hashdir(path, NULL, out, sizeof(out), err, sizeof(err)), 1);
  ASSERT(strstr(err, "file-01: ENOTDIR") != NULL);
  ASSERT_EQ(run_hashdir(NULL, NULL, out, sizeof(out), err, sizeof(err)), 2);

  unlink(link_path);
  snprintf(path, sizeof(path), "%s/subdir", dir);
  rmdir(path);
  for (i = 0; i < 40; i++) unlink(files[i].path);
  ASSERT_EQ(rmdir(dir), 0);
}
