/* libfuzzer-loop.c - turns bytes into a sequence of valid API calls on one loop with the
 * manual clock, and checks the loop's promises after every step.
 *
 * Built two ways (docs/testing.md): with clang's libFuzzer (`make fuzz`), and with
 * libfuzzer-replay.c's main, which feeds it the corpus files with any compiler (`make
 * check` and `make sanitize` replay tests/fuzz/corpus/ that way).
 *
 * THE INPUT. Each step takes one opcode byte and a few argument bytes (missing bytes read
 * as 0). The steps cover timers, intervals, immediates and their clear/ref/refresh calls,
 * next-ticks and microtasks, promises (resolve, reject, deferred, executor, thenable),
 * resolvers, then/catch/finally, the four combinators, retains and releases, fd watchers
 * on socketpairs with writes and half-closes on the peer end, the manual clock, running
 * the loop (NOWAIT, ONCE, DEFAULT), stop and drain. Each callback also carries an action
 * byte taken from the input when it was registered: it may queue a child callback, clear
 * a timer or immediate, stop the loop, settle its derived promise in one of several ways.
 * Only valid calls are made: the harness knows which handles are live and never passes a
 * stale or foreign one, so a crash is a defect of the library.
 *
 * THE INVARIANTS, checked as the calls are made and when their callbacks run:
 * - every accepted one-shot callback (timeout, immediate, next-tick, microtask, reaction
 *   handler, finally, thenable job, close) runs at most once, never after it was
 *   cleared, never before its deadline (timers), and never before the call that accepted
 *   it returned; intervals run at most once per period;
 * - ticks, microtasks and immediates run in the order they were queued;
 * - after a run or advance, every tick and microtask queued before it has run; after an
 *   advance that no stop cut short, no live timer is overdue; after a NOWAIT or ONCE run,
 *   every immediate queued before it has run;
 * - a reaction handler sees the outcome it was registered for, and any value it reads is
 *   alive; resolvers report their first resolution as 1, later ones as 0; a settled
 *   combinator's items match its inputs;
 * - at the end everything is cleared or closed, the loop is run dry and destroyed, and
 *   destroy returns 0; then each callback ran exactly once or was cancelled (cleared
 *   before it ran; for reactions: free_arg called without the handler having run), each
 *   free_arg and value destructor ran exactly once, each close callback exactly once.
 * A broken invariant prints the step and aborts (libFuzzer records the input).
 *
 * Bookkeeping is static: fixed arrays of records and slots, reset per input, so the
 * harness itself allocates nothing.
 */
#include "tick.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------- records ---- */

enum {
  K_TIMEOUT = 1,
  K_INTERVAL,
  K_IMMEDIATE,
  K_TICK,
  K_MICRO,
  K_REACTION, /* then/catch: both handlers share the record */
  K_FINALLY,
  K_THENABLE,
  K_VALUE, /* a promise value or reason: freed exactly once */
  K_RESOLVER,
  K_POLL,  /* the callback of one tick_poll_start */
  K_CLOSE  /* a watcher's close callback */
};

typedef struct rec_s {
  uint8_t kind;
  uint8_t action;
  uint8_t ran;       /* times the callback ran (intervals: any number) */
  uint8_t freed;     /* free_arg / destructor / close callback calls */
  uint8_t cancelled; /* cleared before it ran */
  uint8_t extra;     /* reactions: which handlers were given; resolvers: used */
  uint32_t seq;
  int64_t due;    /* timers: earliest allowed time of the next call */
  int64_t period; /* timers: the delay (clamped) */
  int slot;       /* timers/immediates/watchers: the slot that holds it */
} rec_t;

#define MAX_RECS 4096
#define N_TIMERS 16
#define N_IMMS 16
#define N_PROMS 32
#define N_RESS 16
#define N_WATCH 4
#define CHILD_BUDGET 512

typedef struct {
  tick_timer_t id;
  rec_t *rec;
} timer_slot_t;

typedef struct {
  tick_immediate_t id;
  rec_t *rec;
  int unref;
} imm_slot_t;

enum { C_NONE = 0, C_ALL, C_ALL_SETTLED, C_RACE, C_ANY };

typedef struct {
  tick_promise_t *p; /* one reference held by the harness */
  int comb;
  size_t k;
} prom_slot_t;

typedef struct {
  tick_resolver_t *r; /* one reference held by the harness */
  rec_t *rec;         /* shared by slots holding the same resolver */
} res_slot_t;

typedef struct {
  int used;
  tick_poll_t id;
  int fds[2];      /* fds[0] is watched, fds[1] is the peer the harness writes into */
  unsigned events; /* 0: stopped */
  int refd;
  int closing;
  rec_t *cb;    /* the record of the current start */
  rec_t *close; /* the close callback's record */
} watch_slot_t;

