/* async.c - async functions and await on the loop (include/tick/async.h, docs/async.md).
 *
 * An async function runs on a context of its own (coro.c). Whoever starts or continues
 * it - tick_async_run, the microtask of an await, another async function - switches to
 * it and gets control back when it awaits or ends; it is always resumed from the loop
 * thread's drain or from a call its caller made, so the loop never runs two at once.
 *
 * Await follows V8's await: PerformPromiseThen(PromiseResolve(v), continuation) with no
 * derived promise. A tick promise is awaited as it is (one turn after it settles), a plain
 * value through a new fulfilled promise (one turn), a thenable through a promise that
 * adopts it (its job, then the continuation: two turns). The continuation is one pooled
 * reaction record in the promise layer (tick__promise_await), so an await allocates
 * nothing in steady state.
 *
 * Records of async functions come from a free list of the loop, never given back before
 * the loop is destroyed, so a stale handle reads a free record (TICK_ENOTASYNC) instead of
 * freed memory. Stacks are carved from chunks of many stacks and kept in a pool of the loop
 * once their function ends, so starting a function maps nothing and allocates nothing
 * once the loop has warmed up.
 */
#include "async/async.h"
#include "async/coro.h"
#include "core/loop.h"
#include "promise/promise.h"

#include <pthread.h>
#include <string.h>

enum { TAG_FREE = 0, TAG_LIVE = 0x6173796e };

/* Stacks come from chunks (coro.h) of a pool per stack size: the first chunk of a size
 * has CHUNK_FIRST stacks, each next one twice as many, up to CHUNK_MAX stacks and about
 * CHUNK_BYTES_MAX bytes, so a program with a few async functions reserves little and one
 * with a hundred thousand maps a few hundred chunks. Finished functions' stacks go back to
 * their pool (the newest first out: its pages are committed) and are never unmapped
 * before the loop is destroyed. A chunk whose stacks are all back in the pool gives its
 * pages to the kernel after the microtask drain, in one call, if the pool keeps at least
 * STACK_HOT other stacks free; a stack at a time would cost a call and a TLB flush per
 * function (docs/design/async.md has the measurements behind these numbers). */
#define CHUNK_FIRST 8u
#define CHUNK_MAX 256u
#define CHUNK_BYTES_MAX ((size_t)64 << 20)
#define STACK_HOT 64u

typedef struct stack_pool_s {
  struct stack_pool_s *next;
  size_t size;
  tick__stack_t *free; /* no function has them; the newest first */
  size_t free_count;
  tick__stack_chunk_t *chunks; /* the newest first: the one stacks are carved from */
  tick__stack_chunk_t *idle;   /* chunks whose stacks all came back since the drain */
  unsigned next_count;         /* stacks of the next chunk */
  int guard_mode;              /* what the last chunk ended up using */
} stack_pool_t;

typedef enum outcome_e {
  OUT_NONE, /* fulfil with NULL */
  OUT_VALUE,
  OUT_PROMISE,
  OUT_THENABLE,
  OUT_FORWARD,
  OUT_THROW
} outcome_t;

typedef struct async_module_s async_module_t;

struct tick_async_s {
  uint32_t tag;
  uint8_t ended;          /* the function has returned; the resumer frees the record */
  uint8_t resume_queued;  /* a microtask will resume it (cancelled, or its promise lost) */
  uint8_t deferred;       /* on mod->deferred: to resume after the drain (no memory) */
  uint8_t settled_queued; /* resume_queued for an await of a settled promise (co->result) */
  uint8_t direct;         /* resumed by its own microtask, straight from the drain */
  tick__ctx_t ctx;
  tick__ctx_t *resumer; /* the context it returns to when it awaits or ends */
  async_module_t *mod;
  tick_async_fn fn;
  void *arg;
  tick_free_cb free_arg;
  tick__stack_t *stack;
  tick_promise_t *promise;   /* its promise (a reference, for tick_async_cancel) */
  tick_resolver_t *resolver; /* settles it */
  tick_promise_t *result;    /* what the last await settled with (a reference) */
  void *value;               /* its value or reason (tick_async_value) */
  void *wait;                /* the await registration while suspended in one */
  int resume_code;           /* what the suspended await returns */
  int cancel_code;           /* nonzero once cancelled: every await returns it */
  /* Cancel scopes (docs/cancellation.md): the scope it runs under (a reference) and its
   * listener there; `own_scope` once the scope is its own (tick_async_scope, or a function
   * started inside it inherits it). While shielded, a cancellation is kept aside in
   * shield_code and cancel_code stays 0, so the await path checks one field either way. */
  tick_scope_t *scope;
  tick_scope_listener_t on_cancel;
  uint8_t own_scope;
  uint8_t shielded;
  int shield_code;
  /* The outcome set by tick_async_return*, _forward and _throw*. */
  outcome_t out_kind;
  int out_code;
  void *out_value; /* value, reason or thenable object */
  tick_free_cb out_free;
  tick_promise_t *out_promise;
  tick_thenable_cb out_then;
  char *out_message;
  tick_async_t *prev, *next; /* live list, or the free list (next) */
  tick_async_t *deferred_next;
};

