/* tick/trace.h - traces of what ran when, for Perfetto and chrome://tracing.
 * Included by <tick.h>.
 *
 * A loop that traces writes a Chrome trace-event JSON file: one slice per callback it
 * runs (named by its kind and its function: the symbol when the dynamic linker knows it,
 * else "file+0xoffset" for addr2line), one track for the loop and one per pool thread
 * that ran its jobs, an arrow (a flow) from each callback to every callback it scheduled
 * (next-ticks, microtasks, promise reactions, await continuations, timers, immediates,
 * watchers, pool jobs: the same capture points as the async context, tick/context.h),
 * and counters of the queue depths and live handles. docs/observability.md describes
 * what the tracks and arrows show and what tracing costs.
 *
 * Setting TICK_TRACE=FILE in the environment starts a trace in every loop as it is
 * created ("%p" in FILE becomes the process id, "%l" the loop's address, for programs
 * with several loops). The functions below do the same from the program.
 *
 * Events go to a buffer of fixed size inside the loop, written out when it fills, on
 * tick_trace_flush, on tick_trace_stop and when the loop is destroyed: no allocation and
 * no system call per event. The file is valid JSON once the trace stops (or the loop is
 * destroyed); a file cut short by a crash still opens in Perfetto.
 *
 * All of these are loop thread functions.
 */
#ifndef TICK_TRACE_H
#define TICK_TRACE_H

#include "tick/loop.h"

/* Starts tracing the loop into the file at `path` (created, or truncated). Returns 0,
 * TICK_EINVAL (NULL loop or path, empty path), TICK_EBUSY (the loop is tracing already),
 * TICK_ENOMEM, TICK_EWRONGTHREAD, or the error of opening the file. */
int tick_trace_start(tick_loop_t *loop, const char *path);

/* Writes out what is buffered. Returns 0, TICK_EINVAL if the loop is not tracing (or is
 * NULL), or the first write error the trace met (the trace then stops recording). */
int tick_trace_flush(tick_loop_t *loop);

/* Writes out what is buffered, ends the JSON and closes the file. Callbacks that are
 * running when it is called get no slice. Returns 0, TICK_EINVAL if the loop is not
 * tracing (or is NULL), or the first write error. */
int tick_trace_stop(tick_loop_t *loop);

/* The path of the loop's trace file (also after the trace stopped, until the loop is
 * destroyed or another trace starts), or NULL if it never traced. The string belongs to
 * the loop. */
const char *tick_trace_path(const tick_loop_t *loop);

#endif
