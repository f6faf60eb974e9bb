/* tick/thread.h - crossing threads: posting callbacks to a loop from any thread, wakers,
 * and a thread pool whose completions run on the loop thread. Included by <tick.h>.
 *
 * The promise: work handed across threads comes back to the loop thread as an ordinary
 * macrotask (with the drain of ticks and microtasks after it), every accepted callback
 * runs exactly once or its cancellation is reported, and nothing is lost under load.
 * Posts, waker callbacks and pool completions run in the poll phase of an iteration, as
 * libuv runs its async handles and Node its thread-pool callbacks. docs/threads.md has
 * the table of which functions may be called from which thread.
 *
 * Memory: from the moment other threads are involved, the allocator installed with
 * tick_set_allocator() must be thread-safe (the default, malloc, is): tick_post() may
 * allocate on the posting thread. Pool threads never allocate.
 */
#ifndef TICK_THREAD_H
#define TICK_THREAD_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ posting ---- */

/* Queues `cb(loop, arg)` to run on the loop's thread. Any thread, including the loop's
 * own (a post from the loop thread runs in the next poll phase, never before tick_post
 * returns).
 *
 * Every accepted post runs exactly once, as its own macrotask: posts are never merged
 * (unlike uv_async_send). Posts from one thread run in the order that thread made them;
 * posts from different threads interleave in an unspecified order. The poster never
 * waits for the loop and takes no lock shared with other posters: each thread posts into
 * its own queue (made on its first post to this loop, freed once the thread has exited
 * and its posts have run), and writes to an eventfd only when the loop is asleep and no
 * other poster has already woken it (one wake-up per burst).
 *
 * An accepted post keeps the loop alive until it has run; the possibility of future
 * posts does not (use a waker for that).
 *
 * Returns 0 (accepted), TICK_EINVAL (NULL loop or cb), TICK_ENOMEM (the queue could not
 * grow), or TICK_ECLOSING once tick_post_close() or tick_loop_destroy() has been called
 * on the loop: a refused post is never run, and the caller keeps ownership of `arg`.
 * Calling it on a loop that has been destroyed is undefined behaviour: stop the posting
 * threads (they see TICK_ECLOSING after tick_post_close) before the final destroy. A
 * posting thread may exit at any time, before, during or after the destroy. */
int tick_post(tick_loop_t *loop, tick_task_cb cb, void *arg);

/* Begins closing the loop to other threads: from now on tick_post() and
 * tick_waker_wake() return TICK_ECLOSING. Posts accepted earlier still run (they keep the
 * loop alive until they have). tick_loop_destroy() does this itself; call it first when
 * other threads may still be posting, so that they learn to stop while the loop still
 * exists, then run the loop, join them, and destroy it. Idempotent. Loop thread. */
int tick_post_close(tick_loop_t *loop);

/* ------------------------------------------------------------------- wakers ---- */

/* A waker is the wake-only primitive for callers that keep their own queue: any thread
 * calls tick_waker_wake(), and the loop thread calls the waker's callback once for any
 * number of wakes that arrived before it ran (wakes are coalesced, like uv_async_send). A
 * wake that arrives while the callback runs makes it run again later.
 *
 * A tick_waker_t * is a handle, not memory the caller may touch: the waker's record
 * belongs to the loop, which keeps it until tick_loop_destroy() and gives it to later
 * wakers once this one is closed. The handle carries a generation, so a closed waker's
 * handle is recognised as stale (TICK_ESTALE) and never reaches the waker that reuses its
 * record, until that record has been reused 65535 more times (then it is recognised
 * except with a chance of 1 in 65535). Any use of a waker after its loop was destroyed is
 * undefined behaviour. */
typedef struct tick_waker_s tick_waker_t;
typedef void (*tick_waker_cb)(tick_loop_t *loop, tick_waker_t *waker, void *arg);

