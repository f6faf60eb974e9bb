/* scope.c - cancel scopes (include/tick/cancel.h, docs/cancellation.md).
 *
 * A scope record lives in memory the loop's cancel module keeps until tick_loop_destroy
 * and reuses through a free list, so a stale handle reads a record whose generation has
 * moved on (core/handle.h) instead of freed memory.
 *
 * Every way of reacting to a cancellation is one of three intrusive lists on the record:
 * - ops: timers and immediates started under the scope (small records from chunks, so
 *   starting one allocates nothing in steady state); cancelling clears each;
 * - listeners: the caller's records (tick_scope_listener_t) and this layer's own promise
 *   helpers and async functions, called in the order they were added;
 * - dependants: children and followers, cancelled after the listeners, depth first, as
 *   Node's abortSignal() aborts its dependant signals after dispatching its event.
 * A dependant holds a reference to the scope it depends on, and so does every listener
 * and op, so a scope lives while anything can still be cancelled through it.
 *
 * A timer cleared with tick_clear_timer (not through the scope) leaves its op record in
 * the scope's list, since the core tells nobody; the records are swept (their ids looked
 * up in the loop's slab) whenever a scope's list has doubled since its last sweep, so a
 * long-lived scope holds at most about twice as many records as it has pending timers.
 */
#include "cancel/cancel.h"
#include "core/handle.h"
#include "promise/promise.h"

#include <pthread.h>
#include <string.h>

typedef struct scope_rec_s scope_rec_t;
typedef struct cancel_mod_s cancel_mod_t;

/* The layout behind tick_scope_listener_t. `scope` is NULL while not registered. */
typedef struct lnode_s lnode_t;
struct lnode_s {
  lnode_t *prev, *next;
  scope_rec_t *scope;
  tick_scope_cb cb;
  void *arg;
  void *spare_;
};
_Static_assert(sizeof(lnode_t) <= sizeof(tick_scope_listener_t), "listener layout fits");

/* An entry in a scope's list of dependants: a child's (embedded in the child) or a
 * link's (a follower's record of one source). `src` is NULL once detached. */
typedef struct dep_s dep_t;
struct dep_s {
  dep_t *prev, *next;
  scope_rec_t *src;
  scope_rec_t *follower;
};

typedef struct link_s link_t;
struct link_s {
  dep_t dep;
  link_t *owned_next; /* the follower's links, or the free list */
};

enum { OP_TIMER = 1, OP_INTERVAL, OP_IMMEDIATE };

/* A timer or an immediate under a scope. */
typedef struct op_s op_t;
struct op_s {
  op_t *prev, *next; /* the scope's ops, or the free list (next) */
  scope_rec_t *scope;
  uint64_t id;
  union {
    tick_timer_cb timer;
    tick_immediate_cb immediate;
  } cb;
  void *arg;
  uint32_t kind;
};

#define OPS_PER_CHUNK 512u

typedef struct op_chunk_s op_chunk_t;
struct op_chunk_s {
  op_chunk_t *next;
  op_t ops[OPS_PER_CHUNK];
};

struct scope_rec_s {
  uint16_t gen;
  uint8_t in_use;
  int code; /* 0 while live */
  uint32_t refs;
  cancel_mod_t *mod;
  scope_rec_t *all_next;            /* every record made: freed at destroy */
  scope_rec_t *free_next;           /* the free list */
  scope_rec_t *live_prev, *live_next;
  lnode_t *lhead, *ltail;           /* listeners */
  dep_t *dhead, *dtail;             /* dependants */
  dep_t as_child;                   /* in the parent's dependants (src NULL: none) */
  scope_rec_t *parent;              /* referenced until this record is freed */
  link_t *links;                    /* the scopes this one follows */
  op_t *ohead, *otail;
  uint32_t nops, sweep_at;
  tick_timer_t deadline;            /* TICK_NULL_ID: none */
  uint64_t deadline_at;
};

/* Promise helpers: delays, derived promises, promise timeouts. */
enum { PREC_DELAY = 1, PREC_FOLLOW, PREC_TIMEOUT };

typedef struct prec_s prec_t;
struct prec_s {
  tick_scope_listener_t listener; /* first: the record is found from it */
  cancel_mod_t *mod;
  prec_t *all_next, *free_next;
  tick_resolver_t *r;    /* until the derived promise is settled */
  tick_promise_t *src;   /* the followed promise, while it may still be asked to stop */
  tick_timer_t timer;    /* delay and timeout: TICK_NULL_ID once fired or cleared */
  uint8_t kind;
  uint8_t listening;     /* the listener is registered */
  uint8_t reacting;      /* the reaction on `src` has not called free_arg yet */
};

