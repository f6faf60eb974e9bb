/* promise.c - ECMAScript promises on tick's loop (include/tick/promise.h, docs/design/promises.md).
 *
 * The structure follows V8's implementation rather than the specification's prose,
 * because V8's shortcuts decide the turn counts docs/semantics.md asks us to match:
 *
 * - A reaction is one record holding the handlers and the derived promise; when its
 *   promise settles the same record is queued as the microtask (no allocation). The
 *   reaction of then/catch/finally lives inside the promise it settles, so a chain link
 *   is one record.
 * - Resolving promise P with a tick promise Q queues an "adopt job"; the job registers a
 *   handler-less reaction on Q whose target is P itself (V8's fast path for native
 *   promises), and that reaction settles P directly: two turns.
 * - Resolving with a foreign thenable queues a "thenable job" that calls its `then` with a
 *   fresh resolver: one turn.
 * - finally(f) is then(thenFinally, catchFinally) where the callback's result promise W
 *   gets a "thunk" reaction producing X, and the derived promise is resolved with X:
 *   thunk and adopt job run in the same turn, then the adopt reaction: two turns more.
 *
 * Ownership of outcomes: a settled promise either owns its value (value + free_value,
 * message, combinator items) or is an alias of the promise that owns them (`owner`, a
 * counted reference). Aliases always point at the owner, never at another alias, so a
 * million pass-through links cost one pointer each and the value is freed exactly once,
 * when its owner goes.
 *
 * Handles: callers never hold record addresses but (generation, address) handles
 * (core/handle.h, "handles" below), checked at every entry, so a released promise or a
 * resolver of a freed one is refused with TICK_ESTALE even after its record was reused.
 *
 * Memory: promises, reactions (also used as jobs) and stand-alone resolvers come from
 * per-loop pools that grow by chunks and keep freed records on free lists, so a steady
 * stream of promises allocates nothing. tick_loop_destroy walks the chunks to call the
 * destructors of whatever is still alive, then frees the chunks.
 *
 * A shortcut no program can observe: a combinator queues one job for all the inputs that
 * had already settled when it was called (their jobs would have been contiguous in the
 * queue). A fallback that bends the order only when memory runs out: a job that
 * tick_queue_microtask cannot take waits, in order with the promise jobs after it, until
 * the end of the drain, when it is queued again.
 */
#include "core/internal.h"
#include "core/context.h"
#include "core/loop.h"
#include "promise/promise.h"
#include "core/handle.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The promise layer's per-loop module slot (see core/internal.h). */
#define TICK__MODULE_PROMISE 0

/* ------------------------------------------------------------------ records ---- */

/* Every pooled record starts with a 32-bit tag (0 while on a free list) and has a pointer
 * at offset 8 that the pool reuses as the free-list link. Promises and pooled resolvers
 * also keep a 16-bit generation, bumped at each reuse, which the free list leaves alone. */
enum {
  TAG_FREE = 0,
  TAG_PROMISE = 0x7072706d,
  TAG_REACTION = 0x72656163,
  TAG_RESOLVER = 0x7265736c,
  TAG_EMBEDDED = 0x656d6264,
  /* The reaction inside a promise made by then/catch/finally, live or already run. */
  TAG_OWN_REACTION = 0x6f776e72,
  TAG_OWN_REACTION_DONE = 0x646f6e65,
  /* The reaction slot of a pending promise an operation settles, holding the operation's
   * abort hook (tick__promise_set_abort): armed, or already called once. */
  TAG_ABORT_HOOK = 0x61627274,
  TAG_ABORT_ASKED = 0x61736b64
};

#define POOL_LINK_OFFSET 8

typedef struct reaction_s reaction_t;
typedef struct items_s items_t;
typedef struct promise_module_s promise_module_t;

struct tick_resolver_s {
  uint32_t tag;  /* TAG_RESOLVER (pooled, counted) or TAG_EMBEDDED (inside its promise) */
  uint32_t used; /* ECMAScript's [[AlreadyResolved]] */
  tick_promise_t *promise;
};

/* A resolver of its own (a foreign thenable's fresh resolving functions), counted; the
 * one inside each promise counts on its promise instead. */
typedef struct pooled_resolver_s {
  tick_resolver_t base;
  uint32_t refs;
  uint16_t gen; /* kept across reuse: the generation its handles carry */
} pooled_resolver_t;

enum {
  FLAG_HANDLED = 1u << 0,      /* a reaction was ever registered ([[PromiseIsHandled]]) */
  FLAG_IN_UNHANDLED = 1u << 1, /* on mod->unhandled, waiting for the end of the drain */
  FLAG_WARNED = 1u << 2,       /* reported as unhandled; a later handler is "late" */
  FLAG_MESSAGE = 1u << 3,      /* `message` is set (static text, or owned if below) */
  FLAG_MSG_OWNED = 1u << 4,    /* message was allocated by tick_resolver_reject_message */
  FLAG_ITEMS = 1u << 5,        /* `items` is set (combinators) */
  FLAG_ALIAS = 1u << 6,        /* settled like `owner`, which owns the outcome */
  FLAG_SITE = 1u << 7          /* its creation site is recorded (tick_loop_record_sites) */
};

typedef enum reaction_kind_e {
  KIND_THEN,         /* then/catch: handlers or pass-through, settles target */
  KIND_FINALLY,      /* finally: on_finally, then thunk + adopt job */
  KIND_THUNK,        /* finally's value thunk / thrower: settles target like `other` */
  KIND_ADOPT_JOB,    /* resolve(target, other): registers KIND_ADOPT on other */
  KIND_ADOPT,        /* settles target like source */
  KIND_THENABLE_JOB, /* calls a foreign then with a fresh resolver */
  KIND_ALL,
  KIND_ALL_SETTLED,
  KIND_ANY,
  KIND_RACE,
  /* One job standing for the reactions of every input that had already settled when the
   * combinator was called (see combinator()). */
  KIND_ALL_BATCH,
  KIND_ALL_SETTLED_BATCH,
  KIND_ANY_BATCH,
  KIND_RACE_BATCH,
  /* An await (src/async): no derived promise; hands the settled promise to a callback. */
  KIND_AWAIT
} reaction_kind_t;

struct reaction_s {
  uint32_t tag;
  uint32_t kind;
  reaction_t *next;       /* promise's reaction list or the overflow queue (offset 8) */
  tick_promise_t *source; /* set when queued: the settled promise (counted) */
  tick_promise_t *target; /* the promise this reaction settles (counted), or NULL */
  union {
    struct {
      tick_promise_cb on_fulfilled;
      tick_promise_cb on_rejected;
    } then;
    tick_finally_cb on_finally;
    struct {
      tick_thenable_cb then;
      tick_resolver_t *resolver; /* counted */
    } thenable;
    tick_promise_t *other; /* ADOPT_JOB: promise to follow; THUNK: finally's source */
    struct {
      size_t fulfilled; /* inputs that had fulfilled / rejected at the call */
      size_t rejected;
    } batch;
    struct {
      tick__await_settled_cb settled; /* both NULL once detached */
      tick__await_dropped_cb dropped;
    } await;
    size_t index; /* ALL, ALL_SETTLED, ANY: the input's place in the result's items */
    tick__abort_fn abort; /* TAG_ABORT_HOOK: the operation's stop function (arg: op) */
  } u;
  void *arg; /* handler arg, or the thenable object */
  tick_free_cb free_arg;
  /* Taken when the reaction is registered (then, await, a job's creation): the job runs
   * in that context, whatever context settles the promise (core/context.h). */
  tick__cap_t cap;
};

struct tick_promise_s {
  uint32_t tag;
  uint32_t refs;
  tick_promise_t *link; /* unhandled / handled-late list, or the dead stack (offset 8) */
  promise_module_t *mod;
  union {
    void *value;           /* owned outcome: fulfilment value or rejection reason */
    tick_promise_t *owner; /* FLAG_ALIAS: the promise whose outcome this one shares */
  };
  tick_free_cb free_value;
  union {
    const char *message; /* FLAG_MESSAGE */
    items_t *items;      /* FLAG_ITEMS: combinators' inputs, in input order */
  };
  reaction_t *reactions;  /* pending: registered reactions, newest first */
  tick_resolver_t resolver; /* the promise's own resolving functions */
  int code;               /* rejection code (copied from the owner for aliases) */
  uint8_t state;
  uint8_t flags;
  uint16_t gen;           /* kept across reuse: the generation its handles carry */
  /* A promise made by then/catch/finally carries the reaction that settles it, so a link
   * of a chain is one record: one allocation, and the job that runs the handler writes
   * the same cache lines it reads. A pending promise an operation settles keeps the
   * operation's abort hook there instead (TAG_ABORT_HOOK); others leave it unused. */
  reaction_t reaction;
};

