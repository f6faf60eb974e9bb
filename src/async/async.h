/* async.h - what tests and benchmarks may reach in the async layer beyond the API. Not API. */
#ifndef TICK_ASYNC_INTERNAL_H
#define TICK_ASYNC_INTERNAL_H

#include "core/internal.h"

/* Makes the next `count` stack mappings of `loop` fail as mmap would when out of memory or
 * mappings (the allocation-failure tests' hook for a call that is not an allocation).
 * Returns 0 or an error of module creation. */
int tick__async_fail_stack_maps(tick_loop_t *loop, unsigned count);

#endif
