/* http-hello.c - an HTTP/1.1 "hello" server with keep-alive, written with promises.
 *
 *   build/examples/http-hello [--port N] [--host IP] [--idle-timeout MS]
 *                                                   (default 127.0.0.1:8080, 5000 ms)
 *   curl -v http://127.0.0.1:8080/
 *
 * It prints "listening on IP:PORT" (with --port 0 the kernel picks the port), answers
 * GET and HEAD of "/" with "Hello, world!\n" and other paths with 404, and stops when its
 * standard input ends (as echo-server.c does: Ctrl-D, or a pipe's writer closing it).
 * On exit it reports on standard error how busy its loop was (the loop utilization) and
 * how late the loop got back to its deadlines (the event-loop delay's 99th percentile,
 * sampled every 10 ms), from tick_loop_metrics (tick/metrics.h).
 * `make demo-http` runs it against curl; tests/test-examples.c checks it.
 *
 * What it does of HTTP/1.1 (RFC 9112), enough for keep-alive and pipelining:
 * - Connections are persistent unless the request says "Connection: close", or is
 *   HTTP/1.0 without "Connection: keep-alive"; then the response carries
 *   "Connection: close" and the server shuts its side down after sending it.
 * - Pipelined requests (several in one read, or split across reads) are answered in
 *   order: every complete request in the buffer is parsed and its response appended to
 *   one output buffer, sent with one write; the next read is asked for only once that
 *   write has completed, so a client that sends faster than it reads is slowed down
 *   (back-pressure) rather than buffered without bound.
 * - A request body announced by Content-Length is read and ignored. A chunked body is
 *   not supported (501, then close), nor are header sections above 8 KiB (431, close)
 *   or anything malformed (400, close). Methods other than GET and HEAD get 405.
 * - An idle connection is closed after 5 seconds without a request (Node's default
 *   keep-alive timeout; --idle-timeout changes it), through the read promise's timeout.
 *
 * The promise chain per connection is the C spelling of
 *
 *     for (;;) {
 *       chunk = await read(s, {timeout: 5 s});  if (chunk.len == 0) break;
 *       append chunk; out = responses to every complete request;
 *       if (out) await write(s, out);  if (close requested) { await shutdown(s); break; }
 *     }
 *     close(s);
 *
 * Sessions are reference-counted as in echo-server.c (read its header).
 */
#include "tick.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_HEADER 8192
#define KEEP_ALIVE_MS 5000 /* default of --idle-timeout */
#define HELLO "Hello, world!\n"

typedef struct server_s server_t;

typedef struct session_s {
  server_t *server;
  tick_stream_t stream;
  int refs;    /* the open stream + reactions that name this session */
  int closing; /* close called */
  int ending;  /* a response said Connection: close: no more requests are parsed */
  /* Bytes received and not yet parsed. */
  char *in;
  size_t in_len, in_cap;
  size_t body_left; /* bytes of the current request's body still to skip */
  /* Responses being written (owned here until the write completes). */
  char *out;
  size_t out_len, out_cap;
  struct session_s *prev, *next;
} session_t;

struct server_s {
  tick_loop_t *loop;
  tick_stream_t listener;
  tick_poll_t stdin_watch;
  int watching_stdin;
  int stopping;
  session_t *sessions;
  int64_t idle_timeout_ms;
  unsigned long accepted, requests;
};

/* ------------------------------------------------------------ session memory ---- */

static void session_unref(void *arg) {
  session_t *session = arg;
  if (--session->refs > 0)
    return;
  free(session->in);
  free(session->out);
  free(session);
}

static void session_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  session_unref(arg);
}

static void session_close(session_t *session) {
  server_t *server = session->server;
  if (session->closing)
    return;
  session->closing = 1;
  if (session->prev != NULL)
    session->prev->next = session->next;
  else
    server->sessions = session->next;
  if (session->next != NULL)
    session->next->prev = session->prev;
  if (tick_stream_close(server->loop, session->stream, session_closed, session) != 0)
    session_unref(session);
}

static int session_then(session_t *session, tick_promise_t *promise,
                        tick_promise_cb on_fulfilled, tick_promise_cb on_rejected) {
  session->refs++;
  return tick_promise_then(promise, on_fulfilled, on_rejected, session, session_unref,
                           NULL);
}

/* Grows *buf to hold `need` bytes. Returns 0 or -1. */
static int reserve(char **buf, size_t *cap, size_t need) {
  size_t cap2 = *cap ? *cap : 512;
  char *grown;
  if (need <= *cap)
    return 0;
  while (cap2 < need)
    cap2 *= 2;
  grown = realloc(*buf, cap2);
  if (grown == NULL)
    return -1;
  *buf = grown;
  *cap = cap2;
  return 0;
}

