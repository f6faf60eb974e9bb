/* interp.c - runs a fuzz-node program description (tests/fuzz/gen.js documents the
 * format) on tick and prints what its JavaScript twin prints under node.
 *
 *   interp [-m] [FILE]      reads FILE (or stdin); -m runs on the manual clock
 *
 * Exit status: 0 when the program ran, 2 on a malformed description or a reference to a
 * promise or resolver the program has not made, 1 when a tick call failed.
 *
 * tests/test-fuzz-node.c includes this file (with FUZZ_INTERP_NO_MAIN) to run the saved
 * programs inside the unit-test runner, so the sanitizers and valgrind see it too.
 *
 * Values: the number n is the pointer n + 16, undefined is the pointer 1, and a fulfilled
 * promise whose value is NULL is a combinator's array (tick_promise_item gives its
 * elements). A JavaScript throw of n is a rejection with JS_THROW and the value n.
 *
 * An async function (AF) runs its body in fz_async_fn on a stack of its own: the await
 * steps suspend it there, every other operation runs as in a callback's block.
 */
#include "tick.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_THROW TICK_EIO
#define FZ_ERROR TICK_ECANCELED /* `throw new Error()`, printed as Error */
#define FZ_VAL(n) ((void *)(uintptr_t)((uintptr_t)(n) + 16))
#define FZ_UNDEF ((void *)(uintptr_t)1)
#define FZ_MAX_ID 4096

typedef struct fz_op_s {
  int ntok;
  char **tok;
} fz_op_t;

typedef struct fz_block_s {
  int nops, cap;
  fz_op_t *ops;
} fz_block_t;

typedef struct fz_reg_s {
  tick_promise_t *p;
  int id;
} fz_reg_t;

typedef struct fz_s {
  tick_loop_t *loop;
  FILE *out;
  fz_block_t *blocks;
  int nblocks;
  tick_timer_t timers[FZ_MAX_ID];
  tick_immediate_t imms[FZ_MAX_ID];
  tick_promise_t *P[FZ_MAX_ID];   /* the latest P[k] (a reference is in `reg`) */
  tick_resolver_t *R[FZ_MAX_ID];  /* the latest R[k] (a reference is in `resolvers`) */
  fz_reg_t *reg;                  /* every promise the program named, with its number */
  size_t nreg, capreg;
  tick_resolver_t **resolvers;
  size_t nres, capres;
  void **arena;                   /* callback records, freed at the end */
  size_t narena, caparena;
  char *text;                     /* the description, split in place into tokens */
  int failed;                     /* 1: a tick call failed, 2: bad description */
  int ended;                      /* the program has ended: callbacks only unwind */
} fz_t;

typedef struct fz_cb_s {
  fz_t *fz;
  int id, body, count, calls;
} fz_cb_t;

typedef struct fz_handler_s {
  fz_t *fz;
  int q;
  char *spec_f, *spec_r; /* "body,RET..." copies, or NULL */
} fz_handler_t;

typedef struct fz_thenable_s {
  fz_t *fz;
  int id;
  char kind[4];
  long v;
} fz_thenable_t;

static void fz_run_block(fz_t *fz, int block);

/* ----------------------------------------------------------------- helpers ---- */

static void *fz_grow(void *ptr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return ptr;
  *cap = *cap ? *cap * 2 : 16;
  if (*cap < need) *cap = need;
  ptr = realloc(ptr, *cap * elem);
  if (ptr == NULL) abort();
  return ptr;
}

static void *fz_alloc(fz_t *fz, size_t size) {
  void *p = calloc(1, size);
  if (p == NULL) abort();
  fz->arena = fz_grow(fz->arena, &fz->caparena, fz->narena + 1, sizeof(void *));
  fz->arena[fz->narena++] = p;
  return p;
}

static char *fz_strdup(fz_t *fz, const char *s) {
  char *d = fz_alloc(fz, strlen(s) + 1);
  memcpy(d, s, strlen(s) + 1);
  return d;
}

static void fz_check(fz_t *fz, int r, const char *what) {
  if (r < 0 && !fz->failed) {
    fprintf(stderr, "interp: %s: %s\n", what, tick_strerror(r));
    fz->failed = 1;
  }
}

static void fz_bad(fz_t *fz, const char *what) {
  if (!fz->failed) fprintf(stderr, "interp: %s\n", what);
  fz->failed = 2;
}

static int fz_id(fz_t *fz, const char *s) {
  long v = strtol(s, NULL, 10);
  if (v < 0 || v >= FZ_MAX_ID) {
    fz_bad(fz, "number out of range");
    return 0;
  }
  return (int)v;
}

