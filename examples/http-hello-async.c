/* http-hello-async.c - examples/http-hello.c written with async functions.
 *
 *   build/examples/http-hello-async [--port N] [--host IP] [--idle-timeout MS]
 *                                                   (default 127.0.0.1:8080, 5000 ms)
 *
 * Same behaviour as http-hello (read its header for the HTTP/1.1 it speaks: keep-alive,
 * pipelining with one write per batch of responses, Content-Length bodies skipped, 400,
 * 405, 404, 431, 501, Connection: close, the idle timeout), same output, and it stops when
 * standard input ends. Each connection is one async function (include/tick/async-io.h):
 *
 *     for (;;) {
 *       out = responses to the complete requests in `in`;
 *       if (out) { await write(s, out); if (close requested) { await shutdown(s); break; } }
 *       else if ((n = await read(s, in, {timeout})) <= 0) break;
 *     }
 *     close(s);
 */
#include "tick.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_HEADER 8192
#define HELLO "Hello, world!\n"

typedef struct conn_s {
  tick_stream_t stream;
  struct conn_s *prev, *next;
  char in[2 * MAX_HEADER], out[8192]; /* bytes not parsed yet; responses not sent yet */
  size_t in_len, out_len, body_left;  /* body_left: bytes of a request body to skip */
  int ending;                         /* a response said Connection: close */
} conn_t;

static struct {
  tick_loop_t *loop;
  tick_async_acceptor_t *acceptor;
  conn_t *conns;
  int64_t idle_timeout_ms;
  unsigned long accepted, requests;
} server = {.idle_timeout_ms = 5000};

static void respond(conn_t *c, int status, const char *reason, const char *body, int head,
                    int close_after, const char *extra) {
  server.requests++;
  c->out_len += (size_t)snprintf(
      c->out + c->out_len, sizeof(c->out) - c->out_len,
      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s%s\r\n%s",
      status, reason, body ? strlen(body) : 0, close_after ? "Connection: close\r\n" : "",
      extra ? extra : "", body && !head ? body : "");
  c->ending |= close_after;
}

/* Whether the header line [p, eol) is `name` (case-insensitive); *value is its value. */
static int header_is(const char *p, const char *eol, const char *name, char *value,
                     size_t cap) {
  size_t n = strlen(name), len;
  if ((size_t)(eol - p) <= n || strncasecmp(p, name, n) != 0 || p[n] != ':') return 0;
  for (p += n + 1; p < eol && (*p == ' ' || *p == '\t'); p++) {}
  len = (size_t)(eol - p) < cap - 1 ? (size_t)(eol - p) : cap - 1;
  memcpy(value, p, len);
  value[len] = '\0';
  return 1;
}

