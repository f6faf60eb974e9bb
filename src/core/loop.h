/* loop.h - the loop's private structure, shared by loop.c, timer.c, immediate.c, poll.c.
 *
 * Objects the library owns (timers, immediates, fd watchers) live in one slab of fixed-size
 * slots, allocated in chunks so that a slot never moves (a callback may create timers while
 * the loop holds a pointer to the running one). The public id of an object is
 * ((generation ^ tag) << 32) | (slot index + 1); freeing a slot bumps its generation, so
 * every id handed out earlier is recognised as stale, and the slab's random tag tells
 * this loop's ids from another loop's (core/idtab.h explains the odds). See
 * docs/design/loop.md, "Handles".
 */
#ifndef TICK_LOOP_PRIVATE_H
#define TICK_LOOP_PRIVATE_H

#include "core/internal.h"
#include "core/context.h"
#include "core/poller.h"
#include "core/spin.h"

#include <pthread.h>
#include <stdbool.h>

#define TICK__NONE UINT32_MAX /* "no slot" in intrusive links */

/* ------------------------------------------------------------- task queues ---- */

typedef struct tick__task_s {
  tick_task_cb cb;
  void *arg;
} tick__task_t;

/* A queued task with its capture (core/context.h). */
typedef struct tick__qtask_s {
  tick_task_cb cb;
  void *arg;
  tick__cap_t cap;
} tick__qtask_t;

/* A FIFO of tasks in fixed-size blocks (32 KiB each). Growing never copies queued tasks
 * (a burst of ten million next-ticks costs ten million stores, not a series of doublings),
 * and emptied blocks are kept on a free list, up to TICK__TQ_KEEP of them, so a steady
 * state makes no allocation. */
#define TICK__TQ_BLOCK 1023
#define TICK__TQ_KEEP 32

typedef struct tick__tq_block_s {
  struct tick__tq_block_s *next;
  void *pad_;
  tick__qtask_t tasks[TICK__TQ_BLOCK];
} tick__tq_block_t;

typedef struct tick__tq_s {
  tick__tq_block_t *head, *tail, *spare;
  uint32_t head_pos, tail_pos, nspare;
  size_t len;
} tick__tq_t;

int tick__tq_grow(tick__tq_t *q);
void tick__tq_release_head(tick__tq_t *q);
void tick__tq_free(tick__tq_t *q);

/* Queues a task with the capture `cap`. */
static inline int tick__tq_push_cap(tick__tq_t *q, tick_task_cb cb, void *arg,
                                    const tick__cap_t *cap) {
  tick__qtask_t *t;
  if (TICK__UNLIKELY(q->tail == NULL || q->tail_pos == TICK__TQ_BLOCK)) {
    int r = tick__tq_grow(q);
    if (r != 0) return r;
  }
  t = &q->tail->tasks[q->tail_pos++];
  t->cb = cb;
  t->arg = arg;
  t->cap = *cap;
  q->len++;
  return 0;
}

/* Queues a task without a context (posts from other threads). */
static inline int tick__tq_push(tick__tq_t *q, tick_task_cb cb, void *arg) {
  static const tick__cap_t none = {NULL, 0};
  return tick__tq_push_cap(q, cb, arg, &none);
}

/* Pops the first task; the queue must not be empty. */
static inline tick__qtask_t tick__tq_pop(tick__tq_t *q) {
  tick__qtask_t t = q->head->tasks[q->head_pos++];
  q->len--;
  if (q->len == 0) {
    /* Empty: rewind so the one block is reused from its start. */
    q->head_pos = q->tail_pos = 0;
    if (q->head != q->tail) tick__tq_release_head(q);
  } else if (q->head_pos == TICK__TQ_BLOCK) {
    tick__tq_release_head(q);
  }
  return t;
}

/* ------------------------------------------------------------------- slab ---- */

typedef enum tick__kind_e {
  TICK__FREE = 0,
  TICK__TIMER,
  TICK__IMMEDIATE,
  TICK__POLL,
  TICK__IO /* an fd watcher of a layer above: the slot points at its tick__io_t */
} tick__kind_t;

