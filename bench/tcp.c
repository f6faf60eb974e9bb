/* tcp.c - TCP on the loop: round trips, many clients, connection churn, idle memory.
 *
 * Workloads (the same in tcp-uv.c, tcp-ev.c and tcp.js; sizes in tcpbench.h). Every
 * connection is over 127.0.0.1 with TCP_NODELAY, server and clients on one loop in one
 * process, so each side's library cost is counted twice, alike for everyone:
 * - "tcp ping-pong, 1 connection": a client sends 4 bytes, the server echoes them, the
 *   client sends again when all 4 are back; 50,000 round trips. Counted: from the connect
 *   call to the loop's return (both sides closed); time per round trip.
 * - "tcp echo, 300 clients x 128 B": 300 clients connect first (not counted); then each
 *   sends 128 bytes and sends again when they are all back, 200 times. Counted: from the
 *   first send to the last client's last reply; time per round trip (the inverse of the
 *   throughput). "tcp echo p99 latency, 300 clients" is the 99th percentile of the 60,000
 *   send-to-reply times (nearest rank), shown in both columns.
 * - "tcp connection churn, 100 concurrent" (after libuv's tcp4_pound_100): 100 clients
 *   each connect, the server accepts and closes at once, the client reads end-of-stream,
 *   closes and connects again, until 10,000 connections. Counted: all of it; time per
 *   connection. The server closes first, so TIME_WAIT lands on the listener's port and
 *   the ephemeral ports are not used up.
 * - "tcp 10k idle connections, RSS per connection": the server accepts 10,000
 *   connections and reads from each (nothing comes); their clients are plain blocking
 *   sockets in a child process (tcpbench.h). Counted: the growth of the server process's
 *   resident set size from before the first connection to after the last accept,
 *   divided by 10,000 (bytes; a memory figure, not a time). It includes what the
 *   program keeps per connection in each library's idiom: for tick nothing (tick owns
 *   the stream), for libuv a uv_tcp_t, for libev an ev_io, for node a net.Socket.
 *
 * tick's server echoes with tick_stream_write from a request taken from a free list (the bytes
 * must stay valid until the write callback, as with libuv's uv_write), reads into one
 * static buffer, and needs no per-connection memory of its own: the read callback gets
 * the stream.
 */
#include <tick.h>

#include "tcpbench.h"

#define READ_BUFFER 65536
/* tick only: the echo workload written with await, against the callback version. */
#define TCP_ECHO_AWAIT "tcp echo with await, 300 clients x 128 B"

static char read_buffer[READ_BUFFER];

static void read_alloc(tick_loop_t *loop, tick_stream_t stream, size_t suggested,
                       tick_buf_t *buf, void *arg) {
  (void)loop;
  (void)stream;
  (void)suggested;
  (void)arg;
  *buf = tick_buf(read_buffer, sizeof(read_buffer));
}

