/* post.c - the loop's cross-thread inbox: tick_post from any thread, wakers, and the
 * completion path of the thread pool.
 *
 * Three queues feed the loop from other threads:
 * - producer queues: one single-producer single-consumer queue per (posting thread,
 *   loop), found through a pthread key the loop creates, registered on the thread's first
 *   post. The producer writes (cb, arg) into a block of slots and publishes with an
 *   atomic exchange of its count; the loop reads the count with an acquire load and takes
 *   what it saw. No lock and no shared counter on the posting path: one atomic exchange
 *   on the queue's own line (below) and plain stores. Spent blocks go back to the producer
 *   through one spare slot, so a steady stream does not allocate.
 * - locked posts: (cb, arg) pairs in a segmented task queue (the loop's tick__tq_t) under
 *   a mutex, for loops that could not get a pthread key and for a post whose thread
 *   could not register (out of memory). The loop takes the whole queue at once.
 * - nodes: intrusive completions (pool jobs, wakers) on a lock-free LIFO. Pushing is one
 *   compare-and-swap and can never fail; the loop takes the whole list with one exchange
 *   and reverses it, so each pushing thread's nodes run in the order it pushed them. No
 *   node is ever popped alone, so the usual ABA problem of lock-free stacks cannot occur.
 *
 * Closing. A poster checks `closing` first; a post that passed the check is accepted and
 * published (it runs, like any post accepted before the close). Each producer queue's
 * `pub` word holds the count of published posts and, in its low bit, "the poster is
 * inside tick_post": one atomic exchange sets both, a release store clears the bit when
 * the poster leaves. tick__inbox_close waits until no bit is set, so a poster whose post
 * already ran may still be finishing its wake-up check, and destroy waits for it.
 *
 * Wake-ups. A cross-thread wake through the eventfd costs a system call for the poster
 * and a context switch for the loop, so posters write it only when the loop is about to
 * block or blocked (`sleeping`) and nobody has written since it went to sleep
 * (`wake_sent`): one write per burst, none while the loop is awake. No wake-up is lost:
 * the loop stores `sleeping = 1` and then looks at every queue; a poster publishes its
 * work and then loads `sleeping`. With sequentially consistent operations on both sides
 * (the CAS for nodes, the mutex for locked posts, the exchange of `pub` for producer
 * queues) at least one of them sees the other: either the loop finds the work and does
 * not block, or the poster sees it asleep and writes. See docs/design/threads.md.
 */
#include "core/loop.h"
#include "core/handle.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <unistd.h>

/* A producer queue: an unbounded SPSC queue of blocks of slots, one per (posting thread,
 * loop). 16 KiB blocks: a block change (one exchange of the spare slot) every 1023 posts. */
#define PQ_SLOTS 1023
/* Posts taken from one queue before the loop turns to the next. */
#define PQ_TURN 256

typedef struct pq_block_s {
  struct pq_block_s *next; /* written by the producer before it publishes the first slot */
  void *pad_;
  tick__task_t tasks[PQ_SLOTS];
} pq_block_t;

/* The loop's view of `pub`. Counts of posts are kept modulo PQ_COUNT_MASK + 1 on both
 * sides, so that the count still fits beside the bit on 32-bit machines (after 2^31
 * posts). Only differences of counts are used. */
#define PQ_COUNT_MASK (SIZE_MAX >> 1)
static inline size_t pq_published(size_t pub) { return pub >> 1; }
static inline int pq_busy(size_t pub) { return (int)(pub & 1); }

/* Who still holds a queue. Its thread (through the key's value) and its loop (through the
 * inbox's list) each give it up with one exchange on `state`; whoever finds the other side
 * already gone frees it, so a thread exiting while the loop is destroyed never touches a
 * freed queue, and neither side frees it twice. */
enum { PQ_LIVE = 0, PQ_THREAD_GONE = 1, PQ_LOOP_GONE = 2 };

