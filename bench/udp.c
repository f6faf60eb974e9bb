/* udp.c - UDP datagrams per second, 1 sender and 1 receiver on loopback, one loop.
 *
 * Workload "dgrams": a connected sender sends bursts of 64 datagrams of 64 bytes to a
 * receiver bound on 127.0.0.1; when the receiver has counted the whole burst, its
 * callback sends the next burst, until 640,000 datagrams have arrived (a window keeps the
 * receive buffer from overflowing, so nothing is lost and the count is exact). Timed:
 * from the first burst to the last datagram. Counted: datagrams received.
 * Peers: udp-uv.c (uv_udp_send per datagram, recvmmsg enabled), udp-ev.c (send/recvfrom
 * per datagram, the plain libev program), udp.js (node dgram). tick's sends queued in one
 * callback leave in one sendmmsg call, and reads use recvmmsg into a lent buffer.
 */
#include <tick.h>

#include <arpa/inet.h>

#include "bench.h"

#define DGRAM 64
#define BURST 64
#define TOTAL 640000

static tick_udp_t rx, tx;
static uint64_t sent, received;
static unsigned in_burst;
static char payload[DGRAM];
static char ring[BURST * 2048];

static void burst(tick_loop_t *loop) {
  struct iovec iov = {payload, DGRAM};
  for (in_burst = 0; in_burst < BURST && sent < TOTAL; in_burst++, sent++)
    BENCH_CHECK(tick_udp_send(loop, tx, &iov, 1, NULL, NULL, NULL));
}

static void on_recv(tick_loop_t *loop, tick_udp_t u, int status, const void *data,
                    const struct sockaddr *addr, unsigned flags, void *arg) {
  (void)u; (void)data; (void)addr; (void)flags; (void)arg;
  BENCH_CHECK(status);
  BENCH_EXPECT(status == DGRAM);
  received++;
  if (--in_burst == 0) {
    if (sent < TOTAL) {
      burst(loop);
    } else {
      BENCH_CHECK(tick_udp_close(loop, rx, NULL, NULL));
      BENCH_CHECK(tick_udp_close(loop, tx, NULL, NULL));
    }
  }
}

int main(int argc, char **argv) {
  if (bench_workload_child(argc, argv, "dgrams")) {
    tick_loop_t *loop;
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    bench_mark_t mark;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BENCH_CHECK(tick_loop_create(&loop, 0));
    BENCH_CHECK(tick_udp_create(loop, AF_INET, &rx));
    BENCH_CHECK(tick_udp_create(loop, AF_INET, &tx));
    BENCH_CHECK(tick_udp_bind(loop, rx, (struct sockaddr *)&addr, 0));
    BENCH_CHECK(tick_udp_getsockname(loop, rx, (struct sockaddr *)&addr, &len));
    BENCH_CHECK(tick_udp_connect(loop, tx, (struct sockaddr *)&addr));
    BENCH_CHECK(tick_udp_recv_start(loop, rx, ring, sizeof(ring), 2048, on_recv, NULL));
    bench_begin(&mark);
    burst(loop);
    BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
    bench_report(&mark, "dgrams", "tick", (double)received);
    BENCH_EXPECT(received == TOTAL);
    BENCH_CHECK(tick_loop_destroy(loop));
    bench_child_done();
  }
  bench_goal("dgrams", "libuv", 0.5, "wall");
  return 0;
}
