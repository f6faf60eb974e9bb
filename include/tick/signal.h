/* tick/signal.h - signal watchers: POSIX signals delivered as loop callbacks.
 * Included by <tick.h>.
 *
 * A signal watcher calls its callback on the loop thread, as a macrotask of the poll phase
 * (the drain of docs/semantics.md section 3 follows each call), after the signal arrived.
 * Any number of watchers, on any number of loops (each loop on its own thread), may watch
 * the same signal: each of them is called.
 *
 * WHAT IS GUARANTEED. Signals coalesce, as the kernel coalesces them: a watcher that was
 * started when a signal arrived is called at least once after that arrival, but several
 * arrivals before the loop gets to them may give one call. A watcher started after an
 * arrival that the loop has not dispatched yet may be called for it too. A watcher that is
 * stopped or closed is never called again, even for an arrival that is already pending.
 * A signal that arrives while a callback runs (a long one) is delivered in the poll phase
 * that follows: nothing is lost.
 *
 * HOW. tick installs a sigaction handler for a signal while at least one watcher in the
 * process watches it, and restores the disposition that was there before when the last
 * one stops. It does not block signals in any thread (a library cannot, in threads it does
 * not own), so it does not use signalfd. The handler is async-signal-safe: it marks the
 * signal pending for each loop that watches it and writes that loop's eventfd. Its table
 * is the one piece of process-wide state in tick (docs/design/process.md, "Signals"), and it
 * limits the loops that have signal watchers at the same time to TICK_SIGNAL_LOOPS_MAX.
 *
 * Handles are generation-counted ids (tick/loop.h, "Handles"): a closed watcher's id is
 * stale and operations on it return TICK_ESTALE. Every function is "loop thread".
 */
#ifndef TICK_SIGNAL_H
#define TICK_SIGNAL_H

#include <stdint.h>

typedef struct tick_signal_s { uint64_t id; } tick_signal_t;

/* How many loops may have signal watchers at the same time (the size of the handler's
 * table). tick_signal_create returns TICK_ENOSPC beyond it. */
#define TICK_SIGNAL_LOOPS_MAX 128

/* Called on the loop thread for `signum`, with the `arg` given to tick_signal_start. */
typedef void (*tick_signal_cb)(tick_loop_t *loop, tick_signal_t watcher, int signum,
                               void *arg);

/* Creates a stopped watcher. The first one on a loop creates that loop's eventfd and takes
 * a place in the handler's table. Returns 0 and sets *watcher_out, TICK_EINVAL (NULL),
 * TICK_ENOMEM, TICK_ENOSPC (TICK_SIGNAL_LOOPS_MAX loops already watch signals), a system
 * error (eventfd), TICK_EWRONGTHREAD. */
int tick_signal_create(tick_loop_t *loop, tick_signal_t *watcher_out);

/* Watches `signum` (1..64), calling `cb(loop, watcher, signum, arg)`.
 * A started watcher that is ref'd keeps the loop alive. Starting a started watcher
 * replaces its signal, callback and argument (it is then called for the new signal only);
 * a refused start leaves the watcher as it was.
 *
 * Signals that cannot be watched:
 * - SIGKILL and SIGSTOP, which no process can catch: TICK_EINVAL (as sigaction says);
 *   so are the signals the C library keeps for itself (glibc's 32 and 33).
 * - SIGSEGV, SIGBUS, SIGFPE and SIGILL: TICK_ENOTSUP. When a fault raises them, the
 *   faulting instruction runs again as soon as a handler returns, so a watched fault would
 *   become an endless loop at full CPU instead of a crash; and a program cannot go on
 *   safely after a fault anyway. tick cannot tell a real fault from a kill(), so it
 *   refuses them in every case, and a fault always kills the process (or reaches the
 *   handler the program itself installed). Node lets a program listen to them and warns
 *   that a real fault may then hang; tick is stricter on purpose.
 * Every other signal may be watched, including SIGABRT (a kill() from outside is
 * delivered; abort() still ends the process, as its own contract says), SIGTRAP, SIGSYS,
 * SIGPIPE, SIGCHLD and the real-time signals.
 *
 * Returns 0, TICK_EINVAL (bad or uncatchable signal, NULL cb), TICK_ENOTSUP (a fault
 * signal), TICK_ESTALE, or a system error from sigaction. */
int tick_signal_start(tick_loop_t *loop, tick_signal_t watcher, int signum,
                      tick_signal_cb cb, void *arg);

/* Stops watching: the callback is not called again, not even for an arrival that is
 * already pending. When the last watcher of a signal in the process stops, the previous
 * disposition of that signal is restored. Stopping a stopped watcher does nothing.
 * Returns 0 or TICK_ESTALE. */
int tick_signal_stop(tick_loop_t *loop, tick_signal_t watcher);

/* Whether a started watcher keeps the loop alive (default: yes). Returns 0 or
 * TICK_ESTALE. */
int tick_signal_unref(tick_loop_t *loop, tick_signal_t watcher);
int tick_signal_ref(tick_loop_t *loop, tick_signal_t watcher);

/* Stops the watcher and calls `close_cb(loop, arg)` (may be NULL) in the close phase of
 * this iteration, exactly once; the id is stale from this call on. Returns 0,
 * TICK_ESTALE (already closed), TICK_ENOMEM (nothing happened; the watcher is unchanged). */
int tick_signal_close(tick_loop_t *loop, tick_signal_t watcher, tick_close_cb close_cb,
                      void *arg);

#endif
