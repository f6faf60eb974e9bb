/* loop.c - loop lifetime, the run loop and its phases, the drain, the slab and task queues.
 *
 * One iteration, in Node's order (docs/semantics.md section 4):
 *   timers -> pending -> idle/prepare -> poll -> check -> close
 * with the drain (next-ticks, then microtasks, repeated; then module hooks such as
 * unhandled-rejection tracking) after every macrotask. The drain is called by each phase
 * after each callback it runs, so this file only orders the phases and decides how long
 * the poll phase may block.
 */
#include "core/loop.h"
#include "core/idtab.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ slab ---- */

int tick__slab_reserve(tick__slab_t *slab) {
  tick__obj_t **chunks, *chunk;
  uint32_t base, i;
  if (slab->free_head != TICK__NONE) return 0;
  if (slab->nchunks >= (UINT32_MAX >> TICK__CHUNK_SHIFT) - 1) return TICK_ENOMEM;
  /* The slots, then their captures (tick__slab_cap). */
  chunk = tick__malloc((sizeof(*chunk) + sizeof(tick__cap_t)) * TICK__CHUNK_SIZE);
  if (chunk == NULL) return TICK_ENOMEM;
  tick__populate(chunk, (sizeof(*chunk) + sizeof(tick__cap_t)) * TICK__CHUNK_SIZE);
  chunks = tick__reallocarray(slab->chunks, slab->nchunks + 1, sizeof(*chunks));
  if (chunks == NULL) {
    tick__free(chunk);
    return TICK_ENOMEM;
  }
  slab->chunks = chunks;
  chunks[slab->nchunks] = chunk;
  base = slab->nchunks << TICK__CHUNK_SHIFT;
  slab->nchunks++;
  /* Thread the new slots onto the free list in index order. */
  for (i = 0; i < TICK__CHUNK_SIZE; i++) {
    chunk[i].gen = 1;
    chunk[i].kind = TICK__FREE;
    chunk[i].flags = 0;
    chunk[i].next = i + 1 < TICK__CHUNK_SIZE ? base + i + 1 : TICK__NONE;
    chunk[i].prev = TICK__NONE;
  }
  slab->free_head = base;
  return 0;
}

uint32_t tick__slab_take(tick__slab_t *slab) {
  uint32_t idx;
  tick__obj_t *o;
  if (TICK__UNLIKELY(slab->free_head == TICK__NONE) && tick__slab_reserve(slab) != 0)
    return TICK__NONE;
  idx = slab->free_head;
  o = tick__slab_at(slab, idx);
  slab->free_head = o->next;
  o->next = o->prev = TICK__NONE;
  o->flags = 0;
  slab->live++;
  return idx;
}

void tick__slab_release(tick__slab_t *slab, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(slab, idx);
  uint32_t gen = o->gen;
  o->kind = TICK__FREE;
  o->flags = 0;
  /* Generation 0 is never used, so the all-zero id can never be valid. */
  o->gen = gen + 1 ? gen + 1 : 1;
  o->next = slab->free_head;
  o->prev = TICK__NONE;
  slab->free_head = idx;
  slab->live--;
  /* Last, as a tail call: the usual path stays a leaf function. */
  if (TICK__UNLIKELY(slab->sites != NULL))
    tick__sites_slot_released(slab->sites, ((uint64_t)(gen ^ slab->tag) << 32) | ((uint64_t)idx + 1));
}

static void slab_free(tick__slab_t *slab) {
  uint32_t i;
  for (i = 0; i < slab->nchunks; i++) tick__free(slab->chunks[i]);
  tick__free(slab->chunks);
  memset(slab, 0, sizeof(*slab));
  slab->free_head = TICK__NONE;
}

/* ------------------------------------------------------------ task queues ---- */

int tick__tq_grow(tick__tq_t *q) {
  tick__tq_block_t *b = q->spare;
  if (b != NULL) {
    q->spare = b->next;
    q->nspare--;
  } else {
    b = tick__malloc(sizeof(*b));
    if (b == NULL) return TICK_ENOMEM;
    tick__populate(b, sizeof(*b));
  }
  b->next = NULL;
  if (q->tail == NULL)
    q->head = b;
  else
    q->tail->next = b;
  q->tail = b;
  q->tail_pos = 0;
  return 0;
}

