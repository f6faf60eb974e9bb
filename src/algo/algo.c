/* algo.c - synchronous callback algorithms over arrays (include/tick/algo.h).
 *
 * Every function here validates all of its arguments before it calls anything, then walks
 * the array in index order (reverse order for the *_right and *_last variants) and stops
 * at the first negative callback result, which it returns unchanged.
 *
 * The sort is the only part with real engineering in it; it is described above
 * tick_sort() below and in docs/design/algo.md.
 */
#include "algo/sort.h"

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define TICK__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TICK__ALWAYS_INLINE inline
#endif

/* ------------------------------------------------------------ validation ---- */

/* The checks every algorithm shares: `args_ok` is the caller's own checks (callback and
 * outputs present), a non-empty array needs a base, elements need a size, and the array's
 * byte length must be representable. Every TICK_EINVAL condition is tested before
 * TICK_EOVERFLOW, so a call with several faults gets the same answer everywhere. */
static int tick__check_array(const void *base, size_t count, size_t elem_size, int args_ok) {
  size_t total;
  if (!args_ok || elem_size == 0 || (base == NULL && count > 0)) return TICK_EINVAL;
  return tick__mul_size(count, elem_size, &total);
}

/* 1 if the byte ranges [a, a + a_len) and [b, b + b_len) share a byte. The comparison goes
 * through uintptr_t because relational operators on pointers into different objects are
 * undefined in C. */
static int tick__overlaps(const void *a, size_t a_len, const void *b, size_t b_len) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  if (a_len == 0 || b_len == 0) return 0;
  return x < y + b_len && y < x + a_len;
}

/* --------------------------------------------------------- the visitors ---- */

int tick_for_each(void *base, size_t count, size_t elem_size, tick_each_cb cb, void *ctx) {
  char *p = base;
  size_t i;
  int r = tick__check_array(base, count, elem_size, cb != NULL);
  if (r != 0) return r;
  for (i = 0; i < count; i++, p += elem_size) {
    r = cb(ctx, p, i);
    if (TICK__UNLIKELY(r < 0)) return r;
  }
  return 0;
}

int tick_map(const void *base, size_t count, size_t elem_size, void *out,
             size_t out_elem_size, tick_map_cb cb, void *ctx) {
  const char *in = base;
  char *o = out;
  size_t i, in_len, out_len;
  int r = tick__check_array(base, count, elem_size,
                            cb != NULL && out_elem_size != 0 && (out != NULL || count == 0));
  if (r != 0) return r;
  if (tick__mul_size(count, out_elem_size, &out_len) != 0) return TICK_EOVERFLOW;
  in_len = count * elem_size;
  /* Mapping in place is fine element by element; any other overlap would let a callback
   * read an input that an earlier call already overwrote. */
  if (!(out == base && out_elem_size == elem_size) &&
      tick__overlaps(base, in_len, out, out_len))
    return TICK_EINVAL;
  for (i = 0; i < count; i++, in += elem_size, o += out_elem_size) {
    r = cb(ctx, in, o, i);
    if (TICK__UNLIKELY(r < 0)) return r;
  }
  return 0;
}

int tick_filter(const void *base, size_t count, size_t elem_size, void *out, size_t *kept,
                tick_predicate_cb cb, void *ctx) {
  const char *in = base;
  char *o = out;
  size_t i, n = 0;
  int r = tick__check_array(base, count, elem_size,
                            cb != NULL && kept != NULL && (out != NULL || count == 0));
  if (r != 0) return r;
  /* Compacting in place (out == base) is safe because the write position never passes
   * the read position; a shifted overlap is not. */
  if (out != base && tick__overlaps(base, count * elem_size, out, count * elem_size))
    return TICK_EINVAL;
  *kept = 0;
  for (i = 0; i < count; i++, in += elem_size) {
    r = cb(ctx, in, i);
    if (TICK__UNLIKELY(r < 0)) return r;
    if (r > 0) {
      if (o != in) memcpy(o, in, elem_size);
      o += elem_size;
      *kept = ++n;
    }
  }
  return 0;
}

int tick_reduce(const void *base, size_t count, size_t elem_size, void *acc,
                tick_reduce_cb cb, void *ctx) {
  const char *p = base;
  size_t i;
  int r = tick__check_array(base, count, elem_size, cb != NULL && acc != NULL);
  if (r != 0) return r;
  for (i = 0; i < count; i++, p += elem_size) {
    r = cb(ctx, acc, p, i);
    if (TICK__UNLIKELY(r < 0)) return r;
  }
  return 0;
}

