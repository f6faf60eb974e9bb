/* poll.c - fd watchers, the poll phase (through poller.h) and the close phase.
 *
 * Watchers are level-triggered, like libuv's uv_poll: a ready fd is reported again in the
 * next poll phase until the program drains it or stops watching. epoll registrations are
 * changed at start/stop time, one poller call each (no deferred queue: a watcher that is
 * started is registered when start returns). Handles of the layers above bring
 * their own watcher, a tick__io_t with a callback and a close hook, so this file knows no
 * handle type. The poll phase skips the poller's wait entirely
 * when no fd is registered and it would not block: an iteration with only immediates,
 * timers or ticks makes no system call.
 */
#include "core/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#define MAX_EVENTS 256

/* tick_poll_start and the poll phase pass the public bits to and from the poller as is. */
_Static_assert((unsigned)TICK__POLLER_IN == (unsigned)TICK_READABLE &&
                   (unsigned)TICK__POLLER_OUT == (unsigned)TICK_WRITABLE &&
                   (unsigned)TICK__POLLER_ERR == (unsigned)TICK_DISCONNECT,
               "the poller's bits have the values of the public watcher bits");

/* ---------------------------------------------------------------- fd set ---- */

static uint32_t fd_hash(uint32_t key, uint32_t mask) {
  /* An odd multiplier permutes the low bits, so consecutive fds (the usual case) land in
   * distinct buckets. */
  return (key * 2654435761u) & mask;
}

/* The bucket holding `fd`, or the empty bucket where it would go. */
static uint32_t fdset_find(const tick__fdset_t *set, int fd) {
  uint32_t key = (uint32_t)fd + 1, i = fd_hash(key, set->mask);
  while (set->keys[i] != 0 && set->keys[i] != key) i = (i + 1) & set->mask;
  return i;
}

int tick__fd_watched(const tick_loop_t *loop, int fd) {
  const tick__fdset_t *set = &loop->fds;
  if (set->count == 0 || fd < 0) return 0;
  return set->keys[fdset_find(set, fd)] != 0;
}

/* Rehashes into `cap` buckets (a power of two above twice the count). */
static int fdset_resize(tick__fdset_t *set, uint32_t cap) {
  tick__fdset_t next;
  uint32_t i;
  next.keys = tick__calloc(cap, sizeof(*next.keys));
  if (next.keys == NULL) return TICK_ENOMEM;
  next.mask = cap - 1;
  next.count = set->count;
  for (i = 0; set->keys != NULL && i <= set->mask; i++)
    if (set->keys[i] != 0) next.keys[fdset_find(&next, (int)(set->keys[i] - 1))] = set->keys[i];
  tick__free(set->keys);
  *set = next;
  return 0;
}

/* Adds `fd`: 0, TICK_EEXIST or TICK_ENOMEM. The set stays at most half full. */
static int fdset_add(tick__fdset_t *set, int fd) {
  if (set->keys != NULL && set->keys[fdset_find(set, fd)] != 0) return TICK_EEXIST;
  if (set->keys == NULL || set->count + 1 > (set->mask + 1) / 2) {
    uint32_t cap = set->keys == NULL ? 16 : (set->mask + 1) * 2;
    if (cap == 0 || fdset_resize(set, cap) != 0) return TICK_ENOMEM;
  }
  set->keys[fdset_find(set, fd)] = (uint32_t)fd + 1;
  set->count++;
  return 0;
}

/* Removes `fd` if present. Backward-shift deletion keeps every probe chain unbroken
 * without tombstones. The set never shrinks (it is freed with the loop): its size follows
 * the most fds watched at once, and connection churn (a round of connections opened and
 * closed, again and again) allocates nothing in steady state. */
