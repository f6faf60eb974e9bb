/* test-cancel-storm.c - exactly once under a storm of cancellations.
 *
 * One seed drives a few thousand random operations on one loop with the manual clock:
 * timers, reads and writes on socket pairs, file requests (on the io_uring when there is
 * one, else the pool), pool jobs (some polling tick_work_cancelled), DNS lookups of
 * "localhost", child-free async functions awaiting one of those, and, with scopes,
 * operations derived under random nested scopes that are cancelled or given deadlines.
 * Operations start at random moments of manual time; each is cancelled, or not, at a
 * random later moment (a timer), at once, or from the reaction of another operation,
 * with TICK_ECANCELED or TICK_ETIMEDOUT. Every operation's promise (or timer) is watched
 * on both sides, and the test asserts that each ends exactly once (result or
 * cancellation, never both, never neither), that a rejection with a cancellation code
 * only comes after that code was asked, and counts the outcomes. The loop must then
 * close cleanly (nothing leaks: make sanitize and make valgrind check the memory).
 *
 * make check runs a few seeds; `make soak` runs TICK_STORM_SEEDS more (tests/soak).
 */
#include "test.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum {
  K_TIMER,
  K_READ,
  K_WRITE,
  K_FS_STAT,
  K_FS_READ,
  K_WORK,
  K_DNS,
  K_ASYNC,
  K_DELAY,    /* tick_delay, under a scope or not */
  K_TIMER_IN, /* tick_set_timeout_in: cleared when its scope is cancelled */
  K_GROUP,    /* a task group adopting a few operations */
  K_COUNT
};

static const char *const kind_name[K_COUNT] = {
    "timer", "read", "write", "fs-stat", "fs-read", "work", "dns", "async", "delay",
    "timer-in", "group"};

#define READ_PAIRS 32
#define WRITE_PAIRS 8
#define MAX_WRITE (64 * 1024)
#define MAX_SCOPES 256

typedef struct storm_s storm_t;

typedef struct op_s {
  storm_t *st;
  int index;
  int kind;
  int started;
  int settled;         /* handler calls: must end at exactly 1 */
  int fulfilled;
  int code;            /* the rejection's code */
  int cancel_code;     /* the first cancellation asked, or 0 */
  int pair;            /* K_READ: the pair it holds */
  tick_promise_t *p;   /* the operation's promise (NULL for a timer) */
  tick_timer_t timer;  /* K_TIMER */
  tick_timer_t cancel; /* the timer that cancels it, or TICK_NULL_ID */
  struct op_s *inner;  /* K_ASYNC: the operation it awaits */
  /* Under a scope: `d` is derived from `p` through it (tick_scope_promise); it settles
   * once too, and the operation counts as ended when both have. K_DELAY and K_TIMER_IN
   * take the scope directly. */
  tick_scope_t *scope; /* a counted reference, or NULL */
  tick_promise_t *d;
  int d_settled, d_fulfilled, d_code;
  int fired;           /* K_TIMER_IN: its callback ran */
  struct op_s *group;  /* a member: the group operation that adopted it */
  int group_timeout;   /* K_GROUP: it has a timeout */
  int member_cancelled; /* K_GROUP: a member ended with a cancellation code */
  char buf[64];
  struct iovec iov;
} op_t;

struct storm_s {
  tick_loop_t *loop;
  uint64_t rng;
  op_t *ops;
  int nops, next_op, live;
  tick_stream_t rd[READ_PAIRS][2];
  int rd_busy[READ_PAIRS];
  tick_stream_t wr[WRITE_PAIRS][2];
  int sink_paused[WRITE_PAIRS];
  tick_pool_t *pool;
  char path[64];
  int fd;
  int started[K_COUNT];
  int done_ok[K_COUNT], done_cancelled[K_COUNT], done_other[K_COUNT];
  int cancels_asked;
  tick_scope_t *scopes[MAX_SCOPES];
  int nscopes, scope_cancels, scope_deadlines;
  int derived_ok, derived_cancelled, derived_other;
  int timers_in_fired, timers_in_cleared;
};

static char sink[1 << 16];
static char source[MAX_WRITE];

static uint32_t rnd(storm_t *st, uint32_t n) {
  uint64_t x = st->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  st->rng = x;
  return n == 0 ? 0 : (uint32_t)((x >> 11) % n);
}