int tick_reduce_right(const void *base, size_t count, size_t elem_size, void *acc,
                      tick_reduce_cb cb, void *ctx) {
  size_t i;
  int r = tick__check_array(base, count, elem_size, cb != NULL && acc != NULL);
  if (r != 0) return r;
  for (i = count; i-- > 0;) {
    r = cb(ctx, acc, (const char *)base + i * elem_size, i);
    if (TICK__UNLIKELY(r < 0)) return r;
  }
  return 0;
}

/* The search behind find, find_index, some and every: the index of the first element
 * (scanning forwards or backwards) whose predicate result, tested against `want_true`,
 * is decisive. Returns 1 with *at set, 0 if no element is decisive, or the callback's
 * error. The arguments have already been checked. */
static int tick__search(const void *base, size_t count, size_t elem_size,
                        tick_predicate_cb cb, void *ctx, int backwards, int want_true,
                        size_t *at) {
  size_t k, i;
  for (k = 0; k < count; k++) {
    int r;
    i = backwards ? count - 1 - k : k;
    r = cb(ctx, (const char *)base + i * elem_size, i);
    if (TICK__UNLIKELY(r < 0)) return r;
    if ((r > 0) == want_true) {
      *at = i;
      return 1;
    }
  }
  return 0;
}

/* find and find_last: writes *found on every outcome except an argument error. */
static int tick__find_elem(const void *base, size_t count, size_t elem_size,
                           tick_predicate_cb cb, void *ctx, int backwards,
                           const void **found) {
  size_t at = 0;
  int r = tick__check_array(base, count, elem_size, cb != NULL);
  if (r != 0) return r;
  r = tick__search(base, count, elem_size, cb, ctx, backwards, 1, &at);
  if (found != NULL) *found = r == 1 ? (const char *)base + at * elem_size : NULL;
  return r;
}

/* find_index and find_last_index: *index is SIZE_MAX when nothing was found. */
static int tick__find_at(const void *base, size_t count, size_t elem_size,
                         tick_predicate_cb cb, void *ctx, int backwards, size_t *index) {
  size_t at = 0;
  int r = tick__check_array(base, count, elem_size, cb != NULL);
  if (r != 0) return r;
  r = tick__search(base, count, elem_size, cb, ctx, backwards, 1, &at);
  if (index != NULL) *index = r == 1 ? at : SIZE_MAX;
  return r;
}

int tick_find(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
              void *ctx, const void **found) {
  return tick__find_elem(base, count, elem_size, cb, ctx, 0, found);
}

int tick_find_index(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
                    void *ctx, size_t *index) {
  return tick__find_at(base, count, elem_size, cb, ctx, 0, index);
}

int tick_find_last(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
                   void *ctx, const void **found) {
  return tick__find_elem(base, count, elem_size, cb, ctx, 1, found);
}

int tick_find_last_index(const void *base, size_t count, size_t elem_size,
                         tick_predicate_cb cb, void *ctx, size_t *index) {
  return tick__find_at(base, count, elem_size, cb, ctx, 1, index);
}

int tick_some(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
              void *ctx) {
  size_t at;
  int r = tick__check_array(base, count, elem_size, cb != NULL);
  if (r != 0) return r;
  return tick__search(base, count, elem_size, cb, ctx, 0, 1, &at);
}

int tick_every(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
               void *ctx) {
  size_t at;
  int r = tick__check_array(base, count, elem_size, cb != NULL);
  if (r != 0) return r;
  r = tick__search(base, count, elem_size, cb, ctx, 0, 0, &at);
  return r < 0 ? r : !r;
}

/* ---------------------------------------------------------- binary search ---- */

/* A lower bound search. The answer is the last midpoint at which the search went left
 * (the key is at or before it), so remembering that comparison's result tells "found"
 * without one more comparator call at the end. */
int tick_binary_search(const void *base, size_t count, size_t elem_size, const void *key,
                       tick_compare_cb cmp, void *ctx, size_t *index) {
  size_t lo = 0, len = count;
  int last_left = 1;
  int r = tick__check_array(base, count, elem_size, key != NULL && cmp != NULL);
  if (r != 0) return r;
  while (len > 0) {
    size_t half = len / 2, mid = lo + half;
    int c = cmp(ctx, key, (const char *)base + mid * elem_size);
    if (c > 0) {
      lo = mid + 1;
      len -= half + 1;
    } else {
      last_left = c;
      len = half;
    }
  }
  if (index != NULL) *index = lo;
  return last_left == 0;
}

