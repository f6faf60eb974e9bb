/* test-cancel-io.c - tick_promise_cancel: the abort hook of the promise layer, misuse,
 * and what cancelling does to every `_promise` form of the I/O and thread layers (each
 * settles exactly once: the cancellation or its real outcome, as docs/cancellation.md
 * says). */
#include "test.h"
#include "promise/promise.h"

#include <pthread.h>

static tick_loop_t *new_loop(void) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  return loop;
}

static void close_loop(tick_loop_t *loop) {
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Ignores unhandled rejections (the tests read outcomes directly). */
static void quiet(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static void quiet_loop(tick_loop_t *loop) {
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, quiet, NULL, quiet, NULL));
}

/* ------------------------------------------------------------ the hook itself ---- */

/* A fake operation: its hook records the call and, when `sync`, rejects at once. */
typedef struct {
  tick_resolver_t *resolver;
  int calls;
  int code;
  int sync;
} fake_op_t;

static void fake_abort(tick_loop_t *loop, void *arg, int code) {
  fake_op_t *op = arg;
  (void)loop;
  op->calls++;
  op->code = code;
  if (op->sync) {
    ASSERT_EQ(tick_resolver_reject(op->resolver, code, NULL, NULL), 1);
    ASSERT_OK(tick_resolver_release(op->resolver));
    op->resolver = NULL;
  }
}

TEST(cancel_hook_rejects_once) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  fake_op_t op = {0};
  quiet_loop(loop);
  op.sync = 1;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(op.calls, 1);
  ASSERT_EQ(op.code, TICK_ECANCELED);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  /* Settled: asking again is refused and calls nothing. */
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_EQ(op.calls, 1);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

TEST(cancel_hook_asked_once_while_stopping) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  fake_op_t op = {0};
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED)); /* still pending: asked already */
  ASSERT_EQ(op.calls, 1);
  ASSERT_EQ(op.code, TICK_ETIMEDOUT);
  /* Registering again while it stops does not re-arm it. */
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(op.calls, 1);
  /* The operation had finished anyway: its real outcome wins, once. */
  ASSERT_EQ(tick_resolver_resolve(op.resolver, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(op.resolver));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

TEST(cancel_hook_goes_when_settled) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  fake_op_t op = {0};
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  ASSERT_EQ(tick_resolver_resolve(op.resolver, NULL, NULL), 1);
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_ERR(tick__promise_set_abort(p, fake_abort, &op), TICK_EALREADY);
  ASSERT_EQ(op.calls, 0);
  ASSERT_OK(tick_resolver_release(op.resolver));
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

TEST(cancel_hook_removed) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  fake_op_t op = {0};
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  ASSERT_OK(tick__promise_set_abort(p, NULL, NULL));
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_ENOTSUP);
  ASSERT_EQ(op.calls, 0);
  ASSERT_OK(tick_resolver_release(op.resolver));
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

/* The hook may drop the last reference to the promise's resolver while the caller holds
 * only a borrowed handle: the promise survives the call. */
static void abort_and_release(tick_loop_t *loop, void *arg, int code) {
  fake_op_t *op = arg;
  (void)loop;
  op->calls++;
  ASSERT_EQ(tick_resolver_reject(op->resolver, code, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(op->resolver));
  op->resolver = NULL;
}

static int cancel_in_handler(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                             void *arg) {
  (void)loop;
  (void)s;
  (void)next;
  ASSERT_ERR(tick_promise_cancel(arg, TICK_ECANCELED), TICK_EALREADY);
  return 0;
}

TEST(cancel_hook_last_reference) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *d;
  fake_op_t op = {0};
  quiet_loop(loop);
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, abort_and_release, &op));
  ASSERT_OK(tick_promise_then(p, NULL, cancel_in_handler, p, NULL, &d));
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(op.calls, 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_promise_state(d), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_release(d));
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

/* -------------------------------------------------------------------- misuse ---- */

