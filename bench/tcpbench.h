/* tcpbench.h - what the C versions of the TCP workloads share (tcp.c, tcp-uv.c, tcp-ev.c):
 * the sizes, so that every library runs the same workload; the latency record of the echo
 * workload and its 99th percentile; the file-descriptor limit; the resident set size; and
 * the client side of the idle-connections workload, which runs in a child process with
 * plain blocking sockets so that only the server's library is measured.
 */
#ifndef TICK_TCPBENCH_H
#define TICK_TCPBENCH_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "bench.h"

/* The workloads' names, identical in every implementation (tcp.js too). */
#define TCP_PINGPONG "tcp ping-pong, 1 connection"
#define TCP_ECHO "tcp echo, 300 clients x 128 B"
#define TCP_ECHO_P99 "tcp echo p99 latency, 300 clients"
#define TCP_CHURN "tcp connection churn, 100 concurrent"
#define TCP_IDLE "tcp 10k idle connections, RSS per connection"

/* Sizes (tcp.js has the same). */
#define PINGPONG_ROUND_TRIPS 50000
#define PINGPONG_MESSAGE 4 /* "ping" */
#define ECHO_CLIENTS 300
#define ECHO_MESSAGE 128
#define ECHO_ROUNDS 200 /* per client: 60,000 round trips in all */
#define CHURN_CONCURRENT 100
#define CHURN_CONNECTIONS 10000
#define IDLE_CONNECTIONS 10000
#define LISTEN_BACKLOG 4096

/* Raises the soft limit on open files to the hard limit: the idle workload holds 10k
 * server-side sockets in this process (its client child another 10k). Returns the limit. */
static inline long tcpbench_raise_fd_limit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
      return -1;
  }
  return (long)limit.rlim_cur;
}

/* The resident set size of this process in bytes (/proc/self/statm), or -1. */
static inline long tcpbench_rss(void) {
  long pages_total = 0, pages_resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL)
    return -1;
  if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
    pages_resident = -1;
  fclose(f);
  return pages_resident < 0 ? -1 : pages_resident * sysconf(_SC_PAGESIZE);
}

static inline uint64_t tcpbench_now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int tcpbench_compare_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* The 99th percentile of `count` latencies in nanoseconds (sorts them), in seconds:
 * the smallest value at or above 99 % of the sample (nearest rank). */
static inline double tcpbench_p99(uint64_t *latencies, size_t count) {
  size_t rank;
  qsort(latencies, count, sizeof(*latencies), tcpbench_compare_u64);
  rank = (count * 99 + 99) / 100; /* ceil(0.99 * count), 1-based */
  if (rank < 1)
    rank = 1;
  return (double)latencies[rank - 1] * 1e-9;
}

/* Prints the p99 row: the latency goes in both columns (wall and CPU), no count. */
static inline void tcpbench_report_p99(const char *impl, uint64_t *latencies, size_t count) {
  double p99 = tcpbench_p99(latencies, count);
  bench_span_t span = {p99, p99};
  bench_print(TCP_ECHO_P99, impl, span, 0);
}

/* Prints the memory row: bytes per connection in both columns, marked as bytes for the
 * table (UNIT line, docs/design/bench.md). */
static inline void tcpbench_report_bytes(const char *impl, double bytes_per_connection) {
  bench_span_t span = {bytes_per_connection, bytes_per_connection};
  printf("UNIT\t%s\tbytes\n", TCP_IDLE);
  bench_print(TCP_IDLE, impl, span, 0);
}

/* The loopback address with `port` (host order; 0 lets the kernel choose). */
static inline struct sockaddr_in tcpbench_loopback(int port) {
  struct sockaddr_in address;
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

/* The idle clients: a child process that opens `count` connections to 127.0.0.1:`port`
 * with blocking connect(2) and holds them until its parent kills it (the parent counts
 * accepted connections to know when they are all there). It pauses briefly after each
 * thousand so that a slow accepter does not overflow the listen backlog (a dropped SYN
 * costs a one-second retransmission). Returns the child's pid. */
static inline pid_t tcpbench_spawn_idle_clients(int port, int count) {
  pid_t pid;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    perror("tcpbench: fork");
    exit(1);
  }
  if (pid > 0)
    return pid;
  struct sockaddr_in address = tcpbench_loopback(port);
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
      perror("tcpbench: idle client");
      _exit(1);
    }
    if (i % 1000 == 999) {
      struct timespec pause = {0, 2000000}; /* 2 ms: lets the server drain its backlog */
      nanosleep(&pause, NULL);
    }
  }
  for (;;)
    pause();
}

/* Ends the idle clients. */
static inline void tcpbench_stop_idle_clients(pid_t pid) {
  int status;
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

#endif
