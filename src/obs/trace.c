/* trace.c - Chrome trace-event files of a loop's callbacks (include/tick/trace.h).
 *
 * The core calls the probe (core/context.h) at each capture point and around each
 * callback; this file turns those calls into events. The hot side only records: a
 * clock read and a few stores into a fixed array of binary events in the loop's trace
 * state. The JSON is made when that array fills up (or on flush, stop, destroy), by a
 * formatter that appends to a fixed output buffer with hand-written number conversions,
 * and goes to the file in large write(2) calls. Nothing is allocated after
 * tick_trace_start: the state, the event arrays and the output buffer are one block.
 *
 * Events:
 * - a slice ("X") per callback: name "<kind> <function>", its phase, its queue wait (from
 *   the capture to the start, when the capture is still in the ring below), its duration;
 * - a flow start ("s") at each capture made inside a callback, and a flow end ("f",
 *   bound to the enclosing slice) at the start of the callback it scheduled; pool jobs
 *   add a flow step ("t") on the pool thread's slice, so the arrow goes from the code
 *   that queued the job to the job and on to its completion;
 * - counters ("C") of the queues and live handles, at most every COUNTER_NS, at the end
 *   of a loop iteration.
 *
 * Flow ids are a per-loop sequence. The time of each capture is kept in a ring indexed by
 * the id; when the ring has wrapped (more than RING captures still waiting), the slice
 * gets no wait and no arrow rather than a wrong one. A flow ends once: an interval's
 * later runs and a watcher's later events have no arrow.
 *
 * Pool threads report the span of each job through a mutex to a second event array; the
 * loop thread moves it into the file when it writes. When that array is full, further
 * job spans are counted as dropped until the next write.
 */
#include "core/loop.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The obs layer's per-loop module slot (see core/internal.h). */
#define TICK__MODULE_OBS 11
_Static_assert(TICK__MODULE_OBS < TICK__MODULE_MAX, "the obs module slot fits the loop");

#define EVENTS 8192      /* loop events buffered before a write */
#define WORK_EVENTS 1024 /* pool thread events buffered before a write */
#define RING 4096        /* captures whose time is remembered (power of two) */
#define STACK 64         /* nesting of callbacks followed */
#define OUT_SIZE (256 * 1024)
#define OUT_ROOM 1024    /* the most one event can take in the output buffer */
#define NAMES 256        /* cache of function names (power of two) */
#define NAME_LEN 96
#define TIDS 64          /* pool threads named in the file */
#define COUNTER_NS 100000

enum { EV_SLICE = 1, EV_FLOW_OUT, EV_WORK, EV_COUNTERS };

typedef struct event_s {
  uint8_t type;
  uint8_t kind;       /* TICK__CB_* */
  uint8_t flow_in;    /* slice: `flow` ends here */
  uint8_t spare_;
  uint32_t tid;       /* work: the pool thread */
  int64_t ts;         /* ns, CLOCK_MONOTONIC */
  int64_t dur;        /* slice, work: ns; counters: live handles */
  int64_t wait;       /* slice: ns from capture to start, -1 unknown; counters: timers */
  uint64_t flow;
  union {
    tick__fn_t fn;    /* slice, work */
    struct {          /* counters */
      uint32_t immediates, ticks, microtasks, jobs;
    } q;
  } u;
} event_t;

typedef struct frame_s {
  int64_t start, wait;
  uint64_t flow;
  tick__fn_t fn;
  unsigned kind, flow_in;
} frame_t;

typedef struct ring_s {
  uint64_t flow;
  int64_t ts;
  int out; /* a flow start was written (the capture was made inside a slice) */
} ring_t;

typedef struct name_s {
  tick__fn_t fn;
  char name[NAME_LEN];
} name_t;