/* Creates a waker. While open it keeps the loop alive (like a ref'd uv_async_t), and
 * tick_loop_destroy() returns TICK_EBUSY. Returns 0 and sets *waker, TICK_EINVAL (NULL
 * argument), TICK_ENOMEM or TICK_ECLOSING (the loop is closing). Loop thread. */
int tick_waker_create(tick_loop_t *loop, tick_waker_cb cb, void *arg, tick_waker_t **waker);

/* Asks for the waker's callback to run. Never blocks, never allocates, and does nothing
 * if a wake is already pending. Returns 0, TICK_EINVAL (NULL), TICK_ESTALE (the waker was
 * closed) or TICK_ECLOSING (the loop is closing; the callback will not run for this
 * wake). Any thread, and async-signal-safe. */
int tick_waker_wake(tick_waker_t *waker);

/* Closes a waker: its callback never runs again, and it no longer keeps the loop alive.
 * No other thread may call tick_waker_wake() on it once close has begun (join or stop
 * them first): its record is reused as soon as no wake is in flight. A wake or close
 * after the close returns TICK_ESTALE. Returns 0, TICK_ESTALE (already closed) or
 * TICK_EINVAL (a waker of another loop). NULL is a no-op. Loop thread. */
int tick_waker_close(tick_loop_t *loop, tick_waker_t *waker);

/* --------------------------------------------------------------- thread pool ---- */

/* A pool of worker threads. A pool is an object the program creates, not a hidden
 * global: several loops (on several threads) may share one pool, which is how a program
 * with one loop per core avoids running cores x cores threads. docs/design/threads.md says why.
 *
 * NULL POOL. Every function below that takes both a loop and a pool (tick_work_queue,
 * tick_work_promise, the parallel _start and _promise forms) reads a NULL pool as the
 * loop's pool (tick_loop_pool: the one set with tick_loop_set_pool, or else one the loop
 * makes on first use and destroys with itself), and then may also return what
 * tick_loop_pool returns (TICK_ENOMEM, TICK_EAGAIN). The blocking parallel functions,
 * which take no loop, read a NULL pool as "no pool": they run on the caller alone. */
typedef struct tick_pool_s tick_pool_t;

/* A queued job, named by a generation-counted id like the loop's handles. */
typedef struct tick_work_s { uint64_t id; } tick_work_t;

/* Runs on a pool thread. It must not call loop functions (post to the loop instead). */
typedef void (*tick_work_cb)(void *arg);
/* Runs on the loop thread, as a macrotask, exactly once per accepted job: `status` is 0
 * after `work` ran, or TICK_ECANCELED if the job was cancelled before it started (then
 * `work` never ran). */
typedef void (*tick_work_done_cb)(tick_loop_t *loop, int status, void *arg);

/* Starts a pool of `threads` worker threads (0: one per online processor). Returns 0 and
 * sets *pool, TICK_EINVAL (NULL pool, or more than 1024 threads), TICK_ENOMEM, or
 * TICK_EAGAIN when the system refuses a thread (then no thread is left running). Any
 * thread. */
int tick_pool_create(tick_pool_t **pool, unsigned threads);

/* The number of worker threads. 0 for NULL. Any thread. */
unsigned tick_pool_threads(const tick_pool_t *pool);

/* Stops the workers and frees the pool. Returns 0, or TICK_EBUSY while any job queued on
 * it has not had its done callback called (nothing is freed then). NULL is a no-op.
 * Any thread except the pool's own workers. */
int tick_pool_destroy(tick_pool_t *pool);

/* Queues `work(arg)` to run on one of `pool`'s threads (NULL: the loop's pool), then
 * `done(loop, status, arg)` on the loop thread. Jobs start in the order they were queued
 * (over all loops sharing the pool); with several threads they may finish in any order.
 * The job keeps the loop alive until its done callback has run. The job record comes from
 * a free list: steady-state queueing does not allocate. `done` may be NULL. If `job` is
 * not NULL it receives the job's id (for tick_work_cancel).
 * Returns 0, TICK_EINVAL (NULL loop or work), TICK_ENOMEM, TICK_EAGAIN (a NULL pool and
 * the loop's own pool could not start a thread), TICK_ECLOSING (the loop is closing).
 * Loop thread. */