static int out_append(session_t *session, const char *fmt, ...) {
  va_list ap;
  int n;
  char line[512];
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(line) ||
      reserve(&session->out, &session->out_cap, session->out_len + (size_t)n) != 0)
    return -1;
  memcpy(session->out + session->out_len, line, (size_t)n);
  session->out_len += (size_t)n;
  return 0;
}

/* -------------------------------------------------------------------- parsing ---- */

/* Appends one response. `body` NULL sends none (HEAD, or an error without text). */
static int respond(session_t *session, int status, const char *reason, const char *body,
                   int head_only, int close_after, const char *extra_header) {
  size_t body_len = body ? strlen(body) : 0;
  session->server->requests++;
  if (out_append(session,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                 "%s%s\r\n%s",
                 status, reason, body_len, close_after ? "Connection: close\r\n" : "",
                 extra_header ? extra_header : "", (body && !head_only) ? body : "") != 0)
    return -1;
  if (close_after)
    session->ending = 1;
  return 0;
}

/* A header's value (trimmed) if `line` is that header, else NULL; sets *len. */
static const char *header_value(const char *line, size_t line_len, const char *name,
                                size_t *len) {
  size_t name_len = strlen(name);
  const char *value, *end = line + line_len;
  if (line_len <= name_len || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
    return NULL;
  value = line + name_len + 1;
  while (value < end && (*value == ' ' || *value == '\t'))
    value++;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *len = (size_t)(end - value);
  return value;
}

/* Whether a comma-separated header value contains `token` (case-insensitive). */
static int has_token(const char *value, size_t len, const char *token) {
  size_t token_len = strlen(token);
  const char *p = value, *end = value + len;
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *item_end = comma ? comma : end;
    while (p < item_end && (*p == ' ' || *p == '\t'))
      p++;
    const char *q = item_end;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
      q--;
    if ((size_t)(q - p) == token_len && strncasecmp(p, token, token_len) == 0)
      return 1;
    p = item_end + (comma ? 1 : 0);
  }
  return 0;
}

/* Parses one complete request head of `len` bytes (ending with the blank line) and
 * appends its response. Returns 0, or -1 when out of memory. */
static int handle_request(session_t *session, const char *head, size_t len) {
  const char *line_end = memmem(head, len, "\r\n", 2);
  const char *sp1, *sp2, *p, *end = head + len;
  int http10, keep_alive, close_requested = 0, keep_alive_requested = 0;
  int content_length_seen = 0, chunked = 0, bad = 0;
  size_t content_length = 0;

  /* Request line: METHOD SP TARGET SP HTTP/1.x */
  sp1 = memchr(head, ' ', (size_t)(line_end - head));
  sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
  if (sp1 == NULL || sp2 == NULL || sp1 == head || sp2 == sp1 + 1 ||
      line_end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
      (sp2[8] != '0' && sp2[8] != '1'))
    return respond(session, 400, "Bad Request", "bad request line\n", 0, 1, NULL);
  http10 = sp2[8] == '0';

  /* Header fields. */
  for (p = line_end + 2; p < end - 2; ) {
    const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    const char *value;
    size_t value_len;
    if (eol == NULL || eol == p || memchr(p, ':', (size_t)(eol - p)) == NULL) {
      bad = 1;
      break;
    }
    if ((value = header_value(p, (size_t)(eol - p), "Connection", &value_len)) != NULL) {
      close_requested |= has_token(value, value_len, "close");
      keep_alive_requested |= has_token(value, value_len, "keep-alive");
    } else if ((value = header_value(p, (size_t)(eol - p), "Content-Length", &value_len)) !=
               NULL) {
      size_t n = 0;
      if (value_len == 0 || value_len > 12 || content_length_seen)
        bad = 1;
      for (size_t i = 0; i < value_len && !bad; i++) {
        if (value[i] < '0' || value[i] > '9')
          bad = 1;
        else
          n = n * 10 + (size_t)(value[i] - '0');
      }
      content_length = n;
      content_length_seen = 1;
    } else if ((value = header_value(p, (size_t)(eol - p), "Transfer-Encoding",
                                     &value_len)) != NULL) {
      chunked = 1;
    }
    p = eol + 2;
  }
  if (bad)
    return respond(session, 400, "Bad Request", "bad header\n", 0, 1, NULL);
  if (chunked)
    return respond(session, 501, "Not Implemented", "chunked bodies are not supported\n", 0,
                   1, NULL);
  session->body_left = content_length;

  keep_alive = http10 ? keep_alive_requested && !close_requested : !close_requested;
  size_t method_len = (size_t)(sp1 - head);
  int is_get = method_len == 3 && memcmp(head, "GET", 3) == 0;
  int is_head = method_len == 4 && memcmp(head, "HEAD", 4) == 0;
  if (!is_get && !is_head)
    return respond(session, 405, "Method Not Allowed", "only GET and HEAD\n", 0, !keep_alive,
                   "Allow: GET, HEAD\r\n");
  if (sp2 - sp1 - 1 == 1 && sp1[1] == '/')
    return respond(session, 200, "OK", HELLO, is_head, !keep_alive, NULL);
  return respond(session, 404, "Not Found", "not found\n", is_head, !keep_alive, NULL);
}

