/* context.h - what the core keeps with each queued callback, and the probe hooks.
 *
 * Every record that waits for a callback (a next-tick, a microtask, a timer, an immediate,
 * an fd watcher, a close callback, and, in the layers above, a promise reaction or a pool
 * job) carries a tick__cap_t taken when the callback was scheduled: the loop's context
 * value at that moment (tick_context_run) and a flow id for a trace. Running the callback
 * installs that context around the call and puts the previous one back after it, so that
 * whatever the callback schedules captures the same value again: the context follows the
 * chain of causes, as Node's AsyncLocalStorage does. The context is one opaque pointer;
 * the core never looks at it.
 *
 * The probe is the observer of the callbacks: a small table of hooks that the layer on
 * top installs while it records a trace (loop->probe, NULL otherwise). The core calls it
 * at each capture point and around each callback it runs. With no probe installed the
 * whole cost is one well-predicted branch per capture and two per callback, plus the
 * context's two stores.
 */
#ifndef TICK_CONTEXT_PRIVATE_H
#define TICK_CONTEXT_PRIVATE_H

#include "core/internal.h"

/* Captured at schedule time, installed at run time. `flow` is 0 unless a probe gave one. */
typedef struct tick__cap_s {
  void *ctx;
  uint64_t flow;
} tick__cap_t;

/* What kind of callback a capture or a run is (for the probe). */
enum {
  TICK__CB_TIMER = 1,
  TICK__CB_IMMEDIATE,
  TICK__CB_TICK,
  TICK__CB_MICROTASK,
  TICK__CB_REACTION, /* a promise reaction or job */
  TICK__CB_AWAIT,    /* an async function's continuation */
  TICK__CB_IO,       /* an fd watcher or a handle's I/O */
  TICK__CB_CLOSE,
  TICK__CB_WORK,     /* a pool job's completion on the loop */
  TICK__CB_POST,     /* a post from another thread */
  TICK__CB_KINDS
};

typedef void (*tick__fn_t)(void); /* any callback, for naming it in a trace */

typedef struct tick__probe_s {
  /* A callback of `kind` is being scheduled by the running code: returns the flow id to
   * keep with it (0: none). Loop thread. */
  uint64_t (*schedule)(tick_loop_t *loop, void *state, unsigned kind);
  /* A callback (`fn`, scheduled with `flow`) starts; `end` follows when it returns.
   * Pairs nest. Loop thread. */
  void (*begin)(tick_loop_t *loop, void *state, unsigned kind, uint64_t flow, tick__fn_t fn);
  void (*end)(tick_loop_t *loop, void *state);
  /* One loop iteration ended (counters). Loop thread. */
  void (*iteration)(tick_loop_t *loop, void *state);
  /* A pool job's function ran on a pool thread from `start_ns` to `end_ns`
   * (CLOCK_MONOTONIC). Any thread: the probe serialises it itself. */
  void (*work)(tick_loop_t *loop, void *state, uint64_t flow, tick__fn_t fn, int64_t start_ns,
               int64_t end_ns);
} tick__probe_t;

/* Installs or removes (NULL) the probe. Loop thread. */
void tick__loop_set_probe(tick_loop_t *loop, const tick__probe_t *probe, void *state);
/* The probe's state if `probe` is installed, else NULL. */
void *tick__loop_probe_state(const tick_loop_t *loop, const tick__probe_t *probe);
/* The core's half of tick_loop_create: a new loop with nothing of the upper layers. The
 * public tick_loop_create is defined by the top layer (src/obs/trace.c), which adds what
 * the environment asks for (TICK_TRACE), so that the core calls nothing above it. */
int tick__loop_create(tick_loop_t **loop_out, unsigned flags);

/* The running code's context (loop.c keeps it in the loop; these are for the layers). */
void *tick__context_current(const tick_loop_t *loop);
void tick__context_set(tick_loop_t *loop, void *ctx);

/* Queues a microtask with a capture taken earlier (a promise reaction runs in the context
 * of its `then`, not of the resolution that queues it). Returns 0 or TICK_ENOMEM. */
int tick__microtask_push(tick_loop_t *loop, tick_task_cb cb, void *arg, const tick__cap_t *cap);

/* Captures the context (and a flow) for a callback of `kind` scheduled now. */
void tick__cap_take(tick_loop_t *loop, tick__cap_t *cap, unsigned kind);
/* Around a callback: installs its capture, returns the context to put back with leave. */
void *tick__cap_enter(tick_loop_t *loop, const tick__cap_t *cap, unsigned kind, tick__fn_t fn);
void tick__cap_leave(tick_loop_t *loop, void *saved);

#endif
