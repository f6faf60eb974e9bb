/* 701-net-close-callback-last.c - C twin of the .js (SEMANTICS 4, I/O): a stream closed in
 * its read callback gets its close callback in the close phase: after the callback's
 * ticks and the immediate it queued, before a 0 ms timer. */
#include "twin.h"

#include <sys/socket.h>

static tick_stream_t listener, client;
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

static void alloc_s(tick_loop_t *loop, tick_stream_t s, size_t n, tick_buf_t *b, void *arg) {
  (void)loop;
  (void)s;
  (void)n;
  *b = tick_buf(arg, sizeof(sbuf));
}

static void server_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                        void *arg) {
  (void)b;
  (void)arg;
  if (n <= 0) return;
  say("data");
  twin_check(tick_stream_close(loop, s, print_label, "close"), "close");
  twin_check(tick_set_timeout(loop, 0, timer_label, "timeout 0", NULL), "timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate", NULL), "immediate");
  twin_check(tick_next_tick(loop, print_label, "tick"), "next_tick");
}

static void client_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *b,
                        void *arg) {
  (void)b;
  (void)arg;
  if (n >= 0) return;
  twin_check(tick_stream_close(loop, s, NULL, NULL), "close client");
  twin_check(tick_stream_close(loop, listener, NULL, NULL), "close listener");
}

static void on_accept(tick_loop_t *loop, tick_stream_t l, int status, tick_stream_t c,
                      void *arg) {
  (void)l;
  (void)arg;
  twin_check(status, "accept");
  twin_check(tick_stream_read_start(loop, c, alloc_s, server_read, sbuf), "read_start");
}

static void on_connect(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  tick_buf_t b = tick_buf("x", 1);
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