TEST(cancel_misuse) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *d, *r, *all, *inputs[1];
  tick_resolver_t *res;
  quiet_loop(loop);
  ASSERT_ERR(tick_promise_cancel(NULL, TICK_ECANCELED), TICK_EINVAL);
  ASSERT_ERR(tick__promise_set_abort(NULL, fake_abort, NULL), TICK_EINVAL);
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &res));
  ASSERT_ERR(tick_promise_cancel(p, 0), TICK_EINVAL);
  ASSERT_ERR(tick_promise_cancel(p, 5), TICK_EINVAL);
  /* No operation behind a deferred promise, a derived one or a combinator. */
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_ENOTSUP);
  ASSERT_OK(tick_promise_then(p, NULL, NULL, NULL, NULL, &d));
  ASSERT_ERR(tick_promise_cancel(d, TICK_ECANCELED), TICK_ENOTSUP);
  ASSERT_ERR(tick__promise_set_abort(d, fake_abort, NULL), TICK_EINVAL);
  inputs[0] = p;
  ASSERT_OK(tick_promise_all(loop, inputs, 1, &all));
  ASSERT_ERR(tick_promise_cancel(all, TICK_ECANCELED), TICK_ENOTSUP);
  /* Already settled. */
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &r));
  ASSERT_ERR(tick_promise_cancel(r, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_OK(tick_promise_release(r));
  /* Stale. */
  ASSERT_ERR(tick_promise_cancel(r, TICK_ECANCELED), TICK_ESTALE);
  ASSERT_ERR(tick__promise_set_abort(r, fake_abort, NULL), TICK_ESTALE);
  ASSERT_EQ(tick_resolver_resolve(res, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(res));
  ASSERT_OK(tick_promise_release(all));
  ASSERT_OK(tick_promise_release(d));
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

typedef struct {
  tick_promise_t *p;
  int rc;
} thread_arg_t;

static void *cancel_from_thread(void *arg) {
  thread_arg_t *t = arg;
  t->rc = tick_promise_cancel(t->p, TICK_ECANCELED);
  return NULL;
}

TEST(cancel_wrong_thread) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  fake_op_t op = {0};
  thread_arg_t t;
  pthread_t th;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &op.resolver));
  ASSERT_OK(tick__promise_set_abort(p, fake_abort, &op));
  t.p = p;
  t.rc = 0;
  ASSERT_EQ(pthread_create(&th, NULL, cancel_from_thread, &t), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_ERR(t.rc, TICK_EWRONGTHREAD);
  ASSERT_EQ(op.calls, 0);
  ASSERT_EQ(tick_resolver_resolve(op.resolver, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(op.resolver));
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

/* ------------------------------------------------------------ I/O operations ---- */

#include "gate.h"

#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Counts how each watched promise settled: a handler on both sides, so a promise that
 * settled twice (or never) shows in the counts. */
typedef struct {
  int fulfilled, rejected, code;
} outcome_t;

static int on_ok(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  outcome_t *o = arg;
  (void)loop;
  (void)s;
  (void)next;
  o->fulfilled++;
  return 0;
}

static int on_err(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  outcome_t *o = arg;
  (void)loop;
  (void)next;
  o->rejected++;
  o->code = tick_promise_error(s);
  return 0;
}

static void watch(tick_promise_t *p, outcome_t *o) {
  tick_promise_t *d;
  memset(o, 0, sizeof(*o));
  ASSERT_OK(tick_promise_then(p, on_ok, on_err, o, NULL, &d));
  ASSERT_OK(tick_promise_release(d));
}

static void run_until(tick_loop_t *loop, const outcome_t *o) {
  int i;
  for (i = 0; i < 100000 && o->fulfilled + o->rejected == 0; i++)
    ASSERT_GE(tick_loop_run(loop, TICK_RUN_ONCE), 0);
  ASSERT_EQ(o->fulfilled + o->rejected, 1);
}

static void pipe_pair(tick_loop_t *loop, tick_stream_t *a, tick_stream_t *b) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_OK(tick_pipe_open(loop, sv[0], a));
  ASSERT_OK(tick_pipe_open(loop, sv[1], b));
}

static void close_pair(tick_loop_t *loop, tick_stream_t a, tick_stream_t b) {
  ASSERT_OK(tick_stream_close(loop, a, NULL, NULL));
  ASSERT_OK(tick_stream_close(loop, b, NULL, NULL));
}

TEST(cancel_stream_read) {
  tick_loop_t *loop = new_loop();
  tick_stream_t a, b;
  tick_promise_t *p;
  outcome_t o;
  tick_buf_t buf = tick_buf("x", 1);
  pipe_pair(loop, &a, &b);
  ASSERT_OK(tick_stream_read_promise(loop, a, 16, 0, &p));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  ASSERT_EQ(tick_promise_error(p), TICK_ETIMEDOUT); /* stopped at once: nothing was read */
  ASSERT_ERR(tick_promise_cancel(p, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_EQ(o.rejected, 1);
  ASSERT_EQ(o.fulfilled, 0);
  ASSERT_OK(tick_promise_release(p));
  /* The stream is still usable and the byte goes to the next reader. */
  ASSERT_OK(tick_stream_write(loop, b, &buf, 1, NULL, NULL));
  ASSERT_OK(tick_stream_read_promise(loop, a, 16, 0, &p));
  watch(p, &o);
  run_until(loop, &o);
  ASSERT_EQ(o.fulfilled, 1);
  ASSERT_UEQ(((tick_buf_t *)tick_promise_value(p))->len, 1);
  ASSERT_OK(tick_promise_release(p));
  close_pair(loop, a, b);
  close_loop(loop);
}

/* Fills the socket buffer so that later writes queue. */
static void fill(tick_loop_t *loop, tick_stream_t s) {
  static char big[1 << 16];
  tick_buf_t buf = tick_buf(big, sizeof(big));
  int n;
  do n = tick_stream_try_write(loop, s, &buf, 1);
  while (n > 0);
}

TEST(cancel_stream_write_queued_and_started) {
  tick_loop_t *loop = new_loop();
  tick_stream_t a, b;
  tick_promise_t *p1, *p2, *p3;
  outcome_t o1, o2, o3;
  static char chunk[1 << 18];
  tick_buf_t buf = tick_buf(chunk, sizeof(chunk));
  size_t queued;
  quiet_loop(loop);
  pipe_pair(loop, &a, &b);
  fill(loop, a);
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &p1));
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &p2));
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &p3));
  watch(p1, &o1);
  watch(p2, &o2);
  watch(p3, &o3);
  /* Nothing of the middle one went out: it leaves the queue, now. */
  ASSERT_OK(tick_promise_cancel(p2, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_error(p2), TICK_ECANCELED);
  ASSERT_OK(tick_stream_write_queue_size(loop, a, &queued));
  ASSERT_UEQ(queued, 2 * sizeof(chunk));
  /* Closing reports the others (cancelled by the close), once each. */
  close_pair(loop, a, b);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(o1.rejected + o1.fulfilled, 1);
  ASSERT_EQ(o2.rejected, 1);
  ASSERT_EQ(o2.fulfilled, 0);
  ASSERT_EQ(o3.rejected + o3.fulfilled, 1);
  ASSERT_ERR(tick_promise_cancel(p1, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_OK(tick_promise_release(p1));
  ASSERT_OK(tick_promise_release(p2));
  ASSERT_OK(tick_promise_release(p3));
  close_loop(loop);
}

/* A write that went out at once reports its real outcome. */
TEST(cancel_stream_write_done_reports_success) {
  tick_loop_t *loop = new_loop();
  tick_stream_t a, b;
  tick_promise_t *p;
  outcome_t o;
  tick_buf_t buf = tick_buf("hello", 5);
  pipe_pair(loop, &a, &b);
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &p));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  run_until(loop, &o);
  ASSERT_EQ(o.fulfilled, 1);
  ASSERT_OK(tick_promise_release(p));
  close_pair(loop, a, b);
  close_loop(loop);
}

