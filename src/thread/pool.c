/* pool.c - the thread pool: work on pool threads, done callbacks on the loop thread.
 *
 * A pool is an object the program creates and may share between loops (docs/design/threads.md
 * says why it is not a hidden process-wide pool). Its queue is an intrusive FIFO of job
 * records under one mutex; idle workers wait on a condition variable. A job record
 * belongs to the loop that queued it (a per-loop free list of records in chunks that
 * never move, so queueing does not allocate in steady state) and carries an intrusive
 * inbox node: when `work` returns, the worker pushes that node to the loop's inbox
 * (post.c), which can never fail, and the loop runs `done` as a macrotask in its poll
 * phase.
 *
 * Jobs queued from inside a callback (a macrotask or the drain after it) are not handed
 * to the pool one by one: they collect in a loop-local batch, a FIFO of records that no
 * other thread sees, which the drain that ends the macrotask (or the job that fills the
 * batch, BATCH_MAX) moves to the pool's queue in one splice under one lock, waking as
 * many idle workers as there are new jobs (up to all). While a batch is pending the module carries an after_drain hook, so the core's
 * drain fast path stays free of it otherwise; every callback is followed by a drain
 * before the loop can block, so no job waits beyond the macrotask that queued it. Jobs
 * queued outside any callback (the main program, before or between runs) go to the pool
 * at once: nothing would end their batch if the program then waited for them.
 *
 * States, each change made under the pool's lock except those of a batched record
 * (`batched` set: only the loop thread knows it, the flush publishes it):
 *   QUEUED -> RUNNING (a worker took it) -> delivered (done ran, record freed)
 *   QUEUED -> CANCELED (tick_work_cancel or loop destroy) -> delivered with
 *   ECANCELED
 * The worker never touches a record after pushing its node: from then on it is the
 * loop's again.
 */
#include "thread/pool.h"

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tick_pool_s {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  tick__job_t *head, *tail; /* queued jobs, oldest first */
  unsigned idle;            /* workers waiting on `cond` */
  unsigned spinning;        /* workers spinning for a job (at most one), under `lock` */
  atomic_uint queued;       /* jobs in the queue: written under `lock`, read by a spinner */
  int stop;
  unsigned nthreads;
  pthread_t *threads;
  atomic_size_t outstanding; /* jobs whose done has not been called */
};

/* A batch is handed over at the end of its macrotask, or as soon as it holds this many
 * jobs, so that a callback queueing thousands lets the workers start on the first ones
 * while it queues the rest (one lock per BATCH_MAX jobs still). Measured on a 100k burst
 * from one callback, 4 workers on 2 cores (docs/design/bench.md): without a bound the
 * CPU per job is lowest but the wall time doubles (no overlap); 64 wakes workers so
 * often that the CPU saving is lost; 256 keeps most of both. */
#define BATCH_MAX 256

/* Per-loop state: the job records. */
#define JOB_CHUNK_SHIFT 6
#define JOB_CHUNK (1u << JOB_CHUNK_SHIFT)

typedef struct pool_loop_s {
  tick__job_t **chunks;
  uint32_t nchunks, chunks_cap; /* the array doubles: a burst's growth copies it log n times */
  tick__job_t *free;
  uint64_t jobs_done; /* done callbacks run (tick_loop_metrics) */
  tick_pool_t *pool; /* the loop's pool (tick_loop_set_pool / tick_loop_pool), or NULL */
  int owns_pool;     /* created by tick_loop_pool: destroyed with the loop */
  /* Jobs queued by the current macrotask, not yet handed to their pool (all to one
   * pool: a job for another pool flushes the batch first). Linked by qnext/qprev. */
  tick__job_t *batch_head, *batch_tail;
  tick_pool_t *batch_pool;
  unsigned batch_count;
} pool_loop_t;

/* --------------------------------------------------------------- the pool ---- */

