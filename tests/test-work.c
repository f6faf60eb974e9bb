/* test-work.c - the parallel algorithms started from the loop thread (_start and
 * _promise forms) and tick_work_promise: the work runs on the pool while the loop thread
 * goes on, the completion is a macrotask on the loop thread (status 0, the callback's
 * error, TICK_ECANCELED), cancellation before start, loop destroy with work queued and
 * running, promise settling, value ownership, bad input, allocation failure at each
 * site. */
#include "test.h"
#include "gate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

static tick_loop_t *new_loop(void) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  return loop;
}

/* Records what each done call saw. */
typedef struct seen_s {
  int calls, status;
  pthread_t thread;
} seen_t;

static void record_done(tick_loop_t *loop, int status, void *arg) {
  seen_t *s = arg;
  (void)loop;
  s->calls++;
  s->status = status;
  s->thread = pthread_self();
}

static int cmp_u32(void *ctx, const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  (void)ctx;
  return (x > y) - (x < y);
}

static int square(void *ctx, void *elem, size_t index) {
  uint32_t *e = elem;
  (void)ctx;
  if (*e != (uint32_t)index) return TICK_EINVAL;
  *e = *e * *e;
  return 0;
}

static int twice(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx;
  (void)index;
  *(uint64_t *)out = 2 * (uint64_t) * (const uint32_t *)in;
  return 0;
}

static int plus_one(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx;
  (void)index;
  *(uint32_t *)out = *(const uint32_t *)in + 1;
  return 0;
}

static int add(void *ctx, void *acc, const void *elem, size_t index) {
  (void)ctx;
  (void)index;
  *(uint64_t *)acc += *(const uint32_t *)elem;
  return 0;
}

static int add64(void *ctx, void *acc, const void *elem, size_t index) {
  (void)ctx;
  (void)index;
  *(uint64_t *)acc += *(const uint64_t *)elem;
  return 0;
}

static int fail_at(void *ctx, void *elem, size_t index) {
  (void)elem;
  return index == *(size_t *)ctx ? TICK_ERANGE : 0;
}

