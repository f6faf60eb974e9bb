/* tick/loop.h - the event loop: timers, immediates, next-ticks, microtasks, fd watchers.
 * Included by <tick.h>.
 *
 * The loop follows Node.js's scheduling rules exactly (docs/loop.md, docs/semantics.md):
 *
 *   run() --> drain --> [ timers -> pending -> idle/prepare -> poll -> check -> close ] --+
 *                        ^                                                               |
 *                        +------------------- while alive, not stopped ------------------+
 *
 * "Drain" is: run the next-tick queue, then the microtask queue, and repeat while either
 * has work. It happens after every macrotask: each timer callback, each immediate, each
 * I/O callback, each close callback, and the code that ran before tick_loop_run() (the
 * "main script"), whose ticks and microtasks run first when the loop starts.
 *
 * Threads: a loop belongs to the thread that created it. Every function in this header is
 * "loop thread" unless it says otherwise; called from another thread it returns
 * TICK_EWRONGTHREAD and does nothing.
 *
 * Handles: timers, immediates and fd watchers are named by small value types holding a
 * generation-counted id, not by pointers. An id whose object has fired, been cleared or
 * closed is recognised as stale: clearing it is a no-op (as in Node), other operations
 * return TICK_ESTALE. The all-zero id (TICK_NULL_ID) is never valid and clearing it is a
 * no-op, like clearTimeout(null). Ids also carry their loop's identity (32 random bits
 * drawn when the loop is made, mixed into the generation): an id from another loop is
 * treated like a stale one (clearing it is a no-op; it never reaches this loop's object
 * in the same slot). The check is exact for stale ids until a slot has been reused 2^32
 * times, and fails for another loop's id with a chance of about 2^-32.
 */
#ifndef TICK_LOOP_H
#define TICK_LOOP_H

#include <stdint.h>

typedef struct tick_loop_s tick_loop_t;

typedef struct tick_timer_s { uint64_t id; } tick_timer_t;
typedef struct tick_immediate_s { uint64_t id; } tick_immediate_t;
typedef struct tick_poll_s { uint64_t id; } tick_poll_t;

/* The id no object ever has: initialise handle variables with it, e.g.
 * `tick_timer_t t = {TICK_NULL_ID};`. Clearing it is a no-op. */
#define TICK_NULL_ID ((uint64_t)0)

/* ---------------------------------------------------------------- loop lifetime ---- */

/* Loop creation flags. */
enum {
  /* Time advances only through tick_loop_advance(): timers never fire on their own, the
   * loop never sleeps waiting for one, and tick_loop_now() starts at 0. For tests. */
  TICK_LOOP_MANUAL_CLOCK = 1u << 0
};

/* Creates a loop owned by the calling thread. `flags` is 0 or TICK_LOOP_* bits.
 * Returns 0 and sets *loop, TICK_EINVAL (NULL loop, unknown flag), TICK_ENOMEM, or a
 * system error if the poller cannot be created. */
int tick_loop_create(tick_loop_t **loop, unsigned flags);

/* Frees a loop. Returns 0, or TICK_EBUSY while it still has active timers, immediates,
 * watchers, closing handles or queued ticks/microtasks (nothing is freed then: clear or
 * close them and run the loop first), or TICK_EBUSY when called from inside run().
 * Threads (tick/thread.h): destroy first closes the loop to other threads (tick_post and
 * wakes are refused with TICK_ECLOSING from then on, even if destroy returns TICK_EBUSY)
 * and cancels the pool jobs of this loop that have not started, calling their done
 * callbacks with TICK_ECANCELED before it returns; posts not yet run, jobs running or
 * not yet delivered, and open wakers make it return TICK_EBUSY.
 * NULL is a no-op returning 0. Loop thread. */
int tick_loop_destroy(tick_loop_t *loop);

typedef enum tick_run_mode_e {
  TICK_RUN_DEFAULT = 0, /* until nothing keeps the loop alive, or tick_loop_stop() */
  TICK_RUN_ONCE,        /* one iteration; the poll phase blocks if nothing is ready */
  TICK_RUN_NOWAIT       /* one iteration; the poll phase never blocks */
} tick_run_mode_t;

