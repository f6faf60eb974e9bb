/* pool.h - the thread pool's job record, shared by pool.c and parallel.c. */
#ifndef TICK_POOL_PRIVATE_H
#define TICK_POOL_PRIVATE_H

#include "core/loop.h"

#include <stdatomic.h>

/* The thread layer's per-loop module slots (see core/internal.h; 0 is the promise
 * layer's, 3 and up the io layer's). */
enum {
  TICK__MODULE_POOL = 1, /* the thread pool's per-loop job records (pool.c) */
  TICK__MODULE_WORK = 2  /* pool jobs that complete on the loop: records (work.c) */
};

enum { JOB_QUEUED = 1, JOB_RUNNING, JOB_CANCELED };

typedef struct tick__job_s tick__job_t;
struct tick__job_s {
  tick__node_t node;          /* the completion, pushed to the loop's inbox */
  tick__job_t *qnext, *qprev; /* the pool's queue; qnext also links the free list */
  tick_pool_t *pool;
  tick_loop_t *loop;          /* NULL for a detached job (below) */
  tick_work_cb work;
  tick_work_done_cb done;
  void *arg;
  int state;                  /* JOB_*; under the pool's lock while queued or running */
  atomic_int cancel_code;     /* asked to stop while running (tick_work_cancelled), or 0 */
  int live;                   /* loop thread: queued and done not yet called */
  int batched;                /* loop thread: in the loop's pending batch (pool.c) */
  uint32_t gen, index;
  /* Loop jobs only: the context and flow of the tick_work_queue call (done runs in it),
   * and the loop's probe when it was queued (the worker reports the work's time to it). */
  tick__cap_t cap;
  const tick__probe_t *probe;
  void *probe_state;
  /* TICK_METRICS_POOL_WAIT: the clock when queued (0: not timed), and the wait the
   * worker measured when it took the job (written before the job's node is pushed). */
  int64_t queued_ns, wait_ns;
};

/* tick_work_cancel with the code to report: a queued job is removed (its done gets
 * TICK_ECANCELED, as always: the caller maps it to `code`); a running one keeps running
 * and tick_work_cancelled() returns `code` to its work from then on (TICK_EBUSY). Same
 * returns as tick_work_cancel. Loop thread. */
int tick__work_cancel_code(tick_loop_t *loop, tick_work_t job, int code);

/* Detached jobs belong to no loop: the caller owns the record (it may live on the
 * caller's stack), sets `work` and `arg`, and learns of the end of `work` through `work`
 * itself; the worker does not touch the record once `work` has returned. Any thread. */
void tick__pool_submit_detached(tick_pool_t *pool, tick__job_t *job);
/* Removes a detached job that no worker has taken: returns 1, or 0 if it started. */
int tick__pool_cancel_detached(tick_pool_t *pool, tick__job_t *job);

#endif