TEST(cancel_stream_shutdown_withdrawn) {
  tick_loop_t *loop = new_loop();
  tick_stream_t a, b;
  tick_promise_t *w, *sh;
  outcome_t ow, os;
  static char chunk[1 << 18];
  tick_buf_t buf = tick_buf(chunk, sizeof(chunk));
  quiet_loop(loop);
  pipe_pair(loop, &a, &b);
  fill(loop, a);
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &w));
  ASSERT_OK(tick_stream_shutdown_promise(loop, a, &sh));
  watch(w, &ow);
  watch(sh, &os);
  ASSERT_OK(tick_promise_cancel(sh, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_error(sh), TICK_ECANCELED);
  /* Writable again, and a new shutdown is accepted. */
  ASSERT_OK(tick_promise_cancel(w, TICK_ECANCELED));
  ASSERT_OK(tick_stream_write(loop, a, &buf, 1, NULL, NULL));
  ASSERT_OK(tick_promise_release(sh));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_EQ(os.rejected, 1);
  ASSERT_EQ(os.fulfilled, 0);
  ASSERT_EQ(ow.rejected + ow.fulfilled, 1);
  /* A second shutdown waits for the queue, and the close ends it. */
  ASSERT_OK(tick_stream_shutdown_promise(loop, a, &sh));
  watch(sh, &os);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_EQ(os.fulfilled + os.rejected, 0);
  close_pair(loop, a, b);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(os.rejected, 1);
  ASSERT_OK(tick_promise_release(w));
  ASSERT_OK(tick_promise_release(sh));
  close_loop(loop);
}

