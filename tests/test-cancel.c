/* test-cancel.c - cancel scopes (include/tick/cancel.h, docs/cancellation.md). */
#include "test.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...) {
  va_list ap;
  size_t len = strlen(logbuf);
  va_start(ap, fmt);
  vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
  va_end(ap);
}

static tick_loop_t *manual_loop(void) {
  tick_loop_t *loop;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK));
  return loop;
}

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static void quiet(tick_loop_t *loop) {
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, ignore_rejection, NULL));
}

/* A listener that logs "name:code". */
static void log_listener(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop;
  (void)s;
  logf_("%s:%s ", (const char *)arg, tick_err_name(code));
}

static void log_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  logf_("%s ", (const char *)arg);
}

static void log_immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  logf_("%s ", (const char *)arg);
}

/* ------------------------------------------------------------------ basics ---- */

TEST(scope_create_cancel_status) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_PTR_EQ(tick_scope_loop(s), loop);
  ASSERT_UEQ(tick_scope_deadline(s), UINT64_MAX);
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  ASSERT_EQ(tick_scope_status(s), TICK_ECANCELED);
  /* Idempotent: the first code stays. */
  ASSERT_EQ(tick_scope_cancel(s, TICK_EIO), 0);
  ASSERT_EQ(tick_scope_status(s), TICK_ECANCELED);
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_misuse_codes) {
  tick_loop_t *loop = manual_loop(), *other;
  tick_scope_t *s, *t, *foreign;
  tick_promise_t *p;
  tick_scope_listener_t l;
  memset(&l, 0, sizeof(l));
  ASSERT_OK(tick_loop_create(&other, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_ERR(tick_scope_create(NULL, NULL, &s), TICK_EINVAL);
  ASSERT_ERR(tick_scope_create(loop, NULL, NULL), TICK_EINVAL);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_create(other, NULL, &foreign));
  ASSERT_ERR(tick_scope_create(loop, foreign, &t), TICK_EINVAL);
  ASSERT_ERR(tick_scope_cancel(NULL, TICK_ECANCELED), TICK_EINVAL);
  ASSERT_ERR(tick_scope_cancel(s, 0), TICK_EINVAL);
  ASSERT_ERR(tick_scope_cancel(s, 5), TICK_EINVAL);
  ASSERT_ERR(tick_scope_link(s, s), TICK_EINVAL);
  ASSERT_ERR(tick_scope_link(s, foreign), TICK_EINVAL);
  ASSERT_ERR(tick_scope_link(NULL, s), TICK_EINVAL);
  ASSERT_ERR(tick_scope_listen(s, NULL, log_listener, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_scope_listen(s, &l, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_scope_unlisten(NULL), TICK_EINVAL);
  ASSERT_ERR(tick_scope_unlisten(&l), TICK_EALREADY);
  ASSERT_ERR(tick_scope_status(NULL), TICK_EINVAL);
  ASSERT_ERR(tick_scope_retain(NULL), TICK_EINVAL);
  ASSERT_OK(tick_scope_release(NULL));
  ASSERT_ERR(tick_set_timeout_in(NULL, 1, log_timer, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_set_timeout_in(s, 1, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_set_immediate_in(s, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_delay(NULL, NULL, 1, &p), TICK_EINVAL);
  ASSERT_ERR(tick_delay(loop, NULL, 1, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_delay(loop, foreign, 1, &p), TICK_EINVAL);
  ASSERT_ERR(tick_scope_promise(s, NULL, &p), TICK_EINVAL);
  ASSERT_ERR(tick_scope_promise(NULL, NULL, &p), TICK_EINVAL);
  ASSERT_ERR(tick_promise_timeout(NULL, 1, &p), TICK_EINVAL);
  /* Stale: released more often than retained, and after reuse of the record. */
  ASSERT_OK(tick_scope_release(s));
  ASSERT_ERR(tick_scope_release(s), TICK_ESTALE);
  ASSERT_ERR(tick_scope_cancel(s, TICK_ECANCELED), TICK_ESTALE);
  ASSERT_ERR(tick_scope_status(s), TICK_ESTALE);
  ASSERT_ERR(tick_scope_retain(s), TICK_ESTALE);
  ASSERT_ERR(tick_scope_set_timeout(s, 5), TICK_ESTALE);
  ASSERT_ERR(tick_set_timeout_in(s, 1, log_timer, NULL, NULL), TICK_ESTALE);
  ASSERT_PTR_EQ(tick_scope_loop(s), NULL);
  ASSERT_OK(tick_scope_create(loop, NULL, &t)); /* reuses the record */
  ASSERT_ERR(tick_scope_cancel(s, TICK_ECANCELED), TICK_ESTALE);
  ASSERT_EQ(tick_scope_status(t), 0);
  ASSERT_ERR(tick_scope_create(loop, s, &t), TICK_ESTALE);
  ASSERT_OK(tick_scope_release(t));
  ASSERT_OK(tick_scope_release(foreign));
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
}

typedef struct thread_probe_s {
  tick_scope_t *s;
  tick_loop_t *loop;
  int cancel, status, release, create, listen;
} thread_probe_t;

static void *probe_thread(void *arg) {
  thread_probe_t *t = arg;
  tick_scope_t *x;
  tick_scope_listener_t l;
  memset(&l, 0, sizeof(l));
  t->cancel = tick_scope_cancel(t->s, TICK_ECANCELED);
  t->status = tick_scope_status(t->s);
  t->release = tick_scope_release(t->s);
  t->create = tick_scope_create(t->loop, NULL, &x);
  t->listen = tick_scope_listen(t->s, &l, log_listener, NULL);
  return NULL;
}

TEST(scope_wrong_thread) {
  tick_loop_t *loop = manual_loop();
  thread_probe_t t;
  pthread_t th;
  memset(&t, 0, sizeof(t));
  t.loop = loop;
  ASSERT_OK(tick_scope_create(loop, NULL, &t.s));
  ASSERT_EQ(pthread_create(&th, NULL, probe_thread, &t), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_ERR(t.cancel, TICK_EWRONGTHREAD);
  ASSERT_ERR(t.status, TICK_EWRONGTHREAD);
  ASSERT_ERR(t.release, TICK_EWRONGTHREAD);
  ASSERT_ERR(t.create, TICK_EWRONGTHREAD);
  ASSERT_ERR(t.listen, TICK_EWRONGTHREAD);
  ASSERT_EQ(tick_scope_status(t.s), 0);
  ASSERT_OK(tick_scope_release(t.s));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------------- listeners ---- */

static tick_scope_listener_t late_listener;

static void listener_adds(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  log_listener(loop, s, code, arg);
  ASSERT_ERR(tick_scope_listen(s, &late_listener, log_listener, "late"), TICK_EALREADY);
  ASSERT_OK(tick_queue_microtask(loop, log_task, "micro"));
}

TEST(scope_listeners_run_synchronously_in_order) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_scope_listener_t a, b, c, d;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  memset(&c, 0, sizeof(c));
  memset(&d, 0, sizeof(d));
  memset(&late_listener, 0, sizeof(late_listener));
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_listen(s, &a, log_listener, "a"));
  ASSERT_OK(tick_scope_listen(s, &b, listener_adds, "b"));
  ASSERT_ERR(tick_scope_listen(s, &b, log_listener, "b"), TICK_EBUSY);
  ASSERT_OK(tick_scope_listen(s, &c, log_listener, "c"));
  ASSERT_OK(tick_scope_listen(s, &d, log_listener, "d"));
  ASSERT_OK(tick_scope_unlisten(&c));
  ASSERT_ERR(tick_scope_unlisten(&c), TICK_EALREADY);
  /* The listeners keep the scope alive. */
  ASSERT_OK(tick_scope_release(s));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  logs("after");
  ASSERT_STR_EQ(logbuf, "a:ECANCELED b:ECANCELED d:ECANCELED  after");
  ASSERT_ERR(tick_scope_unlisten(&a), TICK_EALREADY);
  /* Every listener has run: nothing holds the scope any more. */
  ASSERT_ERR(tick_scope_status(s), TICK_ESTALE);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "a:ECANCELED b:ECANCELED d:ECANCELED  after micro");
  ASSERT_OK(tick_loop_destroy(loop));
}

static void listener_frees_itself(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  log_listener(loop, s, code, "self");
  free(arg);
}

TEST(scope_listener_may_free_its_record) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_scope_listener_t *l = calloc(1, sizeof(*l));
  ASSERT(l != NULL);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_listen(s, l, listener_frees_itself, l));
  ASSERT_EQ(tick_scope_cancel(s, TICK_EIO), 1);
  ASSERT_STR_EQ(logbuf, "self:EIO ");
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------- nesting, links ---- */

TEST(scope_children_cancelled_after_listeners_depth_first) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *root, *c1, *c2, *g1;
  tick_scope_listener_t lr, l1, l2, lg;
  memset(&lr, 0, sizeof(lr));
  memset(&l1, 0, sizeof(l1));
  memset(&l2, 0, sizeof(l2));
  memset(&lg, 0, sizeof(lg));
  ASSERT_OK(tick_scope_create(loop, NULL, &root));
  ASSERT_OK(tick_scope_create(loop, root, &c1));
  ASSERT_OK(tick_scope_create(loop, root, &c2));
  ASSERT_OK(tick_scope_create(loop, c1, &g1));
  ASSERT_OK(tick_scope_listen(c2, &l2, log_listener, "c2"));
  ASSERT_OK(tick_scope_listen(g1, &lg, log_listener, "g1"));
  ASSERT_OK(tick_scope_listen(c1, &l1, log_listener, "c1"));
  ASSERT_OK(tick_scope_listen(root, &lr, log_listener, "root"));
  /* A child's cancellation does not reach its parent. */
  ASSERT_EQ(tick_scope_cancel(c2, TICK_EIO), 1);
  ASSERT_STR_EQ(logbuf, "c2:EIO ");
  ASSERT_EQ(tick_scope_status(root), 0);
  logbuf[0] = 0;
  ASSERT_EQ(tick_scope_cancel(root, TICK_ECANCELED), 1);
  ASSERT_STR_EQ(logbuf, "root:ECANCELED c1:ECANCELED g1:ECANCELED ");
  ASSERT_EQ(tick_scope_status(g1), TICK_ECANCELED);
  ASSERT_EQ(tick_scope_status(c2), TICK_EIO);
  /* A child made under a cancelled parent starts cancelled. */
  {
    tick_scope_t *late;
    ASSERT_OK(tick_scope_create(loop, root, &late));
    ASSERT_EQ(tick_scope_status(late), TICK_ECANCELED);
    ASSERT_OK(tick_scope_release(late));
  }
  /* Parents live while their children do. */
  ASSERT_OK(tick_scope_release(root));
  ASSERT_OK(tick_scope_release(c1));
  ASSERT_EQ(tick_scope_status(g1), TICK_ECANCELED);
  ASSERT_OK(tick_scope_release(g1));
  ASSERT_OK(tick_scope_release(c2));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_link_follows_any_source) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *a, *b, *any, *any2;
  tick_scope_listener_t la, lany, lany2;
  memset(&la, 0, sizeof(la));
  memset(&lany, 0, sizeof(lany));
  memset(&lany2, 0, sizeof(lany2));
  ASSERT_OK(tick_scope_create(loop, NULL, &a));
  ASSERT_OK(tick_scope_create(loop, NULL, &b));
  ASSERT_OK(tick_scope_create(loop, NULL, &any));
  ASSERT_OK(tick_scope_create(loop, NULL, &any2));
  ASSERT_OK(tick_scope_link(any, a));
  ASSERT_OK(tick_scope_link(any, b));
  ASSERT_OK(tick_scope_link(any2, any));
  /* Cycles are refused. */
  ASSERT_ERR(tick_scope_link(a, any2), TICK_EINVAL);
  ASSERT_ERR(tick_scope_link(any, any2), TICK_EINVAL);
  ASSERT_OK(tick_scope_listen(a, &la, log_listener, "a"));
  ASSERT_OK(tick_scope_listen(any, &lany, log_listener, "any"));
  ASSERT_OK(tick_scope_listen(any2, &lany2, log_listener, "any2"));
  ASSERT_EQ(tick_scope_cancel(b, TICK_EPIPE), 1);
  ASSERT_STR_EQ(logbuf, "any:EPIPE any2:EPIPE ");
  ASSERT_EQ(tick_scope_status(a), 0);
  ASSERT_EQ(tick_scope_cancel(a, TICK_ECANCELED), 1);
  ASSERT_STR_EQ(logbuf, "any:EPIPE any2:EPIPE a:ECANCELED ");
  /* Linking to a cancelled scope cancels at once; linking a cancelled one is a no-op. */
  {
    tick_scope_t *x;
    ASSERT_OK(tick_scope_create(loop, NULL, &x));
    ASSERT_OK(tick_scope_link(x, a));
    ASSERT_EQ(tick_scope_status(x), TICK_ECANCELED);
    ASSERT_OK(tick_scope_link(x, b));
    ASSERT_OK(tick_scope_release(x));
  }
  ASSERT_OK(tick_scope_release(a));
  ASSERT_OK(tick_scope_release(b));
  ASSERT_OK(tick_scope_release(any));
  ASSERT_OK(tick_scope_release(any2));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_link_sources_live_while_followers_do) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *src, *f;
  ASSERT_OK(tick_scope_create(loop, NULL, &src));
  ASSERT_OK(tick_scope_create(loop, NULL, &f));
  ASSERT_OK(tick_scope_link(f, src));
  ASSERT_OK(tick_scope_set_timeout(src, 10));
  ASSERT_OK(tick_scope_release(src));
  ASSERT_OK(tick_loop_advance(loop, 10));
  ASSERT_EQ(tick_scope_status(f), TICK_ETIMEDOUT);
  ASSERT_OK(tick_scope_release(f));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ---------------------------------------------------------------- deadlines ---- */

TEST(scope_deadline_manual_clock) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s, *child;
  tick_scope_listener_t l;
  memset(&l, 0, sizeof(l));
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_create(loop, s, &child));
  ASSERT_OK(tick_scope_listen(child, &l, log_listener, "child"));
  ASSERT_OK(tick_scope_set_timeout(s, 100));
  ASSERT_UEQ(tick_scope_deadline(s), 100);
  ASSERT_OK(tick_set_timeout(loop, 100, log_timer, "timer100", NULL));
  /* The deadline is unref'd: alone it does not keep the loop alive. */
  ASSERT_OK(tick_loop_advance(loop, 99));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_STR_EQ(logbuf, "child:ETIMEDOUT timer100 ");
  ASSERT_EQ(tick_scope_status(s), TICK_ETIMEDOUT);
  ASSERT_UEQ(tick_scope_deadline(s), UINT64_MAX);
  ASSERT_OK(tick_scope_release(child));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_deadline_absolute_moved_and_cleared) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_loop_advance(loop, 50));
  ASSERT_OK(tick_scope_set_deadline(s, 80));
  ASSERT_UEQ(tick_scope_deadline(s), 80);
  ASSERT_OK(tick_scope_set_timeout(s, 100)); /* moved later: 150 */
  ASSERT_UEQ(tick_scope_deadline(s), 150);
  ASSERT_OK(tick_loop_advance(loop, 40));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_OK(tick_scope_clear_deadline(s));
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_EQ(tick_scope_status(s), 0);
  /* A deadline in the past cancels at once. */
  ASSERT_OK(tick_scope_set_deadline(s, 10));
  ASSERT_EQ(tick_scope_status(s), TICK_ETIMEDOUT);
  ASSERT_OK(tick_scope_set_timeout(s, 10)); /* cancelled: nothing */
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_deadline_beyond_timer_limit) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  uint64_t far = (uint64_t)TICK_TIMEOUT_MAX + 5000;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_set_timeout(s, far));
  ASSERT_OK(tick_loop_advance(loop, TICK_TIMEOUT_MAX));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_OK(tick_loop_advance(loop, 4999));
  ASSERT_EQ(tick_scope_status(s), 0);
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_EQ(tick_scope_status(s), TICK_ETIMEDOUT);
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_deadline_left_at_destroy) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_set_timeout(s, 100));
  ASSERT_OK(tick_loop_destroy(loop)); /* frees the scope */
}

