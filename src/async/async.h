/* async.h - what tests and benchmarks may reach in the async layer beyond the API. Not API. */
#ifndef TICK_ASYNC_INTERNAL_H
#define TICK_ASYNC_INTERNAL_H

#include "core/internal.h"

/* The async layer's per-loop module slot (see core/internal.h; io uses 3-8). */
enum { TICK__MODULE_ASYNC = 9 };
_Static_assert(TICK__MODULE_ASYNC < TICK__MODULE_MAX, "the async module slot fits the loop");

/* Makes the next `count` stack mappings of `loop` fail as mmap would when out of memory or
 * mappings (the allocation-failure tests' hook for a call that is not an allocation).
 * Returns 0 or an error of module creation. */
int tick__async_fail_stack_maps(tick_loop_t *loop, unsigned count);

#endif
