/* udp.c - UDP handles: batched sends (sendmmsg), batched receives (recvmmsg) into a
 * buffer the caller lends, socket options, close with cancellation.
 *
 * Readiness comes from the loop's public fd watchers (poll.c): one watcher per handle,
 * armed for READABLE while receiving and for WRITABLE only while the kernel refused a
 * send (EAGAIN), so poll.c needs no private interface.
 *
 * Sends are corked: tick_udp_send() only queues, and the module's after-drain hook hands
 * every handle's queue to the kernel once the current macrotask and its drain are over,
 * up to 64 datagrams per sendmmsg() call. Completions are reported from one intrusive
 * inbox node per loop (post.c), which runs in the poll phase of the next iteration as a
 * macrotask, so a send's callback never runs inside the call that queued it and costs
 * no system call (no EPOLLOUT round trip). Send records come from a per-loop free list.
 */
#include "core/idtab.h"
#include "io/module.h"
#include "promise/promise.h"

#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEND_INLINE_IOV 4
#define FREE_SENDS_KEEP 1024
#define RECV_ROUNDS 8      /* recvmmsg calls per readiness, for fairness with other fds */
#define DEFAULT_SLOT 65536

typedef struct udp_send_s udp_send_t;
struct udp_send_s {
  udp_send_t *next;
  tick_udp_send_cb cb;
  tick_resolver_t *resolver; /* promise form (then cb is NULL) */
  void *arg;
  struct udp_s *h;   /* the handle it was queued on */
  struct iovec *iov; /* iov_inline or an allocated copy */
  size_t niov;
  size_t len; /* bytes in the datagram */
  int status;
  uint32_t epoch;    /* the inbox node run that may report it (done_push sets it) */
  socklen_t addrlen; /* 0: the connected peer */
  struct sockaddr_in6 addr;
  struct iovec iov_inline[SEND_INLINE_IOV];
};

/* A one-shot receive: the datagram record first, so that the promise's value (a pointer
 * to `dg`) is also the block to free. */
typedef struct udp_rreq_s udp_rreq_t;
struct udp_rreq_s {
  tick_udp_datagram_t dg;
  udp_rreq_t *next;
  tick_resolver_t *resolver;
  struct udp_s *h;
  tick_timer_t timer; /* timeout_ms's deadline, or TICK_NULL_ID */
  size_t max;
  unsigned char data[];
};

enum {
  H_CONNECTED = 1u << 0,
  H_RECEIVING = 1u << 1,
  H_CLOSING = 1u << 2,
  H_DIRTY = 1u << 3,   /* in the state's dirty list: sends to flush after the drain */
  H_BLOCKED = 1u << 4, /* the kernel said EAGAIN: waiting for WRITABLE */
  H_DONE = 1u << 5,    /* in the state's done list: completions to report */
  H_NOGSO = 1u << 6    /* the kernel refused UDP_SEGMENT: one message per datagram */
};

typedef struct udp_s udp_t;
struct udp_s {
  uint64_t id;
  int fd, family;
  tick_poll_t watcher;
  unsigned flags;
  unsigned watching; /* events the watcher was started with, 0 when stopped */
  udp_send_t *q_head, *q_tail; /* not yet taken by the kernel */
  udp_send_t *d_head, *d_tail; /* finished, callback not yet called */
  uint32_t nsends;             /* accepted, callback not yet called */
  udp_t *dirty_next, *done_next;
  unsigned char *rbuf;
  size_t rslot;
  unsigned rslots;
  uint32_t rlend; /* bumped when the buffer is given back or replaced: see udp_read */
  tick_udp_recv_cb recv_cb;
  void *recv_arg;
  udp_rreq_t *r_head, *r_tail;
  tick_close_cb close_cb;
  void *close_arg;
  tick_udp_stats_t stats;
};

typedef struct udp_state_s {
  tick__idtab_t handles;
  udp_send_t *free_sends;
  uint32_t nfree;
  udp_t *dirty_head, *dirty_tail;
  udp_t *done_head, *done_tail;
  tick__node_t node;
  int node_pushed;
  uint32_t epoch; /* bumped when the node runs: it reports only what came before */
} udp_state_t;

/* ----------------------------------------------------------------- module ---- */

static int udp_after_drain(tick_loop_t *loop, void *state);

static void udp_destroy(tick_loop_t *loop, void *state) {
  udp_state_t *st = state;
  (void)loop;
  while (st->free_sends != NULL) {
    udp_send_t *s = st->free_sends;
    st->free_sends = s->next;
    tick__free(s);
  }
  tick__idtab_free(&st->handles);
  tick__free(st);
}

/* tick_loop_walk: each UDP handle, in the state of its watcher (which is not listed
 * itself), active too while sends or receive promises are pending. */
