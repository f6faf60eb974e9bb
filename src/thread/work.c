/* work.c - pool jobs that complete on the loop with more than a status: the parallel
 * algorithms started from the loop thread (their _start and _promise forms) and
 * tick_work_promise.
 *
 * Each is one ordinary pool job (pool.c) whose `arg` is a request record from this
 * file: the work callback runs the blocking algorithm (or the caller's value-producing
 * work) on a pool thread and leaves its status in the record; the done callback, on the
 * loop thread, returns the record to the loop's free list first and then calls the
 * caller's done or settles the promise. Cancellation and loop destroy therefore behave
 * exactly like a plain job's: a job removed before it started reaches the done callback
 * with TICK_ECANCELED, and its work never ran.
 *
 * Records live on a per-loop free list (this module's state), so a steady stream of
 * requests does not allocate; they are freed with the loop. No record is in use then:
 * each one belongs to a job that keeps the loop busy until its done ran.
 */
#include "thread/parallel.h"
#include "thread/pool.h"
#include "promise/promise.h"

#include <string.h>

enum { REQ_EACH = 1, REQ_MAP, REQ_REDUCE, REQ_SORT, REQ_VALUE };

typedef struct req_s req_t;
struct req_s {
  req_t *next_free;
  int kind;
  int status;            /* written by the work callback, read by done (ordered by the job) */
  tick_pool_t *pool;     /* the pool the algorithm's helpers go to */
  void *base;            /* the array (for_each, sort) or input (map, reduce) */
  size_t count, elem_size, out_elem_size;
  void *out;             /* map: output; reduce: accumulator */
  union {
    tick_each_cb each;
    tick_map_cb map;
    tick_reduce_cb reduce;
    tick_compare_cb cmp;
    tick_work_value_cb value;
  } cb;
  void *ctx;             /* the callbacks' context, or tick_work_promise's arg */
  tick_work_done_cb done;
  void *arg;
  tick_resolver_t *resolver; /* promise forms */
  tick_work_t job;           /* promise forms: the pool job, for the abort hook */
  int cancel_code;           /* promise forms: the code tick_promise_cancel asked, or 0 */
  void *value;               /* what the promise is fulfilled with (or the reason) */
  tick_free_cb free_value;
};

typedef struct work_loop_s {
  req_t *free;
} work_loop_t;

static void work_loop_destroy(tick_loop_t *loop, void *state) {
  work_loop_t *wl = state;
  (void)loop;
  while (wl->free != NULL) {
    req_t *q = wl->free;
    wl->free = q->next_free;
    tick__free(q);
  }
  tick__free(wl);
}

static const tick__module_hooks_t work_hooks = {
    .after_drain = NULL, .destroy = work_loop_destroy, .pre_destroy = NULL};

static req_t *req_take(tick_loop_t *loop) {
  work_loop_t *wl = tick__loop_module_state(loop, TICK__MODULE_WORK);
  req_t *q;
  if (wl == NULL) {
    wl = tick__calloc(1, sizeof(*wl));
    if (wl == NULL) return NULL;
    tick__loop_set_module(loop, TICK__MODULE_WORK, &work_hooks, wl);
  }
  q = wl->free;
  if (q != NULL)
    wl->free = q->next_free;
  else
    q = tick__malloc(sizeof(*q));
  if (q != NULL) memset(q, 0, sizeof(*q));
  return q;
}

static void req_release(tick_loop_t *loop, req_t *q) {
  work_loop_t *wl = tick__loop_module_state(loop, TICK__MODULE_WORK);
  q->next_free = wl->free;
  wl->free = q;
}

/* Pool thread. */
static void req_work(void *arg) {
  req_t *q = arg;
  switch (q->kind) {
  case REQ_EACH:
    q->status = tick_parallel_for_each(q->pool, q->base, q->count, q->elem_size, q->cb.each,
                                       q->ctx);
    break;
  case REQ_MAP:
    q->status = tick_parallel_map(q->pool, q->base, q->count, q->elem_size, q->out,
                                  q->out_elem_size, q->cb.map, q->ctx);
    break;
  case REQ_REDUCE:
    q->status = tick_parallel_reduce(q->pool, q->base, q->count, q->elem_size, q->out,
                                     q->cb.reduce, q->ctx);
    break;
  case REQ_SORT:
    q->status = tick_parallel_sort(q->pool, q->base, q->count, q->elem_size, q->cb.cmp,
                                   q->ctx);
    break;
  default: {
    int r = q->cb.value(q->ctx, &q->value, &q->free_value);
    q->status = r < 0 ? r : 0;
    break;
  }
  }
}

/* Loop thread, as the job's macrotask: the record goes back to the free list before the
 * caller's code runs, so that a done callback may start the next request at once. */