static void fz_register(fz_t *fz, int k, tick_promise_t *p) {
  fz->reg = fz_grow(fz->reg, &fz->capreg, fz->nreg + 1, sizeof(*fz->reg));
  fz->reg[fz->nreg].p = p;
  fz->reg[fz->nreg].id = k;
  fz->nreg++;
  fz->P[k] = p;
}

static tick_promise_t *fz_promise(fz_t *fz, int k) {
  if (fz->P[k] == NULL) fz_bad(fz, "use of a promise not made yet");
  return fz->P[k];
}

/* ------------------------------------------------------------------ values ---- */

typedef struct fz_str_s {
  char *s;
  size_t len, cap;
} fz_str_t;

static void fz_put(fz_str_t *b, const char *s) {
  size_t n = strlen(s);
  b->s = fz_grow(b->s, &b->cap, b->len + n + 1, 1);
  memcpy(b->s + b->len, s, n + 1);
  b->len += n;
}

static void fz_put_value(fz_str_t *b, const void *v) {
  char num[32];
  if (v == FZ_UNDEF || v == NULL) {
    fz_put(b, "undefined");
    return;
  }
  snprintf(num, sizeof(num), "%ld", (long)((uintptr_t)v - 16));
  fz_put(b, num);
}

/* fmt() of the JavaScript twin, for the outcome of a settled promise. */
static void fz_put_outcome(fz_str_t *b, const tick_promise_t *p) {
  size_t i, n = tick_promise_count(p);
  int state = tick_promise_state(p), code = tick_promise_error(p);
  if (state == TICK_PROMISE_FULFILLED && tick_promise_value(p) == NULL) {
    fz_put(b, "[");
    for (i = 0; i < n; i++) {
      const tick_promise_t *e = tick_promise_item(p, i);
      if (i > 0) fz_put(b, ",");
      fz_put(b, tick_promise_state(e) == TICK_PROMISE_FULFILLED ? "f:" : "r:");
      fz_put_outcome(b, e);
    }
    fz_put(b, "]");
  } else if (state == TICK_PROMISE_REJECTED && code == TICK_EAGGREGATE) {
    fz_put(b, "agg[");
    for (i = 0; i < n; i++) {
      if (i > 0) fz_put(b, ",");
      fz_put_outcome(b, tick_promise_item(p, i));
    }
    fz_put(b, "]");
  } else if (state == TICK_PROMISE_REJECTED && code == TICK_ETYPE) {
    fz_put(b, "TypeError");
  } else if (state == TICK_PROMISE_REJECTED && code != FZ_THROW) {
    fz_put(b, "Error");
  } else {
    fz_put_value(b, tick_promise_value(p));
  }
}

static void fz_say(fz_t *fz, const char *prefix, const tick_promise_t *p) {
  fz_str_t b = {NULL, 0, 0};
  fz_put(&b, prefix);
  if (p != NULL) fz_put_outcome(&b, p);
  fprintf(fz->out, "%s\n", b.s);
  free(b.s);
}

/* The program's name for `p` ("p<k>", the latest k it was stored under), or "?". */
static void fz_name(fz_t *fz, const tick_promise_t *p, char *buf, size_t size) {
  size_t i = fz->nreg;
  while (i-- > 0)
    if (fz->reg[i].p == p) {
      snprintf(buf, size, "p%d", fz->reg[i].id);
      return;
    }
  snprintf(buf, size, "?");
}

/* --------------------------------------------------------------- thenables ---- */

static int fz_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  fz_thenable_t *t = object;
  fz_t *fz = t->fz;
  (void)loop;
  fprintf(fz->out, "h%d\n", t->id);
  if (strcmp(t->kind, "f") == 0) {
    fz_check(fz, tick_resolver_resolve(r, FZ_VAL(t->v), NULL), "thenable resolve");
  } else if (strcmp(t->kind, "r") == 0 || strcmp(t->kind, "x") == 0) {
    /* reject(v), and `throw v` rejects in the same way when nothing resolved yet */
    fz_check(fz, tick_resolver_reject(r, FZ_THROW, FZ_VAL(t->v), NULL), "thenable reject");
  } else if (strcmp(t->kind, "fx") == 0) {
    fz_check(fz, tick_resolver_resolve(r, FZ_VAL(t->v), NULL), "thenable resolve");
    return FZ_THROW; /* the throw after resolving is ignored */
  } else {
    fz_check(fz, tick_resolver_resolve(r, FZ_VAL(t->v), NULL), "thenable resolve");
    fz_check(fz, tick_resolver_resolve(r, FZ_VAL(t->v + 1), NULL), "thenable resolve");
  }
  return 0;
}

