/* tick/async.h - async functions and await: stackful coroutines on the loop. Included by
 * <tick.h>. The manual with examples is docs/async.md.
 *
 * An async function is a C function `int fn(tick_async_t *co, void *arg)` that tick runs on
 * a stack of its own. tick_async_run calls it at once, synchronously, as JavaScript runs
 * an async function up to its first await, and gives back a promise of its outcome. Inside
 * it, tick_await(co, p) suspends the function (its stack and locals stay as they are) and
 * returns to whoever resumed it; the loop resumes it in a microtask once `p` has settled.
 * The turn counts are V8's (docs/semantics.md, section 7), proved by tests/ordering/1NN-*:
 *
 *   await of a tick promise          resumes 1 turn after it settles
 *   await of a plain value           1 turn
 *   await of a foreign thenable      2 turns
 *   returning a value                the promise is fulfilled when the function returns
 *   returning a promise              2 turns later than returning a value
 *   `return await p`                 1 turn later (await, then return the value)
 *
 * OUTCOME. The function's int result is its completion: 0 (or any value >= 0) fulfils its
 * promise with the value set by tick_async_return (NULL if none was set), or settles it as
 * tick_async_return_promise / tick_async_forward said; a negative result is a throw: the
 * promise rejects with that code and the reason given to tick_async_throw, if any. The
 * setters return what the function should return, so `return tick_async_throw(co, ...);`
 * and `return tick_async_forward(co, tick_async_result(co));` read as JavaScript does.
 * Nobody has to keep or await the promise; a rejection nobody handles is reported like any
 * other (tick/promise.h, UNHANDLED REJECTIONS).
 *
 * ERRORS AT AWAITS. Every await returns 0 when what it awaited fulfilled (read the value
 * with tick_async_value or tick_async_result) or the negative code it was rejected with,
 * so try/catch/finally are plain ifs and gotos: the function's own cleanup runs before its
 * promise settles. Misuse returns a code without suspending: TICK_EINVAL (NULL), TICK_ENOTASYNC (`co`
 * is not the async function running now: called from outside it, or after it ended),
 * TICK_EINVAL for a promise of another loop, TICK_EWRONGTHREAD.
 *
 * STACKS. Each running or suspended async function owns a stack: TICK_ASYNC_STACK_DEFAULT
 * bytes reserved (pages are committed by the kernel only when touched), with a guard page
 * below it, so a recursion that overflows it faults at once instead of writing over other
 * memory. tick_async_options_t sets another size per call. Stacks are cut from chunks of
 * many stacks and kept per loop for reuse. On Linux 6.13 and later a chunk is one memory
 * mapping whatever its number of stacks (guard regions); on older kernels each stack costs
 * two mappings (Linux allows about 65530 per process by default). Running out of memory
 * or of mappings is TICK_ENOMEM from tick_async_run, nothing started.
 *
 * LIFETIME. A suspended async function does not keep the loop alive (as in Node: an await
 * on a promise that never settles does not). Nothing is dropped silently:
 * - If the promise it awaits is freed while still pending (no reference and no resolver
 *   left: it can never settle), the await returns TICK_ECANCELED, in a microtask.
 * - tick_async_cancel makes its current await (or its next one) return the given code.
 *   Cancellation sticks: every later await returns the code at once, without suspending.
 * - tick_loop_destroy cancels every suspended async function with TICK_ECANCELED, in the
 *   destroy call, so its cleanup runs; if that cleanup queued work (its promise's
 *   reactions, callbacks) destroy returns TICK_EBUSY like for any other pending work: run
 *   the loop and destroy again. Called from inside an async function, tick_loop_destroy
 *   and tick_loop_run return TICK_EBUSY.
 * A stack is never freed while its function is running or suspended.
 *
 * THREADS. An async function belongs to the loop it was started on and runs only on that
 * loop's thread; everything here is "loop thread" (others get TICK_EWRONGTHREAD).
 */
#ifndef TICK_ASYNC_H
#define TICK_ASYNC_H

#include <stddef.h>

/* A running or suspended async function. Valid from its start until its function returns;
 * tick owns it. */
typedef struct tick_async_s tick_async_t;