/* Object flags. */
enum {
  TICK__F_REF = 1u << 0,      /* keeps the loop alive */
  TICK__F_RUNNING = 1u << 1,  /* timer: its callback is running (it is in no list) */
  TICK__F_INTERNAL = 1u << 2, /* poll: a layer's own watcher, not listed by the walk */
  TICK__F_ACTIVE = 1u << 3,   /* poll: started */
  TICK__F_CLOSING = 1u << 4,  /* poll: closed, close callback pending */
  TICK__F_REPEAT = 1u << 5,   /* timer: interval */
  TICK__F_SOLO = 1u << 6      /* timer: holds its list's heap entry (`list` is the position) */
};

typedef struct tick__obj_s {
  uint32_t gen;   /* generation, part of every id of this slot */
  uint8_t kind;   /* tick__kind_t */
  uint8_t flags;
  uint16_t spare_;
  uint32_t next;  /* intrusive links: timer list, immediate queue, free list (a solo timer:
                   * its list's id, high half in next, low half in prev) */
  uint32_t prev;
  union {
    struct {
      int64_t start;   /* ms at which the current countdown began (Node's _idleStart) */
      uint32_t msecs;  /* the clamped delay or period */
      uint32_t list;   /* its list record, TICK__NONE if in none; a solo: heap position */
      tick_timer_cb cb;
      void *arg;
    } timer;
    struct {
      uint64_t seq; /* queue order: the check phase runs those below its boundary */
      tick_immediate_cb cb;
      void *arg;
    } immediate;
    struct {
      int fd;
      unsigned events;        /* TICK_READABLE|TICK_WRITABLE being watched */
      tick_poll_cb cb;
      tick_close_cb close_cb; /* set by close; `arg` then becomes the close argument */
      void *arg;
    } poll;
    struct {
      struct tick__io_s *ptr;
    } io;
  } u;
} tick__obj_t;

_Static_assert(sizeof(tick__obj_t) == 48, "a slab slot is 48 bytes: keep hot objects small");

#define TICK__CHUNK_SHIFT 10
#define TICK__CHUNK_SIZE (1u << TICK__CHUNK_SHIFT)

typedef struct tick__slab_s {
  tick__obj_t **chunks;
  uint32_t nchunks;
  uint32_t free_head; /* TICK__NONE when empty */
  uint32_t live;
  uint32_t tag;       /* masks the generation in ids: this loop's identity */
  struct tick__sites_s *sites; /* creation sites being recorded (resources.c), or NULL */
} tick__slab_t;

static inline tick__obj_t *tick__slab_at(const tick__slab_t *slab, uint32_t idx) {
  return &slab->chunks[idx >> TICK__CHUNK_SHIFT][idx & (TICK__CHUNK_SIZE - 1)];
}

/* The capture of slot `idx` (timers, immediates, watchers): each chunk of slots is followed
 * by an array of their captures, in the same allocation, so the hot 48-byte slot stays as
 * it is and a slot's capture costs no allocation of its own. */
static inline tick__cap_t *tick__slab_cap(const tick__slab_t *slab, uint32_t idx) {
  return (tick__cap_t *)(void *)(slab->chunks[idx >> TICK__CHUNK_SHIFT] + TICK__CHUNK_SIZE) +
         (idx & (TICK__CHUNK_SIZE - 1));
}

static inline uint64_t tick__obj_id(const tick__slab_t *slab, uint32_t idx) {
  return ((uint64_t)(tick__slab_at(slab, idx)->gen ^ slab->tag) << 32) | ((uint64_t)idx + 1);
}

/* The slot named by `id` if it is live and of `kind`, else NULL (stale, bogus or another
 * loop's id). */
static inline tick__obj_t *tick__slab_lookup(const tick__slab_t *slab, uint64_t id,
                                             tick__kind_t kind, uint32_t *idx_out) {
  uint32_t low = (uint32_t)id, idx;
  tick__obj_t *o;
  if (low == 0) return NULL;
  idx = low - 1;
  if ((idx >> TICK__CHUNK_SHIFT) >= slab->nchunks) return NULL;
  o = tick__slab_at(slab, idx);
  if (o->kind != kind || o->gen != ((uint32_t)(id >> 32) ^ slab->tag)) return NULL;
  if (idx_out != NULL) *idx_out = idx;
  return o;
}