/* "h,id,kind,v" (or its tokens from `tok` on) as a thenable record. */
static fz_thenable_t *fz_thenable(fz_t *fz, char **tok, int ntok) {
  fz_thenable_t *t = fz_alloc(fz, sizeof(*t));
  if (ntok < 4 || strlen(tok[2]) >= sizeof(t->kind)) {
    fz_bad(fz, "bad thenable");
    return NULL;
  }
  t->fz = fz;
  t->id = fz_id(fz, tok[1]);
  strcpy(t->kind, tok[2]);
  t->v = strtol(tok[3], NULL, 10);
  return t;
}

/* Splits a comma-separated copy of `spec` into at most `max` tokens. */
static int fz_split(fz_t *fz, const char *spec, char **tok, int max) {
  char *s = fz_strdup(fz, spec);
  int n = 0;
  while (n < max) {
    tok[n++] = s;
    s = strchr(s, ',');
    if (s == NULL) break;
    *s++ = '\0';
  }
  return n;
}

static fz_thenable_t *fz_thenable_spec(fz_t *fz, const char *spec) {
  char *tok[4];
  int n = fz_split(fz, spec, tok, 4);
  return fz_thenable(fz, tok, n);
}

/* ----------------------------------------------------------------- settling ---- */

/* ACT (tokens a[0..]) on resolver r; `in_executor`: x is a throw of the executor. */
static void fz_act(fz_t *fz, tick_resolver_t *r, char **a, int n) {
  if (n < 1 || strcmp(a[0], "-") == 0) return;
  if (n < 2) {
    fz_bad(fz, "bad action");
    return;
  }
  switch (a[0][0]) {
    case 'f':
      fz_check(fz, tick_resolver_resolve(r, FZ_VAL(strtol(a[1], NULL, 10)), NULL), "resolve");
      break;
    case 'r':
    case 'x': /* a throw in an executor rejects, unless it was resolved already */
      fz_check(fz, tick_resolver_reject(r, FZ_THROW, FZ_VAL(strtol(a[1], NULL, 10)), NULL),
               "reject");
      break;
    case 'p': {
      tick_promise_t *q = fz_promise(fz, fz_id(fz, a[1]));
      if (q != NULL) fz_check(fz, tick_resolver_resolve_promise(r, q), "resolve promise");
      break;
    }
    case 'h': {
      fz_thenable_t *t = fz_thenable_spec(fz, a[1]);
      if (t != NULL)
        fz_check(fz, tick_resolver_resolve_thenable(r, t, fz_then, NULL), "resolve thenable");
      break;
    }
    default: fz_bad(fz, "bad action");
  }
}

typedef struct fz_exec_s {
  fz_t *fz;
  int k;
  char **act;
  int nact;
} fz_exec_t;

static int fz_executor(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  fz_exec_t *e = arg;
  fz_t *fz = e->fz;
  (void)loop;
  fz_check(fz, tick_resolver_retain(r), "resolver retain");
  fz->resolvers = fz_grow(fz->resolvers, &fz->capres, fz->nres + 1, sizeof(*fz->resolvers));
  fz->resolvers[fz->nres++] = r;
  fz->R[e->k] = r;
  fz_act(fz, r, e->act, e->nact);
  return 0;
}

/* The end of a handler: RET tokens, given the promise it reacted to. */
static void fz_ret(fz_t *fz, tick_resolver_t *next, tick_promise_t *settled, char **r, int n) {
  if (n < 1) {
    fz_bad(fz, "bad return");
    return;
  }
  switch (r[0][0]) {
    case 'u': fz_check(fz, tick_resolver_resolve(next, FZ_UNDEF, NULL), "return"); break;
    case 'v':
    case 'x':
      if (n < 2) {
        fz_bad(fz, "bad return");
      } else if (r[0][0] == 'v') {
        fz_check(fz, tick_resolver_resolve(next, FZ_VAL(strtol(r[1], NULL, 10)), NULL),
                 "return");
      } else {
        fz_check(fz,
                 tick_resolver_reject(next, FZ_THROW, FZ_VAL(strtol(r[1], NULL, 10)), NULL),
                 "throw");
      }
      break;
    case 's': fz_check(fz, tick_resolver_forward(next, settled), "forward"); break;
    case 'p': {
      tick_promise_t *q = n < 2 ? NULL : fz_promise(fz, fz_id(fz, r[1]));
      if (q != NULL) fz_check(fz, tick_resolver_resolve_promise(next, q), "return promise");
      break;
    }
    case 'h': {
      fz_thenable_t *t = fz_thenable(fz, r, n);
      if (t != NULL)
        fz_check(fz, tick_resolver_resolve_thenable(next, t, fz_then, NULL), "return thenable");
      break;
    }
    default: fz_bad(fz, "bad return");
  }
}