typedef struct trace_s {
  tick_loop_t *loop;
  int fd;       /* -1 when not tracing */
  int error;    /* first write error of this trace */
  int pid, tid; /* the process and the loop thread */
  /* Time: events hold stamps (stamp()); the file holds microseconds since the start. */
  int64_t base_ns, base_stamp;
  double ns_per_stamp;
  int64_t counter_stamps; /* COUNTER_NS in stamps (an estimate until calibrated) */
  char head[64];          /* ,"pid":P,"tid":T,"ts":  for the loop's track */
  size_t head_len;
  uint64_t next_flow;
  int64_t last_counters;
  unsigned depth, lost_depth;
  size_t nev;
  frame_t stack[STACK];
  ring_t ring[RING];
  event_t ev[EVENTS];
  /* Pool threads' side, under `lock`. */
  pthread_mutex_t lock;
  int recording; /* a copy of fd >= 0 that pool threads may read */
  size_t nwork;
  uint64_t work_dropped;
  event_t work[WORK_EVENTS];
  /* Loop thread: formatting. */
  int tids[TIDS];
  unsigned ntids;
  size_t nout;
  name_t names[NAMES];
  char path[4096];
  char out[OUT_SIZE];
} trace_t;

static const char *const kind_names[TICK__CB_KINDS] = {
    "?", "timer", "immediate", "tick", "microtask", "reaction", "await", "io", "close",
    "pool", "post"};
/* The loop phase each kind of callback runs in (next-ticks, microtasks, reactions and
 * continuations run in the drain after a macrotask). */
static const char *const kind_phases[TICK__CB_KINDS] = {
    "?", "timers", "check", "drain", "drain", "drain", "drain", "poll", "close", "poll",
    "poll"};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The hot side's clock: the time stamp counter where there is one (a few ns, where a
 * clock_gettime costs tens on a virtual machine), converted to CLOCK_MONOTONIC ns when
 * the events are formatted, at the rate measured between the trace's start and the
 * write (calibrate). Elsewhere, CLOCK_MONOTONIC itself. */
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline int64_t stamp(void) { return (int64_t)__rdtsc(); }
#define STAMP_IS_NS 0
#else
static inline int64_t stamp(void) { return now_ns(); }
#define STAMP_IS_NS 1
#endif

static void flush_events(trace_t *t);

/* ------------------------------------------------------------ the probe ---- */

static inline event_t *event_next(trace_t *t) {
  if (TICK__UNLIKELY(t->nev == EVENTS)) flush_events(t);
  return &t->ev[t->nev++];
}

/* A flow id carries the kind of its capture in its low bits (a promise job is queued as a
 * microtask but captured as a reaction or an await). */
#define FLOW_KIND_BITS 4
_Static_assert(TICK__CB_KINDS <= (1 << FLOW_KIND_BITS), "a kind fits in a flow id");

static uint64_t probe_schedule(tick_loop_t *loop, void *state, unsigned kind) {
  trace_t *t = state;
  uint64_t flow = (++t->next_flow << FLOW_KIND_BITS) | (kind < TICK__CB_KINDS ? kind : 0);
  int64_t ts = stamp();
  (void)loop;
  (void)kind;
  ring_t *slot = &t->ring[(flow >> FLOW_KIND_BITS) & (RING - 1)];
  slot->flow = flow;
  slot->ts = ts;
  slot->out = t->depth != 0 && t->lost_depth == 0;
  if (slot->out) { /* an arrow needs a slice to leave from */
    event_t *e = event_next(t);
    e->type = EV_FLOW_OUT;
    e->ts = ts;
    e->flow = flow;
  }
  return flow;
}

static void probe_begin(tick_loop_t *loop, void *state, unsigned kind, uint64_t flow,
                        tick__fn_t fn) {
  trace_t *t = state;
  frame_t *f;
  ring_t *slot;
  (void)loop;
  if (TICK__UNLIKELY(t->depth == STACK)) {
    t->lost_depth++;
    return;
  }
  f = &t->stack[t->depth++];
  f->start = stamp();
  f->flow = flow;
  f->fn = fn;
  if (flow != 0) kind = (unsigned)(flow & ((1u << FLOW_KIND_BITS) - 1));
  f->kind = kind < TICK__CB_KINDS ? kind : 0;
  f->flow_in = 0;
  f->wait = -1;
  slot = &t->ring[(flow >> FLOW_KIND_BITS) & (RING - 1)];
  if (flow != 0 && slot->flow == flow) {
    f->wait = f->start - slot->ts;
    f->flow_in = (unsigned)slot->out;
    slot->flow = 0; /* one arrow per capture */
  }
}