int tick_work_queue(tick_loop_t *loop, tick_pool_t *pool, tick_work_cb work,
                    tick_work_done_cb done, void *arg, tick_work_t *job);

/* The loop's pool: the one tick's own asynchronous operations on this loop (files, DNS)
 * queue their work on. tick_loop_set_pool gives the loop a pool the program owns (shared
 * with other loops if it likes; it must outlive the loop); it must be called before the
 * loop's first use of its pool, else TICK_EBUSY. tick_loop_pool returns that pool, or on
 * first use creates one of its own (one thread per online processor), which belongs to
 * the loop alone and is destroyed with it: do not queue another loop's work on it.
 * Returns 0, TICK_EINVAL, TICK_ENOMEM, TICK_EAGAIN (no thread), TICK_ECLOSING, TICK_EBUSY.
 * Loop thread. */
int tick_loop_set_pool(tick_loop_t *loop, tick_pool_t *pool);
int tick_loop_pool(tick_loop_t *loop, tick_pool_t **pool);

/* Cancels a job that has not started: its `work` never runs and its `done` is called
 * with TICK_ECANCELED in a later poll phase (never from inside this call). Returns 0,
 * TICK_EBUSY if the job has started (it runs on and its done reports what the work did;
 * the work can see the request with tick_work_cancelled and stop early), or TICK_ESTALE
 * if the id names no queued or running job (done already ran or is about to, already
 * cancelled, or bogus). Loop thread. */
int tick_work_cancel(tick_loop_t *loop, tick_work_t job);

/* Called from inside a job's work callback (tick_work_queue, tick_work_promise, the
 * parallel _start and _promise forms), on the pool thread running it: the code of the
 * cancellation asked while the work was running (TICK_ECANCELED from tick_work_cancel,
 * the caller's code from tick_promise_cancel on the job's promise), or 0 if none was
 * asked (also outside a work callback, and in the helper threads a parallel algorithm
 * enlists). A work that sees nonzero may return early; what it returns is the job's
 * outcome (return the code to reject its promise with it). The first code asked stays.
 * Any thread; a relaxed atomic load, cheap enough to poll in an inner loop. */
int tick_work_cancelled(void);

/* ---------------------------------------------------- parallel array algorithms ---- */

/* Blocking parallel forms of tick_for_each, tick_map and tick_reduce (tick/algo.h, same
 * callback types). The calling thread works too, helped by up to one job per thread of
 * `pool`; it returns when every element has been visited (or after an error). Arrays of
 * fewer than 8192 elements, and a NULL pool, run inline on the caller in index order.
 * Otherwise the callbacks run concurrently on several threads, each element exactly
 * once, in no particular order: a callback must only touch its own element (and its own
 * output element), or synchronise.
 * Errors: a callback's nonzero return stops the run as soon as the other threads notice
 * (they check between elements); the function returns the first error recorded, and
 * which other elements were visited is unspecified (the output array is then partly
 * written). Other returns: 0, TICK_EINVAL (NULL cb, or NULL arrays with count > 0),
 * TICK_EOVERFLOW. Any thread, including a thread of `pool` itself (the caller never
 * waits for a job that has not started: it cancels it). The pool must not be destroyed
 * while a call runs. tick_parallel_sort and the forms that complete on a loop (the
 * loop thread does not block) follow. */
int tick_parallel_for_each(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                           tick_each_cb cb, void *ctx);

/* `out` must not overlap `base`, except be `base` itself when the sizes are equal. */
int tick_parallel_map(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                      void *out, size_t out_elem_size, tick_map_cb cb, void *ctx);

