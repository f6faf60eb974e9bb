/* tick/promise.h - ECMAScript promises on the loop. Included by <tick.h>.
 *
 * A promise is a reference-counted object owned by one loop. It starts pending and
 * settles once: fulfilled with a value, or rejected with an error code and a reason.
 * Reactions registered with tick_promise_then/catch/finally run as microtasks on the
 * loop's one microtask queue (shared with tick_queue_microtask), after the current
 * callback has returned: a handler is never called from the call that registered it,
 * even on a promise that has already settled. The scheduling is ECMAScript 2023's with
 * V8's exact microtask turn counts (docs/semantics.md section 6, docs/promises.md):
 *
 *   resolving with a tick promise                  2 extra turns
 *   resolving with a foreign thenable              1 extra turn
 *   a handler that resolves `next` with a promise  2 extra turns
 *   finally                                        2 turns more than then
 *   a NULL handler (value passes through)          1 turn, like any reaction
 *
 * VALUES AND OWNERSHIP. A value (or a rejection's reason) is a `void *` plus an optional
 * destructor (tick_free_cb). Every function that takes a value takes ownership of it,
 * whatever it returns: from that call on, tick calls the destructor exactly once, when the
 * last promise carrying the value is freed, or at once if the call failed or was ignored.
 * Handlers only borrow values: a value stays valid while the promise that carries it is
 * alive (hold a reference with tick_promise_retain to keep it longer). Passing a value on
 * (a NULL handler, tick_resolver_forward, combinators) shares it, never copies it, so a
 * value seen by many reactions still has one owner and is freed once. Nothing else is
 * ever freed by tick: `arg` pointers belong to the caller, except that then/catch/finally
 * call the `free_arg` given with them exactly once (after the handler ran, or when the
 * reaction is dropped).
 *
 * REFERENCES. Functions that give out a promise (`**out`) or a resolver give the caller one
 * reference, which it drops with tick_promise_release/tick_resolver_release. Promises and
 * resolvers passed to callbacks are borrowed for the duration of the call. A pending
 * promise that nobody references and nobody can resolve any more is freed with everything
 * chained on it (a combinator does not keep its pending inputs alive: see COMBINATORS).
 * tick_loop_destroy frees every promise and resolver of the loop, calling each
 * outstanding destructor once; pointers the caller still holds are then invalid.
 *
 * STALE REFERENCES. A tick_promise_t * or tick_resolver_t * is a handle, not an address
 * to dereference: the record belongs to the loop, which keeps it until tick_loop_destroy
 * and reuses it for later promises, and the handle carries the record's 16-bit
 * generation in its top bits. A handle used after its last reference was dropped (a
 * promise released twice, a resolver kept after its promise was freed) is therefore
 * recognised, also after the record was reused for another promise: every function
 * taking it returns TICK_ESTALE (values it was given are still freed, as for any failed
 * call), accessors return 0 or NULL, and the promise now in the record is not touched.
 * The check holds until the record has been reused 65535 more times; after that a stale
 * handle is still refused unless the record is at that very generation (1 in 65535).
 * A promise's own resolver counts its references on the promise, so releasing it more
 * often than it was retained, while the promise lives, drops the promise's references
 * instead; that is recognised only once the promise is gone. Handles compare equal
 * exactly when they name the same promise.
 *
 * THREADS. Everything here is "loop thread": the promise's loop's thread. From another
 * thread calls return TICK_EWRONGTHREAD (accessors return 0/NULL). To settle a promise
 * from a thread-pool job or an I/O request, hand them the resolver and call it from their
 * completion callback, which runs on the loop thread.
 *
 * UNHANDLED REJECTIONS. After each drain (docs/semantics.md section 3) the loop reports every
 * promise rejected during that drain which still has no handler, in rejection order; in a
 * chain only the last promise has none. A handler attached to a reported promise later
 * makes it "handled late", reported after the drain that follows. The default hooks print
 * one line on stderr; tick_promise_set_unhandled_hook replaces them.
 */
#ifndef TICK_PROMISE_H
#define TICK_PROMISE_H

#include <stddef.h>

typedef struct tick_promise_s tick_promise_t;

/* A pair of resolving functions for one promise (ECMAScript's resolve/reject): a value
 * that can be stored, passed to another callback, a thread-pool job or an I/O request,
 * and called later. The first call that resolves wins; later calls are ignored. */
typedef struct tick_resolver_s tick_resolver_t;

/* Frees a value, a reason, a thenable object or a handler's `arg`. */
typedef void (*tick_free_cb)(void *ptr);

/* tick_promise_state() results. */
enum {
  TICK_PROMISE_PENDING = 0,
  TICK_PROMISE_FULFILLED = 1,
  TICK_PROMISE_REJECTED = 2
};

/* --------------------------------------------------------------- creating ---- */