static int udp_walk(tick_loop_t *loop, void *state,
                    int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  udp_state_t *st = state;
  uint32_t i;
  for (i = 0; i < st->handles.cap; i++) {
    udp_t *h = st->handles.slots[i].obj;
    tick_resource_t res;
    if (h == NULL) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "udp";
    res.id = h->id;
    res.flags = tick__poll_resource_flags(loop, h->watcher);
    if (h->nsends != 0 || h->r_head != NULL) res.flags |= TICK_RESOURCE_ACTIVE;
    if (h->flags & H_CLOSING) res.flags |= TICK_RESOURCE_CLOSING;
    res.site = tick__site_get(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)h);
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static const tick__module_hooks_t udp_hooks = {.after_drain = udp_after_drain,
                                               .destroy = udp_destroy,
                                               .pre_destroy = NULL,
                                               .walk = udp_walk};

static void udp_node_run(tick_loop_t *loop, tick__node_t *node);

static udp_state_t *udp_state(tick_loop_t *loop, int create) {
  udp_state_t *st = tick__loop_module_state(loop, TICK__MODULE_UDP);
  if (st != NULL || !create) return st;
  st = tick__calloc(1, sizeof(*st));
  if (st == NULL) return NULL;
  tick__idtab_init(&st->handles);
  st->node.run = udp_node_run;
  tick__loop_set_module(loop, TICK__MODULE_UDP, &udp_hooks, st);
  return st;
}

/* Looks a handle up for an operation: TICK_ESTALE if gone, TICK_ECLOSING if closing. */
static int udp_get(tick_loop_t *loop, tick_udp_t udp, udp_t **out) {
  udp_state_t *st;
  udp_t *h;
  TICK__CHECK_LOOP(loop);
  st = udp_state(loop, 0);
  if (st == NULL) return TICK_ESTALE;
  h = tick__idtab_get(&st->handles, udp.id);
  if (h == NULL) return TICK_ESTALE;
  if (h->flags & H_CLOSING) return TICK_ECLOSING;
  *out = h;
  return 0;
}

static socklen_t family_len(int family) {
  return family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                            : (socklen_t)sizeof(struct sockaddr_in);
}

static int check_addr(const udp_t *h, const struct sockaddr *addr) {
  if (addr == NULL || addr->sa_family != h->family) return TICK_EINVAL;
  return 0;
}

/* --------------------------------------------------------------- watching ---- */

static void udp_io(tick_loop_t *loop, tick_poll_t w, int status, unsigned events, void *arg);

/* Arms the watcher for what the handle needs now. Returns 0 or the epoll error. */
static int udp_watch(tick_loop_t *loop, udp_t *h) {
  unsigned want = 0;
  int r = 0;
  if ((h->flags & H_RECEIVING) || h->r_head != NULL) want |= TICK_READABLE;
  if ((h->flags & H_BLOCKED) && h->q_head != NULL) want |= TICK_WRITABLE;
  if (want == h->watching) return 0;
  if (want == 0)
    r = tick_poll_stop(loop, h->watcher);
  else
    r = tick_poll_start(loop, h->watcher, want, udp_io, h);
  if (r == 0) h->watching = want;
  return r;
}

/* ------------------------------------------------------------------ sends ---- */

static void send_recycle(udp_state_t *st, udp_send_t *s) {
  if (s->iov != s->iov_inline) tick__free(s->iov);
  s->iov = NULL;
  if (st->nfree >= FREE_SENDS_KEEP) {
    tick__free(s);
    return;
  }
  s->next = st->free_sends;
  st->free_sends = s;
  st->nfree++;
}

static void done_link(udp_state_t *st, udp_t *h) {
  h->flags |= H_DONE;
  h->done_next = NULL;
  if (st->done_tail == NULL)
    st->done_head = h;
  else
    st->done_tail->done_next = h;
  st->done_tail = h;
}

static void done_push(tick_loop_t *loop, udp_state_t *st, udp_t *h, udp_send_t *s) {
  s->next = NULL;
  s->epoch = st->epoch;
  if (h->d_tail == NULL)
    h->d_head = s;
  else
    h->d_tail->next = s;
  h->d_tail = s;
  if (!(h->flags & H_DONE)) done_link(st, h);
  if (!st->node_pushed) {
    st->node_pushed = 1;
    tick__inbox_push(loop, &st->node);
  }
}

/* Calls one send's callback (or settles its promise) as a macrotask, then drains. The
 * record is recycled first, so the callback may queue a send that reuses it. */
static void send_report(tick_loop_t *loop, udp_state_t *st, udp_t *h, udp_send_t *s,
                        int status) {
  tick_udp_send_cb cb = s->cb;
  tick_resolver_t *resolver = s->resolver;
  void *arg = s->arg;
  tick_udp_t u;
  u.id = h->id;
  h->nsends--;
  loop->module_refs--;
  send_recycle(st, s);
  loop->depth++;
  if (resolver != NULL) {
    if (status == 0)
      tick_resolver_resolve(resolver, NULL, NULL);
    else
      tick_resolver_reject(resolver, status, NULL, NULL);
    tick_resolver_release(resolver);
  } else if (cb != NULL) {
    cb(loop, u, status, arg);
  }
  loop->depth--;
  tick__drain(loop);
}

static int is_would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

/* UDP generic segmentation offload (Linux 4.18+): a run of queued datagrams of the same
 * size to the same destination leaves as one message with a UDP_SEGMENT control message,
 * which the kernel cuts into datagrams after the socket and IP layers, so the per-
 * datagram cost of the send path (socket lock, route, skb setup) is paid once per run.
 * The receiver still sees separate datagrams. A kernel or route that refuses it makes
 * the handle fall back to one message per datagram for good. */
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 65000
#define GIOV_MAX 1024

static int same_destination(const udp_send_t *a, const udp_send_t *b) {
  return a->addrlen == b->addrlen &&
         (a->addrlen == 0 || memcmp(&a->addr, &b->addr, a->addrlen) == 0);
}

/* Hands the queue to the kernel: up to 64 messages per sendmmsg call, each one datagram
 * or one segmented run, until the queue is empty or the kernel would block. Datagrams it
 * takes or refuses move to the done list in order. */
static void udp_flush(tick_loop_t *loop, udp_state_t *st, udp_t *h) {
  struct mmsghdr msgs[TICK_UDP_BATCH_MAX];
  unsigned group[TICK_UDP_BATCH_MAX];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } cm[TICK_UDP_BATCH_MAX];
  struct iovec giov[GIOV_MAX];
  while (h->q_head != NULL) {
    udp_send_t *s = h->q_head;
    unsigned count = 0, giov_used = 0;
    int n;
    while (s != NULL && count < TICK_UDP_BATCH_MAX) {
      struct msghdr *m = &msgs[count].msg_hdr;
      udp_send_t *t = s->next;
      unsigned k = 1;
      size_t total = s->len;
      memset(m, 0, sizeof(*m));
      m->msg_name = s->addrlen ? &s->addr : NULL;
      m->msg_namelen = s->addrlen;
      if (!(h->flags & H_NOGSO) && s->len > 0 && s->len <= GSO_MAX_BYTES / 2)
        while (t != NULL && k < GSO_MAX_SEGMENTS && t->len == s->len &&
               total + t->len <= GSO_MAX_BYTES && same_destination(s, t)) {
          total += t->len;
          k++;
          t = t->next;
        }
      if (k > 1) {
        /* Gather the run's buffers; stop the batch here if they do not fit. */
        size_t need = 0;
        udp_send_t *u = s;
        unsigned i;
        for (i = 0; i < k; i++, u = u->next) need += u->niov;
        if (giov_used + need > GIOV_MAX) {
          if (count > 0) break;
          k = 1;
        } else {
          struct cmsghdr *c;
          m->msg_iov = &giov[giov_used];
          for (i = 0, u = s; i < k; i++, u = u->next) {
            memcpy(&giov[giov_used], u->iov, u->niov * sizeof(struct iovec));
            giov_used += (unsigned)u->niov;
          }
          m->msg_iovlen = need;
          memset(cm[count].buf, 0, sizeof(cm[count].buf)); /* the padding too */
          m->msg_control = cm[count].buf;
          m->msg_controllen = sizeof(cm[count].buf);
          c = CMSG_FIRSTHDR(m);
          c->cmsg_level = SOL_UDP;
          c->cmsg_type = UDP_SEGMENT;
          c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
          {
            uint16_t seg = (uint16_t)s->len;
            memcpy(CMSG_DATA(c), &seg, sizeof(seg));
          }
        }
      }
      if (k == 1) {
        m->msg_iov = s->iov;
        m->msg_iovlen = s->niov;
        t = s->next;
      }
      group[count++] = k;
      s = t;
    }
    do n = sendmmsg(h->fd, msgs, count, 0);
    while (n < 0 && errno == EINTR);
    h->stats.send_calls++;
    if (n < 0) {
      int e = errno;
      if (is_would_block(e)) {
        h->flags |= H_BLOCKED;
        break;
      }
      if (group[0] > 1 && (e == EIO || e == EINVAL || e == ENOPROTOOPT || e == EOPNOTSUPP)) {
        /* Segmentation refused (EIO without checksum offload, EINVAL for a run larger
         * than the path MTU allows, ENOPROTOOPT on old kernels): send one by one from
         * now on; a real EINVAL then comes back for the datagram itself. */
        h->flags |= H_NOGSO;
        continue;
      }
      /* The first datagram failed (a queued ICMP error, EMSGSIZE ...): it alone reports
       * the error, the others are tried again (a socket error is reported once). */
      s = h->q_head;
      h->q_head = s->next;
      if (h->q_head == NULL) h->q_tail = NULL;
      s->status = tick_translate_errno(e);
      done_push(loop, st, h, s);
      continue;
    }
    {
      int i;
      for (i = 0; i < n; i++) {
        unsigned k;
        for (k = 0; k < group[i]; k++) {
          s = h->q_head;
          h->q_head = s->next;
          if (h->q_head == NULL) h->q_tail = NULL;
          s->status = 0;
          h->stats.datagrams_sent++;
          done_push(loop, st, h, s);
        }
      }
    }
  }
  if (h->q_head == NULL) h->flags &= ~(unsigned)H_BLOCKED;
}