static int pick_code(storm_t *st) { return rnd(st, 2) ? TICK_ECANCELED : TICK_ETIMEDOUT; }

static int is_cancel_code(int c) { return c == TICK_ECANCELED || c == TICK_ETIMEDOUT; }

/* ------------------------------------------------------------- outcomes ---- */

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static void cancel_op(op_t *o, int code);

static void record(op_t *o, int fulfilled, int code) {
  storm_t *st = o->st;
  if (o->settled != 0)
    test_fail(__FILE__, __LINE__, "op %d (%s) settled twice", o->index, kind_name[o->kind]);
  o->settled = 1;
  o->fulfilled = fulfilled;
  o->code = code;
  st->live--;
  if (o->kind == K_READ) st->rd_busy[o->pair] = 0;
  if (fulfilled)
    st->done_ok[o->kind]++;
  else if (is_cancel_code(code))
    st->done_cancelled[o->kind]++;
  else
    st->done_other[o->kind]++;
  /* A cancellation code only ever comes from a cancellation that was asked. */
  if (o->group != NULL && !fulfilled && is_cancel_code(code)) o->group->member_cancelled = 1;
  if (!fulfilled && is_cancel_code(code) && o->cancel_code == 0 && o->group == NULL &&
      !(o->kind == K_GROUP && (o->group_timeout || o->member_cancelled)) &&
      !(o->kind == K_ASYNC && (o->inner->cancel_code != 0 ||
                               (o->inner->scope != NULL &&
                                tick_scope_status(o->inner->scope) != 0))) &&
      !(o->scope != NULL && tick_scope_status(o->scope) != 0))
    test_fail(__FILE__, __LINE__, "op %d (%s) rejected with %s, never cancelled", o->index,
              kind_name[o->kind], tick_err_name(code));
  if (o->cancel.id != TICK_NULL_ID) {
    tick_clear_timer(st->loop, o->cancel);
    o->cancel.id = TICK_NULL_ID;
  }
  /* Sometimes cancel another live operation, or a scope, from this reaction. */
  if (rnd(st, 8) == 0 && st->next_op > 0) {
    op_t *other = &st->ops[rnd(st, (uint32_t)st->next_op)];
    if (other->started && !other->settled) cancel_op(other, pick_code(st));
  }
  if (rnd(st, 64) == 0 && st->nscopes > 0) {
    st->scope_cancels++;
    ASSERT(tick_scope_cancel(st->scopes[rnd(st, (uint32_t)st->nscopes)], pick_code(st)) >= 0);
  }
}

/* The derived promise of an operation under a scope: it follows the operation's promise,
 * or rejects first with the scope's code. */
static void record_derived(op_t *o, int fulfilled, int code) {
  storm_t *st = o->st;
  if (o->d_settled != 0)
    test_fail(__FILE__, __LINE__, "op %d (%s): derived promise settled twice", o->index,
              kind_name[o->kind]);
  o->d_settled = 1;
  o->d_fulfilled = fulfilled;
  o->d_code = code;
  st->live--;
  if (fulfilled)
    st->derived_ok++;
  else if (is_cancel_code(code))
    st->derived_cancelled++;
  else
    st->derived_other++;
}

static int on_d_ok(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)next;
  record_derived(arg, 1, 0);
  return 0;
}

static int on_d_err(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  record_derived(arg, 0, tick_promise_error(s));
  return 0;
}

static int on_ok(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)next;
  record(arg, 1, 0);
  return 0;
}

static int on_err(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  record(arg, 0, tick_promise_error(s));
  return 0;
}

static void watch(op_t *o) {
  tick_promise_t *d;
  ASSERT_OK(tick_promise_then(o->p, on_ok, on_err, o, NULL, &d));
  ASSERT_OK(tick_promise_release(d));
  if (o->scope != NULL && o->kind != K_DELAY) {
    ASSERT_OK(tick_scope_promise(o->scope, o->p, &o->d));
    o->st->live++;
    ASSERT_OK(tick_promise_then(o->d, on_d_ok, on_d_err, o, NULL, &d));
    ASSERT_OK(tick_promise_release(d));
  }
}

/* --------------------------------------------------------------- cancelling ---- */

