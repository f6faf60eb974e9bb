/* cancel.c - what cancellation costs: stopping many pending operations at once, and a
 * deadline on every request of a busy server.
 *
 * Workloads (tick only: the peers are tick's own other ways of doing the same):
 * - "10k pending reads cancelled": 5,000 socket pairs, a read promise pending on both
 *   ends (10,000 reads; nothing is ever written). Counted: from the call that cancels
 *   them to the moment every read's promise has been rejected (the loop has run the
 *   reactions), over ROUNDS rounds; time per read. Three ways:
 *     "one scope"         every read was derived under one scope (tick_scope_promise);
 *                         one tick_scope_cancel stops them all;
 *     "cancel each"       tick_promise_cancel on each read's promise;
 *     "close each"        tick_stream_close on each stream, the way to stop reads without
 *                         scopes (the close phase rejects them; the streams go too).
 *   Goal: one scope costs no more than closing them one by one.
 * - "tcp echo, 300 clients x 128 B, deadline per request": bench/tcp.c's echo workload
 *   (sizes from tcpbench.h, server and clients on one loop) with clients written as async
 *   functions awaiting the promise forms (tick_stream_write_promise, then
 *   tick_stream_read_promise until the reply is back). "scope + deadline": each request
 *   (a write and its reply) runs under a scope of its own with a 5 s deadline, through
 *   which both promises are derived; "no scope": the same awaits on the plain promises.
 *   Counted: from the first send to the last reply; time per round trip. Goal: within 5 %.
 */
#include <tick.h>

#include "tcpbench.h"

#define PAIRS 5000
#define READS (2 * PAIRS)
#define ROUNDS 5
#define REQUEST_DEADLINE_MS 5000

#define READS_CANCELLED "10k pending reads cancelled"
#define ECHO_DEADLINE "tcp echo, 300 clients x 128 B, deadline per request"

/* --------------------------------------------------------- pending reads ---- */

enum { BY_SCOPE, BY_PROMISE, BY_CLOSE };

static int settled;

static int count_settled(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next,
                         void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  BENCH_EXPECT(tick_promise_error(p) == TICK_ECANCELED);
  settled++;
  return 0;
}

static void ignore(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static void reads_round(int how, bench_span_t *total) {
  static tick_stream_t streams[READS];
  static tick_promise_t *reads[READS], *watched[READS];
  tick_loop_t *loop = NULL;
  tick_scope_t *scope = NULL;
  bench_mark_t mark;
  int i;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_promise_set_unhandled_hook(loop, ignore, NULL, ignore, NULL));
  if (how == BY_SCOPE) BENCH_CHECK(tick_scope_create(loop, NULL, &scope));
  for (i = 0; i < PAIRS; i++) {
    int sv[2];
    BENCH_EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    BENCH_CHECK(tick_pipe_open(loop, sv[0], &streams[2 * i]));
    BENCH_CHECK(tick_pipe_open(loop, sv[1], &streams[2 * i + 1]));
  }
  for (i = 0; i < READS; i++) {
    BENCH_CHECK(tick_stream_read_promise(loop, streams[i], 64, 0, &reads[i]));
    if (how == BY_SCOPE)
      BENCH_CHECK(tick_scope_promise(scope, reads[i], &watched[i]));
    else
      BENCH_CHECK(tick_promise_retain(watched[i] = reads[i]));
    BENCH_CHECK(tick_promise_then(watched[i], NULL, count_settled, NULL, NULL, NULL));
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_NOWAIT)); /* every read registered */
  settled = 0;

  bench_begin(&mark);
  if (how == BY_SCOPE) {
    BENCH_CHECK(tick_scope_cancel(scope, TICK_ECANCELED));
  } else if (how == BY_PROMISE) {
    for (i = 0; i < READS; i++) BENCH_CHECK(tick_promise_cancel(reads[i], TICK_ECANCELED));
  } else {
    for (i = 0; i < READS; i++) BENCH_CHECK(tick_stream_close(loop, streams[i], NULL, NULL));
  }
  while (settled < READS) BENCH_CHECK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  *total = bench_span_add(*total, bench_elapsed(&mark));

  for (i = 0; i < READS; i++) {
    BENCH_CHECK(tick_promise_release(reads[i]));
    BENCH_CHECK(tick_promise_release(watched[i]));
    if (how != BY_CLOSE) BENCH_CHECK(tick_stream_close(loop, streams[i], NULL, NULL));
  }
  if (scope != NULL) BENCH_CHECK(tick_scope_release(scope));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
}