typedef struct write_s {
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

static void write_done(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  (void)loop;
  (void)stream;
  write_t *w = arg;
  /* A write still queued when the peer closes first is cancelled: not an error here. */
  if (status != TICK_ECANCELED)
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

static void echo_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                      const tick_buf_t *buf, void *arg) {
  (void)arg;
  if (nread < 0) {
    BENCH_CHECK(tick_stream_close(loop, stream, NULL, NULL));
    return;
  }
  if (nread == 0)
    return;
  write_t *w = write_get();
  memcpy(w->data, buf->base, (size_t)nread);
  tick_buf_t out = tick_buf(w->data, (size_t)nread);
  BENCH_CHECK(tick_stream_write(loop, stream, &out, 1, write_done, w));
}

typedef struct server_s {
  tick_stream_t listener;
  int port;
  int accepted;
  int close_at_once; /* churn: close each accepted connection immediately */
  int stop_after;    /* idle: stop the loop after this many accepts (0: never) */
} server_t;

static void on_connection(tick_loop_t *loop, tick_stream_t listener, int status,
                          tick_stream_t client, void *arg) {
  (void)listener;
  server_t *server = arg;
  BENCH_CHECK(status);
  server->accepted++;
  if (server->close_at_once) {
    BENCH_CHECK(tick_stream_close(loop, client, NULL, NULL));
    return;
  }
  BENCH_CHECK(tick_tcp_nodelay(loop, client, 1));
  BENCH_CHECK(tick_stream_read_start(loop, client, read_alloc, echo_read, NULL));
  if (server->stop_after > 0 && server->accepted == server->stop_after)
    BENCH_CHECK(tick_loop_stop(loop));
}

static void server_start(tick_loop_t *loop, server_t *server) {
  struct sockaddr_storage bound;
  BENCH_CHECK(tick_tcp_create(loop, AF_INET, &server->listener));
  BENCH_CHECK(tick_tcp_bind_ip(loop, server->listener, "127.0.0.1", 0, 0));
  BENCH_CHECK(tick_tcp_listen(loop, server->listener, LISTEN_BACKLOG, on_connection, server));
  BENCH_CHECK(tick_tcp_getsockname(loop, server->listener, &bound));
  server->port = tick_ip_port(&bound);
  BENCH_CHECK(server->port);
}

/* ------------------------------------------------------------------- clients ---- */

typedef struct client_s {
  tick_stream_t stream;
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
static const char *echo_workload = TCP_ECHO, *echo_impl = "tick";

static void client_write_done(tick_loop_t *loop, tick_stream_t stream, int status,
                              void *arg) {
  (void)loop;
  (void)stream;
  (void)arg;
  BENCH_CHECK(status);
}

static void client_send(tick_loop_t *loop, client_t *client, char *message, size_t size) {
  tick_buf_t out = tick_buf(message, size);
  client->sent_at = tcpbench_now_ns();
  BENCH_CHECK(tick_stream_write(loop, client->stream, &out, 1, client_write_done, client));
}

static void client_connect(tick_loop_t *loop, client_t *client, tick_stream_cb cb) {
  BENCH_CHECK(tick_tcp_create(loop, AF_INET, &client->stream));
  BENCH_CHECK(tick_tcp_connect_ip(loop, client->stream, "127.0.0.1", client->server->port,
                                  0, cb, client));
}

/* ------------------------------------------------------------------ ping-pong ---- */

static void ping_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                      const tick_buf_t *buf, void *arg) {
  (void)buf;
  client_t *client = arg;
  BENCH_CHECK(nread);
  client->received += (size_t)nread;
  if (client->received < PINGPONG_MESSAGE)
    return;
  BENCH_EXPECT(client->received == PINGPONG_MESSAGE);
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(loop, client, ping_message, PINGPONG_MESSAGE);
    return;
  }
  BENCH_CHECK(tick_stream_close(loop, stream, NULL, NULL));
  BENCH_CHECK(tick_stream_close(loop, client->server->listener, NULL, NULL));
}

static void ping_connected(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  client_t *client = arg;
  BENCH_CHECK(status);
  BENCH_CHECK(tick_tcp_nodelay(loop, stream, 1));
  BENCH_CHECK(tick_stream_read_start(loop, stream, read_alloc, ping_read, client));
  client_send(loop, client, ping_message, PINGPONG_MESSAGE);
}

static void bench_pingpong(void) {
  tick_loop_t *loop = NULL;
  server_t server = {0};
  client_t *client = bench_alloc(sizeof(*client));
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  server_start(loop, &server);
  client->server = &server;
  client->rounds_left = PINGPONG_ROUND_TRIPS;

  bench_begin(&mark);
  client_connect(loop, client, ping_connected);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, TCP_PINGPONG, "tick", PINGPONG_ROUND_TRIPS);

  BENCH_EXPECT(client->rounds_left == 0);
  BENCH_EXPECT(server.accepted == 1);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(client);
  free_writes_all();
}

