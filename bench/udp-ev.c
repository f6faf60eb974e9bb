/* udp-ev.c - libev's UDP datagrams per second, the peer of udp.c (read its header).
 *
 * libev has no sockets of its own: this is the plain program a libev user writes, an
 * ev_io on a non-blocking socket, send() per datagram on a connected socket and a
 * recv() loop until EAGAIN on readiness.
 */
#include <ev.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "bench.h"

#define DGRAM 64
#define BURST 64
#define TOTAL 640000

static int rx_fd, tx_fd;
static uint64_t sent, received;
static unsigned in_burst;
static char payload[DGRAM];

static void burst(void) {
  for (in_burst = 0; in_burst < BURST && sent < TOTAL; in_burst++, sent++)
    BENCH_EXPECT(send(tx_fd, payload, DGRAM, 0) == DGRAM);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
  char buf[2048];
  (void)revents;
  for (;;) {
    ssize_t n = recv(rx_fd, buf, sizeof(buf), 0);
    if (n < 0) {
      BENCH_EXPECT(errno == EAGAIN);
      return;
    }
    BENCH_EXPECT(n == DGRAM);
    received++;
    if (--in_burst == 0) {
      if (sent < TOTAL) {
        burst();
      } else {
        ev_io_stop(loop, w);
        return;
      }
    }
  }
}

int main(int argc, char **argv) {
  if (bench_workload_child(argc, argv, "dgrams")) {
    struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    ev_io io;
    bench_mark_t mark;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    BENCH_CHECK(rx_fd);
    BENCH_CHECK(tx_fd);
    BENCH_CHECK(bind(rx_fd, (struct sockaddr *)&addr, sizeof(addr)));
    BENCH_CHECK(getsockname(rx_fd, (struct sockaddr *)&addr, &len));
    BENCH_CHECK(connect(tx_fd, (struct sockaddr *)&addr, sizeof(addr)));
    ev_io_init(&io, on_readable, rx_fd, EV_READ);
    ev_io_start(loop, &io);
    bench_begin(&mark);
    burst();
    ev_run(loop, 0);
    bench_report(&mark, "dgrams", "libev", (double)received);
    BENCH_EXPECT(received == TOTAL);
    close(rx_fd);
    close(tx_fd);
    bench_child_done();
  }
  return 0;
}
