/* udp-uv.c - libuv's UDP datagrams per second, the peer of udp.c (read its header).
 *
 * libuv: uv_udp_send() per datagram on a connected handle (libuv writes each one at once
 * with sendmsg when its queue is empty), receiving with UV_UDP_RECVMMSG and a buffer of
 * 20 x 64 KiB so that libuv reads with recvmmsg, its fastest receive path.
 */
#include <uv.h>

#include <arpa/inet.h>

#include "bench.h"

#define DGRAM 64
#define BURST 64
#define TOTAL 640000
#define RECV_BUF (20 * 65536)

static uv_udp_t rx, tx;
static uv_udp_send_t reqs[BURST];
static uint64_t sent, received;
static unsigned in_burst;
static char payload[DGRAM];
static char *recv_buf;

static void burst(void) {
  uv_buf_t buf = uv_buf_init(payload, DGRAM);
  for (in_burst = 0; in_burst < BURST && sent < TOTAL; in_burst++, sent++)
    BENCH_CHECK(uv_udp_send(&reqs[in_burst], &tx, &buf, 1, NULL, NULL));
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = uv_buf_init(recv_buf, RECV_BUF);
}

static void on_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                    const struct sockaddr *addr, unsigned flags) {
  (void)h;
  (void)buf;
  (void)flags;
  BENCH_CHECK(nread);
  if (addr == NULL) return; /* end of a recvmmsg batch, or nothing read */
  BENCH_EXPECT(nread == DGRAM);
  received++;
  if (--in_burst == 0) {
    if (sent < TOTAL) {
      burst();
    } else {
      uv_close((uv_handle_t *)&rx, NULL);
      uv_close((uv_handle_t *)&tx, NULL);
    }
  }
}

int main(int argc, char **argv) {
  if (bench_workload_child(argc, argv, "dgrams")) {
    uv_loop_t loop;
    struct sockaddr_in addr;
    int len = sizeof(addr);
    bench_mark_t mark;
    recv_buf = bench_alloc(RECV_BUF);
    BENCH_CHECK(uv_loop_init(&loop));
    BENCH_CHECK(uv_udp_init_ex(&loop, &rx, AF_INET | UV_UDP_RECVMMSG));
    BENCH_CHECK(uv_udp_init(&loop, &tx));
    BENCH_CHECK(uv_ip4_addr("127.0.0.1", 0, &addr));
    BENCH_CHECK(uv_udp_bind(&rx, (struct sockaddr *)&addr, 0));
    BENCH_CHECK(uv_udp_getsockname(&rx, (struct sockaddr *)&addr, &len));
    BENCH_CHECK(uv_udp_connect(&tx, (struct sockaddr *)&addr));
    BENCH_CHECK(uv_udp_recv_start(&rx, on_alloc, on_recv));
    bench_begin(&mark);
    burst();
    BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
    bench_report(&mark, "dgrams", "libuv", (double)received);
    BENCH_EXPECT(received == TOTAL);
    BENCH_EXPECT(uv_loop_close(&loop) == 0);
    free(recv_buf);
    bench_child_done();
  }
  return 0;
}