/* -------------------------------------------------------------------- sort ---- */

/* tick_sort is a stable bottom-up merge sort with a scratch buffer of half the array
 * (docs/design/algo.md has the measurements behind each choice):
 *
 * 1. A first scan looks for an array that is already in order (nothing to do, nothing
 *    allocated) or strictly descending (reversed in place, which is stable because no
 *    two elements are equal). Random input leaves this scan after a couple of comparisons.
 * 2. Arrays of at most TICK__SORT_SMALL elements are insertion-sorted in place.
 * 3. Otherwise the right half is sorted in place with the scratch buffer as partner, the
 *    left half is sorted into the scratch buffer, and one final merge writes both back.
 * 4. A half is sorted by insertion-sorting blocks of TICK__SORT_RUN elements, then merging
 *    runs pairwise in passes of doubling width. Each pass reads one buffer and writes the
 *    other ("ping-pong"), so an element moves once per pass and never needs a copy back:
 *    the number of passes is known in advance, and the blocks are insertion-sorted into
 *    whichever buffer makes the last pass land where the result is wanted.
 * 5. The narrow passes run chunk by chunk on cache-sized chunks; only the wide passes
 *    sweep the whole array through memory.
 * 6. Before merging two runs, one comparison checks whether they are already in order
 *    (then both are copied with one memcpy) and one whether the right run comes entirely
 *    first. Presorted and reversed stretches thus cost O(1) comparisons per merge.
 * 7. The merge works from both ends at once, and selects with masks instead of branches.
 * 8. The loops are compiled once per common element size (4, 8, 16, 32 bytes), so that
 *    memcpy of a constant size becomes plain loads and stores, and once for any size.
 *
 * The comparator only sees pointers into the array or the scratch buffer: an element
 * being inserted stays where it is (or is parked in the scratch buffer) while it is
 * compared. Every pass copies each element exactly once, so even an inconsistent
 * comparator yields a permutation of the input, never a lost or duplicated element. */

enum {
  /* Arrays up to this size are insertion-sorted in place, with no allocation. */
  TICK__SORT_SMALL = 16,
  /* Length of the insertion-sorted blocks the merge passes start from. */
  TICK__SORT_RUN = 8,
  /* Bytes of array (plus as many of scratch) sorted as one cache-resident chunk. */
  TICK__SORT_CHUNK_BYTES = 65536
};

typedef struct tick__sorter_s {
  tick_compare_cb cmp;
  void *ctx;
} tick__sorter_t;

/* Swaps two elements byte by byte in chunks; used only where no scratch buffer exists. */
static void tick__swap(char *a, char *b, size_t size) {
  char tmp[64];
  while (size > 0) {
    size_t n = size < sizeof(tmp) ? size : sizeof(tmp);
    memcpy(tmp, a, n);
    memcpy(a, b, n);
    memcpy(b, tmp, n);
    a += n;
    b += n;
    size -= n;
  }
}

/* Insertion sort in place by adjacent swaps, for small arrays without scratch: the
 * element being inserted is always inside the array when it is compared. */
static void tick__sort_small(char *base, size_t count, size_t size, const tick__sorter_t *s) {
  size_t i;
  for (i = 1; i < count; i++) {
    char *p = base + i * size;
    while (p > base && s->cmp(s->ctx, p - size, p) > 0) {
      tick__swap(p - size, p, size);
      p -= size;
    }
  }
}

/* Reverses the array in place (for strictly descending input). */
static void tick__sort_reverse(char *base, size_t count, size_t size) {
  char *lo = base, *hi = base + (count - 1) * size;
  while (lo < hi) {
    tick__swap(lo, hi, size);
    lo += size;
    hi -= size;
  }
}

/* `cond` (0 or 1) ? if_true : if_false, computed with a mask. A plain conditional
 * expression is what the merge means, but clang recognises it (even written as a mask)
 * and, for some element sizes, turns it into a branch, which random data mispredicts half
 * the time; that made 32-byte sorts twice as slow. The empty asm statement hides the
 * mask's origin from the optimiser and generates no instruction. */