/* ------------------------------------------------------ timers, immediates ---- */

TEST(scope_timers_and_immediates_cleared) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_timer_t t;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_set_timeout_in(s, 10, log_timer, "t10", NULL));
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "plain10", NULL));
  ASSERT_OK(tick_set_timeout_in(s, 30, log_timer, "t30", NULL));
  ASSERT_OK(tick_set_interval_in(s, 7, log_timer, "i7", &t));
  ASSERT_OK(tick_set_immediate_in(s, log_immediate, "imm", NULL));
  ASSERT_OK(tick_loop_advance(loop, 15));
  ASSERT_STR_EQ(logbuf, "imm i7 t10 plain10 i7 ");
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  ASSERT_ERR(tick_set_timeout_in(s, 1, log_timer, "no", NULL), TICK_ECANCELED);
  ASSERT_ERR(tick_set_immediate_in(s, log_immediate, "no", NULL), TICK_ECANCELED);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_advance(loop, 100));
  ASSERT_STR_EQ(logbuf, "imm i7 t10 plain10 i7 ");
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

static void cancel_scope_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  log_timer(loop, t, "canceller");
  ASSERT_EQ(tick_scope_cancel(arg, TICK_ECANCELED), 1);
}

TEST(scope_cancel_from_own_timer_stops_the_rest_of_the_phase) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_set_interval_in(s, 5, cancel_scope_timer, s, NULL));
  ASSERT_OK(tick_set_timeout_in(s, 5, log_timer, "same-phase", NULL));
  ASSERT_OK(tick_set_immediate_in(s, log_immediate, "imm", NULL));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_advance(loop, 5));
  ASSERT_STR_EQ(logbuf, "imm canceller ");
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_timers_cleared_directly_are_swept) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_timer_t t;
  int i;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  /* Many intervals cleared behind the scope's back: the scope keeps working and its
   * records are reclaimed (the loop then destroys with nothing pending). */
  for (i = 0; i < 1000; i++) {
    ASSERT_OK(tick_set_interval_in(s, 5, log_timer, "never", &t));
    ASSERT_OK(tick_clear_timer(loop, t));
  }
  ASSERT_OK(tick_set_timeout_in(s, 5, log_timer, "kept", NULL));
  ASSERT_OK(tick_loop_advance(loop, 10));
  ASSERT_STR_EQ(logbuf, "kept ");
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ----------------------------------------------------------- promise helpers ---- */