typedef struct tick__pq_s tick__pq_t;
struct tick__pq_s {
  /* Written by the producer on every post; read by the loop. */
  atomic_size_t pub;       /* (posts published << 1) | 1 while the poster is in tick_post */
  atomic_int state;        /* PQ_LIVE, then PQ_THREAD_GONE or PQ_LOOP_GONE (see below) */
  pq_block_t *tail;        /* producer only */
  uint32_t tail_pos;       /* producer only */
  size_t count;            /* producer only: posts published */
  char pad1_[64];
  /* A spent block, handed from the loop back to the producer. */
  _Atomic(pq_block_t *) spare;
  char pad2_[64];
  /* Loop thread only. */
  pq_block_t *head;
  uint32_t head_pos;
  size_t consumed;
  size_t limit;            /* posts published when the current poll phase began */
  tick__pq_t *next;        /* the inbox's list (changed under its lock) */
};

struct tick__inbox_s {
  /* Written by posting threads. */
  pthread_mutex_t lock;
  tick__tq_t posts;           /* guarded by `lock` */
  int closed;                 /* guarded by `lock` */
  atomic_size_t pending;      /* locked posts accepted and not yet taken by the loop */
  _Atomic(tick__node_t *) nodes;
  _Atomic(tick__pq_t *) queues; /* producer queues, newest first; pushed under `lock` */
  atomic_int closing;         /* `closed` for the lock-free paths */
  atomic_int pushers;         /* threads between publishing work and their last touch */
  pthread_key_t key;          /* this loop's producer queue on each thread */
  int has_key;                /* 0: pthread_key_create failed, every post takes the lock */
  char pad_[64];              /* keeps the loop's wake state off the posters' line */
  /* Read by posters, written by the loop around each blocking wait. */
  atomic_int sleeping;
  atomic_int wake_sent;
  int efd;
  /* Loop thread only: the locked posts being run by the current poll phase. */
  tick__tq_t batch;
  /* Loop thread only: waker records (freed with the inbox) and the free ones. */
  struct waker_chunk_s *waker_chunks;
  tick_waker_t *waker_free;
};

/* A waker's record. Records come in chunks the inbox keeps until the loop is destroyed
 * and are reused through a free list; the handle given out is (generation, address)
 * (core/handle.h), so a closed waker's handle still points at readable memory and is
 * recognised as stale by its generation, even once the record serves another waker. */
struct tick_waker_s {
  tick__node_t node;
  tick_loop_t *loop;   /* the loop the record belongs to, for its whole life */
  tick_waker_cb cb;
  void *arg;
  tick__cap_t cap;      /* the context of tick_waker_create, for every wake */
  atomic_uint open_gen; /* the generation while open, 0 once closed (read by any thread) */
  atomic_int pending;   /* 1 from a wake until the callback is about to run */
  uint16_t gen;         /* loop thread: the generation of the current or latest use */
  uint8_t zombie;       /* loop thread: closed while a wake was in flight */
  tick_waker_t *next_free;
};

#define WAKER_CHUNK 32

typedef struct waker_chunk_s {
  struct waker_chunk_s *next;
  tick_waker_t rec[WAKER_CHUNK];
} waker_chunk_t;

/* ---------------------------------------------------------------- the inbox ---- */

static void pq_thread_exit(void *arg);
static void pq_free(tick__pq_t *q);
static void pq_free_blocks(tick__pq_t *q);

int tick__inbox_create(tick_loop_t *loop) {
  int r;
  tick__inbox_t *ib = tick__calloc(1, sizeof(*ib));
  if (ib == NULL) return TICK_ENOMEM;
  ib->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ib->efd < 0) {
    int err = tick_translate_errno(errno);
    tick__free(ib);
    return err;
  }
  r = tick__poller_add(&loop->poller, ib->efd, TICK__POLLER_IN, TICK__INBOX_ID);
  if (r != 0) {
    close(ib->efd);
    tick__free(ib);
    return r;
  }
  pthread_mutex_init(&ib->lock, NULL);
  /* Without a key (the process used all PTHREAD_KEYS_MAX of them) posts take the lock:
   * slower, but the same guarantees. */
  ib->has_key = pthread_key_create(&ib->key, pq_thread_exit) == 0;
  atomic_init(&ib->pending, 0);
  atomic_init(&ib->nodes, NULL);
  atomic_init(&ib->queues, NULL);
  atomic_init(&ib->closing, 0);
  atomic_init(&ib->pushers, 0);
  atomic_init(&ib->sleeping, 0);
  atomic_init(&ib->wake_sent, 0);
  loop->inbox = ib;
  return 0;
}

