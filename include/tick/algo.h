/* tick/algo.h - synchronous callback algorithms over arrays. Included by <tick.h>.
 *
 * These are synchronous callbacks, like Array.prototype.map/forEach/filter/reduce/find/
 * some/every/sort: every callback runs on the caller's thread, in index order, one element
 * at a time, before the function returns, so its side effects are visible to the caller's
 * very next statement.
 *
 * An array is (`base`, `count`, `elem_size`): `count` elements of `elem_size` bytes each.
 * Every callback receives the caller's `ctx` unchanged.
 *
 * Stopping early: a callback (other than a comparator) may return a negative value; the
 * algorithm then stops at once, calls nothing more, and returns that value unchanged. Use
 * a TICK_E* code or any negative value of your own.
 *
 * Bad input returns TICK_EINVAL without calling anything and without writing any output:
 * NULL `base` with count > 0, elem_size == 0, a NULL callback or a NULL required output.
 * TICK_EOVERFLOW when count * elem_size (or count * out_elem_size) does not fit in size_t;
 * the TICK_EINVAL checks come first. count == 0 with any `base` (even NULL) is a valid
 * empty array, and so is a NULL output array for it.
 *
 * Thread rules: any thread; the functions keep no state between calls.
 */
#ifndef TICK_ALGO_H
#define TICK_ALGO_H

#include <stddef.h>

/* Visits `elem` (writable, so for_each can update in place) at `index`.
 * Returns 0 to go on or a negative value to stop. */
typedef int (*tick_each_cb)(void *ctx, void *elem, size_t index);

/* Reads `in` at `index` and writes one output element into `out`.
 * Returns 0 to go on or a negative value to stop. */
typedef int (*tick_map_cb)(void *ctx, const void *in, void *out, size_t index);

/* Tests `elem`: > 0 true, 0 false, < 0 stop with that error. */
typedef int (*tick_predicate_cb)(void *ctx, const void *elem, size_t index);

/* Folds `elem` into the accumulator `acc` (a caller buffer, updated in place).
 * Returns 0 to go on or a negative value to stop. */
typedef int (*tick_reduce_cb)(void *ctx, void *acc, const void *elem, size_t index);

/* Orders two elements: < 0 if a sorts before b, 0 if equal, > 0 if after. A comparator
 * cannot stop the algorithm; it must be a consistent total preorder. */
typedef int (*tick_compare_cb)(void *ctx, const void *a, const void *b);

/* Calls `cb` on every element in index order. Returns 0, or the callback's error. */
int tick_for_each(void *base, size_t count, size_t elem_size, tick_each_cb cb, void *ctx);

/* Calls `cb(ctx, &in[i], &out[i], i)` for i = 0..count-1, where `out` is a caller array
 * of `count` elements of `out_elem_size` bytes. `out` may be `base` itself when the sizes
 * are equal (mapping in place); any other overlap with `base` is TICK_EINVAL. Returns 0
 * or the callback's error; after a stop at index i, out[0..i) hold the mapped values,
 * out[i] holds whatever the callback wrote before failing, and out[i+1..) are untouched. */
int tick_map(const void *base, size_t count, size_t elem_size, void *out,
             size_t out_elem_size, tick_map_cb cb, void *ctx);

/* Copies the elements for which `cb` is true, in order, into `out` (room for `count`
 * elements of `elem_size`) and stores how many were kept in `*kept` (required). `out` may
 * be `base` itself, which compacts the array in place (the predicate always sees the
 * element at its original index, not yet overwritten); any other overlap is TICK_EINVAL.
 * Returns 0 or the callback's error; after a stop, *kept and out[0..*kept) are the
 * elements kept before the failing one, and out[*kept..) is untouched (in place: the
 * array from *kept on is as it was). */
int tick_filter(const void *base, size_t count, size_t elem_size, void *out, size_t *kept,
                tick_predicate_cb cb, void *ctx);

/* Folds the array left to right into `acc` (required, even for an empty array), which
 * holds the initial value on entry and the result on return. Returns 0 or the callback's
 * error (acc then holds whatever the callbacks left in it, including the failing one). */
int tick_reduce(const void *base, size_t count, size_t elem_size, void *acc,
                tick_reduce_cb cb, void *ctx);
/* Like tick_reduce, right to left (indices count-1 down to 0). */
int tick_reduce_right(const void *base, size_t count, size_t elem_size, void *acc,
                      tick_reduce_cb cb, void *ctx);

/* Finds the first element for which `cb` is true, stopping there. Returns 1 and sets
 * `*found` (may be NULL) to it, 0 if none, or the callback's error; on 0 and on a
 * callback error *found is set to NULL. */
int tick_find(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
              void *ctx, const void **found);
/* Like tick_find, storing the index in `*index` (may be NULL); *index is SIZE_MAX (the
 * C spelling of JS's -1) when nothing was found or a callback stopped the search. */
int tick_find_index(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
                    void *ctx, size_t *index);
/* Like tick_find/tick_find_index, scanning from the last element down (findLast). */
int tick_find_last(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
                   void *ctx, const void **found);
int tick_find_last_index(const void *base, size_t count, size_t elem_size,
                         tick_predicate_cb cb, void *ctx, size_t *index);

/* 1 as soon as `cb` is true for an element, 0 if it is true for none (0 for an empty
 * array), or the callback's error. */
int tick_some(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
              void *ctx);
/* 0 as soon as `cb` is false for an element, 1 if true for all (1 for an empty array),
 * or the callback's error. */
int tick_every(const void *base, size_t count, size_t elem_size, tick_predicate_cb cb,
               void *ctx);

/* Stable sort in place: equal elements keep their order. O(n log n) comparisons in the
 * worst case (about n log2 n on random data), O(n) on input that is already sorted or
 * strictly descending. The comparator is only ever called with pointers to elements of
 * the array or of tick's scratch copy of part of it, never with a temporary. Makes at
 * most one scratch allocation, of (count + 1) / 2 elements, through the allocator hook;
 * none for count <= 16 or for sorted or strictly descending input. Returns 0,
 * TICK_ENOMEM (the array is then unchanged), TICK_EINVAL or TICK_EOVERFLOW. A comparator
 * that is not a consistent order leaves the elements in an unspecified order, but every
 * element is still there exactly once. The algorithm and its trade-offs: docs/design/algo.md. */
int tick_sort(void *base, size_t count, size_t elem_size, tick_compare_cb cmp, void *ctx);

/* Binary search in an array sorted by `cmp`: cmp(ctx, key, elem) compares the key with an
 * element. Returns 1 and sets `*index` (may be NULL) to the first element equal to the
 * key, or 0 and sets `*index` to the position where the key would be inserted to keep the
 * order (0 for an empty array). At most floor(log2 count) + 1 comparator calls.
 * TICK_EINVAL for NULL key or cmp. */
int tick_binary_search(const void *base, size_t count, size_t elem_size, const void *key,
                       tick_compare_cb cmp, void *ctx, size_t *index);

#endif