/* The body of an async function. `co` is its handle (pass it to every await); `arg` is the
 * pointer given to tick_async_run. Returns 0 (or more) to fulfil, a negative code to
 * throw (see OUTCOME above). */
typedef int (*tick_async_fn)(tick_async_t *co, void *arg);

/* Default and smallest stack sizes in bytes (sizes are rounded up to whole pages). */
#define TICK_ASYNC_STACK_DEFAULT (256u * 1024u)
#define TICK_ASYNC_STACK_MIN (16u * 1024u)

/* Per-call options for tick_async_run; zero-initialise and set what you need. */
typedef struct tick_async_options_s {
  size_t stack_size;     /* bytes; 0 is TICK_ASYNC_STACK_DEFAULT, below the minimum: EINVAL */
  tick_free_cb free_arg; /* called with `arg` once the function has ended (or at once if
                            tick_async_run fails); may be NULL */
  tick_scope_t *scope;   /* the cancel scope it runs under (tick/cancel.h); NULL: see
                            SCOPES below. Referenced until the function ends */
  int detached;          /* nonzero: with scope NULL, run under no scope even when
                            started from inside another async function */
} tick_async_options_t;

/* ---------------------------------------------------------------- running ---- */

/* Runs `fn(co, arg)` as an async function on `loop`: it runs now, on its own stack, until
 * its first await or its end, then this returns. `options` may be NULL (defaults). Sets
 * *out (may be NULL if you do not need it) to a new reference to the promise of its
 * outcome. May be called from inside another async function (the new one runs nested and
 * control comes back at its first await, as in JavaScript). Returns 0, TICK_EINVAL (NULL
 * loop or fn, bad stack size), TICK_ENOMEM (nothing ran; free_arg was called) or
 * TICK_EWRONGTHREAD. */
int tick_async_run(tick_loop_t *loop, tick_async_fn fn, void *arg,
                   const tick_async_options_t *options, tick_promise_t **out);

/* ------------------------------------------------------------------ await ---- */

/* await p: suspends until `p` (borrowed; tick does not keep it alive, see LIFETIME) has
 * settled, then resumes one turn later. Returns 0 if it fulfilled, else its (negative)
 * rejection code; the settled promise is then tick_async_result(co). */
int tick_await(tick_async_t *co, tick_promise_t *p);

/* await value: one turn, then returns 0 with tick_async_value(co) == value. `value` is
 * owned by tick from this call on (freed when the result is dropped, see below). Returns
 * TICK_ENOMEM without suspending if the wrapping promise cannot be made. */
int tick_await_value(tick_async_t *co, void *value, tick_free_cb free_value);

/* await thenable: adopts a foreign thenable (`object`, `then`, ownership as in
 * tick_promise_resolve_thenable): `then` is called in a microtask; the function resumes
 * one turn after the thenable calls back (two turns if it calls back at once). */
int tick_await_thenable(tick_async_t *co, void *object, tick_thenable_cb then,
                        tick_free_cb free_object);

/* The promise the last await settled with (borrowed: valid until the next await or the
 * end of the function; retain it to keep it), or NULL before the first await and after a
 * misuse or a cancellation. */
tick_promise_t *tick_async_result(const tick_async_t *co);

/* tick_promise_value / tick_promise_message of tick_async_result(co) (NULL if none). */
void *tick_async_value(const tick_async_t *co);
const char *tick_async_message(const tick_async_t *co);

/* ---------------------------------------------------------------- outcome ---- */

/* return value: the promise will be fulfilled with `value` (owned by tick from this call
 * on) when the function returns 0. Replaces an earlier outcome. Returns 0, or a negative
 * code (misuse; the value is freed). */
int tick_async_return(tick_async_t *co, void *value, tick_free_cb free_value);

/* return p: the promise will follow `p` (borrowed; tick takes a reference), settling two
 * turns after it. Returns 0, TICK_EINVAL (NULL, another loop's promise), TICK_ENOTASYNC. */
int tick_async_return_promise(tick_async_t *co, tick_promise_t *p);

/* return thenable: the promise adopts the foreign thenable (one turn, as
 * tick_resolver_resolve_thenable). Returns 0 or a negative code (the object is freed). */