void tick__inbox_free(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  tick__pq_t *q, *next, *own = NULL;
  int others_live = 0;
  if (ib == NULL) return;
  /* tick__inbox_close has run: no poster is inside tick_post (none may start: posting to
   * a destroyed loop is the program's bug) and every queue is drained. The calling
   * thread's own queue (a loop thread that posted to itself) is simply taken back. Each
   * other queue is given up with one exchange: if its thread has exited it is freed here;
   * if the thread lives, or is exiting right now, the queue's blocks are freed and its
   * small header is left for the key's destructor to free when the thread exits. */
  if (ib->has_key) {
    own = pthread_getspecific(ib->key);
    if (own != NULL) (void)pthread_setspecific(ib->key, NULL);
  }
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL; q = next) {
    next = q->next;
    if (q == own ||
        atomic_exchange_explicit(&q->state, PQ_LOOP_GONE, memory_order_acq_rel) ==
            PQ_THREAD_GONE) {
      pq_free(q);
    } else {
      pq_free_blocks(q);
      others_live = 1;
    }
  }
  /* The key is deleted only when no living thread holds one of its queues: deleting it
   * under such a thread would skip the destructor that frees the header (a leak), or race
   * with one already running. Otherwise the key is left to those threads' exits: one of
   * the process's PTHREAD_KEYS_MAX keys per such destroy; when they run out, later loops
   * post through the lock (tick__inbox_create). */
  if (ib->has_key && !others_live) pthread_key_delete(ib->key);
  /* A pool worker (or a waking thread) may have published its last completion, which
   * the loop has already run, and still be inside inbox_wake(): wait for it to leave
   * before freeing what it reads. It is a few instructions and at most one write(2)
   * away; libuv's uv_close of an async handle spins on the same window. Posters need no
   * such wait: they finish with the inbox inside its lock, which closing takes. */
  while (atomic_load(&ib->pushers) != 0) sched_yield();
  while (ib->waker_chunks != NULL) {
    waker_chunk_t *chunk = ib->waker_chunks;
    ib->waker_chunks = chunk->next;
    tick__free(chunk);
  }
  tick__tq_free(&ib->posts);
  tick__tq_free(&ib->batch);
  close(ib->efd);
  pthread_mutex_destroy(&ib->lock);
  tick__free(ib);
  loop->inbox = NULL;
}

void tick__inbox_close(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  tick__pq_t *q;
  pthread_mutex_lock(&ib->lock);
  ib->closed = 1;
  atomic_store(&ib->closing, 1);
  pthread_mutex_unlock(&ib->lock);
  /* A poster whose post is published may still be in its wake-up check: wait until it
   * has left (a few instructions, at most a write(2)), so that "the post ran" keeps
   * meaning the loop may be destroyed. The same kind of short wait as for `pushers` in
   * tick__inbox_free. */
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL; q = q->next)
    while (pq_busy(atomic_load_explicit(&q->pub, memory_order_acquire))) sched_yield();
}

int tick__inbox_closing(const tick_loop_t *loop) {
  return atomic_load(&loop->inbox->closing);
}

int tick__inbox_pending(const tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  const tick__pq_t *q;
  /* Relaxed loads are enough here: a value that is a moment old only decides whether to
   * block, and tick__inbox_sleep_begin re-checks with the ordering that matters. (After
   * tick__inbox_close, which tick_loop_destroy calls first, the counts are exact: the
   * close waited for every poster with acquire loads.) */
  if (atomic_load_explicit(&ib->pending, memory_order_relaxed) != 0 ||
      atomic_load_explicit(&ib->nodes, memory_order_relaxed) != NULL || ib->batch.len != 0)
    return 1;
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL; q = q->next)
    if (pq_published(atomic_load_explicit(&q->pub, memory_order_relaxed)) != q->consumed)
      return 1;
  return 0;
}

/* Any thread, after publishing work: writes the eventfd if the loop sleeps and nobody has
 * written since it went to sleep. */