/* The job whose work this pool thread is running, for tick_work_cancelled: the one piece
 * of per-thread state, set and cleared around each work call by the thread itself, so it
 * names nothing once the work has returned. */
static _Thread_local tick__job_t *current_job;

int tick_work_cancelled(void) {
  tick__job_t *job = current_job;
  return job != NULL ? atomic_load_explicit(&job->cancel_code, memory_order_relaxed) : 0;
}

static void queue_unlink(tick_pool_t *pool, tick__job_t *job) {
  if (job->qprev != NULL)
    job->qprev->qnext = job->qnext;
  else
    pool->head = job->qnext;
  if (job->qnext != NULL)
    job->qnext->qprev = job->qprev;
  else
    pool->tail = job->qprev;
  job->qnext = job->qprev = NULL;
  atomic_store_explicit(&pool->queued, atomic_load_explicit(&pool->queued, memory_order_relaxed) - 1,
                        memory_order_relaxed);
}

/* Appends under the lock; wakes a sleeping worker unless one is spinning for work. */
static void queue_append(tick_pool_t *pool, tick__job_t *job) {
  job->qnext = NULL;
  job->qprev = pool->tail;
  if (pool->tail != NULL)
    pool->tail->qnext = job;
  else
    pool->head = job;
  pool->tail = job;
  atomic_store_explicit(&pool->queued, atomic_load_explicit(&pool->queued, memory_order_relaxed) + 1,
                        memory_order_release);
  if (pool->idle != 0 && pool->spinning == 0 && pool->head == job)
    pthread_cond_signal(&pool->cond);
}

static int pool_has_job(void *pool) {
  return atomic_load_explicit(&((tick_pool_t *)pool)->queued, memory_order_acquire) != 0;
}