/* Fails every queued send with `status` (the watcher could not be armed). */
static void udp_fail_queue(tick_loop_t *loop, udp_state_t *st, udp_t *h, int status) {
  while (h->q_head != NULL) {
    udp_send_t *s = h->q_head;
    h->q_head = s->next;
    if (h->q_head == NULL) h->q_tail = NULL;
    s->status = status;
    done_push(loop, st, h, s);
  }
  h->flags &= ~(unsigned)H_BLOCKED;
}

static void udp_flush_and_watch(tick_loop_t *loop, udp_state_t *st, udp_t *h) {
  int r;
  udp_flush(loop, st, h);
  r = udp_watch(loop, h);
  if (r != 0) {
    udp_fail_queue(loop, st, h, r);
    udp_watch(loop, h);
  }
}

static int udp_after_drain(tick_loop_t *loop, void *state) {
  udp_state_t *st = state;
  while (st->dirty_head != NULL) {
    udp_t *h = st->dirty_head;
    st->dirty_head = h->dirty_next;
    if (st->dirty_head == NULL) st->dirty_tail = NULL;
    h->flags &= ~(unsigned)H_DIRTY;
    udp_flush_and_watch(loop, st, h);
  }
  return 0; /* no callback ran: nothing new to drain */
}

static void dirty_remove(udp_state_t *st, udp_t *h) {
  udp_t **pp = &st->dirty_head, *prev = NULL;
  if (!(h->flags & H_DIRTY)) return;
  while (*pp != h) {
    prev = *pp;
    pp = &(*pp)->dirty_next;
  }
  *pp = h->dirty_next;
  if (st->dirty_tail == h) st->dirty_tail = prev;
  h->flags &= ~(unsigned)H_DIRTY;
}

static void done_remove(udp_state_t *st, udp_t *h) {
  udp_t **pp = &st->done_head, *prev = NULL;
  if (!(h->flags & H_DONE)) return;
  while (*pp != h) {
    prev = *pp;
    pp = &(*pp)->done_next;
  }
  *pp = h->done_next;
  if (st->done_tail == h) st->done_tail = prev;
  h->flags &= ~(unsigned)H_DONE;
}

/* The inbox node: reports finished sends, handle by handle, in order. Only the sends
 * that had finished when it started: one that a callback makes (and the flush after its
 * drain hands to the kernel) waits for the node's next run, in a later poll phase, so a
 * program that sends again from each send callback cannot starve the loop. The handles
 * are taken off the state's list first and keep H_DONE until their turn, so a callback
 * that sends on a handle still waiting here does not relink it. */