static void inbox_wake(tick__inbox_t *ib) {
  if (atomic_load(&ib->sleeping) && !atomic_exchange(&ib->wake_sent, 1)) {
    uint64_t one = 1;
    ssize_t n;
    do n = write(ib->efd, &one, sizeof(one));
    while (n < 0 && errno == EINTR);
    /* The only other failure, EAGAIN, means the counter is about to overflow: the fd is
     * readable anyway, which is all a wake-up needs. */
  }
}

static int inbox_ready(void *loop) { return tick__inbox_pending(loop); }

/* 1 if a posting thread is between publishing its work and leaving (tick_post's busy
 * bit, or tick__inbox_push's count). */
static int inbox_poster_inside(tick__inbox_t *ib) {
  const tick__pq_t *q;
  if (atomic_load_explicit(&ib->pushers, memory_order_relaxed) != 0) return 1;
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL; q = q->next)
    if (pq_busy(atomic_load_explicit(&q->pub, memory_order_relaxed))) return 1;
  return 0;
}

int tick__inbox_spin(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  /* A poster on another core leaves tick_post within nanoseconds of publishing. One still
   * inside after a short wait has been preempted, nearly always by this loop: its eventfd
   * write woke the loop on the poster's own core and the scheduler switched at once.
   * Sleeping now would turn a stream of posts into a pair of context switches every few
   * posts (measured: 85k switches for 10M posts on one core); yielding lets the poster
   * run on, and the loop takes what it posted in one batch when it gets the core back. */
  if (inbox_poster_inside(ib)) {
    unsigned i;
    for (i = 0; i < 256 && inbox_poster_inside(ib); i++) tick__cpu_relax();
    if (i == 256) {
      sched_yield();
      if (tick__inbox_pending(loop)) return 1;
    }
  }
  /* Spin only while a reply from another thread is likely and near: a few pool jobs in
   * flight, or an open waker. With many jobs in flight completions come in batches and
   * one sleep serves a batch; spinning there only takes a core from the workers. */
  if ((loop->jobs_inflight == 0 || loop->jobs_inflight > TICK__SPIN_MAX_JOBS) &&
      loop->wakers_open == 0)
    return 0;
  return tick__spin(&loop->spin, inbox_ready, loop);
}

int tick__inbox_sleep_begin(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  tick__pq_t *q;
  int work;
  atomic_store(&ib->sleeping, 1);
  pthread_mutex_lock(&ib->lock);
  work = ib->posts.len != 0;
  pthread_mutex_unlock(&ib->lock);
  if (atomic_load(&ib->nodes) != NULL) work = 1;
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL && !work;
       q = q->next)
    if (pq_published(atomic_load(&q->pub)) != q->consumed) work = 1;
  if (work) {
    atomic_store(&ib->sleeping, 0);
    return 0;
  }
  return 1;
}

void tick__inbox_sleep_end(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  atomic_store(&ib->sleeping, 0);
  /* `wake_sent` stays set until the eventfd has been read (tick__inbox_run): clearing it
   * here, before the read, would let a poster write after the clear and that write be
   * consumed by the read, leaving `wake_sent` set with no write pending, and the next
   * sleep would never be woken. */
}

void tick__inbox_push(tick_loop_t *loop, tick__node_t *node) {
  tick__inbox_t *ib = loop->inbox;
  tick__node_t *head;
  atomic_fetch_add(&ib->pushers, 1);
  head = atomic_load_explicit(&ib->nodes, memory_order_relaxed);
  do node->next = head;
  while (!atomic_compare_exchange_weak(&ib->nodes, &head, node));
  inbox_wake(ib);
  atomic_fetch_sub_explicit(&ib->pushers, 1, memory_order_release);
}

/* ----------------------------------------------------------- producer queues ---- */

/* The loop's part of a queue: its blocks (the header stays). */
static void pq_free_blocks(tick__pq_t *q) {
  pq_block_t *b = q->head, *next;
  while (b != NULL) {
    next = b->next;
    tick__free(b);
    b = next;
  }
  q->head = NULL;
  tick__free(atomic_exchange_explicit(&q->spare, NULL, memory_order_acquire));
}

static void pq_free(tick__pq_t *q) {
  pq_free_blocks(q);
  tick__free(q);
}