static struct {
  tick_loop_t *loop;
  const uint8_t *data;
  size_t size, pos;
  size_t step;
  rec_t recs[MAX_RECS];
  int nrecs;
  uint32_t seq;
  timer_slot_t timers[N_TIMERS];
  imm_slot_t imms[N_IMMS];
  prom_slot_t proms[N_PROMS];
  res_slot_t ress[N_RESS];
  watch_slot_t watch[N_WATCH];
  int budget;          /* child callbacks that callbacks may still create */
  int in_call;         /* inside an API call that must not call back */
  int stop_seen;       /* a stop was requested since the last run/advance began */
  int tearing_down;    /* callbacks create nothing new */
  uint32_t last_tick, last_micro, last_imm;
  unsigned ticks_queued, ticks_ran, micros_queued, micros_ran;
  unsigned long unhandled;
} S;

#define CHECK(cond)                                                                       \
  do {                                                                                    \
    if (!(cond)) fail(__LINE__, #cond);                                                   \
  } while (0)

static void fail(int line, const char *what) {
  fprintf(stderr, "libfuzzer-loop: invariant broken at line %d, step %zu, input byte %zu: %s\n",
          line, S.step, S.pos, what);
  abort();
}

static unsigned get8(void) { return S.pos < S.size ? S.data[S.pos++] : 0; }

/* The last N_WATCH records are kept for close callbacks, so that teardown can always
 * close every watcher. */
static rec_t *rec_new(int kind, unsigned action) {
  rec_t *r;
  if (S.nrecs >= MAX_RECS - (kind == K_CLOSE ? 0 : N_WATCH)) return NULL;
  r = &S.recs[S.nrecs++];
  memset(r, 0, sizeof *r);
  r->kind = (uint8_t)kind;
  r->action = (uint8_t)action;
  r->seq = ++S.seq;
  r->slot = -1;
  return r;
}

static int is_rec(const void *p, int kind) {
  const rec_t *r = p;
  if (r < S.recs || r >= S.recs + S.nrecs) return 0;
  return ((const char *)p - (const char *)S.recs) % sizeof(rec_t) == 0 && r->kind == kind;
}

static int64_t now(void) { return (int64_t)tick_loop_now(S.loop); }

/* The loop's clamping of delays: below 1 is 1, above TICK_TIMEOUT_MAX is the maximum. */
static int64_t clamp_delay(int64_t d) {
  if (d < 1) return 1;
  if (d > TICK_TIMEOUT_MAX) return TICK_TIMEOUT_MAX;
  return d;
}

/* ------------------------------------------------------------- value records ---- */

static void value_free(void *ptr) {
  rec_t *v = ptr;
  CHECK(is_rec(v, K_VALUE));
  CHECK(v->freed == 0);
  v->freed = 1;
}

static rec_t *value_new(void) { return rec_new(K_VALUE, 0); }

/* A value or reason a callback reads must be one of ours and still alive. */
static void check_value(const void *p) {
  if (p == NULL) return;
  CHECK(is_rec(p, K_VALUE));
  CHECK(((const rec_t *)p)->freed == 0);
}

/* ------------------------------------------------------------ child actions ---- */

static void timer_cb(tick_loop_t *loop, tick_timer_t timer, void *arg);
static void imm_cb(tick_loop_t *loop, void *arg);
static void tick_cb(tick_loop_t *loop, void *arg);
static void micro_cb(tick_loop_t *loop, void *arg);

static int find_free_timer(void) {
  int i;
  for (i = 0; i < N_TIMERS; i++)
    if (S.timers[i].rec == NULL) return i;
  return -1;
}

static int find_free_imm(void) {
  int i;
  for (i = 0; i < N_IMMS; i++)
    if (S.imms[i].rec == NULL) return i;
  return -1;
}

static void add_tick(unsigned action) {
  rec_t *r = rec_new(K_TICK, action);
  if (r == NULL) return;
  CHECK(tick_next_tick(S.loop, tick_cb, r) == 0);
  S.ticks_queued++;
}

static void add_micro(unsigned action) {
  rec_t *r = rec_new(K_MICRO, action);
  if (r == NULL) return;
  CHECK(tick_queue_microtask(S.loop, micro_cb, r) == 0);
  S.micros_queued++;
}

static void add_immediate(unsigned action) {
  int s = find_free_imm();
  rec_t *r;
  int rc;
  if (s < 0 || (r = rec_new(K_IMMEDIATE, action)) == NULL) return;
  S.in_call = 1;
  rc = tick_set_immediate(S.loop, imm_cb, r, &S.imms[s].id);
  S.in_call = 0;
  CHECK(rc == 0);
  r->slot = s;
  S.imms[s].rec = r;
  S.imms[s].unref = 0;
}

static void add_timer(int kind, int64_t delay, unsigned action) {
  int s = find_free_timer();
  rec_t *r;
  int rc;
  if (s < 0 || (r = rec_new(kind, action)) == NULL) return;
  r->period = clamp_delay(delay);
  r->due = now() + r->period;
  S.in_call = 1;
  if (kind == K_TIMEOUT)
    rc = tick_set_timeout(S.loop, delay, timer_cb, r, &S.timers[s].id);
  else
    rc = tick_set_interval(S.loop, delay, timer_cb, r, &S.timers[s].id);
  S.in_call = 0;
  CHECK(rc == 0);
  r->slot = s;
  S.timers[s].rec = r;
}

static void clear_timer_slot(int s) {
  rec_t *r = S.timers[s].rec;
  if (r == NULL) return;
  CHECK(tick_clear_timer(S.loop, S.timers[s].id) == 0);
  if (r->ran == 0) r->cancelled = 1;
  S.timers[s].rec = NULL;
  r->slot = -1;
}

static void clear_imm_slot(int s) {
  rec_t *r = S.imms[s].rec;
  if (r == NULL) return;
  CHECK(tick_clear_immediate(S.loop, S.imms[s].id) == 0);
  CHECK(r->ran == 0);
  r->cancelled = 1;
  S.imms[s].rec = NULL;
  r->slot = -1;
}

/* From inside a callback, running, advancing or draining the loop is refused. */
static void check_no_nesting(void) {
  CHECK(tick_loop_run(S.loop, TICK_RUN_NOWAIT) == TICK_EBUSY);
  CHECK(tick_loop_advance(S.loop, 1) == TICK_EBUSY);
  CHECK(tick_loop_drain(S.loop) == TICK_EBUSY);
}

/* What a timer, immediate, tick or microtask does when it runs: action & 7 picks the
 * deed, action >> 3 its argument (bit 6 also checks that nesting is refused). Children
 * are bounded by S.budget. */
static void child_action(unsigned action) {
  unsigned arg = action >> 3;
  if (action & 0x40) check_no_nesting();
  if (S.tearing_down) return;
  switch (action & 7) {
  case 0: break;
  case 1: if (S.budget-- > 0) add_tick(arg * 7); break;
  case 2: if (S.budget-- > 0) add_micro(arg * 5); break;
  case 3: if (S.budget-- > 0) add_immediate(arg * 3); break;
  case 4: if (S.budget-- > 0) add_timer(K_TIMEOUT, (int64_t)arg - 2, 0); break;
  case 5: clear_timer_slot((int)(arg % N_TIMERS)); break;
  case 6: CHECK(tick_loop_stop(S.loop) == 0); S.stop_seen = 1; break;
  case 7: clear_imm_slot((int)(arg % N_IMMS)); break;
  }
}

/* ------------------------------------------------------ macrotask callbacks ---- */

static void timer_cb(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  rec_t *r = arg;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_TIMEOUT) || is_rec(r, K_INTERVAL));
  CHECK(!r->cancelled);
  CHECK(r->slot >= 0 && S.timers[r->slot].rec == r && S.timers[r->slot].id.id == timer.id);
  CHECK(now() >= r->due);
  if (r->kind == K_TIMEOUT) {
    CHECK(r->ran == 0);
    r->ran = 1;
    S.timers[r->slot].rec = NULL; /* fired: the id is stale now */
    r->slot = -1;
  } else {
    if (r->ran < 255) r->ran++;
    r->due = now() + r->period;
    /* An interval whose action says so clears itself on its third call. */
    if ((r->action & 0x80) && r->ran == 3) {
      clear_timer_slot(r->slot);
      return;
    }
  }
  child_action(r->action & 0x7f);
}