static void cancel_op(op_t *o, int code) {
  storm_t *st = o->st;
  int r;
  if (o->cancel_code == 0) o->cancel_code = code;
  st->cancels_asked++;
  if (o->kind == K_TIMER_IN) {
    /* Cleared by hand: it ends as a cancellation (its scope may clear it first). */
    if (!o->fired && tick_timer_has_ref(st->loop, o->timer) >= 0) {
      ASSERT_OK(tick_clear_timer(st->loop, o->timer));
      o->timer.id = TICK_NULL_ID;
      record(o, 0, o->cancel_code);
    }
    return;
  }
  if (o->kind == K_TIMER) {
    r = tick_clear_timer(st->loop, o->timer);
    if (r == 0) {
      o->timer.id = TICK_NULL_ID;
      record(o, 0, o->cancel_code); /* a cleared timer: its cancellation */
    }
    return;
  }
  if (o->kind == K_ASYNC) {
    r = tick_async_cancel(o->p, code);
    ASSERT(r == 0 || r == TICK_ENOENT);
    return;
  }
  r = tick_promise_cancel(o->p, code);
  /* A delay has no abort hook of its own: its scope is what stops it. */
  if (r == TICK_ENOTSUP && o->kind == K_DELAY) return;
  if (r != 0 && r != TICK_EALREADY)
    test_fail(__FILE__, __LINE__, "cancel of op %d (%s): %s", o->index, kind_name[o->kind],
              tick_err_name(r));
}

static void cancel_timer_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  op_t *o = arg;
  (void)loop;
  (void)t;
  o->cancel.id = TICK_NULL_ID;
  if (!o->settled) cancel_op(o, pick_code(o->st));
}

/* ------------------------------------------------------------- operations ---- */

static void timer_in_fired(tick_loop_t *loop, tick_timer_t t, void *arg) {
  op_t *o = arg;
  (void)loop;
  (void)t;
  /* Never after its scope was cancelled: that clears it. */
  ASSERT_EQ(tick_scope_status(o->scope), 0);
  o->fired = 1;
  o->timer.id = TICK_NULL_ID;
  o->st->timers_in_fired++;
  record(o, 1, 0);
}

static void timer_fired(tick_loop_t *loop, tick_timer_t t, void *arg) {
  op_t *o = arg;
  (void)loop;
  (void)t;
  o->timer.id = TICK_NULL_ID;
  record(o, 1, 0);
}

typedef struct {
  storm_t *st;
  int pair;
  int len;
} peer_t;

static void peer_write_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  peer_t *w = arg;
  tick_buf_t buf = tick_buf(source, (size_t)w->len);
  (void)t;
  /* After the end of the storm the stream may be closed: the write is then refused. */
  (void)tick_stream_write(loop, w->st->rd[w->pair][1], &buf, 1, NULL, NULL);
  free(w);
}

static int value_work(void *arg, void **value, tick_free_cb *free_value) {
  uintptr_t spin_us = (uintptr_t)arg;
  uintptr_t i;
  int code;
  (void)value;
  (void)free_value;
  for (i = 0; i < spin_us; i += 50) {
    code = tick_work_cancelled();
    if (code != 0) return code;
    usleep(50);
  }
  return 0;
}

static int start_promise_op(op_t *o);

static int async_body(tick_async_t *co, void *arg) {
  op_t *o = arg;
  op_t *in = o->inner;
  int r = tick_await(co, in->d != NULL ? in->d : in->p);
  /* Cancelled while waiting: stop what it waited for, as a one-call await does. */
  if (r < 0 && is_cancel_code(r) && !in->settled && o->cancel_code != 0) cancel_op(in, r);
  return r < 0 ? r : 0;
}