struct cancel_mod_s {
  tick_loop_t *loop;
  pthread_t owner;
  scope_rec_t *all, *free;
  scope_rec_t *live;
  op_chunk_t *chunks;
  op_t *free_ops;
  link_t *free_links;
  prec_t *all_precs, *free_precs;
  int closing;
};

static void module_pre_destroy(tick_loop_t *loop, void *state);
static void module_destroy(tick_loop_t *loop, void *state);
static const tick__module_hooks_t module_hooks = {NULL, module_destroy, module_pre_destroy};

/* ------------------------------------------------------------------ module ---- */

static int module_enter(tick_loop_t *loop, cancel_mod_t **out) {
  cancel_mod_t *mod;
  int rc;
  if (loop == NULL) return TICK_EINVAL;
  mod = tick__loop_module_state(loop, TICK__MODULE_CANCEL);
  if (TICK__LIKELY(mod != NULL)) {
    if (TICK__UNLIKELY(!pthread_equal(mod->owner, pthread_self()))) return TICK_EWRONGTHREAD;
    *out = mod;
    return 0;
  }
  rc = tick__loop_check(loop);
  if (rc != 0) return rc;
  mod = tick__calloc(1, sizeof(*mod));
  if (mod == NULL) return TICK_ENOMEM;
  mod->loop = loop;
  mod->owner = pthread_self();
  tick__loop_set_module(loop, TICK__MODULE_CANCEL, &module_hooks, mod);
  *out = mod;
  return 0;
}

/* The record of a live handle, checking the thread. */
static int scope_enter(const tick_scope_t *s, scope_rec_t **out) {
  scope_rec_t *rec;
  if (s == NULL) return TICK_EINVAL;
  rec = tick__handle_record(s);
  if (!rec->in_use || !tick__handle_gen_is(s, rec->gen)) return TICK_ESTALE;
  if (TICK__UNLIKELY(!pthread_equal(rec->mod->owner, pthread_self()))) return TICK_EWRONGTHREAD;
  *out = rec;
  return 0;
}

static tick_scope_t *handle_of(const scope_rec_t *rec) {
  return tick__handle_make(rec, rec->gen);
}

/* --------------------------------------------------------------- records ---- */

static scope_rec_t *rec_new(cancel_mod_t *mod) {
  scope_rec_t *rec = mod->free;
  uint16_t gen;
  if (rec != NULL) {
    mod->free = rec->free_next;
    gen = rec->gen;
  } else {
    rec = tick__malloc(sizeof(*rec));
    if (rec == NULL) return NULL;
    if (!tick__handle_fits(rec, sizeof(*rec))) {
      tick__free(rec);
      return NULL;
    }
    rec->all_next = mod->all;
    mod->all = rec;
    gen = 1;
  }
  {
    scope_rec_t *all_next = rec->all_next;
    memset(rec, 0, sizeof(*rec));
    rec->all_next = all_next;
  }
  rec->gen = gen;
  rec->in_use = 1;
  rec->mod = mod;
  rec->refs = 1;
  rec->deadline_at = UINT64_MAX;
  rec->sweep_at = 32;
  rec->live_next = mod->live;
  if (mod->live != NULL) mod->live->live_prev = rec;
  mod->live = rec;
  return rec;
}

static void dep_push(scope_rec_t *src, dep_t *d, scope_rec_t *follower) {
  d->src = src;
  d->follower = follower;
  d->next = NULL;
  d->prev = src->dtail;
  if (src->dtail != NULL)
    src->dtail->next = d;
  else
    src->dhead = d;
  src->dtail = d;
}

static void dep_unlink(dep_t *d) {
  scope_rec_t *src = d->src;
  if (src == NULL) return;
  if (d->prev != NULL)
    d->prev->next = d->next;
  else
    src->dhead = d->next;
  if (d->next != NULL)
    d->next->prev = d->prev;
  else
    src->dtail = d->prev;
  d->prev = d->next = NULL;
  d->src = NULL;
}

static void rec_unref(scope_rec_t *rec);

/* Frees a record nothing references: no listener, op or dependant is left (each holds
 * a reference). Drops its own references to its parent and sources. */