/* The key's destructor, on a posting thread as it exits. Its exchange is the thread's
 * last touch of the queue: from then on the loop frees it once drained (pq_reclaim) or
 * at destroy; if the loop was destroyed first, only the header is left, freed here. */
static void pq_thread_exit(void *arg) {
  tick__pq_t *q = arg;
  if (atomic_exchange_explicit(&q->state, PQ_THREAD_GONE, memory_order_acq_rel) ==
      PQ_LOOP_GONE)
    tick__free(q);
}

/* The calling thread's first post to this loop: makes its queue and registers it. Returns
 * 0, TICK_ENOMEM or TICK_ECLOSING. */
static int pq_register(tick__inbox_t *ib, tick__pq_t **out) {
  tick__pq_t *q = tick__calloc(1, sizeof(*q));
  pq_block_t *b;
  if (q == NULL) return TICK_ENOMEM;
  b = tick__malloc(sizeof(*b));
  if (b == NULL) {
    tick__free(q);
    return TICK_ENOMEM;
  }
  b->next = NULL;
  q->head = q->tail = b;
  atomic_init(&q->pub, 0);
  atomic_init(&q->state, PQ_LIVE);
  atomic_init(&q->spare, NULL);
  /* pthread_setspecific may allocate (glibc's second-level array), outside the
   * allocator hook; it fails cleanly. */
  if (pthread_setspecific(ib->key, q) != 0) {
    pq_free(q);
    return TICK_ENOMEM;
  }
  pthread_mutex_lock(&ib->lock);
  if (ib->closed) {
    pthread_mutex_unlock(&ib->lock);
    (void)pthread_setspecific(ib->key, NULL);
    pq_free(q);
    return TICK_ECLOSING;
  }
  q->next = atomic_load_explicit(&ib->queues, memory_order_relaxed);
  atomic_store_explicit(&ib->queues, q, memory_order_release);
  pthread_mutex_unlock(&ib->lock);
  *out = q;
  return 0;
}

/* The posting thread's hot path: the slot, then one exchange that publishes the post,
 * marks the poster as inside tick_post, and (a full barrier) orders the publication
 * before the load of `sleeping` in inbox_wake; then a release store to leave. */
static int pq_post(tick__inbox_t *ib, tick__pq_t *q, tick_task_cb cb, void *arg) {
  tick__task_t *t;
  /* The post's linearisation point: one that passes this check is accepted, even if the
   * loop closes before it is published (it then runs, like any post accepted before the
   * close). Only a program bug (destroying a loop while a thread may still call
   * tick_post on it) can free the queue under a poster that passed it. */
  if (TICK__UNLIKELY(atomic_load_explicit(&ib->closing, memory_order_acquire)))
    return TICK_ECLOSING;
  if (TICK__UNLIKELY(q->tail_pos == PQ_SLOTS)) {
    pq_block_t *b = atomic_exchange_explicit(&q->spare, NULL, memory_order_acquire);
    if (b == NULL) b = tick__malloc(sizeof(*b));
    if (b == NULL) return TICK_ENOMEM;
    b->next = NULL;
    q->tail->next = b;
    q->tail = b;
    q->tail_pos = 0;
  }
  t = &q->tail->tasks[q->tail_pos++];
  t->cb = cb;
  t->arg = arg;
  q->count = (q->count + 1) & PQ_COUNT_MASK;
  atomic_exchange(&q->pub, (q->count << 1) | 1);
  inbox_wake(ib);
  atomic_store_explicit(&q->pub, q->count << 1, memory_order_release);
  return 0;
}

/* Loop thread: the next task of a queue with consumed < published. */
static inline tick__task_t pq_pop(tick__pq_t *q) {
  if (TICK__UNLIKELY(q->head_pos == PQ_SLOTS)) {
    /* The producer wrote `next` before publishing the slot we are about to read. */
    pq_block_t *spent = q->head, *old;
    q->head = spent->next;
    q->head_pos = 0;
    old = atomic_exchange_explicit(&q->spare, spent, memory_order_acq_rel);
    if (old != NULL) tick__free(old); /* the producer is far ahead: keep only one */
  }
  q->consumed = (q->consumed + 1) & PQ_COUNT_MASK;
  return q->head->tasks[q->head_pos++];
}