static TICK__ALWAYS_INLINE const char *tick__select(size_t cond, const char *if_true,
                                                    const char *if_false) {
  uintptr_t mask = (uintptr_t)0 - (uintptr_t)cond;
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(mask));
#endif
  return (const char *)(((uintptr_t)if_true & mask) | ((uintptr_t)if_false & ~mask));
}

/* Insertion-sorts `count` elements of `src` into `dst`. When dst == src it sorts in place
 * and parks the element being inserted in `park` (a slot of the other buffer) once it
 * has to move; when they differ, the element waits in `src`, which is not written. */
static TICK__ALWAYS_INLINE void tick__sort_insert(char *dst, const char *src, char *park,
                                                  size_t count, size_t size,
                                                  const tick__sorter_t *s) {
  size_t i;
  if (dst != src) memcpy(dst, src, size);
  for (i = 1; i < count; i++) {
    const char *x = src + i * size;
    char *p = dst + i * size;
    if (s->cmp(s->ctx, p - size, x) <= 0) {
      if (dst != src) memcpy(p, x, size);
      continue;
    }
    if (dst == src) {
      memcpy(park, x, size);
      x = park;
    }
    do {
      memcpy(p, p - size, size);
      p -= size;
    } while (p > dst && s->cmp(s->ctx, p - size, x) > 0);
    memcpy(p, x, size);
  }
}

/* Merges the sorted runs [a, a_end) and [b, b_end) into `dst`, taking from `a` on ties
 * (stability). Branch-free selection, see above. `dst` is either another buffer or, in
 * the final merge, the array below `b`, where writing never overtakes reading. */
static TICK__ALWAYS_INLINE void tick__sort_merge(char *dst, const char *a, const char *a_end,
                                                 const char *b, const char *b_end,
                                                 size_t size, const tick__sorter_t *s) {
  while (a < a_end && b < b_end) {
    size_t take_b = (size_t)(s->cmp(s->ctx, a, b) > 0);
    size_t step_b = take_b * size;
    const char *from = tick__select(take_b, b, a);
    memcpy(dst, from, size);
    dst += size;
    b += step_b;
    a += size - step_b;
  }
  memcpy(dst, a, (size_t)(a_end - a));
  dst += a_end - a;
  /* In the final merge `b` is the array's right half, and once `a` is exhausted the rest
   * of `b` is already in place (dst == b); memcpy must not be asked to copy onto itself. */
  if (dst != b) memcpy(dst, b, (size_t)(b_end - b));
}

/* Merges [a, a_end) and [b, b_end) into `dst` from both ends at once: each step takes
 * the smallest remaining element to the front and the largest to the back. The two chains
 * of comparator calls are independent, so the processor overlaps them. Returns 0, or -1
 * when an inconsistent comparator made the two ends cross (dst is then garbage and the
 * caller merges again with tick__sort_merge; the source is untouched). Both ends run
 * min(|a|, |b|) steps, so no cursor can leave its run whatever the comparator says. */
static TICK__ALWAYS_INLINE int tick__sort_merge2(char *dst, const char *a, const char *a_end,
                                                 const char *b, const char *b_end,
                                                 size_t size, const tick__sorter_t *s) {
  size_t a_len = (size_t)(a_end - a), b_len = (size_t)(b_end - b);
  size_t steps = (a_len < b_len ? a_len : b_len) / size, i;
  /* The back cursors point one past the last element still to take. */
  char *d_top = dst + a_len + b_len;
  const char *a_top = a_end, *b_top = b_end;
  for (i = 0; i < steps; i++) {
    size_t take_b = (size_t)(s->cmp(s->ctx, a, b) > 0);
    size_t take_a_top = (size_t)(s->cmp(s->ctx, a_top - size, b_top - size) > 0);
    size_t step_b = take_b * size, step_a_top = take_a_top * size;
    const char *from = tick__select(take_b, b, a);
    const char *from_top = tick__select(take_a_top, a_top, b_top) - size;
    memcpy(dst, from, size);
    d_top -= size;
    memcpy(d_top, from_top, size);
    dst += size;
    b += step_b;
    a += size - step_b;
    a_top -= step_a_top;
    b_top -= size - step_a_top;
  }
  if (a > a_top || b > b_top) return -1;
  tick__sort_merge(dst, a, a_top, b, b_top, size, s);
  return 0;
}