/* Runs synchronously inside tick_promise_create with the new promise's resolver
 * (borrowed: tick_resolver_retain it to resolve later). Returning a negative value is a
 * throw: the promise is rejected with that code, unless the executor already resolved
 * it (then the error is ignored). */
typedef int (*tick_executor_cb)(tick_loop_t *loop, tick_resolver_t *resolver, void *arg);

/* new Promise(executor): creates a pending promise and calls `executor(loop, resolver,
 * arg)` before returning. Sets *out (may be NULL if you do not need the promise) to a new
 * reference. Returns 0, TICK_EINVAL (NULL loop or executor), TICK_ENOMEM (the executor was
 * not called, nothing exists) or TICK_EWRONGTHREAD. */
int tick_promise_create(tick_loop_t *loop, tick_executor_cb executor, void *arg,
                        tick_promise_t **out);

/* A pending promise and its resolver, both new references (the "deferred" pattern).
 * Returns 0, TICK_EINVAL (a NULL argument), TICK_ENOMEM or TICK_EWRONGTHREAD. */
int tick_promise_create_deferred(tick_loop_t *loop, tick_promise_t **promise_out,
                                 tick_resolver_t **resolver_out);

/* Promise.resolve(value): a promise already fulfilled with `value` (owned by tick from
 * this call on, see VALUES). Returns 0, TICK_EINVAL (NULL loop or out), TICK_ENOMEM or
 * TICK_EWRONGTHREAD; on failure `free_value(value)` has been called. */
int tick_promise_resolve(tick_loop_t *loop, void *value, tick_free_cb free_value,
                         tick_promise_t **out);

/* Promise.resolve(p) for a tick promise: returns `p` itself (sets *out to p and adds a
 * reference), so no turn is spent. Returns 0, TICK_EINVAL or TICK_EWRONGTHREAD. */
int tick_promise_resolve_promise(tick_promise_t *p, tick_promise_t **out);

/* Promise.reject(reason): a promise already rejected with error `code` (negative, e.g.
 * TICK_EIO) and `reason` (may be NULL; owned by tick from this call on). Such a promise
 * with no handler at the end of the drain is reported as unhandled. Returns 0,
 * TICK_EINVAL (NULL loop or out, code >= 0), TICK_ENOMEM or TICK_EWRONGTHREAD. */
int tick_promise_reject(tick_loop_t *loop, int code, void *reason, tick_free_cb free_reason,
                        tick_promise_t **out);

/* A foreign thenable's `then`: called once, in a microtask, with a fresh resolver for the
 * adopting promise (borrowed; retain it to resolve later). The first resolver call wins;
 * later ones are ignored. Returning a negative value is a throw: it rejects with that
 * code unless the resolver was already called (then it is ignored). */
typedef int (*tick_thenable_cb)(tick_loop_t *loop, void *object, tick_resolver_t *resolver);

/* Promise.resolve(thenable): a new promise that adopts the foreign thenable (`object`,
 * `then`): `then` is taken now (read once) and called in a microtask, so the promise
 * settles one turn later than with a plain value. `object` belongs to tick until `then`
 * has returned; `free_object` (may be NULL) is then called on it, or when the job is
 * dropped, or at once on failure. Returns 0, TICK_EINVAL, TICK_ENOMEM, TICK_EWRONGTHREAD. */
int tick_promise_resolve_thenable(tick_loop_t *loop, void *object, tick_thenable_cb then,
                                  tick_free_cb free_object, tick_promise_t **out);

/* --------------------------------------------------------------- resolving ---- */
/* The resolver functions return 1 when this call resolved the promise, 0 when it was
 * ignored because the resolver had already been used (the value is then freed at once),
 * or a negative error (the value is freed too; the resolver stays unused): TICK_EINVAL,
 * TICK_EWRONGTHREAD, TICK_ESTALE (its promise is gone, see STALE REFERENCES) or as
 * listed below. */

/* resolve(value): fulfils the promise with `value`. */
int tick_resolver_resolve(tick_resolver_t *r, void *value, tick_free_cb free_value);

/* resolve(q) with a tick promise: the promise follows q, settling two turns after q does
 * (a job calls q's then, then q's reaction settles it). Resolving a promise with itself
 * rejects it with TICK_ETYPE. TICK_EINVAL if q belongs to another loop, TICK_ENOMEM. */
int tick_resolver_resolve_promise(tick_resolver_t *r, tick_promise_t *q);

/* resolve(thenable): adopts a foreign thenable, one turn later (see
 * tick_promise_resolve_thenable for `object`'s ownership). TICK_EINVAL, TICK_ENOMEM. */
int tick_resolver_resolve_thenable(tick_resolver_t *r, void *object, tick_thenable_cb then,
                                   tick_free_cb free_object);

