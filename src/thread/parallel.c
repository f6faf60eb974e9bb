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
#include "thread/parallel.h"
#include "thread/pool.h"
#include "algo/sort.h"

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
  struct {                 /* sort (see tick_parallel_sort) */
    tick_compare_cb cmp;
    char *src, *dst;       /* the phase's input and output buffers */
    size_t nruns, run_len; /* sorted runs at the start, all of run_len but the last */
    size_t group;          /* merge phase: runs per input run (1, 2, 4, ...) */
    size_t pieces;         /* merge phase: pieces per pair of runs */
    size_t *bounds;        /* merge phase: (pieces + 1) co-ranks per pair */
  } sort;
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

/* Runs the `nchunks` chunks of `chunk_len` (the last one shorter) of [0, count), on the
 * caller and up to one helper per pool thread. */
static int par_exec(par_t *p, tick_pool_t *pool) {
  tick__job_t jobs[PAR_MAX_HELPERS];
  unsigned helpers = 0, threads = tick_pool_threads(pool), i;
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

/* Cuts [0, count) into chunks (see the top of the file) and runs them. */
static int par_run(par_t *p, tick_pool_t *pool) {
  size_t per_participant;
  if (pool == NULL || p->count < 2 * PAR_GRAIN) {
    p->chunk_len = p->count ? p->count : 1;
  } else {
    per_participant = p->count / ((size_t)tick_pool_threads(pool) + 1) / 4;
    p->chunk_len = per_participant > PAR_GRAIN ? per_participant : PAR_GRAIN;
  }
  p->nchunks = (p->count + p->chunk_len - 1) / p->chunk_len;
  return par_exec(p, pool);
}

/* Fills the part of a run's description that every algorithm has: what runs each chunk,
 * the element count, the input and output arrays with their element sizes (for_each
 * writes into `out` only, reduce reads `in` only) and the callbacks' context. */
static void par_init(par_t *p, int (*run_chunk)(par_t *, size_t, size_t, size_t),
                     size_t count, const void *in, size_t in_size, void *out,
                     size_t out_size, void *ctx) {
  memset(p, 0, sizeof(*p));
  p->run_chunk = run_chunk;
  p->count = count;
  p->in = in;
  p->in_size = in_size;
  p->out = out;
  p->out_size = out_size;
  p->ctx = ctx;
}

/* ------------------------------------------------------------ argument checks ---- */

int tick__parallel_check_each(const void *base, size_t count, size_t elem_size,
                              tick_each_cb cb) {
  size_t bytes;
  if (cb == NULL || (count != 0 && (base == NULL || elem_size == 0))) return TICK_EINVAL;
  return tick__mul_size(count, elem_size, &bytes);
}

int tick__parallel_check_map(const void *base, size_t count, size_t elem_size,
                             const void *out, size_t out_elem_size, tick_map_cb cb) {
  size_t in_bytes, out_bytes;
  if (cb == NULL) return TICK_EINVAL;
  if (count == 0) return 0;
  if (base == NULL || out == NULL || elem_size == 0 || out_elem_size == 0) return TICK_EINVAL;
  if (tick__mul_size(count, elem_size, &in_bytes) != 0 ||
      tick__mul_size(count, out_elem_size, &out_bytes) != 0)
    return TICK_EOVERFLOW;
  if (out != base || elem_size != out_elem_size) {
    uintptr_t a = (uintptr_t)base, b = (uintptr_t)out;
    if (a < b + out_bytes && b < a + in_bytes) return TICK_EINVAL; /* partial overlap */
  }
  return 0;
}

int tick__parallel_check_reduce(const void *base, size_t count, size_t elem_size,
                                const void *acc, tick_reduce_cb cb) {
  size_t bytes;
  if (cb == NULL || acc == NULL || elem_size == 0) return TICK_EINVAL;
  if (count == 0) return 0;
  if (base == NULL) return TICK_EINVAL;
  if (tick__mul_size(count, elem_size, &bytes) != 0) return TICK_EOVERFLOW;
  if (elem_size > SIZE_MAX - 63) return TICK_EOVERFLOW; /* the accumulators' stride */
  return 0;
}

int tick__parallel_check_sort(const void *base, size_t count, size_t elem_size,
                              tick_compare_cb cmp) {
  size_t bytes;
  if (cmp == NULL || elem_size == 0 || (base == NULL && count > 0)) return TICK_EINVAL;
  return tick__mul_size(count, elem_size, &bytes);
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
  int r = tick__parallel_check_each(base, count, elem_size, cb);
  if (r != 0) return r;
  par_init(&p, each_chunk, count, NULL, 0, base, elem_size, ctx);
  p.cb.each = cb;
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
  int r = tick__parallel_check_map(base, count, elem_size, out, out_elem_size, cb);
  if (r != 0 || count == 0) return r;
  par_init(&p, map_chunk, count, base, elem_size, out, out_elem_size, ctx);
  p.cb.map = cb;
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
  size_t c;
  int r = tick__parallel_check_reduce(base, count, elem_size, acc, cb);
  if (r != 0 || count == 0) return r;
  par_init(&p, reduce_chunk, count, base, elem_size, NULL, 0, ctx);
  p.cb.reduce = cb;
  /* At most count / PAR_GRAIN + 1 chunks (par_run's rule); sized before it runs. Each
   * accumulator starts on its own cache line: two threads folding into neighbouring
   * accumulators would otherwise fight over the line at every element (measured: the
   * parallel sum was slower than the serial one). The argument check made sure that
   * rounding the size up cannot overflow. */
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

/* -------------------------------------------------------------------- sort ---- */

/* tick_parallel_sort: the array is cut into a power-of-two number of runs (about two per
 * participant, each of at least PAR_GRAIN elements), the runs are sorted in parallel with
 * tick_sort's own machinery (sort.h), then pairs of runs are merged in rounds, ping-
 * ponging between the array and one scratch buffer of the array's size, until one run is
 * left in the array. A round is not one task per pair (the last round would be a single
 * merge on one core): each pair's output is cut into equal pieces, and the piece that
 * ends at output position k starts, in each input run, where the co-rank of k says (the
 * "merge path": a binary search for how many of the first k outputs come from the left
 * run, ties going left for stability). Every participant then claims pieces like chunks.
 * The runs start in the buffer that makes the last round land in the array. */

#define PAR_SORT_MIN (4 * PAR_GRAIN) /* below: tick_sort on the caller */
/* Room for the co-ranks of one merge round, on the caller's stack (16 KiB). There are at
 * most 256 runs (128 pairs), so one piece per pair always fits. */
#define PAR_SORT_MAX_BOUNDS 2048

static size_t sort_bound(const par_t *p, size_t run) {
  size_t b = run * p->sort.run_len;
  return b < p->count ? b : p->count;
}

static int sort_run_chunk(par_t *p, size_t run, size_t begin, size_t end) {
  size_t lo = sort_bound(p, run), hi = sort_bound(p, run + 1), size = p->in_size;
  (void)begin;
  (void)end;
  /* src is the array; the run ends up in dst (the array itself, or the scratch). */
  if (hi > lo)
    tick__sort_into(p->sort.src + lo * size, (char *)p->out + lo * size, hi - lo,
                    p->sort.dst != p->sort.src, size, p->sort.cmp, p->ctx);
  return 0;
}

/* The output position where piece `piece` of a pair of `len` elements begins (pieces of
 * nearly equal length), computed without overflow. */
static size_t sort_piece_start(const par_t *p, size_t len, size_t piece) {
  size_t n = p->sort.pieces;
  return len / n * piece + len % n * piece / n;
}

/* How many of the first k elements of the stable merge of a[0..na) and b[0..nb) come from
 * a: the smallest i such that a[i] would not be taken before b[k - 1 - i]. */
static size_t sort_corank(const par_t *p, const char *a, size_t na, const char *b, size_t nb,
                          size_t k) {
  size_t lo = k > nb ? k - nb : 0, hi = k < na ? k : na, size = p->in_size;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    /* a[mid] goes before b[k - 1 - mid] iff it is not greater (ties go to a). */
    if (p->sort.cmp(p->ctx, a + mid * size, b + (k - 1 - mid) * size) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Computes, on the caller, where every piece of this round starts in the left run of its
 * pair (the right run's start follows: k - i), into p->sort.bounds. With a consistent
 * comparator the co-ranks grow with k by at most the growth of k; they are clamped so
 * that they do whatever the comparator says, so that the pieces always tile both runs and
 * an inconsistent comparator still yields a permutation of the input, as tick_sort's. */
static void sort_plan_round(par_t *p) {
  size_t pairs = p->sort.nruns / (2 * p->sort.group), pair, q, size = p->in_size;
  for (pair = 0; pair < pairs; pair++) {
    size_t first = pair * 2 * p->sort.group;
    size_t lo = sort_bound(p, first), mid = sort_bound(p, first + p->sort.group);
    size_t hi = sort_bound(p, first + 2 * p->sort.group);
    size_t *b = p->sort.bounds + pair * (p->sort.pieces + 1), prev_k = 0;
    const char *a = p->sort.src + lo * size, *bb = p->sort.src + mid * size;
    b[0] = 0;
    for (q = 1; q <= p->sort.pieces; q++) {
      size_t k = sort_piece_start(p, hi - lo, q);
      size_t i = q == p->sort.pieces ? mid - lo : sort_corank(p, a, mid - lo, bb, hi - mid, k);
      if (i < b[q - 1]) i = b[q - 1];
      if (i > b[q - 1] + (k - prev_k)) i = b[q - 1] + (k - prev_k);
      b[q] = i;
      prev_k = k;
    }
  }
}

static int sort_merge_chunk(par_t *p, size_t task, size_t begin, size_t end) {
  size_t pair = task / p->sort.pieces, piece = task % p->sort.pieces, size = p->in_size;
  size_t first = pair * 2 * p->sort.group;
  size_t lo = sort_bound(p, first), mid = sort_bound(p, first + p->sort.group);
  size_t hi = sort_bound(p, first + 2 * p->sort.group);
  const size_t *bounds = p->sort.bounds + pair * (p->sort.pieces + 1);
  size_t k0 = sort_piece_start(p, hi - lo, piece), k1 = sort_piece_start(p, hi - lo, piece + 1);
  size_t i0 = bounds[piece], i1 = bounds[piece + 1];
  const char *a = p->sort.src + lo * size, *b = p->sort.src + mid * size;
  (void)begin;
  (void)end;
  if (k1 > k0)
    tick__sort_merge_into(p->sort.dst + (lo + k0) * size, a + i0 * size, i1 - i0,
                          b + (k0 - i0) * size, (k1 - i1) - (k0 - i0), size, p->sort.cmp,
                          p->ctx);
  return 0;
}

int tick_parallel_sort(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                       tick_compare_cb cmp, void *ctx) {
  par_t p;
  size_t bytes, participants, rounds = 0, max_pair, piece_len, pairs;
  size_t bounds[PAR_SORT_MAX_BOUNDS];
  char *tmp;
  int r = tick__parallel_check_sort(base, count, elem_size, cmp);
  if (r != 0) return r;
  bytes = count * elem_size;
  if (pool == NULL || count < PAR_SORT_MIN) return tick_sort(base, count, elem_size, cmp, ctx);
  if (tick__sort_presorted(base, count, elem_size, cmp, ctx)) return 0;
  tmp = tick__malloc(bytes);
  if (tmp == NULL) return TICK_ENOMEM;

  /* `out` is the scratch partner when the runs are sorted in place; count is for
   * sort_bound. */
  par_init(&p, sort_run_chunk, count, NULL, elem_size, tmp, 0, ctx);
  p.sort.cmp = cmp;
  participants = (size_t)(tick_pool_threads(pool) < PAR_MAX_HELPERS ? tick_pool_threads(pool)
                                                                     : PAR_MAX_HELPERS) + 1;
  p.sort.nruns = 1;
  while (p.sort.nruns < 2 * participants && count / (p.sort.nruns * 2) >= PAR_GRAIN) {
    p.sort.nruns *= 2;
    rounds++;
  }
  p.sort.run_len = (count + p.sort.nruns - 1) / p.sort.nruns;

  /* Sort the runs into the buffer from which `rounds` merge rounds end in the array. */
  p.sort.src = base;
  p.sort.dst = rounds % 2 == 0 ? (char *)base : tmp;
  p.chunk_len = 1;
  p.nchunks = p.sort.nruns;
  r = par_exec(&p, pool);

  /* Merge rounds: the co-ranks are planned on the caller, the pieces merged by all. */
  piece_len = count / (participants * 4);
  if (piece_len < PAR_GRAIN) piece_len = PAR_GRAIN;
  p.run_chunk = sort_merge_chunk;
  for (p.sort.group = 1; r == 0 && p.sort.group < p.sort.nruns; p.sort.group *= 2) {
    char *src = p.sort.dst;
    p.sort.src = src;
    p.sort.dst = src == (char *)base ? tmp : (char *)base;
    max_pair = 2 * p.sort.group * p.sort.run_len;
    p.sort.pieces = (max_pair + piece_len - 1) / piece_len;
    pairs = p.sort.nruns / (2 * p.sort.group);
    while (p.sort.pieces > 1 && pairs * (p.sort.pieces + 1) > PAR_SORT_MAX_BOUNDS)
      p.sort.pieces /= 2;
    p.sort.bounds = bounds;
    sort_plan_round(&p);
    p.nchunks = pairs * p.sort.pieces;
    r = par_exec(&p, pool);
  }
  tick__free(tmp);
  return r;
}