static void bench_reads(int how, const char *impl) {
  bench_span_t total = {0, 0};
  int r;
  BENCH_EXPECT(tcpbench_raise_fd_limit() > READS + 100);
  for (r = 0; r < ROUNDS; r++) reads_round(how, &total);
  bench_print(READS_CANCELLED, impl, total, (double)READS * ROUNDS);
}

/* ------------------------------------------------------- echo with deadlines ---- */

static char read_buffer[65536];

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
  char data[65536];
} write_t;

static write_t *free_writes;

static void write_done(tick_loop_t *loop, tick_stream_t stream, int status, void *arg) {
  write_t *w = arg;
  (void)loop;
  (void)stream;
  if (status != TICK_ECANCELED) BENCH_CHECK(status);
  w->next_free = free_writes;
  free_writes = w;
}

static void echo_read(tick_loop_t *loop, tick_stream_t stream, ssize_t nread,
                      const tick_buf_t *buf, void *arg) {
  write_t *w;
  tick_buf_t out;
  (void)arg;
  if (nread < 0) {
    BENCH_CHECK(tick_stream_close(loop, stream, NULL, NULL));
    return;
  }
  if (nread == 0) return;
  w = free_writes;
  if (w != NULL)
    free_writes = w->next_free;
  else
    w = bench_alloc(sizeof(*w));
  memcpy(w->data, buf->base, (size_t)nread);
  out = tick_buf(w->data, (size_t)nread);
  BENCH_CHECK(tick_stream_write(loop, stream, &out, 1, write_done, w));
}

static int accepted;

static void on_connection(tick_loop_t *loop, tick_stream_t listener, int status,
                          tick_stream_t client, void *arg) {
  (void)listener;
  (void)arg;
  BENCH_CHECK(status);
  accepted++;
  BENCH_CHECK(tick_tcp_nodelay(loop, client, 1));
  BENCH_CHECK(tick_stream_read_start(loop, client, read_alloc, echo_read, NULL));
}

typedef struct client_s {
  tick_stream_t stream;
  int port;
  int with_scope;
} client_t;

static char echo_message[ECHO_MESSAGE];
static int clients_connected, clients_done;
static bench_mark_t echo_mark;
static tick_promise_t *all_connected;
static tick_resolver_t *all_connected_resolver;
static tick_stream_t listener;

/* Awaits `p` (a reference handed over), through `scope` when there is one. */
static int await_op(tick_async_t *co, tick_scope_t *scope, tick_promise_t *p) {
  tick_promise_t *d = p;
  int r;
  if (scope != NULL) {
    BENCH_CHECK(tick_scope_promise(scope, p, &d));
    BENCH_CHECK(tick_promise_release(p));
  }
  r = tick_await(co, d);
  BENCH_CHECK(r);
  return r;
}