/* Starts the promise of `o` (all kinds but timers and async). */
static int start_promise_op(op_t *o) {
  storm_t *st = o->st;
  tick_loop_t *loop = st->loop;
  switch (o->kind) {
    case K_READ: {
      int i, pair = -1;
      for (i = 0; i < READ_PAIRS; i++)
        if (!st->rd_busy[(o->index + i) % READ_PAIRS]) {
          pair = (o->index + i) % READ_PAIRS;
          break;
        }
      if (pair < 0) return -1;
      ASSERT_OK(tick_stream_read_promise(loop, st->rd[pair][0], sizeof(o->buf), 0, &o->p));
      st->rd_busy[pair] = 1;
      o->pair = pair;
      {
        /* The peer always writes, sooner or later: a read ends by its data or by a
         * cancellation, never by the end of the test. */
        peer_t *w = malloc(sizeof(*w));
        tick_timer_t t;
        ASSERT(w != NULL);
        w->st = st;
        w->pair = pair;
        w->len = 1 + (int)rnd(st, 48);
        ASSERT_OK(tick_set_timeout(loop, 1 + rnd(st, 40), peer_write_cb, w, &t));
      }
      return 0;
    }
    case K_WRITE: {
      tick_buf_t buf = tick_buf(source, 1 + rnd(st, MAX_WRITE));
      ASSERT_OK(tick_stream_write_promise(loop, st->wr[rnd(st, WRITE_PAIRS)][0], &buf, 1,
                                          &o->p));
      return 0;
    }
    case K_FS_STAT:
      ASSERT_OK(tick_fs_stat_promise(loop, st->path, &o->p, NULL));
      return 0;
    case K_FS_READ:
      o->iov.iov_base = o->buf;
      o->iov.iov_len = sizeof(o->buf);
      ASSERT_OK(tick_fs_read_promise(loop, st->fd, &o->iov, 1, (int64_t)rnd(st, 4096), &o->p,
                                     NULL));
      return 0;
    case K_WORK:
      ASSERT_OK(tick_work_promise(loop, NULL, value_work, (void *)(uintptr_t)rnd(st, 400),
                                  &o->p, NULL));
      return 0;
    case K_DNS:
      ASSERT_OK(tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, &o->p, NULL));
      return 0;
    default:
      return -1;
  }
}

static op_t *new_op(storm_t *st, int kind) {
  op_t *o;
  if (st->next_op >= st->nops) return NULL;
  o = &st->ops[st->next_op];
  o->st = st;
  o->index = st->next_op++;
  o->kind = kind;
  o->timer.id = TICK_NULL_ID;
  o->cancel.id = TICK_NULL_ID;
  return o;
}

static void scope_cancel_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  tick_scope_t *scope = arg;
  (void)loop;
  (void)t;
  ASSERT(tick_scope_cancel(scope, TICK_ECANCELED) >= 0);
  ASSERT_OK(tick_scope_release(scope));
}

/* A scope for a new operation: none, an existing one, or a new one (a root or a child of
 * an existing one: nesting), which may get a deadline or a cancellation timer. */
static tick_scope_t *pick_scope(storm_t *st) {
  tick_scope_t *s, *parent = NULL;
  uint32_t k = rnd(st, 10);
  if (k < 4 || st->nops == 0) return NULL;
  if (k < 8 && st->nscopes > 0) return st->scopes[rnd(st, (uint32_t)st->nscopes)];
  if (st->nscopes >= MAX_SCOPES) return st->scopes[rnd(st, MAX_SCOPES)];
  if (st->nscopes > 0 && rnd(st, 3) != 0) parent = st->scopes[rnd(st, (uint32_t)st->nscopes)];
  ASSERT_OK(tick_scope_create(st->loop, parent, &s));
  st->scopes[st->nscopes++] = s;
  switch (rnd(st, 4)) {
    case 0:
      st->scope_deadlines++;
      ASSERT_OK(tick_scope_set_timeout(s, 1 + rnd(st, 40)));
      break;
    case 1: {
      tick_timer_t t;
      ASSERT_OK(tick_scope_retain(s));
      st->scope_cancels++;
      ASSERT_OK(tick_set_timeout(st->loop, rnd(st, 40), scope_cancel_cb, s, &t));
      break;
    }
    default:
      break;
  }
  return s;
}

