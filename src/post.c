/* post.c - the loop's cross-thread inbox: tick_post from any thread, wakers, and the
 * completion path of the thread pool.
 *
 * Two queues feed the loop from other threads:
 * - posts: (cb, arg) pairs in a segmented task queue (the loop's tick__tq_t) under a
 *   mutex. A post is two stores and a counter bump inside the lock; the loop takes the
 *   whole queue at once by swapping it with an empty one, so it holds the lock for O(1)
 *   however long the burst was, and runs the batch without it. Blocks are recycled on
 *   both sides, so a steady stream of posts does not allocate.
 * - nodes: intrusive completions (pool jobs, wakers) on a lock-free LIFO. Pushing is one
 *   compare-and-swap and can never fail; the loop takes the whole list with one exchange
 *   and reverses it, so each pushing thread's nodes run in the order it pushed them. No
 *   node is ever popped alone, so the usual ABA problem of lock-free stacks cannot occur.
 *
 * Wake-ups. A cross-thread wake through the eventfd costs a system call for the poster
 * and a context switch for the loop, so posters write it only when the loop is about to
 * block or blocked (`sleeping`) and nobody has written since it went to sleep
 * (`wake_sent`): one write per burst, none while the loop is awake. No wake-up is lost:
 * the loop stores `sleeping = 1` and then looks at both queues; a poster publishes its
 * work and then loads `sleeping`. With sequentially consistent operations on both sides
 * (or the queue's mutex, for posts) at least one of them sees the other: either the loop
 * finds the work and does not block, or the poster sees it asleep and writes. See
 * docs/threads.md for the measured costs.
 */
#include "loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sched.h>
#include <unistd.h>

struct tick__inbox_s {
  /* Written by posting threads. */
  pthread_mutex_t lock;
  tick__tq_t posts;           /* guarded by `lock` */
  int closed;                 /* guarded by `lock` */
  atomic_size_t pending;      /* posts accepted and not yet taken by the loop */
  _Atomic(tick__node_t *) nodes;
  atomic_int closing;         /* `closed` for the lock-free paths (wakers) */
  atomic_int pushers;         /* threads between publishing work and their last touch */
  char pad_[64];              /* keeps the loop's wake state off the posters' line */
  /* Read by posters, written by the loop around each blocking wait. */
  atomic_int sleeping;
  atomic_int wake_sent;
  int efd;
  /* Loop thread only: the posts being run by the current poll phase. */
  tick__tq_t batch;
};

struct tick_waker_s {
  tick__node_t node;
  tick_loop_t *loop;
  tick_waker_cb cb;
  void *arg;
  atomic_int pending; /* 1 from a wake until the callback is about to run */
  int closed;         /* loop thread: closed while a wake was in flight */
};

/* ---------------------------------------------------------------- the inbox ---- */

int tick__inbox_create(tick_loop_t *loop) {
  struct epoll_event ev;
  tick__inbox_t *ib = tick__calloc(1, sizeof(*ib));
  if (ib == NULL) return TICK_ENOMEM;
  ib->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ib->efd < 0) {
    int err = tick_translate_errno(errno);
    tick__free(ib);
    return err;
  }
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.u64 = TICK__INBOX_ID;
  if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, ib->efd, &ev) != 0) {
    int err = tick_translate_errno(errno);
    close(ib->efd);
    tick__free(ib);
    return err;
  }
  pthread_mutex_init(&ib->lock, NULL);
  atomic_init(&ib->pending, 0);
  atomic_init(&ib->nodes, NULL);
  atomic_init(&ib->closing, 0);
  atomic_init(&ib->pushers, 0);
  atomic_init(&ib->sleeping, 0);
  atomic_init(&ib->wake_sent, 0);
  loop->inbox = ib;
  return 0;
}

void tick__inbox_free(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  if (ib == NULL) return;
  /* A pool worker (or a waking thread) may have published its last completion, which
   * the loop has already run, and still be inside inbox_wake(): wait for it to leave
   * before freeing what it reads. It is a few instructions and at most one write(2)
   * away; libuv's uv_close of an async handle spins on the same window. Posters need no
   * such wait: they finish with the inbox inside its lock, which closing takes. */
  while (atomic_load(&ib->pushers) != 0) sched_yield();
  tick__tq_free(&ib->posts);
  tick__tq_free(&ib->batch);
  close(ib->efd);
  pthread_mutex_destroy(&ib->lock);
  tick__free(ib);
  loop->inbox = NULL;
}

void tick__inbox_close(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  pthread_mutex_lock(&ib->lock);
  ib->closed = 1;
  atomic_store(&ib->closing, 1);
  pthread_mutex_unlock(&ib->lock);
}

int tick__inbox_closing(const tick_loop_t *loop) {
  return atomic_load(&loop->inbox->closing);
}