/* ------------------------------------------------------------------------ echo ---- */

static void echo_client_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                             const tick_buf_t *buf, void *arg) {
  (void)buf;
  client_t *client = arg;
  BENCH_CHECK(nread);
  client->received += (size_t)nread;
  if (client->received < ECHO_MESSAGE)
    return;
  BENCH_EXPECT(client->received == ECHO_MESSAGE);
  latencies[latency_count++] = tcpbench_now_ns() - client->sent_at;
  client->received = 0;
  if (--client->rounds_left > 0) {
    client_send(loop, client, echo_message, ECHO_MESSAGE);
    return;
  }
  BENCH_CHECK(tick_stream_close(loop, stream, NULL, NULL));
  if (++clients_done == ECHO_CLIENTS) {
    bench_report(&echo_mark, echo_workload, echo_impl, (double)ECHO_CLIENTS * ECHO_ROUNDS);
    BENCH_CHECK(tick_stream_close(loop, client->server->listener, NULL, NULL));
  }
}

static void echo_connected(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  client_t *client = arg;
  BENCH_CHECK(status);
  BENCH_CHECK(tick_tcp_nodelay(loop, stream, 1));
  BENCH_CHECK(tick_stream_read_start(loop, stream, read_alloc, echo_client_read, client));
  if (++clients_connected < ECHO_CLIENTS)
    return;
  /* Everyone is connected: the timed part starts, every client sends its first message. */
  client_t *clients = client - client->index;
  bench_begin(&echo_mark);
  for (int i = 0; i < ECHO_CLIENTS; i++)
    client_send(loop, &clients[i], echo_message, ECHO_MESSAGE);
}