static void req_done(tick_loop_t *loop, int status, void *arg) {
  req_t *q = arg;
  tick_work_done_cb done = q->done;
  void *done_arg = q->arg, *value = q->value;
  tick_free_cb free_value = q->free_value;
  tick_resolver_t *resolver = q->resolver;
  int kind = q->kind;
  if (status == TICK_ECANCELED && q->cancel_code != 0) status = q->cancel_code;
  if (status == 0) status = q->status;
  req_release(loop, q);
  if (resolver != NULL) {
    /* Neither call can fail on a live, unused resolver (settling never allocates). */
    if (status == 0)
      tick_resolver_resolve(resolver, value, free_value);
    else if (kind == REQ_VALUE)
      tick_resolver_reject(resolver, status, value, free_value); /* the work's reason */
    else
      tick_resolver_reject(resolver, status, NULL, NULL);
    tick_resolver_release(resolver);
  } else if (done != NULL) {
    done(loop, status, done_arg);
  }
}

/* The abort hook of a promise form (tick_promise_cancel): a job not started is removed
 * and its done rejects with `code`; a running one only learns of it through
 * tick_work_cancelled and settles with what it returns. Either way req_done settles the
 * promise, once. */
static void req_abort(tick_loop_t *loop, void *op, int code) {
  req_t *q = op;
  q->cancel_code = code;
  (void)tick__work_cancel_code(loop, q->job, code);
}

/* Takes a record, fills it from `tmpl`, makes the promise if asked, and queues the job.
 * On failure nothing is left behind. */
static int req_start(tick_loop_t *loop, const req_t *tmpl, tick_promise_t **promise,
                     tick_work_t *job) {
  tick_pool_t *pool = tmpl->pool;
  tick_promise_t *p = NULL;
  req_t *q;
  int r;
  if (pool == NULL) {
    r = tick_loop_pool(loop, &pool);
    if (r != 0) return r;
  } else if (tick__inbox_closing(loop)) {
    return TICK_ECLOSING;
  }
  q = req_take(loop);
  if (q == NULL) return TICK_ENOMEM;
  *q = *tmpl;
  q->pool = pool;
  if (promise != NULL) {
    r = tick_promise_create_deferred(loop, &p, &q->resolver);
    if (r != 0) {
      req_release(loop, q);
      return r;
    }
  }
  r = tick_work_queue(loop, pool, req_work, req_done, q, &q->job);
  if (r != 0) {
    tick_resolver_release(q->resolver);
    tick_promise_release(p);
    req_release(loop, q);
    return r;
  }
  if (job != NULL) *job = q->job;
  if (promise != NULL) {
    (void)tick__promise_set_abort(p, req_abort, q); /* a pending promise of this loop */
    *promise = p;
  }
  return 0;
}

/* Every form: the loop's checks, then the algorithm's argument checks (`check`, already
 * computed), then the request. */
static int req_submit(tick_loop_t *loop, const req_t *t, int check, int promise_form,
                      tick_promise_t **promise, tick_work_t *job) {
  int r;
  if (promise_form && promise != NULL) *promise = NULL;
  r = tick__loop_check(loop);
  if (r != 0) return r;
  if (promise_form && promise == NULL) return TICK_EINVAL;
  if (check != 0) return check;
  return req_start(loop, t, promise_form ? promise : NULL, job);
}

/* The record of one of the four algorithms' requests, without its callback (the caller
 * sets the union member of its kind). `base` is only read by map and reduce (the
 * blocking forms take it const); `out` is map's output or reduce's accumulator, NULL for
 * the others. A promise is fulfilled with the array the algorithm wrote: `out` for map
 * and reduce, `base` for for_each and sort. */
static req_t req_algo(int kind, tick_pool_t *pool, const void *base, size_t count,
                      size_t elem_size, void *out, size_t out_elem_size, void *ctx) {
  req_t t;
  memset(&t, 0, sizeof(t));
  t.kind = kind;
  t.pool = pool;
  t.base = (void *)(uintptr_t)base;
  t.count = count;
  t.elem_size = elem_size;
  t.out = out;
  t.out_elem_size = out_elem_size;
  t.ctx = ctx;
  t.value = kind == REQ_MAP || kind == REQ_REDUCE ? out : t.base;
  return t;
}

static req_t req_each(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                      tick_each_cb cb, void *ctx) {
  req_t t = req_algo(REQ_EACH, pool, base, count, elem_size, NULL, 0, ctx);
  t.cb.each = cb;
  return t;
}

static req_t req_map(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                     void *out, size_t out_elem_size, tick_map_cb cb, void *ctx) {
  req_t t = req_algo(REQ_MAP, pool, base, count, elem_size, out, out_elem_size, ctx);
  t.cb.map = cb;
  return t;
}

static req_t req_reduce(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                        void *acc, tick_reduce_cb cb, void *ctx) {
  req_t t = req_algo(REQ_REDUCE, pool, base, count, elem_size, acc, 0, ctx);
  t.cb.reduce = cb;
  return t;
}