TEST(work_parallel_start_forms_complete_on_the_loop) {
  tick_loop_t *loop = new_loop();
  tick_pool_t *pool;
  size_t n = slow_build() ? 50000 : 300007, i, stop = 1234;
  uint32_t *a = malloc(n * sizeof(*a)), *s = malloc(n * sizeof(*s));
  uint64_t *m = malloc(n * sizeof(*m)), *r = malloc(n * sizeof(*r)), sum = 0;
  seen_t se = {0}, sm = {0}, sr = {0}, ss = {0}, sf = {0};
  tick_work_t id;
  ASSERT(a && s && m && r);
  for (i = 0; i < n; i++) {
    a[i] = (uint32_t)i;
    s[i] = (uint32_t)((i * 7919) % n);
    r[i] = i;
  }
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_parallel_for_each_start(loop, pool, a, n, sizeof(*a), square, NULL,
                                         record_done, &se, &id));
  ASSERT_NE(id.id, 0);
  ASSERT_OK(tick_parallel_map_start(loop, pool, s, n, sizeof(*s), m, sizeof(*m), twice, NULL,
                                    record_done, &sm, NULL));
  ASSERT_OK(tick_parallel_reduce_start(loop, pool, r, n, sizeof(*r), &sum, add64, NULL,
                                       record_done, &sr, NULL));
  ASSERT_OK(tick_parallel_for_each_start(loop, pool, a, n, sizeof(*a), fail_at, &stop,
                                         record_done, &sf, NULL));
  /* Never from inside the starting call. */
  ASSERT_EQ(se.calls + sm.calls + sr.calls + sf.calls, 0);
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(se.calls, 1);
  ASSERT_EQ(sm.calls, 1);
  ASSERT_EQ(sr.calls, 1);
  ASSERT_EQ(sf.calls, 1);
  ASSERT_OK(se.status);
  ASSERT_OK(sm.status);
  ASSERT_OK(sr.status);
  ASSERT_ERR(sf.status, TICK_ERANGE);
  ASSERT(pthread_equal(se.thread, pthread_self()));
  ASSERT(pthread_equal(sf.thread, pthread_self()));
  for (i = 0; i < n; i++) {
    ASSERT_UEQ(m[i], 2 * (uint64_t)s[i]);
  }
  ASSERT_UEQ(sum, (uint64_t)n * (n - 1) / 2);
  /* The sort, after map has read s. */
  ASSERT_OK(tick_parallel_sort_start(loop, pool, s, n, sizeof(*s), cmp_u32, NULL, record_done,
                                     &ss, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(ss.calls, 1);
  ASSERT_OK(ss.status);
  for (i = 0; i < n; i++) ASSERT_UEQ(s[i], i);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  free(a);
  free(s);
  free(m);
  free(r);
}

/* The element callback waits until an immediate has run on the loop thread: if starting
 * blocked the loop thread, this would never finish (the runner's timeout). */
static atomic_int imm_ran;

static int wait_for_loop(void *ctx, void *elem, size_t index) {
  (void)ctx;
  (void)elem;
  if (index == 0)
    while (!atomic_load(&imm_ran)) usleep(100);
  return 0;
}

static void note_imm(tick_loop_t *loop, void *arg) {
  seen_t *s = arg;
  (void)loop;
  ASSERT_EQ(s->calls, 0); /* the work is still waiting for us */
  atomic_store(&imm_ran, 1);
}

TEST(work_parallel_start_does_not_block_the_loop_thread) {
  tick_loop_t *loop = new_loop();
  static uint32_t a[100];
  seen_t s = {0};
  /* NULL pool: the loop's own pool. */
  ASSERT_OK(tick_parallel_for_each_start(loop, NULL, a, 100, sizeof(a[0]), wait_for_loop, NULL,
                                         record_done, &s, NULL));
  ASSERT_OK(tick_set_immediate(loop, note_imm, &s, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(s.calls, 1);
  ASSERT_OK(s.status);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A job that holds its pool's only worker until released: gate_t, gate_work and
 * wait_started (gate.h). */

static int touch(void *ctx, void *elem, size_t index) {
  (void)ctx;
  (void)index;
  *(uint32_t *)elem = 99;
  return 0;
}

/* Promise reactions record what they saw. */
typedef struct outcome_s {
  int fulfilled, rejected, error;
  void *value;
} outcome_t;

static int on_ok(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  outcome_t *o = arg;
  (void)loop;
  (void)next;
  o->fulfilled++;
  o->value = tick_promise_value(p);
  return 0;
}

static int on_err(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  outcome_t *o = arg;
  (void)loop;
  (void)next;
  o->rejected++;
  o->error = tick_promise_error(p);
  o->value = tick_promise_value(p);
  return 0;
}

/* The value is borrowed: it is read inside the reaction, while the promise lives. */
static int on_ok_string(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next,
                        void *arg) {
  outcome_t *o = arg;
  (void)loop;
  (void)next;
  ASSERT_OK(strcmp(tick_promise_value(p), "from the pool"));
  o->fulfilled++;
  return 0;
}

static void watch(tick_promise_t *p, outcome_t *o) {
  ASSERT_OK(tick_promise_then(p, on_ok, on_err, o, NULL, NULL));
  ASSERT_OK(tick_promise_release(p));
}

static int value_work(void *arg, void **value, tick_free_cb *free_value) {
  (void)arg;
  *value = malloc(16);
  if (*value == NULL) return TICK_ENOMEM;
  strcpy(*value, "from the pool");
  *free_value = free;
  return 0;
}

TEST(work_cancel_before_start) {
  tick_loop_t *loop = new_loop(), *other = new_loop();
  tick_pool_t *pool;
  static gate_t g;
  static uint32_t a[20000];
  seen_t s = {0};
  outcome_t o1 = {0}, o2 = {0};
  tick_work_t j1, j2, j3;
  tick_promise_t *p1, *p2;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_work_queue(other, pool, gate_work, NULL, &g, NULL));
  wait_started(&g);
  ASSERT_OK(tick_parallel_for_each_start(loop, pool, a, 20000, sizeof(a[0]), touch, NULL,
                                         record_done, &s, &j1));
  ASSERT_OK(tick_parallel_sort_promise(loop, pool, a, 20000, sizeof(a[0]), cmp_u32, NULL, &p1,
                                       &j2));
  ASSERT_OK(tick_work_promise(loop, pool, value_work, NULL, &p2, &j3));
  watch(p1, &o1);
  watch(p2, &o2);
  ASSERT_OK(tick_work_cancel(loop, j1));
  ASSERT_OK(tick_work_cancel(loop, j2));
  ASSERT_OK(tick_work_cancel(loop, j3));
  ASSERT_ERR(tick_work_cancel(loop, j3), TICK_ESTALE);
  ASSERT_EQ(s.calls, 0); /* reported later, never from inside cancel */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(s.calls, 1);
  ASSERT_ERR(s.status, TICK_ECANCELED);
  ASSERT_EQ(o1.rejected, 1);
  ASSERT_ERR(o1.error, TICK_ECANCELED);
  ASSERT_EQ(o2.rejected, 1);
  ASSERT_ERR(o2.error, TICK_ECANCELED);
  ASSERT(o2.value == NULL);
  ASSERT_UEQ(a[0], 0); /* no element touched */
  atomic_store(&g.release, 1);
  ASSERT_EQ(tick_loop_run(other, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Loop destroy: queued forms get ECANCELED (done called, promises rejected) before
 * destroy returns; a running one keeps destroy busy until it is delivered. */
static int gate_value_work(void *arg, void **value, tick_free_cb *free_value) {
  (void)free_value;
  gate_work(arg);
  *value = arg;
  return 7; /* non-negative: fulfilled */
}

TEST(work_loop_destroy_with_work_in_flight) {
  tick_loop_t *loop = new_loop();
  tick_pool_t *pool;
  static gate_t g;
  static uint32_t a[20000];
  seen_t s = {0};
  outcome_t o1 = {0}, o2 = {0};
  tick_promise_t *p1, *p2;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_work_promise(loop, pool, gate_value_work, &g, &p1, NULL));
  watch(p1, &o1);
  wait_started(&g);
  ASSERT_OK(tick_parallel_map_start(loop, pool, a, 20000, sizeof(a[0]), a, sizeof(a[0]),
                                    plus_one, NULL, record_done, &s, NULL));
  ASSERT_OK(tick_parallel_reduce_promise(loop, pool, a, 20000, sizeof(a[0]), &o2, add, NULL,
                                         &p2, NULL));
  watch(p2, &o2);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(s.calls, 1);
  ASSERT_ERR(s.status, TICK_ECANCELED);
  ASSERT_EQ(o2.rejected, 1);
  ASSERT_ERR(o2.error, TICK_ECANCELED);
  ASSERT_EQ(o1.fulfilled + o1.rejected, 0);
  /* Closing: no new request is accepted. */
  ASSERT_ERR(tick_work_promise(loop, pool, value_work, NULL, &p2, NULL), TICK_ECLOSING);
  ASSERT(p2 == NULL);
  ASSERT_ERR(tick_parallel_sort_start(loop, NULL, a, 2, sizeof(a[0]), cmp_u32, NULL, NULL, NULL,
                                      NULL),
             TICK_ECLOSING);
  atomic_store(&g.release, 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(o1.fulfilled, 1);
  ASSERT(o1.value == &g);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

static int fail_with_reason(void *arg, void **value, tick_free_cb *free_value) {
  (void)arg;
  *value = malloc(8);
  *free_value = free;
  return TICK_EIO;
}

TEST(work_promise_forms_settle_on_the_loop) {
  tick_loop_t *loop = new_loop();
  tick_pool_t *pool;
  size_t n = 50000, i, stop = 40000;
  uint32_t *a = malloc(n * sizeof(*a)), *c = malloc(n * sizeof(*c));
  uint64_t *m = malloc(n * sizeof(*m)), sum = 0;
  outcome_t oe = {0}, om = {0}, orr = {0}, os = {0}, ov = {0}, ox = {0}, of = {0};
  tick_promise_t *p;
  ASSERT(a && c && m);
  for (i = 0; i < n; i++) {
    a[i] = (uint32_t)i;
    c[i] = (uint32_t)(n - 1 - i);
  }
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_parallel_map_promise(loop, pool, a, n, sizeof(*a), m, sizeof(*m), twice, NULL,
                                      &p, NULL));
  watch(p, &om);
  ASSERT_OK(tick_parallel_reduce_promise(loop, pool, a, n, sizeof(*a), &sum, add, NULL, &p,
                                         NULL));
  watch(p, &orr);
  ASSERT_OK(tick_parallel_sort_promise(loop, pool, c, n, sizeof(*c), cmp_u32, NULL, &p, NULL));
  watch(p, &os);
  ASSERT_OK(tick_work_promise(loop, NULL, value_work, NULL, &p, NULL));
  ASSERT_OK(tick_promise_then(p, on_ok_string, on_err, &ov, NULL, NULL));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_work_promise(loop, pool, fail_with_reason, NULL, &p, NULL));
  watch(p, &ox);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(om.fulfilled, 1);
  ASSERT(om.value == m);
  ASSERT_EQ(orr.fulfilled, 1);
  ASSERT(orr.value == &sum);
  ASSERT_UEQ(sum, (uint64_t)n * (n - 1) / 2);
  ASSERT_EQ(os.fulfilled, 1);
  ASSERT(os.value == c);
  for (i = 0; i < n; i++) ASSERT_UEQ(c[i], i);
  ASSERT_EQ(ov.fulfilled, 1); /* the value was freed with its promise (valgrind, ASan) */
  ASSERT_EQ(ox.rejected, 1);
  ASSERT_ERR(ox.error, TICK_EIO);
  ASSERT(ox.value != NULL);
  /* A callback's error rejects the for_each promise. */
  ASSERT_OK(tick_parallel_for_each_promise(loop, pool, a, n, sizeof(*a), fail_at, &stop, &p,
                                           NULL));
  watch(p, &of);
  ASSERT_OK(tick_parallel_for_each_promise(loop, pool, a, n, sizeof(*a), square, NULL, &p,
                                           NULL));
  watch(p, &oe);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(of.rejected, 1);
  ASSERT_ERR(of.error, TICK_ERANGE);
  ASSERT(of.value == NULL);
  (void)oe; /* raced with the failing one on the same array: only settling matters */
  ASSERT_EQ(oe.fulfilled + oe.rejected, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  free(a);
  free(c);
  free(m);
}

static void *start_from_other_thread(void *arg) {
  tick_loop_t *loop = arg;
  static uint32_t a[4];
  tick_promise_t *p = (tick_promise_t *)(void *)loop;
  int r1 = tick_parallel_sort_start(loop, NULL, a, 4, sizeof(a[0]), cmp_u32, NULL, NULL, NULL,
                                    NULL);
  int r2 = tick_work_promise(loop, NULL, value_work, NULL, &p, NULL);
  return (void *)(intptr_t)(r1 == TICK_EWRONGTHREAD && r2 == TICK_EWRONGTHREAD && p == NULL);
}

TEST(work_bad_input) {
  tick_loop_t *loop = new_loop();
  static uint32_t a[8];
  tick_promise_t *p = (tick_promise_t *)(void *)&p;
  pthread_t th;
  void *ret;
  ASSERT_ERR(tick_parallel_for_each_start(NULL, NULL, a, 8, 4, square, NULL, NULL, NULL, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_for_each_start(loop, NULL, a, 8, 4, NULL, NULL, NULL, NULL, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_map_start(loop, NULL, a, 8, 4, a + 1, 4, twice, NULL, NULL, NULL,
                                     NULL),
             TICK_EINVAL); /* overlap */
  ASSERT_ERR(tick_parallel_reduce_start(loop, NULL, a, 8, 4, NULL, add, NULL, NULL, NULL, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_sort_start(loop, NULL, a, SIZE_MAX / 2, 4, cmp_u32, NULL, NULL, NULL,
                                      NULL),
             TICK_EOVERFLOW);
  ASSERT_ERR(tick_parallel_sort_promise(loop, NULL, a, 8, 4, NULL, NULL, &p, NULL), TICK_EINVAL);
  ASSERT(p == NULL);
  ASSERT_ERR(tick_parallel_sort_promise(loop, NULL, a, 8, 4, cmp_u32, NULL, NULL, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_map_promise(loop, NULL, a, 8, 4, NULL, 4, twice, NULL, &p, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_reduce_promise(loop, NULL, a, 8, 0, &p, add, NULL, &p, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_parallel_for_each_promise(loop, NULL, NULL, 8, 4, square, NULL, &p, NULL),
             TICK_EINVAL);
  ASSERT_ERR(tick_work_promise(loop, NULL, NULL, NULL, &p, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_work_promise(loop, NULL, value_work, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_work_promise(NULL, NULL, value_work, NULL, &p, NULL), TICK_EINVAL);
  ASSERT_EQ(pthread_create(&th, NULL, start_from_other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((intptr_t)ret, 1);
  ASSERT_EQ(tick_loop_alive(loop), 0); /* nothing was started */
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A done callback that starts the next request at once (the record was recycled first):
 * a steady stream reuses records and job slots. The array is all zeros, so the sort
 * itself finds it sorted and allocates nothing either. */
typedef struct chain_s {
  tick_pool_t *pool;
  uint32_t a[64];
  size_t left;
} chain_t;

static void chain_done(tick_loop_t *loop, int status, void *arg) {
  chain_t *c = arg;
  ASSERT_OK(status);
  if (--c->left > 0)
    ASSERT_OK(tick_parallel_sort_start(loop, c->pool, c->a, 64, sizeof(c->a[0]), cmp_u32, NULL,
                                       chain_done, c, NULL));
}

TEST(work_chained_requests_do_not_allocate) {
  tick_loop_t *loop;
  static chain_t c;
  size_t before;
  test_alloc_install();
  loop = new_loop();
  ASSERT_OK(tick_pool_create(&c.pool, 2));
  c.left = 2;
  ASSERT_OK(tick_parallel_sort_start(loop, c.pool, c.a, 64, sizeof(c.a[0]), cmp_u32, NULL,
                                     chain_done, &c, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  before = test_alloc_count();
  c.left = 1000;
  ASSERT_OK(tick_parallel_sort_start(loop, c.pool, c.a, 64, sizeof(c.a[0]), cmp_u32, NULL,
                                     chain_done, &c, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(test_alloc_count(), before);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(c.pool));
}

/* Allocation failure at every site: the loop's pool state, its pool, the request record,
 * the promise and its module, the job record. */
static int work_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  static uint32_t a[20000];
  outcome_t o = {0};
  tick_promise_t *p;
  size_t i;
  int r;
  (void)arg;
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  for (i = 0; i < 20000; i++) a[i] = (uint32_t)(20000 - i);
  r = tick_parallel_sort_promise(loop, NULL, a, 20000, sizeof(a[0]), cmp_u32, NULL, &p, NULL);
  if (r == 0) {
    r = tick_promise_then(p, on_ok, on_err, &o, NULL, NULL);
    ASSERT_OK(tick_promise_release(p));
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
    if (r == 0) {
      ASSERT_EQ(o.fulfilled, 1); /* reversed: no scratch needed */
      r = tick_work_promise(loop, NULL, value_work, NULL, &p, NULL);
      if (r == 0) {
        ASSERT_OK(tick_promise_release(p));
        ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
      }
    }
  } else {
    ASSERT(p == NULL);
    ASSERT_EQ(tick_loop_alive(loop), 0);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST(work_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(work_alloc_scenario, NULL);
  ASSERT_GE(sites, 5);
}
