/* echo-server-async.c - examples/echo-server.c written with async functions.
 *
 *   build/examples/echo-server-async [--port N] [--host IP]     (default 127.0.0.1:7007)
 *
 * Same behaviour as echo-server: prints "listening on IP:PORT", echoes every byte each
 * client sends, and stops when standard input ends (closing the listener and every
 * connection), printing "served N connections". Each connection is one async function
 * that reads as sequential code (include/tick/async-io.h):
 *
 *     while ((n = await read(s, buf)) > 0) await write(s, buf, n);
 */
#include "tick.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct conn_s {
  tick_stream_t stream;
  struct conn_s *prev, *next;
} conn_t;

typedef struct server_s {
  tick_loop_t *loop;
  tick_async_acceptor_t *acceptor;
  conn_t *conns; /* open connections, each on the stack of its session */
  unsigned long accepted;
  int stopping;
} server_t;

static server_t server;

static int session(tick_async_t *co, void *arg) {
  conn_t c = {*(tick_stream_t *)arg, NULL, server.conns}; /* copied before the first await */
  char buf[64 * 1024];
  ssize_t n;
  if (c.next != NULL) c.next->prev = &c;
  server.conns = &c;
  while ((n = tick_await_read(co, c.stream, buf, sizeof(buf), 0)) > 0)
    if (tick_await_write(co, c.stream, buf, (size_t)n) < 0) break;
  if (n < 0 && n != TICK_ECANCELED) fprintf(stderr, "echo-server: read: %s\n", tick_strerror((int)n));
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
    if (rc < 0) { /* out of descriptors: the listener pauses and retries by itself */
      fprintf(stderr, "echo-server: accept: %s\n", tick_strerror(rc));
      continue;
    }
    server.accepted++;
    if (tick_async_run(server.loop, session, &client, NULL, NULL) != 0)
      tick_stream_close(server.loop, client, NULL, NULL);
  }
  return 0;
}

/* Standard input's end (or error) stops the server; /dev/null or a file cannot be
 * watched, and then it runs until killed. */
static int watch_stdin(tick_async_t *co, void *arg) {
  tick_stream_t in;
  char scratch[256];
  (void)arg;
  if (tick_pipe_open(server.loop, STDIN_FILENO, &in) != 0) return 0;
  while (tick_await_read(co, in, scratch, sizeof(scratch), 0) > 0) {}
  tick_stream_close(server.loop, in, NULL, NULL);
  server.stopping = 1;
  tick_async_acceptor_close(server.acceptor);
  for (conn_t *c = server.conns; c != NULL; c = c->next)
    tick_stream_close(server.loop, c->stream, NULL, NULL);
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_storage bound;
  const char *host = "127.0.0.1";
  int port = 7007, rc;
  tick_stream_t listener;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      host = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--port N] [--host IP]\n", argv[0]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN); /* a client that goes away while we write: an error code */

  rc = tick_loop_create(&server.loop, 0);
  if (rc == 0) rc = tick_tcp_create(server.loop, AF_UNSPEC, &listener);
  if (rc == 0) rc = tick_tcp_bind_ip(server.loop, listener, host, port, 0);
  if (rc == 0) rc = tick_tcp_getsockname(server.loop, listener, &bound);
  if (rc == 0) rc = tick_async_listen(server.loop, listener, 0, &server.acceptor);
  if (rc != 0) {
    fprintf(stderr, "echo-server: cannot listen on %s:%d: %s\n", host, port,
            tick_strerror(rc));
    return 1;
  }
  printf("listening on %s:%d\n", host, tick_ip_port(&bound));
  fflush(stdout);
  rc = tick_async_run(server.loop, accept_loop, NULL, NULL, NULL);
  if (rc == 0) rc = tick_async_run(server.loop, watch_stdin, NULL, NULL, NULL);
  if (rc == 0) rc = tick_loop_run(server.loop, TICK_RUN_DEFAULT);
  if (rc < 0) fprintf(stderr, "echo-server: %s\n", tick_strerror(rc));
  printf("served %lu connections\n", server.accepted);
  rc = tick_loop_destroy(server.loop);
  if (rc != 0) {
    fprintf(stderr, "echo-server: loop destroy: %s\n", tick_strerror(rc));
    return 1;
  }
  return 0;
}