/* Runs the loop. First drains the ticks and microtasks queued since the last run (the
 * main script's). In TICK_RUN_DEFAULT, when the loop runs dry the before-exit hook runs;
 * if it scheduled work the loop goes on, otherwise the exit hook runs and run() returns.
 * Returns 1 if the loop is still alive (stopped, or ONCE/NOWAIT with work left), 0 if it
 * ran dry, TICK_EBUSY when called from inside run() (no nesting), or TICK_EINVAL.
 * With TICK_LOOP_MANUAL_CLOCK timers do not keep run() going: it returns 1 when only
 * timers are left, and tick_loop_advance() moves time. */
int tick_loop_run(tick_loop_t *loop, tick_run_mode_t mode);

/* Makes the current run() return after the current iteration (the poll phase of that
 * iteration does not block). Outside run() it makes the next run() return right after
 * its main-script drain, without iterating (as uv_stop does). */
int tick_loop_stop(tick_loop_t *loop);

/* 1 if something keeps the loop alive (ref'd timers, immediates or watchers, closing
 * handles, queued ticks or microtasks, posts not yet run, pool jobs whose done has not
 * run, open wakers), 0 if not, or a negative error. */
int tick_loop_alive(const tick_loop_t *loop);

/* The loop's cached time in milliseconds, from CLOCK_MONOTONIC (or the manual clock),
 * updated at the start of each iteration and by tick_loop_update_time(). 0 on NULL.
 * Loop thread, but reading it from another thread is not an error (the value may be
 * stale). */
uint64_t tick_loop_now(const tick_loop_t *loop);

/* Re-reads the clock into the cached time (no-op with the manual clock). */
int tick_loop_update_time(tick_loop_t *loop);

/* The end of time, in ms: the manual clock never goes past it (2^62 ms, about 146
 * million years, far beyond any real monotonic clock). Every deadline, at most
 * TICK_TIMEOUT_MAX after the clock, then stays representable. */
#define TICK_CLOCK_MAX ((int64_t)1 << 62)

/* Manual clock only: moves time forward by `ms`, stopping at every timer deadline on the
 * way so that each timer fires at its own time, in order, with an iteration of the loop
 * (and every drain) in between, exactly as if the time had passed. Immediates, ticks and
 * microtasks due at each step run as well. Returns 0, TICK_EINVAL if the loop does not
 * use the manual clock, TICK_EBUSY from inside run() or advance(), TICK_EOVERFLOW if the
 * clock would pass TICK_CLOCK_MAX (nothing runs and the clock does not move; advance by
 * TICK_CLOCK_MAX - tick_loop_now() to reach the end). A timer whose deadline lies past
 * TICK_CLOCK_MAX (one created less than its delay before the end) never fires: it keeps
 * the loop alive and tick_loop_destroy() busy until it is cleared. */
int tick_loop_advance(tick_loop_t *loop, uint64_t ms);

typedef void (*tick_loop_cb)(tick_loop_t *loop, void *arg);

/* Sets the before-exit hook (Node's 'beforeExit'): called when a TICK_RUN_DEFAULT run has
 * nothing left to do, as a macrotask (a drain follows). Work it schedules restarts the
 * loop. NULL `cb` removes it. Returns 0 or TICK_EINVAL. */
int tick_loop_set_before_exit(tick_loop_t *loop, tick_loop_cb cb, void *arg);

/* Sets the exit hook (Node's 'exit'): called once when a TICK_RUN_DEFAULT run returns 0
 * after the before-exit hook scheduled nothing. Nothing it schedules runs in this run()
 * (as in Node, where 'exit' listeners' ticks never run); it stays queued for the next
 * run(), and tick_loop_destroy() returns TICK_EBUSY until then. NULL removes it. */
int tick_loop_set_exit(tick_loop_t *loop, tick_loop_cb cb, void *arg);

