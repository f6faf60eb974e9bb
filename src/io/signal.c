/* signal.c - signal watchers: a sigaction handler that wakes every loop watching the signal.
 *
 * Why not signalfd: it only sees signals that are blocked in every thread, and a library
 * cannot block signals in threads it does not own (the program's, other libraries'), so a
 * signal would go to some thread's default action instead. A sigaction handler runs in
 * whichever thread the kernel picks, and all it has to do is tell the loops.
 *
 * The process-wide state (docs/design/process.md, "Signals"):
 * - `slots`: one entry per loop that has signal watchers: the set of signals that loop
 *   watches, the set that arrived and the loop has not dispatched yet, and its eventfd.
 *   The handler reads `mask`, ORs into `pending` and writes `fd`; all three are lock-free
 *   atomics, which is what makes it async-signal-safe (no lock, no allocation).
 * - `in_handler`: how many handler invocations are running. A loop that gives its slot
 *   up clears `fd` first, then waits until `in_handler` is 0 before it closes the eventfd,
 *   so a handler never writes to a descriptor number that was closed and reused.
 * - `users`/`saved`: per signal, how many loops watch it and the disposition to restore
 *   when the last one stops; changed under `lock`, never touched by the handler.
 *
 * On the loop, each watcher is a record in a small generation-counted table; the started
 * ones are kept in a list per signal, in start order. The eventfd is an internal, unref'd
 * fd watcher (tick_poll), so the dispatch is an ordinary poll-phase callback.
 */
#include "io/module.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define NSIGS 65 /* signals 1..64 */

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
               "the signal handler needs lock-free atomics");

/* ------------------------------------------------------- process-wide state ---- */

typedef struct sig_slot_s {
  atomic_ullong mask;    /* bit (signum - 1): this loop watches signum */
  atomic_ullong pending; /* bit (signum - 1): arrived, not yet dispatched */
  atomic_int fd;         /* the loop's eventfd, -1 when free */
  int used;              /* under `lock` */
} sig_slot_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sig_slot_t slots[TICK_SIGNAL_LOOPS_MAX];
static atomic_int slots_hwm; /* slots at or above it were never used */
static atomic_int in_handler;
static unsigned users[NSIGS];          /* under `lock` */
static struct sigaction saved[NSIGS];  /* under `lock` */

static void handler(int signum) {
  int saved_errno = errno, n, i;
  unsigned long long bit = 1ull << (signum - 1);
  atomic_fetch_add(&in_handler, 1);
  n = atomic_load(&slots_hwm);
  for (i = 0; i < n; i++) {
    int fd;
    if (!(atomic_load(&slots[i].mask) & bit)) continue;
    atomic_fetch_or(&slots[i].pending, bit);
    fd = atomic_load(&slots[i].fd);
    if (fd >= 0) {
      uint64_t one = 1;
      /* EAGAIN (counter full) still leaves the eventfd readable: nothing is lost. */
      ssize_t w = write(fd, &one, sizeof(one));
      (void)w;
    }
  }
  atomic_fetch_sub(&in_handler, 1);
  errno = saved_errno;
}