int tick__inbox_pending(const tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  /* Relaxed loads are enough here: a value that is a moment old only decides whether to
   * block, and tick__inbox_sleep_begin re-checks with the ordering that matters. */
  return atomic_load_explicit(&ib->pending, memory_order_relaxed) != 0 ||
         atomic_load_explicit(&ib->nodes, memory_order_relaxed) != NULL || ib->batch.len != 0;
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

int tick__inbox_sleep_begin(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
  int busy;
  atomic_store(&ib->sleeping, 1);
  pthread_mutex_lock(&ib->lock);
  busy = ib->posts.len != 0;
  pthread_mutex_unlock(&ib->lock);
  if (busy || atomic_load(&ib->nodes) != NULL) {
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

static void run_macrotask_node(tick_loop_t *loop, tick__node_t *node) {
  loop->depth++;
  node->run(loop, node);
  loop->depth--;
  tick__drain(loop);
}

void tick__inbox_run(tick_loop_t *loop) {
  tick__inbox_t *ib = loop->inbox;
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
  if (atomic_load_explicit(&ib->pending, memory_order_relaxed) != 0) {
    tick__tq_t taken;
    pthread_mutex_lock(&ib->lock);
    taken = ib->posts;
    ib->posts = ib->batch; /* empty, but keeps its spare blocks for the posters */
    atomic_store_explicit(&ib->pending, 0, memory_order_relaxed);
    pthread_mutex_unlock(&ib->lock);
    ib->batch = taken;
    while (ib->batch.len != 0) {
      tick__task_t t = tick__tq_pop(&ib->batch);
      loop->depth++;
      t.cb(loop, t.arg);
      loop->depth--;
      tick__drain(loop);
    }
  }
}

/* ------------------------------------------------------------------ posting ---- */

int tick_post(tick_loop_t *loop, tick_task_cb cb, void *arg) {
  tick__inbox_t *ib;
  int r;
  if (loop == NULL || cb == NULL) return TICK_EINVAL;
  ib = loop->inbox;
  pthread_mutex_lock(&ib->lock);
  if (ib->closed) {
    r = TICK_ECLOSING;
  } else {
    r = tick__tq_push(&ib->posts, cb, arg);
    if (r == 0) {
      /* Writers of `pending` hold the lock, so a plain store is enough: the atomic type
       * is only for the loop's unlocked reads. No read-modify-write on the hot path. */
      atomic_store_explicit(&ib->pending, ib->posts.len, memory_order_relaxed);
      /* The wake-up is decided and written inside the lock: it is rare (once per burst,
       * only while the loop sleeps), and once the lock is released this thread touches
       * the inbox no more, so a destroy that closes the inbox after this critical section
       * can free it at once. */
      inbox_wake(ib);
    }
  }
  pthread_mutex_unlock(&ib->lock);
  return r;
}

int tick_post_close(tick_loop_t *loop) {
  TICK__CHECK_LOOP(loop);
  tick__inbox_close(loop);
  return 0;
}

/* ------------------------------------------------------------------- wakers ---- */

static void waker_run(tick_loop_t *loop, tick__node_t *node) {
  tick_waker_t *w = (tick_waker_t *)(void *)((char *)node - offsetof(tick_waker_t, node));
  /* Cleared before the callback: a wake during it queues another run. */
  atomic_store(&w->pending, 0);
  if (w->closed) {
    tick__free(w);
    return;
  }
  w->cb(loop, w, w->arg);
}

int tick_waker_create(tick_loop_t *loop, tick_waker_cb cb, void *arg, tick_waker_t **out) {
  tick_waker_t *w;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL || out == NULL) return TICK_EINVAL;
  *out = NULL;
  if (atomic_load(&loop->inbox->closing)) return TICK_ECLOSING;
  w = tick__calloc(1, sizeof(*w));
  if (w == NULL) return TICK_ENOMEM;
  w->node.run = waker_run;
  w->loop = loop;
  w->cb = cb;
  w->arg = arg;
  atomic_init(&w->pending, 0);
  loop->module_refs++;
  *out = w;
  return 0;
}

int tick_waker_wake(tick_waker_t *w) {
  if (w == NULL) return TICK_EINVAL;
  if (atomic_load(&w->loop->inbox->closing)) return TICK_ECLOSING;
  if (!atomic_exchange(&w->pending, 1)) tick__inbox_push(w->loop, &w->node);
  return 0;
}

int tick_waker_close(tick_loop_t *loop, tick_waker_t *w) {
  if (w == NULL) return 0;
  TICK__CHECK_LOOP(loop);
  if (w->loop != loop || w->closed) return TICK_EINVAL;
  loop->module_refs--;
  if (atomic_load(&w->pending))
    w->closed = 1; /* in the inbox: waker_run frees it */
  else
    tick__free(w);
  return 0;
}
