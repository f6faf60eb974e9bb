/* tcp-uv.c - libuv's TCP workloads, the peer of tcp.c (read its header for the workloads
 * and what is counted; sizes in tcpbench.h).
 *
 * Written the way the libuv documentation shows: uv_tcp_t handles, uv_read_start with an
 * allocation callback (here it hands out one static buffer, so reading allocates
 * nothing), uv_write with a request whose data is copied from the read buffer (requests
 * come from a free list, so echoing allocates nothing in steady state either),
 * TCP_NODELAY on every connection. uv_write writes at once when nothing is queued; its
 * callback runs in the next iteration.
 */
#include <uv.h>

#include "tcpbench.h"

#define READ_BUFFER 65536

typedef struct write_s {
  uv_write_t req;
  struct write_s *next_free;
  char data[READ_BUFFER];
} write_t;

static write_t *free_writes;

static write_t *write_get(void) {
  write_t *w = free_writes;
  if (w != NULL)
    free_writes = w->next_free;
  else
    w = bench_alloc(sizeof(*w));
  return w;
}

static void write_done(uv_write_t *req, int status) {
  write_t *w = (write_t *)req;
  BENCH_CHECK(status);
  w->next_free = free_writes;
  free_writes = w;
}

static void free_writes_all(void) {
  while (free_writes != NULL) {
    write_t *w = free_writes;
    free_writes = w->next_free;
    free(w);
  }
}

/* Every read lands in this one buffer: a read callback consumes its data before it
 * returns (the echo copies it into its write request), so connections need no buffer of
 * their own, and an idle connection costs its handle only. */
static char read_buffer[READ_BUFFER];

static void read_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)handle;
  (void)suggested;
  *buf = uv_buf_init(read_buffer, sizeof(read_buffer));
}

/* A server-side connection that echoes what it reads. */
typedef struct echo_conn_s {
  uv_tcp_t handle;
} echo_conn_t;

static void free_on_close(uv_handle_t *handle) { free(handle->data); }

static void echo_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0) {
    uv_close((uv_handle_t *)stream, free_on_close);
    return;
  }
  if (nread == 0)
    return;
  write_t *w = write_get();
  memcpy(w->data, buf->base, (size_t)nread);
  uv_buf_t out = uv_buf_init(w->data, (unsigned)nread);
  BENCH_CHECK(uv_write(&w->req, stream, &out, 1, write_done));
}

typedef struct server_s {
  uv_tcp_t listener;
  int port;
  int accepted;
  int close_at_once; /* churn: close each accepted connection immediately */
  int stop_after;    /* idle: stop the loop after this many accepts (0: never) */
  int read;          /* start reading on accepted connections */
} server_t;

static void on_connection(uv_stream_t *listener, int status) {
  server_t *server = listener->data;
  BENCH_CHECK(status);
  echo_conn_t *conn = bench_alloc(sizeof(*conn));
  BENCH_CHECK(uv_tcp_init(listener->loop, &conn->handle));
  conn->handle.data = conn;
  BENCH_CHECK(uv_accept(listener, (uv_stream_t *)&conn->handle));
  server->accepted++;
  if (server->close_at_once) {
    uv_close((uv_handle_t *)&conn->handle, free_on_close);
    return;
  }
  BENCH_CHECK(uv_tcp_nodelay(&conn->handle, 1));
  BENCH_CHECK(uv_read_start((uv_stream_t *)&conn->handle, read_alloc, echo_read));
  if (server->stop_after > 0 && server->accepted == server->stop_after)
    uv_stop(listener->loop);
}

