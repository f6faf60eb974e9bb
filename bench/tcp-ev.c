/* tcp-ev.c - libev's TCP workloads, the peer of tcp.c (read its header for the workloads
 * and what is counted; sizes in tcpbench.h).
 *
 * libev watches file descriptors and leaves the I/O to the program, so this is what a
 * libev program does: non-blocking sockets, one ev_io per socket, read(2) into one static
 * buffer when it is readable, write(2) at once (the messages are small and each
 * connection has one in flight, so a write never meets a full socket buffer: the program
 * fails rather than quoting a number if one ever does), accept4(2) until EAGAIN,
 * connect(2) then a writable watcher that becomes a readable one when the connection is
 * established, TCP_NODELAY on every connection.
 */
#include <ev.h>

#include <fcntl.h>

#include "tcpbench.h"

#define READ_BUFFER 65536

static char read_buffer[READ_BUFFER];

static void write_all(int fd, const char *data, size_t size) {
  ssize_t written = write(fd, data, size);
  BENCH_CHECK(written);
  BENCH_EXPECT((size_t)written == size);
}

static void set_nodelay(int fd) {
  int on = 1;
  BENCH_CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)));
}

/* A server-side connection that echoes what it reads. */
typedef struct echo_conn_s {
  ev_io io;
} echo_conn_t;

static void echo_readable(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  ssize_t n = read(io->fd, read_buffer, sizeof(read_buffer));
  if (n > 0) {
    write_all(io->fd, read_buffer, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  ev_io_stop(loop, io);
  close(io->fd);
  free(io);
}

typedef struct server_s {
  ev_io listener;
  int port;
  int accepted;
  int close_at_once;
  int stop_after;
} server_t;

static void on_connection(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  server_t *server = (server_t *)io;
  for (;;) {
    int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      BENCH_EXPECT(errno == EAGAIN || errno == EINTR);
      return;
    }
    server->accepted++;
    if (server->close_at_once) {
      close(fd);
      continue;
    }
    set_nodelay(fd);
    echo_conn_t *conn = bench_alloc(sizeof(*conn));
    ev_io_init(&conn->io, echo_readable, fd, EV_READ);
    ev_io_start(loop, &conn->io);
    if (server->stop_after > 0 && server->accepted == server->stop_after) {
      ev_break(loop, EVBREAK_ALL);
      return;
    }
  }
}

static void server_start(struct ev_loop *loop, server_t *server) {
  struct sockaddr_in address = tcpbench_loopback(0);
  socklen_t length = sizeof(address);
  int on = 1;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  BENCH_CHECK(fd);
  BENCH_CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
  BENCH_CHECK(bind(fd, (struct sockaddr *)&address, sizeof(address)));
  BENCH_CHECK(listen(fd, LISTEN_BACKLOG));
  BENCH_CHECK(getsockname(fd, (struct sockaddr *)&address, &length));
  server->port = ntohs(address.sin_port);
  ev_io_init(&server->listener, on_connection, fd, EV_READ);
  ev_io_start(loop, &server->listener);
}

static void server_stop(struct ev_loop *loop, server_t *server) {
  ev_io_stop(loop, &server->listener);
  close(server->listener.fd);
}

/* ------------------------------------------------------------------- clients ---- */

typedef struct client_s {
  ev_io io;
  server_t *server;
  int index;
  int rounds_left;
  size_t received;
  uint64_t sent_at;
  void (*on_connected)(struct ev_loop *loop, struct client_s *client);
  void (*on_readable)(struct ev_loop *loop, ev_io *io, int events);
} client_t;

static const char ping_message[PINGPONG_MESSAGE] = {'p', 'i', 'n', 'g'};
static char echo_message[ECHO_MESSAGE];
static int clients_connected, clients_done;
static uint64_t *latencies;
static size_t latency_count;
static bench_mark_t echo_mark;

static void client_send(client_t *client, const char *message, size_t size) {
  client->sent_at = tcpbench_now_ns();
  write_all(client->io.fd, message, size);
}

static void client_close(struct ev_loop *loop, client_t *client) {
  ev_io_stop(loop, &client->io);
  close(client->io.fd);
}

static void client_writable(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  client_t *client = (client_t *)io;
  int error = 0;
  socklen_t length = sizeof(error);
  BENCH_CHECK(getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &error, &length));
  BENCH_EXPECT(error == 0);
  int fd = io->fd;
  ev_io_stop(loop, io);
  ev_io_init(io, client->on_readable, fd, EV_READ);
  ev_io_start(loop, io);
  client->on_connected(loop, client);
}