static void rec_free(scope_rec_t *rec) {
  cancel_mod_t *mod = rec->mod;
  scope_rec_t *parent = rec->parent;
  link_t *l;
  if (rec->deadline.id != TICK_NULL_ID) tick_clear_timer(mod->loop, rec->deadline);
  dep_unlink(&rec->as_child);
  while ((l = rec->links) != NULL) {
    scope_rec_t *src = l->dep.src;
    rec->links = l->owned_next;
    dep_unlink(&l->dep);
    l->owned_next = mod->free_links;
    mod->free_links = l;
    if (src != NULL) rec_unref(src);
  }
  if (rec->live_prev != NULL)
    rec->live_prev->live_next = rec->live_next;
  else
    mod->live = rec->live_next;
  if (rec->live_next != NULL) rec->live_next->live_prev = rec->live_prev;
  rec->in_use = 0;
  rec->gen = tick__handle_gen_next(rec->gen);
  rec->free_next = mod->free;
  mod->free = rec;
  if (parent != NULL) rec_unref(parent);
}

static void rec_unref(scope_rec_t *rec) {
  if (--rec->refs == 0) rec_free(rec);
}

/* ------------------------------------------------------------------- ops ---- */

static op_t *op_new(cancel_mod_t *mod) {
  op_t *op = mod->free_ops;
  if (op == NULL) {
    op_chunk_t *c = tick__malloc(sizeof(*c));
    unsigned i;
    if (c == NULL) return NULL;
    c->next = mod->chunks;
    mod->chunks = c;
    for (i = OPS_PER_CHUNK; i-- > 0;) {
      c->ops[i].next = mod->free_ops;
      mod->free_ops = &c->ops[i];
    }
    op = mod->free_ops;
  }
  mod->free_ops = op->next;
  return op;
}

static void op_link(scope_rec_t *rec, op_t *op) {
  op->scope = rec;
  op->next = NULL;
  op->prev = rec->otail;
  if (rec->otail != NULL)
    rec->otail->next = op;
  else
    rec->ohead = op;
  rec->otail = op;
  rec->nops++;
  rec->refs++;
}

/* Unlinks and frees `op`; the caller drops the scope's reference. */
static void op_unlink(op_t *op) {
  scope_rec_t *rec = op->scope;
  cancel_mod_t *mod = rec->mod;
  if (op->prev != NULL)
    op->prev->next = op->next;
  else
    rec->ohead = op->next;
  if (op->next != NULL)
    op->next->prev = op->prev;
  else
    rec->otail = op->prev;
  rec->nops--;
  op->scope = NULL;
  op->next = mod->free_ops;
  mod->free_ops = op;
}

static int op_pending(const tick_loop_t *loop, const op_t *op) {
  tick__kind_t kind = op->kind == OP_IMMEDIATE ? TICK__IMMEDIATE : TICK__TIMER;
  return tick__slab_lookup(&loop->slab, op->id, kind, NULL) != NULL;
}

/* Frees the records of ops cleared behind the scope's back (see the top of the file). */
static void ops_sweep(scope_rec_t *rec) {
  tick_loop_t *loop = rec->mod->loop;
  op_t *op = rec->ohead, *next;
  uint32_t dropped = 0;
  while (op != NULL) {
    next = op->next;
    if (!op_pending(loop, op)) {
      op_unlink(op);
      dropped++;
    }
    op = next;
  }
  rec->sweep_at = rec->nops >= 16 ? rec->nops * 2 : 32;
  rec->refs -= dropped; /* the caller holds one more */
}

static void timer_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  op_t *op = arg;
  tick_timer_cb cb = op->cb.timer;
  void *cb_arg = op->arg;
  if (op->kind == OP_TIMER) {
    scope_rec_t *rec = op->scope;
    op_unlink(op);
    rec_unref(rec);
  }
  /* An interval keeps its record: the callback may cancel the scope (which frees it). */
  cb(loop, timer, cb_arg);
}

static void immediate_fire(tick_loop_t *loop, void *arg) {
  op_t *op = arg;
  tick_immediate_cb cb = op->cb.immediate;
  void *cb_arg = op->arg;
  scope_rec_t *rec = op->scope;
  op_unlink(op);
  rec_unref(rec);
  cb(loop, cb_arg);
}

