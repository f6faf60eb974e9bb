/* test-group.c - task groups (include/tick/group.h, docs/cancellation.md "Task groups"). */
#include "test.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...) {
  va_list ap;
  size_t len = strlen(logbuf);
  va_start(ap, fmt);
  vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
  va_end(ap);
}

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static int frees;
static void count_free(void *p) {
  (void)p;
  frees++;
}

/* A member: logs "s<id>" when it starts, awaits `wait` (if any), logs "e<id>:<code>" at
 * its end (its cleanup), then returns `ret` (a throw if negative) or `value`. */
typedef struct job_s {
  int id;
  tick_promise_t *wait;
  int ret;
  intptr_t value;
  int await_code; /* what its await returned */
  int ended;
} job_t;

static int job_body(tick_async_t *co, void *arg) {
  job_t *j = arg;
  int rc = 0;
  logf_("s%d ", j->id);
  if (j->wait != NULL) rc = tick_await(co, j->wait);
  j->await_code = rc;
  j->ended = 1;
  logf_("e%d:%s ", j->id, rc == 0 ? "ok" : tick_err_name(rc));
  if (rc < 0) return rc;
  if (j->ret < 0) return tick_async_throw_message(co, j->ret, "job failed");
  return tick_async_return(co, (void *)j->value, NULL);
}

static void deferred(tick_loop_t *loop, tick_promise_t **p, tick_resolver_t **r) {
  ASSERT_OK(tick_promise_create_deferred(loop, p, r));
}

static void run_loop(tick_loop_t *loop) { ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT)); }

static tick_loop_t *new_loop(unsigned flags) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, flags));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  return loop;
}

/* ------------------------------------------------------------------ basics ---- */

TEST(group_all_fulfils_once_closed_and_every_member_ended) {
  tick_loop_t *loop = new_loop(0);
  tick_group_t *g;
  tick_promise_t *gp, *w[3];
  tick_resolver_t *r[3];
  tick_group_item_t item;
  job_t jobs[3];
  size_t i, index;
  logbuf[0] = 0;
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT_OK(tick_group_promise(g, &gp));
  for (i = 0; i < 3; i++) {
    deferred(loop, &w[i], &r[i]);
    memset(&jobs[i], 0, sizeof(jobs[i]));
    jobs[i].id = (int)i;
    jobs[i].wait = w[i];
    jobs[i].value = (intptr_t)(10 + i);
    ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, &index));
    ASSERT_UEQ(index, i);
  }
  /* Each started at once, as tick_async_run does. */
  ASSERT_STR_EQ(logbuf, "s0 s1 s2 ");
  ASSERT_UEQ(tick_group_count(g), 3);
  ASSERT_UEQ(tick_group_running(g), 3);
  for (i = 3; i-- > 0;) ASSERT_EQ(tick_resolver_resolve(r[i], NULL, NULL), 1);
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 s1 s2 e2:ok e1:ok e0:ok ");
  /* Every member ended, but the group is open: its promise waits (a nursery's body). */
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_PENDING);
  ASSERT_UEQ(tick_group_running(g), 0);
  ASSERT_OK(tick_group_close(g));
  ASSERT_OK(tick_group_close(g)); /* twice: no-op */
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_FULFILLED);
  ASSERT_PTR_EQ(tick_promise_value(gp), NULL);
  for (i = 0; i < 3; i++) {
    ASSERT_OK(tick_group_item(g, i, &item));
    ASSERT_EQ(item.state, TICK_PROMISE_FULFILLED);
    ASSERT_EQ(item.error, 0);
    ASSERT_EQ(item.started, 1);
    ASSERT_EQ((intptr_t)tick_promise_value(item.promise), (intptr_t)(10 + i));
  }
  ASSERT_UEQ(tick_group_failures(g), 0);
  ASSERT_ERR(tick_group_winner(g, &index), TICK_ENOENT);
  /* Settled: nothing more can be added. */
  ASSERT_ERR(tick_group_run(g, job_body, &jobs[0], NULL, NULL), TICK_ECLOSING);
  ASSERT_ERR(tick_group_adopt(g, gp, NULL), TICK_ECLOSING);
  ASSERT_OK(tick_group_release(g));
  for (i = 0; i < 3; i++) {
    ASSERT_OK(tick_promise_release(w[i]));
    ASSERT_OK(tick_resolver_release(r[i]));
  }
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int log_fulfilled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                         void *arg) {
  (void)loop;
  (void)settled;
  (void)next;
  logf_("%s:ok ", (const char *)arg);
  return 0;
}

static int log_rejected(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)next;
  logf_("%s:%s ", (const char *)arg, tick_err_name(tick_promise_error(settled)));
  return 0;
}

