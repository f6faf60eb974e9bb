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