/* Settles the promise exactly as `settled` did, now, sharing its value or reason: what a
 * handler does to `return value` or rethrow the reason it was given. TICK_EINVAL if
 * `settled` is pending or belongs to another loop. */
int tick_resolver_forward(tick_resolver_t *r, tick_promise_t *settled);

/* reject(reason): rejects with error `code` (negative) and `reason` (may be NULL). */
int tick_resolver_reject(tick_resolver_t *r, int code, void *reason, tick_free_cb free_reason);

/* Rejects with `code` and a copy of `message` (no reason payload). On TICK_ENOMEM nothing
 * happened: the resolver is still unused. */
int tick_resolver_reject_message(tick_resolver_t *r, int code, const char *message);

/* Adds a reference (the resolver also keeps its promise alive). Returns 0, TICK_EINVAL,
 * TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_resolver_retain(tick_resolver_t *r);
/* Drops a reference. NULL is a no-op returning 0. TICK_ESTALE once the resolver and its
 * promise are gone (see STALE REFERENCES). */
int tick_resolver_release(tick_resolver_t *r);

/* -------------------------------------------------------------- reactions ---- */

/* A reaction handler. `settled` is the promise it reacts to (borrowed; read it with the
 * accessors below). `next` resolves the promise that then/catch returned: the handler
 * "returns" by calling it (a value, a promise: +2 turns, a thenable: +1, or
 * tick_resolver_forward(next, settled) to pass its input on). Returning without calling
 * it fulfils `next` with NULL, like returning undefined; returning a negative value
 * rejects it with that code, like a throw (ignored if `next` was already resolved).
 * `next` is resolved when the handler returns, so keeping it is useless. */
typedef int (*tick_promise_cb)(tick_loop_t *loop, tick_promise_t *settled,
                               tick_resolver_t *next, void *arg);

/* p.then(on_fulfilled, on_rejected): registers a reaction; the matching handler runs in a
 * microtask after `p` settles (never before this call returns). A NULL handler passes the
 * value or reason through to the next promise, still one turn later. Reactions on one
 * promise run in registration order. `free_arg(arg)` (may be NULL) is called exactly once:
 * after the handler ran, when the reaction is dropped (its promise freed while pending,
 * or the loop destroyed), or at once if this call fails. Sets *next (may be NULL) to a new
 * reference to the derived promise. Returns 0, TICK_EINVAL (NULL p), TICK_ESTALE (a
 * released p), TICK_ENOMEM (nothing registered) or TICK_EWRONGTHREAD. */
int tick_promise_then(tick_promise_t *p, tick_promise_cb on_fulfilled,
                      tick_promise_cb on_rejected, void *arg, tick_free_cb free_arg,
                      tick_promise_t **next);

/* p.catch(on_rejected): tick_promise_then(p, NULL, on_rejected, ...). */
int tick_promise_catch(tick_promise_t *p, tick_promise_cb on_rejected, void *arg,
                       tick_free_cb free_arg, tick_promise_t **next);

/* A finally callback. It does not see the outcome. To make finally wait, set *wait to a
 * promise (a reference handed over to tick); if it rejects, its reason replaces the
 * original outcome. Returning a negative value is a throw: the next promise rejects with
 * that code. */
typedef int (*tick_finally_cb)(tick_loop_t *loop, void *arg, tick_promise_t **wait);

/* p.finally(on_finally): `on_finally` runs once `p` settles, then the next promise settles
 * like `p` (two turns later than then would), unless the callback threw or its wait
 * promise rejected. Arguments and returns as tick_promise_then. */
int tick_promise_finally(tick_promise_t *p, tick_finally_cb on_finally, void *arg,
                         tick_free_cb free_arg, tick_promise_t **next);

/* ------------------------------------------------------------ combinators ---- */
/* COMBINATORS. Each takes `count` tick promises (borrowed; tick takes a reference to each
 * input once it has settled, and registers a reaction on each pending one) in `inputs`
 * and sets *out to a new promise. A pending input is kept alive only by those who can
 * still settle it: if it is dropped unsettled (every reference and its resolver
 * released), it goes with its reaction, and the combined promise too once nobody holds
 * it, whether it was already decided (all rejected, any fulfilled, race settled) or can
 * no longer be (all_settled). Plain values and thenables go in wrapped, as JavaScript
 * does: tick_promise_resolve / tick_promise_resolve_thenable. The combined promise's
 * per-input outcomes are read with tick_promise_count/tick_promise_item, in input order.
 * Each returns 0, TICK_EINVAL (NULL loop, out, inputs with count > 0, a NULL input or
 * one of another loop), TICK_ESTALE (a released input), TICK_ENOMEM (nothing registered)
 * or TICK_EWRONGTHREAD. */

