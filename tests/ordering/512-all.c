/* SEMANTICS 6: Promise.all keeps input order and rejects like the first rejection in time;
 * all([]) fulfils at once. */
#include "ptwin.h"

typedef struct {
  tick_resolver_t *r;
  const char *label;
  int depth;
  int reject;
} settle_t;

/* Settles from an immediate `depth` iterations from now. */
static void settle_step(tick_loop_t *loop, void *arg) {
  settle_t *job = arg;
  if (--job->depth > 0) {
    check(tick_set_immediate(loop, settle_step, job, NULL), "setImmediate");
    return;
  }
  sayf("immediate %s", job->label);
  if (job->reject)
    check(tick_resolver_reject(job->r, JS_THROW, (void *)(uintptr_t)job->label, NULL), "rej");
  else
    check(tick_resolver_resolve(job->r, (void *)(uintptr_t)job->label, NULL), "res");
  check(tick_resolver_release(job->r), "release");
}

static tick_promise_t *settle(tick_loop_t *loop, settle_t *job) {
  tick_promise_t *p = deferred(loop, &job->r);
  check(tick_set_immediate(loop, settle_step, job, NULL), "setImmediate");
  return p;
}

/* vs => log(label, vs.join(',')) */
static int log_all(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  char buf[256] = "";
  size_t i;
  (void)loop;
  (void)next;
  for (i = 0; i < tick_promise_count(s); i++) {
    if (i) strcat(buf, ",");
    strcat(buf, show(tick_promise_item(s, i)));
  }
  sayf("%s %s", (const char *)arg, buf);
  return 0;
}

static int log_length(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  sayf("%s %zu", (const char *)arg, tick_promise_count(s));
  return 0;
}

static void all(tick_loop_t *loop, tick_promise_t **in, size_t n, tick_promise_cb ok,
                tick_promise_cb err, const char *label) {
  tick_promise_t *p;
  check(tick_promise_all(loop, in, n, &p), "all");
  then_(p, ok, err, label);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  static settle_t jl = {NULL, "late", 2, 0}, j1 = {NULL, "r1", 3, 1}, j2 = {NULL, "r2", 1, 1};
  tick_promise_t *late, *in[3], *r1, *r2;
  start_turns(loop, 4);
  late = settle(loop, &jl);
  in[0] = late;
  in[1] = resolved(loop, "plain");
  in[2] = resolved(loop, "early");
  all(loop, in, 3, log_all, NULL, "all");
  release(in[1]);
  release(in[2]);
  r1 = settle(loop, &j1);
  r2 = settle(loop, &j2);
  in[0] = r1;
  in[1] = r2;
  in[2] = late;
  all(loop, in, 3, log_value, log_value, "all rejected");
  release(r1);
  release(r2);
  release(late);
  all(loop, NULL, 0, log_length, NULL, "empty");
  in[0] = resolved(loop, "x");
  in[1] = resolved(loop, "y");
  all(loop, in, 2, log_all, NULL, "ready");
  release(in[0]);
  release(in[1]);
}
