/* echo-server.c - a TCP echo server written with promises.
 *
 *   build/examples/echo-server [--port N] [--host IP]     (default 127.0.0.1:7007)
 *
 * It prints "listening on IP:PORT" once it accepts connections (with --port 0 the kernel
 * picks the port, and the line says which), then sends back every byte each client
 * sends. It stops when its standard input ends (Ctrl-D in a terminal, or the writer of a
 * pipe closing it): the listener and every connection are closed and the program exits
 * with status 0. With standard input redirected from /dev/null or a file, which the loop
 * cannot watch, it runs until it is killed. `make demo-echo` runs it against a small
 * client; tests/test-examples.c checks it.
 *
 * Each connection is one promise chain, the C spelling of
 *
 *     for (;;) { buf = await read(s); if (buf.len == 0) break; await write(s, buf); }
 *     close(s);
 *
 * tick_stream_read_promise fulfils with a buffer tick allocated (freed with the promise), so the
 * session keeps the read promise until the write that sends the buffer back has
 * completed, and only then asks for the next read. A session's memory is counted: one
 * reference for the open stream, released by its close callback, and one per promise
 * reaction that names it, released by the reaction's free_arg, so that a reaction that
 * runs after the close (a read cancelled by it) still finds its session alive.
 */
#include "tick.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct server_s server_t;

typedef struct session_s {
  server_t *server;
  tick_stream_t stream;
  tick_promise_t *read;     /* the pending or last read: it owns the buffer being echoed */
  int refs;                 /* the open stream + reactions that name this session */
  int closing;
  struct session_s *prev, *next; /* the server's open sessions */
} session_t;

struct server_s {
  tick_loop_t *loop;
  tick_stream_t listener;
  tick_poll_t stdin_watch;
  int watching_stdin;
  int stopping;
  session_t *sessions;
  unsigned long accepted;
};

static void session_unref(void *arg) {
  session_t *session = arg;
  if (--session->refs > 0)
    return;
  tick_promise_release(session->read);
  free(session);
}

static void session_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  session_unref(arg);
}

/* Closes the connection (once); what is pending is cancelled and reported to the chain. */
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
    session_unref(session); /* cannot happen: the stream is open until here */
}

static void session_read(session_t *session);

/* Registers on_fulfilled/on_rejected on `promise` with the session as their argument;
 * the reaction holds a reference. */
static int session_then(session_t *session, tick_promise_t *promise,
                        tick_promise_cb on_fulfilled, tick_promise_cb on_rejected) {
  int rc;
  session->refs++;
  rc = tick_promise_then(promise, on_fulfilled, on_rejected, session, session_unref, NULL);
  return rc; /* on failure, free_arg has already dropped the reference */
}

static int on_failed(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                     void *arg) {
  session_t *session = arg;
  int error = tick_promise_error(settled);
  (void)loop;
  (void)next;
  /* A read cancelled by our own close is the normal end; anything else is worth a line. */
  if (error != TICK_ECANCELED && error != TICK_ECONNRESET && error != TICK_EPIPE)
    fprintf(stderr, "echo-server: connection error: %s\n", tick_strerror(error));
  session_close(session);
  return 0;
}

static int on_written(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                      void *arg) {
  session_t *session = arg;
  (void)loop;
  (void)settled;
  (void)next;
  if (!session->closing)
    session_read(session);
  return 0;
}

static int on_data(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                   void *arg) {
  session_t *session = arg;
  tick_buf_t *buf = tick_promise_value(settled);
  tick_promise_t *written = NULL;
  int rc;
  (void)next;
  if (session->closing)
    return 0;
  if (buf->len == 0) { /* end of stream: the client has finished */
    session_close(session);
    return 0;
  }
  /* session->read (the promise that owns buf) stays referenced until on_written. */
  rc = tick_stream_write_promise(loop, session->stream, buf, 1, &written);
  if (rc == 0) {
    rc = session_then(session, written, on_written, on_failed);
    tick_promise_release(written);
  }
  if (rc != 0) {
    fprintf(stderr, "echo-server: write: %s\n", tick_strerror(rc));
    session_close(session);
  }
  return 0;
}

/* Asks for the next chunk; replaces (and so frees) the previous read and its buffer. */
static void session_read(session_t *session) {
  tick_promise_t *read = NULL;
  int rc = tick_stream_read_promise(session->server->loop, session->stream, 0, 0, &read);
  tick_promise_release(session->read);
  session->read = read;
  if (rc == 0)
    rc = session_then(session, read, on_data, on_failed);
  if (rc != 0) {
    if (rc != TICK_EOF)
      fprintf(stderr, "echo-server: read: %s\n", tick_strerror(rc));
    session_close(session);
  }
}

static void on_connection(tick_loop_t *loop, tick_stream_t listener, int status,
                          tick_stream_t client, void *arg) {
  server_t *server = arg;
  session_t *session;
  (void)listener;
  if (status < 0) { /* out of descriptors: the listener pauses and retries by itself */
    fprintf(stderr, "echo-server: accept: %s\n", tick_strerror(status));
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
  session->refs = 1; /* the open stream */
  session->next = server->sessions;
  if (server->sessions != NULL)
    server->sessions->prev = session;
  server->sessions = session;
  session_read(session);
}

/* Standard input ended (or failed): stop accepting, close every connection. The loop
 * then runs out of work and tick_loop_run returns. */
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
      return; /* input is ignored; only its end matters */
  }
  server_stop(arg);
}

int main(int argc, char **argv) {
  server_t server;
  struct sockaddr_storage bound;
  const char *host = "127.0.0.1";
  int port = 7007;
  int rc;

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
  /* A client that goes away while we write must be an error code, not a signal. */
  signal(SIGPIPE, SIG_IGN);

  memset(&server, 0, sizeof(server));
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
    fprintf(stderr, "echo-server: cannot listen on %s:%d: %s\n", host, port,
            tick_strerror(rc));
    return 1;
  }
  /* Standard input's end stops the server; /dev/null or a file cannot be watched. */
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
    fprintf(stderr, "echo-server: loop: %s\n", tick_strerror(rc));
  printf("served %lu connections\n", server.accepted);
  rc = tick_loop_destroy(server.loop);
  if (rc != 0) {
    fprintf(stderr, "echo-server: loop destroy: %s\n", tick_strerror(rc));
    return 1;
  }
  return 0;
}
