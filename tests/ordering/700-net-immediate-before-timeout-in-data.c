/* 700-net-immediate-before-timeout-in-data.c - C twin of the .js (SEMANTICS 4, I/O): in a
 * stream's read callback, ticks then microtasks run first, then an immediate queued there
 * runs before a 0 ms timer queued there. */
#include "twin.h"

#include <string.h>
#include <sys/socket.h>

static tick_stream_t listener, server_sock, client;
static char sbuf[256], cbuf[256];

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_immediate(tick_loop_t *loop, void *arg) {
  (void)arg;
  say("immediate from data");
  twin_check(tick_stream_shutdown(loop, server_sock, NULL, NULL), "tick_stream_shutdown");
  twin_check(tick_stream_close(loop, listener, NULL, NULL), "close listener");
}

static void alloc_s(tick_loop_t *loop, tick_stream_t s, size_t n, tick_buf_t *b, void *arg) {
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
    sayf("server data %s", b->base);
    twin_check(tick_set_timeout(loop, 0, timer_label, "timeout 0 from data", NULL), "timeout");
    twin_check(tick_set_immediate(loop, on_immediate, NULL, NULL), "immediate");
    twin_check(tick_queue_microtask(loop, print_label, "microtask from data"), "microtask");
    twin_check(tick_next_tick(loop, print_label, "tick from data"), "next_tick");
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
  server_sock = c;
  twin_check(tick_stream_read_start(loop, c, alloc_s, server_read, sbuf), "read_start");
}

static void on_connect(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  tick_buf_t b = tick_buf("ping", 4);
  (void)arg;
  twin_check(status, "connect");
  twin_check(tick_stream_read_start(loop, s, alloc_s, client_read, cbuf), "read_start");
  twin_check(tick_stream_write(loop, s, &b, 1, NULL, NULL), "write");
}

static void main_script(tick_loop_t *loop) {
  struct sockaddr_storage a;
  twin_check(tick_tcp_create(loop, AF_INET, &listener), "tcp_create");
  twin_check(tick_tcp_bind_ip(loop, listener, "127.0.0.1", 0, 0), "bind");
  twin_check(tick_tcp_listen(loop, listener, 0, on_accept, NULL), "listen");
  twin_check(tick_tcp_getsockname(loop, listener, &a), "getsockname");
  twin_check(tick_tcp_create(loop, AF_INET, &client), "tcp_create");
  twin_check(tick_tcp_connect_ip(loop, client, "127.0.0.1", tick_ip_port(&a), 0, on_connect,
                                 NULL),
             "connect");
}