static int op_start(tick_scope_t *s, uint32_t kind, int64_t ms, void *cb, void *arg,
                    uint64_t *id_out) {
  scope_rec_t *rec;
  op_t *op;
  tick_timer_t t;
  tick_immediate_t im;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (cb == NULL) return TICK_EINVAL;
  if (rec->code != 0) return rec->code;
  rec->refs++; /* the sweep may drop every other reference */
  if (rec->nops >= rec->sweep_at) ops_sweep(rec);
  op = op_new(rec->mod);
  if (op == NULL) {
    rec_unref(rec);
    return TICK_ENOMEM;
  }
  op->kind = kind;
  op->arg = arg;
  if (kind == OP_IMMEDIATE) {
    op->cb.immediate = (tick_immediate_cb)cb;
    rc = tick_set_immediate(rec->mod->loop, immediate_fire, op, &im);
    op->id = im.id;
  } else {
    op->cb.timer = (tick_timer_cb)cb;
    rc = (kind == OP_TIMER ? tick_set_timeout : tick_set_interval)(rec->mod->loop, ms,
                                                                    timer_fire, op, &t);
    op->id = t.id;
  }
  if (rc == 0) {
    op_link(rec, op);
    if (id_out != NULL) *id_out = op->id;
  } else {
    op->next = rec->mod->free_ops;
    rec->mod->free_ops = op;
  }
  rec_unref(rec);
  return rc;
}

int tick_set_timeout_in(tick_scope_t *s, int64_t delay_ms, tick_timer_cb cb, void *arg,
                        tick_timer_t *id_out) {
  return op_start(s, OP_TIMER, delay_ms, (void *)cb, arg,
                  id_out != NULL ? &id_out->id : NULL);
}

int tick_set_interval_in(tick_scope_t *s, int64_t period_ms, tick_timer_cb cb, void *arg,
                         tick_timer_t *id_out) {
  return op_start(s, OP_INTERVAL, period_ms, (void *)cb, arg,
                  id_out != NULL ? &id_out->id : NULL);
}

int tick_set_immediate_in(tick_scope_t *s, tick_immediate_cb cb, void *arg,
                          tick_immediate_t *id_out) {
  return op_start(s, OP_IMMEDIATE, 0, (void *)cb, arg,
                  id_out != NULL ? &id_out->id : NULL);
}

/* ------------------------------------------------------------ cancelling ---- */

static void clear_ops(scope_rec_t *rec) {
  tick_loop_t *loop = rec->mod->loop;
  op_t *op;
  uint32_t n = 0;
  while ((op = rec->ohead) != NULL) {
    if (op->kind == OP_IMMEDIATE) {
      tick_immediate_t im = {op->id};
      tick_clear_immediate(loop, im);
    } else {
      tick_timer_t t = {op->id};
      tick_clear_timer(loop, t);
    }
    op_unlink(op);
    n++;
  }
  rec->refs -= n; /* the caller holds a reference through the whole cancellation */
}

/* Cancels `rec` (live), its listeners, then its dependants. The caller holds a
 * reference to `rec`. */
static void cancel_rec(scope_rec_t *rec, int code) {
  tick_loop_t *loop = rec->mod->loop;
  lnode_t *l;
  dep_t *d;
  rec->code = code;
  if (rec->deadline.id != TICK_NULL_ID) {
    tick_clear_timer(loop, rec->deadline);
    rec->deadline.id = TICK_NULL_ID;
  }
  rec->deadline_at = UINT64_MAX;
  clear_ops(rec);
  while ((l = rec->lhead) != NULL) {
    tick_scope_cb cb = l->cb;
    void *arg = l->arg;
    rec->lhead = l->next;
    if (rec->lhead == NULL)
      rec->ltail = NULL;
    else
      rec->lhead->prev = NULL;
    l->prev = l->next = NULL;
    l->scope = NULL;
    cb(loop, handle_of(rec), code, arg);
    rec_unref(rec); /* the listener's reference; the caller's keeps rec alive */
  }
  /* Dependants: each is detached (this scope can never cancel it again) and cancelled
   * in turn; one freed meanwhile has already left the list. */
  while ((d = rec->dhead) != NULL) {
    scope_rec_t *f = d->follower;
    dep_unlink(d);
    if (f->code != 0) continue;
    f->refs++;
    cancel_rec(f, code);
    rec_unref(f);
  }
}

int tick_scope_cancel(tick_scope_t *s, int code) {
  scope_rec_t *rec;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (code >= 0) return TICK_EINVAL;
  if (rec->code != 0) return 0;
  rec->refs++;
  cancel_rec(rec, code);
  rec_unref(rec);
  return 1;
}

/* --------------------------------------------------------------- creating ---- */