TEST(group_empty_closed_group_fulfils_in_the_next_turn) {
  tick_loop_t *loop = new_loop(0);
  tick_group_t *g;
  tick_promise_t *gp;
  logbuf[0] = 0;
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_promise_then(gp, log_fulfilled, log_rejected, (void *)"g", NULL, NULL));
  ASSERT_OK(tick_group_close(g));
  ASSERT_STR_EQ(logbuf, ""); /* never from inside the call */
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "g:ok ");
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ first failure ---- */

TEST(group_all_first_failure_cancels_the_others_and_waits_for_their_cleanup) {
  tick_loop_t *loop = new_loop(0);
  tick_group_t *g;
  tick_promise_t *gp, *never, *soon;
  tick_resolver_t *never_r, *soon_r;
  job_t jobs[3];
  size_t i, index;
  logbuf[0] = 0;
  deferred(loop, &never, &never_r);
  deferred(loop, &soon, &soon_r);
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  memset(jobs, 0, sizeof(jobs));
  for (i = 0; i < 3; i++) {
    jobs[i].id = (int)i;
    jobs[i].wait = i == 1 ? soon : never;
  }
  jobs[1].ret = TICK_EIO;
  for (i = 0; i < 3; i++) ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, NULL));
  ASSERT_OK(tick_group_close(g));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_promise_then(gp, log_fulfilled, log_rejected, (void *)"g", NULL, NULL));
  ASSERT_EQ(tick_resolver_resolve(soon_r, NULL, NULL), 1);
  run_loop(loop);
  /* Member 1 threw; 0 and 2 saw TICK_ECANCELED at their await and ran their cleanup
   * before the group settled like member 1. */
  ASSERT_STR_EQ(logbuf, "s0 s1 s2 e1:ok e0:ECANCELED e2:ECANCELED g:EIO ");
  ASSERT_EQ(tick_promise_error(gp), TICK_EIO);
  ASSERT_STR_EQ(tick_promise_message(gp), "job failed");
  ASSERT_OK(tick_group_winner(g, &index));
  ASSERT_UEQ(index, 1);
  ASSERT_UEQ(tick_group_failures(g), 3);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_promise_release(soon));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_resolver_release(soon_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(group_collect_runs_every_member_and_rejects_with_an_aggregate) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp, *w;
  tick_resolver_t *r;
  tick_group_item_t item;
  job_t jobs[4];
  size_t i;
  logbuf[0] = 0;
  deferred(loop, &w, &r);
  memset(&opt, 0, sizeof(opt));
  opt.mode = TICK_GROUP_COLLECT;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  memset(jobs, 0, sizeof(jobs));
  for (i = 0; i < 4; i++) {
    jobs[i].id = (int)i;
    jobs[i].wait = w;
    jobs[i].ret = (i % 2) ? TICK_EIO - (int)i : 0;
    jobs[i].value = (intptr_t)i;
    ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, NULL));
  }
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 s1 s2 s3 e0:ok e1:ok e2:ok e3:ok ");
  ASSERT_EQ(tick_promise_error(gp), TICK_EAGGREGATE);
  ASSERT_UEQ(tick_group_failures(g), 2);
  for (i = 0; i < 4; i++) {
    ASSERT_OK(tick_group_item(g, i, &item));
    if (i % 2) {
      ASSERT_EQ(item.state, TICK_PROMISE_REJECTED);
      ASSERT_EQ(item.error, TICK_EIO - (int)i);
      ASSERT_STR_EQ(tick_promise_message(item.promise), "job failed");
    } else {
      ASSERT_EQ(item.state, TICK_PROMISE_FULFILLED);
      ASSERT_EQ((intptr_t)tick_promise_value(item.promise), (intptr_t)i);
    }
  }
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(w));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------------ limit ---- */

typedef struct limited_s {
  tick_group_t *g;
  size_t max_running;
  int id;
} limited_t;

static limited_t limited_jobs[20];
static size_t limited_max;

static int limited_body(tick_async_t *co, void *arg) {
  limited_t *l = arg;
  size_t running = tick_group_running(l->g);
  int rc;
  if (running > limited_max) limited_max = running;
  logf_("s%d ", l->id);
  /* Two turns of work: an await of a value, then of a fresh promise. */
  rc = tick_await_value(co, NULL, NULL);
  if (rc == 0) rc = tick_await_value(co, NULL, NULL);
  logf_("e%d ", l->id);
  return rc;
}