static void udp_node_run(tick_loop_t *loop, tick__node_t *node) {
  udp_state_t *st = (udp_state_t *)((char *)node - offsetof(udp_state_t, node));
  udp_t *list = st->done_head;
  st->node_pushed = 0;
  st->epoch++; /* sends finished from now on carry the new value */
  st->done_head = st->done_tail = NULL;
  while (list != NULL) {
    udp_t *h = list;
    list = h->done_next;
    h->flags &= ~(unsigned)H_DONE;
    /* A callback may close the handle: the close phase then reports the rest, in order. */
    while (h->d_head != NULL && h->d_head->epoch != st->epoch && !(h->flags & H_CLOSING)) {
      udp_send_t *s = h->d_head;
      h->d_head = s->next;
      if (h->d_head == NULL) h->d_tail = NULL;
      send_report(loop, st, h, s, s->status);
    }
    /* Sends finished during this run: the node was pushed again by done_push. */
    if (h->d_head != NULL && !(h->flags & (H_CLOSING | H_DONE))) done_link(st, h);
  }
}

/* Takes a send record and fills it (argument checks are done). */
static int send_prepare(udp_state_t *st, udp_t *h, const struct iovec *bufs, size_t nbufs,
                        const struct sockaddr *addr, udp_send_t **out) {
  udp_send_t *s = st->free_sends;
  if (s != NULL) {
    st->free_sends = s->next;
    st->nfree--;
  } else {
    s = tick__malloc(sizeof(*s));
    if (s == NULL) return TICK_ENOMEM;
  }
  if (nbufs <= SEND_INLINE_IOV) {
    s->iov = s->iov_inline;
  } else {
    s->iov = tick__reallocarray(NULL, nbufs, sizeof(struct iovec));
    if (s->iov == NULL) {
      s->iov = s->iov_inline;
      send_recycle(st, s);
      return TICK_ENOMEM;
    }
  }
  if (nbufs != 0) memcpy(s->iov, bufs, nbufs * sizeof(struct iovec));
  s->niov = nbufs;
  s->len = 0;
  {
    size_t i;
    for (i = 0; i < nbufs; i++) s->len += bufs[i].iov_len;
  }
  s->addrlen = 0;
  if (addr != NULL) {
    s->addrlen = family_len(h->family);
    memcpy(&s->addr, addr, s->addrlen);
  }
  s->next = NULL;
  s->cb = NULL;
  s->resolver = NULL;
  s->arg = NULL;
  s->status = 0;
  *out = s;
  return 0;
}

static int send_check(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                      size_t nbufs, const struct sockaddr *addr, udp_t **out) {
  udp_t *h;
  size_t total = 0, i;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if ((bufs == NULL && nbufs != 0) || nbufs > IOV_MAX) return TICK_EINVAL;
  /* As tick_stream_write does: a total no send can be (above SSIZE_MAX, or wrapped around
   * SIZE_MAX) is refused here, not queued to fail in the callback. */
  for (i = 0; i < nbufs; i++) {
    if (bufs[i].iov_len > (size_t)SSIZE_MAX - total) return TICK_EINVAL;
    total += bufs[i].iov_len;
  }
  if (addr != NULL) {
    if (check_addr(h, addr) != 0) return TICK_EINVAL;
    if (h->flags & H_CONNECTED) return TICK_EISCONN;
  } else if (!(h->flags & H_CONNECTED)) {
    return TICK_ENOTCONN;
  }
  *out = h;
  return 0;
}

static int send_queue(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                      size_t nbufs, const struct sockaddr *addr, tick_udp_send_cb cb,
                      tick_resolver_t *resolver, void *arg) {
  udp_state_t *st;
  udp_t *h;
  udp_send_t *s;
  int r = send_check(loop, udp, bufs, nbufs, addr, &h);
  if (r != 0) return r;
  st = udp_state(loop, 0);
  r = send_prepare(st, h, bufs, nbufs, addr, &s);
  if (r != 0) return r;
  s->cb = cb;
  s->resolver = resolver;
  s->arg = arg;
  s->h = h;
  if (h->q_tail == NULL)
    h->q_head = s;
  else
    h->q_tail->next = s;
  h->q_tail = s;
  h->nsends++;
  loop->module_refs++;
  if (!(h->flags & (H_DIRTY | H_BLOCKED))) {
    h->flags |= H_DIRTY;
    h->dirty_next = NULL;
    if (st->dirty_tail == NULL)
      st->dirty_head = h;
    else
      st->dirty_tail->dirty_next = h;
    st->dirty_tail = h;
  }
  return 0;
}

int tick_udp_send(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs, size_t nbufs,
                  const struct sockaddr *addr, tick_udp_send_cb cb, void *arg) {
  return send_queue(loop, udp, bufs, nbufs, addr, cb, NULL, arg);
}

/* A send promise's abort hook (tick_promise_cancel). A datagram the kernel has not taken
 * yet (queued until the end of the drain, or blocked on a full socket buffer) leaves the
 * queue and the promise rejects with `code` now; one the kernel took settles with its
 * real outcome (its report is on its way). The record is recycled only by send_report,
 * which settles the promise at once, so `s` is valid here. */
static void send_abort(tick_loop_t *loop, void *op, int code) {
  udp_send_t *s = op, *prev = NULL, *it;
  udp_t *h = s->h;
  tick_resolver_t *res = s->resolver;
  if (h->flags & H_CLOSING) return; /* the close reports it */
  for (it = h->q_head; it != NULL && it != s; it = it->next) prev = it;
  if (it == NULL) return;
  if (prev == NULL)
    h->q_head = s->next;
  else
    prev->next = s->next;
  if (h->q_tail == s) h->q_tail = prev;
  h->nsends--;
  loop->module_refs--;
  s->resolver = NULL;
  send_recycle(udp_state(loop, 0), s);
  tick_resolver_reject(res, code, NULL, NULL);
  tick_resolver_release(res);
}

