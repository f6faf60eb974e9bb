/* group.c - task groups (include/tick/group.h, docs/cancellation.md "Task groups").
 *
 * A group is a record of the loop with its members in blocks of MEMBER_BLOCK records that
 * never move (a member's address is the argument of its callbacks, and members may be
 * added while another member's callback runs). Members are numbered in the order they
 * were added; the queue of a limited group is those numbers in order, so it is a cursor
 * (queue_pos) over the members, not a list: the next queued member is the first one at or
 * after the cursor still marked queued.
 *
 * The group learns that a member ended through one pooled await registration on the
 * member's promise (tick__promise_await): one turn after it settles, no derived promise.
 * An async function member runs through a trampoline (member_main) that makes this
 * registration before the function's body runs, so a failure to register is reported as
 * the member's outcome instead of leaving a function the group cannot watch.
 *
 * Reentrancy: starting a member runs user code, which may add members, cancel or release
 * the group. Such calls never start members or free the group themselves while another
 * call is doing so (`busy`): the outermost call does it on its way out (progress()).
 *
 * Records of groups are kept on a free list of the loop until it is destroyed, so a stale
 * handle reads a free record or one of another generation (core/handle.h), never freed
 * memory.
 */
#include "async/async.h"
#include "core/handle.h"
#include "core/loop.h"
#include "promise/promise.h"

#include <pthread.h>
#include <string.h>

/* The group's per-loop module slot (see core/internal.h). */
enum { TICK__MODULE_GROUP = 12 };
_Static_assert(TICK__MODULE_GROUP < TICK__MODULE_MAX, "the group module slot fits the loop");

#define MEMBER_BLOCK 256u

enum { KIND_FN = 0, KIND_PROMISE = 1 };
enum { M_QUEUED = 0, M_RUNNING = 1, M_DONE = 2 };

typedef struct group_module_s group_module_t;

typedef struct member_s {
  tick_group_t *g; /* the record */
  size_t index;
  uint8_t kind;
  uint8_t state;
  uint8_t started;
  int code; /* M_DONE: 0 fulfilled, else the rejection code */
  tick_async_fn fn;
  void *arg;
  tick_free_cb free_arg;
  size_t stack_size;
  tick_promise_t *promise; /* a reference; NULL until started */
  void *wait;              /* the await registration on it, until it calls back */
} member_t;

struct tick_group_s {
  uint16_t gen; /* kept across reuse: the generation its handles carry */
  uint8_t live;
  uint8_t released;
  uint8_t closed;
  uint8_t settled;
  uint8_t has_winner;
  unsigned busy; /* calls running user code or ending members: nobody frees the group */
  group_module_t *mod;
  tick_loop_t *loop;
  tick_group_mode_t mode;
  size_t limit;
  int cancel_code; /* nonzero once cancelled */
  size_t count, ended, running, queued, failures, queue_pos, winner;
  member_t **blocks;
  size_t nblocks, cap_blocks;
  tick_promise_t *promise;
  tick_resolver_t *resolver;
  tick_scope_t *scope;             /* a reference */
  tick_scope_listener_t listener; /* on the scope, until it ran or the group is freed */
  tick_group_t *prev, *next;       /* live list, or the free list (next) */
};

struct group_module_s {
  tick_loop_t *loop;
  pthread_t owner;
  tick_group_t *live;
  tick_group_t *free_records;
};

static void module_pre_destroy(tick_loop_t *loop, void *state);
static void module_destroy(tick_loop_t *loop, void *state);
static const tick__module_hooks_t module_hooks = {NULL, module_destroy, module_pre_destroy};

static void progress(tick_group_t *g);
static void cancel_members(tick_group_t *g, int code);

static int module_enter(tick_loop_t *loop, group_module_t **out) {
  group_module_t *mod;
  int rc;
  if (loop == NULL) return TICK_EINVAL;
  rc = tick__loop_check(loop);
  if (rc != 0) return rc;
  mod = tick__loop_module_state(loop, TICK__MODULE_GROUP);
  if (mod == NULL) {
    mod = tick__calloc(1, sizeof(*mod));
    if (mod == NULL) return TICK_ENOMEM;
    mod->loop = loop;
    mod->owner = pthread_self();
    tick__loop_set_module(loop, TICK__MODULE_GROUP, &module_hooks, mod);
  }
  *out = mod;
  return 0;
}