static int log_settled(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next,
                       void *arg) {
  (void)loop;
  (void)next;
  if (tick_promise_state(p) == TICK_PROMISE_FULFILLED)
    logf_("%s:ok ", (const char *)arg);
  else
    logf_("%s:%s ", (const char *)arg, tick_err_name(tick_promise_error(p)));
  return 0;
}

static void watch(tick_promise_t *p, const char *label) {
  ASSERT_OK(tick_promise_then(p, log_settled, log_settled, (void *)(uintptr_t)label, NULL, NULL));
}

TEST(delay_fulfils_or_rejects_with_the_scope) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *d1, *d2, *d3, *d4;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_delay(loop, NULL, 10, &d1));
  ASSERT_OK(tick_delay(loop, s, 10, &d2));
  ASSERT_OK(tick_delay(loop, s, 20, &d3));
  watch(d1, "d1");
  watch(d2, "d2");
  watch(d3, "d3");
  ASSERT_OK(tick_loop_advance(loop, 10));
  ASSERT_STR_EQ(logbuf, "d1:ok d2:ok ");
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  /* Rejected inside the cancel; the promise given out settles three turns later. */
  ASSERT_EQ(tick_promise_state(d3), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_loop_alive(loop), 1); /* the reactions */
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "d1:ok d2:ok d3:ECANCELED ");
  ASSERT_OK(tick_delay(loop, s, 5, &d4)); /* a cancelled scope: rejected at once */
  ASSERT_EQ(tick_promise_error(d4), TICK_ECANCELED);
  watch(d4, "d4");
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_promise_release(d1));
  ASSERT_OK(tick_promise_release(d2));
  ASSERT_OK(tick_promise_release(d3));
  ASSERT_OK(tick_promise_release(d4));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_promise_follows_or_rejects) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *p1, *p2, *f1, *f2, *f3;
  tick_resolver_t *r1, *r2;
  quiet(loop);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_promise_create_deferred(loop, &p1, &r1));
  ASSERT_OK(tick_promise_create_deferred(loop, &p2, &r2));
  ASSERT_OK(tick_scope_promise(s, p1, &f1));
  ASSERT_OK(tick_scope_promise(s, p2, &f2));
  watch(f1, "f1");
  watch(f2, "f2");
  ASSERT_EQ(tick_resolver_resolve(r1, (void *)"v", NULL), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "f1:ok ");
  ASSERT_STR_EQ((const char *)tick_promise_value(f1), "v");
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  ASSERT_EQ(tick_promise_state(f2), TICK_PROMISE_REJECTED);
  /* The source settling later changes nothing. */
  ASSERT_EQ(tick_resolver_resolve(r2, (void *)"late", NULL), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "f1:ok f2:ECANCELED ");
  ASSERT_OK(tick_scope_promise(s, p2, &f3));
  ASSERT_EQ(tick_promise_error(f3), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(f3));
  ASSERT_OK(tick_resolver_release(r1));
  ASSERT_OK(tick_resolver_release(r2));
  ASSERT_OK(tick_promise_release(p1));
  ASSERT_OK(tick_promise_release(p2));
  ASSERT_OK(tick_promise_release(f1));
  ASSERT_OK(tick_promise_release(f2));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(promise_timeout_rejects_with_etimedout) {
  tick_loop_t *loop = manual_loop();
  tick_promise_t *p1, *p2, *t1, *t2;
  tick_resolver_t *r1, *r2;
  ASSERT_OK(tick_promise_create_deferred(loop, &p1, &r1));
  ASSERT_OK(tick_promise_create_deferred(loop, &p2, &r2));
  ASSERT_OK(tick_promise_timeout(p1, 10, &t1));
  ASSERT_OK(tick_promise_timeout(p2, 10, &t2));
  watch(t1, "t1");
  watch(t2, "t2");
  ASSERT_EQ(tick_resolver_resolve(r1, NULL, NULL), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_STR_EQ(logbuf, "t1:ok ");
  ASSERT_OK(tick_loop_advance(loop, 10));
  ASSERT_STR_EQ(logbuf, "t1:ok t2:ETIMEDOUT ");
  ASSERT_OK(tick_resolver_release(r1));
  ASSERT_OK(tick_resolver_release(r2));
  ASSERT_OK(tick_promise_release(p1));
  ASSERT_OK(tick_promise_release(p2));
  ASSERT_OK(tick_promise_release(t1));
  ASSERT_OK(tick_promise_release(t2));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(scope_promise_pending_at_destroy) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *p, *f, *d;
  tick_resolver_t *r;
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_OK(tick_scope_promise(s, p, &f));
  ASSERT_OK(tick_delay(loop, s, 5, &d));
  ASSERT_OK(tick_scope_cancel(s, TICK_ECANCELED));
  ASSERT_OK(tick_promise_release(d));
  ASSERT_OK(tick_promise_release(f));
  ASSERT_OK(tick_scope_release(s));
  quiet(loop);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_destroy(loop)); /* p and r are freed with the loop */
}