/* One merge pass of runs of `width` elements from `src` into `dst`. */
static TICK__ALWAYS_INLINE void tick__sort_pass(char *dst, const char *src, size_t count,
                                                size_t width, size_t size,
                                                const tick__sorter_t *s) {
  size_t i;
  for (i = 0; i < count; i += 2 * width) {
    size_t left = count - i, a_len, b_len;
    const char *a = src + i * size, *b;
    char *d = dst + i * size;
    if (left <= width) {
      memcpy(d, a, left * size);
      break;
    }
    a_len = width;
    b_len = left - width < width ? left - width : width;
    b = a + a_len * size;
    if (s->cmp(s->ctx, b - size, b) <= 0) {
      memcpy(d, a, (a_len + b_len) * size);
    } else if (s->cmp(s->ctx, a, b + (b_len - 1) * size) > 0) {
      memcpy(d, b, b_len * size);
      memcpy(d + b_len * size, a, a_len * size);
    } else if (tick__sort_merge2(d, a, b, b, b + b_len * size, size, s) != 0) {
      tick__sort_merge(d, a, b, b, b + b_len * size, size, s);
    }
  }
}

/* Insertion-sorts every block of TICK__SORT_RUN elements of `src` into `dst` (see
 * tick__sort_insert; `park` is the other buffer, at the same offset as `dst`). */
static TICK__ALWAYS_INLINE void tick__sort_blocks(char *dst, const char *src, char *park,
                                                  size_t count, size_t size,
                                                  const tick__sorter_t *s) {
  size_t i;
  for (i = 0; i < count; i += TICK__SORT_RUN) {
    size_t n = count - i < TICK__SORT_RUN ? count - i : TICK__SORT_RUN;
    tick__sort_insert(dst + i * size, src + i * size, park + i * size, n, size, s);
  }
}

/* The three kernels of the sort, compiled once per specialised element size (the size
 * argument is then ignored in favour of the constant) and once for any size. Only these
 * loops are duplicated; the driver code above them exists once. */
typedef struct tick__sort_kernels_s {
  void (*blocks)(char *dst, const char *src, char *park, size_t count, size_t size,
                 const tick__sorter_t *s);
  void (*pass)(char *dst, const char *src, size_t count, size_t width, size_t size,
               const tick__sorter_t *s);
  void (*merge)(char *dst, const char *a, const char *a_end, const char *b,
                const char *b_end, size_t size, const tick__sorter_t *s);
  void (*merge_pair)(char *dst, const char *a, const char *a_end, const char *b,
                     const char *b_end, size_t size, const tick__sorter_t *s);
} tick__sort_kernels_t;

/* Merges two sorted runs that need not be adjacent into another buffer, with the checks
 * of tick__sort_pass (already in order, or the right run entirely first). Either run may
 * be empty. Used by the parallel sort (tick__sort_merge_into). */
static TICK__ALWAYS_INLINE void tick__sort_merge_pair(char *dst, const char *a,
                                                      const char *a_end, const char *b,
                                                      const char *b_end, size_t size,
                                                      const tick__sorter_t *s) {
  size_t a_bytes = (size_t)(a_end - a), b_bytes = (size_t)(b_end - b);
  if (a_bytes == 0 || b_bytes == 0 || s->cmp(s->ctx, a_end - size, b) <= 0) {
    if (a_bytes != 0) memcpy(dst, a, a_bytes);
    if (b_bytes != 0) memcpy(dst + a_bytes, b, b_bytes);
  } else if (s->cmp(s->ctx, a, b_end - size) > 0) {
    memcpy(dst, b, b_bytes);
    memcpy(dst + b_bytes, a, a_bytes);
  } else if (tick__sort_merge2(dst, a, a_end, b, b_end, size, s) != 0) {
    tick__sort_merge(dst, a, a_end, b, b_end, size, s);
  }
}