/* The record behind a handle, checking generation and thread. */
static int group_enter(const tick_group_t *h, tick_group_t **out) {
  tick_group_t *g;
  if (h == NULL) return TICK_EINVAL;
  g = tick__handle_record(h);
  if (!g->live || !tick__handle_gen_is(h, g->gen)) return TICK_ESTALE;
  if (!pthread_equal(g->mod->owner, pthread_self())) return TICK_EWRONGTHREAD;
  *out = g;
  return 0;
}

static member_t *member_at(const tick_group_t *g, size_t index) {
  return &g->blocks[index / MEMBER_BLOCK][index % MEMBER_BLOCK];
}

/* A new member record at the end (its fields zeroed but g and index), or NULL. */
static member_t *member_new(tick_group_t *g) {
  member_t *m, **blocks;
  size_t b = g->count / MEMBER_BLOCK;
  if (b == g->nblocks) {
    if (g->nblocks == g->cap_blocks) {
      size_t cap = g->cap_blocks != 0 ? g->cap_blocks * 2 : 4;
      blocks = tick__reallocarray(g->blocks, cap, sizeof(*blocks));
      if (blocks == NULL) return NULL;
      g->blocks = blocks;
      g->cap_blocks = cap;
    }
    g->blocks[b] = tick__malloc(MEMBER_BLOCK * sizeof(member_t));
    if (g->blocks[b] == NULL) return NULL;
    g->nblocks++;
  }
  m = member_at(g, g->count);
  memset(m, 0, sizeof(*m));
  m->g = g;
  m->index = g->count;
  g->count++;
  return m;
}

/* ------------------------------------------------------------ outcomes ---- */

/* Cancels the group's scope: its listener (on_scope_cancelled) cancels the members, and
 * every operation under the scope stops with them. */
static void cancel_scope(tick_group_t *g, int code) {
  if (tick_scope_cancel(g->scope, code) < 0) cancel_members(g, code);
}

static void set_winner(tick_group_t *g, member_t *m) {
  g->has_winner = 1;
  g->winner = m->index;
  cancel_scope(g, TICK_ECANCELED);
}

/* Member `m` has ended with `code` (0 fulfilled, else rejected): count it, apply the mode,
 * then start queued members and settle the group as that allows. */
static void member_end(member_t *m, int code) {
  tick_group_t *g = m->g;
  if (m->kind == KIND_FN && m->state == M_RUNNING) g->running--;
  if (m->state == M_QUEUED) g->queued--;
  m->state = M_DONE;
  m->code = code;
  g->ended++;
  if (code < 0) g->failures++;
  g->busy++; /* the scope's listener must not settle the group under this call */
  if (!g->has_winner && g->cancel_code == 0) {
    switch (g->mode) {
    case TICK_GROUP_ALL:
      if (code < 0) set_winner(g, m);
      break;
    case TICK_GROUP_RACE:
      set_winner(g, m);
      break;
    case TICK_GROUP_ANY:
      if (code == 0) set_winner(g, m);
      break;
    default:
      break;
    }
  }
  g->busy--;
  progress(g);
}

static void on_member_settled(tick_promise_t *settled, void *arg) {
  member_t *m = arg;
  int code = tick_promise_state(settled) == TICK_PROMISE_REJECTED ? tick_promise_error(settled)
                                                                  : 0;
  m->wait = NULL;
  tick_promise_release(settled); /* the group keeps its own reference in m->promise */
  member_end(m, code);
}

/* The member's promise was freed unsettled: only while the loop is destroyed (the group
 * holds a reference otherwise). Nothing else may be done here (promise.h). */
static void on_member_dropped(void *arg) {
  member_t *m = arg;
  m->wait = NULL;
}