static void *pool_worker(void *arg) {
  tick_pool_t *pool = arg;
  tick__spin_t spin = {0, 0};
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    tick__job_t *job = pool->head;
    if (job == NULL) {
      if (pool->stop) break;
      /* One worker at a time spins for the next job before it sleeps (spin.h): with a
       * loop queueing jobs one at a time, the job is taken without a futex wake. */
      if (pool->spinning == 0) {
        int got;
        pool->spinning = 1;
        pthread_mutex_unlock(&pool->lock);
        got = tick__spin(&spin, pool_has_job, pool);
        pthread_mutex_lock(&pool->lock);
        pool->spinning = 0;
        if (got || pool->head != NULL || pool->stop) continue;
        /* A job queued while this worker spun and was taken by another is fine; one
         * queued between the spin's end and here is seen by the check above. */
      }
      pool->idle++;
      pthread_cond_wait(&pool->cond, &pool->lock);
      pool->idle--;
      continue;
    }
    tick_loop_t *owner;
    queue_unlink(pool, job);
    job->state = JOB_RUNNING;
    owner = job->loop;
    if (job->queued_ns != 0) job->wait_ns = tick__clock_ns() - job->queued_ns;
    /* Wake-ups chain: the queueing thread wakes one worker per burst (when the queue was
     * empty); each worker that takes a job and leaves others queued wakes the next. A
     * burst of n jobs then costs at most one futex wake per worker, not one per job. */
    if (pool->head != NULL && pool->idle != 0) pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    current_job = job;
    if (owner != NULL && TICK__UNLIKELY(job->probe != NULL)) {
      /* Traced: the work's span goes to the probe, which is thread-safe for this. */
      struct timespec a, b;
      const tick__probe_t *probe = job->probe;
      void *probe_state = job->probe_state;
      uint64_t flow = job->cap.flow;
      tick__fn_t fn = (tick__fn_t)job->work;
      clock_gettime(CLOCK_MONOTONIC, &a);
      job->work(job->arg);
      clock_gettime(CLOCK_MONOTONIC, &b);
      probe->work(owner, probe_state, flow, fn, (int64_t)a.tv_sec * 1000000000 + a.tv_nsec,
                  (int64_t)b.tv_sec * 1000000000 + b.tv_nsec);
    } else {
      job->work(job->arg);
    }
    current_job = NULL;
    /* The last touch of `job`. A detached job (no loop) may be gone once `work` returned:
     * its work reports to its owner itself. */
    if (owner != NULL) tick__inbox_push(owner, &job->node);
    pthread_mutex_lock(&pool->lock);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

static void pool_stop_and_join(tick_pool_t *pool, unsigned started) {
  unsigned i;
  pthread_mutex_lock(&pool->lock);
  pool->stop = 1;
  pthread_cond_broadcast(&pool->cond);
  pthread_mutex_unlock(&pool->lock);
  for (i = 0; i < started; i++) pthread_join(pool->threads[i], NULL);
}

int tick_pool_create(tick_pool_t **out, unsigned threads) {
  tick_pool_t *pool;
  sigset_t all, old;
  unsigned i;
  int err = 0;
  if (out == NULL || threads > 1024) return TICK_EINVAL;
  *out = NULL;
  if (threads == 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    threads = n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
  }
  pool = tick__calloc(1, sizeof(*pool));
  if (pool == NULL) return TICK_ENOMEM;
  pool->threads = tick__calloc(threads, sizeof(*pool->threads));
  if (pool->threads == NULL) {
    tick__free(pool);
    return TICK_ENOMEM;
  }
  pthread_mutex_init(&pool->lock, NULL);
  atomic_init(&pool->queued, 0);
  pthread_cond_init(&pool->cond, NULL);
  atomic_init(&pool->outstanding, 0);
  pool->nthreads = threads;
  /* Workers start with every signal blocked, so that signals go to the program's own
   * threads (as libuv does for its pool). */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (i = 0; i < threads; i++) {
    int r = pthread_create(&pool->threads[i], NULL, pool_worker, pool);
    if (r != 0) {
      err = r == EAGAIN ? TICK_EAGAIN : tick_translate_errno(r);
      break;
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    pool_stop_and_join(pool, i);
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->lock);
    tick__free(pool->threads);
    tick__free(pool);
    return err;
  }
  *out = pool;
  return 0;
}

unsigned tick_pool_threads(const tick_pool_t *pool) {
  return pool == NULL ? 0 : pool->nthreads;
}

int tick_pool_destroy(tick_pool_t *pool) {
  if (pool == NULL) return 0;
  if (atomic_load(&pool->outstanding) != 0) return TICK_EBUSY;
  pool_stop_and_join(pool, pool->nthreads);
  pthread_cond_destroy(&pool->cond);
  pthread_mutex_destroy(&pool->lock);
  tick__free(pool->threads);
  tick__free(pool);
  return 0;
}

/* Appends a chain of `n` records (linked by qnext/qprev, their state already QUEUED) in
 * one step, and wakes up to `n` sleeping workers: one per job, beyond a spinning worker
 * that will take the first; all of them when the chain is at least as long as the
 * number asleep. */
static void queue_splice(tick_pool_t *pool, tick__job_t *head, tick__job_t *tail, unsigned n) {
  unsigned wake;
  pthread_mutex_lock(&pool->lock);
  head->qprev = pool->tail;
  if (pool->tail != NULL)
    pool->tail->qnext = head;
  else
    pool->head = head;
  pool->tail = tail;
  atomic_store_explicit(&pool->queued, atomic_load_explicit(&pool->queued, memory_order_relaxed) + n,
                        memory_order_release);
  wake = n - (pool->spinning != 0 ? 1 : 0);
  if (wake >= pool->idle) {
    if (pool->idle != 0) pthread_cond_broadcast(&pool->cond);
  } else {
    while (wake-- > 0) pthread_cond_signal(&pool->cond);
  }
  pthread_mutex_unlock(&pool->lock);
}

/* ------------------------------------------------------ per-loop job records ---- */

static tick__job_t *job_at(const pool_loop_t *pl, uint32_t index) {
  return &pl->chunks[index >> JOB_CHUNK_SHIFT][index & (JOB_CHUNK - 1)];
}

static tick__job_t *job_take(pool_loop_t *pl) {
  tick__job_t *job;
  if (pl->free == NULL) {
    tick__job_t **chunks, *chunk;
    uint32_t i, base = pl->nchunks << JOB_CHUNK_SHIFT;
    if (pl->nchunks >= (UINT32_MAX >> JOB_CHUNK_SHIFT) - 1) return NULL;
    chunk = tick__calloc(JOB_CHUNK, sizeof(*chunk));
    if (chunk == NULL) return NULL;
    if (pl->nchunks == pl->chunks_cap) {
      uint32_t cap = pl->chunks_cap == 0 ? 4 : pl->chunks_cap * 2;
      chunks = tick__reallocarray(pl->chunks, cap, sizeof(*chunks));
      if (chunks == NULL) {
        tick__free(chunk);
        return NULL;
      }
      pl->chunks = chunks;
      pl->chunks_cap = cap;
    }
    pl->chunks[pl->nchunks++] = chunk;
    for (i = JOB_CHUNK; i-- > 0;) {
      chunk[i].gen = 1;
      chunk[i].index = base + i;
      chunk[i].qnext = pl->free;
      pl->free = &chunk[i];
    }
  }
  job = pl->free;
  pl->free = job->qnext;
  job->qnext = job->qprev = NULL;
  return job;
}

static void job_release(tick_loop_t *loop, pool_loop_t *pl, tick__job_t *job) {
  tick__site_forget(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)job);
  job->live = 0;
  job->batched = 0;
  job->state = 0;
  job->gen = job->gen + 1 ? job->gen + 1 : 1;
  job->qnext = pl->free;
  pl->free = job;
}