int tick_udp_send_promise(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                          size_t nbufs, const struct sockaddr *addr, tick_promise_t **out) {
  tick_promise_t *p;
  tick_resolver_t *res;
  udp_t *h;
  int r;
  if (out == NULL) return TICK_EINVAL;
  r = send_check(loop, udp, bufs, nbufs, addr, &h);
  if (r != 0) return r;
  r = tick_promise_create_deferred(loop, &p, &res);
  if (r != 0) return r;
  r = send_queue(loop, udp, bufs, nbufs, addr, NULL, res, NULL);
  if (r != 0) {
    tick_resolver_release(res);
    tick_promise_release(p);
    return r;
  }
  (void)tick__promise_set_abort(p, send_abort, h->q_tail); /* pending, of this loop */
  *out = p;
  return 0;
}

int tick_udp_try_send(tick_loop_t *loop, tick_udp_t udp, const struct iovec *bufs,
                      size_t nbufs, const struct sockaddr *addr) {
  struct msghdr m;
  udp_t *h;
  ssize_t n;
  int r = send_check(loop, udp, bufs, nbufs, addr, &h);
  if (r != 0) return r;
  if (h->q_head != NULL) return TICK_EAGAIN; /* never overtake queued datagrams */
  memset(&m, 0, sizeof(m));
  m.msg_name = (void *)(uintptr_t)addr;
  m.msg_namelen = addr ? family_len(h->family) : 0;
  m.msg_iov = (struct iovec *)(uintptr_t)bufs;
  m.msg_iovlen = nbufs;
  do n = sendmsg(h->fd, &m, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return is_would_block(errno) ? TICK_EAGAIN : tick_translate_errno(errno);
  return n > INT_MAX ? INT_MAX : (int)n;
}

int tick_udp_send_queue_count(const tick_loop_t *loop, tick_udp_t udp) {
  udp_t *h;
  int r = udp_get((tick_loop_t *)(uintptr_t)loop, udp, &h);
  if (r != 0) return r;
  return h->nsends > INT_MAX ? INT_MAX : (int)h->nsends;
}

int tick_udp_get_stats(const tick_loop_t *loop, tick_udp_t udp, tick_udp_stats_t *stats) {
  udp_t *h;
  int r = udp_get((tick_loop_t *)(uintptr_t)loop, udp, &h);
  if (r != 0) return r;
  if (stats == NULL) return TICK_EINVAL;
  *stats = h->stats;
  return 0;
}

/* --------------------------------------------------------------- receives ---- */

static void rreq_free(void *p) { tick__free(p); }

/* One-shot receives: one datagram per pending request, in order. */
static void udp_read_oneshot(tick_loop_t *loop, udp_t *h) {
  while (h->r_head != NULL && !(h->flags & H_CLOSING)) {
    udp_rreq_t *q = h->r_head;
    struct msghdr m;
    struct iovec iov;
    ssize_t n;
    tick_resolver_t *res = q->resolver;
    memset(&m, 0, sizeof(m));
    iov.iov_base = q->data;
    iov.iov_len = q->max;
    m.msg_name = &q->dg.addr;
    m.msg_namelen = sizeof(q->dg.addr);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    do n = recvmsg(h->fd, &m, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    h->stats.recv_calls++;
    if (n >= 0) h->stats.datagrams_received++;
    h->r_head = q->next;
    if (h->r_head == NULL) h->r_tail = NULL;
    if (q->timer.id != TICK_NULL_ID) tick_clear_timer(loop, q->timer);
    loop->depth++;
    if (n < 0) {
      tick_resolver_reject(res, tick_translate_errno(errno), NULL, NULL);
      tick__free(q);
    } else {
      q->dg.len = (size_t)n;
      q->dg.flags = (m.msg_flags & MSG_TRUNC) ? TICK_UDP_TRUNCATED : 0;
      q->dg.data = q->data;
      tick_resolver_resolve(res, &q->dg, rreq_free);
    }
    tick_resolver_release(res);
    loop->depth--;
    tick__drain(loop);
  }
}

static void udp_read(tick_loop_t *loop, udp_t *h) {
  struct mmsghdr msgs[TICK_UDP_BATCH_MAX];
  struct iovec iovs[TICK_UDP_BATCH_MAX];
  struct sockaddr_in6 addrs[TICK_UDP_BATCH_MAX];
  int round;
  tick_udp_t u;
  u.id = h->id;
  for (round = 0; round < RECV_ROUNDS; round++) {
    unsigned char *buf = h->rbuf;
    uint32_t lend = h->rlend;
    unsigned nslots = h->rslots, k;
    size_t slot = h->rslot;
    int n;
    for (k = 0; k < nslots; k++) {
      iovs[k].iov_base = buf + (size_t)k * slot;
      iovs[k].iov_len = slot;
      memset(&msgs[k].msg_hdr, 0, sizeof(msgs[k].msg_hdr));
      msgs[k].msg_hdr.msg_name = &addrs[k];
      msgs[k].msg_hdr.msg_namelen = sizeof(addrs[k]);
      msgs[k].msg_hdr.msg_iov = &iovs[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
    }
    do n = recvmmsg(h->fd, msgs, nslots, 0, NULL);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) return;
      h->stats.recv_calls++;
      loop->depth++;
      h->recv_cb(loop, u, tick_translate_errno(e), NULL, NULL, 0, h->recv_arg);
      loop->depth--;
      tick__drain(loop);
      return;
    }
    h->stats.recv_calls++;
    h->stats.datagrams_received += (uint64_t)n;
    for (k = 0; k < (unsigned)n; k++) {
      unsigned flags = (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) ? TICK_UDP_TRUNCATED : 0;
      /* Stopped, closed or given another buffer by an earlier callback: drop the rest.
       * Comparing the buffer's address is not enough: a callback may stop, reuse its
       * buffer and lend the same one again (or one malloc placed there). */
      if (!(h->flags & H_RECEIVING) || h->rlend != lend) return;
      loop->depth++; /* the callback as it is now: a restart may have replaced it */
      h->recv_cb(loop, u, (int)msgs[k].msg_len, iovs[k].iov_base,
                 (const struct sockaddr *)&addrs[k], flags, h->recv_arg);
      loop->depth--;
      tick__drain(loop);
    }
    if ((unsigned)n < nslots || !(h->flags & H_RECEIVING)) return;
  }
}

static void udp_io(tick_loop_t *loop, tick_poll_t w, int status, unsigned events, void *arg) {
  udp_t *h = arg;
  (void)w;
  (void)status;
  if (h->flags & H_CLOSING) return;
  if (events & (TICK_READABLE | TICK_DISCONNECT)) {
    if (h->r_head != NULL)
      udp_read_oneshot(loop, h);
    else if (h->flags & H_RECEIVING)
      udp_read(loop, h);
  }
  if (h->flags & H_CLOSING) return;
  if ((events & (TICK_WRITABLE | TICK_DISCONNECT)) && (h->flags & H_BLOCKED)) {
    h->flags &= ~(unsigned)H_BLOCKED;
    udp_flush(loop, udp_state(loop, 0), h);
  }
  if (!(h->flags & H_CLOSING)) {
    udp_state_t *st = udp_state(loop, 0);
    int r = udp_watch(loop, h);
    if (r != 0) udp_fail_queue(loop, st, h, r);
  }
}

/* Binds to the wildcard address and a free port if the socket has no port yet. */
static int ensure_bound(udp_t *h) {
  struct sockaddr_in6 a;
  socklen_t len = sizeof(a);
  if (getsockname(h->fd, (struct sockaddr *)&a, &len) != 0) return tick_translate_errno(errno);
  if (((struct sockaddr_in *)&a)->sin_port != 0) return 0; /* same offset in both */
  memset(&a, 0, sizeof(a));
  a.sin6_family = (sa_family_t)h->family; /* any address, port 0 */
  if (bind(h->fd, (struct sockaddr *)&a, family_len(h->family)) != 0)
    return tick_translate_errno(errno);
  return 0;
}

int tick_udp_recv_start(tick_loop_t *loop, tick_udp_t udp, void *buffer, size_t size,
                        size_t slot_size, tick_udp_recv_cb cb, void *arg) {
  udp_t *h;
  unsigned old_flags;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (buffer == NULL || size == 0 || cb == NULL) return TICK_EINVAL;
  if (h->r_head != NULL) return TICK_EBUSY;
  r = ensure_bound(h);
  if (r != 0) return r;
  if (slot_size == 0) slot_size = DEFAULT_SLOT;
  if (slot_size > size) slot_size = size;
  old_flags = h->flags;
  h->flags |= H_RECEIVING;
  r = udp_watch(loop, h);
  if (r != 0) {
    h->flags = old_flags;
    return r;
  }
  {
    unsigned nslots = (unsigned)(size / slot_size < TICK_UDP_BATCH_MAX ? size / slot_size
                                                                        : TICK_UDP_BATCH_MAX);
    /* Restarting with the very same lent region only replaces the callback. */
    if (!(old_flags & H_RECEIVING) || h->rbuf != buffer || h->rslot != slot_size ||
        h->rslots != nslots)
      h->rlend++;
    h->rbuf = buffer;
    h->rslot = slot_size;
    h->rslots = nslots;
  }
  h->recv_cb = cb;
  h->recv_arg = arg;
  return 0;
}

int tick_udp_recv_stop(tick_loop_t *loop, tick_udp_t udp) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  h->flags &= ~(unsigned)H_RECEIVING;
  h->rbuf = NULL;
  h->recv_cb = NULL;
  h->rlend++;
  return udp_watch(loop, h);
}