struct async_module_s {
  tick_loop_t *loop;
  pthread_t owner;
  tick_async_t *current; /* running now (innermost), or NULL */
  tick__ctx_t main_ctx;  /* the loop thread's own stack while a function runs */
  ucontext_t main_uc;
  tick_async_t *live; /* started and not ended, newest first */
  size_t live_count;
  tick_async_t *free_records;
  stack_pool_t *pools;   /* one per stack size */
  int idle_chunks;       /* some pool has idle chunks */
  tick_async_t *deferred_head, *deferred_tail;
  int closing;          /* tick_loop_destroy has begun: every await is cancelled */
  unsigned fail_maps;   /* tests: the next fail_maps new stacks fail */
};

static int module_after_drain(tick_loop_t *loop, void *state);
static void module_pre_destroy(tick_loop_t *loop, void *state);
static void module_destroy(tick_loop_t *loop, void *state);
static void scope_detach(tick_async_t *co);

static const tick__module_hooks_t module_hooks = {module_after_drain, module_destroy,
                                                  module_pre_destroy};

static int module_enter(tick_loop_t *loop, async_module_t **out) {
  async_module_t *mod;
  int rc;
  if (loop == NULL) return TICK_EINVAL;
  mod = tick__loop_module_state(loop, TICK__MODULE_ASYNC);
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
  tick__loop_set_module(loop, TICK__MODULE_ASYNC, &module_hooks, mod);
  *out = mod;
  return 0;
}

/* Whether the caller runs on the stack of `co`: then `co` is live and the function running
 * now, on its loop's thread, since a stack runs one function and on one thread at a time
 * (another function it started runs on a stack of its own). The calls made from inside an
 * async function check this first, which needs no thread lookup, and fall back to the full
 * checks for their error codes. */
static inline int on_own_stack(const tick_async_t *co) {
  const char *frame = __builtin_frame_address(0);
  return TICK__LIKELY(co != NULL) && co->tag == TAG_LIVE && !co->ended &&
         frame >= co->stack->lo && frame < co->stack->hi;
}

/* The module of a live record, checking the thread; TICK_ENOTASYNC for a record that has
 * ended (or was never one). */
static int record_enter(const tick_async_t *co, async_module_t **out) {
  if (on_own_stack(co)) {
    *out = co->mod;
    return 0;
  }
  if (co == NULL) return TICK_EINVAL;
  if (co->tag != TAG_LIVE || co->ended) return TICK_ENOTASYNC;
  if (!pthread_equal(co->mod->owner, pthread_self())) return TICK_EWRONGTHREAD;
  *out = co->mod;
  return 0;
}

/* As record_enter, and `co` must be the function running now. */
static int running_enter(const tick_async_t *co, async_module_t **out) {
  int rc;
  if (on_own_stack(co)) {
    *out = co->mod;
    return 0;
  }
  rc = record_enter(co, out);
  if (rc != 0) return rc;
  return (*out)->current == co ? 0 : TICK_ENOTASYNC;
}

/* ------------------------------------------------------------------ stacks ---- */

static stack_pool_t *pool_find(async_module_t *mod, size_t size) {
  stack_pool_t *pool;
  for (pool = mod->pools; pool != NULL; pool = pool->next)
    if (pool->size == size) return pool;
  pool = tick__calloc(1, sizeof(*pool));
  if (pool == NULL) return NULL;
  pool->size = size;
  pool->next_count = CHUNK_FIRST;
  pool->next = mod->pools;
  mod->pools = pool;
  return pool;
}

/* A stack that no function has (from the pool, else carved, else from a new chunk), or
 * NULL: out of memory or of mappings. */
