/* parallel.h - the argument checks of the parallel algorithms (parallel.c), shared with
 * the forms that complete on a loop (work.c), so that both refuse the same input with the
 * same code. Not API. Each returns 0 or TICK_EINVAL / TICK_EOVERFLOW, with the rules of
 * the blocking functions in tick/thread.h (an empty array is valid where they say so). */
#ifndef TICK_PARALLEL_PRIVATE_H
#define TICK_PARALLEL_PRIVATE_H

#include "core/internal.h"

int tick__parallel_check_each(const void *base, size_t count, size_t elem_size,
                              tick_each_cb cb);
int tick__parallel_check_map(const void *base, size_t count, size_t elem_size,
                             const void *out, size_t out_elem_size, tick_map_cb cb);
int tick__parallel_check_reduce(const void *base, size_t count, size_t elem_size,
                                const void *acc, tick_reduce_cb cb);
int tick__parallel_check_sort(const void *base, size_t count, size_t elem_size,
                              tick_compare_cb cmp);

#endif