/* ------------------------------------------------------ allocation failure ---- */

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_scope_t *s = NULL, *c = NULL, *o = NULL;
  tick_promise_t *d = NULL, *p = NULL, *f = NULL, *t = NULL;
  tick_resolver_t *r = NULL;
  int rc;
  (void)arg;
  rc = tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK);
  if (rc != 0) return rc;
  rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, ignore_rejection, NULL);
  if (rc != 0) goto out;
  if ((rc = tick_scope_create(loop, NULL, &s)) != 0) goto out;
  if ((rc = tick_scope_create(loop, s, &c)) != 0) goto out;
  if ((rc = tick_scope_create(loop, NULL, &o)) != 0) goto out;
  if ((rc = tick_scope_link(c, o)) != 0) goto out;
  if ((rc = tick_scope_set_timeout(c, 50)) != 0) goto out;
  if ((rc = tick_set_timeout_in(c, 5, log_timer, "t", NULL)) != 0) goto out;
  if ((rc = tick_set_immediate_in(c, log_immediate, "i", NULL)) != 0) goto out;
  if ((rc = tick_delay(loop, c, 5, &d)) != 0) goto out;
  if ((rc = tick_promise_create_deferred(loop, &p, &r)) != 0) goto out;
  if ((rc = tick_scope_promise(c, p, &f)) != 0) goto out;
  if ((rc = tick_promise_timeout(p, 5, &t)) != 0) goto out;
  tick_scope_cancel(s, TICK_ECANCELED);