/* Settles the group's promise from what its members did. */
static void settle(tick_group_t *g) {
  tick_resolver_t *r = g->resolver;
  g->settled = 1;
  tick_scope_clear_deadline(g->scope);
  if (g->has_winner) {
    member_t *m = member_at(g, g->winner);
    if (m->promise != NULL && tick_promise_state(m->promise) != TICK_PROMISE_PENDING)
      tick_resolver_forward(r, m->promise);
    else if (m->code < 0)
      tick_resolver_reject(r, m->code, NULL, NULL);
    else
      tick_resolver_resolve(r, NULL, NULL);
  } else if (g->cancel_code != 0) {
    tick_resolver_reject(r, g->cancel_code, NULL, NULL);
  } else if ((g->mode == TICK_GROUP_COLLECT && g->failures > 0) || g->mode == TICK_GROUP_ANY) {
    tick_resolver_reject(r, TICK_EAGGREGATE, NULL, NULL);
  } else {
    tick_resolver_resolve(r, NULL, NULL);
  }
  tick_resolver_release(r);
  g->resolver = NULL;
}

static void record_free(tick_group_t *g) {
  group_module_t *mod = g->mod;
  size_t i;
  for (i = 0; i < g->count; i++) {
    member_t *m = member_at(g, i);
    if (m->wait != NULL) tick__promise_await_detach(m->wait);
    tick_promise_release(m->promise);
  }
  for (i = 0; i < g->nblocks; i++) tick__free(g->blocks[i]);
  tick__free(g->blocks);
  tick_promise_release(g->promise);
  tick_scope_unlisten(&g->listener);
  tick_scope_release(g->scope);
  g->scope = NULL;
  if (g->prev != NULL)
    g->prev->next = g->next;
  else
    mod->live = g->next;
  if (g->next != NULL) g->next->prev = g->prev;
  g->live = 0;
  g->blocks = NULL;
  g->promise = NULL;
  g->next = mod->free_records;
  mod->free_records = g;
}

/* ---------------------------------------------------------------- starting ---- */

/* The body every async function member runs: registers the group's watch on the member's
 * own promise (tick_async_run has set m->promise before running the function), then runs
 * the caller's function. */
static int member_main(tick_async_t *co, void *arg) {
  member_t *m = arg;
  int rc = tick__promise_await(m->promise, on_member_settled, on_member_dropped, m, &m->wait);
  if (rc != 0) {
    if (m->free_arg != NULL) m->free_arg(m->arg);
    member_end(m, rc); /* may free the group: m is not touched after this */
    return rc;
  }
  rc = m->fn(co, m->arg);
  if (m->free_arg != NULL) m->free_arg(m->arg);
  return rc;
}

/* Starts the function member `m` (already counted as running). Returns 0 or the error of
 * tick_async_run (nothing ran). */
static int member_start(tick_group_t *g, member_t *m) {
  tick_async_options_t options;
  int rc;
  memset(&options, 0, sizeof(options));
  options.stack_size = m->stack_size;
  options.scope = g->scope; /* cancelled with the group */
  m->started = 1;
  rc = tick_async_run(g->loop, member_main, m, &options, &m->promise);
  if (rc != 0) m->started = 0;
  return rc;
}

static member_t *queue_next(tick_group_t *g) {
  member_t *m;
  while (g->queue_pos < g->count) {
    m = member_at(g, g->queue_pos);
    if (m->kind == KIND_FN && m->state == M_QUEUED) return m;
    g->queue_pos++;
  }
  return NULL;
}

/* Starts queued members while the limit allows, then settles and frees the group when it
 * is done. Only the outermost call does anything. */
static void progress(tick_group_t *g) {
  member_t *m;
  int rc;
  if (g->busy != 0) return;
  g->busy++;
  while (g->cancel_code == 0 && g->queued > 0 && (g->limit == 0 || g->running < g->limit)) {
    m = queue_next(g);
    /* The state is set before the function runs, so that code it runs sees it counted. */
    m->state = M_RUNNING;
    g->queued--;
    g->running++;
    rc = member_start(g, m);
    if (rc != 0) {
      if (m->free_arg != NULL) m->free_arg(m->arg);
      member_end(m, rc);
    }
  }
  g->busy--;
  if (!g->settled && g->closed && g->ended == g->count) settle(g);
  if (g->settled && g->released) record_free(g);
}

/* -------------------------------------------------------------- cancelling ---- */

