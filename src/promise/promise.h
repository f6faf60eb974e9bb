/* promise.h - what the layers above need from promise.c beyond the public API. Not API. */
#ifndef TICK_PROMISE_INTERNAL_H
#define TICK_PROMISE_INTERNAL_H

#include "tick.h"

/* Called in the microtask that runs an await's reaction, with the settled promise: a
 * counted reference that the callee now owns. */
typedef void (*tick__await_settled_cb)(tick_promise_t *settled, void *arg);
/* Called when an await's promise is freed while still pending: it can never settle. Runs
 * inside the call that freed it, so it must only record the fact (no promise calls). */
typedef void (*tick__await_dropped_cb)(void *arg);

/* PerformPromiseThen(p, resume) with no derived promise: one pooled record, queued like
 * any reaction (one turn after `p` settles; `p` is marked handled). Exactly one of the two
 * callbacks is called later, unless the await is detached first. *token names the
 * registration for tick__promise_await_detach until then. The caller has checked `p` and
 * the thread. Returns 0, TICK_ESTALE (a released promise) or TICK_ENOMEM. */
int tick__promise_await(tick_promise_t *p, tick__await_settled_cb settled,
                        tick__await_dropped_cb dropped, void *arg, void **token);

/* Stops the callbacks of a registration that has not called back yet: when its turn
 * comes (or its promise is freed) nothing is called. */
void tick__promise_await_detach(void *token);

#endif
