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

/* How the operation that owns a pending promise's resolver stops itself (an I/O request,
 * a pool job...). Called on the loop thread, at most once per promise, from inside
 * tick_promise_cancel while the promise is still pending, with the `op` given below and
 * the caller's (negative) code. The operation then settles the promise exactly once:
 * rejected with `code` (now, from inside the call, or later) if it stopped in time, else
 * with its real outcome. It may release its resolver from inside the call. */
typedef void (*tick__abort_fn)(tick_loop_t *loop, void *op, int code);

/* Registers (or with fn NULL removes) the abort hook of pending promise `p`: the one
 * tick_promise_cancel calls. It goes by itself when the promise settles, so an operation
 * that settles its promise never needs to remove it; one that passes a point where it
 * can no longer stop may remove it (then cancel returns TICK_ENOTSUP). Only a promise
 * made by tick_promise_create_deferred / tick_promise_create can carry one. Loop thread.
 * Returns 0, TICK_EALREADY (settled), TICK_EINVAL (NULL, or a then/catch/finally or
 * combinator promise), TICK_ESTALE or TICK_EWRONGTHREAD. Registering on a promise whose
 * cancellation was already asked keeps it asked (returns 0, the hook is not called). */
int tick__promise_set_abort(tick_promise_t *p, tick__abort_fn fn, void *op);

/* An await of a promise that has already settled, whose continuation the caller queues
 * itself (one microtask, the turn tick__promise_await's reaction would take). For a call
 * from the loop thread of `loop` (the caller has checked the thread): returns TICK_EINVAL
 * (NULL, or a promise of another loop) or TICK_ESTALE (a released promise), with nothing
 * done; else drops the caller's reference to `drop` (may be NULL; the promise the last
 * await settled with) and returns TICK_PROMISE_PENDING with nothing else done (pending,
 * or the promise layer holds jobs that wait for queue memory and must keep their place
 * ahead: register with tick__promise_await), or the settled state, having marked `h`
 * handled as PerformPromiseThen does and taken a reference for the caller, with *code (0,
 * or the rejection's code) and *value (the value or reason). */
int tick__promise_await_settled(tick_loop_t *loop, tick_promise_t *h, tick_promise_t *drop,
                                int *code, void **value);

/* The outcome of a settled promise the caller holds a reference to, without handle or
 * thread checks: *code (0, or the rejection's code) and *value. */
void tick__promise_outcome(tick_promise_t *h, int *code, void **value);

/* Drops a reference the caller holds, without handle or thread checks. */
void tick__promise_unref_held(tick_promise_t *h);

#endif