/* Starts one random operation now and maybe arranges its cancellation. */
static void start_one(storm_t *st) {
  uint32_t k = rnd(st, 100);
  int kind = k < 10 ? K_TIMER : k < 27 ? K_READ : k < 36 ? K_WRITE : k < 44 ? K_FS_STAT
           : k < 50 ? K_FS_READ : k < 64 ? K_WORK : k < 66 ? K_DNS : k < 80 ? K_ASYNC
           : k < 87 ? K_DELAY : k < 94 ? K_TIMER_IN : K_GROUP;
  tick_scope_t *scope = pick_scope(st);
  op_t *o = new_op(st, kind);
  if (o == NULL) return;
  if (kind == K_TIMER_IN && scope == NULL) o->kind = kind = K_TIMER;
  if (scope != NULL && kind != K_TIMER) {
    ASSERT_OK(tick_scope_retain(scope));
    o->scope = scope;
  }
  if (kind == K_GROUP) {
    static const int member_kinds[] = {K_READ, K_WORK, K_FS_STAT, K_WRITE, K_DNS};
    tick_group_options_t opts;
    tick_group_t *g;
    int n = 1 + (int)rnd(st, 3), m;
    memset(&opts, 0, sizeof(opts));
    opts.parent = scope; /* cancelling it cancels the group and its members */
    opts.mode = (tick_group_mode_t)rnd(st, 4);
    if (rnd(st, 3) == 0) {
      opts.timeout_ms = 1 + rnd(st, 40);
      o->group_timeout = 1;
    }
    ASSERT_OK(tick_group_create(st->loop, &opts, &g));
    for (m = 0; m < n; m++) {
      op_t *in = new_op(st, member_kinds[rnd(st, 5)]);
      if (in == NULL) break;
      if (start_promise_op(in) != 0) {
        in->kind = K_WORK;
        ASSERT_OK(start_promise_op(in));
      }
      in->started = 1;
      in->group = o;
      st->started[in->kind]++;
      st->live++;
      watch(in);
      ASSERT_OK(tick_group_adopt(g, in->p, NULL));
    }
    ASSERT_OK(tick_group_close(g));
    ASSERT_OK(tick_group_promise(g, &o->p));
    ASSERT_OK(tick_group_release(g));
  } else if (kind == K_DELAY) {
    ASSERT_OK(tick_delay(st->loop, o->scope, 1 + rnd(st, 30), &o->p));
  } else if (kind == K_TIMER_IN) {
    int r = tick_set_timeout_in(o->scope, 1 + rnd(st, 30), timer_in_fired, o, &o->timer);
    if (r != 0) { /* a scope already cancelled schedules nothing: it ended at once */
      ASSERT_EQ(r, tick_scope_status(o->scope));
      o->started = 1;
      st->started[kind]++;
      st->live++;
      st->timers_in_cleared++;
      record(o, 0, r);
      return;
    }
  } else if (kind == K_TIMER) {
    ASSERT_OK(tick_set_timeout(st->loop, 1 + rnd(st, 30), timer_fired, o, &o->timer));
  } else if (kind == K_ASYNC) {
    op_t *in;
    tick_async_options_t aopts;
    static const int inner_kinds[] = {K_READ, K_WORK, K_FS_STAT, K_WRITE};
    in = new_op(st, inner_kinds[rnd(st, 4)]);
    if (in == NULL) {
      o->kind = K_TIMER; /* out of records: a timer instead */
      ASSERT_OK(tick_set_timeout(st->loop, 1 + rnd(st, 30), timer_fired, o, &o->timer));
    } else {
      if (start_promise_op(in) != 0) {
        in->kind = K_WORK;
        ASSERT_OK(start_promise_op(in));
      }
      in->started = 1;
      st->started[in->kind]++;
      st->live++;
      if (scope != NULL) {
        ASSERT_OK(tick_scope_retain(scope));
        in->scope = scope;
      }
      watch(in);
      o->inner = in;
      /* The function runs under the scope too: its await returns the scope's code. */
      memset(&aopts, 0, sizeof(aopts));
      aopts.scope = scope;
      ASSERT_OK(tick_async_run(st->loop, async_body, o, &aopts, &o->p));
    }
  } else if (start_promise_op(o) != 0) {
    o->kind = K_WORK; /* every read pair busy: a job instead */
    ASSERT_OK(start_promise_op(o));
  }
  o->started = 1;
  st->started[o->kind]++;
  st->live++;
  if (o->p != NULL) watch(o);
  switch (rnd(st, 10)) {
    case 0: /* at once, from the call that started it */
      cancel_op(o, pick_code(st));
      break;
    case 1: case 2: case 3: case 4: case 5: /* at a random later moment */
      ASSERT_OK(tick_set_timeout(st->loop, rnd(st, 25), cancel_timer_cb, o, &o->cancel));
      break;
    default: /* never (but maybe from another operation's reaction) */
      break;
  }
}

/* ----------------------------------------------------------------- driver ---- */

static void sink_alloc(tick_loop_t *loop, tick_stream_t s, size_t n, tick_buf_t *buf,
                       void *arg) {
  (void)loop;
  (void)s;
  (void)n;
  (void)arg;
  *buf = tick_buf(sink, sizeof(sink));
}