static void server_start(uv_loop_t *loop, server_t *server) {
  struct sockaddr_in address = tcpbench_loopback(0);
  struct sockaddr_storage bound;
  int length = sizeof(bound);
  BENCH_CHECK(uv_tcp_init(loop, &server->listener));
  server->listener.data = server;
  BENCH_CHECK(uv_tcp_bind(&server->listener, (const struct sockaddr *)&address, 0));
  BENCH_CHECK(uv_listen((uv_stream_t *)&server->listener, LISTEN_BACKLOG, on_connection));
  BENCH_CHECK(uv_tcp_getsockname(&server->listener, (struct sockaddr *)&bound, &length));
  server->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

/* ------------------------------------------------------------------ ping-pong ---- */

typedef struct client_s {
  uv_tcp_t handle;
  uv_connect_t connect;
  uv_write_t write;
  server_t *server;
  int index;
  int rounds_left;
  size_t received;
  uint64_t sent_at;
} client_t;

static char ping_message[PINGPONG_MESSAGE] = {'p', 'i', 'n', 'g'};
static char echo_message[ECHO_MESSAGE];
static int clients_connected, clients_done;
static uint64_t *latencies;
static size_t latency_count;
static bench_mark_t echo_mark;

static void client_write_done(uv_write_t *req, int status) {
  (void)req;
  BENCH_CHECK(status);
}

static void client_send(client_t *client, char *message, size_t size) {
  uv_buf_t out = uv_buf_init(message, (unsigned)size);
  client->sent_at = tcpbench_now_ns();
  BENCH_CHECK(uv_write(&client->write, (uv_stream_t *)&client->handle, &out, 1,
                       client_write_done));
}

static void ping_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  client_t *client = stream->data;
  BENCH_CHECK(nread);
  client->received += (size_t)nread;
  if (client->received < PINGPONG_MESSAGE)
    return;
  BENCH_EXPECT(client->received == PINGPONG_MESSAGE);
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(client, ping_message, PINGPONG_MESSAGE);
    return;
  }
  uv_close((uv_handle_t *)&client->handle, NULL);
  uv_close((uv_handle_t *)&client->server->listener, NULL);
}

static void ping_connected(uv_connect_t *req, int status) {
  client_t *client = req->data;
  BENCH_CHECK(status);
  BENCH_CHECK(uv_tcp_nodelay(&client->handle, 1));
  BENCH_CHECK(uv_read_start((uv_stream_t *)&client->handle, read_alloc, ping_read));
  client_send(client, ping_message, PINGPONG_MESSAGE);
}

static void client_connect(uv_loop_t *loop, client_t *client, uv_connect_cb cb) {
  struct sockaddr_in address = tcpbench_loopback(client->server->port);
  BENCH_CHECK(uv_tcp_init(loop, &client->handle));
  client->handle.data = client;
  client->connect.data = client;
  BENCH_CHECK(uv_tcp_connect(&client->connect, &client->handle,
                             (const struct sockaddr *)&address, cb));
}

static void bench_pingpong(void) {
  uv_loop_t loop;
  server_t server = {0};
  client_t *client = bench_alloc(sizeof(*client));
  bench_mark_t mark;
  BENCH_CHECK(uv_loop_init(&loop));
  server_start(&loop, &server);
  client->server = &server;
  client->rounds_left = PINGPONG_ROUND_TRIPS;

  bench_begin(&mark);
  client_connect(&loop, client, ping_connected);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  bench_report(&mark, TCP_PINGPONG, "libuv", PINGPONG_ROUND_TRIPS);

  BENCH_EXPECT(client->rounds_left == 0);
  BENCH_EXPECT(server.accepted == 1);
  BENCH_EXPECT(uv_loop_close(&loop) == 0);
  free(client);
  free_writes_all();
}

/* ------------------------------------------------------------------------ echo ---- */

static void echo_client_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  client_t *client = stream->data;
  BENCH_CHECK(nread);
  client->received += (size_t)nread;
  if (client->received < ECHO_MESSAGE)
    return;
  BENCH_EXPECT(client->received == ECHO_MESSAGE);
  latencies[latency_count++] = tcpbench_now_ns() - client->sent_at;
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(client, echo_message, ECHO_MESSAGE);
    return;
  }
  uv_close((uv_handle_t *)&client->handle, NULL);
  if (++clients_done == ECHO_CLIENTS) {
    bench_report(&echo_mark, TCP_ECHO, "libuv", (double)ECHO_CLIENTS * ECHO_ROUNDS);
    uv_close((uv_handle_t *)&client->server->listener, NULL);
  }
}

static void echo_connected(uv_connect_t *req, int status) {
  client_t *client = req->data;
  BENCH_CHECK(status);
  BENCH_CHECK(uv_tcp_nodelay(&client->handle, 1));
  BENCH_CHECK(uv_read_start((uv_stream_t *)&client->handle, read_alloc, echo_client_read));
  if (++clients_connected < ECHO_CLIENTS)
    return;
  /* Everyone is connected: the timed part starts, every client sends its first message. */
  client_t *clients = client - client->index;
  bench_begin(&echo_mark);
  for (int i = 0; i < ECHO_CLIENTS; i++)
    client_send(&clients[i], echo_message, ECHO_MESSAGE);
}

