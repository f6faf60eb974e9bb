/* tick/cancel.h - cancel scopes: tokens that operations are started under, so that one
 * call stops them all. Included by <tick.h>. The model and the table of what
 * cancellation does to each operation are in docs/cancellation.md.
 *
 * A scope is Node's AbortController and its AbortSignal in one object (Trio's cancel
 * scope, Go's context, libdill's bundle). It is live until it is cancelled, with a
 * negative code (TICK_ECANCELED, or TICK_ETIMEDOUT when its deadline passes), and stays
 * cancelled: cancelling again does nothing. Cancelling runs, synchronously and before
 * tick_scope_cancel returns, in this order:
 *   1. the scope's deadline timer is cleared, and every timer and immediate started
 *      under it (tick_set_timeout_in ...) is cleared: their callbacks never run;
 *   2. its listeners run, in the order they were added (as abort listeners run inside
 *      AbortController.abort()); operations under the scope (delay promises, derived
 *      promises, async functions awaiting) are listeners too and settle here;
 *   3. its dependants are cancelled with the same code, each one completely (its own
 *      steps 1-3) before the next, in the order they became dependants: children
 *      (tick_scope_create with this scope as parent) and followers (tick_scope_link).
 * A scope made under a cancelled parent, or linked to a cancelled scope, is cancelled at
 * once (without running listeners it cannot have yet).
 *
 * HANDLES AND REFERENCES. tick_scope_t * is a generation handle like a promise
 * (tick/promise.h, STALE REFERENCES): the record belongs to the loop and is reused, and a
 * handle used after its last reference was dropped is recognised and refused with
 * TICK_ESTALE. tick_scope_create gives the caller one reference. A scope also stays alive
 * while something uses it: each child and follower, each listener, each pending timer,
 * immediate, delay or derived promise under it, and each async function running under
 * it holds a reference until it ends. So releasing a scope that has a deadline while work
 * still runs under it is fine: the deadline still cancels that work. tick_loop_destroy
 * frees every scope of the loop.
 *
 * THREADS. Everything here is "loop thread": the scope's loop's thread. From another
 * thread calls return TICK_EWRONGTHREAD. A scope given to another loop's call is refused
 * with TICK_EINVAL.
 *
 * Nesting depth: cancelling recurses once per level of dependants; chains of thousands
 * of nested scopes cost that much stack (mind it inside async functions, whose stacks
 * are smaller than the loop thread's).
 */
#ifndef TICK_CANCEL_H
#define TICK_CANCEL_H

#include <stdint.h>

typedef struct tick_scope_s tick_scope_t;

/* -------------------------------------------------------------------- scopes ---- */

/* Creates a live scope on `loop`, a child of `parent` (may be NULL: a root scope).
 * Cancelling the parent cancels the child with the same code; cancelling the child does
 * nothing to the parent. The child holds a reference to its parent. If `parent` is
 * already cancelled the new scope starts cancelled with its code. Sets *out to a new
 * reference. Returns 0, TICK_EINVAL (NULL loop or out, a parent of another loop),
 * TICK_ESTALE (a released parent), TICK_ENOMEM or TICK_EWRONGTHREAD. */
int tick_scope_create(tick_loop_t *loop, tick_scope_t *parent, tick_scope_t **out);

/* AbortController.abort(): cancels `s` with `code` (negative: TICK_ECANCELED is the usual
 * one), running the steps listed at the top of this header before it returns. Returns 1
 * if this call cancelled the scope, 0 if it was already cancelled (nothing happens: the
 * first code stays), TICK_EINVAL (NULL, code >= 0), TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_scope_cancel(tick_scope_t *s, int code);

/* AbortSignal.timeout(ms) on an existing scope: cancels `s` with TICK_ETIMEDOUT `ms`
 * milliseconds from now, through a loop timer (below 1 ms: 1 ms, as tick_set_timeout; no
 * upper limit), so it fires in the timers phase in the same order as a tick_set_timeout
 * of the same delay made at the same point. The timer does not keep the loop alive (as
 * Node's), and it honours the manual clock (tick_loop_advance). Replaces an earlier
 * deadline, moving it later or earlier. On a cancelled scope it does nothing and returns
 * 0. Returns 0, TICK_EINVAL, TICK_ESTALE, TICK_ENOMEM or TICK_EWRONGTHREAD. */