out:
  tick_promise_release(d);
  tick_promise_release(f);
  tick_promise_release(t);
  tick_resolver_release(r);
  tick_promise_release(p);
  tick_scope_release(s);
  tick_scope_release(c);
  tick_scope_release(o);
  tick_loop_advance(loop, 100);
  tick_loop_run(loop, TICK_RUN_DEFAULT);
  ASSERT_OK(tick_loop_destroy(loop));
  return rc;
}

TEST_TIMEOUT(cancel_alloc_failure_each_site, 120) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 8);
}

/* ---------------------------------------------------------- async functions ---- */

/* Awaits a promise nobody resolves, logging what the await returned. */
static int await_never(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  tick_resolver_t *never_r;
  int rc;
  ASSERT_OK(tick_promise_create_deferred(tick_async_loop(co), &p, &never_r));
  logf_("%s:start ", (const char *)arg);
  rc = tick_await(co, p);
  logf_("%s:%s ", (const char *)arg, tick_err_name(rc));
  /* Every later await returns the code at once. */
  if (rc != TICK_ENOMEM) ASSERT_EQ(tick_await(co, p), rc);
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_promise_release(p));
  return rc;
}

TEST(async_pending_await_returns_scope_code_in_a_microtask) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *p;
  tick_async_options_t o;
  memset(&o, 0, sizeof(o));
  quiet(loop);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  o.scope = s;
  ASSERT_OK(tick_async_run(loop, await_never, "f", &o, &p));
  ASSERT_OK(tick_queue_microtask(loop, log_task, "queued-before"));
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  logf_("cancelled ");
  ASSERT_STR_EQ(logbuf, "f:start cancelled ");
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "f:start cancelled  queued-beforef:ECANCELED ");
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(async_await_in_cancelled_scope_returns_at_once) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *p;
  tick_async_options_t o;
  memset(&o, 0, sizeof(o));
  quiet(loop);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  ASSERT_OK(tick_scope_set_timeout(s, 5));
  ASSERT_OK(tick_loop_advance(loop, 5));
  o.scope = s;
  ASSERT_OK(tick_async_run(loop, await_never, "f", &o, &p));
  /* Returned without suspending: the function has already ended. */
  ASSERT_STR_EQ(logbuf, "f:start f:ETIMEDOUT ");
  ASSERT_EQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_promise_error(p), TICK_ETIMEDOUT);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