/* A combinator's inputs. An entry holds a counted reference once its input has settled
 * (at the call, or when its reaction runs) and is NULL before: a pending input is kept
 * alive by whoever can still settle it, never by the result, so an input nobody can
 * settle any more is freed, and its reaction with it, which drops the result. Holding it
 * here instead made a cycle (result -> items -> input -> reaction -> result) that kept
 * all four alive until the loop died. The items are read only once every entry is set. */
struct items_s {
  size_t count;
  size_t remaining;
  tick_promise_t *item[];
};

/* --------------------------------------------------------------------- pools ---- */

typedef struct pool_chunk_s {
  struct pool_chunk_s *next;
  size_t count; /* slots in this chunk */
  max_align_t data[];
} pool_chunk_t;

/* Records come from the free list, else from the unused tail of the newest chunk (a bump
 * pointer, so a new chunk is not written before it is needed), else from a new chunk. */
typedef struct pool_s {
  unsigned char *free;
  pool_chunk_t *chunks; /* newest first */
  size_t used;          /* slots handed out from the newest chunk */
  size_t elem_size;
  size_t next_count;
  size_t gen_offset;    /* where the record keeps its 16-bit generation, or NO_GEN */
} pool_t;

#define NO_GEN SIZE_MAX

/* Chunks double from 32 to 8192 records: small loops stay small, big bursts amortise. */
#define POOL_FIRST_CHUNK 32
#define POOL_MAX_CHUNK 8192

static void pool_init(pool_t *pool, size_t elem_size, size_t gen_offset) {
  size_t align = sizeof(void *);
  pool->gen_offset = gen_offset;
  pool->free = NULL;
  pool->chunks = NULL;
  pool->used = 0;
  pool->elem_size = (elem_size + align - 1) / align * align;
  pool->next_count = POOL_FIRST_CHUNK;
}

/* A record handed out for the first time starts at generation 0 (the first use makes it
 * 1); a reused one keeps the generation its last use left, which pool_put preserves. */
static inline void *pool_fresh(const pool_t *pool, void *slot) {
  static const uint16_t zero = 0;
  if (pool->gen_offset != NO_GEN)
    memcpy((unsigned char *)slot + pool->gen_offset, &zero, sizeof(zero));
  return slot;
}

static void *pool_grow(pool_t *pool) {
  size_t count = pool->next_count;
  size_t bytes = sizeof(pool_chunk_t) + count * pool->elem_size;
  pool_chunk_t *chunk = tick__malloc(bytes);
  if (chunk == NULL) return NULL;
  if (!tick__handle_fits(chunk, bytes)) { /* handles could not carry its addresses */
    tick__free(chunk);
    return NULL;
  }
  /* A large chunk is fresh mmap'd memory: fault its pages in with one call rather than
   * one fault per page as records are first written (~20 us a fault on this VM; see
   * tick__populate and docs/design/loop.md). Small chunks come from the heap, already touched. */
  if (bytes >= 64 * 1024) tick__populate(chunk, bytes);
  chunk->count = count;
  chunk->next = pool->chunks;
  pool->chunks = chunk;
  pool->used = 1;
  if (pool->next_count < POOL_MAX_CHUNK) pool->next_count *= 2;
  pool_fresh(pool, chunk->data);
  return chunk->data;
}

static inline void *pool_get(pool_t *pool) {
  unsigned char *slot = pool->free;
  if (TICK__LIKELY(slot != NULL)) {
    memcpy(&pool->free, slot + POOL_LINK_OFFSET, sizeof(pool->free));
    return slot;
  }
  if (TICK__LIKELY(pool->chunks != NULL && pool->used < pool->chunks->count))
    return pool_fresh(pool, (unsigned char *)pool->chunks->data + pool->used++ * pool->elem_size);
  return pool_grow(pool);
}

static inline void pool_put(pool_t *pool, void *slot) {
  uint32_t tag = TAG_FREE;
  memcpy(slot, &tag, sizeof(tag));
  memcpy((unsigned char *)slot + POOL_LINK_OFFSET, &pool->free, sizeof(pool->free));
  pool->free = slot;
}

/* Calls `fn` on every live record (tag != TAG_FREE), then frees the chunks. */
static void pool_destroy(pool_t *pool, void (*fn)(void *record)) {
  pool_chunk_t *chunk, *next;
  size_t used = pool->used;
  for (chunk = pool->chunks; chunk != NULL; chunk = chunk->next) {
    unsigned char *base = (unsigned char *)chunk->data;
    size_t i;
    for (i = 0; i < used; i++) {
      uint32_t tag;
      memcpy(&tag, base + i * pool->elem_size, sizeof(tag));
      if (tag != TAG_FREE && fn != NULL) fn(base + i * pool->elem_size);
    }
    if (chunk->next != NULL) used = chunk->next->count; /* older chunks are full */
  }
  for (chunk = pool->chunks; chunk != NULL; chunk = next) {
    next = chunk->next;
    tick__free(chunk);
  }
  pool->chunks = NULL;
  pool->free = NULL;
  pool->used = 0;
}

/* ------------------------------------------------------------ module state ---- */

struct promise_module_s {
  tick_loop_t *loop;
  /* The loop's thread, recorded when the state is made (on that thread), so the thread
   * check of the hot paths is an inline comparison rather than a call into loop.c. */
  pthread_t owner;
  pool_t promises;
  pool_t reactions;
  pool_t resolvers;
  /* Rejected with no handler during the current drain, in rejection order (counted). */
  tick_promise_t *unhandled_head, *unhandled_tail;
  /* Reported promises that got a handler since, in the order they got it (counted). */
  tick_promise_t *late_head, *late_tail;
  /* Promises whose last reference went, freed iteratively so that releasing the root of
   * a long pending chain does not recurse once per link. */
  tick_promise_t *dead;
  int reaping;
  /* Jobs that tick_queue_microtask could not take (out of memory), in order; every later
   * job queues behind them until after_drain moves them to the loop's queue. */
  reaction_t *overflow_head, *overflow_tail;
  tick_rejection_cb on_unhandled;
  void *unhandled_arg;
  tick_rejection_cb on_handled_late;
  void *handled_late_arg;
};

static const char message_self[] = "a promise cannot be resolved with itself";
static const char message_aggregate[] = "all promises were rejected";

static void promise_job(tick_loop_t *loop, void *arg);
static int module_after_drain(tick_loop_t *loop, void *state);
static void module_destroy(tick_loop_t *loop, void *state);
static void promise_unref(tick_promise_t *p);

static const tick__module_hooks_t module_hooks = {module_after_drain, module_destroy};

static void default_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg);
static void default_handled_late(tick_loop_t *loop, tick_promise_t *p, void *arg);

/* ------------------------------------------------------------------ handles ---- */

/* Callers hold handles, not record addresses: the record's address with its generation
 * in the top bits (core/handle.h). Records stay in their pools until the loop is
 * destroyed, so a stale handle still points at readable memory; its generation, the
 * record's tag and its reference count tell whether it still names the promise it was
 * given for. Every public entry turns handles into records (promise_get, resolver_get)
 * and every handle given out is made here. */
static inline tick_promise_t *promise_handle(const tick_promise_t *p) {
  return tick__handle_make(p, p->gen);
}

static inline tick_resolver_t *resolver_handle(const tick_resolver_t *r) {
  uint16_t gen =
      r->tag == TAG_EMBEDDED ? r->promise->gen : ((const pooled_resolver_t *)r)->gen;
  return tick__handle_make(r, gen);
}

/* Nonzero if handle `h` of record `p` names a live promise: referenced and at the same
 * generation. A record is freed only once its count is 0 and keeps that count on the
 * free list (and on the dead stack before it), and reuse bumps the generation, so the
 * two compares cover a double release before and after reuse; the tag is not needed. */
static inline int promise_live(const void *h, const tick_promise_t *p) {
  return TICK__LIKELY(p->refs != 0 && tick__handle_gen_is(h, p->gen));
}

/* The loop's promise state for a call made on `loop` from this thread: checks the thread
 * and creates the state on first use. Returns 0, TICK_EINVAL, TICK_EWRONGTHREAD or
 * TICK_ENOMEM. */