static void imm_cb(tick_loop_t *loop, void *arg) {
  rec_t *r = arg;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_IMMEDIATE));
  CHECK(r->ran == 0 && !r->cancelled);
  CHECK(r->seq > S.last_imm);
  S.last_imm = r->seq;
  r->ran = 1;
  S.imms[r->slot].rec = NULL;
  r->slot = -1;
  child_action(r->action);
}

static void tick_cb(tick_loop_t *loop, void *arg) {
  rec_t *r = arg;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_TICK));
  CHECK(r->ran == 0);
  CHECK(r->seq > S.last_tick);
  S.last_tick = r->seq;
  r->ran = 1;
  S.ticks_ran++;
  child_action(r->action);
}

static void micro_cb(tick_loop_t *loop, void *arg) {
  rec_t *r = arg;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_MICRO));
  CHECK(r->ran == 0);
  CHECK(r->seq > S.last_micro);
  S.last_micro = r->seq;
  r->ran = 1;
  S.micros_ran++;
  child_action(r->action);
}

/* ------------------------------------------------------------------ promises ---- */

static int find_free_prom(void) {
  int i;
  for (i = 0; i < N_PROMS; i++)
    if (S.proms[i].p == NULL) return i;
  return -1;
}

static int find_free_res(void) {
  int i;
  for (i = 0; i < N_RESS; i++)
    if (S.ress[i].r == NULL) return i;
  return -1;
}

static void put_prom(tick_promise_t *p, int comb, size_t k) {
  int s = find_free_prom();
  if (s < 0) {
    CHECK(tick_promise_release(p) == 0);
    return;
  }
  S.proms[s].p = p;
  S.proms[s].comb = comb;
  S.proms[s].k = k;
}

/* Keeps a borrowed resolver (retained) in a free slot, sharing its record. */
static void keep_resolver(tick_resolver_t *r, rec_t *rr) {
  int s = find_free_res();
  if (s < 0) return;
  CHECK(tick_resolver_retain(r) == 0);
  S.ress[s].r = r;
  S.ress[s].rec = rr;
}

static tick_promise_t *prom_at(unsigned b) { return S.proms[b % N_PROMS].p; }