/* Takes a free slot (growing by one chunk if needed): returns its index, or TICK__NONE
 * when memory is exhausted. The slot keeps its generation; the caller sets the kind. */
uint32_t tick__slab_take(tick__slab_t *slab);
/* Returns a slot to the free list, bumping its generation. */
void tick__slab_release(tick__slab_t *slab, uint32_t idx);
/* Makes sure one slot can be taken without allocating. */
int tick__slab_reserve(tick__slab_t *slab);

/* ------------------------------------------------------------ timer lists ---- */

/* Node's timer structure, reproduced so that ordering matches it to the letter: one FIFO
 * list per distinct duration (`msecs`), and a priority queue of lists ordered by
 * (expiry, id), where a list gets a fresh id whenever it is (re)scheduled. A list of one
 * timer has no record of its own: the timer holds the list's heap entry (a "solo"), so
 * timers that all have different durations cost one slab slot, one heap entry and one
 * map entry each. A record is taken only when a second timer joins (or when a list must
 * outlive its last timer, as Node's do). See docs/design/timers.md. */
typedef struct tick__tlist_s {
  uint64_t id;       /* the list's id in the queue (ties between equal expiries) */
  uint32_t msecs;
  uint32_t head;     /* first timer slot, TICK__NONE if empty */
  uint32_t tail;
  uint32_t heap_pos; /* TICK__NONE when free; then `head` links the free list */
} tick__tlist_t;

/* A heap entry caches its list's expiry, so sifting compares without leaving the array;
 * `ref` names the holder: a solo timer's slab index, or TICK__TREF_LIST | record index.
 * Equal expiries are broken by the holder's id. */
#define TICK__TREF_LIST 0x80000000u
typedef struct tick__hent_s {
  int64_t expiry;
  uint32_t ref;
  uint32_t spare_;
} tick__hent_t;

typedef struct tick__timers_s {
  tick__tlist_t *lists; /* pool of list records */
  uint32_t lists_cap, lists_used, free_list;
  tick__hent_t *heap;   /* 4-ary min-heap by (expiry, id); capacity lists_cap */
  uint32_t heap_len;
  uint64_t *map;        /* open addressing: (msecs << 32) | ref; 0 is empty */
  uint32_t map_mask, map_live;
  uint64_t next_list_id;
  uint32_t count;       /* live timers */
  uint32_t refs;        /* ref'd live timers */
} tick__timers_t;

/* ---------------------------------------------------------------- fd set ---- */

/* The set of fds that have a watcher on this loop (one watcher per fd). Open addressing
 * keyed by fd + 1 (0 is an empty bucket), with linear probing and backward-shift
 * deletion: its size follows the number of watched fds, never the highest fd number (an
 * fd may legally be near RLIMIT_NOFILE, and dup2 can put one there). */
typedef struct tick__fdset_s {
  uint32_t *keys;
  uint32_t mask;  /* capacity - 1; capacity is 0 or a power of two */
  uint32_t count;
} tick__fdset_t;

/* ---------------------------------------------------------------- metrics ---- */

/* The loop's counters and opt-in timings (metrics.c, tick/metrics.h). The counters are
 * bumped where each callback runs; the timed parts are guarded by `flags`. */
typedef struct tick__hist_s tick__hist_t;
typedef struct tick__stats_s {
  unsigned flags;          /* TICK_METRICS_* in force */
  int walking;             /* inside tick_loop_walk */
  uint64_t timer_cbs, poll_cbs, check_cbs, close_cbs, ticks_run, microtasks_run;
  int64_t now_ns;          /* the real clock at the last tick__update_time, ns */
  /* TICK_METRICS_IDLE_TIME */
  uint64_t idle_ns, run_ns;
  int64_t run_start_ns;    /* clock at entry to the current run()/advance() */
  int run_timed;           /* that entry was timed */
  /* TICK_METRICS_DELAY: the next sampling deadline (ms, INT64_MAX when off; and ns) */
  int64_t delay_due;
  int64_t delay_due_ns;
  uint32_t delay_res_ms;
  tick__hist_t *hist;
  /* Creation sites (resources.c) */
  int record_sites;
  uint64_t sites_dropped;
  /* TICK_METRICS_POOL_WAIT, filled by the thread layer when a job's done runs */
  uint64_t pool_wait_count, pool_wait_total_ns, pool_wait_max_ns;
} tick__stats_t;