/* Frees the record, then calls done: a done callback may queue again at once. The
 * caller runs this as a macrotask (depth and drain around it). */
static void job_finish(tick_loop_t *loop, tick__job_t *job, int status) {
  pool_loop_t *pl = tick__loop_module_state(loop, TICK__MODULE_POOL);
  tick_work_done_cb done = job->done;
  void *arg = job->arg, *saved;
  tick_pool_t *pool = job->pool;
  tick__cap_t cap = job->cap;
  if (job->queued_ns != 0 && status == 0 && (loop->obs.flags & TICK_METRICS_POOL_WAIT)) {
    uint64_t wait = job->wait_ns > 0 ? (uint64_t)job->wait_ns : 0;
    loop->obs.pool_wait_count++;
    loop->obs.pool_wait_total_ns += wait;
    if (wait > loop->obs.pool_wait_max_ns) loop->obs.pool_wait_max_ns = wait;
  }
  pl->jobs_done++;
  job_release(loop, pl, job);
  loop->module_refs--;
  loop->jobs_inflight--;
  atomic_fetch_sub(&pool->outstanding, 1);
  saved = tick__enter(loop, &cap, TICK__CB_WORK, (tick__fn_t)done);
  if (done != NULL) done(loop, status, arg);
  tick__leave(loop, saved);
}

static void job_node_run(tick_loop_t *loop, tick__node_t *node) {
  tick__job_t *job = (tick__job_t *)(void *)((char *)node - offsetof(tick__job_t, node));
  /* The worker's write of RUNNING happens before its push, and the inbox's exchange
   * acquires it: reading the state here is ordered. */
  job_finish(loop, job, job->state == JOB_CANCELED ? TICK_ECANCELED : 0);
}

static void batch_flush(tick_loop_t *loop, pool_loop_t *pl);

/* Loop destroy: every job still queued is cancelled, its done called with
 * TICK_ECANCELED before destroy returns. Running jobs keep destroy busy. */