/* Parses every complete request in session->in, appending responses to session->out.
 * Returns 0, or -1 when out of memory. */
static int parse_requests(session_t *session) {
  size_t used = 0;
  while (!session->ending && used < session->in_len) {
    char *start = session->in + used;
    size_t avail = session->in_len - used;
    if (session->body_left > 0) { /* skip a body */
      size_t skip = avail < session->body_left ? avail : session->body_left;
      session->body_left -= skip;
      used += skip;
      continue;
    }
    char *blank = memmem(start, avail, "\r\n\r\n", 4);
    if (blank == NULL) {
      if (avail > MAX_HEADER && respond(session, 431, "Request Header Fields Too Large",
                                        NULL, 0, 1, NULL) != 0)
        return -1;
      break;
    }
    size_t head_len = (size_t)(blank + 4 - start);
    if (head_len > MAX_HEADER) {
      if (respond(session, 431, "Request Header Fields Too Large", NULL, 0, 1, NULL) != 0)
        return -1;
      break;
    }
    if (handle_request(session, start, head_len) != 0)
      return -1;
    used += head_len;
  }
  memmove(session->in, session->in + used, session->in_len - used);
  session->in_len -= used;
  return 0;
}

/* -------------------------------------------------------------- promise chain ---- */

static void session_read(session_t *session);

static int on_failed(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  session_t *session = arg;
  int error = tick_promise_error(settled);
  (void)loop;
  (void)next;
  if (error != TICK_ECANCELED && error != TICK_ECONNRESET && error != TICK_EPIPE &&
      error != TICK_ETIMEDOUT)
    fprintf(stderr, "http-hello: connection error: %s\n", tick_strerror(error));
  session_close(session);
  return 0;
}

static int on_shut_down(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)settled;
  (void)next;
  session_close(arg);
  return 0;
}

static int on_written(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                      void *arg) {
  session_t *session = arg;
  tick_promise_t *shut = NULL;
  (void)settled;
  (void)next;
  if (session->closing)
    return 0;
  session->out_len = 0;
  if (!session->ending) {
    session_read(session);
    return 0;
  }
  /* Connection: close was sent: end our side, so the client reads EOF after it. */
  if (tick_stream_shutdown_promise(loop, session->stream, &shut) != 0) {
    session_close(session);
    return 0;
  }
  if (session_then(session, shut, on_shut_down, on_shut_down) != 0)
    session_close(session);
  tick_promise_release(shut);
  return 0;
}

static int on_data(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  session_t *session = arg;
  tick_buf_t *buf = tick_promise_value(settled);
  tick_promise_t *written = NULL;
  tick_buf_t out;
  (void)next;
  if (session->closing)
    return 0;
  if (buf->len == 0) { /* the client closed its side */
    session_close(session);
    return 0;
  }
  if (reserve(&session->in, &session->in_cap, session->in_len + buf->len) != 0 ||
      (memcpy(session->in + session->in_len, buf->base, buf->len),
       session->in_len += buf->len, parse_requests(session) != 0)) {
    fprintf(stderr, "http-hello: out of memory\n");
    session_close(session);
    return 0;
  }
  if (session->out_len == 0) { /* no complete request yet */
    session_read(session);
    return 0;
  }
  out = tick_buf(session->out, session->out_len);
  if (tick_stream_write_promise(loop, session->stream, &out, 1, &written) != 0) {
    session_close(session);
    return 0;
  }
  if (session_then(session, written, on_written, on_failed) != 0)
    session_close(session);
  tick_promise_release(written);
  return 0;
}

static void session_read(session_t *session) {
  tick_promise_t *read = NULL;
  int rc = tick_stream_read_promise(session->server->loop, session->stream, 0,
                             session->server->idle_timeout_ms, &read);
  if (rc == 0) {
    rc = session_then(session, read, on_data, on_failed);
    tick_promise_release(read);
  }
  if (rc != 0) {
    if (rc != TICK_EOF)
      fprintf(stderr, "http-hello: read: %s\n", tick_strerror(rc));
    session_close(session);
  }
}

/* --------------------------------------------------------------------- server ---- */