/* Asks the adopted promise of `m` to stop. One that was asked, or has settled already,
 * is counted when the group sees it settle (with the code or its real outcome); one that
 * nobody can stop is abandoned: the member ends now with the code. */
static void adopted_cancel(member_t *m, int code) {
  int rc = tick_promise_cancel(m->promise, code);
  if (rc == 0 || rc == TICK_EALREADY) return;
  tick__promise_await_detach(m->wait);
  m->wait = NULL;
  member_end(m, code);
}

/* Cancels every member that has not ended with `code` (the group's scope was cancelled:
 * the async function members see it at their awaits by themselves). */
static void cancel_members(tick_group_t *g, int code) {
  size_t i;
  if (g->cancel_code != 0) return;
  g->cancel_code = code;
  g->busy++;
  for (i = 0; i < g->count; i++) {
    member_t *m = member_at(g, i);
    if (m->state == M_DONE) continue;
    if (m->state == M_QUEUED) {
      if (m->free_arg != NULL) m->free_arg(m->arg);
      member_end(m, code);
    } else if (m->kind == KIND_FN) {
      continue; /* it runs under the scope: it ends when it returns */
    } else if (m->wait != NULL) {
      adopted_cancel(m, code);
    }
  }
  g->busy--;
}

/* The group's scope was cancelled: by tick_group_cancel, a decision of the group, the
 * parent scope or the deadline (TICK_ETIMEDOUT). */
static void on_scope_cancelled(tick_loop_t *loop, tick_scope_t *scope, int code, void *arg) {
  tick_group_t *g = arg;
  (void)loop;
  (void)scope;
  cancel_members(g, code);
  progress(g);
}

/* tick_promise_cancel on the group's own promise cancels the group. */
static void on_abort(tick_loop_t *loop, void *op, int code) {
  (void)loop;
  cancel_scope(op, code);
}

/* ------------------------------------------------------------------ module ---- */

/* Destroying the loop: every group is cancelled (queued members end and their free_arg
 * runs; running functions are being cancelled by the async layer). */
static void module_pre_destroy(tick_loop_t *loop, void *state) {
  group_module_t *mod = state;
  tick_group_t *g, *next;
  (void)loop;
  for (g = mod->live; g != NULL; g = next) {
    next = g->next;
    g->busy++; /* the group is freed by module_destroy, not here */
    cancel_members(g, TICK_ECANCELED);
    g->busy--;
  }
}

/* The promise layer has freed every promise already (slot 0 goes first): only memory. */
static void module_destroy(tick_loop_t *loop, void *state) {
  group_module_t *mod = state;
  tick_group_t *g;
  size_t i;
  (void)loop;
  while ((g = mod->live) != NULL) {
    mod->live = g->next;
    for (i = 0; i < g->nblocks; i++) tick__free(g->blocks[i]);
    tick__free(g->blocks);
    tick__free(g);
  }
  while ((g = mod->free_records) != NULL) {
    mod->free_records = g->next;
    tick__free(g);
  }
  tick__free(mod);
}

/* -------------------------------------------------------------- public API ---- */