static tick__stack_t *stack_get(async_module_t *mod, size_t size) {
  stack_pool_t *pool = pool_find(mod, size);
  tick__stack_chunk_t *chunk;
  tick__stack_t *s;
  unsigned count;
  int rc;
  if (pool == NULL) return NULL;
  if ((s = pool->free) != NULL) {
    pool->free = s->next;
    pool->free_count--;
    s->chunk->idle--;
    return s;
  }
  if (mod->fail_maps > 0) {
    mod->fail_maps--;
    return NULL;
  }
  if (pool->chunks != NULL) {
    rc = tick__stack_chunk_carve(pool->chunks, &s);
    if (rc == 0) return s;
    if (rc != TICK_ENOENT) return NULL;
  }
  count = pool->next_count;
  if ((size_t)count * size > CHUNK_BYTES_MAX) count = (unsigned)(CHUNK_BYTES_MAX / size);
  if (count == 0) count = 1;
  if (tick__stack_chunk_map(&chunk, size, count, pool->guard_mode) != 0) return NULL;
  if (tick__stack_chunk_carve(chunk, &s) != 0) {
    tick__stack_chunk_unmap(chunk);
    return NULL;
  }
  pool->guard_mode = chunk->guard_mode;
  chunk->next = pool->chunks;
  pool->chunks = chunk;
  if (pool->next_count < CHUNK_MAX) pool->next_count *= 2;
  return s;
}

static void stack_put(async_module_t *mod, tick__stack_t *s) {
  stack_pool_t *pool;
  tick__stack_chunk_t *chunk = s->chunk;
  for (pool = mod->pools; pool->size != s->size; pool = pool->next) {
  }
  s->next = pool->free;
  pool->free = s;
  pool->free_count++;
  if (++chunk->idle == chunk->carved && !chunk->listed) {
    chunk->listed = 1;
    chunk->idle_next = pool->idle;
    pool->idle = chunk;
    mod->idle_chunks = 1;
  }
}

/* After a drain: the chunks whose stacks all came back give their pages to the kernel. */
static void stacks_trim(async_module_t *mod) {
  stack_pool_t *pool;
  tick__stack_chunk_t *chunk;
  mod->idle_chunks = 0;
  for (pool = mod->pools; pool != NULL; pool = pool->next) {
    while ((chunk = pool->idle) != NULL) {
      pool->idle = chunk->idle_next;
      chunk->listed = 0;
      if (chunk->idle == chunk->carved && pool->free_count >= STACK_HOT + chunk->carved)
        tick__stack_chunk_release(chunk);
    }
  }
}

/* ----------------------------------------------------------------- records ---- */

static tick_async_t *record_new(async_module_t *mod) {
  tick_async_t *co = mod->free_records;
  if (co != NULL)
    mod->free_records = co->next;
  else if ((co = tick__malloc(sizeof(*co))) == NULL)
    return NULL;
  memset(co, 0, sizeof(*co));
  co->mod = mod;
  return co;
}

static void record_put(async_module_t *mod, tick_async_t *co) {
  co->tag = TAG_FREE;
  co->next = mod->free_records;
  mod->free_records = co;
}

static void live_link(async_module_t *mod, tick_async_t *co) {
  co->prev = NULL;
  co->next = mod->live;
  if (mod->live != NULL) mod->live->prev = co;
  mod->live = co;
  mod->live_count++;
}

static void live_unlink(async_module_t *mod, tick_async_t *co) {
  if (co->prev != NULL)
    co->prev->next = co->next;
  else
    mod->live = co->next;
  if (co->next != NULL) co->next->prev = co->prev;
  mod->live_count--;
}

/* ------------------------------------------------------------ switching ---- */

/* Continues `co` from the running context (the loop thread's stack or another async
 * function) until it awaits or ends; frees it if it ended. */
static void resume(async_module_t *mod, tick_async_t *co) {
  tick_async_t *prev = mod->current;
  tick__ctx_t *from;
  /* The function may change the async context and then suspend: its resumer goes on in
   * the context it had (the function resumes in the one its await captured). */
  void *context = mod->loop->ctx;
  if (prev != NULL) {
    from = &prev->ctx;
  } else {
    from = &mod->main_ctx;
    tick__ctx_main(from, TICK__CORO_DEFAULT_BACKEND, &mod->main_uc);
  }
  co->resumer = from;
  mod->current = co;
  mod->loop->depth++; /* tick_loop_run/destroy from inside it: TICK_EBUSY */
  tick__ctx_switch(from, &co->ctx);
  co->direct = 0;
  mod->loop->depth--;
  mod->loop->ctx = context;
  mod->current = prev;
  if (co->ended) {
    tick__ctx_dispose(&co->ctx);
    stack_put(mod, co->stack);
    live_unlink(mod, co);
    record_put(mod, co);
  }
}