static void bench_echo(void) {
  uv_loop_t loop;
  server_t server = {0};
  client_t *clients = bench_alloc(ECHO_CLIENTS * sizeof(*clients));
  latencies = bench_alloc((size_t)ECHO_CLIENTS * ECHO_ROUNDS * sizeof(*latencies));
  memset(echo_message, 'e', sizeof(echo_message));
  BENCH_CHECK(uv_loop_init(&loop));
  server_start(&loop, &server);
  for (int i = 0; i < ECHO_CLIENTS; i++) {
    clients[i].server = &server;
    clients[i].index = i;
    clients[i].rounds_left = ECHO_ROUNDS;
    client_connect(&loop, &clients[i], echo_connected);
  }
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  BENCH_EXPECT(clients_done == ECHO_CLIENTS);
  BENCH_EXPECT(latency_count == (size_t)ECHO_CLIENTS * ECHO_ROUNDS);
  tcpbench_report_p99("libuv", latencies, latency_count);
  BENCH_EXPECT(server.accepted == ECHO_CLIENTS);
  BENCH_EXPECT(uv_loop_close(&loop) == 0);
  free(clients);
  free(latencies);
  free_writes_all();
}

/* ----------------------------------------------------------------------- churn ---- */

static int churn_started, churn_finished;

static void churn_connected(uv_connect_t *req, int status);

static void churn_closed(uv_handle_t *handle) {
  client_t *client = handle->data;
  churn_finished++;
  if (churn_started < CHURN_CONNECTIONS) {
    churn_started++;
    client_connect(handle->loop, client, churn_connected);
  } else if (churn_finished == CHURN_CONNECTIONS) {
    uv_close((uv_handle_t *)&client->server->listener, NULL);
  }
}

static void churn_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  /* The server sends nothing and closes: the first read is the end of the stream. */
  BENCH_EXPECT(nread == UV_EOF);
  uv_close((uv_handle_t *)stream, churn_closed);
}

static void churn_connected(uv_connect_t *req, int status) {
  client_t *client = req->data;
  BENCH_CHECK(status);
  BENCH_CHECK(uv_read_start((uv_stream_t *)&client->handle, read_alloc, churn_read));
}

static void bench_churn(void) {
  uv_loop_t loop;
  server_t server = {0};
  client_t *clients = bench_alloc(CHURN_CONCURRENT * sizeof(*clients));
  bench_mark_t mark;
  server.close_at_once = 1;
  BENCH_CHECK(uv_loop_init(&loop));
  server_start(&loop, &server);

  bench_begin(&mark);
  for (int i = 0; i < CHURN_CONCURRENT; i++) {
    clients[i].server = &server;
    churn_started++;
    client_connect(&loop, &clients[i], churn_connected);
  }
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  bench_report(&mark, TCP_CHURN, "libuv", CHURN_CONNECTIONS);

  BENCH_EXPECT(churn_finished == CHURN_CONNECTIONS);
  BENCH_EXPECT(server.accepted == CHURN_CONNECTIONS);
  BENCH_EXPECT(uv_loop_close(&loop) == 0);
  free(clients);
}

/* ------------------------------------------------------------------------ idle ---- */

static void bench_idle(void) {
  uv_loop_t loop;
  server_t server = {0};
  BENCH_EXPECT(tcpbench_raise_fd_limit() > IDLE_CONNECTIONS + 100);
  server.stop_after = IDLE_CONNECTIONS;
  BENCH_CHECK(uv_loop_init(&loop));
  server_start(&loop, &server);
  long before = tcpbench_rss();
  pid_t clients = tcpbench_spawn_idle_clients(server.port, IDLE_CONNECTIONS);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  long after = tcpbench_rss();
  tcpbench_stop_idle_clients(clients);
  BENCH_EXPECT(server.accepted == IDLE_CONNECTIONS);
  BENCH_EXPECT(before > 0 && after > 0);
  tcpbench_report_bytes("libuv", (double)(after - before) / IDLE_CONNECTIONS);
  /* The process ends here; the connections go with it. */
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