int tick_group_create(tick_loop_t *loop, const tick_group_options_t *options,
                      tick_group_t **out) {
  group_module_t *mod;
  tick_group_t *g;
  tick_scope_t *parent = options != NULL ? options->parent : NULL;
  tick_async_t *current;
  uint16_t gen;
  int rc;
  if (out != NULL) *out = NULL;
  if (loop == NULL || out == NULL) return TICK_EINVAL;
  if (options != NULL && (unsigned)options->mode > TICK_GROUP_ANY) return TICK_EINVAL;
  rc = module_enter(loop, &mod);
  if (rc != 0) return rc;
  if (parent != NULL) {
    rc = tick_scope_status(parent);
    if (rc == TICK_EINVAL || rc == TICK_ESTALE || rc == TICK_EWRONGTHREAD) return rc;
    if (tick_scope_loop(parent) != loop) return TICK_EINVAL;
  } else if ((options == NULL || !options->detached) &&
             (current = tick_async_current(loop)) != NULL) {
    /* Made inside an async function: cancelling the function cancels the group. */
    parent = tick_async_scope(current);
    if (parent == NULL) return TICK_ENOMEM;
  }
  g = mod->free_records;
  if (g != NULL) {
    mod->free_records = g->next;
  } else {
    g = tick__calloc(1, sizeof(*g));
    if (g == NULL) return TICK_ENOMEM;
    if (!tick__handle_fits(g, sizeof(*g))) {
      tick__free(g);
      return TICK_ENOMEM;
    }
  }
  gen = g->gen;
  memset(g, 0, sizeof(*g));
  g->gen = tick__handle_gen_next(gen);
  g->mod = mod;
  g->loop = loop;
  if (options != NULL) {
    g->mode = options->mode;
    g->limit = options->limit;
  }
  rc = tick_promise_create_deferred(loop, &g->promise, &g->resolver);
  if (rc == 0) rc = tick__promise_set_abort(g->promise, on_abort, g);
  if (rc == 0) rc = tick_scope_create(loop, parent, &g->scope);
  if (rc == 0 && options != NULL && options->timeout_ms > 0)
    rc = tick_scope_set_timeout(g->scope, options->timeout_ms);
  if (rc == 0) {
    rc = tick_scope_listen(g->scope, &g->listener, on_scope_cancelled, g);
    if (rc == TICK_EALREADY) { /* a cancelled parent: the group starts cancelled */
      g->cancel_code = tick_scope_status(g->scope);
      rc = 0;
    }
  }
  if (rc != 0) {
    tick_scope_release(g->scope);
    tick_resolver_release(g->resolver);
    tick_promise_release(g->promise);
    g->next = mod->free_records;
    mod->free_records = g;
    return rc;
  }
  g->live = 1;
  g->prev = NULL;
  g->next = mod->live;
  if (mod->live != NULL) mod->live->prev = g;
  mod->live = g;
  *out = tick__handle_make(g, g->gen);
  return 0;
}

int tick_group_release(tick_group_t *h) {
  tick_group_t *g;
  int rc;
  if (h == NULL) return 0;
  rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (g->released) return TICK_ESTALE;
  g->released = 1;
  g->closed = 1;
  progress(g);
  return 0;
}

int tick_group_run(tick_group_t *h, tick_async_fn fn, void *arg,
                   const tick_async_options_t *options, size_t *index) {
  tick_free_cb free_arg = options != NULL ? options->free_arg : NULL;
  tick_group_t *g;
  member_t *m;
  size_t stack_size = options != NULL ? options->stack_size : 0;
  int rc = group_enter(h, &g);
  if (rc == 0 && fn == NULL) rc = TICK_EINVAL;
  if (rc == 0 && stack_size != 0 && stack_size < TICK_ASYNC_STACK_MIN) rc = TICK_EINVAL;
  if (rc == 0 && (g->settled || g->released)) rc = TICK_ECLOSING;
  if (rc == 0 && (m = member_new(g)) == NULL) rc = TICK_ENOMEM;
  if (rc != 0) {
    if (free_arg != NULL) free_arg(arg);
    return rc;
  }
  m->kind = KIND_FN;
  m->state = M_QUEUED;
  m->fn = fn;
  m->arg = arg;
  m->free_arg = free_arg;
  m->stack_size = stack_size;
  g->queued++;
  if (index != NULL) *index = m->index;
  if (g->cancel_code != 0) {
    if (free_arg != NULL) free_arg(arg);
    member_end(m, g->cancel_code);
    return 0;
  }
  if (g->busy != 0 || (g->limit != 0 && g->running >= g->limit) || g->queued > 1)
    return 0; /* queued: starts in order (progress) */
  /* Starts now, as tick_async_run does; a failure to start removes the member. */
  m->state = M_RUNNING;
  g->queued--;
  g->running++;
  g->busy++;
  rc = member_start(g, m);
  g->busy--;
  if (rc != 0) {
    g->running--;
    g->count--; /* nothing ran, so nothing was added after it */
    if (free_arg != NULL) free_arg(arg);
    return rc;
  }
  progress(g);
  return 0;
}