static void suspend(tick_async_t *co) { tick__ctx_switch(&co->ctx, co->resumer); }

static void drop_outcome(tick_async_t *co) {
  switch (co->out_kind) {
  case OUT_VALUE:
  case OUT_THENABLE:
  case OUT_THROW:
    if (co->out_free != NULL) co->out_free(co->out_value);
    break;
  case OUT_PROMISE:
  case OUT_FORWARD:
    tick_promise_release(co->out_promise);
    break;
  default:
    break;
  }
  tick__free(co->out_message);
  co->out_kind = OUT_NONE;
  co->out_value = NULL;
  co->out_free = NULL;
  co->out_promise = NULL;
  co->out_message = NULL;
}

/* Settles the function's promise from its completion `rc` and the outcome it set. */
static void settle(tick_async_t *co, int rc) {
  tick_resolver_t *r = co->resolver;
  int thrown = co->out_kind == OUT_THROW ||
               (co->out_kind == OUT_FORWARD &&
                tick_promise_state(co->out_promise) == TICK_PROMISE_REJECTED);
  int done = 0;
  if (rc < 0 && !thrown) {
    drop_outcome(co);
    tick_resolver_reject(r, rc, NULL, NULL);
    return;
  }
  switch (co->out_kind) {
  case OUT_NONE:
    tick_resolver_resolve(r, NULL, NULL);
    return;
  case OUT_VALUE:
    tick_resolver_resolve(r, co->out_value, co->out_free);
    co->out_kind = OUT_NONE;
    return;
  case OUT_PROMISE:
    done = tick_resolver_resolve_promise(r, co->out_promise);
    break;
  case OUT_THENABLE:
    done = tick_resolver_resolve_thenable(r, co->out_value, co->out_then, co->out_free);
    co->out_kind = OUT_NONE; /* the object is tick's now, whatever happened */
    break;
  case OUT_FORWARD:
    done = tick_resolver_forward(r, co->out_promise);
    break;
  case OUT_THROW:
    if (co->out_message != NULL) {
      done = tick_resolver_reject_message(r, co->out_code, co->out_message);
      if (done < 0) done = tick_resolver_reject(r, co->out_code, NULL, NULL);
    } else {
      done = tick_resolver_reject(r, co->out_code, co->out_value, co->out_free);
      co->out_kind = OUT_NONE;
    }
    break;
  }
  drop_outcome(co);
  if (done < 0) tick_resolver_reject(r, done, NULL, NULL); /* out of memory */
}

/* The bottom of every async function's stack. */
static void co_main(void *arg) {
  tick_async_t *co = arg;
  int rc = co->fn(co, co->arg);
  scope_detach(co);
  settle(co, rc);
  tick_resolver_release(co->resolver);
  tick_promise_release(co->result);
  tick_promise_release(co->promise);
  co->resolver = NULL;
  co->result = NULL;
  co->promise = NULL;
  if (co->free_arg != NULL) co->free_arg(co->arg);
  co->ended = 1;
  tick__ctx_switch_final(&co->ctx, co->resumer);
}

/* -------------------------------------------------------------- resumption ---- */

/* The continuation of an await of a pending promise: its reaction's job, which runs only
 * from the microtask queue, and does nothing after this returns (co->direct). */
static void on_settled(tick_promise_t *settled, void *arg) {
  tick_async_t *co = arg;
  co->wait = NULL;
  co->result = settled;
  tick__promise_outcome(settled, &co->resume_code, &co->value);
  co->direct = 1;
  resume(co->mod, co);
}

/* A resumption queued by the async layer itself: the continuation of an await of a settled
 * promise, a cancellation, a promise freed unsettled. Run only from the microtask queue. */
static void resume_task(tick_loop_t *loop, void *arg) {
  tick_async_t *co = arg;
  (void)loop;
  co->resume_queued = 0;
  co->settled_queued = 0;
  co->direct = 1;
  resume(co->mod, co);
}

/* Resumes `co` (suspended, its await detached) with co->resume_code in a microtask, or
 * after the drain if the microtask queue has no memory. */
static void schedule_resume(tick_async_t *co) {
  async_module_t *mod = co->mod;
  tick__cap_t cap;
  co->resume_queued = 1;
  /* The continuation runs in the async context (and continues the trace flow) of the
   * code that queued it: the await itself, for a settled promise. */
  tick__capture(mod->loop, &cap, TICK__CB_AWAIT);
  if (TICK__LIKELY(tick__tq_push_cap(&mod->loop->microtasks, resume_task, co, &cap) == 0))
    return;
  co->deferred = 1;
  co->deferred_next = NULL;
  if (mod->deferred_tail != NULL)
    mod->deferred_tail->deferred_next = co;
  else
    mod->deferred_head = co;
  mod->deferred_tail = co;
}