int tick_scope_create(tick_loop_t *loop, tick_scope_t *parent, tick_scope_t **out) {
  cancel_mod_t *mod;
  scope_rec_t *rec, *prec = NULL;
  int rc;
  if (out != NULL) *out = NULL;
  if (loop == NULL || out == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  if (parent != NULL) {
    rc = scope_enter(parent, &prec);
    if (rc != 0) return rc;
    if (prec->mod != mod) return TICK_EINVAL;
  }
  rec = rec_new(mod);
  if (rec == NULL) return TICK_ENOMEM;
  if (prec != NULL) {
    prec->refs++;
    rec->parent = prec;
    if (prec->code != 0)
      rec->code = prec->code;
    else
      dep_push(prec, &rec->as_child, rec);
  }
  *out = handle_of(rec);
  return 0;
}

int tick_scope_retain(tick_scope_t *s) {
  scope_rec_t *rec;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  rec->refs++;
  return 0;
}

int tick_scope_release(tick_scope_t *s) {
  scope_rec_t *rec;
  int rc;
  if (s == NULL) return 0;
  rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  rec_unref(rec);
  return 0;
}

int tick_scope_status(const tick_scope_t *s) {
  scope_rec_t *rec;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  return rec->code;
}

tick_loop_t *tick_scope_loop(const tick_scope_t *s) {
  scope_rec_t *rec;
  if (s == NULL) return NULL;
  rec = tick__handle_record(s);
  if (!rec->in_use || !tick__handle_gen_is(s, rec->gen)) return NULL;
  return rec->mod->loop;
}

/* ---------------------------------------------------------------- deadlines ---- */

static void deadline_fire(tick_loop_t *loop, tick_timer_t timer, void *arg);

/* Arms the deadline timer for `at` (after `now`), at most TICK_TIMEOUT_MAX ahead. */
static int deadline_arm(scope_rec_t *rec, uint64_t delay) {
  tick_loop_t *loop = rec->mod->loop;
  tick_timer_t t;
  int rc;
  if (delay > TICK_TIMEOUT_MAX) delay = TICK_TIMEOUT_MAX;
  rc = tick_set_timeout(loop, (int64_t)delay, deadline_fire, rec, &t);
  if (rc != 0) return rc;
  tick_timer_unref(loop, t);
  if (rec->deadline.id != TICK_NULL_ID) tick_clear_timer(loop, rec->deadline);
  rec->deadline = t;
  return 0;
}

static void deadline_fire(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  scope_rec_t *rec = arg;
  uint64_t now = tick_loop_now(loop);
  (void)timer;
  rec->deadline.id = TICK_NULL_ID;
  if (now < rec->deadline_at && deadline_arm(rec, rec->deadline_at - now) == 0) return;
  /* Due (or out of memory to wait longer: then it is due now). */
  rec->refs++;
  cancel_rec(rec, TICK_ETIMEDOUT);
  rec_unref(rec);
}

int tick_scope_set_timeout(tick_scope_t *s, uint64_t ms) {
  scope_rec_t *rec;
  uint64_t now;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (rec->code != 0 || rec->mod->closing) return 0;
  if (ms < 1) ms = 1;
  rc = deadline_arm(rec, ms);
  if (rc != 0) return rc;
  now = tick_loop_now(rec->mod->loop); /* the clock as the timer read it */
  rec->deadline_at = ms > UINT64_MAX - now ? UINT64_MAX - 1 : now + ms;
  return 0;
}

int tick_scope_set_deadline(tick_scope_t *s, uint64_t at_ms) {
  scope_rec_t *rec;
  uint64_t now;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (rec->code != 0) return 0;
  tick_loop_update_time(rec->mod->loop);
  now = tick_loop_now(rec->mod->loop);
  if (at_ms <= now) {
    rec->refs++;
    cancel_rec(rec, TICK_ETIMEDOUT);
    rec_unref(rec);
    return 0;
  }
  return tick_scope_set_timeout(s, at_ms - now);
}

int tick_scope_clear_deadline(tick_scope_t *s) {
  scope_rec_t *rec;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (rec->deadline.id != TICK_NULL_ID) {
    tick_clear_timer(rec->mod->loop, rec->deadline);
    rec->deadline.id = TICK_NULL_ID;
  }
  rec->deadline_at = UINT64_MAX;
  return 0;
}

uint64_t tick_scope_deadline(const tick_scope_t *s) {
  scope_rec_t *rec;
  if (scope_enter(s, &rec) != 0) return UINT64_MAX;
  return rec->code != 0 ? UINT64_MAX : rec->deadline_at;
}

/* ------------------------------------------------------------------- links ---- */

/* Nonzero if `rec` depends on `target` through parents and links (or is it). */
static int depends_on(const scope_rec_t *rec, const scope_rec_t *target) {
  const link_t *l;
  if (rec == target) return 1;
  if (rec->parent != NULL && depends_on(rec->parent, target)) return 1;
  for (l = rec->links; l != NULL; l = l->owned_next)
    if (l->dep.src != NULL && depends_on(l->dep.src, target)) return 1;
  return 0;
}

int tick_scope_link(tick_scope_t *s, tick_scope_t *other) {
  scope_rec_t *rec, *src;
  cancel_mod_t *mod;
  link_t *l;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  rc = scope_enter(other, &src);
  if (rc != 0) return rc;
  mod = rec->mod;
  if (src->mod != mod || src == rec) return TICK_EINVAL;
  if (rec->code != 0) return 0;
  if (src->code != 0) {
    rec->refs++;
    cancel_rec(rec, src->code);
    rec_unref(rec);
    return 0;
  }
  if (depends_on(src, rec)) return TICK_EINVAL;
  l = mod->free_links;
  if (l != NULL)
    mod->free_links = l->owned_next;
  else if ((l = tick__malloc(sizeof(*l))) == NULL)
    return TICK_ENOMEM;
  src->refs++;
  dep_push(src, &l->dep, rec);
  l->owned_next = rec->links;
  rec->links = l;
  return 0;
}

/* --------------------------------------------------------------- listeners ---- */

/* Adds `l` to a live scope (internal form: no checks). Takes a reference. */
static void listen_rec(scope_rec_t *rec, lnode_t *l, tick_scope_cb cb, void *arg) {
  l->scope = rec;
  l->cb = cb;
  l->arg = arg;
  l->next = NULL;
  l->prev = rec->ltail;
  if (rec->ltail != NULL)
    rec->ltail->next = l;
  else
    rec->lhead = l;
  rec->ltail = l;
  rec->refs++;
}

int tick_scope_listen(tick_scope_t *s, tick_scope_listener_t *listener, tick_scope_cb cb,
                      void *arg) {
  scope_rec_t *rec;
  lnode_t *l = (lnode_t *)(void *)listener;
  int rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  if (listener == NULL || cb == NULL) return TICK_EINVAL;
  if (l->scope != NULL) return TICK_EBUSY;
  if (rec->code != 0) return TICK_EALREADY;
  listen_rec(rec, l, cb, arg);
  return 0;
}

int tick_scope_unlisten(tick_scope_listener_t *listener) {
  lnode_t *l = (lnode_t *)(void *)listener;
  scope_rec_t *rec;
  if (listener == NULL) return TICK_EINVAL;
  rec = l->scope;
  if (rec == NULL) return TICK_EALREADY;
  if (!pthread_equal(rec->mod->owner, pthread_self())) return TICK_EWRONGTHREAD;
  if (l->prev != NULL)
    l->prev->next = l->next;
  else
    rec->lhead = l->next;
  if (l->next != NULL)
    l->next->prev = l->prev;
  else
    rec->ltail = l->prev;
  l->prev = l->next = NULL;
  l->scope = NULL;
  rec_unref(rec);
  return 0;
}

/* ---------------------------------------------------------- promise helpers ---- */

void tick__cancel_source(tick_promise_t *p, int code) {
  /* TICK_ENOTSUP (no operation behind it) and TICK_EALREADY (settled) are both fine. */
  (void)tick_promise_cancel(p, code);
}

static prec_t *prec_new(cancel_mod_t *mod, uint8_t kind) {
  prec_t *pr = mod->free_precs;
  if (pr != NULL) {
    mod->free_precs = pr->free_next;
  } else {
    pr = tick__malloc(sizeof(*pr));
    if (pr == NULL) return NULL;
    pr->all_next = mod->all_precs;
    mod->all_precs = pr;
  }
  {
    prec_t *all_next = pr->all_next;
    memset(pr, 0, sizeof(*pr));
    pr->all_next = all_next;
  }
  pr->mod = mod;
  pr->kind = kind;
  return pr;
}

static void prec_put(prec_t *pr) {
  cancel_mod_t *mod = pr->mod;
  pr->kind = 0;
  pr->free_next = mod->free_precs;
  mod->free_precs = pr;
}

/* Frees the record once nothing can reach it any more. */
static void prec_maybe_free(prec_t *pr) {
  if (!pr->listening && !pr->reacting && pr->timer.id == TICK_NULL_ID) prec_put(pr);
}

static void prec_unlisten(prec_t *pr) {
  if (pr->listening) {
    pr->listening = 0;
    tick_scope_unlisten(&pr->listener);
  }
}

/* Settles the derived promise (rejects it with `code`, or forwards `settled`). */
static void prec_settle(prec_t *pr, tick_promise_t *settled, int code) {
  tick_resolver_t *r = pr->r;
  if (r == NULL) return;
  pr->r = NULL;
  if (settled != NULL)
    tick_resolver_forward(r, settled);
  else if (code < 0)
    tick_resolver_reject(r, code, NULL, NULL);
  else
    tick_resolver_resolve(r, NULL, NULL);
  tick_resolver_release(r);
}

static void prec_clear_timer(prec_t *pr) {
  if (pr->timer.id != TICK_NULL_ID) {
    tick_clear_timer(pr->mod->loop, pr->timer);
    pr->timer.id = TICK_NULL_ID;
  }
}

static void prec_drop_src(prec_t *pr) {
  if (pr->src != NULL) {
    tick_promise_release(pr->src);
    pr->src = NULL;
  }
}

/* The scope was cancelled: the derived promise rejects, the source is asked to stop. */
static void prec_on_cancel(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  prec_t *pr = arg;
  tick_promise_t *src = pr->src;
  (void)loop;
  (void)s;
  pr->listening = 0;
  prec_clear_timer(pr);
  prec_settle(pr, NULL, code);
  if (src != NULL) {
    pr->src = NULL;
    tick__cancel_source(src, code);
    tick_promise_release(src);
  }
  prec_maybe_free(pr);
}

static void prec_on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  prec_t *pr = arg;
  tick_promise_t *src = pr->src;
  (void)loop;
  (void)timer;
  pr->timer.id = TICK_NULL_ID;
  prec_unlisten(pr);
  if (pr->kind == PREC_DELAY) {
    prec_settle(pr, NULL, 0);
  } else {
    prec_settle(pr, NULL, TICK_ETIMEDOUT);
    if (src != NULL) {
      pr->src = NULL;
      tick__cancel_source(src, TICK_ETIMEDOUT);
      tick_promise_release(src);
    }
  }
  prec_maybe_free(pr);
}

