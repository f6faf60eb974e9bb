/* metrics.c - tick_loop_metrics: counters, loop utilization, the event-loop delay
 * histogram, and the layers' figures through their module hooks.
 *
 * Counters are plain increments where the phases run callbacks (no clock). The timed
 * figures are opt-in (tick_loop_metrics_enable) and read the clock only at run()/advance()
 * boundaries, before a blocking poller wait (the read after it is the loop's own), and at
 * delay samples, which reuse the read each iteration begins with. tick/metrics.h gives the
 * definitions; docs/observability.md the reasoning.
 */
#include "core/loop.h"

#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------- clock ---- */

int64_t tick__clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tick__stats_clock_ns(const tick_loop_t *loop) {
  if (loop->flags & TICK_LOOP_MANUAL_CLOCK) return loop->now * 1000000;
  return tick__clock_ns();
}

/* -------------------------------------------------------------- histogram ---- */

/* Log-linear buckets over ns: values below 16 each have a bucket; above, each power of two
 * [2^e, 2^(e+1)) is cut into 16 equal sub-buckets. Exponents stop at HIST_EMAX (2^48 ns,
 * about 78 hours): larger values go in the last bucket, and the exact maximum is kept. */
#define HIST_SUB_BITS 4
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_EMAX 47
#define HIST_BUCKETS ((HIST_EMAX - HIST_SUB_BITS + 2) * HIST_SUB)

struct tick__hist_s {
  uint64_t count, sum, min, max;
  uint64_t bucket[HIST_BUCKETS];
};