#define TICK__SORT_KERNELS(suffix, size_expr)                                              \
  static void tick__sort_blocks_##suffix(char *dst, const char *src, char *park,          \
                                         size_t count, size_t size,                       \
                                         const tick__sorter_t *s) {                       \
    (void)size;                                                                           \
    tick__sort_blocks(dst, src, park, count, (size_expr), s);                             \
  }                                                                                       \
  static void tick__sort_pass_##suffix(char *dst, const char *src, size_t count,          \
                                       size_t width, size_t size,                         \
                                       const tick__sorter_t *s) {                         \
    (void)size;                                                                           \
    tick__sort_pass(dst, src, count, width, (size_expr), s);                              \
  }                                                                                       \
  static void tick__sort_merge_##suffix(char *dst, const char *a, const char *a_end,      \
                                        const char *b, const char *b_end, size_t size,    \
                                        const tick__sorter_t *s) {                        \
    (void)size;                                                                           \
    tick__sort_merge(dst, a, a_end, b, b_end, (size_expr), s);                            \
  }                                                                                       \
  static void tick__sort_merge_pair_##suffix(char *dst, const char *a, const char *a_end, \
                                             const char *b, const char *b_end,            \
                                             size_t size, const tick__sorter_t *s) {      \
    (void)size;                                                                           \
    tick__sort_merge_pair(dst, a, a_end, b, b_end, (size_expr), s);                       \
  }                                                                                       \
  static const tick__sort_kernels_t tick__sort_kernels_##suffix = {                       \
      tick__sort_blocks_##suffix, tick__sort_pass_##suffix, tick__sort_merge_##suffix,    \
      tick__sort_merge_pair_##suffix}

TICK__SORT_KERNELS(4, 4);
TICK__SORT_KERNELS(8, 8);
TICK__SORT_KERNELS(16, 16);
TICK__SORT_KERNELS(32, 32);
TICK__SORT_KERNELS(any, size);

/* The number of passes that double `width` until it covers `count`. */
static size_t tick__sort_pass_count(size_t width, size_t count) {
  size_t passes = 0;
  for (; width < count; width *= 2) passes++;
  return passes;
}

/* Runs the merge passes over `count` elements whose runs of `width` are sorted in `src`,
 * ping-ponging with `dst`. */
static void tick__sort_passes(const tick__sort_kernels_t *k, char *src, char *dst,
                              size_t count, size_t width, size_t size,
                              const tick__sorter_t *s) {
  for (; width < count; width *= 2) {
    char *t;
    k->pass(dst, src, count, width, size, s);
    t = src;
    src = dst;
    dst = t;
  }
}

/* Sorts `count` > 1 elements of `base` with `tmp` (room for `count` elements) as the
 * other side of the ping-pong, leaving the result in `tmp` if `into_tmp`, else in `base`.
 * The number of passes is known in advance, so the insertion-sorted blocks start on
 * whichever side makes the last pass land on the wanted one: no copy at the end. */
static void tick__sort_chunk(const tick__sort_kernels_t *k, char *base, char *tmp,
                             size_t count, int into_tmp, size_t size,
                             const tick__sorter_t *s) {
  size_t passes = tick__sort_pass_count(TICK__SORT_RUN, count);
  int blocks_in_tmp = (passes % 2 == 0) == (into_tmp != 0);
  if (blocks_in_tmp) {
    k->blocks(tmp, base, base, count, size, s);
    tick__sort_passes(k, tmp, base, count, TICK__SORT_RUN, size, s);
  } else {
    k->blocks(base, base, tmp, count, size, s);
    tick__sort_passes(k, base, tmp, count, TICK__SORT_RUN, size, s);
  }
}

/* Like tick__sort_chunk for any count, and cache-aware: every pass over the whole array
 * streams it through memory, so the narrow passes are done chunk by chunk on chunks small
 * enough to stay in the processor's cache (array and scratch parts together), and only
 * the wide passes sweep the whole array. For 1M records of 32 bytes this turns 17 sweeps
 * into 9 and the sort 1.6 times faster. */
static void tick__sort_runs(const tick__sort_kernels_t *k, char *base, char *tmp,
                            size_t count, int into_tmp, size_t size,
                            const tick__sorter_t *s) {
  size_t chunk = TICK__SORT_RUN, passes, i;
  int chunks_in_tmp;
  while (chunk * 2 * size <= TICK__SORT_CHUNK_BYTES) chunk *= 2;
  if (count <= chunk) {
    tick__sort_chunk(k, base, tmp, count, into_tmp, size, s);
    return;
  }
  passes = tick__sort_pass_count(chunk, count);
  chunks_in_tmp = (passes % 2 == 0) == (into_tmp != 0);
  for (i = 0; i < count; i += chunk) {
    size_t n = count - i < chunk ? count - i : chunk;
    if (n > 1)
      tick__sort_chunk(k, base + i * size, tmp + i * size, n, chunks_in_tmp, size, s);
    else if (chunks_in_tmp)
      memcpy(tmp + i * size, base + i * size, size);
  }
  if (chunks_in_tmp)
    tick__sort_passes(k, tmp, base, count, chunk, size, s);
  else
    tick__sort_passes(k, base, tmp, count, chunk, size, s);
}