static void probe_end(tick_loop_t *loop, void *state) {
  trace_t *t = state;
  frame_t *f;
  event_t *e;
  int64_t end = stamp();
  (void)loop;
  if (TICK__UNLIKELY(t->lost_depth != 0)) {
    t->lost_depth--;
    return;
  }
  if (t->depth == 0) return; /* began before the trace started */
  f = &t->stack[--t->depth];
  e = event_next(t);
  e->type = EV_SLICE;
  e->kind = (uint8_t)f->kind;
  e->flow_in = (uint8_t)f->flow_in;
  e->ts = f->start;
  e->dur = end - f->start;
  e->wait = f->wait;
  e->flow = f->flow;
  e->u.fn = f->fn;
}

static void probe_iteration(tick_loop_t *loop, void *state) {
  trace_t *t = state;
  int64_t ts = stamp();
  event_t *e;
  if (ts - t->last_counters < t->counter_stamps) return;
  t->last_counters = ts;
  e = event_next(t);
  e->type = EV_COUNTERS;
  e->ts = ts;
  e->dur = loop->slab.live;
  e->wait = loop->timers.count;
  e->u.q.immediates = loop->immediate_count;
  e->u.q.ticks = (uint32_t)loop->ticks.len;
  e->u.q.microtasks = (uint32_t)loop->microtasks.len;
  e->u.q.jobs = loop->jobs_inflight;
}

/* Any thread: a pool thread ran a job of this loop. */
static void probe_work(tick_loop_t *loop, void *state, uint64_t flow, tick__fn_t fn,
                       int64_t start_ns, int64_t end_ns) {
  trace_t *t = state;
  (void)loop;
  pthread_mutex_lock(&t->lock);
  if (t->recording) {
    if (t->nwork < WORK_EVENTS) {
      event_t *e = &t->work[t->nwork++];
      e->type = EV_WORK;
      e->tid = (uint32_t)gettid();
      e->ts = start_ns;
      e->dur = end_ns - start_ns;
      e->flow = flow;
      e->u.fn = fn;
    } else {
      t->work_dropped++;
    }
  }
  pthread_mutex_unlock(&t->lock);
}

static const tick__probe_t probe = {probe_schedule, probe_begin, probe_end, probe_iteration,
                                    probe_work};

/* ------------------------------------------------------------- writing ---- */

static void write_out(trace_t *t) {
  size_t done = 0;
  while (done < t->nout && t->error == 0) {
    ssize_t n = write(t->fd, t->out + done, t->nout - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      t->error = tick_translate_errno(errno);
    } else {
      done += (size_t)n;
    }
  }
  t->nout = 0;
}

static inline char *out_reserve(trace_t *t) {
  if (t->nout > OUT_SIZE - OUT_ROOM) write_out(t);
  return t->out + t->nout;
}

static inline void out_commit(trace_t *t, const char *end) { t->nout = (size_t)(end - t->out); }

static inline char *put(char *p, const char *s) {
  size_t n = strlen(s);
  memcpy(p, s, n);
  return p + n;
}

/* A string literal, without strlen. */
#define PUT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *put_u64(char *p, uint64_t v) {
  char tmp[20];
  int n = 20;
  while (v >= 100) {
    unsigned d = (unsigned)(v % 100) * 2;
    v /= 100;
    tmp[--n] = digit_pairs[d + 1];
    tmp[--n] = digit_pairs[d];
  }
  if (v >= 10) {
    tmp[--n] = digit_pairs[v * 2 + 1];
    tmp[--n] = digit_pairs[v * 2];
  } else {
    tmp[--n] = (char)('0' + v);
  }
  memcpy(p, tmp + n, (size_t)(20 - n));
  return p + (20 - n);
}

/* ns as microseconds with three decimals, the trace format's unit. */
static char *put_us(char *p, int64_t ns) {
  uint64_t v;
  unsigned r;
  if (ns < 0) {
    *p++ = '-';
    v = (uint64_t)0 - (uint64_t)ns;
  } else {
    v = (uint64_t)ns;
  }
  p = put_u64(p, v / 1000);
  r = (unsigned)(v % 1000);
  *p++ = '.';
  *p++ = (char)('0' + r / 100);
  r %= 100;
  *p++ = digit_pairs[r * 2];
  *p++ = digit_pairs[r * 2 + 1];
  return p;
}