static void on_connection(tick_loop_t *loop, tick_stream_t listener, int status,
                          tick_stream_t client, void *arg) {
  server_t *server = arg;
  session_t *session;
  (void)listener;
  if (status < 0) {
    fprintf(stderr, "http-hello: accept: %s\n", tick_strerror(status));
    return;
  }
  session = calloc(1, sizeof(*session));
  if (session == NULL) {
    tick_stream_close(loop, client, NULL, NULL);
    return;
  }
  server->accepted++;
  session->server = server;
  session->stream = client;
  session->refs = 1;
  session->next = server->sessions;
  if (server->sessions != NULL)
    server->sessions->prev = session;
  server->sessions = session;
  tick_tcp_nodelay(loop, client, 1);
  session_read(session);
}

static void server_stop(server_t *server) {
  if (server->stopping)
    return;
  server->stopping = 1;
  tick_stream_close(server->loop, server->listener, NULL, NULL);
  if (server->watching_stdin)
    tick_poll_close(server->loop, server->stdin_watch, NULL, NULL);
  while (server->sessions != NULL)
    session_close(server->sessions);
}

static void on_stdin(tick_loop_t *loop, tick_poll_t watcher, int status, unsigned events,
                     void *arg) {
  char scratch[256];
  ssize_t n;
  (void)loop;
  (void)watcher;
  (void)events;
  if (status == 0) {
    n = read(STDIN_FILENO, scratch, sizeof(scratch));
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
      return;
  }
  server_stop(arg);
}

/* The loop's utilization (active / (active + idle), as Node's eventLoopUtilization) and
 * its delay percentiles, on standard error so that the output above stays the same. */
static void report_metrics(tick_loop_t *loop) {
  tick_loop_metrics_t m;
  double active, total;
  m.size = sizeof(m);
  if (tick_loop_metrics(loop, &m) != 0) return;
  active = (double)m.active_ns;
  total = active + (double)m.idle_ns;
  fprintf(stderr,
          "http-hello: loop utilization %.1f%% (%.0f ms active, %.0f ms idle), "
          "event-loop delay p99 %.2f ms (max %.2f ms, %llu samples)\n",
          total > 0 ? 100.0 * active / total : 0.0, active / 1e6, (double)m.idle_ns / 1e6,
          (double)m.delay_p99_ns / 1e6, (double)m.delay_max_ns / 1e6,
          (unsigned long long)m.delay_samples);
}

int main(int argc, char **argv) {
  server_t server;
  struct sockaddr_storage bound;
  const char *host = "127.0.0.1";
  int port = 8080;
  int64_t idle_timeout_ms = KEEP_ALIVE_MS;
  int rc;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else if (strcmp(argv[i], "--idle-timeout") == 0 && i + 1 < argc) {
      idle_timeout_ms = atoll(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--port N] [--host IP] [--idle-timeout MS]\n", argv[0]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  memset(&server, 0, sizeof(server));
  server.idle_timeout_ms = idle_timeout_ms;
  rc = tick_loop_create(&server.loop, 0);
  if (rc == 0)
    rc = tick_tcp_create(server.loop, AF_UNSPEC, &server.listener);
  if (rc == 0)
    rc = tick_tcp_bind_ip(server.loop, server.listener, host, port, 0);
  if (rc == 0)
    rc = tick_tcp_listen(server.loop, server.listener, 0, on_connection, &server);
  if (rc == 0)
    rc = tick_tcp_getsockname(server.loop, server.listener, &bound);
  if (rc != 0) {
    fprintf(stderr, "http-hello: cannot listen on %s:%d: %s\n", host, port,
            tick_strerror(rc));
    return 1;
  }
  /* Loop utilization and event-loop delay, reported on exit. */
  rc = tick_loop_metrics_enable(server.loop, TICK_METRICS_IDLE_TIME | TICK_METRICS_DELAY, 10);
  if (rc != 0) fprintf(stderr, "http-hello: metrics: %s\n", tick_strerror(rc));
  if (tick_poll_create(server.loop, STDIN_FILENO, &server.stdin_watch) == 0) {
    if (tick_poll_start(server.loop, server.stdin_watch, TICK_READABLE, on_stdin,
                        &server) == 0)
      server.watching_stdin = 1;
    else
      tick_poll_close(server.loop, server.stdin_watch, NULL, NULL);
  }
  printf("listening on %s:%d\n", host, tick_ip_port(&bound));
  fflush(stdout);

  rc = tick_loop_run(server.loop, TICK_RUN_DEFAULT);
  if (rc < 0)
    fprintf(stderr, "http-hello: loop: %s\n", tick_strerror(rc));
  printf("served %lu requests on %lu connections\n", server.requests, server.accepted);
  report_metrics(server.loop);
  rc = tick_loop_destroy(server.loop);
  if (rc != 0) {
    fprintf(stderr, "http-hello: loop destroy: %s\n", tick_strerror(rc));
    return 1;
  }
  return 0;
}