static tick_promise_t *detached_p;

static int parent_starts_children(tick_async_t *co, void *arg) {
  tick_async_options_t o;
  tick_promise_t *p;
  tick_resolver_t *r;
  int rc;
  (void)arg;
  memset(&o, 0, sizeof(o));
  ASSERT_OK(tick_async_run(tick_async_loop(co), await_never, "child", NULL, NULL));
  o.detached = 1;
  ASSERT_OK(tick_async_run(tick_async_loop(co), await_never, "detached", &o, &detached_p));
  ASSERT(tick_async_scope(co) != NULL);
  ASSERT_PTR_EQ(tick_async_scope(co), tick_async_scope(co));
  ASSERT_OK(tick_promise_create_deferred(tick_async_loop(co), &p, &r));
  logf_("parent-waits ");
  rc = tick_await(co, p);
  logf_("parent:%s ", tick_err_name(rc));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  return rc;
}

TEST(async_children_inherit_the_starters_scope) {
  tick_loop_t *loop = manual_loop();
  tick_promise_t *p;
  quiet(loop);
  ASSERT_OK(tick_async_run(loop, parent_starts_children, NULL, NULL, &p));
  ASSERT_STR_EQ(logbuf, "child:start detached:start parent-waits ");
  ASSERT_OK(tick_async_cancel(p, TICK_EPIPE));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  /* The parent and its child end (the parent listened on its scope first); the detached
   * one still waits. */
  ASSERT_STR_EQ(logbuf, "child:start detached:start parent-waits parent:EPIPE child:EPIPE ");
  ASSERT_EQ(tick_async_count(loop), 1);
  ASSERT_EQ(tick_promise_error(p), TICK_EPIPE);
  ASSERT_OK(tick_async_cancel(detached_p, TICK_ECANCELED));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_promise_release(detached_p));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Cancelled while waiting, it cleans up under a shield: the cleanup's await runs to its
 * end, then the shield comes off and the next await sees the code again. */
