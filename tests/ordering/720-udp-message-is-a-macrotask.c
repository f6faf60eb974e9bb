/* SEMANTICS 3 + 4: twin of 720-udp-message-is-a-macrotask.js */
#include "twin.h"

#include <arpa/inet.h>
#include <string.h>

static tick_udp_t rx, tx;
static char ring[2 * 64];
static int n;

static void p(tick_loop_t *l, void *a) { (void)l; say(a); }
static void pt(tick_loop_t *l, tick_timer_t t, void *a) { (void)l; (void)t; say(a); }

static void on_message(tick_loop_t *l, tick_udp_t u, int status, const void *data,
                       const struct sockaddr *addr, unsigned flags, void *arg) {
  int a = ((const char *)data)[0] == 'a';
  (void)addr; (void)flags; (void)arg;
  twin_check(status, "recv");
  sayf("message %c", ((const char *)data)[0]);
  twin_check(tick_set_timeout(l, 0, pt, a ? "timeout a" : "timeout b", NULL), "timeout");
  twin_check(tick_set_immediate(l, p, a ? "immediate a" : "immediate b", NULL), "immediate");
  twin_check(tick_queue_microtask(l, p, a ? "microtask a" : "microtask b"), "microtask");
  twin_check(tick_next_tick(l, p, a ? "tick a" : "tick b"), "tick");
  if (++n == 2) twin_check(tick_udp_close(l, u, NULL, NULL), "close rx");
}

static void on_sent(tick_loop_t *l, tick_udp_t u, int status, void *arg) {
  (void)arg;
  twin_check(status, "send");
  twin_check(tick_udp_close(l, u, NULL, NULL), "close tx");
}

static void main_script(tick_loop_t *loop) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  struct iovec a = {"a", 1}, b = {"b", 1};
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  twin_check(tick_udp_create(loop, AF_INET, &rx), "create rx");
  twin_check(tick_udp_bind(loop, rx, (struct sockaddr *)&addr, 0), "bind");
  twin_check(tick_udp_getsockname(loop, rx, (struct sockaddr *)&addr, &len), "getsockname");
  twin_check(tick_udp_recv_start(loop, rx, ring, sizeof(ring), 64, on_message, NULL), "recv");
  twin_check(tick_udp_create(loop, AF_INET, &tx), "create tx");
  twin_check(tick_udp_send(loop, tx, &a, 1, (struct sockaddr *)&addr, NULL, NULL), "send a");
  twin_check(tick_udp_send(loop, tx, &b, 1, (struct sockaddr *)&addr, on_sent, NULL), "send b");
}