void tick__tq_release_head(tick__tq_t *q) {
  tick__tq_block_t *b = q->head;
  q->head = b->next;
  q->head_pos = 0;
  if (q->nspare < TICK__TQ_KEEP) {
    b->next = q->spare;
    q->spare = b;
    q->nspare++;
  } else {
    tick__free(b);
  }
}

void tick__tq_free(tick__tq_t *q) {
  tick__tq_block_t *b, *next;
  for (b = q->head; b != NULL; b = next) {
    next = b->next;
    tick__free(b);
  }
  for (b = q->spare; b != NULL; b = next) {
    next = b->next;
    tick__free(b);
  }
  memset(q, 0, sizeof(*q));
}

/* ------------------------------------------------------------------ clock ---- */

static int64_t clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tick__update_time(tick_loop_t *loop) {
  if (!(loop->flags & TICK_LOOP_MANUAL_CLOCK)) {
    /* The ns reading is kept for the metrics (metrics.c), which then need no read of
     * their own where the loop reads the clock anyway. */
    loop->obs.now_ns = tick__clock_ns();
    loop->now = loop->obs.now_ns / 1000000;
  }
  return loop->now;
}

/* ---------------------------------------------------------------- modules ---- */

void tick__loop_set_module(tick_loop_t *loop, tick__module_t module,
                           const tick__module_hooks_t *hooks, void *state) {
  int i;
  loop->modules[module] = hooks;
  loop->module_state[module] = state;
  loop->drain_hooks = 0;
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->after_drain != NULL) loop->drain_hooks++;
}

void *tick__loop_module_state(const tick_loop_t *loop, tick__module_t module) {
  return loop->module_state[module];
}

int tick__loop_check(const tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  return 0;
}

/* ------------------------------------------------------------------ drain ---- */

static int run_module_hooks(tick_loop_t *loop) {
  int again = 0, i;
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->after_drain != NULL)
      again |= loop->modules[i]->after_drain(loop, loop->module_state[i]);
  return again;
}

/* docs/semantics.md section 3: ticks (FIFO, including ticks they queue), then microtasks (FIFO,
 * including microtasks they queue), again while ticks were queued, then module hooks,
 * which may ask for another round. Mirrors Node's processTicksAndRejections. */
void tick__drain(tick_loop_t *loop) {
  /* The usual case after a macrotask, checked first because it runs after each one (ten
   * million times for ten million posts): nothing queued and no module hook to call. */
  if (loop->ticks.len == 0 && loop->microtasks.len == 0 && loop->drain_hooks == 0) return;
  loop->depth++;
  for (;;) {
    while (loop->ticks.len != 0) {
      tick__qtask_t t = tick__tq_pop(&loop->ticks);
      loop->obs.ticks_run++;
      void *saved = tick__enter(loop, &t.cap, TICK__CB_TICK, (tick__fn_t)t.cb);
      t.cb(loop, t.arg);
      tick__leave(loop, saved);
    }
    while (loop->microtasks.len != 0) {
      tick__qtask_t t = tick__tq_pop(&loop->microtasks);
      loop->obs.microtasks_run++;
      void *saved = tick__enter(loop, &t.cap, TICK__CB_MICROTASK, (tick__fn_t)t.cb);
      t.cb(loop, t.arg);
      tick__leave(loop, saved);
    }
    if (loop->ticks.len != 0) continue;
    if (!run_module_hooks(loop)) break;
  }
  loop->depth--;
}

int tick_loop_drain(tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  if (loop->depth != 0) return TICK_EBUSY;
  tick__drain(loop);
  return 0;
}

int tick_next_tick(tick_loop_t *loop, tick_task_cb cb, void *arg) {
  tick__cap_t cap;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  tick__capture(loop, &cap, TICK__CB_TICK);
  return tick__tq_push_cap(&loop->ticks, cb, arg, &cap);
}

int tick_queue_microtask(tick_loop_t *loop, tick_task_cb cb, void *arg) {
  tick__cap_t cap;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL) return TICK_EINVAL;
  tick__capture(loop, &cap, TICK__CB_MICROTASK);
  return tick__tq_push_cap(&loop->microtasks, cb, arg, &cap);
}

int tick__microtask_push(tick_loop_t *loop, tick_task_cb cb, void *arg,
                         const tick__cap_t *cap) {
  return tick__tq_push_cap(&loop->microtasks, cb, arg, cap);
}

/* ---------------------------------------------------------------- context ---- */