/* A one-shot receive that ends without a datagram: it leaves the queue (the next
 * datagram goes to whoever receives next) and rejects with `code`. */
static void rreq_stop(tick_loop_t *loop, udp_rreq_t *q, int code) {
  udp_rreq_t *prev = NULL, *it;
  udp_t *h = q->h;
  tick_resolver_t *res = q->resolver;
  if (q->timer.id != TICK_NULL_ID) tick_clear_timer(loop, q->timer);
  q->timer.id = TICK_NULL_ID;
  for (it = h->r_head; it != q; it = it->next) prev = it;
  if (prev == NULL)
    h->r_head = q->next;
  else
    prev->next = q->next;
  if (h->r_tail == q) h->r_tail = prev;
  /* Stopping a started watcher does not fail; were it to, the next udp_watch retries
   * and a readable socket with nobody to serve is only read when someone asks. */
  (void)udp_watch(loop, h);
  tick__free(q);
  tick_resolver_reject(res, code, NULL, NULL);
  tick_resolver_release(res);
}

/* Timers phase: the deadline of a one-shot receive passed first. */
static void rreq_timeout(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  udp_rreq_t *q = arg;
  (void)timer;
  q->timer.id = TICK_NULL_ID;
  rreq_stop(loop, q, TICK_ETIMEDOUT);
}

/* A receive promise's abort hook (tick_promise_cancel): nothing was received for it, so
 * it always stops, now. A request is freed only when its promise settles (a datagram,
 * its deadline, the close), so `q` is valid here. */
static void rreq_abort(tick_loop_t *loop, void *op, int code) {
  udp_rreq_t *q = op;
  if (q->h->flags & H_CLOSING) return; /* the close reports it */
  rreq_stop(loop, q, code);
}