static int fz_body_of(fz_t *fz, const char *tok) {
  int b;
  if (strcmp(tok, "-") == 0) return -1;
  b = fz_id(fz, tok);
  return b < fz->nblocks ? b : -1; /* an empty block has no line */
}

static void fz_handle(fz_handler_t *h, tick_promise_t *settled, tick_resolver_t *next,
                      const char *spec, int rejected) {
  fz_t *fz = h->fz;
  char prefix[64], *tok[8];
  int n;
  if (fz->ended) {
    fz_check(fz, tick_resolver_resolve(next, FZ_UNDEF, NULL), "return");
    return;
  }
  n = fz_split(fz, spec, tok, 8);
  snprintf(prefix, sizeof(prefix), "p%d:%s:", h->q, rejected ? "rejected" : "fulfilled");
  fz_say(fz, prefix, settled);
  fz_run_block(fz, fz_body_of(fz, tok[0]));
  fz_ret(fz, next, settled, tok + 1, n - 1);
}

static int fz_on_fulfilled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                           void *arg) {
  fz_handler_t *h = arg;
  (void)loop;
  fz_handle(h, settled, next, h->spec_f, 0);
  return 0;
}

static int fz_on_rejected(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                          void *arg) {
  fz_handler_t *h = arg;
  (void)loop;
  fz_handle(h, settled, next, h->spec_r, 1);
  return 0;
}

typedef struct fz_finally_s {
  fz_t *fz;
  int q, body;
  char **ret;
  int nret;
} fz_finally_t;

static int fz_on_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  fz_finally_t *f = arg;
  fz_t *fz = f->fz;
  if (fz->ended) return 0;
  fprintf(fz->out, "p%d:finally\n", f->q);
  fz_run_block(fz, f->body);
  switch (f->nret > 0 ? f->ret[0][0] : 'u') {
    case 'x': return FZ_ERROR; /* a throw here carries a code, not a reason */
    case 'p': {
      tick_promise_t *q = f->nret < 2 ? NULL : fz_promise(fz, fz_id(fz, f->ret[1]));
      if (q != NULL && tick_promise_retain(q) == 0) *wait = q;
      break;
    }
    case 'h': {
      fz_thenable_t *t = fz_thenable(fz, f->ret, f->nret);
      if (t != NULL)
        fz_check(fz, tick_promise_resolve_thenable(loop, t, fz_then, NULL, wait), "thenable");
      break;
    }
    default: break;
  }
  return 0;
}

/* ---------------------------------------------------------- async functions ---- */

typedef struct fz_async_s {
  fz_t *fz;
  int q, body;
} fz_async_t;

/* After an await: prints a<q>:<v>, or a<q>:caught:<reason> when `caught`. Returns 0 to go
 * on, or the completion of the function (a rejection thrown on). */
static int fz_awaited(tick_async_t *co, fz_async_t *a, int rc, int caught) {
  char prefix[64];
  tick_promise_t *settled = tick_async_result(co);
  /* Cancelled when the program ended: in node it would never resume. */
  if (settled == NULL || a->fz->ended) return rc < 0 ? rc : TICK_ECANCELED;
  if (rc < 0 && !caught) return tick_async_forward(co, settled);
  snprintf(prefix, sizeof(prefix), rc < 0 ? "a%d:caught:" : "a%d:", a->q);
  fz_say(a->fz, prefix, settled);
  return 0;
}

/* An AR step: the return statement (tokens of ARET). */
static int fz_async_return(tick_async_t *co, fz_t *fz, char **r, int n) {
  tick_promise_t *q;
  int rc;
  switch (r[0][0]) {
    case 'u': return tick_async_return(co, FZ_UNDEF, NULL);
    case 'v':
      if (n < 2) break;
      return tick_async_return(co, FZ_VAL(strtol(r[1], NULL, 10)), NULL);
    case 'p':
    case 'w':
      if (n < 2 || (q = fz_promise(fz, fz_id(fz, r[1]))) == NULL) break;
      if (r[0][0] == 'p') return tick_async_return_promise(co, q);
      rc = tick_await(co, q);
      if (tick_async_result(co) == NULL || fz->ended) return rc < 0 ? rc : TICK_ECANCELED;
      return tick_async_forward(co, tick_async_result(co));
    case 'h': {
      fz_thenable_t *t = fz_thenable(fz, r, n);
      if (t == NULL) return 0;
      return tick_async_return_thenable(co, t, fz_then, NULL);
    }
    default: break;
  }
  fz_bad(fz, "bad return");
  return 0;
}

static void fz_exec(fz_t *fz, const fz_op_t *op);