static void on_dropped(void *arg) {
  tick_async_t *co = arg;
  co->wait = NULL;
  co->resume_code = TICK_ECANCELED;
  schedule_resume(co);
}

static tick_async_t *deferred_pop(async_module_t *mod) {
  tick_async_t *co = mod->deferred_head;
  if (co == NULL) return NULL;
  mod->deferred_head = co->deferred_next;
  if (mod->deferred_head == NULL) mod->deferred_tail = NULL;
  co->deferred = 0;
  co->resume_queued = 0;
  co->settled_queued = 0;
  return co;
}

static int module_after_drain(tick_loop_t *loop, void *state) {
  async_module_t *mod = state;
  tick_async_t *co;
  int any = 0;
  (void)loop;
  while ((co = deferred_pop(mod)) != NULL) {
    resume(mod, co);
    any = 1;
  }
  if (mod->idle_chunks) stacks_trim(mod);
  return any;
}

/* Closing: every suspended function is resumed now with TICK_ECANCELED, and every await
 * from here on returns it at once, so the functions run to their ends. Those whose
 * resumption is already a queued microtask keep it (destroy then reports TICK_EBUSY). */
static void module_pre_destroy(tick_loop_t *loop, void *state) {
  async_module_t *mod = state;
  tick_async_t *co, *list = NULL;
  (void)loop;
  mod->closing = 1;
  while ((co = deferred_pop(mod)) != NULL) {
    if (co->cancel_code == 0) co->cancel_code = TICK_ECANCELED;
    resume(mod, co);
  }
  /* Collect first: resuming changes the live list. A waiting function cannot end before
   * this resumes it, and functions started meanwhile never wait (closing). */
  for (co = mod->live; co != NULL; co = co->next) {
    if (co->cancel_code == 0) co->cancel_code = TICK_ECANCELED;
    if (co->wait != NULL) {
      co->deferred_next = list;
      list = co;
    }
  }
  while ((co = list) != NULL) {
    list = co->deferred_next;
    if (co->wait == NULL) continue;
    tick__promise_await_detach(co->wait);
    co->wait = NULL;
    co->resume_code = co->cancel_code;
    resume(mod, co);
  }
}

static void module_destroy(tick_loop_t *loop, void *state) {
  async_module_t *mod = state;
  tick_async_t *co;
  stack_pool_t *pool;
  tick__stack_chunk_t *chunk;
  (void)loop;
  /* Nothing is live here (pre_destroy ended every waiting function; a running one or a
   * queued resumption makes destroy return TICK_EBUSY first). */
  while ((pool = mod->pools) != NULL) {
    mod->pools = pool->next;
    while ((chunk = pool->chunks) != NULL) {
      pool->chunks = chunk->next;
      tick__stack_chunk_unmap(chunk);
    }
    tick__free(pool);
  }
  while ((co = mod->free_records) != NULL) {
    mod->free_records = co->next;
    tick__free(co);
  }
  tick__free(mod);
}

/* ------------------------------------------------------------ cancel scopes ---- */

/* Cancels the function: a suspended await returns `code` in a microtask, the next await
 * at once. While shielded the code waits for the shield to come off. */
static void cancel_record(tick_async_t *co, int code) {
  if (co->shielded) {
    if (co->shield_code == 0) co->shield_code = code;
    return;
  }
  if (co->cancel_code == 0) co->cancel_code = code;
  if (co->wait != NULL) {
    tick__promise_await_detach(co->wait);
    co->wait = NULL;
    co->resume_code = co->cancel_code;
    schedule_resume(co);
  } else if (co->settled_queued) {
    /* Its continuation is queued already: it brings the code instead of the outcome. */
    co->settled_queued = 0;
    tick__promise_unref_held(co->result);
    co->result = NULL;
    co->value = NULL;
    co->resume_code = co->cancel_code;
  }
}

static void on_scope_cancel(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  (void)loop;
  (void)s;
  cancel_record(arg, code);
}

/* Runs `co` under `scope` (may be NULL): takes a reference and listens. */
static void scope_attach(tick_async_t *co, tick_scope_t *scope) {
  int status;
  co->scope = scope;
  if (scope == NULL) return;
  tick_scope_retain(scope);
  if (tick_scope_listen(scope, &co->on_cancel, on_scope_cancel, co) == TICK_EALREADY) {
    status = tick_scope_status(scope);
    if (status < 0) cancel_record(co, status);
  }
}