static void bench_echo(void) {
  tick_loop_t *loop = NULL;
  server_t server = {0};
  client_t *clients = bench_alloc(ECHO_CLIENTS * sizeof(*clients));
  latencies = bench_alloc((size_t)ECHO_CLIENTS * ECHO_ROUNDS * sizeof(*latencies));
  memset(echo_message, 'e', sizeof(echo_message));
  BENCH_CHECK(tick_loop_create(&loop, 0));
  server_start(loop, &server);
  for (int i = 0; i < ECHO_CLIENTS; i++) {
    clients[i].server = &server;
    clients[i].index = i;
    clients[i].rounds_left = ECHO_ROUNDS;
    client_connect(loop, &clients[i], echo_connected);
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(clients_done == ECHO_CLIENTS);
  BENCH_EXPECT(latency_count == (size_t)ECHO_CLIENTS * ECHO_ROUNDS);
  if (strcmp(echo_workload, TCP_ECHO) == 0)
    tcpbench_report_p99("tick", latencies, latency_count);
  BENCH_EXPECT(server.accepted == ECHO_CLIENTS);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(clients);
  free(latencies);
  free_writes_all();
}

/* ------------------------------------------------------------------ echo, await ---- */

/* The echo workload written with async functions (include/tick/async-io.h): one per
 * accepted connection (read, write back), one per client (connect, wait for the others,
 * then write and read 200 times), one accepting. Same sizes, same timed region. The
 * "callbacks" row of this workload is bench_echo() above, run again under this name. */

static tick_async_acceptor_t *await_acceptor;
static tick_promise_t *all_connected; /* fulfilled when the last client has connected */
static tick_resolver_t *all_connected_resolver;

static int await_session(tick_async_t *co, void *arg) {
  tick_stream_t s = *(tick_stream_t *)arg; /* copied before the first await */
  char buf[4096];
  ssize_t n;
  BENCH_CHECK(tick_tcp_nodelay(tick_async_loop(co), s, 1));
  while ((n = tick_await_read(co, s, buf, sizeof(buf), 0)) > 0)
    BENCH_CHECK(tick_await_write(co, s, buf, (size_t)n));
  BENCH_EXPECT(n == 0);
  BENCH_CHECK(tick_stream_close(tick_async_loop(co), s, NULL, NULL));
  return 0;
}

static int await_accepting(tick_async_t *co, void *arg) {
  server_t *server = arg;
  tick_stream_t client;
  while (server->accepted < ECHO_CLIENTS) {
    BENCH_CHECK(tick_await_accept(co, await_acceptor, &client));
    server->accepted++;
    BENCH_CHECK(tick_async_run(tick_async_loop(co), await_session, &client, NULL, NULL));
  }
  return 0;
}

static int await_client(tick_async_t *co, void *arg) {
  client_t *client = arg;
  tick_loop_t *loop = tick_async_loop(co);
  struct sockaddr_in address = tcpbench_loopback(client->server->port);
  char buf[4096]; /* larger than a reply, as the callback client's buffer is */
  BENCH_CHECK(tick_await_connect(co, (struct sockaddr *)&address, 0, &client->stream));
  BENCH_CHECK(tick_tcp_nodelay(loop, client->stream, 1));
  if (++clients_connected == ECHO_CLIENTS) { /* the timed part starts */
    bench_begin(&echo_mark);
    BENCH_CHECK(tick_resolver_resolve(all_connected_resolver, NULL, NULL));
  }
  BENCH_CHECK(tick_await(co, all_connected));
  for (int round = 0; round < ECHO_ROUNDS; round++) {
    client->sent_at = tcpbench_now_ns();
    BENCH_CHECK(tick_await_write(co, client->stream, echo_message, ECHO_MESSAGE));
    for (size_t got = 0; got < ECHO_MESSAGE;) { /* a reply may come in pieces */
      ssize_t n = tick_await_read(co, client->stream, buf, sizeof(buf), 0);
      BENCH_EXPECT(n > 0);
      got += (size_t)n;
    }
    latencies[latency_count++] = tcpbench_now_ns() - client->sent_at;
  }
  BENCH_CHECK(tick_stream_close(loop, client->stream, NULL, NULL));
  if (++clients_done == ECHO_CLIENTS) {
    bench_report(&echo_mark, TCP_ECHO_AWAIT, "tick", (double)ECHO_CLIENTS * ECHO_ROUNDS);
    BENCH_CHECK(tick_async_acceptor_close(await_acceptor));
  }
  return 0;
}

static void bench_echo_await(void) {
  tick_loop_t *loop = NULL;
  server_t server = {0};
  struct sockaddr_storage bound;
  client_t *clients = bench_alloc(ECHO_CLIENTS * sizeof(*clients));
  latencies = bench_alloc((size_t)ECHO_CLIENTS * ECHO_ROUNDS * sizeof(*latencies));
  memset(echo_message, 'e', sizeof(echo_message));
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_tcp_create(loop, AF_INET, &server.listener));
  BENCH_CHECK(tick_tcp_bind_ip(loop, server.listener, "127.0.0.1", 0, 0));
  BENCH_CHECK(tick_tcp_getsockname(loop, server.listener, &bound));
  server.port = tick_ip_port(&bound);
  BENCH_CHECK(tick_async_listen(loop, server.listener, LISTEN_BACKLOG, &await_acceptor));
  BENCH_CHECK(tick_promise_create_deferred(loop, &all_connected, &all_connected_resolver));
  BENCH_CHECK(tick_async_run(loop, await_accepting, &server, NULL, NULL));
  for (int i = 0; i < ECHO_CLIENTS; i++) {
    clients[i].server = &server;
    BENCH_CHECK(tick_async_run(loop, await_client, &clients[i], NULL, NULL));
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(clients_done == ECHO_CLIENTS);
  BENCH_EXPECT(latency_count == (size_t)ECHO_CLIENTS * ECHO_ROUNDS);
  BENCH_EXPECT(server.accepted == ECHO_CLIENTS);
  tick_resolver_release(all_connected_resolver);
  tick_promise_release(all_connected);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(clients);
  free(latencies);
}

/* ----------------------------------------------------------------------- churn ---- */

static int churn_started, churn_finished;

static void churn_connected(tick_loop_t *loop, tick_stream_t stream, int status, void *arg);

static void churn_closed(tick_loop_t *loop, void *arg) {
  client_t *client = arg;
  churn_finished++;
  if (churn_started < CHURN_CONNECTIONS) {
    churn_started++;
    client_connect(loop, client, churn_connected);
  } else if (churn_finished == CHURN_CONNECTIONS) {
    BENCH_CHECK(tick_stream_close(loop, client->server->listener, NULL, NULL));
  }
}

static void churn_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                       const tick_buf_t *buf, void *arg) {
  (void)buf;
  if (nread == 0)
    return;
  /* The server sends nothing and closes: the first read is the end of the stream. */
  BENCH_EXPECT(nread == TICK_EOF);
  BENCH_CHECK(tick_stream_close(loop, stream, churn_closed, arg));
}