/* Loop thread: frees the queues of threads that have exited, once drained. */
static void pq_reclaim(tick__inbox_t *ib) {
  tick__pq_t *q, *prev = NULL, *next;
  for (q = atomic_load_explicit(&ib->queues, memory_order_acquire); q != NULL; q = next) {
    next = q->next;
    /* The acquire load of `state` makes the thread's last publication visible. */
    if (atomic_load_explicit(&q->state, memory_order_acquire) == PQ_THREAD_GONE &&
        pq_published(atomic_load_explicit(&q->pub, memory_order_relaxed)) == q->consumed) {
      pthread_mutex_lock(&ib->lock); /* registrations push at the head */
      if (prev == NULL && atomic_load_explicit(&ib->queues, memory_order_relaxed) == q) {
        atomic_store_explicit(&ib->queues, next, memory_order_release);
      } else {
        if (prev == NULL) /* new queues were pushed since the walk began */
          for (prev = atomic_load_explicit(&ib->queues, memory_order_relaxed);
               prev->next != q; prev = prev->next) {
          }
        prev->next = next;
      }
      pthread_mutex_unlock(&ib->lock);
      pq_free(q);
      continue;
    }
    prev = q;
  }
}

static void run_macrotask_node(tick_loop_t *loop, tick__node_t *node) {
  loop->obs.poll_cbs++;
  loop->depth++;
  node->run(loop, node);
  loop->depth--;
  tick__drain(loop);
}

void tick__inbox_run(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  tick__pq_t *head, *q;
  int any = 0, dead = 0;
  if (loop->inbox_fd_ready) {
    uint64_t value;
    ssize_t n = read(ib->efd, &value, sizeof(value));
    (void)n; /* EAGAIN: another read already reset it */
    loop->inbox_fd_ready = 0;
    /* Only now may posters write again: every write made before this point was consumed
     * by the read or will leave the fd readable (one spurious wake-up, never a lost
     * one), and every write after it is still to be read. */
    atomic_store(&ib->wake_sent, 0);
  }
  if (atomic_load_explicit(&ib->nodes, memory_order_relaxed) != NULL) {
    tick__node_t *list = atomic_exchange_explicit(&ib->nodes, NULL, memory_order_acquire);
    tick__node_t *fifo = NULL;
    while (list != NULL) { /* the LIFO reversed: oldest first */
      tick__node_t *next = list->next;
      list->next = fifo;
      fifo = list;
      list = next;
    }
    while (fifo != NULL) {
      tick__node_t *next = fifo->next; /* `run` may free or re-push the node */
      run_macrotask_node(loop, fifo);
      fifo = next;
    }
  }
  /* Producer queues: only what was published when this point was reached (a producer
   * faster than the loop cannot hold it in this phase forever). The snapshot is taken
   * before the locked posts are, and those run first: a thread whose registration
   * failed posted there before it posted to its queue, so its order holds. */
  head = atomic_load_explicit(&ib->queues, memory_order_acquire);
  for (q = head; q != NULL; q = q->next) {
    q->limit = pq_published(atomic_load_explicit(&q->pub, memory_order_acquire));
    if (q->limit != q->consumed) any = 1;
    else if (atomic_load_explicit(&q->state, memory_order_relaxed) == PQ_THREAD_GONE) dead = 1;
  }
  if (atomic_load_explicit(&ib->pending, memory_order_relaxed) != 0) {
    tick__tq_t taken;
    pthread_mutex_lock(&ib->lock);
    taken = ib->posts;
    ib->posts = ib->batch; /* empty, but keeps its spare blocks for the posters */
    atomic_store_explicit(&ib->pending, 0, memory_order_relaxed);
    pthread_mutex_unlock(&ib->lock);
    ib->batch = taken;
    while (ib->batch.len != 0) {
      tick__qtask_t t = tick__tq_pop(&ib->batch);
      loop->obs.poll_cbs++;
      void *saved = tick__enter(loop, &t.cap, TICK__CB_POST, (tick__fn_t)t.cb);
      loop->depth++;
      t.cb(loop, t.arg);
      loop->depth--;
      tick__leave(loop, saved);
      tick__drain(loop);
    }
  }
  /* Round robin, PQ_TURN posts per queue per round, so that producers share the phase
   * (and the latency) rather than each waiting for the whole backlog of the others. */
  while (any) {
    any = 0;
    for (q = head; q != NULL; q = q->next) {
      size_t turn = (q->limit - q->consumed) & PQ_COUNT_MASK;
      if (turn == 0) continue;
      if (turn > PQ_TURN) {
        turn = PQ_TURN;
        any = 1;
      }
      while (turn-- != 0) {
        static const tick__cap_t none = {NULL, 0};
        tick__task_t t = pq_pop(q);
        loop->obs.poll_cbs++;
        void *saved = tick__enter(loop, &none, TICK__CB_POST, (tick__fn_t)t.cb);
        loop->depth++;
        t.cb(loop, t.arg);
        loop->depth--;
        tick__leave(loop, saved);
        tick__drain(loop);
      }
      if (q->consumed == q->limit && atomic_load_explicit(&q->state, memory_order_relaxed) == PQ_THREAD_GONE)
        dead = 1;
    }
  }
  if (dead) pq_reclaim(ib);
}

