/* sort.h - the pieces of tick_sort (algo.c) that the parallel sort (parallel.c) reuses.
 * Not API. All of them take the comparator of tick_sort and never allocate. */
#ifndef TICK_SORT_PRIVATE_H
#define TICK_SORT_PRIVATE_H

#include "core/internal.h"

/* tick_sort's first scan: returns 1 if the array was already sorted (untouched) or
 * strictly descending (then reversed in place, which is stable since no two elements are
 * equal), else 0 after a few comparisons on random input. */
int tick__sort_presorted(void *base, size_t count, size_t elem_size, tick_compare_cb cmp,
                         void *ctx);

/* Stable-sorts `count` >= 1 elements of `base` with `tmp` (room for `count` elements,
 * not overlapping) as ping-pong partner, leaving the result in `tmp` if `into_tmp`, else
 * in `base`; the other buffer's contents are then garbage. */
void tick__sort_into(void *base, void *tmp, size_t count, int into_tmp, size_t elem_size,
                     tick_compare_cb cmp, void *ctx);

/* Merges the sorted runs a[0..a_count) and b[0..b_count) (either may be empty) into
 * `dst`, which overlaps neither, taking from `a` on ties (stability). */
void tick__sort_merge_into(void *dst, const void *a, size_t a_count, const void *b,
                           size_t b_count, size_t elem_size, tick_compare_cb cmp, void *ctx);

#endif