TEST(group_limit_runs_at_most_n_and_starts_the_rest_in_order) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp;
  int i;
  logbuf[0] = 0;
  limited_max = 0;
  memset(&opt, 0, sizeof(opt));
  opt.limit = 2;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  for (i = 0; i < 6; i++) {
    limited_jobs[i].g = g;
    limited_jobs[i].id = i;
    ASSERT_OK(tick_group_run(g, limited_body, &limited_jobs[i], NULL, NULL));
  }
  ASSERT_STR_EQ(logbuf, "s0 s1 ");
  ASSERT_UEQ(tick_group_running(g), 2);
  ASSERT_UEQ(tick_group_queued(g), 4);
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 s1 e0 e1 s2 s3 e2 e3 s4 s5 e4 e5 ");
  ASSERT_UEQ(limited_max, 2);
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_FULFILLED);
  ASSERT_UEQ(tick_group_queued(g), 0);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(group_cancelled_queued_members_end_once_and_never_start) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp, *never;
  tick_resolver_t *never_r;
  tick_async_options_t aopt;
  tick_group_item_t item;
  job_t jobs[4];
  size_t i;
  logbuf[0] = 0;
  frees = 0;
  deferred(loop, &never, &never_r);
  memset(&opt, 0, sizeof(opt));
  opt.limit = 1;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  memset(&aopt, 0, sizeof(aopt));
  aopt.free_arg = count_free;
  memset(jobs, 0, sizeof(jobs));
  for (i = 0; i < 4; i++) {
    jobs[i].id = (int)i;
    jobs[i].wait = never;
    ASSERT_OK(tick_group_run(g, job_body, &jobs[i], &aopt, NULL));
  }
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_promise_then(gp, log_fulfilled, log_rejected, (void *)"g", NULL, NULL));
  ASSERT_STR_EQ(logbuf, "s0 ");
  ASSERT_OK(tick_group_cancel(g, TICK_EINTR));
  /* The queued ones ended at once, their free_arg called; the running one is cancelled. */
  ASSERT_EQ(frees, 3);
  ASSERT_UEQ(tick_group_queued(g), 0);
  ASSERT_OK(tick_group_cancel(g, TICK_EIO)); /* idempotent: the first code stays */
  ASSERT_OK(tick_group_close(g));
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 e0:EINTR g:EINTR ");
  ASSERT_EQ(frees, 4);
  for (i = 0; i < 4; i++) {
    ASSERT_OK(tick_group_item(g, i, &item));
    ASSERT_EQ(item.state, TICK_PROMISE_REJECTED);
    ASSERT_EQ(item.error, TICK_EINTR);
    ASSERT_EQ(item.started, i == 0);
    ASSERT(i == 0 ? item.promise != NULL : item.promise == NULL);
  }
  /* Added to a cancelled, still open group: ends at once, never starts. */
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT_OK(tick_group_cancel(g, TICK_ECANCELED));
  ASSERT_OK(tick_group_run(g, job_body, &jobs[0], &aopt, &i));
  ASSERT_EQ(frees, 5);
  ASSERT_OK(tick_group_item(g, i, &item));
  ASSERT_EQ(item.error, TICK_ECANCELED);
  ASSERT_EQ(item.started, 0);
  ASSERT_OK(tick_group_release(g));
  ASSERT_STR_EQ(logbuf, "s0 e0:EINTR g:EINTR ");
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------- race and any ---- */