static void pool_pre_destroy(tick_loop_t *loop, void *state) {
  pool_loop_t *pl = state;
  uint32_t i, n = pl->nchunks << JOB_CHUNK_SHIFT;
  batch_flush(loop, pl); /* queued like the others, cancelled below */
  for (i = 0; i < n; i++) {
    tick__job_t *job = job_at(pl, i);
    int cancelled = 0;
    if (!job->live) continue;
    pthread_mutex_lock(&job->pool->lock);
    if (job->state == JOB_QUEUED) {
      queue_unlink(job->pool, job);
      job->state = JOB_CANCELED;
      cancelled = 1;
    }
    pthread_mutex_unlock(&job->pool->lock);
    if (cancelled) {
      loop->depth++;
      job_finish(loop, job, TICK_ECANCELED);
      loop->depth--;
      tick__drain(loop);
    }
  }
}

static void pool_loop_destroy(tick_loop_t *loop, void *state) {
  pool_loop_t *pl = state;
  uint32_t i;
  (void)loop;
  /* No job of this loop is outstanding (destroy checked module_refs); an owned pool that
   * another loop was (wrongly) given keeps its workers rather than be freed under it. */
  if (pl->owns_pool && tick_pool_destroy(pl->pool) != 0) pl->pool = NULL;
  for (i = 0; i < pl->nchunks; i++) tick__free(pl->chunks[i]);
  tick__free(pl->chunks);
  tick__free(pl);
}

static void pool_metrics(tick_loop_t *loop, void *state, tick_loop_metrics_t *m) {
  pool_loop_t *pl = state;
  if (pl->pool != NULL) {
    m->pool_threads = pl->pool->nthreads;
    m->pool_queue_length = atomic_load_explicit(&pl->pool->queued, memory_order_relaxed);
  }
  m->pool_jobs_inflight = loop->jobs_inflight;
  m->pool_jobs_done = pl->jobs_done;
}

/* tick_loop_walk: each job of this loop whose done has not run, queued or running (its
 * state is the workers' to change, so it is not read here). */