/* The body of an async function: its steps, and every other operation as in a block. */
static int fz_async_fn(tick_async_t *co, void *arg) {
  fz_async_t *a = arg;
  fz_t *fz = a->fz;
  int i, rc;
  fprintf(fz->out, "a%d\n", a->q);
  for (i = 0; a->body >= 0 && i < fz->blocks[a->body].nops && !fz->failed && !fz->ended; i++) {
    const fz_op_t *op = &fz->blocks[a->body].ops[i];
    const char *k = op->tok[0];
    if (strcmp(k, "AW") == 0 || strcmp(k, "AV") == 0 || strcmp(k, "AH") == 0) {
      int caught;
      if (op->ntok < 3) {
        fz_bad(fz, "too few tokens");
        break;
      }
      caught = strcmp(op->tok[1], "1") == 0;
      if (k[1] == 'W') {
        tick_promise_t *p = fz_promise(fz, fz_id(fz, op->tok[2]));
        if (p == NULL) break;
        rc = tick_await(co, p);
      } else if (k[1] == 'V') {
        rc = tick_await_value(co, FZ_VAL(strtol(op->tok[2], NULL, 10)), NULL);
      } else {
        fz_thenable_t *t = fz_thenable_spec(fz, op->tok[2]);
        if (t == NULL) break;
        rc = tick_await_thenable(co, t, fz_then, NULL);
      }
      if ((rc = fz_awaited(co, a, rc, caught)) != 0) return rc;
    } else if (strcmp(k, "AX") == 0) {
      if (op->ntok < 2) {
        fz_bad(fz, "too few tokens");
        break;
      }
      return tick_async_throw(co, FZ_THROW, FZ_VAL(strtol(op->tok[1], NULL, 10)), NULL);
    } else if (strcmp(k, "AR") == 0) {
      char *tok[4];
      int n;
      if (op->ntok < 2) {
        fz_bad(fz, "too few tokens");
        break;
      }
      n = fz_split(fz, op->tok[1], tok, 4);
      return fz_async_return(co, fz, tok, n);
    } else {
      fz_exec(fz, op);
    }
  }
  return tick_async_return(co, FZ_UNDEF, NULL);
}

/* -------------------------------------------------------------- callbacks ---- */

static void fz_timer_cb(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  fz_cb_t *c = arg;
  fz_t *fz = c->fz;
  if (c->count == 0) {
    fprintf(fz->out, "t%d\n", c->id);
  } else {
    fprintf(fz->out, "v%d:%d\n", c->id, ++c->calls);
    if (c->calls == c->count) fz_check(fz, tick_clear_timer(loop, timer), "clearInterval");
  }
  fz_run_block(fz, c->body);
}

static void fz_immediate_cb(tick_loop_t *loop, void *arg) {
  fz_cb_t *c = arg;
  (void)loop;
  fprintf(c->fz->out, "i%d\n", c->id);
  fz_run_block(c->fz, c->body);
}

static void fz_tick_cb(tick_loop_t *loop, void *arg) {
  fz_cb_t *c = arg;
  (void)loop;
  fprintf(c->fz->out, "n%d\n", c->id);
  fz_run_block(c->fz, c->body);
}

static void fz_micro_cb(tick_loop_t *loop, void *arg) {
  fz_cb_t *c = arg;
  (void)loop;
  fprintf(c->fz->out, "m%d\n", c->id);
  fz_run_block(c->fz, c->body);
}

static void fz_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  fz_t *fz = arg;
  char name[32], prefix[64];
  (void)loop;
  fz_name(fz, p, name, sizeof(name));
  snprintf(prefix, sizeof(prefix), "unhandled:%s:", name);
  fz_say(fz, prefix, p);
}

static void fz_handled_late(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  fz_t *fz = arg;
  char name[32];
  (void)loop;
  fz_name(fz, p, name, sizeof(name));
  fprintf(fz->out, "handled:%s\n", name);
}

/* ------------------------------------------------------------- operations ---- */

static fz_cb_t *fz_cb(fz_t *fz, const fz_op_t *op, int body_tok, int count) {
  fz_cb_t *c = fz_alloc(fz, sizeof(*c));
  c->fz = fz;
  c->id = fz_id(fz, op->tok[1]);
  c->body = fz_body_of(fz, op->tok[body_tok]);
  c->count = count;
  return c;
}