static void client_connect(struct ev_loop *loop, client_t *client) {
  struct sockaddr_in address = tcpbench_loopback(client->server->port);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  BENCH_CHECK(fd);
  if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0)
    BENCH_EXPECT(errno == EINPROGRESS);
  ev_io_init(&client->io, client_writable, fd, EV_WRITE);
  ev_io_start(loop, &client->io);
}

/* ------------------------------------------------------------------ ping-pong ---- */

static void ping_readable(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  client_t *client = (client_t *)io;
  ssize_t n = read(io->fd, read_buffer, sizeof(read_buffer));
  if (n < 0 && errno == EAGAIN)
    return;
  BENCH_EXPECT(n > 0);
  client->received += (size_t)n;
  if (client->received < PINGPONG_MESSAGE)
    return;
  BENCH_EXPECT(client->received == PINGPONG_MESSAGE);
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(client, ping_message, PINGPONG_MESSAGE);
    return;
  }
  client_close(loop, client);
  server_stop(loop, client->server);
}

static void ping_connected(struct ev_loop *loop, client_t *client) {
  (void)loop;
  set_nodelay(client->io.fd);
  client_send(client, ping_message, PINGPONG_MESSAGE);
}

static void bench_pingpong(void) {
  struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
  server_t server = {0};
  client_t *client = bench_alloc(sizeof(*client));
  bench_mark_t mark;
  BENCH_EXPECT(loop != NULL);
  server_start(loop, &server);
  client->server = &server;
  client->rounds_left = PINGPONG_ROUND_TRIPS;
  client->on_connected = ping_connected;
  client->on_readable = ping_readable;

  bench_begin(&mark);
  client_connect(loop, client);
  ev_run(loop, 0); /* until the server's side has read end-of-stream and closed */
  bench_report(&mark, TCP_PINGPONG, "libev", PINGPONG_ROUND_TRIPS);

  BENCH_EXPECT(client->rounds_left == 0);
  BENCH_EXPECT(server.accepted == 1);
  ev_loop_destroy(loop);
  free(client);
}

/* ------------------------------------------------------------------------ echo ---- */

static void echo_client_readable(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  client_t *client = (client_t *)io;
  ssize_t n = read(io->fd, read_buffer, sizeof(read_buffer));
  if (n < 0 && errno == EAGAIN)
    return;
  BENCH_EXPECT(n > 0);
  client->received += (size_t)n;
  if (client->received < ECHO_MESSAGE)
    return;
  BENCH_EXPECT(client->received == ECHO_MESSAGE);
  latencies[latency_count++] = tcpbench_now_ns() - client->sent_at;
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(client, echo_message, ECHO_MESSAGE);
    return;
  }
  client_close(loop, client);
  if (++clients_done == ECHO_CLIENTS) {
    bench_report(&echo_mark, TCP_ECHO, "libev", (double)ECHO_CLIENTS * ECHO_ROUNDS);
    server_stop(loop, client->server);
  }
}

static void echo_connected(struct ev_loop *loop, client_t *client) {
  (void)loop;
  set_nodelay(client->io.fd);
  if (++clients_connected < ECHO_CLIENTS)
    return;
  client_t *clients = client - client->index;
  bench_begin(&echo_mark);
  for (int i = 0; i < ECHO_CLIENTS; i++)
    client_send(&clients[i], echo_message, ECHO_MESSAGE);
}