/* Reduces with an associative operation whose accumulator has the element's type and
 * size: each chunk is folded from its first element, then the partial results are folded
 * into `acc` (initial value on entry, result on return) in chunk order. For an
 * associative operation the result is the sequential tick_reduce's, commutative or not;
 * for one that is not (floating-point addition, whose rounding depends on grouping) it
 * may differ from it in the way regrouping changes it, and it depends on the pool's
 * size. The `index` given to the callback is the element's, or for the final folds the
 * first index of the chunk. Also TICK_ENOMEM (one accumulator per chunk is allocated). */
int tick_parallel_reduce(tick_pool_t *pool, const void *base, size_t count, size_t elem_size,
                         void *acc, tick_reduce_cb cb, void *ctx);

/* Stable sort in place, like tick_sort (same comparator, same result: equal elements keep
 * their order), on the caller and the pool's threads. Arrays below 16384 elements and a
 * NULL pool are sorted by tick_sort on the caller. Otherwise, after tick_sort's scan for
 * sorted or strictly descending input (done at once, nothing allocated), the array is cut
 * into runs sorted in parallel, which are then merged pairwise in rounds, each merge cut
 * into pieces so that every thread works on every round (docs/design/threads.md). O(n log n)
 * comparisons; one scratch allocation of `count` elements (twice tick_sort's), none for
 * presorted input. The comparator is called concurrently from several threads, with
 * pointers into the array or the scratch buffer; it must not modify the elements.
 * Returns 0, TICK_EINVAL (NULL cmp, elem_size 0, NULL base with count > 0),
 * TICK_EOVERFLOW or TICK_ENOMEM (the array is then unchanged). An inconsistent
 * comparator leaves an unspecified order of the same elements, as with tick_sort. Any
 * thread, a thread of `pool` included; the pool must outlive the call. */
int tick_parallel_sort(tick_pool_t *pool, void *base, size_t count, size_t elem_size,
                       tick_compare_cb cmp, void *ctx);

/* ------------------------------------- parallel algorithms completing on a loop ---- */

/* The same four algorithms, started from the loop thread: the call only checks its
 * arguments and queues one pool job, whose work is the blocking form above (run on a
 * thread of `pool`, which the other threads of the pool help); the loop thread goes on.
 * When it is over, `done(loop, status, arg)` runs on the loop thread as a macrotask (the
 * drain of ticks and microtasks follows it), exactly once, with status 0, the first error
 * a callback returned, TICK_ENOMEM (reduce and sort could not get their scratch memory),
 * or TICK_ECANCELED when the job was cancelled before it started (tick_work_cancel with
 * the id stored in *job, or tick_loop_destroy): then no element was touched. A started
 * job cannot be cancelled (tick_work_cancel returns TICK_EBUSY); make a callback return
 * an error to stop it early. `done` may be NULL; `job` may be NULL.
 * `pool` NULL means the loop's pool (tick_loop_pool). The arrays, `acc` and `ctx` must
 * stay valid, and the caller must not touch the arrays or `acc`, until `done` has run.
 * The job keeps the loop alive until then. Its records (the pool job's and the
 * request's) come from per-loop free lists: no allocation in steady state. Every array
 * is handed to the pool, whatever its size.
 * Returns 0 (done will be called), or, and then nothing was started and done is never
 * called: TICK_EINVAL (NULL loop, or the blocking form's argument checks), TICK_EOVERFLOW
 * (likewise), TICK_ENOMEM, TICK_ECLOSING (the loop is being destroyed), TICK_EAGAIN (the
 * loop's pool could not start a thread), TICK_EWRONGTHREAD. Loop thread. */
int tick_parallel_for_each_start(tick_loop_t *loop, tick_pool_t *pool, void *base,
                                 size_t count, size_t elem_size, tick_each_cb cb, void *ctx,
                                 tick_work_done_cb done, void *arg, tick_work_t *job);
int tick_parallel_map_start(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                            size_t count, size_t elem_size, void *out, size_t out_elem_size,
                            tick_map_cb cb, void *ctx, tick_work_done_cb done, void *arg,
                            tick_work_t *job);