/* Runs the drain now: the next-tick queue, then the microtask queue, repeated until both
 * are empty (the same drain that follows every macrotask). For embedders that run tick's
 * callbacks from their own loop (a language runtime, a Node-API addon). Returns 0,
 * TICK_EBUSY when called from inside a callback or drain of this loop, TICK_EINVAL. */
int tick_loop_drain(tick_loop_t *loop);

/* Number of iterations completed so far (for tests and benchmarks). */
uint64_t tick_loop_iteration(const tick_loop_t *loop);

/* The loop's user-data pointer (as uv_loop_t's `data`): a place for the program to hang
 * its own context on the loop, so that any callback holding the loop can find it. tick
 * never reads it, never frees it, and starts it at NULL. tick_loop_set_data returns 0, or
 * TICK_EINVAL for a NULL loop; tick_loop_data returns the pointer, or NULL for a NULL
 * loop. Any thread: tick keeps no lock around it, so a program that sets it on one thread
 * and reads it on another orders the two itself (setting it before the other threads
 * start, for instance). */
int tick_loop_set_data(tick_loop_t *loop, void *data);
void *tick_loop_data(const tick_loop_t *loop);

/* ---------------------------------------------------------------------- timers ---- */

/* Timer callback: `timer` is the id this timer was started with (so an interval can
 * clear itself); `arg` is the pointer given at start. */
typedef void (*tick_timer_cb)(tick_loop_t *loop, tick_timer_t timer, void *arg);

/* The largest delay; longer ones are clamped to it (Node clamps to 1 with a warning). */
#define TICK_TIMEOUT_MAX 2147483647

/* setTimeout: calls `cb(loop, id, arg)` once, `delay_ms` milliseconds from now. Delays
 * below 1 (0, negative) are 1 ms; the clock is read at this call, not taken from the
 * iteration's cached time. Timers with equal deadlines fire in creation order; a timer
 * created during the timers phase never runs in that phase. `id_out` may be NULL.
 * Returns 0, TICK_EINVAL (NULL loop or cb) or TICK_ENOMEM (nothing scheduled). */
int tick_set_timeout(tick_loop_t *loop, int64_t delay_ms, tick_timer_cb cb, void *arg,
                     tick_timer_t *id_out);

/* setInterval: like tick_set_timeout but repeats every `period_ms`, re-armed from the
 * moment each callback starts. An overrun gives one late call in the next timers phase,
 * never a burst. Runs until cleared. */
int tick_set_interval(tick_loop_t *loop, int64_t period_ms, tick_timer_cb cb, void *arg,
                      tick_timer_t *id_out);

/* clearTimeout/clearInterval: the timer never runs again. A stale or null id is a no-op
 * returning 0 (as in Node). Clearing a due timer from an earlier callback of the same
 * phase stops it. Returns 0 or TICK_EINVAL/TICK_EWRONGTHREAD. */
int tick_clear_timer(tick_loop_t *loop, tick_timer_t timer);

/* timeout.unref()/ref(): whether this timer keeps the loop alive (default: yes).
 * Returns 0, or TICK_ESTALE if the timer has fired (one-shot) or was cleared. */
int tick_timer_unref(tick_loop_t *loop, tick_timer_t timer);
int tick_timer_ref(tick_loop_t *loop, tick_timer_t timer);
/* 1 if ref'd, 0 if not, TICK_ESTALE. */
int tick_timer_has_ref(const tick_loop_t *loop, tick_timer_t timer);

/* timeout.refresh(): restarts the countdown from now with the same delay, keeping the
 * callback and id; the timer goes after every timer already due at the same time.
 * Returns 0 or TICK_ESTALE (unlike Node, a one-shot timer that has fired is gone). */
int tick_timer_refresh(tick_loop_t *loop, tick_timer_t timer);

/* ------------------------------------------------------------------ immediates ---- */

typedef void (*tick_immediate_cb)(tick_loop_t *loop, void *arg);