void *tick__context_current(const tick_loop_t *loop) { return loop->ctx; }

void tick__context_set(tick_loop_t *loop, void *ctx) { loop->ctx = ctx; }

void tick__cap_take(tick_loop_t *loop, tick__cap_t *cap, unsigned kind) {
  tick__capture(loop, cap, kind);
}

void *tick__cap_enter(tick_loop_t *loop, const tick__cap_t *cap, unsigned kind,
                      tick__fn_t fn) {
  return tick__enter(loop, cap, kind, fn);
}

void tick__cap_leave(tick_loop_t *loop, void *saved) { tick__leave(loop, saved); }

void tick__loop_set_probe(tick_loop_t *loop, const tick__probe_t *probe, void *state) {
  loop->probe = probe;
  loop->probe_state = probe != NULL ? state : NULL;
}

void *tick__loop_probe_state(const tick_loop_t *loop, const tick__probe_t *probe) {
  return loop->probe == probe ? loop->probe_state : NULL;
}

int tick_context_run(tick_loop_t *loop, void *value, tick_task_cb fn, void *arg) {
  void *saved;
  TICK__CHECK_LOOP(loop);
  if (fn == NULL) return TICK_EINVAL;
  saved = loop->ctx;
  loop->ctx = value;
  fn(loop, arg);
  loop->ctx = saved;
  return 0;
}

int tick_context_exit(tick_loop_t *loop, tick_task_cb fn, void *arg) {
  return tick_context_run(loop, NULL, fn, arg);
}

int tick_context_enter(tick_loop_t *loop, void *value) {
  TICK__CHECK_LOOP(loop);
  loop->ctx = value;
  return 0;
}

void *tick_context_get(const tick_loop_t *loop) {
  if (loop == NULL || !pthread_equal(loop->owner, pthread_self())) return NULL;
  return loop->ctx;
}

/* --------------------------------------------------------------- lifetime ---- */

int tick__loop_create(tick_loop_t **loop_out, unsigned flags) {
  tick_loop_t *loop;
  if (loop_out == NULL || (flags & ~(unsigned)TICK_LOOP_MANUAL_CLOCK) != 0)
    return TICK_EINVAL;
  *loop_out = NULL;
  loop = tick__calloc(1, sizeof(*loop));
  if (loop == NULL) return TICK_ENOMEM;
  {
    int r = tick__poller_init(&loop->poller);
    if (r != 0) {
      tick__free(loop);
      return r;
    }
  }
  {
    /* The cross-thread inbox exists from the start: another thread may post as soon as
     * it has the loop pointer, and must not race to create it. */
    int r = tick__inbox_create(loop);
    if (r != 0) {
      tick__poller_close(&loop->poller);
      tick__free(loop);
      return r;
    }
  }
  loop->owner = pthread_self();
  loop->flags = flags;
  loop->slab.free_head = TICK__NONE;
  loop->slab.tag = tick__id_tag_new(loop);
  loop->timers.free_list = TICK__NONE;
  loop->timer_gate = INT64_MAX;
  loop->timers_next_expiry = INT64_MAX;
  loop->immediates.head = loop->immediates.tail = TICK__NONE;
  loop->closing.head = loop->closing.tail = TICK__NONE;
  loop->now = (flags & TICK_LOOP_MANUAL_CLOCK) ? 0 : clock_ms();
  loop->obs.delay_due = INT64_MAX;
  tick__loop_count_add(1);
  *loop_out = loop;
  return 0;
}

int tick_loop_destroy(tick_loop_t *loop) {
  int i;
  if (loop == NULL) return 0;
  TICK__CHECK_LOOP(loop);
  if (loop->running || loop->depth) return TICK_EBUSY;
  /* Closing begins here, even if it ends in TICK_EBUSY: other threads' posts are refused
   * from now on, and modules cancel what has not started. */
  tick__inbox_close(loop);
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->pre_destroy != NULL)
      loop->modules[i]->pre_destroy(loop, loop->module_state[i]);
  if (loop->timers.count != 0 || loop->immediate_count != 0 || loop->poll_count != 0 ||
      loop->ticks.len != 0 || loop->microtasks.len != 0 || loop->module_refs != 0 ||
      tick__inbox_pending(loop)) {
    tick__stats_debug_busy(loop); /* TICK_DEBUG=1: what keeps it alive, on stderr */
    return TICK_EBUSY;
  }
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->destroy != NULL)
      loop->modules[i]->destroy(loop, loop->module_state[i]);
  /* Modules may have queued nothing that survives them; free the rest. */
  tick__timers_free(loop);
  tick__polls_free(loop);
  tick__stats_free(loop);
  tick_loop_record_sites(loop, 0);
  slab_free(&loop->slab);
  tick__tq_free(&loop->ticks);
  tick__tq_free(&loop->microtasks);
  tick__inbox_free(loop);
  tick__poller_close(&loop->poller);
  tick__free(loop);
  tick__loop_count_add(-1);
  return 0;
}