int tick_parallel_reduce_start(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                               size_t count, size_t elem_size, void *acc, tick_reduce_cb cb,
                               void *ctx, tick_work_done_cb done, void *arg,
                               tick_work_t *job);
int tick_parallel_sort_start(tick_loop_t *loop, tick_pool_t *pool, void *base, size_t count,
                             size_t elem_size, tick_compare_cb cmp, void *ctx,
                             tick_work_done_cb done, void *arg, tick_work_t *job);

/* Promise forms of the four: like the _start forms, but *promise (required) receives a
 * new reference to a promise of the loop that settles on the loop thread, in the
 * macrotask that would have called done: fulfilled when the algorithm succeeded, with
 * the output as its value, borrowed and never freed by tick (`base` for for_each and
 * sort, `out` for map, `acc` for reduce), or rejected with the status (a callback's
 * error, TICK_ENOMEM or TICK_ECANCELED) and no reason. Same returns; on failure
 * *promise is NULL. Loop thread. */
int tick_parallel_for_each_promise(tick_loop_t *loop, tick_pool_t *pool, void *base,
                                   size_t count, size_t elem_size, tick_each_cb cb,
                                   void *ctx, tick_promise_t **promise,
                                   tick_work_t *job);
int tick_parallel_map_promise(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                              size_t count, size_t elem_size, void *out,
                              size_t out_elem_size, tick_map_cb cb, void *ctx,
                              tick_promise_t **promise, tick_work_t *job);
int tick_parallel_reduce_promise(tick_loop_t *loop, tick_pool_t *pool, const void *base,
                                 size_t count, size_t elem_size, void *acc,
                                 tick_reduce_cb cb, void *ctx,
                                 tick_promise_t **promise, tick_work_t *job);
int tick_parallel_sort_promise(tick_loop_t *loop, tick_pool_t *pool, void *base,
                               size_t count, size_t elem_size, tick_compare_cb cmp,
                               void *ctx, tick_promise_t **promise,
                               tick_work_t *job);

/* ------------------------------------------------- a pool job with a promise ---- */

/* The work of a job with a value: runs on a pool thread (it must not call loop
 * functions). It returns 0 (or any non-negative value) to fulfil the job's promise with
 * `*value`, or a negative error code to reject it with that code and `*value` as the
 * reason. `*value` and `*free_value` start NULL; set `*free_value` to hand tick the
 * value's ownership (it is called exactly once, when the last promise carrying the value
 * is freed: the rules of tick/promise.h). */
typedef int (*tick_work_value_cb)(void *arg, void **value, tick_free_cb *free_value);

/* Queues `work(arg, &value, &free_value)` on `pool` (NULL: the loop's pool) and sets
 * *promise (required) to a new reference to a promise of `loop` that settles on the loop
 * thread, as a macrotask, once the work has returned (see tick_work_value_cb), or is
 * rejected with TICK_ECANCELED when the job was cancelled before it started
 * (tick_work_cancel with the id stored in *job, which may be NULL, or tick_loop_destroy);
 * the work then never runs. tick_promise_cancel(promise, code) cancels it too: a job not
 * started rejects with `code`; a running one settles with what its work returns (which
 * reads `code` from tick_work_cancelled). Reactions run in the drain after that macrotask. The job
 * keeps the loop alive until the promise has settled; `arg` must stay valid until then
 * (tick never frees it). Returns 0, TICK_EINVAL (NULL loop, work or promise), TICK_ENOMEM,
 * TICK_ECLOSING, TICK_EAGAIN, TICK_EWRONGTHREAD; on failure *promise is NULL and the work
 * never runs. Loop thread. */
int tick_work_promise(tick_loop_t *loop, tick_pool_t *pool, tick_work_value_cb work,
                      void *arg, tick_promise_t **promise, tick_work_t *job);

#endif