/* Whether the comma-separated list `value` holds `token` (case-insensitive). */
static int has_token(char *value, const char *token) {
  for (char *save, *t = strtok_r(value, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
    if (strcasecmp(t, token) == 0) return 1;
  return 0;
}

/* Answers the request head [head, end) (it ends with the blank line). */
static void handle_request(conn_t *c, const char *head, const char *end) {
  const char *eol = memmem(head, (size_t)(end - head), "\r\n", 2), *p;
  const char *sp1 = memchr(head, ' ', (size_t)(eol - head));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
  int close_req = 0, keep_req = 0, length_seen = 0, chunked = 0, bad = 0, keep;
  char value[256];
  if (sp1 == NULL || sp2 == NULL || sp1 == head || sp2 == sp1 + 1 || eol - sp2 != 9 ||
      memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
    return respond(c, 400, "Bad Request", "bad request line\n", 0, 1, NULL);
  for (p = eol + 2; p < end - 2 && !bad; p = eol + 2) {
    eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (eol == p || memchr(p, ':', (size_t)(eol - p)) == NULL) bad = 1;
    else if (header_is(p, eol, "Connection", value, sizeof(value))) {
      close_req |= has_token(value, "close");
      header_is(p, eol, "Connection", value, sizeof(value));
      keep_req |= has_token(value, "keep-alive");
    } else if (header_is(p, eol, "Content-Length", value, sizeof(value))) {
      size_t len = strlen(value);
      bad |= length_seen || len == 0 || len > 12 || strspn(value, "0123456789") != len;
      c->body_left = (size_t)strtoull(value, NULL, 10);
      length_seen = 1;
    } else if (header_is(p, eol, "Transfer-Encoding", value, sizeof(value))) {
      chunked = 1;
    }
  }
  if (bad) return respond(c, 400, "Bad Request", "bad header\n", 0, 1, NULL);
  if (chunked)
    return respond(c, 501, "Not Implemented", "chunked bodies are not supported\n", 0, 1,
                   NULL);
  keep = sp2[8] == '0' ? keep_req && !close_req : !close_req;
  int get = sp1 - head == 3 && memcmp(head, "GET", 3) == 0;
  int is_head = sp1 - head == 4 && memcmp(head, "HEAD", 4) == 0;
  if (!get && !is_head)
    return respond(c, 405, "Method Not Allowed", "only GET and HEAD\n", 0, !keep,
                   "Allow: GET, HEAD\r\n");
  if (sp2 - sp1 == 2 && sp1[1] == '/')
    return respond(c, 200, "OK", HELLO, is_head, !keep, NULL);
  respond(c, 404, "Not Found", "not found\n", is_head, !keep, NULL);
}

/* Answers the complete requests in c->in while c->out has room for another response. */
static void parse_requests(conn_t *c) {
  size_t used = 0;
  while (!c->ending && used < c->in_len && sizeof(c->out) - c->out_len > 512) {
    char *start = c->in + used, *blank;
    size_t avail = c->in_len - used, skip;
    if (c->body_left > 0) {
      skip = avail < c->body_left ? avail : c->body_left;
      c->body_left -= skip;
      used += skip;
    } else if ((blank = memmem(start, avail, "\r\n\r\n", 4)) == NULL) {
      if (avail > MAX_HEADER) respond(c, 431, "Request Header Fields Too Large", NULL, 0, 1, NULL);
      break;
    } else if (blank + 4 - start > MAX_HEADER) {
      respond(c, 431, "Request Header Fields Too Large", NULL, 0, 1, NULL);
    } else {
      handle_request(c, start, blank + 4);
      used += (size_t)(blank + 4 - start);
    }
  }
  memmove(c->in, c->in + used, c->in_len - used);
  c->in_len -= used;
}

static int session(tick_async_t *co, void *arg) {
  conn_t c = {.stream = *(tick_stream_t *)arg, .next = server.conns};
  ssize_t n = 0;
  if (c.next != NULL) c.next->prev = &c;
  server.conns = &c;
  tick_tcp_nodelay(server.loop, c.stream, 1);
  for (;;) {
    parse_requests(&c);
    if (c.out_len > 0) {
      if ((n = tick_await_write(co, c.stream, c.out, c.out_len)) < 0) break;
      c.out_len = 0;
      if (c.ending) { /* Connection: close was sent: the client reads EOF after it */
        tick_await_shutdown(co, c.stream);
        break;
      }
    } else if ((n = tick_await_read(co, c.stream, c.in + c.in_len, sizeof(c.in) - c.in_len,
                                    server.idle_timeout_ms)) <= 0) {
      break;
    } else {
      c.in_len += (size_t)n;
    }
  }
  if (n < 0 && n != TICK_ECANCELED && n != TICK_ECONNRESET && n != TICK_EPIPE &&
      n != TICK_ETIMEDOUT)
    fprintf(stderr, "http-hello: connection error: %s\n", tick_strerror((int)n));
  if (c.next != NULL) c.next->prev = c.prev;
  *(c.prev != NULL ? &c.prev->next : &server.conns) = c.next;
  tick_stream_close(server.loop, c.stream, NULL, NULL); /* TICK_ECLOSING after a stop */
  return 0;
}

static int accept_loop(tick_async_t *co, void *arg) {
  tick_stream_t client;
  int rc;
  (void)arg;
  while ((rc = tick_await_accept(co, server.acceptor, &client)) != TICK_ECANCELED) {
    if (rc < 0) {
      fprintf(stderr, "http-hello: accept: %s\n", tick_strerror(rc));
      continue;
    }
    server.accepted++;
    if (tick_async_run(server.loop, session, &client, NULL, NULL) != 0)
      tick_stream_close(server.loop, client, NULL, NULL);
  }
  return 0;
}

/* Standard input's end stops the server (/dev/null or a file: it runs until killed). */
static int watch_stdin(tick_async_t *co, void *arg) {
  tick_stream_t in;
  char scratch[256];
  (void)arg;
  if (tick_pipe_open(server.loop, STDIN_FILENO, &in) != 0) return 0;
  while (tick_await_read(co, in, scratch, sizeof(scratch), 0) > 0) {}
  tick_stream_close(server.loop, in, NULL, NULL);
  tick_async_acceptor_close(server.acceptor);
  for (conn_t *c = server.conns; c != NULL; c = c->next)
    tick_stream_close(server.loop, c->stream, NULL, NULL);
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_storage bound;
  const char *host = "127.0.0.1";
  int port = 8080, rc;
  tick_stream_t listener;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else if (strcmp(argv[i], "--idle-timeout") == 0 && i + 1 < argc) {
      server.idle_timeout_ms = atoll(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--port N] [--host IP] [--idle-timeout MS]\n", argv[0]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  rc = tick_loop_create(&server.loop, 0);
  if (rc == 0) rc = tick_tcp_create(server.loop, AF_UNSPEC, &listener);
  if (rc == 0) rc = tick_tcp_bind_ip(server.loop, listener, host, port, 0);
  if (rc == 0) rc = tick_tcp_getsockname(server.loop, listener, &bound);
  if (rc == 0) rc = tick_async_listen(server.loop, listener, 0, &server.acceptor);
  if (rc != 0) {
    fprintf(stderr, "http-hello: cannot listen on %s:%d: %s\n", host, port,
            tick_strerror(rc));
    return 1;
  }
  printf("listening on %s:%d\n", host, tick_ip_port(&bound));
  fflush(stdout);
  rc = tick_async_run(server.loop, accept_loop, NULL, NULL, NULL);
  if (rc == 0) rc = tick_async_run(server.loop, watch_stdin, NULL, NULL, NULL);
  if (rc == 0) rc = tick_loop_run(server.loop, TICK_RUN_DEFAULT);
  if (rc < 0) fprintf(stderr, "http-hello: %s\n", tick_strerror(rc));
  printf("served %lu requests on %lu connections\n", server.requests, server.accepted);
  rc = tick_loop_destroy(server.loop);
  if (rc != 0) {
    fprintf(stderr, "http-hello: loop destroy: %s\n", tick_strerror(rc));
    return 1;
  }
  return 0;
}