/* Stamps to ns: a point in time (since the start), a duration. */
static inline int64_t at_ns(const trace_t *t, int64_t s) {
  return (int64_t)((double)(s - t->base_stamp) * t->ns_per_stamp);
}
static inline int64_t span_ns(const trace_t *t, int64_t d) {
  return (int64_t)((double)d * t->ns_per_stamp);
}

/* Measures the stamp rate over the whole trace so far (at least 1 ms of it). */
static void calibrate(trace_t *t) {
  int64_t ns, st;
  if (STAMP_IS_NS) {
    t->ns_per_stamp = 1.0;
    return;
  }
  do {
    ns = now_ns();
    st = stamp();
  } while (ns - t->base_ns < 1000000);
  if (st > t->base_stamp) t->ns_per_stamp = (double)(ns - t->base_ns) / (double)(st - t->base_stamp);
  t->counter_stamps = (int64_t)(COUNTER_NS / t->ns_per_stamp);
}

/* A string inside JSON quotes: only what a symbol or file name may hold is kept. */
static char *put_safe(char *p, const char *s, size_t max) {
  size_t i;
  for (i = 0; s[i] != 0 && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    *p++ = (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) ? '_' : (char)c;
  }
  return p;
}

/* {"ph":"X","pid":P,"tid":T,"ts":  with ts in ns since the start. */
static char *put_head(trace_t *t, char *p, char ph, int64_t ts_ns, int tid) {
  p = PUT(p, "{\"ph\":\"");
  *p++ = ph;
  *p++ = '"';
  if (tid == t->tid) {
    memcpy(p, t->head, t->head_len);
    p += t->head_len;
  } else {
    p = PUT(p, ",\"pid\":");
    p = put_u64(p, (uint64_t)t->pid);
    p = PUT(p, ",\"tid\":");
    p = put_u64(p, (uint64_t)tid);
    p = PUT(p, ",\"ts\":");
  }
  return put_us(p, ts_ns);
}

/* The function's name: its symbol if the dynamic linker knows one that starts exactly
 * there, else "object+0xoffset" (for addr2line), cached by address. */
static const char *fn_name(trace_t *t, tick__fn_t fn) {
  uintptr_t a = (uintptr_t)fn;
  name_t *n = &t->names[(a >> 4 ^ a >> 12) & (NAMES - 1)];
  Dl_info info;
  void *addr;
  if (n->fn == fn && n->name[0] != 0) return n->name;
  n->fn = fn;
  memcpy(&addr, &fn, sizeof(addr) < sizeof(fn) ? sizeof(addr) : sizeof(fn));
  if (fn == NULL) {
    snprintf(n->name, NAME_LEN, "(none)");
  } else if (dladdr(addr, &info) != 0 && info.dli_sname != NULL && info.dli_saddr == addr) {
    snprintf(n->name, NAME_LEN, "%s", info.dli_sname);
  } else if (dladdr(addr, &info) != 0 && info.dli_fname != NULL) {
    const char *base = strrchr(info.dli_fname, '/');
    snprintf(n->name, NAME_LEN, "%s+0x%lx", base != NULL ? base + 1 : info.dli_fname,
             (unsigned long)(a - (uintptr_t)info.dli_fbase));
  } else {
    snprintf(n->name, NAME_LEN, "0x%lx", (unsigned long)a);
  }
  return n->name;
}

static void put_thread_name(trace_t *t, int tid, const char *name) {
  char *p = out_reserve(t);
  p = put(p, "{\"ph\":\"M\",\"pid\":");
  p = put_u64(p, (uint64_t)t->pid);
  p = put(p, ",\"tid\":");
  p = put_u64(p, (uint64_t)tid);
  p = put(p, ",\"name\":\"thread_name\",\"args\":{\"name\":\"");
  p = put(p, name);
  p = put(p, "\"}},\n");
  out_commit(t, p);
}