/* Settles through a resolver according to `how`; `rr` tracks whether it was used. */
static void settle(tick_resolver_t *r, rec_t *rr, unsigned how);

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *resolver) {
  rec_t *t = object;
  rec_t *rr;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(t, K_THENABLE));
  CHECK(t->ran == 0 && t->freed == 0);
  t->ran = 1;
  rr = rec_new(K_RESOLVER, 0);
  if (rr == NULL) return 0; /* resolves nothing: stays pending */
  switch (t->action & 3) {
  case 0: settle(resolver, rr, t->action >> 2); break;
  case 1: if (!S.tearing_down) keep_resolver(resolver, rr); break;
  case 2: settle(resolver, rr, t->action >> 2); return TICK_EIO; /* ignored: resolved */
  case 3: rr->extra = 1; return TICK_EIO;
  }
  return 0;
}

static void thenable_free(void *ptr) {
  rec_t *t = ptr;
  CHECK(is_rec(t, K_THENABLE));
  CHECK(t->freed == 0);
  t->freed = 1;
}

static void settle(tick_resolver_t *r, rec_t *rr, unsigned how) {
  int want = rr->extra ? 0 : 1, rc = 0;
  rec_t *v;
  tick_promise_t *q;
  switch (how % 7) {
  case 0:
  case 1:
    if ((v = value_new()) == NULL) return;
    rc = tick_resolver_resolve(r, v, value_free);
    break;
  case 2:
    if ((v = value_new()) == NULL) return;
    rc = tick_resolver_reject(r, TICK_EIO, v, value_free);
    break;
  case 3:
    rc = tick_resolver_reject_message(r, TICK_EPIPE, "fuzz");
    break;
  case 4:
    if ((q = prom_at(how / 7)) == NULL) return;
    rc = tick_resolver_resolve_promise(r, q);
    break;
  case 5: {
    rec_t *t = rec_new(K_THENABLE, how / 7);
    if (t == NULL) return;
    rc = tick_resolver_resolve_thenable(r, t, thenable_then, thenable_free);
    break;
  }
  case 6:
    if ((q = prom_at(how / 7)) == NULL || tick_promise_state(q) == TICK_PROMISE_PENDING)
      return;
    rc = tick_resolver_forward(r, q);
    break;
  }
  CHECK(rc == want);
  rr->extra = 1;
}

static int executor(tick_loop_t *loop, tick_resolver_t *resolver, void *arg) {
  rec_t *rr = arg;
  CHECK(loop == S.loop);
  CHECK(is_rec(rr, K_RESOLVER));
  CHECK(rr->ran == 0);
  rr->ran = 1;
  switch (rr->action & 3) {
  case 0: settle(resolver, rr, rr->action >> 2); break;
  case 1: keep_resolver(resolver, rr); break;
  case 2: rr->extra = 1; return TICK_EIO; /* a throw rejects */
  case 3: keep_resolver(resolver, rr); settle(resolver, rr, rr->action >> 2); break;
  }
  return 0;
}

/* A then/catch handler: `fulfilled` says which of the two it is. */
static int handle(tick_promise_t *settled, tick_resolver_t *next, void *arg, int fulfilled) {
  rec_t *r = arg;
  rec_t *rr;
  unsigned a;
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_REACTION));
  CHECK(r->ran == 0 && r->freed == 0);
  CHECK(r->extra & (fulfilled ? 1 : 2));
  r->ran = 1;
  CHECK(tick_promise_loop(settled) == S.loop);
  CHECK(tick_promise_state(settled) ==
        (fulfilled ? TICK_PROMISE_FULFILLED : TICK_PROMISE_REJECTED));
  if (!fulfilled) CHECK(tick_promise_error(settled) < 0);
  check_value(tick_promise_value(settled));
  a = r->action;
  if (S.tearing_down) return 0;
  switch (a & 7) {
  case 0: return 0;
  case 1: return TICK_EIO;
  case 2: CHECK(tick_resolver_forward(next, settled) == 1); return 0;
  case 3:
  case 4:
  case 5:
    if ((rr = rec_new(K_RESOLVER, 0)) == NULL) return 0;
    settle(next, rr, a >> 3);
    return 0;
  case 6: if (S.budget-- > 0) add_tick(a >> 3); return 0;
  default: if (S.budget-- > 0) add_micro(a >> 3); return 0;
  }
}

static int on_fulfilled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                        void *arg) {
  CHECK(loop == S.loop);
  return handle(settled, next, arg, 1);
}

static int on_rejected(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  CHECK(loop == S.loop);
  return handle(settled, next, arg, 0);
}

static void reaction_free(void *arg) {
  rec_t *r = arg;
  CHECK(is_rec(r, K_REACTION) || is_rec(r, K_FINALLY));
  CHECK(r->freed == 0);
  r->freed = 1;
}

static int on_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  rec_t *r = arg;
  tick_promise_t *q;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_FINALLY));
  CHECK(r->ran == 0 && r->freed == 0);
  r->ran = 1;
  if (S.tearing_down) return 0;
  switch (r->action & 3) {
  case 0: return 0;
  case 1: return TICK_EIO;
  case 2:
    if ((q = prom_at(r->action >> 2)) != NULL) {
      CHECK(tick_promise_retain(q) == 0);
      *wait = q;
    }
    return 0;
  default: {
    rec_t *v = value_new();
    if (v == NULL) return 0;
    CHECK(tick_promise_reject(S.loop, TICK_EIO, v, value_free, &q) == 0);
    *wait = q;
    return 0;
  }
  }
}