static void fdset_remove(tick__fdset_t *set, int fd) {
  uint32_t i, j;
  if (set->count == 0) return;
  i = fdset_find(set, fd);
  if (set->keys[i] == 0) return;
  set->keys[i] = 0;
  set->count--;
  for (j = (i + 1) & set->mask; set->keys[j] != 0; j = (j + 1) & set->mask) {
    uint32_t home = fd_hash(set->keys[j], set->mask);
    /* Move the entry at j back to the hole at i unless its home lies in (i, j]. */
    if (((j - home) & set->mask) >= ((j - i) & set->mask)) {
      set->keys[i] = set->keys[j];
      set->keys[j] = 0;
      i = j;
    }
  }
}

/* ------------------------------------------------------------ fd watchers ---- */

int tick_poll_create(tick_loop_t *loop, int fd, tick_poll_t *watcher_out) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  if (fd < 0 || watcher_out == NULL) return TICK_EINVAL;
  /* A closed or never-opened fd is refused before anything is done with its number. */
  if (fcntl(fd, F_GETFD) < 0) return TICK_EBADF;
  if (tick__fd_watched(loop, fd)) return TICK_EEXIST;
  r = tick__slab_reserve(&loop->slab);
  if (r != 0) return r;
  r = fdset_add(&loop->fds, fd);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__POLL;
  o->flags = TICK__F_REF;
  memset(&o->u.poll, 0, sizeof(o->u.poll));
  o->u.poll.fd = fd;
  loop->poll_count++;
  watcher_out->id = tick__obj_id(&loop->slab, idx);
  TICK__NOTE_SITE(loop, TICK__SITE_ID, watcher_out->id);
  return 0;
}

/* Checks the loop and looks a watcher up for an operation: TICK_EINVAL or
 * TICK_EWRONGTHREAD for the loop, TICK_ESTALE if gone, TICK_ECLOSING if closing. */
static int poll_get(tick_loop_t *loop, tick_poll_t w, uint32_t *idx, tick__obj_t **out) {
  tick__obj_t *o;
  TICK__CHECK_LOOP(loop);
  o = tick__slab_lookup(&loop->slab, w.id, TICK__POLL, idx);
  if (o == NULL) return TICK_ESTALE;
  if (o->flags & TICK__F_CLOSING) return TICK_ECLOSING;
  *out = o;
  return 0;
}

static void poll_deactivate(tick_loop_t *loop, tick__obj_t *o) {
  if (!(o->flags & TICK__F_ACTIVE)) return;
  /* The fd may already be closed by a careless caller; the registration then vanished
   * with it, so an error here changes nothing. */
  tick__poller_remove(&loop->poller, o->u.poll.fd);
  o->flags &= (uint8_t)~TICK__F_ACTIVE;
  loop->poll_active--;
  if (o->flags & TICK__F_REF) loop->poll_active_refs--;
}

int tick_poll_start(tick_loop_t *loop, tick_poll_t watcher, unsigned events, tick_poll_cb cb,
                    void *arg) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL || events == 0 || (events & ~(unsigned)(TICK_READABLE | TICK_WRITABLE)))
    return TICK_EINVAL;
  r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  r = (o->flags & TICK__F_ACTIVE)
          ? tick__poller_modify(&loop->poller, o->u.poll.fd, events, watcher.id)
          : tick__poller_add(&loop->poller, o->u.poll.fd, events, watcher.id);
  if (r != 0) return r;
  if (!(o->flags & TICK__F_ACTIVE)) {
    o->flags |= TICK__F_ACTIVE;
    loop->poll_active++;
    if (o->flags & TICK__F_REF) loop->poll_active_refs++;
  }
  o->u.poll.events = events;
  o->u.poll.cb = cb;
  o->u.poll.arg = arg;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_IO);
  return 0;
}

int tick_poll_stop(tick_loop_t *loop, tick_poll_t watcher) {
  uint32_t idx;
  tick__obj_t *o;
  int r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  poll_deactivate(loop, o);
  return 0;
}

static int poll_set_ref(tick_loop_t *loop, tick_poll_t watcher, int ref) {
  uint32_t idx;
  tick__obj_t *o;
  int r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  if (ref == !!(o->flags & TICK__F_REF)) return 0;
  if (ref)
    o->flags |= TICK__F_REF;
  else
    o->flags &= (uint8_t)~TICK__F_REF;
  if (o->flags & TICK__F_ACTIVE) {
    if (ref)
      loop->poll_active_refs++;
    else
      loop->poll_active_refs--;
  }
  return 0;
}

