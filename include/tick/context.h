/* tick/context.h - async context: a value that follows a chain of callbacks.
 * Included by <tick.h>.
 *
 * Node's AsyncLocalStorage for C. tick_context_run(loop, value, fn, arg) calls fn with the
 * loop's context set to `value`; every callback scheduled while it runs (timers,
 * intervals, immediates, next-ticks, microtasks, promise reactions, async function
 * continuations, fd watchers and handles, close callbacks, pool completions, wakers)
 * captures that value when it is scheduled and sees it again, through
 * tick_context_get, when it runs, and so does everything those callbacks schedule in
 * turn. The rules, each with its ordering test, are in docs/observability.md:
 *
 * - a timer, immediate, tick or microtask sees the context of the call that scheduled it;
 *   an interval sees its creator's context at every repetition;
 * - a promise reaction sees the context of the then/catch/finally call that registered
 *   it, not that of the code that settled the promise;
 * - an async function resumes after an await in the context it had when it awaited;
 * - an fd watcher sees the context of tick_poll_start, a handle's I/O callbacks that of
 *   the handle's creation (an accepted connection inherits its server's), a request's
 *   callback (a write, a file operation, a pool job) that of the call that started it,
 *   a close callback that of the close call;
 * - posts from other threads run with no context (NULL).
 *
 * One value per loop, not a map of stores: the value is an opaque pointer that the
 * program owns and tick never reads. A program that wants several independent stores
 * (several AsyncLocalStorage instances) points the value at an immutable record of its
 * own (key, value, parent), adds a record to set one store and walks the chain to read
 * one; the records must live as long as the callbacks that captured them. This keeps the
 * cost of a capture at one pointer copy, with no reference counting and no allocation.
 *
 * All of these are loop thread functions.
 */
#ifndef TICK_CONTEXT_H
#define TICK_CONTEXT_H

#include "tick/loop.h"

/* Calls fn(loop, arg) with the context set to `value`, then restores the context that
 * was current before (Node's AsyncLocalStorage.run). Nested calls nest. Returns 0 once fn
 * returned, TICK_EINVAL (NULL loop or fn) or TICK_EWRONGTHREAD; fn is called before this
 * returns. */
int tick_context_run(tick_loop_t *loop, void *value, tick_task_cb fn, void *arg);

/* tick_context_run with no context (NULL): Node's AsyncLocalStorage.exit. */
int tick_context_exit(tick_loop_t *loop, tick_task_cb fn, void *arg);

/* Sets the context for the rest of the running callback (or of the main program, outside
 * any callback) and for what it schedules from now on: Node's enterWith. The callback's
 * caller restores the previous context when the callback returns. Returns 0,
 * TICK_EINVAL or TICK_EWRONGTHREAD. */
int tick_context_enter(tick_loop_t *loop, void *value);

/* The current context: the value of the innermost tick_context_run or
 * tick_context_enter, or the one captured with the running callback. NULL when there is
 * none, and for a NULL loop or a call from another thread. */
void *tick_context_get(const tick_loop_t *loop);

#endif