/* Promise.all: fulfils when every input has (items: the inputs, all fulfilled), or
 * rejects like the first input to reject, in time. Empty: fulfilled at once. */
int tick_promise_all(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                     tick_promise_t **out);

/* Promise.allSettled: fulfils when every input has settled (items: the inputs); never
 * rejects. Empty: fulfilled at once. */
int tick_promise_all_settled(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                             tick_promise_t **out);

/* Promise.race: settles like the first input to settle. Empty: never settles. */
int tick_promise_race(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                      tick_promise_t **out);

/* Promise.any: fulfils like the first input to fulfil; when all have rejected it rejects
 * with TICK_EAGGREGATE, whose items are the inputs (their reasons, in input order).
 * Empty: rejected at once. */
int tick_promise_any(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                     tick_promise_t **out);

/* ------------------------------------------------------------- inspecting ---- */

/* TICK_PROMISE_PENDING, _FULFILLED or _REJECTED; TICK_EINVAL, TICK_ESTALE or
 * TICK_EWRONGTHREAD. */
int tick_promise_state(const tick_promise_t *p);

/* The fulfilment value or the rejection's reason (NULL if none, if pending, or misuse).
 * Borrowed: valid while `p` is alive. */
void *tick_promise_value(const tick_promise_t *p);

/* The rejection's error code (negative), or 0 if `p` is not rejected (or misuse). */
int tick_promise_error(const tick_promise_t *p);

/* The rejection's message (tick_resolver_reject_message, or tick's own text for
 * TICK_ETYPE and TICK_EAGGREGATE), or NULL. Borrowed like the value. */
const char *tick_promise_message(const tick_promise_t *p);

/* Combined promises (all, all_settled, an any's aggregate error): the number of
 * per-input outcomes, and the index-th of them as the settled input promise (borrowed,
 * valid while `p` is alive; NULL out of range). 0/NULL for other promises. */
size_t tick_promise_count(const tick_promise_t *p);
tick_promise_t *tick_promise_item(const tick_promise_t *p, size_t index);

/* The loop `p` belongs to (NULL for NULL or a stale handle). Any thread. */
tick_loop_t *tick_promise_loop(const tick_promise_t *p);

/* Adds a reference. Returns 0, TICK_EINVAL, TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_promise_retain(tick_promise_t *p);
/* Drops a reference; the last one frees the promise (a pending one with its reactions,
 * whose free_arg are called). NULL is a no-op returning 0. Returns 0, TICK_ESTALE (it
 * was already freed: released once too often) or TICK_EWRONGTHREAD. */
int tick_promise_release(tick_promise_t *p);

/* ----------------------------------------------------------- cancelling ---- */

/* Asks the operation behind pending promise `p` to stop: the promise of an I/O or thread
 * layer `_promise` form (stream read/write/shutdown, tcp connect, udp send/receive, fs
 * requests, dns, spawn, pool work: docs/cancellation.md lists what each one does). The
 * promise then settles exactly once, as usual in a microtask's time: rejected with
 * `code` (negative, e.g. TICK_ECANCELED) if the operation was stopped in time, else with
 * its real outcome (a request the kernel or a worker had already finished, or one that
 * cannot be interrupted). Asking again before it settles does nothing and returns 0.
 * Only the operation's own promise can be cancelled: a promise made by then/catch/
 * finally, a combinator, tick_promise_create(_deferred) or a resolve/reject constructor
 * has no operation behind it (cancel the operation's promise, or derive one from a
 * scope that rejects early). Loop thread. Returns 0 (asked), TICK_ENOTSUP (no operation
 * behind it, or one that no longer can stop), TICK_EALREADY (already settled),
 * TICK_EINVAL (NULL p, code >= 0), TICK_ESTALE (a released p) or TICK_EWRONGTHREAD. */
int tick_promise_cancel(tick_promise_t *p, int code);

/* ------------------------------------------------------ unhandled rejections ---- */

/* Called after a drain with a promise rejected during it (or handled late), borrowed. */
typedef void (*tick_rejection_cb)(tick_loop_t *loop, tick_promise_t *promise, void *arg);

/* Replaces the hook for unhandled rejections (Node's 'unhandledRejection') and the one
 * for rejections handled after they were reported (Node's 'rejectionHandled'). A NULL
 * callback restores the default, which prints one line on stderr; to ignore them pass a
 * callback that does nothing. Hooks run after the drain, as part of it: ticks and
 * microtasks they queue run before the loop goes on. Returns 0, TICK_EINVAL, TICK_ENOMEM
 * (the first promise call on a loop allocates its promise state) or TICK_EWRONGTHREAD. */
int tick_promise_set_unhandled_hook(tick_loop_t *loop, tick_rejection_cb unhandled,
                                    void *unhandled_arg, tick_rejection_cb handled_late,
                                    void *handled_late_arg);

#endif
