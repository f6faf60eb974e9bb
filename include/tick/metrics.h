/* tick/metrics.h - what the loop has been doing: utilization, event-loop delay, callbacks
 * run per phase, queue depths and thread-pool figures. Included by <tick.h>.
 *
 * One call, tick_loop_metrics(), returns every figure in one struct. The counters are
 * always kept (an increment where a callback runs, nothing else). The timed figures cost
 * clock reads and are opt-in, per loop, with tick_loop_metrics_enable():
 *
 * - TICK_METRICS_IDLE_TIME: loop utilization, as Node's performance.eventLoopUtilization()
 *   and libuv's uv_metrics_idle_time(). `idle_ns` is the time spent blocked in the poller
 *   (epoll_wait with a nonzero timeout); `active_ns` is the rest of the time spent inside
 *   tick_loop_run() and tick_loop_advance(). Time outside them (the program's own code
 *   before or between runs) counts as neither. Utilization = active / (active + idle).
 *   Cost: one clock read before each blocking wait (the one after it is already made) and
 *   one at each entry to and exit from run()/advance(); nothing per callback.
 *
 * - TICK_METRICS_DELAY: an event-loop delay histogram, as Node's monitorEventLoopDelay().
 *   The loop keeps a sampling deadline every `delay_resolution_ms`: at the start of each
 *   iteration (where the clock is read anyway) it compares the time with the deadline,
 *   and once the deadline has passed it records by how much (the lateness, in ns) and sets
 *   the next deadline `delay_resolution_ms` later. The poll phase does not sleep past the
 *   deadline (as Node's sampling timer, it does not keep the loop alive: a loop with
 *   nothing else to do still ends). A callback that blocks the loop for 50 ms therefore
 *   shows up as a sample of about 50 ms minus the time left to the deadline. Unlike Node,
 *   which records the whole interval between two samples (so its minimum is about the
 *   resolution), tick records the lateness alone: an idle loop reads a fraction of a
 *   millisecond (the loop's clock and waits have millisecond resolution, as libuv's, so a
 *   wait can end up to about 1 ms after its deadline; the deadline itself is rounded up to
 *   the whole millisecond the loop can wait for). The
 *   histogram is log-linear (16 sub-buckets per power of two: a percentile is exact to
 *   within about 6%, its bucket's upper end, clamped to the exact minimum and maximum).
 *   Cost when off: one comparison per iteration. Enabling it allocates the histogram
 *   (about 6 KiB), once.
 *
 * - TICK_METRICS_POOL_WAIT: how long this loop's pool jobs waited in the pool's queue
 *   before a worker took them (count, total, maximum). Cost: one clock read when a job is
 *   queued and one when a worker takes it.
 *
 * With TICK_LOOP_MANUAL_CLOCK every time is the manual clock's (milliseconds, as ns): the
 * time tick_loop_advance() jumps over where the poll phase would wait counts as idle, and
 * the delay deadlines are points the advance stops at (each sample then reads 0).
 *
 * Every function here is "loop thread" and returns TICK_EINVAL for a NULL loop,
 * TICK_EWRONGTHREAD from another thread.
 */
#ifndef TICK_METRICS_H
#define TICK_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* tick_loop_metrics_enable() flags. */
enum {
  TICK_METRICS_IDLE_TIME = 1u << 0, /* idle_ns, active_ns */
  TICK_METRICS_DELAY = 1u << 1,     /* the delay_* fields */
  TICK_METRICS_POOL_WAIT = 1u << 2  /* the pool_wait_* fields */
};

/* The figures. The struct may grow at its end in later versions: set `size` to
 * sizeof(tick_loop_metrics_t) before the call; tick fills that many bytes at most and
 * sets `size` to the number it filled. Times are in nanoseconds. */
typedef struct tick_loop_metrics_s {
  size_t size;
  unsigned enabled;           /* the TICK_METRICS_* flags in force */
  uint64_t iterations;        /* as tick_loop_iteration() */

  /* Utilization (TICK_METRICS_IDLE_TIME; 0 when off). Counted from the call that
   * enabled it. */
  uint64_t idle_ns;           /* blocked in the poller */
  uint64_t active_ns;         /* inside run()/advance(), not blocked */

  /* Callbacks run, per phase, since the loop was created. */
  uint64_t timer_callbacks;   /* timers phase */
  uint64_t poll_callbacks;    /* poll phase: fd events handed to watchers and handles,
                               * posts, wakes and pool completions run */
  uint64_t check_callbacks;   /* check phase: immediates */
  uint64_t close_callbacks;   /* close phase: close callbacks and handle close hooks */
  uint64_t ticks_run;         /* next-ticks (in every drain) */
  uint64_t microtasks_run;    /* microtasks, promise reactions included */

  /* Queue depths now. */
  uint32_t timers;            /* live timers (ref'd or not) */
  uint32_t immediates;        /* queued immediates */
  uint32_t handles;           /* fd watchers and I/O handles, closing ones included */
  uint32_t closing;           /* close callbacks waiting for the close phase */
  uint64_t ticks_queued;      /* next-ticks waiting */
  uint64_t microtasks_queued; /* microtasks waiting */
  uint32_t pending_refs;      /* what layers above hold that keeps the loop alive: pool
                               * jobs not delivered, open wakers, requests in flight */

  /* Event-loop delay (TICK_METRICS_DELAY; 0 when off). Since the call that enabled it. */
  uint32_t delay_resolution_ms;
  uint64_t delay_samples;
  uint64_t delay_min_ns;
  uint64_t delay_max_ns;
  uint64_t delay_mean_ns;
  uint64_t delay_p50_ns;
  uint64_t delay_p90_ns;
  uint64_t delay_p99_ns;

  /* Thread pool (0 if the loop never used one). */
  uint32_t pool_threads;      /* workers of the loop's pool */
  uint32_t pool_queue_length; /* jobs waiting in that pool's queue, every loop's */
  uint32_t pool_jobs_inflight; /* this loop's jobs whose done callback has not run */
  uint64_t pool_jobs_done;    /* this loop's done callbacks run, cancelled ones too */
  /* TICK_METRICS_POOL_WAIT: jobs taken by a worker since it was enabled, their total and
   * longest wait in the queue. */
  uint64_t pool_wait_count;
  uint64_t pool_wait_total_ns;
  uint64_t pool_wait_max_ns;
} tick_loop_metrics_t;

/* Fills `*metrics` (see the struct). Returns 0, or TICK_EINVAL if `metrics` is NULL or
 * its `size` is smaller than offsetof(tick_loop_metrics_t, enabled) + sizeof(unsigned). Never
 * allocates; may be called from inside a callback (the time of the run in progress is
 * then counted up to the call). */
int tick_loop_metrics(tick_loop_t *loop, tick_loop_metrics_t *metrics);

/* Sets which timed figures are kept: `flags` is 0 or TICK_METRICS_* bits, replacing the
 * earlier set. A figure switched on starts from zero; one left on keeps counting; one
 * switched off stops and reads 0. `delay_resolution_ms` (1 to TICK_TIMEOUT_MAX) is the
 * sampling interval with TICK_METRICS_DELAY, ignored without it; passing TICK_METRICS_DELAY
 * again with another resolution restarts the histogram. Returns 0, TICK_EINVAL (unknown
 * flag, resolution out of range) or TICK_ENOMEM (the histogram; nothing changed). */
int tick_loop_metrics_enable(tick_loop_t *loop, unsigned flags, uint32_t delay_resolution_ms);

#endif