/* setImmediate: calls `cb(loop, arg)` in the check phase of the next iteration (or of the
 * current one if that phase has not begun). Immediates run FIFO; one queued while the
 * check phase runs waits for the next iteration. Returns 0, TICK_EINVAL or TICK_ENOMEM. */
int tick_set_immediate(tick_loop_t *loop, tick_immediate_cb cb, void *arg,
                       tick_immediate_t *id_out);

/* clearImmediate: it never runs, even if it is in the batch of the running check phase.
 * Stale or null id: no-op returning 0. */
int tick_clear_immediate(tick_loop_t *loop, tick_immediate_t immediate);

/* immediate.unref()/ref(). Returns 0 or TICK_ESTALE. */
int tick_immediate_unref(tick_loop_t *loop, tick_immediate_t immediate);
int tick_immediate_ref(tick_loop_t *loop, tick_immediate_t immediate);

/* ------------------------------------------------------ next-ticks, microtasks ---- */

typedef void (*tick_task_cb)(tick_loop_t *loop, void *arg);

/* process.nextTick: runs in the drain after the current macrotask, before any microtask.
 * Returns 0, TICK_EINVAL or TICK_ENOMEM (nothing queued). */
int tick_next_tick(tick_loop_t *loop, tick_task_cb cb, void *arg);

/* queueMicrotask: runs in the drain, after the next-tick queue is empty. Promise
 * reactions share this queue. Returns 0, TICK_EINVAL or TICK_ENOMEM. */
int tick_queue_microtask(tick_loop_t *loop, tick_task_cb cb, void *arg);

/* ----------------------------------------------------------------- fd watchers ---- */

enum {
  TICK_READABLE = 1u << 0,
  TICK_WRITABLE = 1u << 1,
  /* Passed to the callback only: error or hang-up on the fd. */
  TICK_DISCONNECT = 1u << 2
};

/* Called in the poll phase with the ready events (level-triggered: it is called again in
 * the next poll phase while the fd stays ready), or with `status` < 0 on error. */
typedef void (*tick_poll_cb)(tick_loop_t *loop, tick_poll_t watcher, int status,
                             unsigned events, void *arg);
typedef void (*tick_close_cb)(tick_loop_t *loop, void *arg);

/* Creates a watcher for `fd` (which the caller keeps owning and must not close before the
 * watcher's close callback has run). It watches nothing until tick_poll_start().
 * Returns 0, TICK_EINVAL, TICK_EBADF (`fd` is not open: refused before anything is done
 * with its number), TICK_EEXIST (fd already watched on this loop), TICK_ENOMEM. The memory
 * a watcher takes does not depend on the fd's number. */
int tick_poll_create(tick_loop_t *loop, int fd, tick_poll_t *watcher_out);

/* Watches `events` (TICK_READABLE|TICK_WRITABLE), replacing earlier ones, calling `cb`.
 * An active watcher keeps the loop alive unless unref'd. Returns 0, TICK_EINVAL,
 * TICK_ESTALE, TICK_ECLOSING or a system error from epoll. */
int tick_poll_start(tick_loop_t *loop, tick_poll_t watcher, unsigned events,
                    tick_poll_cb cb, void *arg);
/* Stops watching (no callback). Returns 0 or TICK_ESTALE/TICK_ECLOSING. */
int tick_poll_stop(tick_loop_t *loop, tick_poll_t watcher);
/* Whether an active watcher keeps the loop alive (default: yes). Returns 0 or
 * TICK_ESTALE/TICK_ECLOSING. */
int tick_poll_unref(tick_loop_t *loop, tick_poll_t watcher);
int tick_poll_ref(tick_loop_t *loop, tick_poll_t watcher);

/* Stops the watcher and calls `close_cb(loop, arg)` (may be NULL) in the close phase of
 * this iteration, exactly once; after that the id is stale and the fd may be closed.
 * A second close returns TICK_ESTALE (already closed) or TICK_ECLOSING (closing). */
int tick_poll_close(tick_loop_t *loop, tick_poll_t watcher, tick_close_cb close_cb,
                    void *arg);

#endif