static int pool_walk(tick_loop_t *loop, void *state,
                     int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  pool_loop_t *pl = state;
  uint32_t i;
  for (i = 0; i < (pl->nchunks << JOB_CHUNK_SHIFT); i++) {
    tick__job_t *job = job_at(pl, i);
    tick_resource_t res;
    if (!job->live) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "work";
    res.id = ((uint64_t)job->gen << 32) | ((uint64_t)job->index + 1);
    res.flags = TICK_RESOURCE_ACTIVE | TICK_RESOURCE_REF;
    res.site = tick__site_get(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)job);
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static int pool_after_drain(tick_loop_t *loop, void *state);

/* The module's hooks, without and with a pending batch (the drain calls the second). */
static const tick__module_hooks_t pool_hooks = {.after_drain = NULL,
                                                .destroy = pool_loop_destroy,
                                                .pre_destroy = pool_pre_destroy,
                                                .metrics = pool_metrics,
                                                .walk = pool_walk};
static const tick__module_hooks_t pool_hooks_batching = {.after_drain = pool_after_drain,
                                                         .destroy = pool_loop_destroy,
                                                         .pre_destroy = pool_pre_destroy,
                                                         .metrics = pool_metrics,
                                                         .walk = pool_walk};

/* Hands the pending batch to its pool: the end of the macrotask that queued it. */
static void batch_flush(tick_loop_t *loop, pool_loop_t *pl) {
  tick__job_t *job;
  if (pl->batch_head == NULL) return;
  for (job = pl->batch_head; job != NULL; job = job->qnext) job->batched = 0;
  queue_splice(pl->batch_pool, pl->batch_head, pl->batch_tail, pl->batch_count);
  pl->batch_head = pl->batch_tail = NULL;
  pl->batch_pool = NULL;
  pl->batch_count = 0;
  tick__loop_set_module(loop, TICK__MODULE_POOL, &pool_hooks, pl);
}

static int pool_after_drain(tick_loop_t *loop, void *state) {
  batch_flush(loop, state);
  return 0; /* no callback ran */
}

static void batch_append(tick_loop_t *loop, pool_loop_t *pl, tick_pool_t *pool, tick__job_t *job) {
  if (pl->batch_head != NULL && pl->batch_pool != pool) batch_flush(loop, pl);
  job->state = JOB_QUEUED; /* seen by a worker only after the flush's lock */
  job->batched = 1;
  job->qnext = NULL;
  job->qprev = pl->batch_tail;
  if (pl->batch_tail != NULL)
    pl->batch_tail->qnext = job;
  else {
    pl->batch_head = job;
    pl->batch_pool = pool;
    tick__loop_set_module(loop, TICK__MODULE_POOL, &pool_hooks_batching, pl);
  }
  pl->batch_tail = job;
  if (++pl->batch_count == BATCH_MAX) batch_flush(loop, pl);
}

static void batch_unlink(tick_loop_t *loop, pool_loop_t *pl, tick__job_t *job) {
  if (job->qprev != NULL)
    job->qprev->qnext = job->qnext;
  else
    pl->batch_head = job->qnext;
  if (job->qnext != NULL)
    job->qnext->qprev = job->qprev;
  else
    pl->batch_tail = job->qprev;
  job->qnext = job->qprev = NULL;
  if (--pl->batch_count == 0) {
    pl->batch_pool = NULL;
    tick__loop_set_module(loop, TICK__MODULE_POOL, &pool_hooks, pl);
  }
}

/* -------------------------------------------------------------- queueing ---- */

/* The loop's pool state, installed on first use. NULL on allocation failure. */
static pool_loop_t *pool_loop(tick_loop_t *loop) {
  pool_loop_t *pl = tick__loop_module_state(loop, TICK__MODULE_POOL);
  if (pl == NULL) {
    pl = tick__calloc(1, sizeof(*pl));
    if (pl == NULL) return NULL;
    tick__loop_set_module(loop, TICK__MODULE_POOL, &pool_hooks, pl);
  }
  return pl;
}

int tick_loop_set_pool(tick_loop_t *loop, tick_pool_t *pool) {
  pool_loop_t *pl;
  TICK__CHECK_LOOP(loop);
  if (pool == NULL) return TICK_EINVAL;
  if (tick__inbox_closing(loop)) return TICK_ECLOSING;
  pl = pool_loop(loop);
  if (pl == NULL) return TICK_ENOMEM;
  if (pl->pool != NULL) return TICK_EBUSY;
  pl->pool = pool;
  pl->owns_pool = 0;
  return 0;
}

int tick_loop_pool(tick_loop_t *loop, tick_pool_t **pool_out) {
  pool_loop_t *pl;
  int r;
  TICK__CHECK_LOOP(loop);
  if (pool_out == NULL) return TICK_EINVAL;
  if (tick__inbox_closing(loop)) return TICK_ECLOSING;
  pl = pool_loop(loop);
  if (pl == NULL) return TICK_ENOMEM;
  if (pl->pool == NULL) {
    r = tick_pool_create(&pl->pool, 0);
    if (r != 0) {
      pl->pool = NULL;
      return r;
    }
    pl->owns_pool = 1;
  }
  *pool_out = pl->pool;
  return 0;
}

int tick_work_queue(tick_loop_t *loop, tick_pool_t *pool, tick_work_cb work,
                    tick_work_done_cb done, void *arg, tick_work_t *id_out) {
  pool_loop_t *pl;
  tick__job_t *job;
  TICK__CHECK_LOOP(loop);
  if (work == NULL) return TICK_EINVAL;
  if (pool == NULL) { /* the loop's own pool (made on first use) */
    int r = tick_loop_pool(loop, &pool);
    if (r != 0) return r;
  }
  if (tick__inbox_closing(loop)) return TICK_ECLOSING;
  pl = pool_loop(loop);
  if (pl == NULL) return TICK_ENOMEM;
  job = job_take(pl);
  if (job == NULL) return TICK_ENOMEM;
  job->node.run = job_node_run;
  job->pool = pool;
  job->loop = loop;
  job->work = work;
  job->done = done;
  job->arg = arg;
  job->live = 1;
  atomic_store_explicit(&job->cancel_code, 0, memory_order_relaxed);
  tick__capture(loop, &job->cap, TICK__CB_WORK);
  job->probe = loop->probe;
  job->probe_state = loop->probe_state;
  job->queued_ns = (loop->obs.flags & TICK_METRICS_POOL_WAIT) ? tick__clock_ns() : 0;
  job->wait_ns = 0;
  TICK__NOTE_SITE(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)job);
  loop->module_refs++;
  loop->jobs_inflight++;
  atomic_fetch_add(&pool->outstanding, 1);
  if (loop->depth != 0) {
    batch_append(loop, pl, pool, job); /* handed over at the end of this macrotask */
  } else {
    pthread_mutex_lock(&pool->lock);
    job->state = JOB_QUEUED;
    queue_append(pool, job);
    pthread_mutex_unlock(&pool->lock);
  }
  if (id_out != NULL) id_out->id = ((uint64_t)job->gen << 32) | ((uint64_t)job->index + 1);
  return 0;
}