static int module_enter(tick_loop_t *loop, promise_module_t **out) {
  promise_module_t *mod;
  int rc;
  if (loop == NULL) return TICK_EINVAL;
  mod = tick__loop_module_state(loop, TICK__MODULE_PROMISE);
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
  pool_init(&mod->promises, sizeof(tick_promise_t), offsetof(tick_promise_t, gen));
  pool_init(&mod->reactions, sizeof(reaction_t), NO_GEN);
  pool_init(&mod->resolvers, sizeof(pooled_resolver_t), offsetof(pooled_resolver_t, gen));
  mod->on_unhandled = default_unhandled;
  mod->on_handled_late = default_handled_late;
  tick__loop_set_module(loop, TICK__MODULE_PROMISE, &module_hooks, mod);
  *out = mod;
  return 0;
}

/* Creation sites (tick/resources.h): while the loop records them, each public call that
 * makes a promise notes its caller. A macro, so that the return address is the public
 * function's; `h` is the handle it gives out (NULL: none). */
static void promise_note_site(tick_promise_t *p, const void *site) {
  tick__site_note(p->mod->loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)p, site);
  p->flags |= FLAG_SITE;
}

#define PROMISE_NOTE_SITE(h)                                                        \
  do {                                                                              \
    tick_promise_t *p_ = (h) != NULL ? tick__handle_record(h) : NULL;               \
    if (p_ != NULL && TICK__UNLIKELY(p_->mod->loop->obs.record_sites))              \
      promise_note_site(p_, __builtin_return_address(0));                           \
  } while (0)

/* ------------------------------------------------------------ constructors ---- */

static tick_promise_t *promise_new(promise_module_t *mod) {
  tick_promise_t *p = pool_get(&mod->promises);
  if (p == NULL) return NULL;
  p->tag = TAG_PROMISE;
  p->refs = 1;
  p->link = NULL;
  p->mod = mod;
  p->value = NULL;
  p->free_value = NULL;
  p->items = NULL;
  p->reactions = NULL;
  p->resolver.tag = TAG_EMBEDDED;
  p->resolver.promise = p;
  p->resolver.used = 0;
  p->code = 0;
  p->state = TICK_PROMISE_PENDING;
  p->flags = 0;
  p->gen = tick__handle_gen_next(p->gen);
  p->reaction.tag = TAG_OWN_REACTION_DONE;
  return p;
}

static void reaction_init(reaction_t *r, uint32_t tag, reaction_kind_t kind) {
  r->tag = tag;
  r->kind = kind;
  r->next = NULL;
  r->source = NULL;
  r->target = NULL;
  memset(&r->u, 0, sizeof(r->u));
  r->arg = NULL;
  r->free_arg = NULL;
}

static reaction_t *reaction_new(promise_module_t *mod, reaction_kind_t kind) {
  reaction_t *r = pool_get(&mod->reactions);
  if (r != NULL) {
    reaction_init(r, TAG_REACTION, kind);
    tick__cap_take(mod->loop, &r->cap, kind == KIND_AWAIT ? TICK__CB_AWAIT : TICK__CB_REACTION);
  }
  return r;
}

/* The reaction inside promise `d`, which it settles. */
static reaction_t *own_reaction(tick_promise_t *d, reaction_kind_t kind) {
  reaction_t *r = &d->reaction;
  reaction_init(r, TAG_OWN_REACTION, kind);
  tick__cap_take(d->mod->loop, &r->cap, TICK__CB_REACTION);
  r->target = d;
  return r;
}

/* A reaction that has run or been dropped: back to the pool, or marked done inside its
 * promise. The caller has read every field it needs. */
static void reaction_retire(promise_module_t *mod, reaction_t *r) {
  if (r->tag == TAG_REACTION)
    pool_put(&mod->reactions, r);
  else
    r->tag = TAG_OWN_REACTION_DONE;
}

static tick_resolver_t *resolver_new(promise_module_t *mod, tick_promise_t *p) {
  pooled_resolver_t *res = pool_get(&mod->resolvers);
  if (res == NULL) return NULL;
  res->base.tag = TAG_RESOLVER;
  res->base.used = 0;
  res->base.promise = p;
  res->refs = 1;
  res->gen = tick__handle_gen_next(res->gen);
  p->refs++;
  return &res->base;
}

static void resolver_unref(tick_resolver_t *res) {
  tick_promise_t *p = res->promise;
  if (res->tag == TAG_EMBEDDED) {
    promise_unref(p);
    return;
  }
  if (--((pooled_resolver_t *)res)->refs != 0) return;
  pool_put(&p->mod->resolvers, res);
  promise_unref(p);
}

/* ------------------------------------------------------- freeing, dropping ---- */

/* Drops a reaction that will never run: its promise was freed while pending, or its job
 * could not be run before the loop went away. Everything it holds is released once. */
static void reaction_drop(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *source = r->source, *target = r->target, *other = NULL;
  tick_resolver_t *res = NULL;
  void *arg = r->arg;
  tick_free_cb free_arg = r->free_arg;
  if (r->kind == KIND_ADOPT_JOB || r->kind == KIND_THUNK) other = r->u.other;
  tick__await_dropped_cb dropped = NULL;
  if (r->kind == KIND_THENABLE_JOB) res = r->u.thenable.resolver;
  if (r->kind == KIND_AWAIT) dropped = r->u.await.dropped;
  reaction_retire(mod, r);
  if (free_arg != NULL) free_arg(arg);
  if (dropped != NULL) dropped(arg);
  if (source != NULL) promise_unref(source);
  if (target != NULL) promise_unref(target);
  if (other != NULL) promise_unref(other);
  if (res != NULL) resolver_unref(res);
}

/* Reactions are pushed newest first; this reverses the list into registration order. */
static reaction_t *reactions_in_order(reaction_t *r) {
  reaction_t *prev = NULL, *next;
  while (r != NULL) {
    next = r->next;
    r->next = prev;
    prev = r;
    r = next;
  }
  return prev;
}

static void promise_free(tick_promise_t *p) {
  promise_module_t *mod = p->mod;
  reaction_t *r, *next;
  /* Reactions are stored newest first; drop them in registration order. */
  for (r = reactions_in_order(p->reactions); r != NULL; r = next) {
    next = r->next;
    reaction_drop(mod, r);
  }
  if (p->flags & FLAG_ALIAS) {
    promise_unref(p->owner);
  } else if (p->free_value != NULL) {
    p->free_value(p->value);
  }
  if (p->flags & FLAG_MSG_OWNED) tick__free((void *)(uintptr_t)p->message);
  if (p->flags & FLAG_ITEMS) {
    size_t i;
    for (i = 0; i < p->items->count; i++)
      if (p->items->item[i] != NULL) promise_unref(p->items->item[i]);
    tick__free(p->items);
  }
  if (TICK__UNLIKELY(p->flags & FLAG_SITE))
    tick__site_forget(mod->loop, TICK__SITE_PTR, (uint64_t)(uintptr_t)p);
  pool_put(&mod->promises, p);
}

static void promise_unref(tick_promise_t *p) {
  promise_module_t *mod;
  if (--p->refs != 0) return;
  mod = p->mod;
  p->link = mod->dead;
  mod->dead = p;
  if (mod->reaping) return;
  mod->reaping = 1;
  while ((p = mod->dead) != NULL) {
    mod->dead = p->link;
    promise_free(p);
  }
  mod->reaping = 0;
}

/* ---------------------------------------------------------------- settling ---- */

static void queue_job(promise_module_t *mod, reaction_t *r) {
  if (TICK__LIKELY(mod->overflow_head == NULL) &&
      TICK__LIKELY(tick__microtask_push(mod->loop, promise_job, r, &r->cap) == 0))
    return;
  /* Out of memory in the loop's queue: keep the job, in order, for after_drain. */
  r->next = NULL;
  if (mod->overflow_tail != NULL)
    mod->overflow_tail->next = r;
  else
    mod->overflow_head = r;
  mod->overflow_tail = r;
}

static void track_unhandled(tick_promise_t *p) {
  promise_module_t *mod = p->mod;
  p->refs++;
  p->flags |= FLAG_IN_UNHANDLED;
  p->link = NULL;
  if (mod->unhandled_tail != NULL)
    mod->unhandled_tail->link = p;
  else
    mod->unhandled_head = p;
  mod->unhandled_tail = p;
}

static void promise_settle(tick_promise_t *p, int state) {
  reaction_t *r = reactions_in_order(p->reactions), *next;
  p->state = (uint8_t)state;
  /* A settled promise has nothing left to stop: the abort hook goes with the pending state. */
  if (TICK__UNLIKELY(p->reaction.tag == TAG_ABORT_HOOK || p->reaction.tag == TAG_ABORT_ASKED))
    p->reaction.tag = TAG_OWN_REACTION_DONE;
  p->resolver.used = 1;
  p->reactions = NULL;
  for (; r != NULL; r = next) {
    next = r->next;
    r->source = p;
    p->refs++;
    queue_job(p->mod, r);
  }
  if (state == TICK_PROMISE_REJECTED && !(p->flags & FLAG_HANDLED)) track_unhandled(p);
}