static void churn_connected(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  BENCH_CHECK(status);
  BENCH_CHECK(tick_stream_read_start(loop, stream, read_alloc, churn_read, arg));
}

static void bench_churn(void) {
  tick_loop_t *loop = NULL;
  server_t server = {0};
  client_t *clients = bench_alloc(CHURN_CONCURRENT * sizeof(*clients));
  bench_mark_t mark;
  server.close_at_once = 1;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  server_start(loop, &server);

  bench_begin(&mark);
  for (int i = 0; i < CHURN_CONCURRENT; i++) {
    clients[i].server = &server;
    churn_started++;
    client_connect(loop, &clients[i], churn_connected);
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, TCP_CHURN, "tick", CHURN_CONNECTIONS);

  BENCH_EXPECT(churn_finished == CHURN_CONNECTIONS);
  BENCH_EXPECT(server.accepted == CHURN_CONNECTIONS);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(clients);
}

/* ------------------------------------------------------------------------ idle ---- */

static void bench_idle(void) {
  tick_loop_t *loop = NULL;
  server_t server = {0};
  BENCH_EXPECT(tcpbench_raise_fd_limit() > IDLE_CONNECTIONS + 100);
  server.stop_after = IDLE_CONNECTIONS;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  server_start(loop, &server);
  long before = tcpbench_rss();
  pid_t clients = tcpbench_spawn_idle_clients(server.port, IDLE_CONNECTIONS);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  long after = tcpbench_rss();
  tcpbench_stop_idle_clients(clients);
  BENCH_EXPECT(server.accepted == IDLE_CONNECTIONS);
  BENCH_EXPECT(before > 0 && after > 0);
  tcpbench_report_bytes("tick", (double)(after - before) / IDLE_CONNECTIONS);
  /* The process ends here; the connections go with it. */
}

int main(int argc, char **argv) {
  bench_goal(TCP_PINGPONG, "libuv", 0.8, "wall"); /* >= 1.25x libuv's round trips/s */
  bench_goal(TCP_PINGPONG, "libev", 1.0, "wall");
  bench_goal(TCP_ECHO, "libuv", 1.0, "wall");
  bench_goal(TCP_ECHO_P99, "libuv", 1.0, "wall");
  bench_goal(TCP_CHURN, "libuv", 0.909, "wall"); /* >= 1.1x libuv */
  bench_goal(TCP_ECHO_AWAIT, "callbacks", 1.1, "wall"); /* await: within 10 % */
  bench_goal(TCP_IDLE, "libuv", 1.0, "wall");
  if (bench_workload_child(argc, argv, TCP_PINGPONG)) {
    bench_pingpong();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, TCP_ECHO)) {
    bench_echo();
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, TCP_ECHO_AWAIT)) {
    bench_echo_await();
    bench_child_done();
  }
  echo_workload = TCP_ECHO_AWAIT; /* the callback version again, as this workload's peer */
  echo_impl = "callbacks";
  if (bench_workload_child(argc, argv, TCP_ECHO_AWAIT)) {
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