static void format_event(trace_t *t, const event_t *e) {
  char *p;
  if (e->type == EV_WORK) {
    unsigned i;
    for (i = 0; i < t->ntids && t->tids[i] != (int)e->tid; i++) continue;
    if (i == t->ntids && t->ntids < TIDS) {
      char name[48];
      t->tids[t->ntids++] = (int)e->tid;
      snprintf(name, sizeof(name), "tick pool thread %u", e->tid);
      put_thread_name(t, (int)e->tid, name);
    }
  }
  p = out_reserve(t);
  switch (e->type) {
  case EV_SLICE: {
    char *ts, *ts_end;
    p = PUT(p, "{\"ph\":\"X\"");
    memcpy(p, t->head, t->head_len);
    p += t->head_len;
    ts = p;
    p = put_us(p, at_ns(t, e->ts));
    ts_end = p;
    p = PUT(p, ",\"dur\":");
    p = put_us(p, span_ns(t, e->dur));
    p = PUT(p, ",\"cat\":\"");
    p = put(p, kind_names[e->kind]);
    p = PUT(p, "\",\"name\":\"");
    p = put(p, kind_names[e->kind]);
    *p++ = ' ';
    p = put_safe(p, fn_name(t, e->u.fn), NAME_LEN);
    p = PUT(p, "\",\"args\":{\"phase\":\"");
    p = put(p, kind_phases[e->kind]);
    *p++ = '"';
    if (e->wait >= 0) {
      p = PUT(p, ",\"wait_us\":");
      p = put_us(p, span_ns(t, e->wait));
    }
    p = PUT(p, "}},\n");
    if (e->flow_in) {
      /* Bound to the slice that encloses it: this one, which starts at the same time. */
      p = PUT(p, "{\"ph\":\"f\"");
      memcpy(p, t->head, t->head_len);
      p += t->head_len;
      memcpy(p, ts, (size_t)(ts_end - ts));
      p += ts_end - ts;
      p = PUT(p, ",\"bp\":\"e\",\"cat\":\"flow\",\"name\":\"scheduled\",\"id\":");
      p = put_u64(p, e->flow >> FLOW_KIND_BITS);
      p = PUT(p, "},\n");
    }
    break;
  }
  case EV_FLOW_OUT:
    p = put_head(t, p, 's', at_ns(t, e->ts), t->tid);
    p = PUT(p, ",\"cat\":\"flow\",\"name\":\"scheduled\",\"id\":");
    p = put_u64(p, e->flow >> FLOW_KIND_BITS);
    p = PUT(p, "},\n");
    break;
  case EV_WORK:
    p = put_head(t, p, 'X', e->ts - t->base_ns, (int)e->tid);
    p = put(p, ",\"dur\":");
    p = put_us(p, e->dur);
    p = put(p, ",\"cat\":\"work\",\"name\":\"work ");
    p = put_safe(p, fn_name(t, e->u.fn), NAME_LEN);
    p = put(p, "\",\"args\":{\"flow\":");
    p = put_u64(p, e->flow >> FLOW_KIND_BITS);
    p = put(p, "}},\n");
    if (e->flow != 0) {
      p = put_head(t, p, 't', e->ts - t->base_ns, (int)e->tid);
      p = put(p, ",\"cat\":\"flow\",\"name\":\"scheduled\",\"id\":");
      p = put_u64(p, e->flow >> FLOW_KIND_BITS);
      p = put(p, "},\n");
    }
    break;
  case EV_COUNTERS:
    p = put_head(t, p, 'C', at_ns(t, e->ts), t->tid);
    p = put(p, ",\"name\":\"queues\",\"args\":{\"timers\":");
    p = put_u64(p, (uint64_t)e->wait);
    p = put(p, ",\"immediates\":");
    p = put_u64(p, e->u.q.immediates);
    p = put(p, ",\"ticks\":");
    p = put_u64(p, e->u.q.ticks);
    p = put(p, ",\"microtasks\":");
    p = put_u64(p, e->u.q.microtasks);
    p = put(p, ",\"pool jobs\":");
    p = put_u64(p, e->u.q.jobs);
    p = put(p, "}},\n");
    p = put_head(t, p, 'C', at_ns(t, e->ts), t->tid);
    p = put(p, ",\"name\":\"live handles\",\"args\":{\"live\":");
    p = put_u64(p, (uint64_t)e->dur);
    p = put(p, "}},\n");
    break;
  default:
    break;
  }
  out_commit(t, p);
}