static void sink_read(tick_loop_t *loop, tick_stream_t s, ssize_t n, const tick_buf_t *buf,
                      void *arg) {
  (void)loop;
  (void)s;
  (void)n;
  (void)buf;
  (void)arg;
}

static void open_pair(tick_loop_t *loop, tick_stream_t out[2]) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_OK(tick_pipe_open(loop, sv[0], &out[0]));
  ASSERT_OK(tick_pipe_open(loop, sv[1], &out[1]));
}

/* Timers under a scope that are still counted live: those of a cancelled scope never
 * report (the scope cleared them); the others fire in time. */
static int pending_timers_in(storm_t *st) {
  int i, n = 0;
  for (i = 0; i < st->next_op; i++) {
    const op_t *o = &st->ops[i];
    if (o->kind == K_TIMER_IN && !o->settled && tick_scope_status(o->scope) != 0) n++;
  }
  return n;
}

static void storm_run(uint64_t seed, int nops) {
  storm_t *st = calloc(1, sizeof(*st));
  int i, k, spins;
  uint64_t t;
  ASSERT(st != NULL);
  st->rng = seed * 0x9e3779b97f4a7c15ull + 1;
  st->nops = nops;
  st->ops = calloc((size_t)nops, sizeof(op_t));
  ASSERT(st->ops != NULL);
  if (seed % 2) setenv("TICK_NO_URING", "1", 1); /* odd seeds: file requests on the pool */
  else unsetenv("TICK_NO_URING");
  ASSERT_OK(tick_loop_create(&st->loop, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_OK(tick_promise_set_unhandled_hook(st->loop, ignore_rejection, NULL, ignore_rejection,
                                            NULL));
  ASSERT_OK(tick_pool_create(&st->pool, 2));
  ASSERT_OK(tick_loop_set_pool(st->loop, st->pool));
  snprintf(st->path, sizeof(st->path), "/tmp/tick-storm-%d", (int)getpid());
  st->fd = open(st->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(st->fd, 0);
  ASSERT_EQ(write(st->fd, source, 8192), 8192);
  for (i = 0; i < READ_PAIRS; i++) open_pair(st->loop, st->rd[i]);
  for (i = 0; i < WRITE_PAIRS; i++) {
    open_pair(st->loop, st->wr[i]);
    ASSERT_OK(tick_stream_read_start(st->loop, st->wr[i][1], sink_alloc, sink_read, NULL));
  }
  /* Start a few operations per millisecond of manual time, then let everything end. */
  for (t = 0; st->next_op < st->nops; t++) {
    for (k = (int)rnd(st, 2 * nops / 200 + 1); k > 0; k--) start_one(st);
    /* A reader that pauses makes writes queue, and queued writes can be withdrawn. */
    if (rnd(st, 4) == 0) {
      i = (int)rnd(st, WRITE_PAIRS);
      if (st->sink_paused[i])
        ASSERT_OK(tick_stream_read_start(st->loop, st->wr[i][1], sink_alloc, sink_read, NULL));
      else
        ASSERT_OK(tick_stream_read_stop(st->loop, st->wr[i][1]));
      st->sink_paused[i] = !st->sink_paused[i];
    }
    ASSERT_OK(tick_loop_advance(st->loop, 1));
    ASSERT_GE(tick_loop_run(st->loop, TICK_RUN_NOWAIT), 0);
  }
  for (i = 0; i < WRITE_PAIRS; i++)
    if (st->sink_paused[i])
      ASSERT_OK(tick_stream_read_start(st->loop, st->wr[i][1], sink_alloc, sink_read, NULL));
  for (spins = 0; st->live > pending_timers_in(st) && spins < 2000000; spins++) {
    ASSERT_OK(tick_loop_advance(st->loop, 1));
    ASSERT_GE(tick_loop_run(st->loop, TICK_RUN_NOWAIT), 0);
    if (spins % 64 == 63) usleep(200); /* let the pool and the kernel catch up */
  }
  /* A timer under a scope that neither fired nor was cleared by hand was cleared by its
   * scope's cancellation: that is its end (it must not be pending any more). */
  for (i = 0; i < st->next_op; i++) {
    op_t *o = &st->ops[i];
    if (o->kind == K_TIMER_IN && !o->settled) {
      ASSERT_NE(tick_scope_status(o->scope), 0);
      ASSERT_ERR(tick_timer_has_ref(st->loop, o->timer), TICK_ESTALE);
      st->timers_in_cleared++;
      record(o, 0, tick_scope_status(o->scope));
    }
  }
  for (i = 0; i < st->next_op; i++) {
    op_t *o = &st->ops[i];
    if (o->settled != 1)
      test_fail(__FILE__, __LINE__, "seed %llu: op %d (%s) settled %d times",
                (unsigned long long)seed, i, kind_name[o->kind], o->settled);
    if (o->d != NULL) {
      ASSERT_EQ(o->d_settled, 1);
      /* It followed the operation, or its scope was cancelled first. */
      if (o->d_fulfilled)
        ASSERT(o->fulfilled);
      else if (!(!o->fulfilled && o->code == o->d_code))
        ASSERT_NE(tick_scope_status(o->scope), 0);
      ASSERT_OK(tick_promise_release(o->d));
    }
    if (o->p != NULL) ASSERT_OK(tick_promise_release(o->p));
    if (o->scope != NULL) ASSERT_OK(tick_scope_release(o->scope));
  }
  ASSERT_EQ(st->live, 0);
  for (i = 0; i < st->nscopes; i++) ASSERT_OK(tick_scope_release(st->scopes[i]));
  for (i = 0; i < READ_PAIRS; i++) {
    ASSERT_OK(tick_stream_close(st->loop, st->rd[i][0], NULL, NULL));
    ASSERT_OK(tick_stream_close(st->loop, st->rd[i][1], NULL, NULL));
  }
  for (i = 0; i < WRITE_PAIRS; i++) {
    ASSERT_OK(tick_stream_close(st->loop, st->wr[i][0], NULL, NULL));
    ASSERT_OK(tick_stream_close(st->loop, st->wr[i][1], NULL, NULL));
  }
  /* Peer writes still to come are timers: let them run out (their streams are closed). */
  for (spins = 0; spins < 100 && tick_loop_alive(st->loop) > 0; spins++) {
    ASSERT_OK(tick_loop_advance(st->loop, 50));
    ASSERT_GE(tick_loop_run(st->loop, TICK_RUN_NOWAIT), 0);
  }
  ASSERT_OK(tick_loop_destroy(st->loop));
  ASSERT_OK(tick_pool_destroy(st->pool));
  close(st->fd);
  unlink(st->path);
  if (getenv("TICK_STORM_VERBOSE") != NULL) {
    fprintf(stderr,
            "seed %llu: %d ops, %d cancels asked; %d scopes, %d cancelled by hand, %d "
            "deadlines; derived: %d followed a result, %d cancelled, %d other errors; "
            "timers under a scope: %d fired, %d cleared\n",
            (unsigned long long)seed, st->next_op, st->cancels_asked, st->nscopes,
            st->scope_cancels, st->scope_deadlines, st->derived_ok, st->derived_cancelled,
            st->derived_other, st->timers_in_fired, st->timers_in_cleared);
    for (k = 0; k < K_COUNT; k++)
      fprintf(stderr, "  %-8s started %5d  result %5d  cancelled %5d  other error %5d\n",
              kind_name[k], st->started[k], st->done_ok[k], st->done_cancelled[k],
              st->done_other[k]);
  }
  free(st->ops);
  free(st);
}

static int storm_ops(void) { return slow_build() ? 600 : 3000; }

TEST(cancel_storm_seed_1) { storm_run(1, storm_ops()); }
TEST(cancel_storm_seed_2) { storm_run(2, storm_ops()); }
TEST(cancel_storm_seed_3) { storm_run(3, storm_ops()); }

/* More seeds: TICK_STORM_SEEDS of them from TICK_STORM_FIRST (make soak sets both);
 * without them, one more seed. */
TEST_TIMEOUT(cancel_storm_seeds, 600) {
  const char *n = getenv("TICK_STORM_SEEDS"), *first = getenv("TICK_STORM_FIRST");
  uint64_t f = first != NULL ? strtoull(first, NULL, 10) : 100;
  uint64_t count = n != NULL ? strtoull(n, NULL, 10) : 1, s;
  for (s = f; s < f + count; s++) storm_run(s, storm_ops());
}