static unsigned hist_index(uint64_t v) {
  unsigned e;
  if (v < HIST_SUB) return (unsigned)v;
  e = 63u - (unsigned)__builtin_clzll(v);
  if (e > HIST_EMAX) return HIST_BUCKETS - 1;
  return (e - HIST_SUB_BITS + 1) * HIST_SUB + (unsigned)((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* The largest value that falls in bucket `i`. */
static uint64_t hist_upper(unsigned i) {
  unsigned e, sub;
  if (i < HIST_SUB) return i;
  e = i / HIST_SUB + HIST_SUB_BITS - 1;
  sub = i % HIST_SUB;
  return ((uint64_t)(HIST_SUB + sub + 1) << (e - HIST_SUB_BITS)) - 1;
}

static void hist_record(tick__hist_t *h, uint64_t v) {
  h->bucket[hist_index(v)]++;
  if (h->count == 0 || v < h->min) h->min = v;
  if (v > h->max) h->max = v;
  h->count++;
  h->sum += v;
}

/* The value at or below which `permille` thousandths of the samples lie. */
static uint64_t hist_percentile(const tick__hist_t *h, unsigned permille) {
  uint64_t want, seen = 0, v;
  unsigned i;
  if (h->count == 0) return 0;
  want = (h->count * permille + 999) / 1000;
  if (want == 0) want = 1;
  for (i = 0; i < HIST_BUCKETS; i++) {
    seen += h->bucket[i];
    if (seen >= want) break;
  }
  v = i < HIST_BUCKETS ? hist_upper(i) : h->max;
  if (v > h->max) v = h->max;
  if (v < h->min) v = h->min;
  return v;
}

/* ------------------------------------------------------------ utilization ---- */

void tick__stats_run_begin(tick_loop_t *loop) {
  loop->obs.run_timed = 1;
  loop->obs.run_start_ns = tick__stats_clock_ns(loop);
}

void tick__stats_run_end(tick_loop_t *loop) {
  int64_t d;
  if (!loop->obs.run_timed) return;
  loop->obs.run_timed = 0;
  if (!(loop->obs.flags & TICK_METRICS_IDLE_TIME)) return;
  d = tick__stats_clock_ns(loop) - loop->obs.run_start_ns;
  if (d > 0) loop->obs.run_ns += (uint64_t)d;
}

/* ----------------------------------------------------------------- delay ---- */

/* The deadline is a whole millisecond, the first at or after `from_ns` plus the
 * resolution: the loop's waits have millisecond resolution, so that is the earliest
 * moment it could come back, and lateness is measured from it (measured from the exact
 * nanosecond, an idle loop would read up to 1 ms late from the rounding alone). */
static void delay_arm(tick_loop_t *loop, int64_t from_ns) {
  int64_t due = from_ns + (int64_t)loop->obs.delay_res_ms * 1000000;
  loop->obs.delay_due = (due + 999999) / 1000000;
  loop->obs.delay_due_ns = loop->obs.delay_due * 1000000;
}

void tick__stats_delay_sample(tick_loop_t *loop) {
  int64_t now_ns, late;
  if (loop->obs.hist == NULL) { /* off: the deadline is INT64_MAX, never reached */
    loop->obs.delay_due = INT64_MAX;
    return;
  }
  now_ns = (loop->flags & TICK_LOOP_MANUAL_CLOCK) ? loop->now * 1000000 : loop->obs.now_ns;
  late = now_ns - loop->obs.delay_due_ns;
  hist_record(loop->obs.hist, late > 0 ? (uint64_t)late : 0);
  delay_arm(loop, now_ns);
}

/* ---------------------------------------------------------------- the API ---- */

int tick_loop_metrics_enable(tick_loop_t *loop, unsigned flags, uint32_t delay_resolution_ms) {
  tick__stats_t *o;
  unsigned was;
  TICK__CHECK_LOOP(loop);
  o = &loop->obs;
  if (flags & ~(unsigned)(TICK_METRICS_IDLE_TIME | TICK_METRICS_DELAY | TICK_METRICS_POOL_WAIT))
    return TICK_EINVAL;
  if ((flags & TICK_METRICS_DELAY) &&
      (delay_resolution_ms < 1 || delay_resolution_ms > TICK_TIMEOUT_MAX))
    return TICK_EINVAL;
  was = o->flags;
  if ((flags & TICK_METRICS_DELAY) &&
      (!(was & TICK_METRICS_DELAY) || delay_resolution_ms != o->delay_res_ms)) {
    if (o->hist == NULL) {
      o->hist = tick__malloc(sizeof(*o->hist));
      if (o->hist == NULL) return TICK_ENOMEM;
    }
    memset(o->hist, 0, sizeof(*o->hist));
    o->delay_res_ms = delay_resolution_ms;
    /* The clock is read without updating the loop's cached time, which only the loop
     * and the timer calls move. */
    delay_arm(loop, tick__stats_clock_ns(loop));
  } else if (!(flags & TICK_METRICS_DELAY)) {
    tick__free(o->hist);
    o->hist = NULL;
    o->delay_res_ms = 0;
    o->delay_due = INT64_MAX;
  }
  if ((flags & TICK_METRICS_POOL_WAIT) && !(was & TICK_METRICS_POOL_WAIT))
    o->pool_wait_count = o->pool_wait_total_ns = o->pool_wait_max_ns = 0;
  if ((flags & TICK_METRICS_IDLE_TIME) && !(was & TICK_METRICS_IDLE_TIME)) {
    o->idle_ns = o->run_ns = 0;
    /* Switched on inside a run: that run is timed from now. */
    if (loop->running) tick__stats_run_begin(loop);
  }
  o->flags = flags;
  return 0;
}

int tick_loop_metrics(tick_loop_t *loop, tick_loop_metrics_t *metrics) {
  tick_loop_metrics_t m;
  const tick__stats_t *o;
  size_t n;
  int i;
  TICK__CHECK_LOOP(loop);
  if (metrics == NULL ||
      metrics->size < offsetof(tick_loop_metrics_t, enabled) + sizeof(metrics->enabled))
    return TICK_EINVAL;
  o = &loop->obs;
  memset(&m, 0, sizeof(m));
  m.enabled = o->flags;
  m.iterations = loop->iteration;
  if (o->flags & TICK_METRICS_IDLE_TIME) {
    uint64_t run = o->run_ns;
    if (o->run_timed) { /* called from inside a run: count it up to now */
      int64_t d = tick__stats_clock_ns(loop) - o->run_start_ns;
      if (d > 0) run += (uint64_t)d;
    }
    m.idle_ns = o->idle_ns;
    m.active_ns = run > o->idle_ns ? run - o->idle_ns : 0;
  }
  m.timer_callbacks = o->timer_cbs;
  m.poll_callbacks = o->poll_cbs;
  m.check_callbacks = o->check_cbs;
  m.close_callbacks = o->close_cbs;
  m.ticks_run = o->ticks_run;
  m.microtasks_run = o->microtasks_run;
  m.timers = loop->timers.count;
  m.immediates = loop->immediate_count;
  m.handles = loop->poll_count;
  m.closing = loop->closing_count;
  m.ticks_queued = loop->ticks.len;
  m.microtasks_queued = loop->microtasks.len;
  m.pending_refs = loop->module_refs;
  if (o->hist != NULL) {
    const tick__hist_t *h = o->hist;
    m.delay_resolution_ms = o->delay_res_ms;
    m.delay_samples = h->count;
    m.delay_min_ns = h->min;
    m.delay_max_ns = h->max;
    m.delay_mean_ns = h->count ? h->sum / h->count : 0;
    m.delay_p50_ns = hist_percentile(h, 500);
    m.delay_p90_ns = hist_percentile(h, 900);
    m.delay_p99_ns = hist_percentile(h, 990);
  }
  if (o->flags & TICK_METRICS_POOL_WAIT) {
    m.pool_wait_count = o->pool_wait_count;
    m.pool_wait_total_ns = o->pool_wait_total_ns;
    m.pool_wait_max_ns = o->pool_wait_max_ns;
  }
  for (i = 0; i < TICK__MODULE_MAX; i++)
    if (loop->modules[i] != NULL && loop->modules[i]->metrics != NULL)
      loop->modules[i]->metrics(loop, loop->module_state[i], &m);
  n = metrics->size < sizeof(m) ? metrics->size : sizeof(m);
  m.size = n;
  memcpy(metrics, &m, n);
  return 0;
}

void tick__stats_free(tick_loop_t *loop) {
  tick__free(loop->obs.hist);
  loop->obs.hist = NULL;
}