static void scope_detach(tick_async_t *co) {
  if (co->scope == NULL) return;
  tick_scope_unlisten(&co->on_cancel);
  tick_scope_release(co->scope);
  co->scope = NULL;
  co->own_scope = 0;
}

/* Gives `co` a scope of its own, a child of the one it ran under. Returns 0 or
 * TICK_ENOMEM. */
static int scope_own(tick_async_t *co) {
  tick_scope_t *own, *parent = co->scope;
  int rc;
  if (co->own_scope) return 0;
  rc = tick_scope_create(co->mod->loop, parent, &own);
  if (rc != 0) return rc;
  if (parent != NULL) {
    tick_scope_unlisten(&co->on_cancel);
    tick_scope_release(parent);
    co->scope = NULL;
  }
  scope_attach(co, own);
  tick_scope_release(own); /* attach took the reference it keeps */
  co->own_scope = 1;
  return 0;
}

/* ------------------------------------------------------------- public API ---- */

int tick_async_run(tick_loop_t *loop, tick_async_fn fn, void *arg,
                   const tick_async_options_t *options, tick_promise_t **out) {
  async_module_t *mod;
  tick_async_t *co = NULL;
  tick_free_cb free_arg = options != NULL ? options->free_arg : NULL;
  tick_scope_t *scope = NULL;
  size_t size = TICK_ASYNC_STACK_DEFAULT;
  int rc;
  if (out != NULL) *out = NULL;
  if (fn == NULL) {
    rc = TICK_EINVAL;
    goto fail;
  }
  if (options != NULL && options->stack_size != 0) {
    size = tick__page_round(options->stack_size);
    if (options->stack_size < TICK_ASYNC_STACK_MIN || size == 0) {
      rc = TICK_EINVAL;
      goto fail;
    }
  }
  rc = module_enter(loop, &mod);
  if (rc != 0) goto fail;
  /* The scope: the one given, else the starter's own (structured: cancelling a function
   * reaches the functions it started), else none. */
  if (options != NULL && options->scope != NULL) {
    scope = options->scope;
    if (tick_scope_loop(scope) != loop) {
      rc = tick_scope_loop(scope) == NULL ? TICK_ESTALE : TICK_EINVAL;
      goto fail;
    }
  } else if (mod->current != NULL && (options == NULL || !options->detached)) {
    rc = scope_own(mod->current);
    if (rc != 0) goto fail;
    scope = mod->current->scope;
  }
  rc = TICK_ENOMEM;
  co = record_new(mod);
  if (co == NULL) goto fail;
  co->stack = stack_get(mod, size);
  if (co->stack == NULL) goto fail;
  rc = tick_promise_create_deferred(loop, &co->promise, &co->resolver);
  if (rc != 0) goto fail;
  rc = tick__ctx_make(&co->ctx, TICK__CORO_DEFAULT_BACKEND, co->stack, co_main, co);
  if (rc != 0) goto fail;
  co->tag = TAG_LIVE;
  co->fn = fn;
  co->arg = arg;
  co->free_arg = free_arg;
  if (mod->closing) co->cancel_code = TICK_ECANCELED;
  scope_attach(co, scope);
  live_link(mod, co);
  if (out != NULL) {
    tick_promise_retain(co->promise);
    *out = co->promise;
  }
  resume(mod, co);
  return 0;
fail:
  if (co != NULL) {
    tick_resolver_release(co->resolver);
    tick_promise_release(co->promise);
    if (co->stack != NULL) stack_put(mod, co->stack);
    record_put(mod, co);
  }
  if (free_arg != NULL) free_arg(arg);
  return rc;
}

/* The await itself: `p` is not NULL; a released promise or another loop's is TICK_EINVAL.
 *
 * A settled promise needs no reaction record: the continuation is a microtask of this
 * layer (resume_task), queued at the moment PerformPromiseThen would queue the reaction's
 * job, so it takes the same turn. And when the function was resumed by its own microtask
 * (co->direct: the drain called it, and does nothing else until it returns) and the
 * microtask queue is empty, the continuation queued now would be the very next job, with
 * nothing between this suspension and that resumption: the function goes on at once,
 * without the two switches. Everything observable (the order of every callback and
 * reaction, the turn counts, the unhandled-rejection bookkeeping) is the same. */