int tick_poll_unref(tick_loop_t *loop, tick_poll_t watcher) {
  return poll_set_ref(loop, watcher, 0);
}

int tick_poll_ref(tick_loop_t *loop, tick_poll_t watcher) {
  return poll_set_ref(loop, watcher, 1);
}

int tick_poll_close(tick_loop_t *loop, tick_poll_t watcher, tick_close_cb close_cb,
                    void *arg) {
  uint32_t idx;
  tick__obj_t *o;
  int r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  poll_deactivate(loop, o);
  o->flags |= TICK__F_CLOSING;
  o->u.poll.close_cb = close_cb;
  o->u.poll.arg = arg;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_CLOSE);
  tick__queue_push(loop, &loop->closing, idx);
  loop->closing_count++;
  return 0;
}

void tick__poll_set_internal(tick_loop_t *loop, tick_poll_t watcher) {
  tick__obj_t *o = tick__slab_lookup(&loop->slab, watcher.id, TICK__POLL, NULL);
  if (o != NULL) o->flags |= TICK__F_INTERNAL;
}

unsigned tick__poll_resource_flags(const tick_loop_t *loop, tick_poll_t watcher) {
  const tick__obj_t *o = tick__slab_lookup(&loop->slab, watcher.id, TICK__POLL, NULL);
  unsigned f = 0;
  if (o == NULL) return 0;
  if (o->flags & TICK__F_ACTIVE) f |= TICK_RESOURCE_ACTIVE;
  if (o->flags & TICK__F_REF) f |= TICK_RESOURCE_REF;
  if (o->flags & TICK__F_CLOSING) f |= TICK_RESOURCE_CLOSING;
  return f;
}

/* ---------------------------------------------------------- handle watchers ---- */

int tick__io_open(tick_loop_t *loop, tick__io_t *w, uint64_t *id) {
  uint32_t idx;
  tick__obj_t *o;
  int r = tick__slab_reserve(&loop->slab);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__IO;
  o->flags = 0;
  o->u.io.ptr = w;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_IO);
  *id = tick__obj_id(&loop->slab, idx);
  loop->poll_count++;
  return 0;
}

tick__io_t *tick__io_get(const tick_loop_t *loop, uint64_t id) {
  tick__obj_t *o = tick__slab_lookup(&loop->slab, id, TICK__IO, NULL);
  return o == NULL ? NULL : o->u.io.ptr;
}

void tick__io_close(tick_loop_t *loop, uint64_t id) {
  tick__capture(loop, tick__slab_cap(&loop->slab, (uint32_t)id - 1), TICK__CB_CLOSE);
  tick__queue_push(loop, &loop->closing, (uint32_t)id - 1);
  loop->closing_count++;
}

void tick__io_release(tick_loop_t *loop, uint64_t id) {
  loop->poll_count--;
  tick__slab_release(&loop->slab, (uint32_t)id - 1);
}

int tick__io_watch(tick_loop_t *loop, int fd, uint64_t id, unsigned *registered,
                   unsigned want) {
  int r;
  if (want == *registered) return 0;
  if (*registered == 0) {
    r = tick__poller_add(&loop->poller, fd, want, id);
    if (r != 0) return r;
    loop->poll_active++;
  } else if (want == 0) {
    /* Only fails if the registration is already gone: nothing to undo. */
    tick__poller_remove(&loop->poller, fd);
    loop->poll_active--;
  } else {
    r = tick__poller_modify(&loop->poller, fd, want, id);
    if (r != 0) return r;
  }
  *registered = want;
  return 0;
}

void tick__io_unwatch(tick_loop_t *loop, int fd, unsigned *registered, int deregister) {
  if (*registered == 0) return;
  if (deregister) tick__poller_remove(&loop->poller, fd);
  *registered = 0;
  loop->poll_active--;
}