static void promise_fulfil(tick_promise_t *p, void *value, tick_free_cb free_value) {
  if (p->state != TICK_PROMISE_PENDING) {
    if (free_value != NULL) free_value(value);
    return;
  }
  p->value = value;
  p->free_value = free_value;
  promise_settle(p, TICK_PROMISE_FULFILLED);
}

static void promise_reject(tick_promise_t *p, int code, void *reason, tick_free_cb free_reason,
                           const char *message, int message_owned) {
  if (p->state != TICK_PROMISE_PENDING) {
    if (free_reason != NULL) free_reason(reason);
    if (message_owned) tick__free((void *)(uintptr_t)message);
    return;
  }
  p->code = code;
  p->value = reason;
  p->free_value = free_reason;
  if (message != NULL && !(p->flags & FLAG_ITEMS)) {
    p->message = message;
    p->flags |= FLAG_MESSAGE | (message_owned ? FLAG_MSG_OWNED : 0);
  } else if (message_owned) {
    tick__free((void *)(uintptr_t)message); /* never happens: only combinators have items */
  }
  promise_settle(p, TICK_PROMISE_REJECTED);
}

/* Settles `p` with the outcome of the settled promise `s`, shared through its owner. */
static void promise_settle_like(tick_promise_t *p, tick_promise_t *s) {
  tick_promise_t *owner = (s->flags & FLAG_ALIAS) ? s->owner : s;
  if (p->state != TICK_PROMISE_PENDING) return;
  owner->refs++;
  p->owner = owner;
  p->flags |= FLAG_ALIAS;
  p->code = owner->code;
  promise_settle(p, owner->state);
}

/* The handler bookkeeping of PerformPromiseThen on a settled promise: a rejection
 * reported as unhandled and handled only now is "handled late". A promise still on the
 * unhandled list is simply skipped when the list is processed. */
static void mark_handled(tick_promise_t *p) {
  if (p->state == TICK_PROMISE_REJECTED && !(p->flags & FLAG_HANDLED) &&
      (p->flags & FLAG_WARNED)) {
    promise_module_t *mod = p->mod;
    p->refs++;
    p->link = NULL;
    if (mod->late_tail != NULL)
      mod->late_tail->link = p;
    else
      mod->late_head = p;
    mod->late_tail = p;
  }
  p->flags |= FLAG_HANDLED;
}

/* PerformPromiseThen: registers `r` on `p`, or queues it at once if `p` has settled. */
static void perform_then(tick_promise_t *p, reaction_t *r) {
  if (p->state == TICK_PROMISE_PENDING) {
    r->next = p->reactions;
    p->reactions = r;
    p->flags |= FLAG_HANDLED;
    return;
  }
  mark_handled(p);
  r->source = p;
  p->refs++;
  queue_job(p->mod, r);
}

/* ------------------------------------------------------------------- jobs ---- */

/* Releases what a job that has run holds, and recycles its record. */
static void reaction_finish(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *source = r->source, *target = r->target;
  void *arg = r->arg;
  tick_free_cb free_arg = r->free_arg;
  reaction_retire(mod, r);
  if (free_arg != NULL) free_arg(arg);
  if (source != NULL) promise_unref(source);
  if (target != NULL) promise_unref(target);
}

static void job_then(tick_loop_t *loop, promise_module_t *mod, reaction_t *r) {
  tick_promise_t *s = r->source, *d = r->target;
  tick_promise_cb cb =
      s->state == TICK_PROMISE_FULFILLED ? r->u.then.on_fulfilled : r->u.then.on_rejected;
  if (cb == NULL) {
    promise_settle_like(d, s);
  } else {
    int rc = cb(loop, promise_handle(s), resolver_handle(&d->resolver), r->arg);
    if (!d->resolver.used) {
      d->resolver.used = 1;
      if (rc < 0)
        promise_reject(d, rc, NULL, NULL, NULL, 0);
      else
        promise_fulfil(d, NULL, NULL);
    }
  }
  reaction_finish(mod, r);
}

static void job_finally(tick_loop_t *loop, promise_module_t *mod, reaction_t *r) {
  tick_promise_t *s = r->source, *d = r->target, *wait = NULL, *x = NULL, *wait_handle = NULL;
  reaction_t *thunk = NULL, *adopt = NULL;
  int rc = r->u.on_finally(loop, r->arg, &wait_handle);
  if (wait_handle != NULL) {
    wait = tick__handle_record(wait_handle);
    if (wait->mod != mod) {
      if (rc >= 0) rc = TICK_EINVAL;
    } else if (!promise_live(wait_handle, wait)) {
      wait = wait_handle = NULL; /* no reference to take over */
      if (rc >= 0) rc = TICK_ESTALE;
    }
  }
  if (rc >= 0 && wait == NULL) {
    /* Promise.resolve(undefined) for a callback that returned no promise. */
    wait = promise_new(mod);
    if (wait != NULL) promise_fulfil(wait, NULL, NULL);
  }
  if (rc >= 0) {
    x = wait != NULL ? promise_new(mod) : NULL;
    adopt = x != NULL ? reaction_new(mod, KIND_ADOPT_JOB) : NULL;
    if (adopt == NULL) rc = TICK_ENOMEM;
  }
  if (rc < 0) {
    if (x != NULL) promise_unref(x);
    if (wait != NULL && wait->mod == mod)
      promise_unref(wait);
    else if (wait != NULL)
      (void)tick_promise_release(wait_handle); /* another loop's: its own thread rule */
    d->resolver.used = 1;
    promise_reject(d, rc, NULL, NULL, NULL, 0);
  } else {
    /* X = W.then(valueThunk) registers first; resolving d with X queues the adopt job
     * after it, as V8 does when thenFinally returns. */
    thunk = own_reaction(x, KIND_THUNK); /* takes x's first reference */
    thunk->u.other = s;
    s->refs++;
    adopt->target = d;
    d->refs++;
    adopt->u.other = x;
    x->refs++;
    perform_then(wait, thunk);
    promise_unref(wait);
    d->resolver.used = 1;
    queue_job(mod, adopt);
  }
  reaction_finish(mod, r);
}

static void job_thunk(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *w = r->source, *original = r->u.other;
  /* The waited-for promise fulfilled: settle like the original; it rejected: like it. */
  promise_settle_like(r->target, w->state == TICK_PROMISE_FULFILLED ? original : w);
  reaction_finish(mod, r);
  promise_unref(original);
}

static void job_adopt(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *q = r->u.other;
  /* The same record becomes the handler-less reaction on q that settles the target. */
  r->kind = KIND_ADOPT;
  r->u.other = NULL;
  perform_then(q, r);
  promise_unref(q);
  (void)mod;
}

static void job_thenable(tick_loop_t *loop, promise_module_t *mod, reaction_t *r) {
  tick_resolver_t *res = r->u.thenable.resolver;
  int rc = r->u.thenable.then(loop, r->arg, resolver_handle(res));
  /* A throw rejects only if the thenable has not called back yet: the first call wins. */
  if (rc < 0 && !res->used) {
    res->used = 1;
    promise_reject(res->promise, rc, NULL, NULL, NULL, 0);
  }
  reaction_finish(mod, r);
  resolver_unref(res);
}

static void job_combinator(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *s = r->source, *result = r->target;
  int fulfilled = s->state == TICK_PROMISE_FULFILLED;
  /* The input has settled: its entry in the items now holds it (see items_t). Once the
   * result is settled its items are no longer read. */
  if ((result->flags & FLAG_ITEMS) && !result->resolver.used) {
    result->items->item[r->u.index] = s;
    s->refs++;
  }
  switch ((reaction_kind_t)r->kind) {
  case KIND_ALL:
    if (!fulfilled) {
      if (!result->resolver.used) {
        result->resolver.used = 1;
        promise_settle_like(result, s);
      }
    } else if (--result->items->remaining == 0 && !result->resolver.used) {
      result->resolver.used = 1;
      promise_fulfil(result, NULL, NULL);
    }
    break;
  case KIND_ALL_SETTLED:
    if (--result->items->remaining == 0 && !result->resolver.used) {
      result->resolver.used = 1;
      promise_fulfil(result, NULL, NULL);
    }
    break;
  case KIND_ANY:
    if (fulfilled) {
      if (!result->resolver.used) {
        result->resolver.used = 1;
        promise_settle_like(result, s);
      }
    } else if (--result->items->remaining == 0 && !result->resolver.used) {
      result->resolver.used = 1;
      promise_reject(result, TICK_EAGGREGATE, NULL, NULL, message_aggregate, 0);
    }
    break;
  default: /* KIND_RACE */
    if (!result->resolver.used) {
      result->resolver.used = 1;
      promise_settle_like(result, s);
    }
    break;
  }
  reaction_finish(mod, r);
}