static void fz_combinator(fz_t *fz, const fz_op_t *op) {
  int q = fz_id(fz, op->tok[1]), n = (int)strtol(op->tok[3], NULL, 10), i;
  const char *kind = op->tok[2];
  tick_promise_t **in, *out = NULL;
  int r;
  if (n < 0 || op->ntok < 4 + n) {
    fz_bad(fz, "bad combinator");
    return;
  }
  in = calloc((size_t)n + 1, sizeof(*in));
  if (in == NULL) abort();
  for (i = 0; i < n; i++) {
    const char *s = op->tok[4 + i];
    if (s[0] == 'p') {
      in[i] = fz_promise(fz, fz_id(fz, s + 1));
      if (in[i] != NULL) fz_check(fz, tick_promise_retain(in[i]), "retain");
    } else {
      fz_check(fz, tick_promise_resolve(fz->loop, FZ_VAL(strtol(s + 1, NULL, 10)), NULL, &in[i]),
               "Promise.resolve");
    }
    if (in[i] == NULL) break;
  }
  if (i == n) {
    if (strcmp(kind, "all") == 0)
      r = tick_promise_all(fz->loop, in, (size_t)n, &out);
    else if (strcmp(kind, "allSettled") == 0)
      r = tick_promise_all_settled(fz->loop, in, (size_t)n, &out);
    else if (strcmp(kind, "race") == 0)
      r = tick_promise_race(fz->loop, in, (size_t)n, &out);
    else if (strcmp(kind, "any") == 0)
      r = tick_promise_any(fz->loop, in, (size_t)n, &out);
    else
      r = 0, fz_bad(fz, "bad combinator");
    fz_check(fz, r, kind);
    if (out != NULL) fz_register(fz, q, out);
  }
  while (i-- > 0) tick_promise_release(in[i]);
  free(in);
}

