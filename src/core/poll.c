/* poll.c - fd watchers, the poll phase (epoll) and the close phase.
 *
 * Watchers are level-triggered, like libuv's uv_poll: a ready fd is reported again in the
 * next poll phase until the program drains it or stops watching. epoll registrations are
 * changed at start/stop time, one epoll_ctl each (no deferred queue: a watcher that is
 * started is registered when start returns). The poll phase skips epoll_wait entirely
 * when no fd is registered and it would not block: an iteration with only immediates,
 * timers or ticks makes no system call.
 */
#include "core/loop.h"
#include "io/stream.h"

#include <string.h>
#include <sys/epoll.h>

#define MAX_EVENTS 256

static int fd_map_set(tick_loop_t *loop, int fd, uint32_t value) {
  if ((uint32_t)fd >= loop->fd_map_len) {
    uint32_t len = loop->fd_map_len ? loop->fd_map_len : 64;
    uint32_t *map;
    while (len <= (uint32_t)fd) len *= 2;
    map = tick__reallocarray(loop->fd_map, len, sizeof(*map));
    if (map == NULL) return TICK_ENOMEM;
    memset(map + loop->fd_map_len, 0, (len - loop->fd_map_len) * sizeof(*map));
    loop->fd_map = map;
    loop->fd_map_len = len;
  }
  loop->fd_map[fd] = value;
  return 0;
}

int tick_poll_create(tick_loop_t *loop, int fd, tick_poll_t *watcher_out) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  if (fd < 0 || watcher_out == NULL) return TICK_EINVAL;
  if ((uint32_t)fd < loop->fd_map_len && loop->fd_map[fd] != 0) return TICK_EEXIST;
  r = tick__slab_reserve(&loop->slab);
  if (r != 0) return r;
  r = fd_map_set(loop, fd, 0);
  if (r != 0) return r;
  idx = tick__slab_take(&loop->slab);
  o = tick__slab_at(&loop->slab, idx);
  o->kind = TICK__POLL;
  o->flags = TICK__F_REF;
  memset(&o->u.poll, 0, sizeof(o->u.poll));
  o->u.poll.fd = fd;
  loop->fd_map[fd] = idx + 1;
  loop->poll_count++;
  watcher_out->id = tick__obj_id(&loop->slab, idx);
  return 0;
}

/* Looks a watcher up for an operation: TICK_ESTALE if gone, TICK_ECLOSING if closing. */
static int poll_get(tick_loop_t *loop, tick_poll_t w, uint32_t *idx, tick__obj_t **out) {
  tick__obj_t *o = tick__slab_lookup(&loop->slab, w.id, TICK__POLL, idx);
  if (o == NULL) return TICK_ESTALE;
  if (o->flags & TICK__F_CLOSING) return TICK_ECLOSING;
  *out = o;
  return 0;
}

static void poll_deactivate(tick_loop_t *loop, tick__obj_t *o) {
  if (!(o->flags & TICK__F_ACTIVE)) return;
  /* The fd may already be closed by a careless caller; the registration then vanished
   * with it, so an error here changes nothing. */
  epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, o->u.poll.fd, NULL);
  o->flags &= (uint8_t)~TICK__F_ACTIVE;
  loop->poll_active--;
  if (o->flags & TICK__F_REF) loop->poll_active_refs--;
}

int tick_poll_start(tick_loop_t *loop, tick_poll_t watcher, unsigned events, tick_poll_cb cb,
                    void *arg) {
  uint32_t idx;
  tick__obj_t *o;
  struct epoll_event ev;
  int r;
  TICK__CHECK_LOOP(loop);
  if (cb == NULL || events == 0 || (events & ~(unsigned)(TICK_READABLE | TICK_WRITABLE)))
    return TICK_EINVAL;
  r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  memset(&ev, 0, sizeof(ev));
  ev.events = ((events & TICK_READABLE) ? EPOLLIN : 0) | ((events & TICK_WRITABLE) ? EPOLLOUT : 0);
  ev.data.u64 = watcher.id;
  if (epoll_ctl(loop->epoll_fd, (o->flags & TICK__F_ACTIVE) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                o->u.poll.fd, &ev) != 0)
    return tick_translate_errno(errno);
  if (!(o->flags & TICK__F_ACTIVE)) {
    o->flags |= TICK__F_ACTIVE;
    loop->poll_active++;
    if (o->flags & TICK__F_REF) loop->poll_active_refs++;
  }
  o->u.poll.events = events;
  o->u.poll.cb = cb;
  o->u.poll.arg = arg;
  return 0;
}