static int shielded_cleanup(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_promise_t *d;
  int rc;
  (void)arg;
  ASSERT_OK(tick_delay(loop, NULL, 100, &d));
  rc = tick_await(co, d);
  ASSERT_OK(tick_promise_release(d));
  logf_("wait:%s ", tick_err_name(rc));
  ASSERT_EQ(tick_async_shield(co, 1), 0);
  ASSERT_EQ(tick_async_shield(co, 1), 1);
  ASSERT_OK(tick_delay(loop, NULL, 10, &d));
  logf_("cleanup:%d ", tick_await(co, d));
  ASSERT_OK(tick_promise_release(d));
  ASSERT_EQ(tick_async_shield(co, 0), 1);
  logf_("after:%s ", tick_err_name(tick_await_value(co, NULL, NULL)));
  return rc;
}

TEST(async_shield_lets_cleanup_await) {
  tick_loop_t *loop = manual_loop();
  tick_scope_t *s;
  tick_promise_t *p;
  tick_async_options_t o;
  memset(&o, 0, sizeof(o));
  quiet(loop);
  ASSERT_ERR(tick_async_shield(NULL, 1), TICK_EINVAL);
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  o.scope = s;
  ASSERT_OK(tick_async_run(loop, shielded_cleanup, NULL, &o, &p));
  ASSERT_OK(tick_scope_set_timeout(s, 5));
  ASSERT_OK(tick_loop_advance(loop, 5));
  ASSERT_STR_EQ(logbuf, "wait:ETIMEDOUT ");
  ASSERT_OK(tick_loop_advance(loop, 10));
  ASSERT_STR_EQ(logbuf, "wait:ETIMEDOUT cleanup:0 after:ETIMEDOUT ");
  ASSERT_EQ(tick_promise_error(p), TICK_ETIMEDOUT);
  ASSERT_OK(tick_loop_advance(loop, 100)); /* the first delay's timer */
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Operations under the function's own scope stop with it. */
static int own_scope_ops(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_scope_t *mine = tick_async_scope(co);
  tick_promise_t *d;
  int rc;
  (void)arg;
  ASSERT(mine != NULL);
  ASSERT_OK(tick_set_timeout_in(mine, 50, log_timer, "never", NULL));
  ASSERT_OK(tick_delay(loop, mine, 50, &d));
  rc = tick_await(co, d);
  ASSERT_OK(tick_promise_release(d));
  return rc;
}

TEST(async_cancel_reaches_the_functions_scope) {
  tick_loop_t *loop = manual_loop();
  tick_promise_t *p;
  quiet(loop);
  ASSERT_OK(tick_async_run(loop, own_scope_ops, NULL, NULL, &p));
  ASSERT_OK(tick_async_cancel(p, TICK_ECANCELED));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_EQ(tick_loop_alive(loop), 0); /* the timer under its scope was cleared */
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A one-call await form cancels its operation: a read cancelled by the scope consumes
 * nothing, so the next read gets the bytes. */
static int reader(tick_async_t *co, void *arg) {
  tick_stream_t *r = arg;
  char buf[8];
  ssize_t n = tick_await_read(co, *r, buf, sizeof(buf), 0);
  logf_("read:%s ", tick_err_name((int)n));
  return (int)n;
}

static int reader_again(tick_async_t *co, void *arg) {
  tick_stream_t *r = arg;
  char buf[8];
  ssize_t n = tick_await_read(co, *r, buf, sizeof(buf), 0);
  logf_("again:%d ", (int)n);
  ASSERT_OK(tick_stream_close(tick_async_loop(co), *r, NULL, NULL));
  return 0;
}

TEST(async_await_read_cancelled_by_scope_consumes_nothing) {
  tick_loop_t *loop;
  tick_scope_t *s;
  tick_promise_t *p;
  tick_stream_t r;
  tick_async_options_t o;
  int fds[2];
  memset(&o, 0, sizeof(o));
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  quiet(loop);
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_OK(tick_pipe_open(loop, fds[0], &r));
  ASSERT_OK(tick_scope_create(loop, NULL, &s));
  o.scope = s;
  ASSERT_OK(tick_async_run(loop, reader, &r, &o, &p));
  ASSERT_EQ(tick_scope_cancel(s, TICK_ECANCELED), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_STR_EQ(logbuf, "read:ECANCELED ");
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  ASSERT_OK(tick_async_run(loop, reader_again, &r, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "read:ECANCELED again:3 ");
  close(fds[1]);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_scope_release(s));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Allocation failure at the scope a starter gets when it starts a function inside it. */
static int start_inside(tick_async_t *co, void *arg) {
  int *rc = arg;
  *rc = tick_async_run(tick_async_loop(co), await_never, "inner", NULL, NULL);
  return 0;
}

static int async_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_scope_t *s = NULL;
  tick_promise_t *p = NULL;
  tick_async_options_t o;
  int rc, inner = 0;
  (void)arg;
  memset(&o, 0, sizeof(o));
  rc = tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK);
  if (rc != 0) return rc;
  rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, ignore_rejection, NULL);
  if (rc != 0) goto out;
  if ((rc = tick_scope_create(loop, NULL, &s)) != 0) goto out;
  o.scope = s;
  if ((rc = tick_async_run(loop, start_inside, &inner, &o, &p)) != 0) goto out;
  if ((rc = inner) != 0) goto out;
  tick_scope_cancel(s, TICK_ECANCELED);
out:
  tick_promise_release(p);
  tick_scope_release(s);
  tick_loop_run(loop, TICK_RUN_DEFAULT);
  if (tick_async_count(loop) != 0 && s != NULL) ASSERT(0);
  ASSERT_OK(tick_loop_destroy(loop));
  return rc;
}

TEST_TIMEOUT(cancel_async_alloc_failure_each_site, 120) {
  test_alloc_install();
  ASSERT_GE(test_alloc_each_failure(async_alloc_scenario, NULL), 4);
}