/* tick_loop_walk: each open waker, which keeps the loop alive until closed. */
int tick__inbox_walk(tick_loop_t *loop, tick__visit_fn visit, void *ctx) {
  waker_chunk_t *chunk;
  for (chunk = loop->inbox->waker_chunks; chunk != NULL; chunk = chunk->next) {
    unsigned i;
    for (i = 0; i < WAKER_CHUNK; i++) {
      tick_waker_t *w = &chunk->rec[i];
      tick_resource_t res;
      if (atomic_load_explicit(&w->open_gen, memory_order_relaxed) == 0) continue;
      memset(&res, 0, sizeof(res));
      res.kind = "waker";
      res.flags = TICK_RESOURCE_ACTIVE | TICK_RESOURCE_REF;
      res.site = tick__site_get(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)w);
      if (visit(ctx, &res)) return 1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ posting ---- */

/* The locked path: loops without a key, threads that could not register. */
static int locked_post(tick__inbox_t *ib, tick_task_cb cb, void *arg) {
  int r;
  pthread_mutex_lock(&ib->lock);
  if (ib->closed) {
    r = TICK_ECLOSING;
  } else {
    r = tick__tq_push(&ib->posts, cb, arg);
    if (r == 0) {
      /* Writers of `pending` hold the lock, so a plain store is enough: the atomic type
       * is only for the loop's unlocked reads. */
      atomic_store_explicit(&ib->pending, ib->posts.len, memory_order_relaxed);
      /* The wake-up is decided and written inside the lock: once the lock is released
       * this thread touches the inbox no more, so a destroy that closes the inbox after
       * this critical section can free it at once. */
      inbox_wake(ib);
    }
  }
  pthread_mutex_unlock(&ib->lock);
  return r;
}

int tick_post(tick_loop_t *loop, tick_task_cb cb, void *arg) {
  tick__inbox_t *ib;
  tick__pq_t *q;
  int r;
  if (loop == NULL || cb == NULL) return TICK_EINVAL;
  ib = loop->inbox;
  if (TICK__LIKELY(ib->has_key)) {
    q = pthread_getspecific(ib->key);
    if (TICK__LIKELY(q != NULL)) return pq_post(ib, q, cb, arg);
    r = pq_register(ib, &q);
    if (r == 0) return pq_post(ib, q, cb, arg);
    if (r == TICK_ECLOSING) return r;
    /* Out of memory for a queue: the locked queue may still have room. */
  }
  return locked_post(ib, cb, arg);
}

int tick_post_close(tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  tick__inbox_close(loop);
  return 0;
}

/* ------------------------------------------------------------------- wakers ---- */

static void waker_recycle(tick__inbox_t *ib, tick_waker_t *w) {
  w->zombie = 0;
  w->next_free = ib->waker_free;
  ib->waker_free = w;
}

static void waker_run(tick_loop_t *loop, tick__node_t *node) {
  tick_waker_t *w = (tick_waker_t *)(void *)((char *)node - offsetof(tick_waker_t, node));
  /* Cleared before the callback: a wake during it queues another run. */
  atomic_store(&w->pending, 0);
  if (w->zombie) {
    waker_recycle(loop->inbox, w); /* closed while this wake was in flight */
    return;
  }
  if (atomic_load_explicit(&w->open_gen, memory_order_relaxed) == 0) return;
  {
    void *saved = tick__enter(loop, &w->cap, TICK__CB_POST, (tick__fn_t)w->cb);
    w->cb(loop, tick__handle_make(w, w->gen), w->arg);
    tick__leave(loop, saved);
  }
}

/* Takes a free waker record, adding a chunk if none is left. NULL: out of memory. */
static tick_waker_t *waker_take(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  tick_waker_t *w = ib->waker_free;
  if (w == NULL) {
    waker_chunk_t *chunk = tick__malloc(sizeof(*chunk));
    int i;
    if (chunk == NULL) return NULL;
    if (!tick__handle_fits(chunk, sizeof(*chunk))) {
      tick__free(chunk);
      return NULL;
    }
    chunk->next = ib->waker_chunks;
    ib->waker_chunks = chunk;
    for (i = WAKER_CHUNK; i-- > 0;) {
      tick_waker_t *r = &chunk->rec[i];
      r->node.next = NULL;
      r->node.run = waker_run;
      r->loop = loop;
      atomic_init(&r->open_gen, 0);
      atomic_init(&r->pending, 0);
      r->gen = 0;
      r->zombie = 0;
      r->next_free = ib->waker_free;
      ib->waker_free = r;
    }
    w = ib->waker_free;
  }
  ib->waker_free = w->next_free;
  return w;
}

int tick_waker_create(tick_loop_t *loop, tick_waker_cb cb, void *arg, tick_waker_t **out) {
  tick_waker_t *w;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL || out == NULL) return TICK_EINVAL;
  *out = NULL;
  if (atomic_load(&loop->inbox->closing)) return TICK_ECLOSING;
  w = waker_take(loop);
  if (w == NULL) return TICK_ENOMEM;
  /* A free record has no wake in flight: `pending` is 0. */
  w->cb = cb;
  w->arg = arg;
  w->cap.ctx = loop->ctx;
  w->cap.flow = 0; /* a wake has no single cause */
  w->gen = tick__handle_gen_next(w->gen);
  atomic_store_explicit(&w->open_gen, w->gen, memory_order_release);
  loop->module_refs++;
  loop->wakers_open++;
  TICK__NOTE_SITE(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)w);
  *out = tick__handle_make(w, w->gen);
  return 0;
}