/* The time for the metrics, ns: the manual clock's, or CLOCK_MONOTONIC read now. */
int64_t tick__stats_clock_ns(const tick_loop_t *loop);
/* CLOCK_MONOTONIC in ns. Any thread. */
int64_t tick__clock_ns(void);
/* Run boundaries, for TICK_METRICS_IDLE_TIME (metrics.c). */
void tick__stats_run_begin(tick_loop_t *loop);
void tick__stats_run_end(tick_loop_t *loop);
/* Records an event-loop delay sample: called when loop->now has reached delay_due. */
void tick__stats_delay_sample(tick_loop_t *loop);
void tick__stats_free(tick_loop_t *loop);

/* Creation sites (resources.c): a table from (space, key) to a code address, filled
 * while tick_loop_record_sites is on. Slab objects are keyed by their id (and forgotten
 * when their slot is released), other records by their address. */
enum { TICK__SITE_ID = 1, TICK__SITE_PTR = 2 };
/* A layer whose records have ids of their own keys them in its module's space. */
#define TICK__SITE_MODULE(module) (16u + (unsigned)(module))
void tick__site_note(tick_loop_t *loop, unsigned space, uint64_t key, const void *site);
/* The slab's part: forgets the site of the slot `id` being released. */
void tick__sites_slot_released(struct tick__sites_s *sites, uint64_t id);
void tick__site_forget(tick_loop_t *loop, unsigned space, uint64_t key);
const void *tick__site_get(const tick_loop_t *loop, unsigned space, uint64_t key);
/* Notes the caller of the enclosing public function as the site of `key`. A macro, so
 * that the return address is the public function's. */
#define TICK__NOTE_SITE(loop, space, key)                                              \
  do {                                                                                 \
    if (TICK__UNLIKELY((loop)->obs.record_sites))                                      \
      tick__site_note((loop), (space), (key), __builtin_return_address(0));            \
  } while (0)

/* What the core visits for tick_loop_walk, and what layers above hand in (resources.c). */
typedef int (*tick__visit_fn)(void *ctx, const tick_resource_t *res);
/* post.c: open wakers. */
int tick__inbox_walk(tick_loop_t *loop, tick__visit_fn visit, void *ctx);
/* Writes the TICK_DEBUG report on stderr if the environment asks for it (destroy). */
void tick__stats_debug_busy(tick_loop_t *loop);

/* ------------------------------------------------------------------- loop ---- */

typedef struct tick__queue_s { /* intrusive FIFO of slab objects */
  uint32_t head, tail;
} tick__queue_t;

struct tick_loop_s {
  pthread_t owner;
  unsigned flags;
  tick__poller_t poller;

  int64_t now;          /* cached time, ms */
  uint64_t iteration;
  int running;          /* inside run() or advance() */
  int depth;            /* inside a callback or drain */
  int stop_flag;
  int advancing;        /* manual clock: inside advance() */
  int64_t advance_to;   /* manual clock: advance() target */

  tick__slab_t slab;
  tick__timers_t timers;
  int64_t timer_gate;         /* when the timers phase may next run (Node's libuv timer) */
  int64_t timers_next_expiry; /* Node's nextExpiry */

  tick__tq_t ticks;
  tick__tq_t microtasks;

  tick__queue_t immediates; /* FIFO; the check phase runs those with seq < its boundary */
  uint64_t immediate_seq;
  uint32_t immediate_count, immediate_refs;

  /* fd watchers */
  tick__fdset_t fds;    /* the fds watched, by tick_poll_* and tick__io_* alike */
  uint32_t poll_active_refs;
  uint32_t poll_active; /* started watchers, registered with epoll */
  uint32_t poll_count;  /* live watchers (including closing ones) */
  tick__queue_t closing;
  uint32_t closing_count;