static int prec_on_settled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                           void *arg) {
  prec_t *pr = arg;
  (void)loop;
  (void)next;
  prec_settle(pr, settled, 0);
  prec_unlisten(pr);
  prec_clear_timer(pr);
  prec_drop_src(pr);
  return 0;
}

/* The reaction on the source ran or was dropped. Only flags here: this also runs while
 * the loop's promises are being freed. */
static void prec_reaction_done(void *arg) {
  prec_t *pr = arg;
  pr->reacting = 0;
  prec_maybe_free(pr);
}

static int delay_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  (void)arg;
  (void)wait;
  return 0;
}

int tick_delay(tick_loop_t *loop, tick_scope_t *s, uint64_t ms, tick_promise_t **out) {
  cancel_mod_t *mod;
  scope_rec_t *rec = NULL;
  prec_t *pr;
  tick_promise_t *p, *outer = NULL;
  int rc;
  if (out != NULL) *out = NULL;
  if (loop == NULL || out == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  if (s != NULL) {
    rc = scope_enter(s, &rec);
    if (rc != 0) return rc;
    if (rec->mod != mod) return TICK_EINVAL;
    if (rec->code != 0) return tick_promise_reject(loop, rec->code, NULL, NULL, out);
  }
  pr = prec_new(mod, PREC_DELAY);
  if (pr == NULL) return TICK_ENOMEM;
  rc = tick_promise_create_deferred(loop, &p, &pr->r);
  if (rc != 0) goto fail;
  /* Under a scope, Node's timers/promises setTimeout returns promise.finally(remove the
   * abort listener): the same finally here gives the same turn count. */
  if (rec != NULL) {
    rc = tick_promise_finally(p, delay_finally, NULL, NULL, &outer);
    if (rc != 0) goto fail_promise;
  }
  if (ms > TICK_TIMEOUT_MAX) ms = TICK_TIMEOUT_MAX;
  rc = tick_set_timeout(loop, (int64_t)ms, prec_on_timer, pr, &pr->timer);
  if (rc != 0) goto fail_promise;
  if (rec != NULL) {
    pr->listening = 1;
    listen_rec(rec, (lnode_t *)(void *)&pr->listener, prec_on_cancel, pr);
    tick_promise_release(p);
    *out = outer;
  } else {
    *out = p;
  }
  return 0;
fail_promise:
  tick_promise_release(outer);
  tick_resolver_release(pr->r);
  tick_promise_release(p);
fail:
  pr->timer.id = TICK_NULL_ID;
  prec_put(pr);
  return rc;
}

/* The common part of tick_scope_promise and tick_promise_timeout: a record following
 * `p` with a reaction. */
static int follow_start(cancel_mod_t *mod, tick_promise_t *p, uint8_t kind, prec_t **pr_out,
                        tick_promise_t **out) {
  prec_t *pr = prec_new(mod, kind);
  tick_promise_t *d;
  tick_resolver_t *r;
  int rc;
  if (pr == NULL) return TICK_ENOMEM;
  rc = tick_promise_create_deferred(mod->loop, &d, &pr->r);
  if (rc != 0) {
    prec_put(pr);
    return rc;
  }
  r = pr->r;
  pr->reacting = 1;
  rc = tick_promise_then(p, prec_on_settled, prec_on_settled, pr, prec_reaction_done, NULL);
  if (rc != 0) {
    /* free_arg ran: the record is back on the free list. */
    tick_resolver_release(r);
    tick_promise_release(d);
    return rc;
  }
  tick_promise_retain(p);
  pr->src = p;
  *pr_out = pr;
  *out = d;
  return 0;
}

int tick_scope_promise(tick_scope_t *s, tick_promise_t *p, tick_promise_t **out) {
  scope_rec_t *rec;
  prec_t *pr;
  tick_loop_t *loop;
  int rc;
  if (out != NULL) *out = NULL;
  if (p == NULL || out == NULL) return TICK_EINVAL;
  rc = scope_enter(s, &rec);
  if (rc != 0) return rc;
  loop = tick_promise_loop(p);
  if (loop != rec->mod->loop) return loop == NULL ? TICK_ESTALE : TICK_EINVAL;
  if (rec->code != 0) {
    rc = tick_promise_reject(loop, rec->code, NULL, NULL, out);
    if (rc == 0 && tick_promise_state(p) == TICK_PROMISE_PENDING)
      tick__cancel_source(p, rec->code);
    return rc;
  }
  rc = follow_start(rec->mod, p, PREC_FOLLOW, &pr, out);
  if (rc != 0) return rc;
  pr->listening = 1;
  listen_rec(rec, (lnode_t *)(void *)&pr->listener, prec_on_cancel, pr);
  return 0;
}

int tick_promise_timeout(tick_promise_t *p, uint64_t ms, tick_promise_t **out) {
  cancel_mod_t *mod;
  prec_t *pr;
  tick_loop_t *loop;
  int rc;
  if (out != NULL) *out = NULL;
  if (p == NULL || out == NULL) return TICK_EINVAL;
  loop = tick_promise_loop(p);
  if (loop == NULL) return TICK_ESTALE;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  rc = follow_start(mod, p, PREC_TIMEOUT, &pr, out);
  if (rc != 0) return rc;
  if (ms > TICK_TIMEOUT_MAX) ms = TICK_TIMEOUT_MAX;
  rc = tick_set_timeout(loop, (int64_t)ms, prec_on_timer, pr, &pr->timer);
  if (rc != 0) {
    /* Nothing can settle it early now: let the reaction finish the record alone. */
    pr->timer.id = TICK_NULL_ID;
    prec_drop_src(pr);
    tick_resolver_release(pr->r);
    pr->r = NULL;
    tick_promise_release(*out);
    *out = NULL;
    return rc;
  }
  return 0;
}

/* ------------------------------------------------------------- destroying ---- */

/* Deadlines are unref'd timers, but they would still make tick_loop_destroy report
 * TICK_EBUSY: clear them (the scopes stay live; new deadlines are refused from here). */
static void module_pre_destroy(tick_loop_t *loop, void *state) {
  cancel_mod_t *mod = state;
  scope_rec_t *rec;
  mod->closing = 1;
  for (rec = mod->live; rec != NULL; rec = rec->live_next) {
    if (rec->deadline.id != TICK_NULL_ID) {
      tick_clear_timer(loop, rec->deadline);
      rec->deadline.id = TICK_NULL_ID;
    }
  }
}

static void module_destroy(tick_loop_t *loop, void *state) {
  cancel_mod_t *mod = state;
  scope_rec_t *rec;
  op_chunk_t *c;
  link_t *l;
  prec_t *pr;
  (void)loop;
  /* Links of live scopes are freed with their list; free ones from the free list. */
  for (rec = mod->live; rec != NULL; rec = rec->live_next) {
    while ((l = rec->links) != NULL) {
      rec->links = l->owned_next;
      tick__free(l);
    }
  }
  while ((l = mod->free_links) != NULL) {
    mod->free_links = l->owned_next;
    tick__free(l);
  }
  while ((rec = mod->all) != NULL) {
    mod->all = rec->all_next;
    tick__free(rec);
  }
  while ((c = mod->chunks) != NULL) {
    mod->chunks = c->next;
    tick__free(c);
  }
  while ((pr = mod->all_precs) != NULL) {
    mod->all_precs = pr->all_next;
    tick__free(pr);
  }
  tick__free(mod);
}