int tick_scope_set_timeout(tick_scope_t *s, uint64_t ms);

/* Sets the deadline at `at_ms` on the loop's clock (tick_loop_now): as
 * tick_scope_set_timeout(s, at_ms - now). A deadline at or before the current time
 * cancels the scope at once, inside this call, with TICK_ETIMEDOUT. Returns as
 * tick_scope_set_timeout. */
int tick_scope_set_deadline(tick_scope_t *s, uint64_t at_ms);

/* Removes the deadline (the scope then lives until cancelled). Returns 0 (also when it
 * had none), TICK_EINVAL, TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_scope_clear_deadline(tick_scope_t *s);

/* The deadline of `s` on the loop's clock, or UINT64_MAX if it has none, is cancelled,
 * or the handle is NULL, stale or used from another thread. */
uint64_t tick_scope_deadline(const tick_scope_t *s);

/* AbortSignal.any, one source at a time: `s` follows `other`, so cancelling `other`
 * cancels `s` with the same code (after `other`'s listeners, see the top of this
 * header). A scope may follow several others and be followed by several. `s` holds a
 * reference to `other` until `s` is freed. If `other` is already cancelled, `s` is
 * cancelled now (with its listeners run inside this call). Returns 0, TICK_EINVAL (NULL,
 * `s` == `other`, scopes of two loops, or a link that would make `s` follow itself
 * through other links or parents), TICK_ESTALE, TICK_ENOMEM or TICK_EWRONGTHREAD. A
 * link made after `s` was cancelled does nothing and returns 0. */
int tick_scope_link(tick_scope_t *s, tick_scope_t *other);

/* signal.aborted and signal.reason: 0 while `s` is live, else the code it was cancelled
 * with. Misuse returns TICK_EINVAL (NULL), TICK_ESTALE or TICK_EWRONGTHREAD, which a
 * program cannot tell from a cancellation with that same code: pass live handles. */
int tick_scope_status(const tick_scope_t *s);

/* The loop of `s`, or NULL for NULL or a stale handle. Any thread (the value may be
 * stale if another thread releases the scope meanwhile). */
tick_loop_t *tick_scope_loop(const tick_scope_t *s);

/* Adds a reference. Returns 0, TICK_EINVAL, TICK_ESTALE or TICK_EWRONGTHREAD. */
int tick_scope_retain(tick_scope_t *s);

/* Drops a reference; the scope is freed when nothing references it (its deadline timer
 * is then cleared). NULL is a no-op returning 0. Returns 0, TICK_ESTALE (released more
 * often than retained) or TICK_EWRONGTHREAD. */
int tick_scope_release(tick_scope_t *s);

/* ----------------------------------------------------------------- listeners ---- */

/* Called once, synchronously inside the call that cancelled `s` (tick_scope_cancel, the
 * deadline's timer callback, a parent's or source's cancellation), with the code. `s`
 * is borrowed for the call. The listener record is detached before the call, so the
 * callback may free or reuse it. */
typedef void (*tick_scope_cb)(tick_loop_t *loop, tick_scope_t *s, int code, void *arg);

/* An abort listener: memory the caller owns (embed it in its own structure), so that
 * adding one never allocates. Zero-initialise it or only pass it to tick_scope_listen;
 * it may be freed once it has run or been removed. */
typedef struct tick_scope_listener_s {
  void *opaque_[6];
} tick_scope_listener_t;

/* signal.addEventListener('abort', cb, {once: true}): `cb(loop, s, code, arg)` runs when
 * `s` is cancelled, after the listeners added before it. The listener keeps `s` alive
 * until it ran or was removed. Returns 0, TICK_EALREADY (`s` is already cancelled:
 * nothing is registered and `cb` is never called; read tick_scope_status), TICK_EBUSY
 * (`l` is registered already), TICK_EINVAL (NULL s, l or cb), TICK_ESTALE or
 * TICK_EWRONGTHREAD. */