  tick_loop_cb before_exit_cb, exit_cb;
  void *before_exit_arg, *exit_arg;
  void *data; /* tick_loop_set_data: the program's, never read by tick */

  /* The running code's context and the probe (core/context.h). */
  void *ctx;
  const tick__probe_t *probe;
  void *probe_state;

  const tick__module_hooks_t *modules[TICK__MODULE_MAX];
  void *module_state[TICK__MODULE_MAX];
  unsigned drain_hooks; /* modules with an after_drain hook (tick__drain's fast path) */

  /* Threads (post.c and pool.c). `inbox` is created with the loop and never
   * changes until destroy, so other threads may read the pointer; everything they touch
   * behind it is atomic or under its lock. `module_refs` (loop thread only) counts what
   * modules hold that keeps the loop alive and makes destroy return TICK_EBUSY: pool jobs
   * whose done callback has not run, open wakers. `inbox_fd_ready` is set by the poll
   * phase when epoll reports the inbox's eventfd. */
  struct tick__inbox_s *inbox;
  uint32_t module_refs;
  int inbox_fd_ready;
  /* Pool jobs of this loop not yet completed (pool.c), and the adaptive spin budget of the
   * poll phase before it sleeps while such jobs run (post.c, tick__inbox_spin). */
  uint32_t jobs_inflight;
  uint32_t wakers_open; /* open wakers (post.c): another thread will wake this loop */
  tick__spin_t spin;

  /* Internal fd watchers (poll.c; the io_uring's eventfd is one). */
  struct tick__iowatch_s *iowatch;

  tick__stats_t obs; /* metrics and creation sites */
};

/* ------------------------------------------------------ cross-thread inbox ---- */

/* A completion handed to the loop by another thread (a pool job, a waker): an intrusive
 * node, so pushing one never allocates and never fails. `run` is called on the loop
 * thread, once per push, as a macrotask (the caller does the drain after it). */
typedef struct tick__inbox_s tick__inbox_t;
typedef struct tick__node_s tick__node_t;
struct tick__node_s {
  tick__node_t *next;
  void (*run)(tick_loop_t *loop, tick__node_t *node);
};

/* Poller datum of the inbox's eventfd: no handle id is ever 0. */
#define TICK__INBOX_ID 0

int tick__inbox_create(tick_loop_t *loop);
void tick__inbox_free(tick_loop_t *loop);
/* Refuses posts and wakes from now on (TICK_ECLOSING). Idempotent. Loop thread. */
void tick__inbox_close(tick_loop_t *loop);
/* Nonzero once tick__inbox_close has run. Any thread. */
int tick__inbox_closing(const tick_loop_t *loop);
/* Nonzero while accepted posts or pushed nodes wait to run. Loop thread. */
int tick__inbox_pending(const tick_loop_t *loop);
/* Around a blocking epoll_wait: begin returns 0 if work arrived (do not block). */
int tick__inbox_sleep_begin(tick_loop_t *loop);
/* Before the poll phase sleeps: spins while pool jobs or wakers are out, yields to a poster
 * preempted inside tick_post (post.c); 1 if work arrived meanwhile. */
int tick__inbox_spin(tick_loop_t *loop);
void tick__inbox_sleep_end(tick_loop_t *loop);
/* Poll phase: runs the posts and nodes that had arrived when it began. */
void tick__inbox_run(tick_loop_t *loop);
/* Any thread: queues `node` (its `run` set) and wakes the loop if it sleeps. */
void tick__inbox_push(tick_loop_t *loop, tick__node_t *node);

/* ------------------------------------------------------ internal watchers ---- */

/* An fd the loop's epoll watches for a module (the io_uring's eventfd, fs-uring.c). It
 * is not a handle: it keeps nothing alive (the module counts its own work in
 * module_refs) and is invisible to tick_poll_*. In every poll phase `prepare` runs first
 * (it may submit work) and returns nonzero if completions are ready without waiting (the
 * poll phase then does not block); then `run` is called, after the fd watchers'
 * callbacks, if `prepare` said so or epoll reported the fd (`fd_ready`), and runs each
 * completion as a macrotask itself. */