int tick__fd_claim(tick_loop_t *loop, int fd) {
  return fdset_add(&loop->fds, fd);
}

void tick__fd_unclaim(tick_loop_t *loop, int fd) {
  if (fd >= 0) fdset_remove(&loop->fds, fd);
}

/* Internal watchers: registered with the poller under TICK__IOWATCH_ID; see loop.h. */
int tick__iowatch_add(tick_loop_t *loop, tick__iowatch_t *w) {
  int r = tick__poller_add(&loop->poller, w->fd, TICK__POLLER_IN, TICK__IOWATCH_ID);
  if (r != 0) return r;
  w->fd_ready_ = 0;
  w->next = loop->iowatch;
  loop->iowatch = w;
  return 0;
}

void tick__iowatch_remove(tick_loop_t *loop, tick__iowatch_t *w) {
  tick__iowatch_t **p = &loop->iowatch;
  while (*p != NULL && *p != w) p = &(*p)->next;
  if (*p == NULL) return;
  *p = w->next;
  tick__poller_remove(&loop->poller, w->fd);
}

/* After the fd watchers: each internal watcher with something to do runs its
 * completions (each one a macrotask, with its drain, run by the watcher). */
static void iowatch_run(tick_loop_t *loop, int prepared) {
  tick__iowatch_t *w, *next;
  for (w = loop->iowatch; w != NULL; w = next) {
    int fd_ready = w->fd_ready_;
    next = w->next;
    w->fd_ready_ = 0;
    if (fd_ready || prepared) w->run(loop, w, fd_ready);
  }
}

void tick__run_poll(tick_loop_t *loop, int timeout_ms) {
  tick__poller_event_t events[MAX_EVENTS];
  int n, i, prepared = 0;
  tick__iowatch_t *iw;
  for (iw = loop->iowatch; iw != NULL; iw = iw->next)
    if (iw->prepare(loop, iw)) prepared = 1;
  if (prepared) timeout_ms = 0; /* completions are waiting: do not block */
  if (loop->poll_active == 0 && timeout_ms == 0) { /* nothing to ask the kernel */
    if (loop->iowatch != NULL) iowatch_run(loop, prepared);
    return;
  }
  /* Before blocking, tell posting threads that a wake-up is needed (they skip the eventfd
   * write while the loop is awake); work that arrived meanwhile cancels the sleep. */
  if (timeout_ms != 0 && (tick__inbox_spin(loop) || !tick__inbox_sleep_begin(loop)))
    timeout_ms = 0;
  {
    /* TICK_METRICS_IDLE_TIME: the time blocked here is the loop's idle time. */
    int timed = timeout_ms != 0 && (loop->obs.flags & TICK_METRICS_IDLE_TIME);
    int64_t idle_from = timed ? tick__stats_clock_ns(loop) : 0;
    n = tick__poller_wait(&loop->poller, events, MAX_EVENTS, timeout_ms);
    if (timeout_ms != 0) {
      tick__inbox_sleep_end(loop);
      tick__update_time(loop); /* also the end of the idle time */
      if (timed) {
        int64_t d = ((loop->flags & TICK_LOOP_MANUAL_CLOCK) ? loop->now * 1000000
                                                             : loop->obs.now_ns) - idle_from;
        if (d > 0) loop->obs.idle_ns += (uint64_t)d;
      }
    }
  }
  for (i = 0; i < n; i++) {
    uint32_t idx;
    unsigned ready = 0;
    tick__obj_t *o = tick__slab_lookup(&loop->slab, events[i].data, TICK__POLL, &idx);
    tick_poll_t w;
    if (events[i].data == TICK__INBOX_ID) { /* the inbox's eventfd: see post.c */
      loop->inbox_fd_ready = 1;
      continue;
    }
    if (events[i].data == TICK__IOWATCH_ID) { /* an internal watcher's fd */
      for (iw = loop->iowatch; iw != NULL; iw = iw->next) iw->fd_ready_ = 1;
      continue;
    }
    if (o == NULL) {
      /* Not a tick_poll_t: a handle's own watcher handles its events. */
      o = tick__slab_lookup(&loop->slab, events[i].data, TICK__IO, NULL);
      if (o != NULL) {
        tick__cap_t cap = *tick__slab_cap(&loop->slab, (uint32_t)events[i].data - 1);
        void *saved = tick__enter(loop, &cap, TICK__CB_IO, (tick__fn_t)o->u.io.ptr->cb);
        loop->obs.poll_cbs++;
        o->u.io.ptr->cb(loop, o->u.io.ptr, events[i].events);
        tick__leave(loop, saved);
      }
      continue;
    }
    /* An earlier callback of this batch may have stopped or closed this watcher. */
    if (!(o->flags & TICK__F_ACTIVE)) continue;
    /* The poller's bits are TICK_READABLE, TICK_WRITABLE and TICK_DISCONNECT. */
    ready = events[i].events & (o->u.poll.events | TICK_DISCONNECT);
    if (ready == 0) continue;
    w.id = events[i].data;
    {
      loop->obs.poll_cbs++;
      tick__cap_t cap = *tick__slab_cap(&loop->slab, idx);
      void *saved = tick__enter(loop, &cap, TICK__CB_IO, (tick__fn_t)o->u.poll.cb);
      loop->depth++;
      o->u.poll.cb(loop, w, 0, ready, o->u.poll.arg);
      loop->depth--;
      tick__drain(loop);
      tick__leave(loop, saved);
    }
  }
  if (loop->iowatch != NULL) iowatch_run(loop, prepared);
}