/* Formats and writes everything buffered, the pool threads' events included. */
static void flush_events(trace_t *t) {
  size_t i, nwork;
  uint64_t dropped;
  calibrate(t);
  for (i = 0; i < t->nev; i++) format_event(t, &t->ev[i]);
  t->nev = 0;
  /* The pool threads' array is formatted under the lock: they wait at most this long,
   * and only while this loop writes. */
  pthread_mutex_lock(&t->lock);
  nwork = t->nwork;
  dropped = t->work_dropped;
  for (i = 0; i < nwork; i++) format_event(t, &t->work[i]);
  t->nwork = 0;
  t->work_dropped = 0;
  pthread_mutex_unlock(&t->lock);
  if (dropped != 0) {
    char *p = out_reserve(t);
    p = put_head(t, p, 'i', now_ns() - t->base_ns, t->tid);
    p = put(p, ",\"s\":\"t\",\"name\":\"pool job spans dropped\",\"args\":{\"count\":");
    p = put_u64(p, dropped);
    p = put(p, "}},\n");
    out_commit(t, p);
  }
  write_out(t);
}

/* ----------------------------------------------------------- lifecycle ---- */

static trace_t *trace_state(const tick_loop_t *loop) {
  return tick__loop_module_state(loop, TICK__MODULE_OBS);
}

/* Ends the file: flushes, writes the closing event and bracket, closes. */
static int trace_finish(tick_loop_t *loop, trace_t *t) {
  char *p;
  int r;
  if (tick__loop_probe_state(loop, &probe) == t) tick__loop_set_probe(loop, NULL, NULL);
  flush_events(t);
  pthread_mutex_lock(&t->lock);
  t->recording = 0;
  pthread_mutex_unlock(&t->lock);
  p = out_reserve(t);
  p = put_head(t, p, 'i', now_ns() - t->base_ns, t->tid);
  p = put(p, ",\"s\":\"t\",\"name\":\"trace stopped\"}\n]}\n");
  out_commit(t, p);
  write_out(t);
  close(t->fd);
  t->fd = -1;
  r = t->error;
  t->depth = t->lost_depth = 0;
  return r;
}

static void module_destroy(tick_loop_t *loop, void *state) {
  trace_t *t = state;
  if (t->fd >= 0) (void)trace_finish(loop, t);
  pthread_mutex_destroy(&t->lock);
  tick__free(t);
}

static const tick__module_hooks_t module_hooks = {NULL, module_destroy, NULL};

int tick_trace_start(tick_loop_t *loop, const char *path) {
  trace_t *t;
  size_t len;
  int fd, r;
  char *p;
  r = tick__loop_check(loop);
  if (r != 0) return r;
  if (path == NULL || path[0] == 0) return TICK_EINVAL;
  len = strlen(path);
  t = trace_state(loop);
  if (t != NULL && t->fd >= 0) return TICK_EBUSY;
  if (len >= sizeof(t->path)) return TICK_ENAMETOOLONG;
  if (t == NULL) {
    t = tick__malloc(sizeof(*t));
    if (t == NULL) return TICK_ENOMEM;
    memset(t, 0, offsetof(trace_t, ev));
    memset(t->names, 0, sizeof(t->names));
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
      tick__free(t);
      return TICK_ENOMEM;
    }
    t->loop = loop;
    t->fd = -1;
    tick__loop_set_module(loop, TICK__MODULE_OBS, &module_hooks, t);
  }
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tick_translate_errno(errno);
  memcpy(t->path, path, len + 1);
  t->fd = fd;
  t->error = 0;
  t->pid = (int)getpid();
  t->tid = (int)gettid();
  t->base_ns = now_ns();
  t->base_stamp = stamp();
  t->ns_per_stamp = 1.0;
  /* About right for a 3 GHz counter, until calibrated. */
  t->counter_stamps = STAMP_IS_NS ? COUNTER_NS : COUNTER_NS * 3;
  t->head_len = (size_t)snprintf(t->head, sizeof(t->head), ",\"pid\":%d,\"tid\":%d,\"ts\":",
                                 t->pid, t->tid);
  t->nev = t->nout = 0;
  t->depth = t->lost_depth = 0;
  t->ntids = 0;
  t->last_counters = t->base_stamp - t->counter_stamps;
  pthread_mutex_lock(&t->lock);
  t->nwork = 0;
  t->work_dropped = 0;
  t->recording = 1;
  pthread_mutex_unlock(&t->lock);
  p = out_reserve(t);
  p = put(p, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  p = put(p, "{\"ph\":\"M\",\"pid\":");
  p = put_u64(p, (uint64_t)t->pid);
  p = put(p, ",\"name\":\"process_name\",\"args\":{\"name\":\"tick\"}},\n");
  out_commit(t, p);
  {
    char name[64];
    snprintf(name, sizeof(name), "tick loop %p", (void *)loop);
    put_thread_name(t, t->tid, name);
  }
  tick__loop_set_probe(loop, &probe, t);
  return 0;
}