int tick_async_return_thenable(tick_async_t *co, void *object, tick_thenable_cb then,
                               tick_free_cb free_object);

/* Settles the promise exactly as the settled promise `settled` did, sharing its value or
 * reason: `return await p` after tick_await(co, p) (pass tick_async_result(co)), or a
 * rethrow in a catch block. Returns 0 if `settled` fulfilled, its rejection code if it
 * rejected (so `return tick_async_forward(co, r)` completes the function right), or
 * TICK_EINVAL (NULL, pending, another loop's) / TICK_ENOTASYNC. */
int tick_async_forward(tick_async_t *co, tick_promise_t *settled);

/* throw: the promise will be rejected with `code` (negative) and `reason` (may be NULL,
 * owned by tick from this call on). Returns `code`, for `return tick_async_throw(...)`;
 * TICK_EINVAL if code >= 0. */
int tick_async_throw(tick_async_t *co, int code, void *reason, tick_free_cb free_reason);

/* throw with a message (copied): returns `code`; TICK_ENOMEM if the copy failed (the
 * function should still return `code`: the rejection then has no message). */
int tick_async_throw_message(tick_async_t *co, int code, const char *message);

/* -------------------------------------------------------------- inspecting ---- */

/* The async function running now on `loop` (innermost, if nested), or NULL. */
tick_async_t *tick_async_current(tick_loop_t *loop);

/* The loop `co` runs on (NULL for NULL). */
tick_loop_t *tick_async_loop(const tick_async_t *co);

/* The number of async functions of `loop` that have started and not ended. */
size_t tick_async_count(tick_loop_t *loop);

/* ----------------------------------------------------------- cancellation ---- */

/* SCOPES (tick/cancel.h, docs/cancellation.md). Every async function runs under a cancel
 * scope or none: options->scope if given; else, when started from inside another async
 * function (and not detached), under a scope of that function's own, so cancelling a
 * function reaches the functions it started (and the ones they started); else none.
 * When its scope is cancelled, an await that is suspended returns the scope's code in a
 * microtask (whatever it was waiting for), and every later await returns it at once,
 * without suspending, so the function's cleanup runs; tick_async_shield lets cleanup
 * await. Awaiting in a live scope costs nothing more than awaiting without one. */

/* The function's own scope: a child of the scope it runs under, made on the first call
 * (later calls return the same one). Cancelling it cancels the function as
 * tick_async_cancel does; start operations under it (tick_delay, tick_set_timeout_in,
 * tick_scope_promise ...) to have them stopped with the function. Borrowed: valid until
 * the function ends (tick_scope_retain it to keep it longer). Returns NULL for NULL or
 * an ended function, from another thread, or when out of memory. */
tick_scope_t *tick_async_scope(tick_async_t *co);

/* Shields `co` (the function running now) from cancellation while `on` is nonzero:
 * awaits suspend and return their real outcome even if the function was or gets
 * cancelled, so cleanup can await (close a connection politely, flush a file). With `on`
 * 0 the shield comes off and a cancellation that arrived before or during it takes
 * effect at the next await. Shields do not nest: the last call wins. A loop being
 * destroyed ignores shields (every await returns TICK_ECANCELED then). Returns the
 * previous state (1 shielded, 0 not), TICK_EINVAL (NULL), TICK_ENOTASYNC (not the
 * function running now) or TICK_EWRONGTHREAD. */
int tick_async_shield(tick_async_t *co, int on);

/* Cancels the async function whose promise is `promise` (as returned by tick_async_run):
 * if it is suspended in an await, that await returns `code` (negative, e.g.
 * TICK_ECANCELED) in a microtask, whatever it was waiting for; if it is running, its next
 * await returns `code` at once. Every later await of it returns `code` at once too.
 * If the function has a scope of its own (tick_async_scope, or it started async functions
 * inside it), that scope is cancelled with `code`, which cancels the functions and
 * operations under it too. A shielded function (tick_async_shield) sees the code when the
 * shield comes off. Returns 0, TICK_ENOENT (`promise` is not the promise of a live async
 * function: it has ended, or was never one), TICK_EINVAL (NULL, code >= 0) or
 * TICK_EWRONGTHREAD. */
int tick_async_cancel(tick_promise_t *promise, int code);

#endif