static int loop_alive(const tick_loop_t *loop, int count_timers) {
  return (count_timers && loop->timers.refs != 0) || loop->immediate_refs != 0 ||
         loop->poll_active_refs != 0 || loop->closing_count != 0 || loop->ticks.len != 0 ||
         loop->microtasks.len != 0 || loop->module_refs != 0 || tick__inbox_pending(loop);
}

int tick_loop_alive(const tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  return loop_alive(loop, 1);
}

uint64_t tick_loop_now(const tick_loop_t *loop) {
  return loop == NULL ? 0 : (uint64_t)loop->now;
}

int tick_loop_update_time(tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  tick__update_time(loop);
  return 0;
}

uint64_t tick_loop_iteration(const tick_loop_t *loop) {
  return loop == NULL ? 0 : loop->iteration;
}

int tick_loop_set_data(tick_loop_t *loop, void *data) {
  if (loop == NULL) return TICK_EINVAL;
  loop->data = data;
  return 0;
}

void *tick_loop_data(const tick_loop_t *loop) {
  return loop == NULL ? NULL : loop->data;
}

int tick_loop_stop(tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  loop->stop_flag = 1;
  return 0;
}

int tick_loop_set_before_exit(tick_loop_t *loop, tick_loop_cb cb, void *arg) {
  TICK__CHECK_LOOP(loop);
  loop->before_exit_cb = cb;
  loop->before_exit_arg = arg;
  return 0;
}

int tick_loop_set_exit(tick_loop_t *loop, tick_loop_cb cb, void *arg) {
  TICK__CHECK_LOOP(loop);
  loop->exit_cb = cb;
  loop->exit_arg = arg;
  return 0;
}

/* ---------------------------------------------------------------- running ---- */

/* How long the poll phase may block, in ms (-1: until I/O), following libuv's
 * uv_backend_timeout as Node drives it: not at all when immediates that keep the loop
 * alive are queued, handles are closing, the loop was stopped or nothing keeps it alive;
 * else until the timer gate (tick__run_timers). With the manual clock timers do not bound
 * the wait: time does not pass by itself (advance() moves it, see run_iteration). */
static int poll_timeout(const tick_loop_t *loop, tick_run_mode_t mode) {
  int64_t d;
  int manual = (loop->flags & TICK_LOOP_MANUAL_CLOCK) != 0;
  if (mode == TICK_RUN_NOWAIT || loop->stop_flag) return 0;
  if (loop->immediate_refs != 0 || loop->closing_count != 0) return 0;
  if (loop->ticks.len != 0 || loop->microtasks.len != 0) return 0;
  if (tick__inbox_pending(loop)) return 0; /* posts or completions are waiting */
  if (!loop_alive(loop, !manual)) return 0;
  if (manual) return -1;
  d = loop->timer_gate;
  if (loop->obs.delay_due < d) d = loop->obs.delay_due; /* a delay sample is due */
  if (d == INT64_MAX) return -1;
  d -= loop->now;
  if (d <= 0) return 0;
  return d > INT32_MAX ? INT32_MAX : (int)d;
}