static void bench_echo(void) {
  struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
  server_t server = {0};
  client_t *clients = bench_alloc(ECHO_CLIENTS * sizeof(*clients));
  BENCH_EXPECT(loop != NULL);
  latencies = bench_alloc((size_t)ECHO_CLIENTS * ECHO_ROUNDS * sizeof(*latencies));
  memset(echo_message, 'e', sizeof(echo_message));
  server_start(loop, &server);
  for (int i = 0; i < ECHO_CLIENTS; i++) {
    clients[i].server = &server;
    clients[i].index = i;
    clients[i].rounds_left = ECHO_ROUNDS;
    clients[i].on_connected = echo_connected;
    clients[i].on_readable = echo_client_readable;
    client_connect(loop, &clients[i]);
  }
  ev_run(loop, 0);
  BENCH_EXPECT(clients_done == ECHO_CLIENTS);
  BENCH_EXPECT(latency_count == (size_t)ECHO_CLIENTS * ECHO_ROUNDS);
  tcpbench_report_p99("libev", latencies, latency_count);
  BENCH_EXPECT(server.accepted == ECHO_CLIENTS);
  ev_loop_destroy(loop);
  free(clients);
  free(latencies);
}

/* ----------------------------------------------------------------------- churn ---- */

static int churn_started, churn_finished;

static void churn_readable(struct ev_loop *loop, ev_io *io, int events) {
  (void)events;
  client_t *client = (client_t *)io;
  ssize_t n = read(io->fd, read_buffer, sizeof(read_buffer));
  if (n < 0 && errno == EAGAIN)
    return;
  /* The server sends nothing and closes: the first read is the end of the stream. */
  BENCH_EXPECT(n == 0);
  client_close(loop, client);
  churn_finished++;
  if (churn_started < CHURN_CONNECTIONS) {
    churn_started++;
    client_connect(loop, client);
  } else if (churn_finished == CHURN_CONNECTIONS) {
    server_stop(loop, client->server);
  }
}

static void churn_connected(struct ev_loop *loop, client_t *client) {
  (void)loop;
  (void)client;
}

static void bench_churn(void) {
  struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
  server_t server = {0};
  client_t *clients = bench_alloc(CHURN_CONCURRENT * sizeof(*clients));
  bench_mark_t mark;
  BENCH_EXPECT(loop != NULL);
  server.close_at_once = 1;
  server_start(loop, &server);

  bench_begin(&mark);
  for (int i = 0; i < CHURN_CONCURRENT; i++) {
    clients[i].server = &server;
    clients[i].on_connected = churn_connected;
    clients[i].on_readable = churn_readable;
    churn_started++;
    client_connect(loop, &clients[i]);
  }
  ev_run(loop, 0);
  bench_report(&mark, TCP_CHURN, "libev", CHURN_CONNECTIONS);

  BENCH_EXPECT(churn_finished == CHURN_CONNECTIONS);
  BENCH_EXPECT(server.accepted == CHURN_CONNECTIONS);
  ev_loop_destroy(loop);
  free(clients);
}

/* ------------------------------------------------------------------------ idle ---- */

static void bench_idle(void) {
  struct ev_loop *loop = ev_loop_new(EVBACKEND_EPOLL);
  server_t server = {0};
  BENCH_EXPECT(loop != NULL);
  BENCH_EXPECT(tcpbench_raise_fd_limit() > IDLE_CONNECTIONS + 100);
  server.stop_after = IDLE_CONNECTIONS;
  server_start(loop, &server);
  long before = tcpbench_rss();
  pid_t clients = tcpbench_spawn_idle_clients(server.port, IDLE_CONNECTIONS);
  ev_run(loop, 0);
  long after = tcpbench_rss();
  tcpbench_stop_idle_clients(clients);
  BENCH_EXPECT(server.accepted == IDLE_CONNECTIONS);
  BENCH_EXPECT(before > 0 && after > 0);
  tcpbench_report_bytes("libev", (double)(after - before) / IDLE_CONNECTIONS);
}

int main(int argc, char **argv) {
  if (bench_workload_child(argc, argv, TCP_PINGPONG)) {
    bench_pingpong();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, TCP_ECHO)) {
    bench_echo();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, TCP_CHURN)) {
    bench_churn();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, TCP_IDLE)) {
    bench_idle();
    bench_child_done();
  }
  return 0;
}
