/* 170-context-net-callbacks.c - twin of the .js. Rule: a listener's accept callback runs
 * in the context of the listener's creation; an accepted connection starts with no
 * context (its handle is made before the accept callback is entered, as in Node); a
 * connect callback and a write callback run in the context of the connect or write
 * call. */
#include "xtwin.h"

#include <sys/socket.h>

static tick_stream_t listener, server_sock, client;
static char sbuf[256], cbuf[256];

static void alloc_buf(tick_loop_t *loop, tick_stream_t s, size_t n, tick_buf_t *b, void *arg) {
  (void)loop;
  (void)s;
  (void)n;
  *b = tick_buf(arg, 255);
}

static void server_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                        void *arg) {
  (void)arg;
  if (n > 0) {
    b->base[n] = 0;
    sayf("server data %s: %s", b->base,
         tick_context_get(loop) ? (const char *)tick_context_get(loop) : "undefined");
    twin_check(tick_stream_shutdown(loop, server_sock, NULL, NULL), "shutdown");
    twin_check(tick_stream_close(loop, listener, NULL, NULL), "close listener");
  } else if (n < 0) {
    twin_check(tick_stream_close(loop, s, NULL, NULL), "close server socket");
  }
}

static void client_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                        void *arg) {
  (void)b;
  (void)arg;
  if (n < 0) twin_check(tick_stream_close(loop, s, NULL, NULL), "close client");
}

static void on_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                      void *arg) {
  (void)l;
  (void)arg;
  twin_check(status, "accept");
  log_store(loop, "connection");
  server_sock = c;
  twin_check(tick_stream_read_start(loop, c, alloc_buf, server_read, sbuf), "read_start");
}

static void on_written(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)s;
  (void)arg;
  twin_check(status, "write");
  log_store(loop, "written");
}

static void write_ping(tick_loop_t *loop, void *arg) {
  static const char ping[] = "ping";
  tick_buf_t b = tick_buf((char *)(uintptr_t)ping, 4);
  (void)arg;
  twin_check(tick_stream_write(loop, client, &b, 1, on_written, NULL), "write");
}

static void on_connect(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)arg;
  twin_check(status, "connect");
  log_store(loop, "connected");
  twin_check(tick_stream_read_start(loop, s, alloc_buf, client_read, cbuf), "read_start");
  twin_check(tick_context_run(loop, store_of("writer"), write_ping, NULL), "run writer");
}

static void connect_client(tick_loop_t *loop, void *arg) {
  struct sockaddr_storage a;
  (void)arg;
  twin_check(tick_tcp_getsockname(loop, listener, &a), "getsockname");
  twin_check(tick_tcp_create(loop, AF_INET, &client), "tcp_create");
  twin_check(tick_tcp_connect_ip(loop, client, "127.0.0.1", tick_ip_port(&a), 0, on_connect,
                                 NULL),
             "connect");
}

static void on_listening(tick_loop_t *loop, void *arg) {
  (void)arg;
  log_store(loop, "listening");
  twin_check(tick_context_run(loop, store_of("client"), connect_client, NULL), "run client");
}

static void start_server(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_tcp_create(loop, AF_INET, &listener), "tcp_create");
  twin_check(tick_tcp_bind_ip(loop, listener, "127.0.0.1", 0, 0), "bind");
  twin_check(tick_tcp_listen(loop, listener, 0, on_accept, NULL), "listen");
  /* Node calls the listen callback in a next-tick. */
  twin_check(tick_next_tick(loop, on_listening, NULL), "next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("server"), start_server, NULL), "run server");
}