static void run_iteration(tick_loop_t *loop, tick_run_mode_t mode) {
  int timeout;
  tick__update_time(loop);
  if (TICK__UNLIKELY(loop->now >= loop->obs.delay_due)) tick__stats_delay_sample(loop);
  tick__run_timers(loop);
  /* pending and idle/prepare: no tick concept queues work there yet. */
  if (loop->advancing) {
    /* The manual clock's "sleep": where the poll phase would wait, time jumps to the
     * libuv-style timer gate or to advance()'s target, whichever comes first. */
    if (loop->immediate_refs == 0 && loop->closing_count == 0 && !loop->stop_flag) {
      int64_t to = loop->advance_to;
      if (loop->timer_gate < to) to = loop->timer_gate;
      if (loop->obs.delay_due < to) to = loop->obs.delay_due;
      if (to > loop->now) {
        if (loop->obs.flags & TICK_METRICS_IDLE_TIME)
          loop->obs.idle_ns += (uint64_t)(to - loop->now) * 1000000;
        loop->now = to;
      }
    }
    timeout = 0;
  } else {
    timeout = poll_timeout(loop, mode);
  }
  tick__run_poll(loop, timeout);
  /* Posts and thread-pool completions are I/O callbacks of the poll phase, as libuv runs
   * its async handles (and Node its thread-pool callbacks) there. */
  tick__inbox_run(loop);
  tick__run_check(loop);
  tick__run_closing(loop);
  loop->iteration++;
  if (TICK__UNLIKELY(loop->probe != NULL)) loop->probe->iteration(loop, loop->probe_state);
}

int tick_loop_run(tick_loop_t *loop, tick_run_mode_t mode) {
  int manual, r;
  TICK__CHECK_LOOP(loop);
  if (mode != TICK_RUN_DEFAULT && mode != TICK_RUN_ONCE && mode != TICK_RUN_NOWAIT)
    return TICK_EINVAL;
  if (loop->running || loop->depth) return TICK_EBUSY;
  manual = (loop->flags & TICK_LOOP_MANUAL_CLOCK) != 0;
  loop->running = 1;
  if (loop->obs.flags & TICK_METRICS_IDLE_TIME) tick__stats_run_begin(loop);
  tick__drain(loop); /* the main script's ticks and microtasks */
  for (;;) {
    r = loop_alive(loop, !manual);
    if (!r) tick__update_time(loop);
    while (r && !loop->stop_flag) {
      run_iteration(loop, mode);
      r = loop_alive(loop, !manual);
      if (mode != TICK_RUN_DEFAULT) break;
    }
    if (loop->stop_flag || mode != TICK_RUN_DEFAULT || r) break;
    /* Dry: Node's 'beforeExit'. Work it schedules (directly or from its drain) restarts
     * the loop; otherwise 'exit' comes last. */
    if (loop->before_exit_cb == NULL) break;
    loop->depth++;
    loop->before_exit_cb(loop, loop->before_exit_arg);
    loop->depth--;
    tick__drain(loop);
    if (!loop_alive(loop, !manual)) break;
  }
  if (!r && !loop->stop_flag && mode == TICK_RUN_DEFAULT && loop->exit_cb != NULL) {
    loop->depth++;
    loop->exit_cb(loop, loop->exit_arg);
    loop->depth--;
  }
  loop->stop_flag = 0;
  loop->running = 0;
  tick__stats_run_end(loop);
  return loop_alive(loop, 1) ? 1 : 0;
}

int tick_loop_advance(tick_loop_t *loop, uint64_t ms) {
  TICK__CHECK_LOOP(loop);
  if (!(loop->flags & TICK_LOOP_MANUAL_CLOCK)) return TICK_EINVAL;
  if (loop->running || loop->depth) return TICK_EBUSY;
  /* The clock stops at TICK_CLOCK_MAX, so that every deadline (the clock plus at most
   * TICK_TIMEOUT_MAX) and every sum timer.c makes stays far from INT64_MAX. */
  if (ms > (uint64_t)TICK_CLOCK_MAX - (uint64_t)loop->now) return TICK_EOVERFLOW;
  loop->running = 1;
  loop->advancing = 1;
  loop->advance_to = loop->now + (int64_t)ms;
  if (loop->obs.flags & TICK_METRICS_IDLE_TIME) tick__stats_run_begin(loop);
  tick__drain(loop);
  /* Iterate until the clock has reached the target and an iteration finds nothing left
   * to do at that time (its poll phase would have waited). */
  for (;;) {
    int busy = loop->immediate_count != 0 || loop->closing_count != 0 ||
               tick__inbox_pending(loop);
    int64_t next = tick__timers_next_expiry(loop);
    if (loop->now >= loop->advance_to && !busy && (next < 0 || next > loop->now)) break;
    run_iteration(loop, TICK_RUN_DEFAULT);
    if (loop->stop_flag) break;
  }
  loop->stop_flag = 0;
  loop->advancing = 0;
  loop->running = 0;
  tick__stats_run_end(loop);
  return 0;
}