int tick_work_cancel(tick_loop_t *loop, tick_work_t id) {
  return tick__work_cancel_code(loop, id, TICK_ECANCELED);
}

int tick__work_cancel_code(tick_loop_t *loop, tick_work_t id, int code) {
  pool_loop_t *pl;
  tick__job_t *job;
  uint32_t low = (uint32_t)id.id;
  int r;
  TICK__CHECK_LOOP(loop);
  pl = tick__loop_module_state(loop, TICK__MODULE_POOL);
  if (pl == NULL || low == 0 || ((low - 1) >> JOB_CHUNK_SHIFT) >= pl->nchunks)
    return TICK_ESTALE;
  job = job_at(pl, low - 1);
  if (!job->live || job->gen != (uint32_t)(id.id >> 32)) return TICK_ESTALE;
  if (job->batched) { /* not handed over yet: no other thread knows it */
    batch_unlink(loop, pl, job);
    job->batched = 0;
    job->state = JOB_CANCELED;
    tick__inbox_push(loop, &job->node);
    return 0;
  }
  pthread_mutex_lock(&job->pool->lock);
  if (job->state == JOB_QUEUED) {
    queue_unlink(job->pool, job);
    job->state = JOB_CANCELED;
    r = 0;
  } else if (job->state == JOB_RUNNING) {
    /* The first code asked stays: the work may already have acted on it. */
    int none = 0;
    atomic_compare_exchange_strong_explicit(&job->cancel_code, &none, code,
                                            memory_order_relaxed, memory_order_relaxed);
    r = TICK_EBUSY;
  } else {
    r = TICK_ESTALE;
  }
  pthread_mutex_unlock(&job->pool->lock);
  /* Reported like a completion, in a later poll phase: never from inside this call. */
  if (r == 0) tick__inbox_push(loop, &job->node);
  return r;
}

/* ------------------------------------------------------------ detached jobs ---- */

void tick__pool_submit_detached(tick_pool_t *pool, tick__job_t *job) {
  job->loop = NULL;
  job->queued_ns = 0;
  job->pool = pool;
  atomic_store_explicit(&job->cancel_code, 0, memory_order_relaxed);
  pthread_mutex_lock(&pool->lock);
  job->state = JOB_QUEUED;
  queue_append(pool, job);
  pthread_mutex_unlock(&pool->lock);
}

int tick__pool_cancel_detached(tick_pool_t *pool, tick__job_t *job) {
  int removed = 0;
  pthread_mutex_lock(&pool->lock);
  if (job->state == JOB_QUEUED) {
    queue_unlink(pool, job);
    job->state = JOB_CANCELED;
    removed = 1;
  }
  pthread_mutex_unlock(&pool->lock);
  return removed;
}