static void fz_exec(fz_t *fz, const fz_op_t *op) {
  const char *k = op->tok[0];
  int need = 2;
  if (strcmp(k, "T") == 0 || strcmp(k, "TH") == 0 || strcmp(k, "CB") == 0) need = 4;
  if (strcmp(k, "V") == 0 || strcmp(k, "FI") == 0) need = 5;
  if (strcmp(k, "I") == 0 || strcmp(k, "N") == 0 || strcmp(k, "M") == 0 ||
      strcmp(k, "PR") == 0 || strcmp(k, "PJ") == 0 || strcmp(k, "PN") == 0 ||
      strcmp(k, "PT") == 0 || strcmp(k, "S") == 0)
    need = 3;
  if (strcmp(k, "CA") == 0 || strcmp(k, "AF") == 0) need = k[0] == 'A' ? 3 : 4;
  if (op->ntok < need) {
    fz_bad(fz, "too few tokens");
    return;
  }
  if (strcmp(k, "T") == 0) {
    fz_cb_t *c = fz_cb(fz, op, 3, 0);
    fz_check(fz, tick_set_timeout(fz->loop, strtol(op->tok[2], NULL, 10), fz_timer_cb, c,
                                  &fz->timers[c->id]), "setTimeout");
  } else if (strcmp(k, "V") == 0) {
    int count = (int)strtol(op->tok[3], NULL, 10);
    fz_cb_t *c = fz_cb(fz, op, 4, count > 0 ? count : 1);
    fz_check(fz, tick_set_interval(fz->loop, strtol(op->tok[2], NULL, 10), fz_timer_cb, c,
                                   &fz->timers[c->id]), "setInterval");
  } else if (strcmp(k, "I") == 0) {
    fz_cb_t *c = fz_cb(fz, op, 2, 0);
    fz_check(fz, tick_set_immediate(fz->loop, fz_immediate_cb, c, &fz->imms[c->id]),
             "setImmediate");
  } else if (strcmp(k, "N") == 0) {
    fz_check(fz, tick_next_tick(fz->loop, fz_tick_cb, fz_cb(fz, op, 2, 0)), "nextTick");
  } else if (strcmp(k, "M") == 0) {
    fz_check(fz, tick_queue_microtask(fz->loop, fz_micro_cb, fz_cb(fz, op, 2, 0)),
             "queueMicrotask");
  } else if (strcmp(k, "CT") == 0) {
    fz_check(fz, tick_clear_timer(fz->loop, fz->timers[fz_id(fz, op->tok[1])]), "clearTimeout");
  } else if (strcmp(k, "CI") == 0) {
    fz_check(fz, tick_clear_immediate(fz->loop, fz->imms[fz_id(fz, op->tok[1])]),
             "clearImmediate");
  } else if (strcmp(k, "PR") == 0 || strcmp(k, "PJ") == 0) {
    tick_promise_t *p = NULL;
    void *v = FZ_VAL(strtol(op->tok[2], NULL, 10));
    if (k[1] == 'R')
      fz_check(fz, tick_promise_resolve(fz->loop, v, NULL, &p), "Promise.resolve");
    else
      fz_check(fz, tick_promise_reject(fz->loop, FZ_THROW, v, NULL, &p), "Promise.reject");
    if (p != NULL) fz_register(fz, fz_id(fz, op->tok[1]), p);
  } else if (strcmp(k, "PN") == 0) {
    fz_exec_t e;
    tick_promise_t *p = NULL;
    e.fz = fz;
    e.k = fz_id(fz, op->tok[1]);
    e.act = op->tok + 2;
    e.nact = op->ntok - 2;
    fz_check(fz, tick_promise_create(fz->loop, fz_executor, &e, &p), "new Promise");
    if (p != NULL) fz_register(fz, e.k, p);
  } else if (strcmp(k, "PT") == 0) {
    tick_promise_t *p = NULL;
    fz_thenable_t *t = fz_thenable_spec(fz, op->tok[2]);
    if (t != NULL)
      fz_check(fz, tick_promise_resolve_thenable(fz->loop, t, fz_then, NULL, &p),
               "Promise.resolve(thenable)");
    if (p != NULL) fz_register(fz, fz_id(fz, op->tok[1]), p);
  } else if (strcmp(k, "S") == 0) {
    tick_resolver_t *r = fz->R[fz_id(fz, op->tok[1])];
    if (r == NULL)
      fz_bad(fz, "use of a resolver not made yet");
    else
      fz_act(fz, r, op->tok + 2, op->ntok - 2);
  } else if (strcmp(k, "TH") == 0 || strcmp(k, "CA") == 0) {
    fz_handler_t *h = fz_alloc(fz, sizeof(*h));
    tick_promise_t *p = fz_promise(fz, fz_id(fz, op->tok[2])), *next = NULL;
    h->fz = fz;
    h->q = fz_id(fz, op->tok[1]);
    if (k[0] == 'T') {
      h->spec_f = strcmp(op->tok[3], "-") == 0 ? NULL : op->tok[3];
      h->spec_r = op->ntok < 5 || strcmp(op->tok[4], "-") == 0 ? NULL : op->tok[4];
    } else {
      h->spec_r = op->tok[3];
    }
    if (p == NULL) return;
    fz_check(fz, tick_promise_then(p, h->spec_f ? fz_on_fulfilled : NULL,
                                   h->spec_r ? fz_on_rejected : NULL, h, NULL, &next),
             k[0] == 'T' ? "then" : "catch");
    if (next != NULL) fz_register(fz, h->q, next);
  } else if (strcmp(k, "FI") == 0) {
    fz_finally_t *f = fz_alloc(fz, sizeof(*f));
    tick_promise_t *p = fz_promise(fz, fz_id(fz, op->tok[2])), *next = NULL;
    f->fz = fz;
    f->q = fz_id(fz, op->tok[1]);
    f->body = fz_body_of(fz, op->tok[3]);
    f->ret = op->tok + 4;
    f->nret = op->ntok - 4;
    if (p == NULL) return;
    fz_check(fz, tick_promise_finally(p, fz_on_finally, f, NULL, &next), "finally");
    if (next != NULL) fz_register(fz, f->q, next);
  } else if (strcmp(k, "CB") == 0) {
    fz_combinator(fz, op);
  } else if (strcmp(k, "AF") == 0) {
    fz_async_t *a = fz_alloc(fz, sizeof(*a));
    tick_promise_t *p = NULL;
    a->fz = fz;
    a->q = fz_id(fz, op->tok[1]);
    a->body = fz_body_of(fz, op->tok[2]);
    fz_check(fz, tick_async_run(fz->loop, fz_async_fn, a, NULL, &p), "async function");
    if (p != NULL) fz_register(fz, a->q, p);
  } else if (k[0] == 'A' && strchr("WVHXR", k[1]) != NULL && k[2] == '\0') {
    fz_bad(fz, "await step outside an async function");
  } else {
    fz_bad(fz, "unknown operation");
  }
}

static void fz_run_block(fz_t *fz, int block) {
  int i;
  if (block < 0 || fz->failed || fz->ended) return;
  for (i = 0; i < fz->blocks[block].nops && !fz->failed; i++)
    fz_exec(fz, &fz->blocks[block].ops[i]);
}

/* ---------------------------------------------------------------- parsing ---- */

