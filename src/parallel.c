/* parallel.c - blocking parallel for_each, map and reduce on a thread pool.
 *
 * The array is cut into chunks; the calling thread queues up to one helper job per pool
 * thread (detached jobs, their records on its own stack) and then works on chunks itself.
 * Every participant claims the next chunk with one atomic increment until none is left,
 * so a busy pool only means fewer helpers, never a wait for work that nobody does: when
 * the caller runs out of chunks it cancels the helpers that have not started and waits
 * only for those that did. This is also why the functions may be called from a pool
 * thread of the same pool without deadlock.
 *
 * Chunks hold at least PAR_GRAIN elements, and there are about four per participant, so
 * a slow chunk does not hold up the end; arrays of fewer than two grains run inline on
 * the caller, without touching the pool.
 */
#include "pool.h"

#include <stdatomic.h>
#include <string.h>

#define PAR_GRAIN 4096
#define PAR_MAX_HELPERS 64

typedef struct par_s par_t;
struct par_s {
  /* What to do. */
  int (*run_chunk)(par_t *p, size_t chunk, size_t begin, size_t end);
  size_t count, chunk_len, nchunks;
  const void *in;
  void *out;
  size_t in_size, out_size;
  union {
    tick_each_cb each;
    tick_map_cb map;
    tick_reduce_cb reduce;
  } cb;
  void *ctx;
  unsigned char *partials; /* reduce: one accumulator per chunk, `stride` bytes apart */
  size_t stride;
  /* Shared progress. */
  atomic_size_t next_chunk;
  atomic_int error;   /* the first error recorded, 0 if none */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned helpers_left; /* under `lock`: helpers queued or running */
};

static void par_claim(par_t *p) {
  for (;;) {
    size_t c = atomic_fetch_add_explicit(&p->next_chunk, 1, memory_order_relaxed);
    size_t begin, end;
    int r, expected = 0;
    if (c >= p->nchunks) return;
    if (atomic_load_explicit(&p->error, memory_order_relaxed) != 0) return;
    begin = c * p->chunk_len;
    end = begin + p->chunk_len < p->count ? begin + p->chunk_len : p->count;
    r = p->run_chunk(p, c, begin, end);
    if (r != 0) atomic_compare_exchange_strong(&p->error, &expected, r);
  }
}

static void par_helper(void *arg) {
  par_t *p = arg;
  par_claim(p);
  /* The helper's last touch of `p`: the caller may return once it sees the count. */
  pthread_mutex_lock(&p->lock);
  if (--p->helpers_left == 0) pthread_cond_signal(&p->cond);
  pthread_mutex_unlock(&p->lock);
}

/* Runs every chunk, on the caller and up to one helper per pool thread. */
static int par_run(par_t *p, tick_pool_t *pool) {
  tick__job_t jobs[PAR_MAX_HELPERS];
  unsigned helpers = 0, threads = tick_pool_threads(pool), i;
  size_t per_participant;
  if (pool == NULL || p->count < 2 * PAR_GRAIN) {
    p->chunk_len = p->count ? p->count : 1;
  } else {
    per_participant = p->count / ((size_t)threads + 1) / 4;
    p->chunk_len = per_participant > PAR_GRAIN ? per_participant : PAR_GRAIN;
  }
  p->nchunks = (p->count + p->chunk_len - 1) / p->chunk_len;
  atomic_init(&p->next_chunk, 0);
  atomic_init(&p->error, 0);
  if (p->nchunks > 1) {
    helpers = threads < p->nchunks - 1 ? threads : (unsigned)(p->nchunks - 1);
    if (helpers > PAR_MAX_HELPERS) helpers = PAR_MAX_HELPERS;
  }
  if (helpers == 0) { /* inline: one chunk, or no pool */
    size_t c;
    for (c = 0; c < p->nchunks; c++) {
      size_t begin = c * p->chunk_len;
      size_t end = begin + p->chunk_len < p->count ? begin + p->chunk_len : p->count;
      int r = p->run_chunk(p, c, begin, end);
      if (r != 0) return r;
    }
    return 0;
  }
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->cond, NULL);
  p->helpers_left = helpers;
  for (i = 0; i < helpers; i++) {
    memset(&jobs[i], 0, sizeof(jobs[i]));
    jobs[i].work = par_helper;
    jobs[i].arg = p;
    tick__pool_submit_detached(pool, &jobs[i]);
  }
  par_claim(p);
  for (i = 0; i < helpers; i++) {
    if (tick__pool_cancel_detached(pool, &jobs[i])) {
      pthread_mutex_lock(&p->lock);
      p->helpers_left--;
      pthread_mutex_unlock(&p->lock);
    }
  }
  pthread_mutex_lock(&p->lock);
  while (p->helpers_left != 0) pthread_cond_wait(&p->cond, &p->lock);
  pthread_mutex_unlock(&p->lock);
  pthread_cond_destroy(&p->cond);
  pthread_mutex_destroy(&p->lock);
  return atomic_load(&p->error);
}

/* ---------------------------------------------------------------- for_each ---- */