int tick_trace_flush(tick_loop_t *loop) {
  trace_t *t;
  int r = tick__loop_check(loop);
  if (r != 0) return r;
  t = trace_state(loop);
  if (t == NULL || t->fd < 0) return TICK_EINVAL;
  flush_events(t);
  return t->error;
}

int tick_trace_stop(tick_loop_t *loop) {
  trace_t *t;
  int r = tick__loop_check(loop);
  if (r != 0) return r;
  t = trace_state(loop);
  if (t == NULL || t->fd < 0) return TICK_EINVAL;
  return trace_finish(loop, t);
}

const char *tick_trace_path(const tick_loop_t *loop) {
  trace_t *t;
  if (tick__loop_check(loop) != 0) return NULL;
  t = trace_state(loop);
  return t != NULL && t->path[0] != 0 ? t->path : NULL;
}

/* Loops that TICK_TRACE has traced in this process, for naming their files: like the
 * environment variable it serves, this count is the process's, not a loop's. */
static atomic_uint environment_traces;

/* TICK_TRACE=FILE: "%p" becomes the process id, "%l" the loop's address. The first loop
 * traced this way writes FILE, the next ones FILE with "-2", "-3"... before its
 * extension, so that a program that makes loops one after the other keeps all their
 * traces. */
static void probe_from_environment(tick_loop_t *loop) {
  const char *spec = getenv("TICK_TRACE");
  char path[4096];
  size_t n = 0;
  unsigned nth;
  if (spec == NULL || spec[0] == 0) return;
  for (; *spec != 0 && n + 32 < sizeof(path); spec++) {
    if (spec[0] == '%' && spec[1] == 'p') {
      n += (size_t)snprintf(path + n, sizeof(path) - n, "%d", (int)getpid());
      spec++;
    } else if (spec[0] == '%' && spec[1] == 'l') {
      n += (size_t)snprintf(path + n, sizeof(path) - n, "%lx", (unsigned long)(uintptr_t)loop);
      spec++;
    } else {
      path[n++] = *spec;
    }
  }
  path[n] = 0;
  nth = atomic_fetch_add(&environment_traces, 1) + 1;
  if (nth > 1) {
    char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    char ext[4096];
    if (dot == NULL || (slash != NULL && dot < slash) || dot == path) dot = path + n;
    snprintf(ext, sizeof(ext), "%s", dot);
    snprintf(dot, sizeof(path) - (size_t)(dot - path), "-%u%s", nth, ext);
  }
  (void)tick_trace_start(loop, path);
}

/* The public constructor lives here, at the top, so that the core (tick__loop_create)
 * calls nothing above it: a loop is made by the core, then traced if TICK_TRACE asks; a
 * trace that cannot start is never a reason for the loop to fail. */
int tick_loop_create(tick_loop_t **loop_out, unsigned flags) {
  int r = tick__loop_create(loop_out, flags);
  if (r == 0) probe_from_environment(*loop_out);
  return r;
}