TEST(cancel_stream_shutdown_after_last_write) {
  tick_loop_t *loop = new_loop();
  tick_stream_t a, b;
  tick_promise_t *w, *sh;
  outcome_t ow, os;
  static char chunk[1 << 18];
  tick_buf_t buf = tick_buf(chunk, sizeof(chunk));
  pipe_pair(loop, &a, &b);
  fill(loop, a);
  ASSERT_OK(tick_stream_write_promise(loop, a, &buf, 1, &w));
  ASSERT_OK(tick_stream_shutdown_promise(loop, a, &sh));
  watch(w, &ow);
  watch(sh, &os);
  quiet_loop(loop);
  ASSERT_OK(tick_promise_cancel(w, TICK_ECANCELED));
  run_until(loop, &os);
  ASSERT_EQ(os.fulfilled, 1); /* the shutdown no longer waits for the withdrawn write */
  ASSERT_EQ(ow.rejected, 1);
  ASSERT_OK(tick_promise_release(w));
  ASSERT_OK(tick_promise_release(sh));
  close_pair(loop, a, b);
  close_loop(loop);
}

TEST(cancel_tcp_connect) {
  tick_loop_t *loop = new_loop();
  tick_stream_t c;
  tick_promise_t *p;
  outcome_t o;
  quiet_loop(loop);
  /* A non-routable address: the connect stays pending until cancelled. */
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &c));
  ASSERT_OK(tick_tcp_connect_ip_promise(loop, c, "10.255.255.1", 9, 0, &p));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  ASSERT_EQ(tick_promise_error(p), TICK_ETIMEDOUT);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ETIMEDOUT);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_stream_close(loop, c, NULL, NULL));
  close_loop(loop);
}