static int each_chunk(par_t *p, size_t chunk, size_t begin, size_t end) {
  tick_each_cb cb = p->cb.each;
  unsigned char *base = p->out;
  size_t i;
  (void)chunk;
  for (i = begin; i < end; i++) {
    int r = cb(p->ctx, base + i * p->out_size, i);
    if (r != 0) return r;
    if (TICK__UNLIKELY(atomic_load_explicit(&p->error, memory_order_relaxed) != 0)) return 0;
  }
  return 0;
}

int tick_parallel_for_each(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                           tick_each_cb cb, void *ctx) {
  par_t p;
  size_t bytes;
  if (cb == NULL || (count != 0 && (base == NULL || elem_size == 0))) return TICK_EINVAL;
  if (tick__mul_size(count, elem_size, &bytes) != 0) return TICK_EOVERFLOW;
  memset(&p, 0, sizeof(p));
  p.run_chunk = each_chunk;
  p.count = count;
  p.out = base;
  p.out_size = elem_size;
  p.cb.each = cb;
  p.ctx = ctx;
  return par_run(&p, pool);
}

/* --------------------------------------------------------------------- map ---- */

static int map_chunk(par_t *p, size_t chunk, size_t begin, size_t end) {
  tick_map_cb cb = p->cb.map;
  const unsigned char *in = p->in;
  unsigned char *out = p->out;
  size_t i;
  (void)chunk;
  for (i = begin; i < end; i++) {
    int r = cb(p->ctx, in + i * p->in_size, out + i * p->out_size, i);
    if (r != 0) return r;
    if (TICK__UNLIKELY(atomic_load_explicit(&p->error, memory_order_relaxed) != 0)) return 0;
  }
  return 0;
}

int tick_parallel_map(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                      void *out, size_t out_elem_size, tick_map_cb cb, void *ctx) {
  par_t p;
  size_t in_bytes, out_bytes;
  if (cb == NULL) return TICK_EINVAL;
  if (count == 0) return 0;
  if (base == NULL || out == NULL || elem_size == 0 || out_elem_size == 0) return TICK_EINVAL;
  if (tick__mul_size(count, elem_size, &in_bytes) != 0 ||
      tick__mul_size(count, out_elem_size, &out_bytes) != 0)
    return TICK_EOVERFLOW;
  if (out != base || elem_size != out_elem_size) {
    const unsigned char *a = base, *b = out;
    if (a < b + out_bytes && b < a + in_bytes) return TICK_EINVAL; /* partial overlap */
  }
  memset(&p, 0, sizeof(p));
  p.run_chunk = map_chunk;
  p.count = count;
  p.in = base;
  p.in_size = elem_size;
  p.out = out;
  p.out_size = out_elem_size;
  p.cb.map = cb;
  p.ctx = ctx;
  return par_run(&p, pool);
}

/* ------------------------------------------------------------------ reduce ---- */

static int reduce_chunk(par_t *p, size_t chunk, size_t begin, size_t end) {
  tick_reduce_cb cb = p->cb.reduce;
  const unsigned char *in = p->in;
  unsigned char *acc = p->partials + chunk * p->stride;
  size_t i;
  memcpy(acc, in + begin * p->in_size, p->in_size);
  for (i = begin + 1; i < end; i++) {
    int r = cb(p->ctx, acc, in + i * p->in_size, i);
    if (r != 0) return r;
    if (TICK__UNLIKELY(atomic_load_explicit(&p->error, memory_order_relaxed) != 0)) return 0;
  }
  return 0;
}

int tick_parallel_reduce(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                         void *acc, tick_reduce_cb cb, void *ctx) {
  par_t p;
  size_t bytes, c;
  int r;
  if (cb == NULL || acc == NULL || elem_size == 0) return TICK_EINVAL;
  if (count == 0) return 0;
  if (base == NULL) return TICK_EINVAL;
  if (tick__mul_size(count, elem_size, &bytes) != 0) return TICK_EOVERFLOW;
  memset(&p, 0, sizeof(p));
  p.run_chunk = reduce_chunk;
  p.count = count;
  p.in = base;
  p.in_size = elem_size;
  p.cb.reduce = cb;
  p.ctx = ctx;
  /* At most count / PAR_GRAIN + 1 chunks (par_run's rule); sized before it runs. Each
   * accumulator starts on its own cache line: two threads folding into neighbouring
   * accumulators would otherwise fight over the line at every element (measured: the
   * parallel sum was slower than the serial one). */
  if (elem_size > SIZE_MAX - 63) return TICK_EOVERFLOW;
  p.stride = (elem_size + 63) & ~(size_t)63;
  p.partials = tick__reallocarray(NULL, count / PAR_GRAIN + 1, p.stride);
  if (p.partials == NULL) return TICK_ENOMEM;
  r = par_run(&p, pool);
  /* The partial results, folded into `acc` in chunk order: equal to the sequential fold
   * whenever the operation is associative (commutativity is not needed). */
  for (c = 0; r == 0 && c < p.nchunks; c++)
    r = cb(ctx, acc, p.partials + c * p.stride, c * p.chunk_len);
  tick__free(p.partials);
  return r;
}
