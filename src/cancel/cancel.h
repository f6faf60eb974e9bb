/* cancel.h - what the layers above need from src/cancel beyond the public API. Not API. */
#ifndef TICK_CANCEL_INTERNAL_H
#define TICK_CANCEL_INTERNAL_H

#include "core/loop.h"

/* The cancel layer's per-loop module slot (see core/internal.h): scope records, the
 * records of timers and immediates under scopes, and the promise helpers' records. */
enum { TICK__MODULE_CANCEL = 10 };
_Static_assert(TICK__MODULE_CANCEL < TICK__MODULE_MAX, "the cancel module slot fits the loop");

/* Asks the operation behind the promise `p` to stop with `code` (tick_promise_cancel,
 * ignoring its refusals: a promise with no operation behind it, or already settled, is
 * left alone). */
void tick__cancel_source(tick_promise_t *p, int code);

#endif