int tick_group_adopt(tick_group_t *h, tick_promise_t *p, size_t *index) {
  tick_group_t *g;
  member_t *m;
  int rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (p == NULL) return TICK_EINVAL;
  rc = tick_promise_state(p);
  if (rc < 0) return rc;
  if (tick_promise_loop(p) != g->loop) return TICK_EINVAL;
  if (g->settled || g->released) return TICK_ECLOSING;
  m = member_new(g);
  if (m == NULL) return TICK_ENOMEM;
  rc = tick__promise_await(p, on_member_settled, on_member_dropped, m, &m->wait);
  if (rc != 0) {
    g->count--;
    return rc;
  }
  tick_promise_retain(p);
  m->kind = KIND_PROMISE;
  m->state = M_RUNNING;
  m->started = 1;
  m->promise = p;
  if (index != NULL) *index = m->index;
  if (g->cancel_code != 0) adopted_cancel(m, g->cancel_code);
  return 0;
}

int tick_group_close(tick_group_t *h) {
  tick_group_t *g;
  int rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (g->closed) return 0;
  g->closed = 1;
  progress(g);
  return 0;
}

int tick_group_promise(tick_group_t *h, tick_promise_t **out) {
  tick_group_t *g;
  int rc;
  if (out != NULL) *out = NULL;
  rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (out == NULL) return TICK_EINVAL;
  tick_promise_retain(g->promise);
  *out = g->promise;
  return 0;
}

/* The wait is shielded, so that it returns only once every member has ended, as a
 * nursery's block does, even if `co` is cancelled meanwhile; the group follows `co`'s
 * scope, so such a cancellation reaches the members and the wait does end. */
int tick_group_wait(tick_async_t *co, tick_group_t *h) {
  tick_group_t *g;
  tick_scope_t *own;
  tick_promise_t *p;
  int rc, shielded;
  if (co == NULL) return TICK_EINVAL;
  rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (tick_async_loop(co) != g->loop) return TICK_EINVAL;
  shielded = tick_async_shield(co, 1);
  if (shielded < 0) return shielded;
  own = tick_async_scope(co);
  rc = own != NULL ? tick_scope_link(g->scope, own) : TICK_ENOMEM;
  if (rc == TICK_EINVAL) rc = 0; /* it follows `co` already */
  if (rc == 0) rc = tick_group_promise(h, &p);
  if (rc == 0) {
    tick_group_close(h);
    rc = tick_await(co, p);
    tick_promise_release(p);
  }
  tick_async_shield(co, shielded);
  return rc;
}

int tick_group_cancel(tick_group_t *h, int code) {
  tick_group_t *g;
  int rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (code >= 0) return TICK_EINVAL;
  cancel_scope(g, code);
  return 0;
}

tick_scope_t *tick_group_scope(const tick_group_t *h) {
  tick_group_t *g;
  return group_enter(h, &g) == 0 ? g->scope : NULL;
}

size_t tick_group_count(const tick_group_t *h) {
  tick_group_t *g;
  return group_enter(h, &g) == 0 ? g->count : 0;
}

int tick_group_item(const tick_group_t *h, size_t index, tick_group_item_t *out) {
  tick_group_t *g;
  member_t *m;
  int rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (out == NULL || index >= g->count) return TICK_EINVAL;
  m = member_at(g, index);
  out->state = m->state != M_DONE ? TICK_PROMISE_PENDING
               : m->code < 0      ? TICK_PROMISE_REJECTED
                                  : TICK_PROMISE_FULFILLED;
  out->error = m->state == M_DONE ? m->code : 0;
  out->started = m->started;
  out->promise = m->promise;
  return 0;
}

size_t tick_group_failures(const tick_group_t *h) {
  tick_group_t *g;
  return group_enter(h, &g) == 0 ? g->failures : 0;
}

int tick_group_winner(const tick_group_t *h, size_t *index) {
  tick_group_t *g;
  int rc = group_enter(h, &g);
  if (rc != 0) return rc;
  if (index == NULL) return TICK_EINVAL;
  if (!g->has_winner) return TICK_ENOENT;
  *index = g->winner;
  return 0;
}

size_t tick_group_running(const tick_group_t *h) {
  tick_group_t *g;
  return group_enter(h, &g) == 0 ? g->running : 0;
}

size_t tick_group_queued(const tick_group_t *h) {
  tick_group_t *g;
  return group_enter(h, &g) == 0 ? g->queued : 0;
}