typedef struct tick__iowatch_s tick__iowatch_t;
struct tick__iowatch_s {
  tick__iowatch_t *next;
  int fd;
  int (*prepare)(tick_loop_t *loop, tick__iowatch_t *w);
  void (*run)(tick_loop_t *loop, tick__iowatch_t *w, int fd_ready);
  int fd_ready_; /* poll.c's */
};

/* Poller datum of internal watchers: low 32 bits 0 (no handle id), not TICK__INBOX_ID. */
#define TICK__IOWATCH_ID ((uint64_t)UINT32_MAX << 32)

int tick__iowatch_add(tick_loop_t *loop, tick__iowatch_t *w);
void tick__iowatch_remove(tick_loop_t *loop, tick__iowatch_t *w);

/* -------------------------------------------------------- handle watchers ---- */

/* An fd watcher that a layer above embeds in its handle (a socket, a pipe), after
 * libuv's uv__io_t: the core runs `cb` when the poller reports the handle's fd and `close`
 * in the close phase, and knows nothing else about the handle. The handle keeps its fd,
 * its id and its registered event mask itself, and passes them in. The id comes from a
 * slab slot of kind TICK__IO (generation-counted, like every handle's) and is also the
 * poller datum, so an event for a watcher closed earlier in the same batch is recognised
 * as stale and skipped. */
typedef struct tick__io_s tick__io_t;
struct tick__io_s {
  /* Poll phase: the fd is ready (TICK__POLLER_* bits). The callee does its own depth
   * counting and drains. */
  void (*cb)(tick_loop_t *loop, tick__io_t *w, unsigned events);
  /* Close phase, once, after tick__io_close: it must call tick__io_release. */
  void (*close)(tick_loop_t *loop, tick__io_t *w);
  /* tick_loop_walk: sets res->kind and res->flags (the core sets id and site). May be
   * NULL: the handle is then listed as kind "io". */
  void (*describe)(const tick_loop_t *loop, const tick__io_t *w, tick_resource_t *res);
};

/* Takes a slot for `w` (cb and close set) and sets *id: the handle counts as live until
 * tick__io_release. Returns 0 or TICK_ENOMEM. */
int tick__io_open(tick_loop_t *loop, tick__io_t *w, uint64_t *id);
/* The watcher named by `id`, or NULL if the id is stale or names no such watcher. */
tick__io_t *tick__io_get(const tick_loop_t *loop, uint64_t id);
/* Queues the watcher's close hook for the close phase of this iteration. */
void tick__io_close(tick_loop_t *loop, uint64_t id);
/* Frees the slot: the id goes stale. */
void tick__io_release(tick_loop_t *loop, uint64_t id);
/* Brings the poller registration of `fd` from *registered to `want` (TICK__POLLER_IN|OUT,
 * 0: none) under the datum `id`, with a system call only when it changes, and keeps the
 * loop's count of registered fds. Returns 0 or the poller's error (removal cannot fail). */
int tick__io_watch(tick_loop_t *loop, int fd, uint64_t id, unsigned *registered,
                   unsigned want);
/* Drops a registration because the fd is about to be closed: removes it from the poller
 * if `deregister` (another reference to the file may keep it open), else only forgets it
 * (closing the last reference removes it from epoll by itself: one system call less). */
void tick__io_unwatch(tick_loop_t *loop, int fd, unsigned *registered, int deregister);

/* The loop's set of watched fds (one watcher per fd, tick_poll_* and handles alike).
 * claim returns 0, TICK_EEXIST (already watched) or TICK_ENOMEM; unclaim of an fd not in
 * the set does nothing. */
int tick__fd_claim(tick_loop_t *loop, int fd);
void tick__fd_unclaim(tick_loop_t *loop, int fd);
int tick__fd_watched(const tick_loop_t *loop, int fd);

/* Marks an fd watcher that a layer uses inside one of its handles (a UDP socket, a
 * signal or process watcher): tick_loop_walk lists the handle through the layer's walk
 * hook, not the watcher. */