static void unhandled_cb(tick_loop_t *loop, tick_promise_t *promise, void *arg) {
  (void)arg;
  CHECK(loop == S.loop);
  CHECK(tick_promise_state(promise) == TICK_PROMISE_REJECTED);
  S.unhandled++;
}

/* A settled combinator's items must match its inputs. */
static void check_combinator(const prom_slot_t *ps) {
  int st = tick_promise_state(ps->p);
  size_t i, n;
  CHECK(st >= 0);
  if (st == TICK_PROMISE_PENDING) return;
  n = tick_promise_count(ps->p);
  switch (ps->comb) {
  case C_ALL:
    if (st == TICK_PROMISE_FULFILLED) {
      CHECK(n == ps->k);
      for (i = 0; i < n; i++)
        CHECK(tick_promise_state(tick_promise_item(ps->p, i)) == TICK_PROMISE_FULFILLED);
    } else {
      CHECK(ps->k > 0);
    }
    break;
  case C_ALL_SETTLED:
    CHECK(st == TICK_PROMISE_FULFILLED);
    CHECK(n == ps->k);
    for (i = 0; i < n; i++)
      CHECK(tick_promise_state(tick_promise_item(ps->p, i)) != TICK_PROMISE_PENDING);
    break;
  case C_RACE:
    CHECK(ps->k > 0);
    break;
  case C_ANY:
    if (st == TICK_PROMISE_REJECTED) {
      CHECK(tick_promise_error(ps->p) == TICK_EAGGREGATE);
      CHECK(n == ps->k);
      for (i = 0; i < n; i++)
        CHECK(tick_promise_state(tick_promise_item(ps->p, i)) == TICK_PROMISE_REJECTED);
    } else {
      CHECK(ps->k > 0);
    }
    break;
  }
  CHECK(tick_promise_item(ps->p, n) == NULL);
}

/* ------------------------------------------------------------------ watchers ---- */

static void close_cb(tick_loop_t *loop, void *arg) {
  rec_t *c = arg;
  watch_slot_t *w;
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(c, K_CLOSE));
  CHECK(c->freed == 0);
  c->freed = 1;
  w = &S.watch[c->slot];
  CHECK(w->used && w->closing && w->close == c);
  close(w->fds[0]);
  close(w->fds[1]);
  memset(w, 0, sizeof *w);
}

static void poll_cb(tick_loop_t *loop, tick_poll_t watcher, int status, unsigned events,
                    void *arg) {
  rec_t *r = arg;
  watch_slot_t *w;
  char buf[512];
  CHECK(loop == S.loop);
  CHECK(!S.in_call);
  CHECK(is_rec(r, K_POLL));
  w = &S.watch[r->slot];
  CHECK(w->used && !w->closing && w->cb == r && w->events != 0);
  CHECK(w->id.id == watcher.id);
  if (r->ran < 255) r->ran++;
  if (status < 0) return;
  CHECK(events != 0);
  CHECK((events & ~(w->events | TICK_DISCONNECT)) == 0);
  if ((events & TICK_READABLE) && !(r->action & 1)) {
    while (read(w->fds[0], buf, sizeof buf) > 0) {
    }
  }
  if ((events & TICK_WRITABLE) && (r->action & 2)) {
    /* Stop asking for writability (it is always there): read only, or stop. */
    if (w->events & TICK_READABLE) {
      CHECK(tick_poll_start(S.loop, w->id, TICK_READABLE, poll_cb, r) == 0);
      w->events = TICK_READABLE;
    } else {
      CHECK(tick_poll_stop(S.loop, w->id) == 0);
      w->events = 0;
    }
  }
  if (r->action & 4) {
    CHECK(tick_poll_stop(S.loop, w->id) == 0);
    w->events = 0;
  }
  if (r->action & 8) child_action(r->action >> 4);
}

static void watch_close(int s) {
  watch_slot_t *w = &S.watch[s];
  rec_t *c;
  if (!w->used || w->closing) return;
  c = rec_new(K_CLOSE, 0);
  if (c == NULL) return;
  c->slot = s;
  S.in_call = 1;
  CHECK(tick_poll_close(S.loop, w->id, close_cb, c) == 0);
  S.in_call = 0;
  w->closing = 1;
  w->close = c;
  w->events = 0;
}

/* Whether a ONCE run cannot block forever: nothing ref'd is being watched, or some
 * watched fd is ready now (nothing but the watcher callbacks reads the fds). */
static int once_is_safe(void) {
  struct pollfd p[N_WATCH];
  int i, n = 0, refd = 0;
  for (i = 0; i < N_WATCH; i++) {
    watch_slot_t *w = &S.watch[i];
    if (!w->used || w->closing || w->events == 0) continue;
    if (w->refd) refd = 1;
    p[n].fd = w->fds[0];
    p[n].events = (short)(((w->events & TICK_READABLE) ? POLLIN : 0) |
                          ((w->events & TICK_WRITABLE) ? POLLOUT : 0));
    p[n].revents = 0;
    n++;
  }
  if (!refd) return 1;
  return poll(p, (nfds_t)n, 0) > 0;
}