/* The inputs that had settled when the combinator was called, all at once: their jobs
 * would have been contiguous in the queue, so nothing can observe the difference. */
static void job_batch(promise_module_t *mod, reaction_t *r) {
  tick_promise_t *decisive = r->source, *result = r->target;
  size_t done = 0;
  if (!result->resolver.used) {
    switch ((reaction_kind_t)r->kind) {
    case KIND_ALL_BATCH: /* decisive: the first rejected input */
      done = decisive == NULL ? r->u.batch.fulfilled : 0;
      break;
    case KIND_ALL_SETTLED_BATCH:
      done = r->u.batch.fulfilled + r->u.batch.rejected;
      break;
    case KIND_ANY_BATCH: /* decisive: the first fulfilled input */
      done = decisive == NULL ? r->u.batch.rejected : 0;
      break;
    default: /* KIND_RACE_BATCH, decisive: the first settled input */
      break;
    }
    if (decisive != NULL) {
      result->resolver.used = 1;
      promise_settle_like(result, decisive);
    } else if (done > 0 && (result->items->remaining -= done) == 0) {
      result->resolver.used = 1;
      if (r->kind == KIND_ANY_BATCH)
        promise_reject(result, TICK_EAGGREGATE, NULL, NULL, message_aggregate, 0);
      else
        promise_fulfil(result, NULL, NULL);
    }
  }
  reaction_finish(mod, r);
}

/* An await's continuation: the record goes back first, because the callback resumes a
 * coroutine that may await again (and reuse it) before this returns. */
static void job_await(reaction_t *r) {
  tick_promise_t *s = r->source;
  tick__await_settled_cb settled = r->u.await.settled;
  void *arg = r->arg;
  reaction_retire(s->mod, r);
  if (settled != NULL)
    settled(promise_handle(s), arg); /* hands over the reference the job held */
  else
    promise_unref(s);
}

static void promise_job(tick_loop_t *loop, void *arg) {
  reaction_t *r = arg;
  promise_module_t *mod;
  switch ((reaction_kind_t)r->kind) {
  case KIND_AWAIT:
    job_await(r);
    break;
  case KIND_THEN:
    job_then(loop, r->target->mod, r);
    break;
  case KIND_FINALLY:
    job_finally(loop, r->target->mod, r);
    break;
  case KIND_THUNK:
    job_thunk(r->target->mod, r);
    break;
  case KIND_ADOPT_JOB:
    job_adopt(r->target->mod, r);
    break;
  case KIND_ADOPT:
    mod = r->target->mod;
    promise_settle_like(r->target, r->source);
    reaction_finish(mod, r);
    break;
  case KIND_THENABLE_JOB:
    job_thenable(loop, r->u.thenable.resolver->promise->mod, r);
    break;
  case KIND_ALL_BATCH:
  case KIND_ALL_SETTLED_BATCH:
  case KIND_ANY_BATCH:
  case KIND_RACE_BATCH:
    job_batch(r->target->mod, r);
    break;
  default:
    job_combinator(r->target->mod, r);
    break;
  }
}

/* ------------------------------------------------- unhandled rejections ---- */

/* The report names the promise by its handle and, when the loop records creation sites,
 * by the code that made it. */
static void default_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  const char *message = tick_promise_message(p);
  const void *site = tick__site_get(loop, TICK__SITE_PTR,
                                    (uint64_t)(uintptr_t)tick__handle_record(p));
  char where[256];
  int code = tick_promise_error(p);
  (void)arg;
  if (site != NULL) tick_site_name(site, where, sizeof(where));
  fprintf(stderr, "tick: unhandled promise rejection: %s: %s (promise %p%s%s)\n",
          tick_err_name(code), message != NULL ? message : tick_strerror(code), (void *)p,
          site != NULL ? ", created at " : "", site != NULL ? where : "");
}

static void default_handled_late(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  fprintf(stderr,
          "tick: a promise rejection reported as unhandled got a handler later: %s\n",
          tick_err_name(tick_promise_error(p)));
}

/* docs/semantics.md section 3, step 4, as Node's processPromiseRejections does it: first the
 * late handlers, then the promises rejected during this drain that still have none. */
static int module_after_drain(tick_loop_t *loop, void *state) {
  promise_module_t *mod = state;
  tick_promise_t *p, *list;
  int again = 0;
  while (mod->overflow_head != NULL) {
    reaction_t *r = mod->overflow_head;
    if (tick__microtask_push(loop, promise_job, r, &r->cap) != 0) break;
    mod->overflow_head = r->next;
    if (mod->overflow_head == NULL) mod->overflow_tail = NULL;
    again = 1;
  }
  while ((p = mod->late_head) != NULL) {
    mod->late_head = p->link;
    if (mod->late_head == NULL) mod->late_tail = NULL;
    mod->on_handled_late(loop, promise_handle(p), mod->handled_late_arg);
    promise_unref(p);
    again = 1;
  }
  /* Rejections that happen while the hooks run wait for the next round, like Node's
   * snapshot of the pending list's length. */
  list = mod->unhandled_head;
  mod->unhandled_head = mod->unhandled_tail = NULL;
  while ((p = list) != NULL) {
    list = p->link;
    p->flags &= (uint8_t)~FLAG_IN_UNHANDLED;
    if (!(p->flags & FLAG_HANDLED)) {
      p->flags |= FLAG_WARNED;
      mod->on_unhandled(loop, promise_handle(p), mod->unhandled_arg);
      again = 1;
    }
    promise_unref(p);
  }
  return again || mod->unhandled_head != NULL;
}

/* Destroy-time cleanup: every record still alive gets its destructors called exactly
 * once; reference counts no longer matter because everything goes. */
static void destroy_promise(void *record) {
  tick_promise_t *p = record;
  if (p->reaction.tag == TAG_OWN_REACTION && p->reaction.free_arg != NULL)
    p->reaction.free_arg(p->reaction.arg);
  if (!(p->flags & FLAG_ALIAS) && p->free_value != NULL) p->free_value(p->value);
  if (p->flags & FLAG_MSG_OWNED) tick__free((void *)(uintptr_t)p->message);
  if (p->flags & FLAG_ITEMS) tick__free(p->items);
}

static void destroy_reaction(void *record) {
  reaction_t *r = record;
  if (r->free_arg != NULL) r->free_arg(r->arg);
}

static void module_destroy(tick_loop_t *loop, void *state) {
  promise_module_t *mod = state;
  (void)loop;
  /* Nothing may be freed through reference counts from here on. */
  mod->reaping = 1;
  pool_destroy(&mod->reactions, destroy_reaction);
  pool_destroy(&mod->promises, destroy_promise);
  pool_destroy(&mod->resolvers, NULL);
  tick__free(mod);
}

/* ------------------------------------------------------------- public API ---- */

static inline int module_check(const promise_module_t *mod) {
  return TICK__LIKELY(pthread_equal(mod->owner, pthread_self())) ? 0 : TICK_EWRONGTHREAD;
}

/* The record of promise handle `h` for a call: 0 and *out, TICK_EINVAL (NULL),
 * TICK_EWRONGTHREAD, or TICK_ESTALE (released, or its record reused since). A record
 * keeps its module when freed, so the thread is checked before anything else is read. */
static inline int promise_get(const tick_promise_t *h, tick_promise_t **out) {
  tick_promise_t *p;
  int rc;
  if (TICK__UNLIKELY(h == NULL)) return TICK_EINVAL;
  p = tick__handle_record(h);
  rc = module_check(p->mod);
  if (TICK__UNLIKELY(rc != 0)) return rc;
  if (TICK__UNLIKELY(!promise_live(h, p))) return TICK_ESTALE;
  *out = p;
  return 0;
}

/* The record of resolver handle `h`: 0 and *out, TICK_EINVAL, TICK_EWRONGTHREAD or
 * TICK_ESTALE. A promise's own resolver is live while its promise is; a pooled one while
 * its count is (a freed one has lost its tag and its promise pointer, so nothing else of
 * it is read). A resolver's extra references are counted on its promise, so releasing
 * it once too often while the promise is alive cannot be told from a release of the
 * promise; it is recognised once the promise is gone. */