static int echo_client(tick_async_t *co, void *arg) {
  client_t *client = arg;
  tick_loop_t *loop = tick_async_loop(co);
  tick_promise_t *p;
  BENCH_CHECK(tick_tcp_create(loop, AF_INET, &client->stream));
  BENCH_CHECK(tick_tcp_connect_ip_promise(loop, client->stream, "127.0.0.1", client->port, 0,
                                          &p));
  await_op(co, NULL, p);
  BENCH_CHECK(tick_promise_release(p));
  BENCH_CHECK(tick_tcp_nodelay(loop, client->stream, 1));
  if (++clients_connected == ECHO_CLIENTS) {
    bench_begin(&echo_mark);
    BENCH_CHECK(tick_resolver_resolve(all_connected_resolver, NULL, NULL));
  }
  BENCH_CHECK(tick_await(co, all_connected));
  for (int round = 0; round < ECHO_ROUNDS; round++) {
    tick_scope_t *scope = NULL;
    tick_buf_t out = tick_buf(echo_message, ECHO_MESSAGE);
    tick_promise_t *w, *r;
    if (client->with_scope) {
      BENCH_CHECK(tick_scope_create(loop, NULL, &scope));
      BENCH_CHECK(tick_scope_set_timeout(scope, REQUEST_DEADLINE_MS));
    }
    BENCH_CHECK(tick_stream_write_promise(loop, client->stream, &out, 1, &w));
    await_op(co, scope, w);
    for (size_t got = 0; got < ECHO_MESSAGE;) { /* a reply may come in pieces */
      BENCH_CHECK(tick_stream_read_promise(loop, client->stream, sizeof(read_buffer), 0, &r));
      await_op(co, scope, r);
      got += ((const tick_buf_t *)tick_async_value(co))->len;
    }
    if (scope != NULL) BENCH_CHECK(tick_scope_release(scope));
  }
  BENCH_CHECK(tick_stream_close(loop, client->stream, NULL, NULL));
  if (++clients_done == ECHO_CLIENTS) {
    bench_report(&echo_mark, ECHO_DEADLINE, client->with_scope ? "tick" : "no scope",
                 (double)ECHO_CLIENTS * ECHO_ROUNDS);
    BENCH_CHECK(tick_stream_close(loop, listener, NULL, NULL));
  }
  return 0;
}

static void bench_echo(int with_scope) {
  tick_loop_t *loop = NULL;
  struct sockaddr_storage bound;
  client_t *clients = bench_alloc(ECHO_CLIENTS * sizeof(*clients));
  int port;
  memset(echo_message, 'e', sizeof(echo_message));
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_tcp_create(loop, AF_INET, &listener));
  BENCH_CHECK(tick_tcp_bind_ip(loop, listener, "127.0.0.1", 0, 0));
  BENCH_CHECK(tick_tcp_listen(loop, listener, LISTEN_BACKLOG, on_connection, NULL));
  BENCH_CHECK(tick_tcp_getsockname(loop, listener, &bound));
  port = tick_ip_port(&bound);
  BENCH_CHECK(tick_promise_create_deferred(loop, &all_connected, &all_connected_resolver));
  for (int i = 0; i < ECHO_CLIENTS; i++) {
    clients[i].port = port;
    clients[i].with_scope = with_scope;
    BENCH_CHECK(tick_async_run(loop, echo_client, &clients[i], NULL, NULL));
  }
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_EXPECT(clients_done == ECHO_CLIENTS);
  BENCH_EXPECT(accepted == ECHO_CLIENTS);
  tick_resolver_release(all_connected_resolver);
  tick_promise_release(all_connected);
  BENCH_EXPECT(tick_loop_destroy(loop) == 0);
  free(clients);
}

int main(int argc, char **argv) {
  bench_goal(READS_CANCELLED, "close each", 1.0, "wall");
  bench_goal(ECHO_DEADLINE, "no scope", 1.05, "wall");
  if (bench_workload_child(argc, argv, READS_CANCELLED)) {
    bench_reads(BY_SCOPE, "tick");
    bench_reads(BY_PROMISE, "cancel each");
    bench_reads(BY_CLOSE, "close each");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, ECHO_DEADLINE)) {
    bench_echo(1);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, ECHO_DEADLINE)) {
    bench_echo(0);
    bench_child_done();
  }
  return 0;
}