int tick_scope_listen(tick_scope_t *s, tick_scope_listener_t *l, tick_scope_cb cb,
                      void *arg);

/* removeEventListener: `l` will not be called. Returns 0 (removed), TICK_EALREADY (it
 * has run already, was removed, or was never registered), TICK_EINVAL (NULL) or
 * TICK_EWRONGTHREAD. */
int tick_scope_unlisten(tick_scope_listener_t *l);

/* ------------------------------------------------------ timers and immediates ---- */
/* Timers and immediates under a scope: as tick_set_timeout, tick_set_interval and
 * tick_set_immediate (tick/loop.h) on the scope's loop, with the same ordering and ids,
 * and cleared when the scope is cancelled (their callbacks never run after that, as
 * with tick_clear_timer). They may still be cleared with tick_clear_timer and
 * tick_clear_immediate. Each holds a reference to the scope while pending. On a
 * cancelled scope nothing is scheduled and the scope's code is returned. Returns 0,
 * TICK_EINVAL (NULL s or cb), TICK_ESTALE, TICK_ENOMEM, TICK_EWRONGTHREAD or the code
 * the scope was cancelled with. Loop thread. */
int tick_set_timeout_in(tick_scope_t *s, int64_t delay_ms, tick_timer_cb cb, void *arg,
                        tick_timer_t *id_out);
int tick_set_interval_in(tick_scope_t *s, int64_t period_ms, tick_timer_cb cb, void *arg,
                         tick_timer_t *id_out);
int tick_set_immediate_in(tick_scope_t *s, tick_immediate_cb cb, void *arg,
                          tick_immediate_t *id_out);

/* ---------------------------------------------------------- promise helpers ---- */

/* timers/promises setTimeout(ms, undefined, {signal}): a promise fulfilled with NULL
 * `ms` milliseconds from now (below 1: 1 ms), on a loop timer that keeps the loop alive.
 * With a scope `s` (may be NULL), cancelling it first clears the timer, inside the
 * cancelling call (at this delay's place among the scope's listeners), and the promise
 * rejects with the scope's code; a cancelled `s` gives a promise already rejected with
 * its code. Turns are Node's to the letter: without a scope the promise settles in the
 * timer's callback; with one, Node returns `promise.finally(...)` (which removes its
 * abort listener), so the promise settles three microtask turns after the timer or the
 * cancellation. Sets *out to a new reference. Returns 0,
 * TICK_EINVAL (NULL loop or out, a scope of another loop), TICK_ESTALE, TICK_ENOMEM or
 * TICK_EWRONGTHREAD. */
int tick_delay(tick_loop_t *loop, tick_scope_t *s, uint64_t ms, tick_promise_t **out);

/* A promise that follows `p` (borrowed): it settles like `p`, one turn after it (a
 * reaction on `p`), unless `s` is cancelled first; then it is rejected with the scope's
 * code inside the cancelling call, and tick_promise_cancel(p, code) asks the operation
 * behind `p` to stop (its own outcome then goes nowhere). A cancelled `s` gives a
 * promise already rejected (and asks `p` to stop too). Sets *out to a new reference.
 * Returns 0, TICK_EINVAL (NULL, promise and scope of two loops), TICK_ESTALE, TICK_ENOMEM
 * or TICK_EWRONGTHREAD. */
int tick_scope_promise(tick_scope_t *s, tick_promise_t *p, tick_promise_t **out);

/* A promise that follows `p` (borrowed) as tick_scope_promise does, or rejects with
 * TICK_ETIMEDOUT `ms` milliseconds from now (below 1: 1 ms) if `p` has not settled by
 * then, asking the operation behind `p` to stop with tick_promise_cancel(p,
 * TICK_ETIMEDOUT). The timer keeps the loop alive until one of the two happens. Sets
 * *out to a new reference. Returns 0, TICK_EINVAL (NULL), TICK_ESTALE, TICK_ENOMEM or
 * TICK_EWRONGTHREAD. */
int tick_promise_timeout(tick_promise_t *p, uint64_t ms, tick_promise_t **out);

#endif