static inline int resolver_get(const tick_resolver_t *h, tick_resolver_t **out) {
  tick_resolver_t *r;
  int rc;
  if (TICK__UNLIKELY(h == NULL)) return TICK_EINVAL;
  r = tick__handle_record(h);
  if (TICK__LIKELY(r->tag == TAG_EMBEDDED)) {
    rc = module_check(r->promise->mod);
    if (TICK__UNLIKELY(rc != 0)) return rc;
    if (TICK__UNLIKELY(!promise_live(h, r->promise))) return TICK_ESTALE;
  } else {
    const pooled_resolver_t *pr = (const pooled_resolver_t *)r;
    if (r->tag != TAG_RESOLVER || pr->refs == 0 || !tick__handle_gen_is(h, pr->gen))
      return TICK_ESTALE;
    rc = module_check(r->promise->mod);
    if (TICK__UNLIKELY(rc != 0)) return rc;
  }
  *out = r;
  return 0;
}

/* For a resolver call: 1 if it may act (*out set), 0 if already used, or an error. */
static int resolver_enter(const tick_resolver_t *h, tick_resolver_t **out) {
  int rc = resolver_get(h, out);
  if (TICK__UNLIKELY(rc != 0)) return rc;
  return (*out)->used ? 0 : 1;
}

/* Frees a value handed to a call that did not keep it. */
static void drop_value(void *value, tick_free_cb free_value) {
  if (free_value != NULL) free_value(value);
}

/* Marks a resolver used and returns its promise (the embedded one of a promise is the
 * same object as the promise's own flag). */
static tick_promise_t *resolver_use(tick_resolver_t *r) {
  r->used = 1;
  return r->promise;
}