static int await_promise(async_module_t *mod, tick_async_t *co, tick_promise_t *p) {
  tick_promise_t *last = co->result;
  int rc;
  if (TICK__UNLIKELY(co->cancel_code != 0)) {
    if (tick_promise_loop(p) != mod->loop) return TICK_EINVAL;
    rc = co->cancel_code;
  } else {
    /* Drops `last` too: the value read last is gone from here on. */
    rc = tick__promise_await_settled(mod->loop, p, last, &co->resume_code, &co->value);
    if (TICK__UNLIKELY(rc < 0)) return TICK_EINVAL; /* released, or another loop's */
    last = NULL;
  }
  co->result = NULL;
  if (last != NULL) tick__promise_unref_held(last);
  if (TICK__UNLIKELY(rc < 0)) {
    co->value = NULL;
    return rc; /* cancelled: at once */
  }
  if (TICK__LIKELY(rc > 0)) {
    co->result = p;
    if (co->direct && mod->loop->microtasks.len == 0) return co->resume_code;
    co->settled_queued = 1;
    schedule_resume(co);
  } else {
    co->value = NULL;
    rc = tick__promise_await(p, on_settled, on_dropped, co, &co->wait);
    if (rc != 0) return rc;
  }
  suspend(co);
  return co->resume_code;
}

int tick_await(tick_async_t *co, tick_promise_t *p) {
  async_module_t *mod;
  int rc;
  if (TICK__LIKELY(on_own_stack(co))) {
    mod = co->mod;
  } else if ((rc = running_enter(co, &mod)) != 0) {
    return rc;
  }
  if (p == NULL) return TICK_EINVAL;
  return await_promise(mod, co, p);
}

int tick_await_value(tick_async_t *co, void *value, tick_free_cb free_value) {
  async_module_t *mod;
  tick_promise_t *p;
  int rc = running_enter(co, &mod);
  if (rc != 0) {
    if (free_value != NULL) free_value(value);
    return rc;
  }
  rc = tick_promise_resolve(mod->loop, value, free_value, &p);
  if (rc != 0) return rc;
  rc = await_promise(mod, co, p);
  tick_promise_release(p);
  return rc;
}

int tick_await_thenable(tick_async_t *co, void *object, tick_thenable_cb then,
                        tick_free_cb free_object) {
  async_module_t *mod;
  tick_promise_t *p;
  int rc = running_enter(co, &mod);
  if (rc != 0) {
    if (free_object != NULL) free_object(object);
    return rc;
  }
  rc = tick_promise_resolve_thenable(mod->loop, object, then, free_object, &p);
  if (rc != 0) return rc;
  rc = await_promise(mod, co, p);
  tick_promise_release(p);
  return rc;
}

tick_promise_t *tick_async_result(const tick_async_t *co) {
  async_module_t *mod;
  return record_enter(co, &mod) == 0 ? co->result : NULL;
}

void *tick_async_value(const tick_async_t *co) {
  async_module_t *mod;
  if (TICK__LIKELY(on_own_stack(co))) return co->value;
  return record_enter(co, &mod) == 0 ? co->value : NULL;
}

const char *tick_async_message(const tick_async_t *co) {
  tick_promise_t *r = tick_async_result(co);
  return r != NULL ? tick_promise_message(r) : NULL;
}

int tick_async_return(tick_async_t *co, void *value, tick_free_cb free_value) {
  async_module_t *mod;
  int rc = running_enter(co, &mod);
  if (rc != 0) {
    if (free_value != NULL) free_value(value);
    return rc;
  }
  drop_outcome(co);
  co->out_kind = OUT_VALUE;
  co->out_value = value;
  co->out_free = free_value;
  return 0;
}

int tick_async_return_promise(tick_async_t *co, tick_promise_t *p) {
  async_module_t *mod;
  int rc = running_enter(co, &mod);
  if (rc != 0) return rc;
  if (p == NULL || tick_promise_loop(p) != mod->loop) return TICK_EINVAL;
  tick_promise_retain(p);
  drop_outcome(co);
  co->out_kind = OUT_PROMISE;
  co->out_promise = p;
  return 0;
}

int tick_async_return_thenable(tick_async_t *co, void *object, tick_thenable_cb then,
                               tick_free_cb free_object) {
  async_module_t *mod;
  int rc = running_enter(co, &mod);
  if (rc == 0 && then == NULL) rc = TICK_EINVAL;
  if (rc != 0) {
    if (free_object != NULL) free_object(object);
    return rc;
  }
  drop_outcome(co);
  co->out_kind = OUT_THENABLE;
  co->out_value = object;
  co->out_then = then;
  co->out_free = free_object;
  return 0;
}