/* The whole sort of `count` > TICK__SORT_SMALL elements with a scratch buffer `tmp` of
 * (count + 1) / 2 elements: the right half is sorted in place (tmp as its ping-pong
 * partner), the left half is sorted into tmp, and the two are merged back into the
 * array. The final merge writes the array from its start while reading the right half
 * further on, and the write position can never pass the read position, so it needs no
 * more room. Half a buffer is the trade-off libstdc++ also makes: the final merge cannot
 * run from both ends, but the sort touches half the memory, which matters more than it
 * seems because first-touch page faults on a fresh buffer are expensive. */
static void tick__sort_all(const tick__sort_kernels_t *k, char *base, char *tmp,
                           size_t count, size_t size, const tick__sorter_t *s) {
  size_t half = count / 2;
  char *right = base + half * size, *right_end = base + count * size;
  tick__sort_runs(k, right, tmp, count - half, 0, size, s);
  tick__sort_runs(k, base, tmp, half, 1, size, s);
  if (s->cmp(s->ctx, tmp + (half - 1) * size, right) <= 0)
    memcpy(base, tmp, half * size);
  else
    k->merge(base, tmp, tmp + half * size, right, right_end, size, s);
}

static const tick__sort_kernels_t *tick__sort_kernels_for(size_t elem_size) {
  switch (elem_size) {
  case 4: return &tick__sort_kernels_4;
  case 8: return &tick__sort_kernels_8;
  case 16: return &tick__sort_kernels_16;
  case 32: return &tick__sort_kernels_32;
  default: return &tick__sort_kernels_any;
  }
}

int tick__sort_presorted(void *base, size_t count, size_t elem_size, tick_compare_cb cmp,
                         void *ctx) {
  char *a = base;
  size_t i;
  if (count < 2) return 1;
  if (cmp(ctx, a, a + elem_size) <= 0) {
    for (i = 2; i < count && cmp(ctx, a + (i - 1) * elem_size, a + i * elem_size) <= 0; i++)
      ;
    return i == count;
  }
  for (i = 2; i < count && cmp(ctx, a + (i - 1) * elem_size, a + i * elem_size) > 0; i++)
    ;
  if (i != count) return 0;
  tick__sort_reverse(a, count, elem_size);
  return 1;
}

void tick__sort_into(void *base, void *tmp, size_t count, int into_tmp, size_t elem_size,
                     tick_compare_cb cmp, void *ctx) {
  tick__sorter_t s;
  s.cmp = cmp;
  s.ctx = ctx;
  tick__sort_runs(tick__sort_kernels_for(elem_size), base, tmp, count, into_tmp, elem_size,
                  &s);
}

void tick__sort_merge_into(void *dst, const void *a, size_t a_count, const void *b,
                           size_t b_count, size_t elem_size, tick_compare_cb cmp,
                           void *ctx) {
  tick__sorter_t s;
  const char *ac = a, *bc = b;
  s.cmp = cmp;
  s.ctx = ctx;
  tick__sort_kernels_for(elem_size)
      ->merge_pair(dst, ac, ac + a_count * elem_size, bc, bc + b_count * elem_size,
                   elem_size, &s);
}

int tick_sort(void *base, size_t count, size_t elem_size, tick_compare_cb cmp, void *ctx) {
  tick__sorter_t s;
  const tick__sort_kernels_t *k;
  char *a = base, *tmp;
  int r = tick__check_array(base, count, elem_size, cmp != NULL);
  if (r != 0) return r;
  if (count < 2) return 0;
  s.cmp = cmp;
  s.ctx = ctx;

  /* Already sorted, or strictly descending (then reversed in place)? */
  if (tick__sort_presorted(a, count, elem_size, cmp, ctx)) return 0;

  if (count <= TICK__SORT_SMALL) {
    tick__sort_small(a, count, elem_size, &s);
    return 0;
  }
  tmp = tick__malloc((count + 1) / 2 * elem_size);
  if (tmp == NULL) return TICK_ENOMEM;
  k = tick__sort_kernels_for(elem_size);
  tick__sort_all(k, a, tmp, count, elem_size, &s);
  tick__free(tmp);
  return 0;
}