static int default_is_safe(void) {
  int i;
  for (i = 0; i < N_WATCH; i++) {
    watch_slot_t *w = &S.watch[i];
    if (w->used && !w->closing && w->events != 0 && w->refd) return 0;
  }
  return 1;
}

/* --------------------------------------------------------- post-run checks ---- */

static void check_drained(void) {
  CHECK(S.ticks_ran == S.ticks_queued);
  CHECK(S.micros_ran == S.micros_queued);
}

static void check_no_overdue_timer(void) {
  int i;
  for (i = 0; i < N_TIMERS; i++)
    if (S.timers[i].rec != NULL) CHECK(S.timers[i].rec->due > now());
}

/* ------------------------------------------------------------------- steps ---- */

static void step(void) {
  unsigned op = get8(), a = get8(), b = get8();
  int s, rc;
  tick_promise_t *p, *q;
  tick_resolver_t *r;
  rec_t *rec;
  switch (op % 41) {
  case 0: add_timer(K_TIMEOUT, (int64_t)a - 2 + (b & 0x80 ? 1000 : 0), b & 0x7f); break;
  case 1: add_timer(K_INTERVAL, 1 + (int64_t)(a % 64), b); break;
  case 2: clear_timer_slot((int)(a % N_TIMERS)); break;
  case 3:
    s = (int)(a % N_TIMERS);
    if ((rec = S.timers[s].rec) == NULL) break;
    CHECK(tick_timer_refresh(S.loop, S.timers[s].id) == 0);
    rec->due = now() + rec->period;
    break;
  case 4:
    s = (int)(a % N_TIMERS);
    if (S.timers[s].rec == NULL) break;
    if (b & 1) CHECK(tick_timer_unref(S.loop, S.timers[s].id) == 0);
    else CHECK(tick_timer_ref(S.loop, S.timers[s].id) == 0);
    CHECK(tick_timer_has_ref(S.loop, S.timers[s].id) == !(b & 1));
    break;
  case 5: add_immediate(a); break;
  case 6: clear_imm_slot((int)(a % N_IMMS)); break;
  case 7:
    s = (int)(a % N_IMMS);
    if (S.imms[s].rec == NULL) break;
    if (b & 1) CHECK(tick_immediate_unref(S.loop, S.imms[s].id) == 0);
    else CHECK(tick_immediate_ref(S.loop, S.imms[s].id) == 0);
    S.imms[s].unref = b & 1;
    break;
  case 8: add_tick(a); break;
  case 9: add_micro(a); break;
  case 10:
    if ((rec = value_new()) == NULL) break;
    CHECK(tick_promise_resolve(S.loop, rec, value_free, &p) == 0);
    put_prom(p, C_NONE, 0);
    break;
  case 11:
    if ((rec = value_new()) == NULL) break;
    if (a & 1)
      rc = tick_promise_reject(S.loop, TICK_EIO, rec, value_free, &p);
    else
      rc = tick_promise_reject(S.loop, TICK_EIO, NULL, NULL, &p);
    CHECK(rc == 0);
    if (!(a & 1)) value_free(rec);
    put_prom(p, C_NONE, 0);
    break;
  case 12:
    if ((rec = rec_new(K_RESOLVER, 0)) == NULL) break;
    CHECK(tick_promise_create_deferred(S.loop, &p, &r) == 0);
    put_prom(p, C_NONE, 0);
    if ((s = find_free_res()) < 0) {
      CHECK(tick_resolver_release(r) == 0);
    } else {
      S.ress[s].r = r;
      S.ress[s].rec = rec;
    }
    break;
  case 13:
    if ((rec = rec_new(K_RESOLVER, a)) == NULL) break;
    CHECK(tick_promise_create(S.loop, executor, rec, &p) == 0);
    CHECK(rec->ran == 1);
    put_prom(p, C_NONE, 0);
    break;
  case 14:
    if ((rec = rec_new(K_THENABLE, a)) == NULL) break;
    S.in_call = 1;
    rc = tick_promise_resolve_thenable(S.loop, rec, thenable_then, thenable_free, &p);
    S.in_call = 0;
    CHECK(rc == 0);
    put_prom(p, C_NONE, 0);
    break;
  case 15:
  case 16:
  case 17: {
    unsigned c = get8();
    if ((p = prom_at(a)) == NULL) break;
    rec = rec_new((op % 41) == 17 ? K_FINALLY : K_REACTION, c);
    if (rec == NULL) break;
    S.in_call = 1;
    if ((op % 41) == 17) {
      rc = tick_promise_finally(p, on_finally, rec, reaction_free, (b & 1) ? &q : NULL);
    } else if ((op % 41) == 16) {
      rec->extra = 2;
      rc = tick_promise_catch(p, on_rejected, rec, reaction_free, (b & 1) ? &q : NULL);
    } else {
      rec->extra = (uint8_t)(1 + (b >> 1) % 3); /* 1: fulfilled only, 2: rejected, 3: both */
      rc = tick_promise_then(p, (rec->extra & 1) ? on_fulfilled : NULL,
                             (rec->extra & 2) ? on_rejected : NULL, rec, reaction_free,
                             (b & 1) ? &q : NULL);
    }
    S.in_call = 0;
    CHECK(rc == 0);
    CHECK(rec->ran == 0);
    if (b & 1) put_prom(q, C_NONE, 0);
    break;
  }
  case 18: {
    tick_promise_t *in[4];
    size_t k = b % 5, i, n = 0;
    int comb = 1 + (int)(a % 4);
    for (i = 0; i < k; i++) {
      unsigned c = get8();
      if ((in[n] = prom_at(c)) != NULL) n++;
    }
    S.in_call = 1;
    switch (comb) {
    case C_ALL: rc = tick_promise_all(S.loop, in, n, &p); break;
    case C_ALL_SETTLED: rc = tick_promise_all_settled(S.loop, in, n, &p); break;
    case C_RACE: rc = tick_promise_race(S.loop, in, n, &p); break;
    default: rc = tick_promise_any(S.loop, in, n, &p); break;
    }
    S.in_call = 0;
    CHECK(rc == 0);
    put_prom(p, comb, n);
    break;
  }
  case 19:
    s = (int)(a % N_RESS);
    if (S.ress[s].r == NULL) break;
    settle(S.ress[s].r, S.ress[s].rec, b);
    break;
  case 20:
    s = (int)(a % N_PROMS);
    if (S.proms[s].p == NULL) break;
    CHECK(tick_promise_release(S.proms[s].p) == 0);
    S.proms[s].p = NULL;
    break;
  case 21:
    s = (int)(a % N_RESS);
    if (S.ress[s].r == NULL) break;
    CHECK(tick_resolver_release(S.ress[s].r) == 0);
    S.ress[s].r = NULL;
    break;
  case 22:
    if ((p = prom_at(a)) == NULL) break;
    if (b & 1) { /* Promise.resolve(p) is p itself, one more reference */
      CHECK(tick_promise_resolve_promise(p, &q) == 0);
      CHECK(q == p);
    } else {
      CHECK(tick_promise_retain(p) == 0);
    }
    put_prom(p, S.proms[a % N_PROMS].comb, S.proms[a % N_PROMS].k);
    break;
  case 23:
    s = (int)(a % N_RESS);
    if (S.ress[s].r == NULL) break;
    keep_resolver(S.ress[s].r, S.ress[s].rec);
    break;
  case 24: {
    watch_slot_t *w = &S.watch[a % N_WATCH];
    if (w->used) break;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, w->fds) != 0) break;
    rc = tick_poll_create(S.loop, w->fds[0], &w->id);
    CHECK(rc == 0);
    w->used = 1;
    w->refd = 1;
    break;
  }
  case 25: {
    int ws = (int)(a % N_WATCH);
    watch_slot_t *w = &S.watch[ws];
    unsigned ev = 1 + b % 3;
    if (!w->used || w->closing) break;
    if ((rec = rec_new(K_POLL, get8())) == NULL) break;
    rec->slot = ws;
    S.in_call = 1;
    CHECK(tick_poll_start(S.loop, w->id, ev, poll_cb, rec) == 0);
    S.in_call = 0;
    w->events = ev;
    w->cb = rec;
    break;
  }
  case 26: {
    watch_slot_t *w = &S.watch[a % N_WATCH];
    if (!w->used || w->closing) break;
    CHECK(tick_poll_stop(S.loop, w->id) == 0);
    w->events = 0;
    break;
  }
  case 27: {
    watch_slot_t *w = &S.watch[a % N_WATCH];
    if (!w->used || w->closing) break;
    if (b & 1) CHECK(tick_poll_unref(S.loop, w->id) == 0);
    else CHECK(tick_poll_ref(S.loop, w->id) == 0);
    w->refd = !(b & 1);
    break;
  }
  case 28: {
    watch_slot_t *w = &S.watch[a % N_WATCH];
    char buf[256];
    if (!w->used) break;
    memset(buf, (int)b, sizeof buf);
    if (send(w->fds[1], buf, 1 + b, MSG_NOSIGNAL) < 0) CHECK(errno == EAGAIN || errno == EPIPE);
    break;
  }
  case 29: {
    watch_slot_t *w = &S.watch[a % N_WATCH];
    if (!w->used) break;
    shutdown(w->fds[1], (b & 1) ? SHUT_RDWR : SHUT_WR);
    break;
  }
  case 30: watch_close((int)(a % N_WATCH)); break;
  case 31:
  case 32: {
    uint64_t ms = (op % 41) == 31 ? a : (uint64_t)a * 16 + b;
    int stopped = S.stop_seen; /* a stop made before the advance cuts it short too */
    S.stop_seen = 0;
    CHECK(tick_loop_advance(S.loop, ms) == 0);
    check_drained();
    if (!stopped && !S.stop_seen) check_no_overdue_timer();
    S.stop_seen = 0;
    break;
  }
  case 33:
  case 34: {
    uint32_t before = S.seq;
    int i, stopped = S.stop_seen, iterates = 0;
    for (i = 0; i < N_IMMS; i++)
      if (S.imms[i].rec != NULL && !S.imms[i].unref) iterates = 1;
    tick_run_mode_t mode = ((op % 41) == 34 && once_is_safe()) ? TICK_RUN_ONCE
                                                                 : TICK_RUN_NOWAIT;
    S.stop_seen = 0;
    rc = tick_loop_run(S.loop, mode);
    CHECK(rc == 0 || rc == 1);
    check_drained();
    /* A ref'd immediate makes the run iterate once at least: its check phase runs
     * every immediate queued before it. */
    if (iterates && !stopped && !S.stop_seen)
      for (i = 0; i < N_IMMS; i++)
        if (S.imms[i].rec != NULL) CHECK(S.imms[i].rec->seq > before);
    S.stop_seen = 0;
    break;
  }
  case 35:
    if (!default_is_safe()) break;
    S.stop_seen = 0;
    rc = tick_loop_run(S.loop, TICK_RUN_DEFAULT);
    CHECK(rc == 0 || rc == 1);
    check_drained();
    S.stop_seen = 0;
    break;
  case 36:
    CHECK(tick_loop_stop(S.loop) == 0);
    S.stop_seen = 1;
    break;
  case 37:
    CHECK(tick_loop_drain(S.loop) == 0);
    check_drained();
    break;
  case 38:
    for (s = 0; s < N_PROMS; s++)
      if (S.proms[s].p != NULL && S.proms[s].comb != C_NONE) check_combinator(&S.proms[s]);
    break;
  case 40:
    /* Destroying a loop that is alive is refused and changes nothing. */
    if (tick_loop_alive(S.loop) == 1) CHECK(tick_loop_destroy(S.loop) == TICK_EBUSY);
    break;
  default:
    if ((q = prom_at(a)) == NULL) break;
    rc = tick_promise_state(q);
    CHECK(rc >= 0 && rc <= 2);
    if (rc != TICK_PROMISE_PENDING) check_value(tick_promise_value(q));
    if (rc == TICK_PROMISE_REJECTED) CHECK(tick_promise_error(q) < 0);
    break;
  }
}