void tick__poll_set_internal(tick_loop_t *loop, tick_poll_t watcher);
/* The watcher's state as TICK_RESOURCE_* flags (0 if the id is stale), for those walks. */
unsigned tick__poll_resource_flags(const tick_loop_t *loop, tick_poll_t watcher);

/* Runs the drain of docs/semantics.md section 3 (ticks, microtasks, module hooks). */
void tick__drain(tick_loop_t *loop);

/* Reads the clock into loop->now (unless the clock is manual) and returns it. */
int64_t tick__update_time(tick_loop_t *loop);

/* Phases. */
void tick__run_timers(tick_loop_t *loop);
void tick__run_check(tick_loop_t *loop);
void tick__run_poll(tick_loop_t *loop, int timeout_ms);
void tick__run_closing(tick_loop_t *loop);
/* Queues `cb(loop, arg)` for the close phase of this iteration, as if a handle without an
 * fd had been closed (signal watchers and processes use it for their close
 * callbacks). It keeps the loop alive until it ran. Returns 0 or TICK_ENOMEM. */
int tick__close_defer(tick_loop_t *loop, tick_close_cb cb, void *arg);

/* The nearest timer list expiry, or -1 if there is none. */
int64_t tick__timers_next_expiry(const tick_loop_t *loop);

/* Frees what each concept owns (at loop destroy). */
void tick__timers_free(tick_loop_t *loop);
void tick__polls_free(tick_loop_t *loop);

/* Intrusive queue helpers over the slab. */
static inline void tick__queue_push(tick_loop_t *loop, tick__queue_t *q, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  o->next = TICK__NONE;
  o->prev = q->tail;
  if (q->tail == TICK__NONE)
    q->head = idx;
  else
    tick__slab_at(&loop->slab, q->tail)->next = idx;
  q->tail = idx;
}

static inline void tick__queue_remove(tick_loop_t *loop, tick__queue_t *q, uint32_t idx) {
  tick__obj_t *o = tick__slab_at(&loop->slab, idx);
  if (o->prev == TICK__NONE)
    q->head = o->next;
  else
    tick__slab_at(&loop->slab, o->prev)->next = o->next;
  if (o->next == TICK__NONE)
    q->tail = o->prev;
  else
    tick__slab_at(&loop->slab, o->next)->prev = o->prev;
  o->next = o->prev = TICK__NONE;
}

/* The core's inline forms of tick__cap_take/enter/leave (core/context.h). */
static inline void tick__capture(tick_loop_t *loop, tick__cap_t *cap, unsigned kind) {
  cap->ctx = loop->ctx;
  cap->flow = TICK__UNLIKELY(loop->probe != NULL)
                  ? loop->probe->schedule(loop, loop->probe_state, kind)
                  : 0;
}

static inline void *tick__enter(tick_loop_t *loop, const tick__cap_t *cap, unsigned kind,
                                tick__fn_t fn) {
  void *saved = loop->ctx;
  loop->ctx = cap->ctx;
  if (TICK__UNLIKELY(loop->probe != NULL))
    loop->probe->begin(loop, loop->probe_state, kind, cap->flow, fn);
  return saved;
}

static inline void tick__leave(tick_loop_t *loop, void *saved) {
  if (TICK__UNLIKELY(loop->probe != NULL)) loop->probe->end(loop, loop->probe_state);
  loop->ctx = saved;
}

/* Queues a next-tick with the running code's capture (the layers' form of tick_next_tick,
 * for queues whose room they reserved). */
static inline int tick__tick_push(tick_loop_t *loop, tick_task_cb cb, void *arg) {
  tick__cap_t cap;
  tick__capture(loop, &cap, TICK__CB_TICK);
  return tick__tq_push_cap(&loop->ticks, cb, arg, &cap);
}

#define TICK__CHECK_LOOP(loop)                                    \
  do {                                                            \
    if (TICK__UNLIKELY((loop) == NULL)) return TICK_EINVAL;       \
    if (TICK__UNLIKELY(!pthread_equal((loop)->owner, pthread_self()))) \
      return TICK_EWRONGTHREAD;                                   \
  } while (0)

#endif