TEST(group_race_settles_like_the_first_to_end_and_cancels_the_losers) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp, *never, *soon;
  tick_resolver_t *never_r, *soon_r;
  job_t jobs[3];
  size_t i, index;
  logbuf[0] = 0;
  deferred(loop, &never, &never_r);
  deferred(loop, &soon, &soon_r);
  memset(&opt, 0, sizeof(opt));
  opt.mode = TICK_GROUP_RACE;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  memset(jobs, 0, sizeof(jobs));
  for (i = 0; i < 3; i++) {
    jobs[i].id = (int)i;
    jobs[i].wait = i == 2 ? soon : never;
    jobs[i].value = 42;
    ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, NULL));
  }
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_promise_then(gp, log_fulfilled, log_rejected, (void *)"g", NULL, NULL));
  ASSERT_OK(tick_group_close(g));
  ASSERT_EQ(tick_resolver_resolve(soon_r, NULL, NULL), 1);
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 s1 s2 e2:ok e0:ECANCELED e1:ECANCELED g:ok ");
  ASSERT_EQ((intptr_t)tick_promise_value(gp), 42);
  ASSERT_OK(tick_group_winner(g, &index));
  ASSERT_UEQ(index, 2);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  /* A race won by a rejection rejects like it. */
  logbuf[0] = 0;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  jobs[0].wait = NULL;
  jobs[0].ret = TICK_EPIPE;
  jobs[1].wait = never;
  ASSERT_OK(tick_group_run(g, job_body, &jobs[1], NULL, NULL));
  ASSERT_OK(tick_group_run(g, job_body, &jobs[0], NULL, NULL));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s1 s0 e0:ok e1:ECANCELED ");
  ASSERT_EQ(tick_promise_error(gp), TICK_EPIPE);
  ASSERT_OK(tick_group_winner(g, &index));
  ASSERT_UEQ(index, 1);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  /* An empty race fulfils with NULL once closed. */
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_promise_release(soon));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_resolver_release(soon_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(group_any_takes_the_first_fulfilment_or_rejects_with_an_aggregate) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp, *never, *later;
  tick_resolver_t *never_r, *later_r;
  job_t jobs[3];
  size_t i, index;
  logbuf[0] = 0;
  deferred(loop, &never, &never_r);
  deferred(loop, &later, &later_r);
  memset(&opt, 0, sizeof(opt));
  opt.mode = TICK_GROUP_ANY;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  memset(jobs, 0, sizeof(jobs));
  jobs[0] = (job_t){.id = 0, .wait = NULL, .ret = TICK_EIO};
  jobs[1] = (job_t){.id = 1, .wait = later, .value = 7};
  jobs[2] = (job_t){.id = 2, .wait = never};
  for (i = 0; i < 3; i++) ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, NULL));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_OK(tick_promise_then(gp, log_fulfilled, log_rejected, (void *)"g", NULL, NULL));
  run_loop(loop); /* member 0's rejection is not a win */
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_resolver_resolve(later_r, NULL, NULL), 1);
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 e0:ok s1 s2 e1:ok e2:ECANCELED g:ok ");
  ASSERT_EQ((intptr_t)tick_promise_value(gp), 7);
  ASSERT_OK(tick_group_winner(g, &index));
  ASSERT_UEQ(index, 1);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  /* All rejected: TICK_EAGGREGATE, each reason readable by index. */
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  jobs[1] = (job_t){.id = 1, .ret = TICK_EPIPE};
  ASSERT_OK(tick_group_run(g, job_body, &jobs[0], NULL, NULL));
  ASSERT_OK(tick_group_run(g, job_body, &jobs[1], NULL, NULL));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  run_loop(loop);
  ASSERT_EQ(tick_promise_error(gp), TICK_EAGGREGATE);
  ASSERT_UEQ(tick_group_failures(g), 2);
  ASSERT_ERR(tick_group_winner(g, &index), TICK_ENOENT);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  /* Empty: rejected. */
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_release(g)); /* release closes */
  ASSERT_EQ(tick_promise_error(gp), TICK_EAGGREGATE);
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_promise_release(later));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_resolver_release(later_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ---------------------------------------------------------------- timeout ---- */

TEST(group_timeout_cancels_with_etimedout) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp, *never;
  tick_resolver_t *never_r;
  job_t jobs[2];
  size_t i;
  logbuf[0] = 0;
  deferred(loop, &never, &never_r);
  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 50;
  opt.limit = 1;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  memset(jobs, 0, sizeof(jobs));
  for (i = 0; i < 2; i++) {
    jobs[i].id = (int)i;
    jobs[i].wait = never;
    ASSERT_OK(tick_group_run(g, job_body, &jobs[i], NULL, NULL));
  }
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_OK(tick_loop_advance(loop, 49));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_PENDING);
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_STR_EQ(logbuf, "s0 e0:ETIMEDOUT ");
  ASSERT_EQ(tick_promise_error(gp), TICK_ETIMEDOUT);
  ASSERT_OK(tick_group_release(g));
  /* A group that ends in time clears its deadline: nothing keeps the loop. */
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  ASSERT_OK(tick_group_release(g));
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ----------------------------------------------------------------- adopting ---- */

TEST(group_adopts_promises) {
  tick_loop_t *loop = new_loop(0);
  tick_group_t *g;
  tick_promise_t *gp, *a, *b, *done;
  tick_resolver_t *ar, *br;
  tick_group_item_t item;
  size_t index;
  logbuf[0] = 0;
  deferred(loop, &a, &ar);
  deferred(loop, &b, &br);
  ASSERT_OK(tick_promise_resolve(loop, (void *)"x", NULL, &done));
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT_OK(tick_group_adopt(g, a, &index));
  ASSERT_UEQ(index, 0);
  ASSERT_OK(tick_group_adopt(g, done, &index));
  ASSERT_UEQ(index, 1);
  ASSERT_OK(tick_group_adopt(g, b, NULL));
  ASSERT_UEQ(tick_group_running(g), 0); /* adopted promises are outside the limit */
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_EQ(tick_resolver_resolve(ar, (void *)"y", NULL), 1);
  run_loop(loop);
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_PENDING);
  ASSERT_OK(tick_group_item(g, 1, &item));
  ASSERT_EQ(item.state, TICK_PROMISE_FULFILLED);
  ASSERT_STR_EQ((const char *)tick_promise_value(item.promise), "x");
  ASSERT_OK(tick_group_item(g, 2, &item));
  ASSERT_EQ(item.state, TICK_PROMISE_PENDING);
  /* A deferred has nothing to stop: cancelling ends the member at once. */
  ASSERT_OK(tick_group_cancel(g, TICK_ECANCELED));
  ASSERT_OK(tick_group_item(g, 2, &item));
  ASSERT_EQ(item.state, TICK_PROMISE_REJECTED);
  ASSERT_EQ(item.error, TICK_ECANCELED);
  ASSERT_EQ(tick_promise_error(gp), TICK_ECANCELED);
  /* What it does later is not counted. */
  ASSERT_EQ(tick_resolver_resolve(br, NULL, NULL), 1);
  run_loop(loop);
  ASSERT_OK(tick_group_item(g, 2, &item));
  ASSERT_EQ(item.error, TICK_ECANCELED);
  ASSERT_UEQ(tick_group_failures(g), 1);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_promise_release(a));
  ASSERT_OK(tick_promise_release(b));
  ASSERT_OK(tick_promise_release(done));
  ASSERT_OK(tick_resolver_release(ar));
  ASSERT_OK(tick_resolver_release(br));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ---------------------------------------------------------- nursery style ---- */