TEST(cancel_tcp_connect_host_during_lookup) {
  tick_loop_t *loop = new_loop();
  tick_stream_t c;
  tick_promise_t *p;
  outcome_t o;
  quiet_loop(loop);
  ASSERT_OK(tick_tcp_create(loop, AF_INET, &c));
  ASSERT_OK(tick_tcp_connect_host_promise(loop, c, "localhost", 9, 0, &p));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_stream_close(loop, c, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(o.rejected, 1);
  ASSERT_EQ(o.fulfilled, 0);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

TEST(cancel_udp_send_and_recv) {
  tick_loop_t *loop = new_loop();
  tick_udp_t u, v;
  tick_promise_t *s1, *s2, *r1, *r2;
  outcome_t os1, os2, or1, or2;
  struct sockaddr_storage addr;
  struct iovec iov = {"ping", 4};
  quiet_loop(loop);
  ASSERT_OK(tick_udp_create(loop, AF_INET, &u));
  ASSERT_OK(tick_udp_create(loop, AF_INET, &v));
  ASSERT_OK(tick_ip_addr("127.0.0.1", 0, &addr));
  ASSERT_OK(tick_udp_bind(loop, v, (struct sockaddr *)&addr, 0));
  {
    socklen_t len = (socklen_t)sizeof(addr);
    ASSERT_OK(tick_udp_getsockname(loop, v, (struct sockaddr *)&addr, &len));
  }
  ASSERT_OK(tick_udp_recv_promise(loop, v, 64, 0, &r1));
  ASSERT_OK(tick_udp_recv_promise(loop, v, 64, 0, &r2));
  watch(r1, &or1);
  watch(r2, &or2);
  /* The first receive is cancelled: the datagram goes to the second. */
  ASSERT_OK(tick_promise_cancel(r1, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_error(r1), TICK_ECANCELED);
  /* Sends leave at the end of the drain: cancelling one before that withdraws it. */
  ASSERT_OK(tick_udp_send_promise(loop, u, &iov, 1, (struct sockaddr *)&addr, &s1));
  ASSERT_OK(tick_udp_send_promise(loop, u, &iov, 1, (struct sockaddr *)&addr, &s2));
  watch(s1, &os1);
  watch(s2, &os2);
  ASSERT_OK(tick_promise_cancel(s1, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_error(s1), TICK_ECANCELED);
  run_until(loop, &or2);
  ASSERT_EQ(or2.fulfilled, 1);
  ASSERT_UEQ(((tick_udp_datagram_t *)tick_promise_value(r2))->len, 4);
  ASSERT_EQ(os2.fulfilled, 1);
  ASSERT_EQ(os1.rejected, 1);
  ASSERT_EQ(or1.rejected, 1);
  /* Taken by the kernel: too late, its real outcome stands. */
  ASSERT_ERR(tick_promise_cancel(s2, TICK_ECANCELED), TICK_EALREADY);
  ASSERT_OK(tick_promise_release(s1));
  ASSERT_OK(tick_promise_release(s2));
  ASSERT_OK(tick_promise_release(r1));
  ASSERT_OK(tick_promise_release(r2));
  ASSERT_OK(tick_udp_close(loop, u, NULL, NULL));
  ASSERT_OK(tick_udp_close(loop, v, NULL, NULL));
  close_loop(loop);
}

/* A one-thread pool held by a gate: whatever is queued after it has not started. */
static tick_pool_t *held_pool(tick_loop_t *loop, gate_t *g) {
  tick_pool_t *pool;
  atomic_store(&g->started, 0);
  atomic_store(&g->release, 0);
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_work_queue(loop, pool, gate_work, NULL, g, NULL));
  wait_started(g);
  return pool;
}

static void fs_loop_mode(tick_loop_t **loop, int pool_only) {
  if (pool_only)
    setenv("TICK_NO_URING", "1", 1);
  else
    unsetenv("TICK_NO_URING");
  ASSERT_OK(tick_loop_create(loop, 0));
}

TEST(cancel_fs_pool_unstarted) {
  tick_loop_t *loop;
  static gate_t g;
  tick_pool_t *pool;
  tick_promise_t *p;
  outcome_t o;
  fs_loop_mode(&loop, 1);
  quiet_loop(loop);
  pool = held_pool(loop, &g);
  ASSERT_OK(tick_fs_stat_promise(loop, "/", &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED)); /* asked already: nothing more */
  atomic_store(&g.release, 1);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ETIMEDOUT);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* A request whose work has run reports its own result, once. */
TEST(cancel_fs_pool_finished_reports_result) {
  tick_loop_t *loop;
  static gate_t g;
  tick_pool_t *pool;
  tick_promise_t *p;
  outcome_t o;
  fs_loop_mode(&loop, 1);
  pool = held_pool(loop, &g);
  ASSERT_OK(tick_fs_stat_promise(loop, "/", &p, NULL));
  watch(p, &o);
  atomic_store(&g.release, 1);
  usleep(100 * 1000); /* the stat has almost surely run: its completion waits in the inbox */
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  run_until(loop, &o);
  if (o.rejected) ASSERT_EQ(o.code, TICK_ECANCELED); /* unless the worker was that slow */
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}

TEST(cancel_fs_uring_pipe_read) {
  tick_loop_t *loop;
  tick_promise_t *p;
  outcome_t o;
  int fds[2];
  char byte;
  struct iovec iov = {&byte, 1};
  fs_loop_mode(&loop, 0);
  if (tick_fs_backend(loop) != TICK_FS_BACKEND_URING) {
    fprintf(stderr, "note: no io_uring here, nothing to test\n");
    ASSERT_OK(tick_loop_destroy(loop));
    return;
  }
  quiet_loop(loop);
  ASSERT_EQ(pipe(fds), 0);
  /* A read of an empty pipe waits in the kernel: IORING_OP_ASYNC_CANCEL stops it. */
  ASSERT_OK(tick_fs_read_promise(loop, fds[0], &iov, 1, -1, &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT)); /* submitted */
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ETIMEDOUT);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  close(fds[0]);
  close(fds[1]);
}

TEST(cancel_fs_uring_file_read_exactly_once) {
  tick_loop_t *loop;
  tick_promise_t *p;
  outcome_t o;
  int fd;
  char buf[64];
  struct iovec iov = {buf, sizeof(buf)};
  fs_loop_mode(&loop, 0);
  quiet_loop(loop);
  fd = open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(fd, 0);
  /* A file read is quick: whichever wins, the promise settles once. */
  ASSERT_OK(tick_fs_read_promise(loop, fd, &iov, 1, 0, &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  run_until(loop, &o);
  if (o.rejected) ASSERT_EQ(o.code, TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  close(fd);
}

TEST(cancel_dns) {
  tick_loop_t *loop = new_loop();
  static gate_t g;
  tick_pool_t *pool;
  tick_promise_t *p, *q;
  outcome_t o, oq;
  quiet_loop(loop);
  pool = held_pool(loop, &g);
  ASSERT_OK(tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  atomic_store(&g.release, 1);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ECANCELED);
  /* One that runs: cancellation still wins, the late result is freed. */
  ASSERT_OK(tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, &q, NULL));
  watch(q, &oq);
  ASSERT_OK(tick_promise_cancel(q, TICK_ETIMEDOUT));
  run_until(loop, &oq);
  ASSERT_EQ(oq.code, TICK_ETIMEDOUT);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(q));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}

TEST(cancel_spawn_kills_and_reaps) {
  tick_loop_t *loop = new_loop();
  tick_process_options_t opts;
  char *argv[] = {"sleep", "30", NULL};
  tick_promise_t *p;
  outcome_t o;
  const tick_process_exit_t *ex;
  quiet_loop(loop);
  memset(&opts, 0, sizeof(opts));
  opts.file = "sleep";
  opts.argv = argv;
  ASSERT_OK(tick_spawn_promise(loop, &opts, NULL, &p));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING); /* until the child has exited */
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ECANCELED);
  ex = tick_promise_value(p);
  ASSERT(ex != NULL);
  ASSERT_EQ(ex->term_signal, SIGTERM);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

/* ------------------------------------------------------------------ pool work ---- */

static int value_work(void *arg, void **value, tick_free_cb *free_value) {
  (void)arg;
  (void)free_value;
  *value = NULL;
  return 0;
}

TEST(cancel_work_unstarted) {
  tick_loop_t *loop = new_loop();
  static gate_t g;
  tick_pool_t *pool;
  tick_promise_t *p;
  outcome_t o;
  int ran = 0;
  quiet_loop(loop);
  pool = held_pool(loop, &g);
  ASSERT_OK(tick_work_promise(loop, NULL, value_work, &ran, &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  atomic_store(&g.release, 1);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ETIMEDOUT);
  ASSERT_EQ(tick_work_cancelled(), 0); /* not in a work callback */
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* A running job polls tick_work_cancelled and stops early with the code it reads. */
typedef struct {
  atomic_int started;
  atomic_int seen;
} poll_job_t;

static int polling_work(void *arg, void **value, tick_free_cb *free_value) {
  poll_job_t *j = arg;
  int code;
  (void)value;
  (void)free_value;
  atomic_store(&j->started, 1);
  while ((code = tick_work_cancelled()) == 0) usleep(100);
  atomic_store(&j->seen, code);
  return code;
}

TEST(cancel_work_running_polls) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  tick_work_t job;
  outcome_t o;
  static poll_job_t j;
  quiet_loop(loop);
  ASSERT_OK(tick_work_promise(loop, NULL, polling_work, &j, &p, &job));
  watch(p, &o);
  while (!atomic_load(&j.started)) usleep(100);
  ASSERT_OK(tick_promise_cancel(p, TICK_ETIMEDOUT));
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ETIMEDOUT);
  ASSERT_EQ(atomic_load(&j.seen), TICK_ETIMEDOUT);
  ASSERT_ERR(tick_work_cancel(loop, job), TICK_ESTALE);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
}

/* tick_work_cancel reaches a running plain job the same way. */
static void polling_plain(void *arg) {
  poll_job_t *j = arg;
  int code;
  atomic_store(&j->started, 1);
  while ((code = tick_work_cancelled()) == 0) usleep(100);
  atomic_store(&j->seen, code);
}

TEST(cancel_work_plain_running_sees_cancel) {
  tick_loop_t *loop = new_loop();
  tick_work_t job;
  static poll_job_t j;
  ASSERT_OK(tick_work_queue(loop, NULL, polling_plain, NULL, &j, &job));
  while (!atomic_load(&j.started)) usleep(100);
  ASSERT_ERR(tick_work_cancel(loop, job), TICK_EBUSY);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(atomic_load(&j.seen), TICK_ECANCELED);
  close_loop(loop);
}

static int add_one(void *ctx, void *elem, size_t index) {
  (void)index;
  (void)ctx;
  (*(int *)elem)++;
  return 0;
}

TEST(cancel_parallel_promise_unstarted) {
  tick_loop_t *loop = new_loop();
  static gate_t g;
  static int data[16];
  tick_pool_t *pool;
  tick_promise_t *p;
  outcome_t o;
  size_t i;
  quiet_loop(loop);
  pool = held_pool(loop, &g);
  ASSERT_OK(tick_parallel_for_each_promise(loop, NULL, data, 16, sizeof(int), add_one, NULL,
                                           &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_ECANCELED));
  atomic_store(&g.release, 1);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_ECANCELED);
  for (i = 0; i < 16; i++) ASSERT_EQ(data[i], 0); /* never ran */
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* ------------------------------------------------------- allocation failure ---- */

/* Every allocation of the cancellable promise forms (promise, request records, buffers,
 * the pool, the ring, the stream and its write request), one failing at a time, with
 * each form cancelled right after it was accepted: whatever failed, what was accepted
 * settles once, and nothing leaks. Cancelling allocates nothing of its own. */
static int alloc_cancel_scenario(void *arg) {
  tick_loop_t *loop;
  tick_stream_t a = {TICK_NULL_ID}, b = {TICK_NULL_ID};
  tick_promise_t *p[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  tick_buf_t buf = tick_buf("abc", 3);
  int sv[2], rc, i;
  (void)arg;
  rc = tick_loop_create(&loop, 0);
  if (rc != 0) return rc;
  if ((rc = tick_promise_set_unhandled_hook(loop, quiet, NULL, quiet, NULL)) != 0) goto out;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    rc = -1;
    goto out;
  }
  if ((rc = tick_pipe_open(loop, sv[0], &a)) != 0) {
    close(sv[0]);
    close(sv[1]);
    goto out;
  }
  if ((rc = tick_pipe_open(loop, sv[1], &b)) != 0) {
    close(sv[1]);
    goto out;
  }
  if ((rc = tick_stream_read_promise(loop, a, 8, 0, &p[0])) != 0) goto out;
  tick_promise_cancel(p[0], TICK_ECANCELED);
  if ((rc = tick_stream_write_promise(loop, b, &buf, 1, &p[1])) != 0) goto out;
  tick_promise_cancel(p[1], TICK_ECANCELED);
  if ((rc = tick_stream_shutdown_promise(loop, b, &p[2])) != 0) goto out;
  tick_promise_cancel(p[2], TICK_ECANCELED);
  if ((rc = tick_work_promise(loop, NULL, value_work, NULL, &p[3], NULL)) != 0) goto out;
  tick_promise_cancel(p[3], TICK_ECANCELED);
  if ((rc = tick_fs_stat_promise(loop, "/", &p[4], NULL)) != 0) goto out;
  tick_promise_cancel(p[4], TICK_ETIMEDOUT);
  if ((rc = tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, &p[5], NULL)) != 0)
    goto out;
  tick_promise_cancel(p[5], TICK_ECANCELED);
out:
  if (a.id != TICK_NULL_ID) tick_stream_close(loop, a, NULL, NULL);
  if (b.id != TICK_NULL_ID) tick_stream_close(loop, b, NULL, NULL);
  if (tick_loop_run(loop, TICK_RUN_DEFAULT) < 0) rc = -1;
  for (i = 0; i < 6; i++) {
    if (p[i] != NULL && tick_promise_state(p[i]) == TICK_PROMISE_PENDING) rc = -1;
    tick_promise_release(p[i]);
  }
  if (tick_loop_destroy(loop) != 0) rc = -1;
  return rc;
}

TEST(cancel_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  unsetenv("TICK_NO_URING");
  sites = test_alloc_each_failure(alloc_cancel_scenario, NULL);
  ASSERT_GE(sites, 8);
}

/* A closedir cancelled before it ran, with any code, leaves the handle open and usable. */
TEST(cancel_fs_closedir_keeps_handle) {
  tick_loop_t *loop;
  static gate_t g;
  tick_pool_t *pool;
  tick_promise_t *p;
  tick_fs_dir_t *dir;
  outcome_t o;
  fs_loop_mode(&loop, 1);
  quiet_loop(loop);
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_fs_opendir_promise(loop, "/", &p, NULL));
  watch(p, &o);
  run_until(loop, &o);
  ASSERT_EQ(o.fulfilled, 1);
  dir = ((const tick_fs_result_t *)tick_promise_value(p))->dir;
  ASSERT_OK(tick_promise_release(p));
  atomic_store(&g.started, 0);
  atomic_store(&g.release, 0);
  ASSERT_OK(tick_work_queue(loop, pool, gate_work, NULL, &g, NULL));
  wait_started(&g);
  ASSERT_OK(tick_fs_closedir_promise(loop, dir, &p, NULL));
  watch(p, &o);
  ASSERT_OK(tick_promise_cancel(p, TICK_EINTR));
  atomic_store(&g.release, 1);
  run_until(loop, &o);
  ASSERT_EQ(o.code, TICK_EINTR);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_fs_closedir_promise(loop, dir, &p, NULL));
  watch(p, &o);
  run_until(loop, &o);
  ASSERT_EQ(o.fulfilled, 1);
  ASSERT_OK(tick_promise_release(p));
  close_loop(loop);
  ASSERT_OK(tick_pool_destroy(pool));
}