int tick_promise_create(tick_loop_t *loop, tick_executor_cb executor, void *arg,
                        tick_promise_t **out) {
  promise_module_t *mod;
  tick_promise_t *p;
  int rc;
  if (out != NULL) *out = NULL;
  if (loop == NULL || executor == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  p = promise_new(mod);
  if (p == NULL) return TICK_ENOMEM;
  rc = executor(loop, resolver_handle(&p->resolver), arg);
  if (rc < 0 && !p->resolver.used) promise_reject(resolver_use(&p->resolver), rc, NULL, NULL, NULL, 0);
  if (out != NULL) {
    *out = promise_handle(p);
    PROMISE_NOTE_SITE(*out);
  } else {
    promise_unref(p);
  }
  return 0;
}

int tick_promise_create_deferred(tick_loop_t *loop, tick_promise_t **promise_out,
                                 tick_resolver_t **resolver_out) {
  promise_module_t *mod;
  tick_promise_t *p;
  int rc;
  if (promise_out != NULL) *promise_out = NULL;
  if (resolver_out != NULL) *resolver_out = NULL;
  if (loop == NULL || promise_out == NULL || resolver_out == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  p = promise_new(mod);
  if (p == NULL) return TICK_ENOMEM;
  p->refs++; /* the resolver's */
  *promise_out = promise_handle(p);
  *resolver_out = resolver_handle(&p->resolver);
  PROMISE_NOTE_SITE(*promise_out);
  return 0;
}

/* Common prologue of the constructors: a new pending promise or an error. */
static int promise_start(tick_loop_t *loop, tick_promise_t **out, tick_promise_t **p) {
  promise_module_t *mod;
  int rc;
  if (out != NULL) *out = NULL;
  if (out == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  *p = promise_new(mod);
  return *p == NULL ? TICK_ENOMEM : 0;
}

int tick_promise_resolve(tick_loop_t *loop, void *value, tick_free_cb free_value,
                         tick_promise_t **out) {
  tick_promise_t *p;
  int rc = promise_start(loop, out, &p);
  if (rc != 0) {
    drop_value(value, free_value);
    return rc;
  }
  promise_fulfil(p, value, free_value);
  *out = promise_handle(p);
  PROMISE_NOTE_SITE(*out);
  return 0;
}

int tick_promise_resolve_promise(tick_promise_t *h, tick_promise_t **out) {
  tick_promise_t *p;
  int rc;
  if (out != NULL) *out = NULL;
  if (out == NULL) return TICK_EINVAL;
  rc = promise_get(h, &p);
  if (rc != 0) return rc;
  p->refs++;
  *out = promise_handle(p);
  return 0;
}

int tick_promise_reject(tick_loop_t *loop, int code, void *reason, tick_free_cb free_reason,
                        tick_promise_t **out) {
  tick_promise_t *p;
  int rc = code >= 0 ? TICK_EINVAL : promise_start(loop, out, &p);
  if (rc != 0) {
    if (out != NULL) *out = NULL;
    drop_value(reason, free_reason);
    return rc;
  }
  promise_reject(p, code, reason, free_reason, NULL, 0);
  *out = promise_handle(p);
  PROMISE_NOTE_SITE(*out);
  return 0;
}

/* resolve(thenable) on a resolver that may act: a fresh resolver and the job. */
static int resolve_thenable(tick_resolver_t *r, void *object, tick_thenable_cb then,
                            tick_free_cb free_object) {
  tick_promise_t *p = r->promise;
  promise_module_t *mod = p->mod;
  tick_resolver_t *fresh = resolver_new(mod, p);
  reaction_t *job = fresh != NULL ? reaction_new(mod, KIND_THENABLE_JOB) : NULL;
  if (job == NULL) {
    if (fresh != NULL) resolver_unref(fresh);
    drop_value(object, free_object);
    return TICK_ENOMEM;
  }
  job->u.thenable.then = then;
  job->u.thenable.resolver = fresh;
  job->arg = object;
  job->free_arg = free_object;
  resolver_use(r);
  queue_job(mod, job);
  return 1;
}

int tick_promise_resolve_thenable(tick_loop_t *loop, void *object, tick_thenable_cb then,
                                  tick_free_cb free_object, tick_promise_t **out) {
  tick_promise_t *p;
  int rc = then == NULL ? TICK_EINVAL : promise_start(loop, out, &p);
  if (rc != 0) {
    if (out != NULL) *out = NULL;
    drop_value(object, free_object);
    return rc;
  }
  rc = resolve_thenable(&p->resolver, object, then, free_object);
  if (rc < 0) {
    promise_unref(p);
    return rc;
  }
  *out = promise_handle(p);
  PROMISE_NOTE_SITE(*out);
  return 0;
}

int tick_resolver_resolve(tick_resolver_t *h, void *value, tick_free_cb free_value) {
  tick_resolver_t *r;
  int rc = resolver_enter(h, &r);
  if (rc <= 0) {
    drop_value(value, free_value);
    return rc;
  }
  promise_fulfil(resolver_use(r), value, free_value);
  return 1;
}

int tick_resolver_resolve_promise(tick_resolver_t *h, tick_promise_t *qh) {
  tick_promise_t *p, *q;
  tick_resolver_t *r;
  reaction_t *job;
  int rc = resolver_enter(h, &r);
  if (rc <= 0) return rc;
  p = r->promise;
  if (qh == NULL) return TICK_EINVAL;
  q = tick__handle_record(qh);
  if (q->mod != p->mod) return TICK_EINVAL;
  if (!promise_live(qh, q)) return TICK_ESTALE;
  if (q == p) {
    promise_reject(resolver_use(r), TICK_ETYPE, NULL, NULL, message_self, 0);
    return 1;
  }
  job = reaction_new(p->mod, KIND_ADOPT_JOB);
  if (job == NULL) return TICK_ENOMEM;
  job->target = p;
  p->refs++;
  job->u.other = q;
  q->refs++;
  resolver_use(r);
  queue_job(p->mod, job);
  return 1;
}

int tick_resolver_resolve_thenable(tick_resolver_t *h, void *object, tick_thenable_cb then,
                                   tick_free_cb free_object) {
  tick_resolver_t *r;
  int rc = resolver_enter(h, &r);
  if (rc > 0 && then == NULL) rc = TICK_EINVAL;
  if (rc <= 0) {
    drop_value(object, free_object);
    return rc;
  }
  return resolve_thenable(r, object, then, free_object);
}

int tick_resolver_forward(tick_resolver_t *h, tick_promise_t *settled_handle) {
  tick_promise_t *settled;
  tick_resolver_t *r;
  int rc = resolver_enter(h, &r);
  if (rc <= 0) return rc;
  if (settled_handle == NULL) return TICK_EINVAL;
  settled = tick__handle_record(settled_handle);
  if (settled->mod != r->promise->mod) return TICK_EINVAL;
  if (!promise_live(settled_handle, settled)) return TICK_ESTALE;
  if (settled->state == TICK_PROMISE_PENDING) return TICK_EINVAL;
  promise_settle_like(resolver_use(r), settled);
  return 1;
}

int tick_resolver_reject(tick_resolver_t *h, int code, void *reason, tick_free_cb free_reason) {
  tick_resolver_t *r;
  int rc = resolver_enter(h, &r);
  if (rc > 0 && code >= 0) rc = TICK_EINVAL;
  if (rc <= 0) {
    drop_value(reason, free_reason);
    return rc;
  }
  promise_reject(resolver_use(r), code, reason, free_reason, NULL, 0);
  return 1;
}

int tick_resolver_reject_message(tick_resolver_t *h, int code, const char *message) {
  char *copy = NULL;
  tick_resolver_t *r;
  int rc = resolver_enter(h, &r);
  if (rc > 0 && code >= 0) rc = TICK_EINVAL;
  if (rc <= 0) return rc;
  if (message != NULL) {
    size_t n = strlen(message) + 1;
    copy = tick__malloc(n);
    if (copy == NULL) return TICK_ENOMEM;
    memcpy(copy, message, n);
  }
  promise_reject(resolver_use(r), code, NULL, NULL, copy, copy != NULL);
  return 1;
}

int tick_resolver_retain(tick_resolver_t *h) {
  tick_resolver_t *r;
  int rc = resolver_get(h, &r);
  if (rc != 0) return rc;
  if (r->tag == TAG_EMBEDDED)
    r->promise->refs++;
  else
    ((pooled_resolver_t *)r)->refs++;
  return 0;
}

int tick_resolver_release(tick_resolver_t *h) {
  tick_resolver_t *r;
  int rc;
  if (h == NULL) return 0;
  rc = resolver_get(h, &r);
  if (rc != 0) return rc;
  resolver_unref(r);
  return 0;
}

/* then/catch/finally: a derived promise and a reaction, or nothing at all. */
static int promise_then(tick_promise_t *h, reaction_kind_t kind, tick_promise_cb on_fulfilled,
                        tick_promise_cb on_rejected, tick_finally_cb on_finally, void *arg,
                        tick_free_cb free_arg, tick_promise_t **next) {
  tick_promise_t *p = NULL, *d;
  reaction_t *r;
  int rc = promise_get(h, &p);
  if (next != NULL) *next = NULL;
  if (rc != 0) {
    drop_value(arg, free_arg);
    return rc;
  }
  d = promise_new(p->mod);
  if (d == NULL) {
    drop_value(arg, free_arg);
    return TICK_ENOMEM;
  }
  r = own_reaction(d, kind); /* takes d's first reference */
  if (kind == KIND_FINALLY) {
    r->u.on_finally = on_finally;
  } else {
    r->u.then.on_fulfilled = on_fulfilled;
    r->u.then.on_rejected = on_rejected;
  }
  r->arg = arg;
  r->free_arg = free_arg;
  if (next != NULL) {
    d->refs++;
    *next = promise_handle(d);
  }
  perform_then(p, r);
  return 0;
}

int tick__promise_await(tick_promise_t *h, tick__await_settled_cb settled,
                        tick__await_dropped_cb dropped, void *arg, void **token) {
  tick_promise_t *p;
  reaction_t *r;
  int rc = promise_get(h, &p);
  if (rc != 0) return rc;
  r = reaction_new(p->mod, KIND_AWAIT);
  if (r == NULL) return TICK_ENOMEM;
  r->u.await.settled = settled;
  r->u.await.dropped = dropped;
  r->arg = arg;
  *token = r;
  perform_then(p, r);
  return 0;
}

int tick__promise_await_settled(tick_loop_t *loop, tick_promise_t *h, tick_promise_t *drop,
                                int *code, void **value) {
  tick_promise_t *p, *o;
  if (TICK__UNLIKELY(h == NULL)) return TICK_EINVAL;
  p = tick__handle_record(h);
  if (TICK__UNLIKELY(!promise_live(h, p))) return TICK_ESTALE;
  if (TICK__UNLIKELY(p->mod->loop != loop)) return TICK_EINVAL;
  if (p->state == TICK_PROMISE_PENDING || p->mod->overflow_head != NULL) {
    if (drop != NULL) promise_unref(tick__handle_record(drop));
    return TICK_PROMISE_PENDING;
  }
  mark_handled(p);
  if (drop == NULL)
    p->refs++;
  else if (tick__handle_record(drop) != p) {
    p->refs++;
    promise_unref(tick__handle_record(drop));
  } /* else: the reference dropped is the one taken */
  o = (p->flags & FLAG_ALIAS) ? p->owner : p;
  *code = o->state == TICK_PROMISE_REJECTED ? o->code : 0;
  *value = o->value;
  return p->state;
}

void tick__promise_outcome(tick_promise_t *h, int *code, void **value) {
  tick_promise_t *p = tick__handle_record(h);
  tick_promise_t *o = (p->flags & FLAG_ALIAS) ? p->owner : p;
  *code = o->state == TICK_PROMISE_REJECTED ? o->code : 0;
  *value = o->value;
}

void tick__promise_unref_held(tick_promise_t *h) { promise_unref(tick__handle_record(h)); }

void tick__promise_await_detach(void *token) {
  reaction_t *r = token;
  r->u.await.settled = NULL;
  r->u.await.dropped = NULL;
}

int tick_promise_then(tick_promise_t *p, tick_promise_cb on_fulfilled,
                      tick_promise_cb on_rejected, void *arg, tick_free_cb free_arg,
                      tick_promise_t **next) {
  int rc = promise_then(p, KIND_THEN, on_fulfilled, on_rejected, NULL, arg, free_arg, next);
  if (rc == 0 && next != NULL) PROMISE_NOTE_SITE(*next);
  return rc;
}

int tick_promise_catch(tick_promise_t *p, tick_promise_cb on_rejected, void *arg,
                       tick_free_cb free_arg, tick_promise_t **next) {
  int rc = promise_then(p, KIND_THEN, NULL, on_rejected, NULL, arg, free_arg, next);
  if (rc == 0 && next != NULL) PROMISE_NOTE_SITE(*next);
  return rc;
}

int tick_promise_finally(tick_promise_t *p, tick_finally_cb on_finally, void *arg,
                         tick_free_cb free_arg, tick_promise_t **next) {
  int rc;
  /* finally(non-callable) is then(non-callable, non-callable): a pass-through. */
  if (on_finally == NULL)
    rc = promise_then(p, KIND_THEN, NULL, NULL, NULL, arg, free_arg, next);
  else
    rc = promise_then(p, KIND_FINALLY, NULL, NULL, on_finally, arg, free_arg, next);
  if (rc == 0 && next != NULL) PROMISE_NOTE_SITE(*next);
  return rc;
}

static int combinator(tick_loop_t *loop, reaction_kind_t kind, tick_promise_t *const *inputs,
                      size_t count, tick_promise_t **out) {
  promise_module_t *mod;
  tick_promise_t *result;
  items_t *items = NULL;
  reaction_t *reserved = NULL, *r, *batch = NULL;
  tick_promise_t *decisive = NULL;
  size_t i, bytes, pending = 0, need, fulfilled = 0, rejected = 0;
  int rc;
  if (out != NULL) *out = NULL;
  if (loop == NULL || out == NULL || (count > 0 && inputs == NULL)) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  for (i = 0; i < count; i++) {
    tick_promise_t *in;
    if (inputs[i] == NULL) return TICK_EINVAL;
    in = tick__handle_record(inputs[i]);
    if (in->mod != mod) return TICK_EINVAL;
    if (!promise_live(inputs[i], in)) return TICK_ESTALE;
    if (in->state == TICK_PROMISE_PENDING) pending++;
  }
  if (tick__mul_size(count, sizeof(tick_promise_t *), &bytes) != 0 ||
      bytes > SIZE_MAX - sizeof(items_t))
    return TICK_ENOMEM;
  result = promise_new(mod);
  if (result == NULL) return TICK_ENOMEM;
  if (kind != KIND_RACE) {
    items = tick__malloc(sizeof(items_t) + bytes);
    if (items == NULL) goto nomem;
  }
  /* Take every reaction before registering any, so a failure leaves no trace: one per
   * pending input, and one batch job for all the inputs that have already settled. */
  need = pending + (pending < count ? 1 : 0);
  for (i = 0; i < need; i++) {
    r = reaction_new(mod, kind);
    if (r == NULL) goto nomem;
    r->next = reserved;
    reserved = r;
  }
  if (items != NULL) {
    items->count = count;
    items->remaining = count;
    for (i = 0; i < count; i++) {
      tick_promise_t *in = tick__handle_record(inputs[i]);
      /* Settled inputs are held now; pending ones by their reaction's job (items_t). */
      items->item[i] = in->state != TICK_PROMISE_PENDING ? in : NULL;
      if (items->item[i] != NULL) in->refs++;
    }
    result->items = items;
    result->flags |= FLAG_ITEMS;
  }
  if (pending < count) {
    batch = reserved;
    reserved = batch->next;
  }
  for (i = 0; i < count; i++) {
    tick_promise_t *in = tick__handle_record(inputs[i]);
    if (in->state == TICK_PROMISE_PENDING) {
      r = reserved;
      reserved = r->next;
      r->target = result;
      r->u.index = i;
      result->refs++;
      perform_then(in, r);
      continue;
    }
    mark_handled(in);
    if (in->state == TICK_PROMISE_FULFILLED) {
      fulfilled++;
      if (decisive == NULL && (kind == KIND_ANY || kind == KIND_RACE)) decisive = in;
    } else {
      rejected++;
      if (decisive == NULL && (kind == KIND_ALL || kind == KIND_RACE)) decisive = in;
    }
  }
  if (batch != NULL) {
    batch->kind = kind == KIND_ALL          ? KIND_ALL_BATCH
                  : kind == KIND_ALL_SETTLED ? KIND_ALL_SETTLED_BATCH
                  : kind == KIND_ANY         ? KIND_ANY_BATCH
                                             : KIND_RACE_BATCH;
    batch->target = result;
    result->refs++;
    batch->source = decisive;
    if (decisive != NULL) decisive->refs++;
    batch->u.batch.fulfilled = fulfilled;
    batch->u.batch.rejected = rejected;
    batch->next = NULL;
    queue_job(mod, batch);
  }
  if (count == 0) {
    if (kind == KIND_ALL || kind == KIND_ALL_SETTLED) {
      result->resolver.used = 1;
      promise_fulfil(result, NULL, NULL);
    } else if (kind == KIND_ANY) {
      result->resolver.used = 1;
      promise_reject(result, TICK_EAGGREGATE, NULL, NULL, message_aggregate, 0);
    }
  }
  *out = promise_handle(result);
  return 0;
nomem:
  while ((r = reserved) != NULL) {
    reserved = r->next;
    pool_put(&mod->reactions, r);
  }
  tick__free(items);
  promise_unref(result);
  return TICK_ENOMEM;
}

int tick_promise_all(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                     tick_promise_t **out) {
  int rc = combinator(loop, KIND_ALL, inputs, count, out);
  if (rc == 0 && out != NULL) PROMISE_NOTE_SITE(*out);
  return rc;
}

int tick_promise_all_settled(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                             tick_promise_t **out) {
  int rc = combinator(loop, KIND_ALL_SETTLED, inputs, count, out);
  if (rc == 0 && out != NULL) PROMISE_NOTE_SITE(*out);
  return rc;
}

int tick_promise_race(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                      tick_promise_t **out) {
  int rc = combinator(loop, KIND_RACE, inputs, count, out);
  if (rc == 0 && out != NULL) PROMISE_NOTE_SITE(*out);
  return rc;
}

int tick_promise_any(tick_loop_t *loop, tick_promise_t *const *inputs, size_t count,
                     tick_promise_t **out) {
  int rc = combinator(loop, KIND_ANY, inputs, count, out);
  if (rc == 0 && out != NULL) PROMISE_NOTE_SITE(*out);
  return rc;
}

/* Accessors read the owner of the outcome: an alias shares everything but its state. */
static const tick_promise_t *outcome(const tick_promise_t *h) {
  tick_promise_t *p;
  if (promise_get(h, &p) != 0) return NULL;
  return (p->flags & FLAG_ALIAS) ? p->owner : p;
}

int tick_promise_state(const tick_promise_t *h) {
  tick_promise_t *p;
  int rc = promise_get(h, &p);
  return rc != 0 ? rc : p->state;
}

void *tick_promise_value(const tick_promise_t *h) {
  const tick_promise_t *o = outcome(h);
  return o != NULL ? o->value : NULL;
}

int tick_promise_error(const tick_promise_t *h) {
  const tick_promise_t *o = outcome(h);
  return o != NULL && o->state == TICK_PROMISE_REJECTED ? o->code : 0;
}

const char *tick_promise_message(const tick_promise_t *h) {
  const tick_promise_t *o = outcome(h);
  if (o == NULL) return NULL;
  if (o->flags & FLAG_MESSAGE) return o->message;
  /* An aggregate error keeps its items where other rejections keep a message. */
  if (o->state == TICK_PROMISE_REJECTED && o->code == TICK_EAGGREGATE && (o->flags & FLAG_ITEMS))
    return message_aggregate;
  return NULL;
}

size_t tick_promise_count(const tick_promise_t *h) {
  const tick_promise_t *o = outcome(h);
  if (o == NULL || o->state == TICK_PROMISE_PENDING || !(o->flags & FLAG_ITEMS)) return 0;
  return o->items->count;
}

tick_promise_t *tick_promise_item(const tick_promise_t *h, size_t index) {
  const tick_promise_t *item;
  if (index >= tick_promise_count(h)) return NULL;
  item = outcome(h)->items->item[index];
  return item != NULL ? promise_handle(item) : NULL;
}

tick_loop_t *tick_promise_loop(const tick_promise_t *h) {
  const tick_promise_t *p;
  if (h == NULL) return NULL;
  /* Any thread: a stale handle gives NULL, a live one its module's loop. */
  p = tick__handle_record(h);
  return promise_live(h, p) ? p->mod->loop : NULL;
}

int tick_promise_retain(tick_promise_t *h) {
  tick_promise_t *p;
  int rc = promise_get(h, &p);
  if (rc != 0) return rc;
  p->refs++;
  return 0;
}

int tick_promise_release(tick_promise_t *h) {
  tick_promise_t *p;
  int rc;
  if (h == NULL) return 0;
  rc = promise_get(h, &p);
  if (rc != 0) return rc;
  promise_unref(p);
  return 0;
}
/* ----------------------------------------------------------- cancellation ---- */

int tick__promise_set_abort(tick_promise_t *h, tick__abort_fn fn, void *op) {
  tick_promise_t *p;
  uint32_t tag;
  int rc = promise_get(h, &p);
  if (rc != 0) return rc;
  tag = p->reaction.tag;
  if (p->state != TICK_PROMISE_PENDING) return TICK_EALREADY;
  /* Only a promise whose own reaction slot is free can carry a hook: a then/catch/finally
   * promise keeps its reaction there, and has no operation behind it anyway. */
  if (tag != TAG_OWN_REACTION_DONE && tag != TAG_ABORT_HOOK && tag != TAG_ABORT_ASKED)
    return TICK_EINVAL;
  if (fn == NULL) {
    if (tag == TAG_ABORT_HOOK) p->reaction.tag = TAG_OWN_REACTION_DONE;
    return 0;
  }
  if (tag == TAG_ABORT_ASKED) return 0; /* already asked: the operation is stopping */
  p->reaction.tag = TAG_ABORT_HOOK;
  p->reaction.u.abort = fn;
  p->reaction.arg = op;
  p->reaction.free_arg = NULL;
  return 0;
}

int tick_promise_cancel(tick_promise_t *h, int code) {
  tick_promise_t *p;
  tick__abort_fn fn;
  void *op;
  int rc = promise_get(h, &p);
  if (rc != 0) return rc;
  if (code >= 0) return TICK_EINVAL;
  if (p->state != TICK_PROMISE_PENDING) return TICK_EALREADY;
  if (p->reaction.tag == TAG_ABORT_ASKED) return 0; /* asked before: exactly once */
  if (p->reaction.tag != TAG_ABORT_HOOK) return TICK_ENOTSUP;
  fn = p->reaction.u.abort;
  op = p->reaction.arg;
  /* Marked before the call, so that a cancel from inside the hook (or from a reaction the
   * hook's settlement queues) does not ask twice; the promise is held across the call
   * because the hook may drop the operation's resolver, and with it the last reference. */
  p->reaction.tag = TAG_ABORT_ASKED;
  p->refs++;
  fn(p->mod->loop, op, code);
  promise_unref(p);
  return 0;
}

int tick_promise_set_unhandled_hook(tick_loop_t *loop, tick_rejection_cb unhandled,
                                    void *unhandled_arg, tick_rejection_cb handled_late,
                                    void *handled_late_arg) {
  promise_module_t *mod;
  int rc;
  if (loop == NULL) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  mod->on_unhandled = unhandled != NULL ? unhandled : default_unhandled;
  mod->unhandled_arg = unhandled != NULL ? unhandled_arg : NULL;
  mod->on_handled_late = handled_late != NULL ? handled_late : default_handled_late;
  mod->handled_late_arg = handled_late != NULL ? handled_late_arg : NULL;
  return 0;
}