typedef struct nursery_s {
  tick_group_t *g;
  job_t jobs[3];
  int rc;
} nursery_t;

/* A member that starts a sibling after the group was closed (allowed: it is running). */
static int spawner_body(tick_async_t *co, void *arg) {
  nursery_t *n = arg;
  int rc = tick_await_value(co, NULL, NULL);
  if (rc != 0) return rc;
  logf_("spawn ");
  return tick_group_run(n->g, job_body, &n->jobs[2], NULL, NULL);
}

static int nursery_body(tick_async_t *co, void *arg) {
  nursery_t *n = arg;
  int rc = tick_group_create(tick_async_loop(co), NULL, &n->g);
  if (rc != 0) return rc;
  tick_group_run(n->g, job_body, &n->jobs[0], NULL, NULL);
  tick_group_run(n->g, spawner_body, n, NULL, NULL);
  tick_group_run(n->g, job_body, &n->jobs[1], NULL, NULL);
  logf_("wait ");
  n->rc = tick_group_wait(co, n->g);
  logf_("done:%zu ", tick_group_count(n->g));
  tick_group_release(n->g);
  return n->rc;
}

TEST(group_wait_is_the_end_of_a_nursery_block) {
  tick_loop_t *loop = new_loop(0);
  tick_promise_t *p;
  nursery_t n;
  logbuf[0] = 0;
  memset(&n, 0, sizeof(n));
  n.jobs[0].id = 0;
  n.jobs[1].id = 1;
  n.jobs[2].id = 2;
  ASSERT_OK(tick_async_run(loop, nursery_body, &n, NULL, &p));
  run_loop(loop);
  ASSERT_STR_EQ(logbuf, "s0 e0:ok s1 e1:ok wait spawn s2 e2:ok done:4 ");
  ASSERT_EQ(n.rc, 0);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(group_release_while_members_run_lets_them_finish) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_async_options_t aopt;
  int i;
  logbuf[0] = 0;
  frees = 0;
  memset(&opt, 0, sizeof(opt));
  opt.limit = 3;
  memset(&aopt, 0, sizeof(aopt));
  aopt.free_arg = count_free;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  for (i = 0; i < 10; i++) {
    limited_jobs[i].g = g;
    limited_jobs[i].id = i;
    ASSERT_OK(tick_group_run(g, limited_body, &limited_jobs[i], &aopt, NULL));
  }
  ASSERT_OK(tick_group_release(g));
  ASSERT_ERR(tick_group_release(g), TICK_ESTALE); /* released already */
  run_loop(loop);
  ASSERT_EQ(frees, 10);
  ASSERT_UEQ(tick_async_count(loop), 0);
  /* Now its record is free: the handle is stale. */
  ASSERT_ERR(tick_group_close(g), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(group_loop_destroy_ends_queued_members) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_async_options_t aopt;
  int i, rc;
  logbuf[0] = 0;
  frees = 0;
  memset(&opt, 0, sizeof(opt));
  opt.limit = 1;
  opt.timeout_ms = 100000;
  memset(&aopt, 0, sizeof(aopt));
  aopt.free_arg = count_free;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  for (i = 0; i < 3; i++) {
    limited_jobs[i].g = g;
    limited_jobs[i].id = i;
    ASSERT_OK(tick_group_run(g, limited_body, &limited_jobs[i], &aopt, NULL));
  }
  /* The running member is resumed with its await cancelled; its end is a microtask. */
  rc = tick_loop_destroy(loop);
  if (rc == TICK_EBUSY) {
    run_loop(loop);
    rc = tick_loop_destroy(loop);
  }
  ASSERT_OK(rc);
  ASSERT_EQ(frees, 3);
  ASSERT_STR_EQ(logbuf, "s0 e0 ");
}

/* ------------------------------------------------------------------ misuse ---- */

static void *other_thread(void *arg) {
  tick_group_t *g = arg;
  intptr_t ok = tick_group_close(g) == TICK_EWRONGTHREAD &&
                tick_group_cancel(g, TICK_ECANCELED) == TICK_EWRONGTHREAD &&
                tick_group_count(g) == 0 && tick_group_release(g) == TICK_EWRONGTHREAD;
  return (void *)ok;
}

TEST(group_misuse_returns_codes) {
  tick_loop_t *loop = new_loop(0), *other = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g, *stale;
  tick_promise_t *foreign, *p;
  tick_group_item_t item;
  pthread_t thread;
  void *ok;
  size_t index;
  frees = 0;
  memset(&opt, 0, sizeof(opt));
  ASSERT_ERR(tick_group_create(NULL, NULL, &g), TICK_EINVAL);
  ASSERT_ERR(tick_group_create(loop, NULL, NULL), TICK_EINVAL);
  opt.mode = (tick_group_mode_t)9;
  ASSERT_ERR(tick_group_create(loop, &opt, &g), TICK_EINVAL);
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT_ERR(tick_group_run(NULL, job_body, NULL, NULL, NULL), TICK_EINVAL);
  {
    tick_async_options_t aopt;
    memset(&aopt, 0, sizeof(aopt));
    aopt.free_arg = count_free;
    ASSERT_ERR(tick_group_run(g, NULL, NULL, &aopt, NULL), TICK_EINVAL);
    aopt.stack_size = 100;
    ASSERT_ERR(tick_group_run(g, job_body, NULL, &aopt, NULL), TICK_EINVAL);
    ASSERT_EQ(frees, 2); /* a refused member's arg is freed */
  }
  ASSERT_ERR(tick_group_adopt(g, NULL, NULL), TICK_EINVAL);
  ASSERT_OK(tick_promise_resolve(other, NULL, NULL, &foreign));
  ASSERT_ERR(tick_group_adopt(g, foreign, NULL), TICK_EINVAL); /* another loop's */
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_ERR(tick_group_adopt(g, p, NULL), TICK_ESTALE); /* a released promise */
  ASSERT_ERR(tick_group_cancel(g, 0), TICK_EINVAL);
  ASSERT_ERR(tick_group_cancel(NULL, TICK_ECANCELED), TICK_EINVAL);
  ASSERT_ERR(tick_group_close(NULL), TICK_EINVAL);
  ASSERT_ERR(tick_group_promise(g, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_group_item(g, 0, &item), TICK_EINVAL); /* out of range */
  ASSERT_ERR(tick_group_item(g, 0, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_group_winner(g, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_group_wait(NULL, g), TICK_EINVAL);
  ASSERT_EQ(tick_group_release(NULL), 0);
  ASSERT_UEQ(tick_group_count(NULL), 0);
  ASSERT_PTR_EQ(tick_group_scope(NULL), NULL);
  /* Another thread. */
  ASSERT_EQ(pthread_create(&thread, NULL, other_thread, g), 0);
  ASSERT_EQ(pthread_join(thread, &ok), 0);
  ASSERT((intptr_t)ok == 1);
  /* Stale: released, then its record reused by another group. */
  stale = g;
  ASSERT_OK(tick_group_release(g));
  ASSERT_ERR(tick_group_close(stale), TICK_ESTALE);
  ASSERT_OK(tick_group_create(loop, NULL, &g));
  ASSERT(g != stale);
  ASSERT_ERR(tick_group_close(stale), TICK_ESTALE);
  ASSERT_ERR(tick_group_run(stale, job_body, NULL, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_group_adopt(stale, foreign, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_group_promise(stale, &p), TICK_ESTALE);
  ASSERT_ERR(tick_group_item(stale, 0, &item), TICK_ESTALE);
  ASSERT_ERR(tick_group_winner(stale, &index), TICK_ESTALE);
  ASSERT_ERR(tick_group_release(stale), TICK_ESTALE);
  ASSERT_UEQ(tick_group_count(stale), 0);
  ASSERT_OK(tick_group_close(g)); /* the new group is untouched */
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(foreign));
  run_loop(loop);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_loop_destroy(other));
}

/* ------------------------------------------------------- allocation failure ---- */

static int alloc_member(tick_async_t *co, void *arg) {
  int rc = tick_await_value(co, NULL, NULL);
  (void)arg;
  if (rc != 0) return rc;
  return tick_await_value(co, NULL, NULL);
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_group_options_t opt;
  tick_group_t *g = NULL, *g2 = NULL;
  tick_promise_t *p = NULL, *gp = NULL;
  int rc, i, enomem = 0;
  (void)arg;
  frees = 0;
  rc = tick_loop_create(&loop, 0);
  if (rc != 0) return rc;
  rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL);
  memset(&opt, 0, sizeof(opt));
  opt.limit = 2;
  opt.timeout_ms = 10000;
  if (rc == 0) rc = tick_group_create(loop, &opt, &g);
  if (rc == 0) rc = tick_group_promise(g, &gp);
  for (i = 0; i < 5 && rc == 0; i++) {
    tick_async_options_t aopt;
    memset(&aopt, 0, sizeof(aopt));
    aopt.free_arg = count_free;
    rc = tick_group_run(g, alloc_member, NULL, &aopt, NULL);
    if (rc == TICK_ENOMEM) {
      enomem = 1;
      rc = 0;
    }
  }
  if (rc == 0) rc = tick_promise_resolve(loop, NULL, NULL, &p);
  if (rc == 0) {
    rc = tick_group_adopt(g, p, NULL);
    tick_promise_release(p);
  }
  opt.mode = TICK_GROUP_RACE;
  opt.timeout_ms = 0;
  if (rc == 0) rc = tick_group_create(loop, &opt, &g2);
  if (rc == 0) rc = tick_group_run(g2, alloc_member, NULL, NULL, NULL);
  tick_group_release(g);
  tick_group_release(g2);
  if (tick_loop_run(loop, TICK_RUN_DEFAULT) != 0) return TICK_EIO;
  /* A member that could not start or be watched ended with TICK_ENOMEM: the group says so
   * (and every free_arg ran once). */
  if (gp != NULL && tick_promise_state(gp) == TICK_PROMISE_REJECTED) {
    if (tick_promise_error(gp) != TICK_ENOMEM) return TICK_EIO;
    enomem = 1;
  }
  tick_promise_release(gp);
  if (tick_loop_destroy(loop) != 0) return TICK_EIO;
  if (rc == 0 && enomem) rc = TICK_ENOMEM;
  return rc;
}

TEST(group_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 8);
}

/* ----------------------------------------------------------------- scale ---- */

static int scale_body(tick_async_t *co, void *arg) {
  (void)arg;
  return tick_await_value(co, NULL, NULL);
}

TEST(group_many_members_under_a_limit) {
  tick_loop_t *loop = new_loop(0);
  tick_group_options_t opt;
  tick_group_t *g;
  tick_promise_t *gp;
  size_t i, n = slow_build() ? 5000 : 100000;
  memset(&opt, 0, sizeof(opt));
  opt.limit = 100;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  for (i = 0; i < n; i++) ASSERT_OK(tick_group_run(g, scale_body, NULL, NULL, NULL));
  ASSERT_UEQ(tick_group_running(g), 100);
  ASSERT_UEQ(tick_group_queued(g), n - 100);
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  run_loop(loop);
  ASSERT_EQ(tick_promise_state(gp), TICK_PROMISE_FULFILLED);
  ASSERT_UEQ(tick_group_count(g), n);
  ASSERT_UEQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* -------------------------------------------------------- nested groups ---- */

TEST(group_promise_cancel_cancels_the_group_and_nested_groups_follow) {
  tick_loop_t *loop = new_loop(0);
  tick_group_t *outer, *inner;
  tick_promise_t *op, *ip, *never;
  tick_resolver_t *never_r;
  tick_group_item_t item;
  job_t jobs[2];
  logbuf[0] = 0;
  deferred(loop, &never, &never_r);
  memset(jobs, 0, sizeof(jobs));
  jobs[0] = (job_t){.id = 0, .wait = never};
  jobs[1] = (job_t){.id = 1, .wait = never};
  ASSERT_OK(tick_group_create(loop, NULL, &outer));
  ASSERT_OK(tick_group_create(loop, NULL, &inner));
  ASSERT_OK(tick_group_run(inner, job_body, &jobs[0], NULL, NULL));
  ASSERT_OK(tick_group_run(outer, job_body, &jobs[1], NULL, NULL));
  ASSERT_OK(tick_group_promise(inner, &ip));
  ASSERT_OK(tick_group_close(inner));
  /* The inner group's promise has an operation behind it: the group. */
  ASSERT_OK(tick_group_adopt(outer, ip, NULL));
  ASSERT_OK(tick_group_promise(outer, &op));
  ASSERT_OK(tick_group_close(outer));
  ASSERT_OK(tick_promise_cancel(op, TICK_EINTR));
  run_loop(loop);
  /* The outer group's listener on its scope came first: it stopped the inner group (whose
   * member 0 is cancelled at once) before the outer scope reached its own member. */
  ASSERT_STR_EQ(logbuf, "s0 s1 e0:EINTR e1:EINTR ");
  ASSERT_EQ(tick_promise_error(op), TICK_EINTR);
  ASSERT_EQ(tick_promise_error(ip), TICK_EINTR);
  /* The adopted inner group was stopped, not abandoned: its end was counted. */
  ASSERT_OK(tick_group_item(outer, 1, &item));
  ASSERT_EQ(item.error, TICK_EINTR);
  ASSERT_ERR(tick_promise_cancel(op, TICK_EINTR), TICK_EALREADY);
  ASSERT_OK(tick_group_release(outer));
  ASSERT_OK(tick_group_release(inner));
  ASSERT_OK(tick_promise_release(op));
  ASSERT_OK(tick_promise_release(ip));
  ASSERT_OK(tick_promise_release(never));
  ASSERT_OK(tick_resolver_release(never_r));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------------- scopes ---- */

static int scoped_sleeper(tick_async_t *co, void *arg) {
  job_t *j = arg;
  tick_promise_t *p;
  int rc;
  logf_("s%d ", j->id);
  /* An operation started under the function's own scope stops with the group. */
  rc = tick_delay(tick_async_loop(co), tick_async_scope(co), 100000, &p);
  if (rc == 0) {
    rc = tick_await(co, p);
    tick_promise_release(p);
  }
  logf_("e%d:%s ", j->id, rc == 0 ? "ok" : tick_err_name(rc));
  return rc;
}

TEST(group_scope_follows_its_parent_and_the_function_that_made_it) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_group_options_t opt;
  tick_scope_t *parent, *cancelled;
  tick_group_t *g;
  tick_promise_t *gp;
  job_t jobs[2];
  logbuf[0] = 0;
  memset(jobs, 0, sizeof(jobs));
  jobs[0].id = 0;
  jobs[1].id = 1;
  ASSERT_OK(tick_scope_create(loop, NULL, &parent));
  memset(&opt, 0, sizeof(opt));
  opt.parent = parent;
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  ASSERT(tick_group_scope(g) != NULL);
  ASSERT_EQ(tick_scope_status(tick_group_scope(g)), 0);
  ASSERT_OK(tick_group_run(g, scoped_sleeper, &jobs[0], NULL, NULL));
  ASSERT_OK(tick_group_run(g, scoped_sleeper, &jobs[1], NULL, NULL));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_close(g));
  ASSERT_EQ(tick_scope_cancel(parent, TICK_EINTR), 1);
  ASSERT_EQ(tick_scope_status(tick_group_scope(g)), TICK_EINTR);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "s0 s1 e0:EINTR e1:EINTR ");
  ASSERT_EQ(tick_promise_error(gp), TICK_EINTR);
  ASSERT_OK(tick_group_release(g));
  ASSERT_OK(tick_promise_release(gp));
  /* Under a cancelled parent a group starts cancelled: members never start. */
  ASSERT_OK(tick_group_create(loop, &opt, &g));
  ASSERT_OK(tick_group_run(g, scoped_sleeper, &jobs[0], NULL, NULL));
  ASSERT_OK(tick_group_promise(g, &gp));
  ASSERT_OK(tick_group_release(g));
  ASSERT_EQ(tick_promise_error(gp), TICK_EINTR);
  ASSERT_OK(tick_promise_release(gp));
  /* A parent of another loop, or a released one, is refused. */
  cancelled = parent;
  ASSERT_OK(tick_scope_release(parent));
  ASSERT_ERR(tick_group_create(loop, &opt, &g), TICK_ESTALE);
  (void)cancelled;
  ASSERT_STR_EQ(logbuf, "s0 s1 e0:EINTR e1:EINTR ");
  ASSERT_OK(tick_loop_destroy(loop));
}

static int nursery_cancelled_body(tick_async_t *co, void *arg) {
  job_t *jobs = arg;
  tick_group_t *g;
  int rc = tick_group_create(tick_async_loop(co), NULL, &g);
  if (rc != 0) return rc;
  tick_group_run(g, scoped_sleeper, &jobs[0], NULL, NULL);
  tick_group_run(g, scoped_sleeper, &jobs[1], NULL, NULL);
  rc = tick_group_wait(co, g);
  logf_("wait:%s ", tick_err_name(rc));
  tick_group_release(g);
  return rc;
}

TEST(group_made_in_an_async_function_is_cancelled_with_it) {
  tick_loop_t *loop = new_loop(TICK_LOOP_MANUAL_CLOCK);
  tick_promise_t *p;
  job_t jobs[2];
  logbuf[0] = 0;
  memset(jobs, 0, sizeof(jobs));
  jobs[1].id = 1;
  ASSERT_OK(tick_async_run(loop, nursery_cancelled_body, jobs, NULL, &p));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_NOWAIT));
  ASSERT_OK(tick_async_cancel(p, TICK_ECANCELED));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "s0 s1 e0:ECANCELED e1:ECANCELED wait:ECANCELED ");
  ASSERT_EQ(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}