static int fz_parse(fz_t *fz, const char *text) {
  char *line, *save = NULL;
  fz->text = strdup(text);
  if (fz->text == NULL) abort();
  for (line = strtok_r(fz->text, "\n", &save); line != NULL;
       line = strtok_r(NULL, "\n", &save)) {
    char *tok, *s2 = NULL;
    int b;
    fz_op_t op = {0, NULL};
    size_t cap = 0;
    if (line[0] == '#' || line[0] == '\0') continue;
    tok = strtok_r(line, " \t\r", &s2);
    if (tok == NULL) continue;
    b = fz_id(fz, tok);
    while ((tok = strtok_r(NULL, " \t\r", &s2)) != NULL) {
      op.tok = fz_grow(op.tok, &cap, (size_t)op.ntok + 1, sizeof(char *));
      op.tok[op.ntok++] = tok;
    }
    if (op.ntok == 0 || fz->failed) {
      free(op.tok);
      fz_bad(fz, "bad line");
      return -1;
    }
    if (b >= fz->nblocks) {
      fz->blocks = realloc(fz->blocks, (size_t)(b + 1) * sizeof(*fz->blocks));
      if (fz->blocks == NULL) abort();
      memset(fz->blocks + fz->nblocks, 0, (size_t)(b + 1 - fz->nblocks) * sizeof(*fz->blocks));
      fz->nblocks = b + 1;
    }
    {
      fz_block_t *bl = &fz->blocks[b];
      size_t c = (size_t)bl->cap;
      bl->ops = fz_grow(bl->ops, &c, (size_t)bl->nops + 1, sizeof(*bl->ops));
      bl->cap = (int)c;
      bl->ops[bl->nops++] = op;
    }
  }
  if (fz->nblocks == 0) {
    fz->blocks = calloc(1, sizeof(*fz->blocks));
    if (fz->blocks == NULL) abort();
    fz->nblocks = 1;
  }
  return 0;
}

/* Runs the program `text` on a new loop, writing its output to `out`. Returns the exit
 * status described at the top of this file. */
int fuzz_interp_run(const char *text, FILE *out, int manual_clock);
int fuzz_interp_run(const char *text, FILE *out, int manual_clock) {
  fz_t *fz = calloc(1, sizeof(*fz));
  FILE *sink = fopen("/dev/null", "w");
  int rc, b, i, guard = 0;
  size_t k;
  if (fz == NULL || sink == NULL) abort();
  fz->out = out;
  if (fz_parse(fz, text) == 0) {
    rc = tick_loop_create(&fz->loop, manual_clock ? TICK_LOOP_MANUAL_CLOCK : 0);
    if (rc < 0) {
      fz_check(fz, rc, "loop create");
    } else {
      fz_check(fz, tick_promise_set_unhandled_hook(fz->loop, fz_unhandled, fz,
                                                   fz_handled_late, fz), "unhandled hook");
      fz_run_block(fz, 0);
      while ((rc = tick_loop_run(fz->loop, TICK_RUN_DEFAULT)) == 1 && manual_clock &&
             guard++ < 100000)
        fz_check(fz, tick_loop_advance(fz->loop, 10), "advance");
      fz_check(fz, rc, "run");
      /* Async functions still suspended are cancelled by destroy (or when what they
       * await is freed); in node they never resume, so what they still do, and the
       * reactions to their promises, run silently. */
      fz->ended = 1;
      fflush(out);
      fz->out = sink;
      for (k = 0; k < fz->nreg; k++) tick_promise_release(fz->reg[k].p);
      for (k = 0; k < fz->nres; k++) tick_resolver_release(fz->resolvers[k]);
      guard = 0;
      while ((rc = tick_loop_destroy(fz->loop)) == TICK_EBUSY && guard++ < 100)
        fz_check(fz, tick_loop_run(fz->loop, TICK_RUN_DEFAULT) < 0 ? -1 : 0, "run");
      fz_check(fz, rc, "loop destroy");
    }
  }
  fflush(out);
  fclose(sink);
  rc = fz->failed;
  for (b = 0; b < fz->nblocks; b++) {
    for (i = 0; i < fz->blocks[b].nops; i++) free(fz->blocks[b].ops[i].tok);
    free(fz->blocks[b].ops);
  }
  for (k = 0; k < fz->narena; k++) free(fz->arena[k]);
  free(fz->arena);
  free(fz->blocks);
  free(fz->reg);
  free(fz->resolvers);
  free(fz->text);
  free(fz);
  return rc;
}

#ifndef FUZZ_INTERP_NO_MAIN
int main(int argc, char **argv) {
  int manual = 0, argi = 1, rc;
  FILE *in = stdin;
  char *text = NULL;
  size_t len = 0, cap = 0, n;
  if (argi < argc && strcmp(argv[argi], "-m") == 0) {
    manual = 1;
    argi++;
  }
  if (argi < argc && (in = fopen(argv[argi], "r")) == NULL) {
    perror(argv[argi]);
    return 2;
  }
  do {
    text = fz_grow(text, &cap, len + 4097, 1);
    n = fread(text + len, 1, 4096, in);
    len += n;
  } while (n > 0);
  text[len] = '\0';
  if (in != stdin) fclose(in);
  rc = fuzz_interp_run(text, stdout, manual);
  free(text);
  return rc;
}
#endif