int tick_poll_stop(tick_loop_t *loop, tick_poll_t watcher) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  poll_deactivate(loop, o);
  return 0;
}

static int poll_set_ref(tick_loop_t *loop, tick_poll_t watcher, int ref) {
  uint32_t idx;
  tick__obj_t *o;
  int r;
  TICK__CHECK_LOOP(loop);
  r = poll_get(loop, watcher, &idx, &o);
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
  int r;
  TICK__CHECK_LOOP(loop);
  r = poll_get(loop, watcher, &idx, &o);
  if (r != 0) return r;
  poll_deactivate(loop, o);
  o->flags |= TICK__F_CLOSING;
  o->u.poll.close_cb = close_cb;
  o->u.poll.arg = arg;
  tick__queue_push(loop, &loop->closing, idx);
  loop->closing_count++;
  return 0;
}

/* Internal watchers: registered with epoll under TICK__IOWATCH_ID; see loop.h. */
int tick__iowatch_add(tick_loop_t *loop, tick__iowatch_t *w) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.u64 = TICK__IOWATCH_ID;
  if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, w->fd, &ev) != 0)
    return tick_translate_errno(errno);
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
  epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
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
  struct epoll_event events[MAX_EVENTS];
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
  n = epoll_wait(loop->epoll_fd, events, MAX_EVENTS, timeout_ms);
  if (timeout_ms != 0) {
    tick__inbox_sleep_end(loop);
    tick__update_time(loop);
  }
  for (i = 0; i < n; i++) {
    uint32_t idx;
    unsigned ready = 0;
    tick__obj_t *o = tick__slab_lookup(&loop->slab, events[i].data.u64, TICK__POLL, &idx);
    tick_poll_t w;
    if (events[i].data.u64 == TICK__INBOX_ID) { /* the inbox's eventfd: see post.c */
      loop->inbox_fd_ready = 1;
      continue;
    }
    if (events[i].data.u64 == TICK__IOWATCH_ID) { /* an internal watcher's fd */
      for (iw = loop->iowatch; iw != NULL; iw = iw->next) iw->fd_ready_ = 1;
      continue;
    }
    if (o == NULL) {
      /* Not a watcher: a stream (stream.c) handles its own events. */
      o = tick__slab_lookup(&loop->slab, events[i].data.u64, TICK__STREAM, NULL);
      if (o != NULL) tick__stream_io(loop, o->u.stream.ptr, events[i].events);
      continue;
    }
    /* An earlier callback of this batch may have stopped or closed this watcher. */
    if (!(o->flags & TICK__F_ACTIVE)) continue;
    if (events[i].events & (EPOLLIN | EPOLLPRI)) ready |= TICK_READABLE;
    if (events[i].events & EPOLLOUT) ready |= TICK_WRITABLE;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) ready |= TICK_DISCONNECT;
    ready &= o->u.poll.events | TICK_DISCONNECT;
    if (ready == 0) continue;
    w.id = events[i].data.u64;
    loop->depth++;
    o->u.poll.cb(loop, w, 0, ready, o->u.poll.arg);
    loop->depth--;
    tick__drain(loop);
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
    void *arg = o->u.poll.arg;
    tick__queue_remove(loop, &batch, idx);
    loop->closing_count--;
    if (o->kind == TICK__STREAM) { /* streams cancel their requests first (stream.c) */
      tick__stream_close_phase(loop, idx);
      continue;
    }
    loop->poll_count--;
    if (o->u.poll.fd >= 0) loop->fd_map[o->u.poll.fd] = 0; /* -1: tick__close_defer */
    tick__slab_release(&loop->slab, idx);
    if (cb != NULL) {
      loop->depth++;
      cb(loop, arg);
      loop->depth--;
      tick__drain(loop);
    }
  }
}

void tick__polls_free(tick_loop_t *loop) {
  tick__free(loop->fd_map);
  loop->fd_map = NULL;
  loop->fd_map_len = 0;
}