/* The record of an open waker's handle, or NULL if it was closed (any thread). */
static tick_waker_t *waker_open(const tick_waker_t *handle) {
  tick_waker_t *w = tick__handle_record(handle);
  unsigned gen = atomic_load_explicit(&w->open_gen, memory_order_acquire);
  if (gen == 0 || !tick__handle_gen_is(handle, (uint16_t)gen)) return NULL;
  return w;
}

int tick_waker_wake(tick_waker_t *handle) {
  tick_waker_t *w;
  if (handle == NULL) return TICK_EINVAL;
  w = waker_open(handle);
  if (w == NULL) return TICK_ESTALE;
  if (atomic_load(&w->loop->inbox->closing)) return TICK_ECLOSING;
  if (!atomic_exchange(&w->pending, 1)) tick__inbox_push(w->loop, &w->node);
  return 0;
}

int tick_waker_close(tick_loop_t *loop, tick_waker_t *handle) {
  tick_waker_t *w;
  if (handle == NULL) return 0;
  TICK__CHECK_LOOP(loop);
  if (((tick_waker_t *)tick__handle_record(handle))->loop != loop) return TICK_EINVAL;
  w = waker_open(handle);
  if (w == NULL) return TICK_ESTALE;
  atomic_store_explicit(&w->open_gen, 0, memory_order_release);
  loop->module_refs--;
  loop->wakers_open--;
  tick__site_forget(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)w);
  if (atomic_load(&w->pending))
    w->zombie = 1; /* in the inbox: waker_run recycles it */
  else
    waker_recycle(loop->inbox, w);
  return 0;
}