static int slot_take(int fd) {
  int i, r = TICK_ENOSPC;
  pthread_mutex_lock(&lock);
  for (i = 0; i < TICK_SIGNAL_LOOPS_MAX; i++) {
    if (slots[i].used) continue;
    slots[i].used = 1;
    atomic_store(&slots[i].mask, 0);
    atomic_store(&slots[i].pending, 0);
    atomic_store(&slots[i].fd, fd);
    if (i >= atomic_load(&slots_hwm)) atomic_store(&slots_hwm, i + 1);
    r = i;
    break;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

/* Frees the slot; after it returns no handler can still write to its fd. */
static void slot_release(int i) {
  pthread_mutex_lock(&lock);
  atomic_store(&slots[i].mask, 0);
  atomic_store(&slots[i].fd, -1);
  slots[i].used = 0;
  pthread_mutex_unlock(&lock);
  /* A handler that loaded the old fd incremented in_handler before it did. */
  while (atomic_load(&in_handler) != 0) sched_yield();
}

/* The first watcher of `signum` on a loop: installs the handler if the process had none. */
static int sig_add(int slot, int signum) {
  int r = 0;
  pthread_mutex_lock(&lock);
  if (users[signum] == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(signum, &sa, &saved[signum]) != 0) r = tick_translate_errno(errno);
  }
  if (r == 0) {
    users[signum]++;
    atomic_fetch_or(&slots[slot].mask, 1ull << (signum - 1));
  }
  pthread_mutex_unlock(&lock);
  return r;
}

/* The last watcher of `signum` on a loop stopped: restores the old disposition if it was
 * the last in the process. */
static void sig_remove(int slot, int signum) {
  pthread_mutex_lock(&lock);
  atomic_fetch_and(&slots[slot].mask, ~(1ull << (signum - 1)));
  if (--users[signum] == 0) sigaction(signum, &saved[signum], NULL);
  pthread_mutex_unlock(&lock);
}

/* ------------------------------------------------------------- per loop ---- */

enum { W_FREE = 0, W_STOPPED, W_STARTED };

typedef struct sig_rec_s {
  uint32_t gen;
  uint8_t state;
  uint8_t ref;
  uint8_t due; /* to be called by the dispatch that is running */
  int signum;
  uint32_t prev, next; /* list of started watchers of `signum`; free list */
  tick_signal_cb cb;
  void *arg;
} sig_rec_t;

typedef struct sig_state_s {
  sig_rec_t *recs;
  uint32_t cap, free_head, live;
  uint32_t head[NSIGS], tail[NSIGS], count[NSIGS];
  int efd, slot;
  tick_poll_t pw;
  int has_pw;
} sig_state_t;

static void state_destroy(tick_loop_t *loop, void *state) {
  sig_state_t *s = state;
  (void)loop;
  tick__free(s->recs);
  tick__free(s);
}

/* tick_loop_walk: each watcher (the eventfd's fd watcher is not listed). A started,
 * ref'd watcher keeps the loop alive. */
static int state_walk(tick_loop_t *loop, void *state,
                      int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  sig_state_t *s = state;
  uint32_t i;
  for (i = 0; i < s->cap; i++) {
    const sig_rec_t *w = &s->recs[i];
    tick_resource_t res;
    if (w->state == W_FREE) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "signal";
    res.id = ((uint64_t)w->gen << 32) | (i + 1);
    if (w->state == W_STARTED) res.flags |= TICK_RESOURCE_ACTIVE;
    if (w->ref) res.flags |= TICK_RESOURCE_REF;
    res.site = tick__site_get(loop, TICK__SITE_MODULE(TICK__MODULE_SIGNAL), res.id);
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static const tick__module_hooks_t hooks = {NULL, state_destroy, NULL, NULL, state_walk};

static sig_state_t *get_state(tick_loop_t *loop) {
  sig_state_t *s = tick__loop_module_state(loop, TICK__MODULE_SIGNAL);
  uint32_t i;
  if (s != NULL) return s;
  s = tick__calloc(1, sizeof(*s));
  if (s == NULL) return NULL;
  s->free_head = TICK__NONE;
  s->efd = -1;
  s->slot = -1;
  for (i = 0; i < NSIGS; i++) s->head[i] = s->tail[i] = TICK__NONE;
  tick__loop_set_module(loop, TICK__MODULE_SIGNAL, &hooks, s);
  return s;
}

static sig_rec_t *lookup(sig_state_t *s, uint64_t id, uint32_t *idx_out) {
  uint32_t low = (uint32_t)id, idx;
  if (s == NULL || low == 0) return NULL;
  idx = low - 1;
  if (idx >= s->cap) return NULL;
  if (s->recs[idx].state == W_FREE || s->recs[idx].gen != (uint32_t)(id >> 32)) return NULL;
  *idx_out = idx;
  return &s->recs[idx];
}

/* The public entry points' common start: checks the loop, then looks the watcher up.
 * Returns the record (and sets *s_out, *idx_out), or NULL with *err set. */
static sig_rec_t *enter(tick_loop_t *loop, tick_signal_t watcher, sig_state_t **s_out,
                        uint32_t *idx_out, int *err) {
  sig_rec_t *w;
  *err = tick__loop_check(loop);
  if (*err != 0) return NULL;
  *s_out = tick__loop_module_state(loop, TICK__MODULE_SIGNAL);
  w = lookup(*s_out, watcher.id, idx_out);
  if (w == NULL) *err = TICK_ESTALE;
  return w;
}

static void list_remove(sig_state_t *s, uint32_t idx) {
  sig_rec_t *w = &s->recs[idx];
  if (w->prev == TICK__NONE) s->head[w->signum] = w->next;
  else s->recs[w->prev].next = w->next;
  if (w->next == TICK__NONE) s->tail[w->signum] = w->prev;
  else s->recs[w->next].prev = w->prev;
  w->prev = w->next = TICK__NONE;
}

static void list_append(sig_state_t *s, uint32_t idx) {
  sig_rec_t *w = &s->recs[idx];
  w->next = TICK__NONE;
  w->prev = s->tail[w->signum];
  if (w->prev == TICK__NONE) s->head[w->signum] = idx;
  else s->recs[w->prev].next = idx;
  s->tail[w->signum] = idx;
}

static void watcher_stop(tick_loop_t *loop, sig_state_t *s, uint32_t idx) {
  sig_rec_t *w = &s->recs[idx];
  if (w->state != W_STARTED) return;
  list_remove(s, idx);
  w->state = W_STOPPED;
  w->due = 0;
  if (w->ref) loop->module_refs--;
  if (--s->count[w->signum] == 0) sig_remove(s->slot, w->signum);
}

/* The eventfd watcher's close callback (`arg` is the slot): the loop had no signal
 * watcher left. A new one may have taken another slot and eventfd since. */
static void efd_closed(tick_loop_t *loop, void *arg) {
  int slot = (int)(intptr_t)arg;
  int fd = atomic_load(&slots[slot].fd);
  (void)loop;
  slot_release(slot);
  close(fd);
}

/* Poll phase: the eventfd is readable. Calls every started watcher of every pending
 * signal, each as its own macrotask. */
static void dispatch(tick_loop_t *loop, tick_poll_t pw, int status, unsigned events,
                     void *arg) {
  sig_state_t *s = arg;
  uint64_t count;
  unsigned long long pending;
  int signum;
  (void)pw, (void)status, (void)events;
  if (read(s->efd, &count, sizeof(count)) < 0 && errno != EAGAIN) return;
  pending = atomic_exchange(&slots[s->slot].pending, 0);
  for (signum = 1; signum < NSIGS && pending != 0; signum++) {
    uint32_t idx;
    if (!(pending & (1ull << (signum - 1)))) continue;
    pending &= ~(1ull << (signum - 1));
    /* Mark who is due now: watchers started by a callback of this dispatch wait for the
     * next arrival, stopped ones lose their mark. */
    for (idx = s->head[signum]; idx != TICK__NONE; idx = s->recs[idx].next)
      s->recs[idx].due = 1;
    for (;;) {
      tick_signal_t id;
      tick_signal_cb cb;
      void *cb_arg;
      sig_rec_t *w;
      for (idx = s->head[signum]; idx != TICK__NONE && !s->recs[idx].due;
           idx = s->recs[idx].next) {
      }
      if (idx == TICK__NONE) break;
      w = &s->recs[idx];
      w->due = 0;
      id.id = ((uint64_t)w->gen << 32) | (idx + 1);
      cb = w->cb;
      cb_arg = w->arg;
      /* `s->recs` may move while the callback creates watchers: nothing is held. */
      cb(loop, id, signum, cb_arg);
      tick__drain(loop);
    }
  }
}

int tick_signal_create(tick_loop_t *loop, tick_signal_t *watcher_out) {
  sig_state_t *s;
  uint32_t idx;
  sig_rec_t *w;
  int r;
  TICK__CHECK_LOOP(loop);
  if (watcher_out == NULL) return TICK_EINVAL;
  s = get_state(loop);
  if (s == NULL) return TICK_ENOMEM;
  if (s->free_head == TICK__NONE) {
    uint32_t cap = s->cap ? s->cap * 2 : 8, i;
    sig_rec_t *recs = tick__reallocarray(s->recs, cap, sizeof(*recs));
    if (recs == NULL) return TICK_ENOMEM;
    memset(recs + s->cap, 0, (cap - s->cap) * sizeof(*recs));
    for (i = s->cap; i < cap; i++) {
      recs[i].gen = 1;
      recs[i].next = i + 1 < cap ? i + 1 : TICK__NONE;
    }
    s->free_head = s->cap;
    s->recs = recs;
    s->cap = cap;
  }
  if (!s->has_pw) {
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), slot;
    tick_poll_t pw;
    if (efd < 0) return tick_translate_errno(errno);
    slot = slot_take(efd);
    if (slot < 0) {
      close(efd);
      return slot;
    }
    r = tick_poll_create(loop, efd, &pw);
    if (r != 0) {
      slot_release(slot);
      close(efd);
      return r;
    }
    r = tick_poll_start(loop, pw, TICK_READABLE, dispatch, s);
    if (r == 0) r = tick_poll_unref(loop, pw);
    if (r != 0) {
      /* The fd watcher exists: it goes through the close phase like any other. */
      tick_poll_close(loop, pw, efd_closed, (void *)(intptr_t)slot);
      return r;
    }
    s->efd = efd;
    s->slot = slot;
    s->pw = pw;
    s->has_pw = 1;
    tick__poll_set_internal(loop, pw);
  }
  idx = s->free_head;
  w = &s->recs[idx];
  s->free_head = w->next;
  w->state = W_STOPPED;
  w->ref = 1;
  w->due = 0;
  w->signum = 0;
  w->prev = w->next = TICK__NONE;
  w->cb = NULL;
  w->arg = NULL;
  s->live++;
  watcher_out->id = ((uint64_t)w->gen << 32) | (idx + 1);
  TICK__NOTE_SITE(loop, TICK__SITE_MODULE(TICK__MODULE_SIGNAL), watcher_out->id);
  return 0;
}

int tick_signal_start(tick_loop_t *loop, tick_signal_t watcher, int signum,
                      tick_signal_cb cb, void *arg) {
  sig_state_t *s;
  sig_rec_t *w;
  uint32_t idx;
  int err;
  w = enter(loop, watcher, &s, &idx, &err);
  if (w == NULL) return err;
  if (cb == NULL || signum < 1 || signum >= NSIGS || signum == SIGKILL || signum == SIGSTOP)
    return TICK_EINVAL;
  /* A fault signal raised by the faulting instruction itself comes back at once when the
   * handler returns (the instruction runs again): the process would spin at full CPU
   * instead of dying. The handler cannot tell a real fault from a kill(), so these
   * signals are refused whatever their origin. */
  if (signum == SIGSEGV || signum == SIGBUS || signum == SIGFPE || signum == SIGILL)
    return TICK_ENOTSUP;
  if (w->state == W_STARTED && w->signum == signum) {
    w->cb = cb;
    w->arg = arg;
    return 0;
  }
  if (s->count[signum] == 0) {
    int r = sig_add(s->slot, signum);
    if (r != 0) return r;
  }
  watcher_stop(loop, s, idx);
  w->signum = signum;
  w->cb = cb;
  w->arg = arg;
  w->state = W_STARTED;
  w->due = 0;
  list_append(s, idx);
  s->count[signum]++;
  if (w->ref) loop->module_refs++;
  return 0;
}

int tick_signal_stop(tick_loop_t *loop, tick_signal_t watcher) {
  sig_state_t *s;
  uint32_t idx;
  int err;
  if (enter(loop, watcher, &s, &idx, &err) == NULL) return err;
  watcher_stop(loop, s, idx);
  return 0;
}

static int set_ref(tick_loop_t *loop, tick_signal_t watcher, int ref) {
  sig_state_t *s;
  sig_rec_t *w;
  uint32_t idx;
  int err;
  w = enter(loop, watcher, &s, &idx, &err);
  if (w == NULL) return err;
  if (w->ref == ref) return 0;
  w->ref = (uint8_t)ref;
  if (w->state == W_STARTED) {
    if (ref) loop->module_refs++;
    else loop->module_refs--;
  }
  return 0;
}

int tick_signal_unref(tick_loop_t *loop, tick_signal_t watcher) {
  return set_ref(loop, watcher, 0);
}

int tick_signal_ref(tick_loop_t *loop, tick_signal_t watcher) {
  return set_ref(loop, watcher, 1);
}

int tick_signal_close(tick_loop_t *loop, tick_signal_t watcher, tick_close_cb close_cb,
                      void *arg) {
  sig_state_t *s;
  sig_rec_t *w;
  uint32_t idx;
  int r;
  w = enter(loop, watcher, &s, &idx, &r);
  if (w == NULL) return r;
  r = tick__close_defer(loop, close_cb, arg);
  if (r != 0) return r;
  watcher_stop(loop, s, idx);
  if (s->live == 1) {
    /* The last watcher: the eventfd watcher goes too, in this same close phase (closing
     * never allocates). */
    tick_poll_close(loop, s->pw, efd_closed, (void *)(intptr_t)s->slot);
    s->has_pw = 0;
    s->pw.id = TICK_NULL_ID;
    s->efd = -1;
    s->slot = -1;
  }
  tick__site_forget(loop, TICK__SITE_MODULE(TICK__MODULE_SIGNAL), watcher.id);
  w->state = W_FREE;
  w->gen = w->gen + 1 ? w->gen + 1 : 1;
  w->cb = NULL;
  w->arg = NULL;
  w->next = s->free_head;
  s->free_head = idx;
  s->live--;
  return 0;
}