int tick__close_defer(tick_loop_t *loop, tick_close_cb cb, void *arg) {
  uint32_t idx;
  tick__obj_t *o;
  int r = tick__slab_reserve(&loop->slab);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__POLL;
  o->flags = TICK__F_CLOSING;
  memset(&o->u.poll, 0, sizeof(o->u.poll));
  o->u.poll.fd = -1;
  o->u.poll.close_cb = cb;
  o->u.poll.arg = arg;
  tick__capture(loop, tick__slab_cap(&loop->slab, idx), TICK__CB_CLOSE);
  loop->poll_count++;
  tick__queue_push(loop, &loop->closing, idx);
  loop->closing_count++;
  return 0;
}

void tick__run_closing(tick_loop_t *loop) {
  tick__queue_t batch = loop->closing;
  loop->closing.head = loop->closing.tail = TICK__NONE;
  while (batch.head != TICK__NONE) {
    uint32_t idx = batch.head;
    tick__obj_t *o = tick__slab_at(&loop->slab, idx);
    tick_close_cb cb = o->u.poll.close_cb;
    void *arg = o->u.poll.arg, *saved;
    tick__cap_t cap = *tick__slab_cap(&loop->slab, idx);
    tick__queue_remove(loop, &batch, idx);
    loop->closing_count--;
    loop->obs.close_cbs++;
    if (o->kind == TICK__IO) { /* the handle's own close hook (it releases the slot) */
      saved = tick__enter(loop, &cap, TICK__CB_CLOSE, (tick__fn_t)o->u.io.ptr->close);
      o->u.io.ptr->close(loop, o->u.io.ptr);
      tick__leave(loop, saved);
      continue;
    }
    loop->poll_count--;
    if (o->u.poll.fd >= 0) fdset_remove(&loop->fds, o->u.poll.fd); /* -1: close_defer */
    tick__slab_release(&loop->slab, idx);
    if (cb != NULL) {
      saved = tick__enter(loop, &cap, TICK__CB_CLOSE, (tick__fn_t)cb);
      loop->depth++;
      cb(loop, arg);
      loop->depth--;
      tick__drain(loop);
      tick__leave(loop, saved);
    }
  }
}

void tick__polls_free(tick_loop_t *loop) {
  tick__free(loop->fds.keys);
  memset(&loop->fds, 0, sizeof(loop->fds));
}