static req_t req_sort(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                      tick_compare_cb cmp, void *ctx) {
  req_t t = req_algo(REQ_SORT, pool, base, count, elem_size, NULL, 0, ctx);
  t.cb.cmp = cmp;
  return t;
}

/* ---------------------------------------------------------- the _start forms ---- */

int tick_parallel_for_each_start(tick_loop_t *loop, tick_pool_t *pool, void *base,
                                 size_t count, size_t elem_size, tick_each_cb cb, void *ctx,
                                 tick_work_done_cb done, void *arg, tick_work_t *job) {
  req_t t = req_each(pool, base, count, elem_size, cb, ctx);
  t.done = done;
  t.arg = arg;
  return req_submit(loop, &t, tick__parallel_check_each(base, count, elem_size, cb), 0, NULL,
                    job);
}

int tick_parallel_map_start(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                            size_t count, size_t elem_size, void *out, size_t out_elem_size,
                            tick_map_cb cb, void *ctx, tick_work_done_cb done, void *arg,
                            tick_work_t *job) {
  req_t t = req_map(pool, base, count, elem_size, out, out_elem_size, cb, ctx);
  t.done = done;
  t.arg = arg;
  return req_submit(loop, &t,
                    tick__parallel_check_map(base, count, elem_size, out, out_elem_size, cb),
                    0, NULL, job);
}

int tick_parallel_reduce_start(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                               size_t count, size_t elem_size, void *acc, tick_reduce_cb cb,
                               void *ctx, tick_work_done_cb done, void *arg,
                               tick_work_t *job) {
  req_t t = req_reduce(pool, base, count, elem_size, acc, cb, ctx);
  t.done = done;
  t.arg = arg;
  return req_submit(loop, &t, tick__parallel_check_reduce(base, count, elem_size, acc, cb), 0,
                    NULL, job);
}

int tick_parallel_sort_start(tick_loop_t *loop, tick_pool_t *pool, void *base, size_t count,
                             size_t elem_size, tick_compare_cb cmp, void *ctx,
                             tick_work_done_cb done, void *arg, tick_work_t *job) {
  req_t t = req_sort(pool, base, count, elem_size, cmp, ctx);
  t.done = done;
  t.arg = arg;
  return req_submit(loop, &t, tick__parallel_check_sort(base, count, elem_size, cmp), 0, NULL,
                    job);
}

/* -------------------------------------------------------- the promise forms ---- */

int tick_parallel_for_each_promise(tick_loop_t *loop, tick_pool_t *pool, void *base,
                                   size_t count, size_t elem_size, tick_each_cb cb,
                                   void *ctx, tick_promise_t **promise, tick_work_t *job) {
  req_t t = req_each(pool, base, count, elem_size, cb, ctx);
  return req_submit(loop, &t, tick__parallel_check_each(base, count, elem_size, cb), 1,
                    promise, job);
}

int tick_parallel_map_promise(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                              size_t count, size_t elem_size, void *out,
                              size_t out_elem_size, tick_map_cb cb, void *ctx,
                              tick_promise_t **promise, tick_work_t *job) {
  req_t t = req_map(pool, base, count, elem_size, out, out_elem_size, cb, ctx);
  return req_submit(loop, &t,
                    tick__parallel_check_map(base, count, elem_size, out, out_elem_size, cb),
                    1, promise, job);
}

int tick_parallel_reduce_promise(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                                 size_t count, size_t elem_size, void *acc,
                                 tick_reduce_cb cb, void *ctx, tick_promise_t **promise,
                                 tick_work_t *job) {
  req_t t = req_reduce(pool, base, count, elem_size, acc, cb, ctx);
  return req_submit(loop, &t, tick__parallel_check_reduce(base, count, elem_size, acc, cb), 1,
                    promise, job);
}

int tick_parallel_sort_promise(tick_loop_t *loop, tick_pool_t *pool, void *base,
                               size_t count, size_t elem_size, tick_compare_cb cmp,
                               void *ctx, tick_promise_t **promise, tick_work_t *job) {
  req_t t = req_sort(pool, base, count, elem_size, cmp, ctx);
  return req_submit(loop, &t, tick__parallel_check_sort(base, count, elem_size, cmp), 1,
                    promise, job);
}

/* ------------------------------------------------- a pool job with a promise ---- */

int tick_work_promise(tick_loop_t *loop, tick_pool_t *pool, tick_work_value_cb work,
                      void *arg, tick_promise_t **promise, tick_work_t *job) {
  req_t t;
  memset(&t, 0, sizeof(t));
  t.kind = REQ_VALUE;
  t.pool = pool;
  t.cb.value = work;
  t.ctx = arg;
  return req_submit(loop, &t, work == NULL ? TICK_EINVAL : 0, 1, promise, job);
}