int tick_udp_recv_promise(tick_loop_t *loop, tick_udp_t udp, size_t max_size,
                          int64_t timeout_ms, tick_promise_t **out) {
  udp_t *h;
  udp_rreq_t *q;
  tick_promise_t *p;
  tick_resolver_t *res;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (out == NULL || max_size > INT_MAX) return TICK_EINVAL;
  if (h->flags & H_RECEIVING) return TICK_EBUSY;
  r = ensure_bound(h);
  if (r != 0) return r;
  q = tick__malloc(sizeof(*q) + max_size);
  if (q == NULL) return TICK_ENOMEM;
  r = tick_promise_create_deferred(loop, &p, &res);
  if (r != 0) {
    tick__free(q);
    return r;
  }
  memset(&q->dg, 0, sizeof(q->dg));
  q->next = NULL;
  q->resolver = res;
  q->h = h;
  q->timer.id = TICK_NULL_ID;
  q->max = max_size;
  if (timeout_ms > 0) {
    r = tick_set_timeout(loop, timeout_ms, rreq_timeout, q, &q->timer);
    if (r != 0) {
      tick_resolver_release(res);
      tick_promise_release(p);
      tick__free(q);
      return r;
    }
    tick_timer_unref(loop, q->timer);
  }
  if (h->r_tail == NULL)
    h->r_head = q;
  else
    h->r_tail->next = q;
  h->r_tail = q;
  r = udp_watch(loop, h);
  if (r != 0) {
    h->r_tail = NULL; /* it was the only one: a failed watch means none was pending */
    if (h->r_head == q) h->r_head = NULL;
    if (q->timer.id != TICK_NULL_ID) tick_clear_timer(loop, q->timer);
    tick_resolver_release(res);
    tick_promise_release(p);
    tick__free(q);
    return r;
  }
  (void)tick__promise_set_abort(p, rreq_abort, q); /* pending, of this loop */
  *out = p;
  return 0;
}

/* ------------------------------------------------------ create, bind, connect ---- */

int tick_udp_create(tick_loop_t *loop, int family, tick_udp_t *udp) {
  udp_state_t *st;
  udp_t *h;
  int r;
  TICK__CHECK_LOOP(loop);
  if (udp == NULL || (family != AF_INET && family != AF_INET6)) return TICK_EINVAL;
  st = udp_state(loop, 1);
  if (st == NULL) return TICK_ENOMEM;
  r = tick__idtab_reserve(&st->handles);
  if (r != 0) return r;
  h = tick__calloc(1, sizeof(*h));
  if (h == NULL) return TICK_ENOMEM;
  h->family = family;
  h->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (h->fd < 0) {
    r = tick_translate_errno(errno);
    tick__free(h);
    return r;
  }
  r = tick_poll_create(loop, h->fd, &h->watcher);
  if (r != 0) {
    close(h->fd);
    tick__free(h);
    return r;
  }
  tick__poll_set_internal(loop, h->watcher);
  h->id = tick__idtab_add(&st->handles, h);
  TICK__NOTE_SITE(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)h);
  udp->id = h->id;
  return 0;
}

int tick_udp_bind(tick_loop_t *loop, tick_udp_t udp, const struct sockaddr *addr,
                  unsigned flags) {
  udp_t *h;
  int r = udp_get(loop, udp, &h), one = 1;
  if (r != 0) return r;
  if (check_addr(h, addr) != 0 || (flags & ~(unsigned)(TICK_UDP_REUSEADDR | TICK_UDP_IPV6ONLY)))
    return TICK_EINVAL;
  if ((flags & TICK_UDP_IPV6ONLY) && h->family != AF_INET6) return TICK_EINVAL;
  if ((flags & TICK_UDP_REUSEADDR) &&
      setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
    return tick_translate_errno(errno);
  if ((flags & TICK_UDP_IPV6ONLY) &&
      setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
    return tick_translate_errno(errno);
  if (bind(h->fd, addr, family_len(h->family)) != 0) return tick_translate_errno(errno);
  return 0;
}

int tick_udp_connect(tick_loop_t *loop, tick_udp_t udp, const struct sockaddr *addr) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (addr == NULL) {
    struct sockaddr unspec;
    if (!(h->flags & H_CONNECTED)) return TICK_ENOTCONN;
    memset(&unspec, 0, sizeof(unspec));
    unspec.sa_family = AF_UNSPEC;
    /* Linux may report EAFNOSUPPORT for AF_UNSPEC on some kernels although it did
     * disconnect; getpeername tells. */
    if (connect(h->fd, &unspec, sizeof(unspec)) != 0 && errno != EAFNOSUPPORT)
      return tick_translate_errno(errno);
    h->flags &= ~(unsigned)H_CONNECTED;
    return 0;
  }
  if (check_addr(h, addr) != 0) return TICK_EINVAL;
  if (h->flags & H_CONNECTED) return TICK_EISCONN;
  if (connect(h->fd, addr, family_len(h->family)) != 0) return tick_translate_errno(errno);
  h->flags |= H_CONNECTED;
  return 0;
}

/* ---------------------------------------------------------------- options ---- */

static int set_int(udp_t *h, int level, int name, int value) {
  if (setsockopt(h->fd, level, name, &value, sizeof(value)) != 0)
    return tick_translate_errno(errno);
  return 0;
}

int tick_udp_set_broadcast(tick_loop_t *loop, tick_udp_t udp, int on) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (on != 0 && on != 1) return TICK_EINVAL;
  return set_int(h, SOL_SOCKET, SO_BROADCAST, on);
}

int tick_udp_set_ttl(tick_loop_t *loop, tick_udp_t udp, int ttl) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (ttl < 1 || ttl > 255) return TICK_EINVAL;
  if (h->family == AF_INET6) return set_int(h, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
  return set_int(h, IPPROTO_IP, IP_TTL, ttl);
}

int tick_udp_set_multicast_ttl(tick_loop_t *loop, tick_udp_t udp, int ttl) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (ttl < 1 || ttl > 255) return TICK_EINVAL;
  if (h->family == AF_INET6) return set_int(h, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
  return set_int(h, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
}

int tick_udp_set_multicast_loop(tick_loop_t *loop, tick_udp_t udp, int on) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (on != 0 && on != 1) return TICK_EINVAL;
  if (h->family == AF_INET6) return set_int(h, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on);
  return set_int(h, IPPROTO_IP, IP_MULTICAST_LOOP, on);
}

/* IPv4: a local address ("0.0.0.0" or NULL: any). IPv6: an interface name (NULL: 0). */
static int parse_interface(const udp_t *h, const char *iface, struct in_addr *v4,
                           unsigned *v6_index) {
  if (h->family == AF_INET) {
    v4->s_addr = htonl(INADDR_ANY);
    if (iface != NULL && inet_pton(AF_INET, iface, v4) != 1) return TICK_EINVAL;
  } else {
    *v6_index = 0;
    if (iface != NULL && (*v6_index = if_nametoindex(iface)) == 0) return TICK_ENODEV;
  }
  return 0;
}