/* ---------------------------------------------------------------- teardown ---- */

static void teardown(void) {
  int i, rounds;
  S.tearing_down = 1;
  for (i = 0; i < N_TIMERS; i++) clear_timer_slot(i);
  for (i = 0; i < N_IMMS; i++) clear_imm_slot(i);
  for (i = 0; i < N_WATCH; i++) watch_close(i);
  for (i = 0; i < N_RESS; i++)
    if (S.ress[i].r != NULL) CHECK(tick_resolver_release(S.ress[i].r) == 0);
  for (i = 0; i < N_PROMS; i++)
    if (S.proms[i].p != NULL) CHECK(tick_promise_release(S.proms[i].p) == 0);
  memset(S.ress, 0, sizeof S.ress);
  memset(S.proms, 0, sizeof S.proms);
  for (rounds = 0; tick_loop_alive(S.loop) != 0; rounds++) {
    CHECK(rounds < 8);
    CHECK(tick_loop_run(S.loop, TICK_RUN_DEFAULT) >= 0);
  }
  check_drained();
  CHECK(tick_loop_destroy(S.loop) == 0);
  S.loop = NULL;
  for (i = 0; i < N_WATCH; i++) CHECK(!S.watch[i].used);

  for (i = 0; i < S.nrecs; i++) {
    const rec_t *r = &S.recs[i];
    switch (r->kind) {
    case K_TIMEOUT:
    case K_IMMEDIATE: CHECK(r->ran + r->cancelled == 1); break;
    case K_INTERVAL: break; /* checked per call; cleared at the latest above */
    case K_TICK:
    case K_MICRO: CHECK(r->ran == 1); break;
    case K_REACTION:
    case K_FINALLY: CHECK(r->freed == 1); break;
    case K_THENABLE: CHECK(r->freed == 1); break;
    case K_VALUE: CHECK(r->freed == 1); break;
    case K_CLOSE: CHECK(r->freed == 1); break;
    default: break;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  S.data = data;
  S.size = size;
  S.pos = 0;
  S.step = 0;
  S.nrecs = 0;
  S.seq = 0;
  S.budget = CHILD_BUDGET;
  S.in_call = S.stop_seen = S.tearing_down = 0;
  S.last_tick = S.last_micro = S.last_imm = 0;
  S.ticks_queued = S.ticks_ran = S.micros_queued = S.micros_ran = 0;
  memset(S.timers, 0, sizeof S.timers);
  memset(S.imms, 0, sizeof S.imms);
  memset(S.proms, 0, sizeof S.proms);
  memset(S.ress, 0, sizeof S.ress);
  memset(S.watch, 0, sizeof S.watch);
  if (tick_loop_create(&S.loop, TICK_LOOP_MANUAL_CLOCK) != 0) return 0;
  CHECK(tick_promise_set_unhandled_hook(S.loop, unhandled_cb, NULL, unhandled_cb, NULL) == 0);
  while (S.pos < S.size) {
    S.step++;
    step();
  }
  teardown();
  return 0;
}