int tick_async_forward(tick_async_t *co, tick_promise_t *settled) {
  async_module_t *mod;
  int state, rc = running_enter(co, &mod);
  if (rc != 0) return rc;
  if (settled == NULL || tick_promise_loop(settled) != mod->loop) return TICK_EINVAL;
  state = tick_promise_state(settled);
  if (state == TICK_PROMISE_PENDING) return TICK_EINVAL;
  tick_promise_retain(settled);
  drop_outcome(co);
  co->out_kind = OUT_FORWARD;
  co->out_promise = settled;
  return state == TICK_PROMISE_REJECTED ? tick_promise_error(settled) : 0;
}

int tick_async_throw(tick_async_t *co, int code, void *reason, tick_free_cb free_reason) {
  async_module_t *mod;
  int rc = running_enter(co, &mod);
  if (rc == 0 && code >= 0) rc = TICK_EINVAL;
  if (rc != 0) {
    if (free_reason != NULL) free_reason(reason);
    return rc;
  }
  drop_outcome(co);
  co->out_kind = OUT_THROW;
  co->out_code = code;
  co->out_value = reason;
  co->out_free = free_reason;
  return code;
}

int tick_async_throw_message(tick_async_t *co, int code, const char *message) {
  async_module_t *mod;
  size_t len;
  int rc = running_enter(co, &mod);
  if (rc == 0 && code >= 0) rc = TICK_EINVAL;
  if (rc != 0) return rc;
  drop_outcome(co);
  co->out_kind = OUT_THROW;
  co->out_code = code;
  if (message == NULL) return code;
  len = strlen(message) + 1;
  co->out_message = tick__malloc(len);
  if (co->out_message == NULL) return TICK_ENOMEM;
  memcpy(co->out_message, message, len);
  return code;
}

tick_async_t *tick_async_current(tick_loop_t *loop) {
  async_module_t *mod;
  if (loop == NULL || tick__loop_check(loop) != 0) return NULL;
  mod = tick__loop_module_state(loop, TICK__MODULE_ASYNC);
  return mod != NULL ? mod->current : NULL;
}

tick_loop_t *tick_async_loop(const tick_async_t *co) {
  return co != NULL && co->tag == TAG_LIVE ? co->mod->loop : NULL;
}

size_t tick_async_count(tick_loop_t *loop) {
  async_module_t *mod;
  if (loop == NULL || tick__loop_check(loop) != 0) return 0;
  mod = tick__loop_module_state(loop, TICK__MODULE_ASYNC);
  return mod != NULL ? mod->live_count : 0;
}

int tick_async_cancel(tick_promise_t *promise, int code) {
  async_module_t *mod;
  tick_async_t *co;
  int rc;
  if (promise == NULL || code >= 0) return TICK_EINVAL;
  rc = tick__loop_check(tick_promise_loop(promise));
  if (rc != 0) return rc;
  mod = tick__loop_module_state(tick_promise_loop(promise), TICK__MODULE_ASYNC);
  if (mod == NULL) return TICK_ENOENT;
  /* A linear search: cancelling is rare next to starting and awaiting, and this keeps
   * promises free of a field only async functions would use. */
  for (co = mod->live; co != NULL && co->promise != promise; co = co->next) {
  }
  if (co == NULL || co->ended) return TICK_ENOENT;
  /* Its own scope, if it has one, so the functions it started are cancelled too. */
  if (co->own_scope)
    tick_scope_cancel(co->scope, code);
  else
    cancel_record(co, code);
  return 0;
}

tick_scope_t *tick_async_scope(tick_async_t *co) {
  async_module_t *mod;
  if (record_enter(co, &mod) != 0) return NULL;
  if (scope_own(co) != 0) return NULL;
  return co->scope;
}

int tick_async_shield(tick_async_t *co, int on) {
  async_module_t *mod;
  int was, rc = running_enter(co, &mod);
  if (rc != 0) return rc;
  was = co->shielded;
  if (on && !was) {
    co->shielded = 1;
    co->shield_code = co->cancel_code;
    co->cancel_code = mod->closing ? TICK_ECANCELED : 0;
  } else if (!on && was) {
    co->shielded = 0;
    if (co->cancel_code == 0) co->cancel_code = co->shield_code;
    co->shield_code = 0;
  }
  return was;
}

/* ------------------------------------------------------------- for tests ---- */

int tick__async_fail_stack_maps(tick_loop_t *loop, unsigned count) {
  async_module_t *mod;
  int rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  mod->fail_maps = count;
  return 0;
}