int tick_udp_set_multicast_interface(tick_loop_t *loop, tick_udp_t udp,
                                     const char *interface_addr) {
  udp_t *h;
  struct in_addr v4;
  unsigned index = 0;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  r = parse_interface(h, interface_addr, &v4, &index);
  if (r != 0) return r;
  if (h->family == AF_INET6) return set_int(h, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)index);
  if (setsockopt(h->fd, IPPROTO_IP, IP_MULTICAST_IF, &v4, sizeof(v4)) != 0)
    return tick_translate_errno(errno);
  return 0;
}

static int membership(tick_loop_t *loop, tick_udp_t udp, const char *group,
                      const char *iface, int join) {
  udp_t *h;
  struct in_addr v4;
  unsigned index = 0;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (group == NULL) return TICK_EINVAL;
  r = parse_interface(h, iface, &v4, &index);
  if (r != 0) return r;
  if (h->family == AF_INET) {
    struct ip_mreq m;
    if (inet_pton(AF_INET, group, &m.imr_multiaddr) != 1) return TICK_EINVAL;
    m.imr_interface = v4;
    r = setsockopt(h->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m,
                   sizeof(m));
  } else {
    struct ipv6_mreq m;
    if (inet_pton(AF_INET6, group, &m.ipv6mr_multiaddr) != 1) return TICK_EINVAL;
    m.ipv6mr_interface = index;
    r = setsockopt(h->fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &m,
                   sizeof(m));
  }
  return r != 0 ? tick_translate_errno(errno) : 0;
}

int tick_udp_join_group(tick_loop_t *loop, tick_udp_t udp, const char *multicast_addr,
                        const char *interface_addr) {
  return membership(loop, udp, multicast_addr, interface_addr, 1);
}

int tick_udp_leave_group(tick_loop_t *loop, tick_udp_t udp, const char *multicast_addr,
                         const char *interface_addr) {
  return membership(loop, udp, multicast_addr, interface_addr, 0);
}

static int sock_name(tick_loop_t *loop, tick_udp_t udp, struct sockaddr *addr,
                     socklen_t *len, int peer) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  if (addr == NULL || len == NULL) return TICK_EINVAL;
  r = peer ? getpeername(h->fd, addr, len) : getsockname(h->fd, addr, len);
  return r != 0 ? tick_translate_errno(errno) : 0;
}

int tick_udp_getsockname(tick_loop_t *loop, tick_udp_t udp, struct sockaddr *addr,
                         socklen_t *len) {
  return sock_name(loop, udp, addr, len, 0);
}

int tick_udp_getpeername(tick_loop_t *loop, tick_udp_t udp, struct sockaddr *addr,
                         socklen_t *len) {
  return sock_name(loop, udp, addr, len, 1);
}

int tick_udp_ref(tick_loop_t *loop, tick_udp_t udp) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  return tick_poll_ref(loop, h->watcher);
}

int tick_udp_unref(tick_loop_t *loop, tick_udp_t udp) {
  udp_t *h;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  return tick_poll_unref(loop, h->watcher);
}

/* ------------------------------------------------------------------ close ---- */

/* The watcher's close callback, in the close phase: reports what is left, in order, each
 * as a macrotask, then frees the handle and calls the user's close callback (poll.c
 * drains after it). */
static void udp_closed(tick_loop_t *loop, void *arg) {
  udp_t *h = arg;
  udp_state_t *st = udp_state(loop, 0);
  tick_close_cb cb = h->close_cb;
  void *cb_arg = h->close_arg;
  done_remove(st, h);
  while (h->d_head != NULL) {
    udp_send_t *s = h->d_head;
    h->d_head = s->next;
    if (h->d_head == NULL) h->d_tail = NULL;
    send_report(loop, st, h, s, s->status);
  }
  while (h->q_head != NULL) {
    udp_send_t *s = h->q_head;
    h->q_head = s->next;
    if (h->q_head == NULL) h->q_tail = NULL;
    send_report(loop, st, h, s, TICK_ECANCELED);
  }
  while (h->r_head != NULL) {
    udp_rreq_t *q = h->r_head;
    h->r_head = q->next;
    loop->depth++;
    tick_resolver_reject(q->resolver, TICK_ECANCELED, NULL, NULL);
    tick_resolver_release(q->resolver);
    loop->depth--;
    tick__free(q);
    tick__drain(loop);
  }
  close(h->fd);
  tick__idtab_remove(&st->handles, h->id);
  tick__site_forget(loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)h);
  tick__free(h);
  if (cb != NULL) cb(loop, cb_arg);
}

int tick_udp_close(tick_loop_t *loop, tick_udp_t udp, tick_close_cb close_cb, void *arg) {
  udp_state_t *st;
  udp_t *h;
  udp_rreq_t *q;
  int r = udp_get(loop, udp, &h);
  if (r != 0) return r;
  st = udp_state(loop, 0);
  r = tick_poll_close(loop, h->watcher, udp_closed, h);
  if (r != 0) return r;
  /* Sends queued and not yet handed to the kernel (made in this callback, or waiting for
   * the socket to become writable) are tried once now, without blocking, as libuv and
   * Node send a datagram queued just before the close: what the kernel takes reports its
   * status in the close phase, only the rest is cancelled. */
  if (h->q_head != NULL) udp_flush(loop, st, h);
  h->flags |= H_CLOSING;
  h->flags &= ~(unsigned)H_RECEIVING;
  h->watching = 0;
  /* Pending one-shot receives report TICK_ECANCELED in the close phase, not a timeout
   * that would fire before it. */
  for (q = h->r_head; q != NULL; q = q->next) {
    if (q->timer.id != TICK_NULL_ID) tick_clear_timer(loop, q->timer);
    q->timer.id = TICK_NULL_ID;
  }
  dirty_remove(st, h);
  h->close_cb = close_cb;
  h->close_arg = arg;
  return 0;
}
