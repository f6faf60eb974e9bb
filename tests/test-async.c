/* test-async.c - async functions and await (include/tick/async.h, docs/async.md). */
#include "test.h"

#include "async/async.h"
#include "async/coro.h"

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>


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

/* ---------------------------------------------------------------- basics ---- */

static int sync_body(tick_async_t *co, void *arg) {
  logf_("body(%s)", (const char *)arg);
  return tick_async_return(co, (void *)"v", NULL);
}

TEST(async_runs_synchronously_to_its_end) {
  tick_loop_t *loop;
  tick_promise_t *p;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, sync_body, (void *)"a", NULL, &p));
  ASSERT_STR_EQ(logbuf, "body(a)");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_STR_EQ((const char *)tick_promise_value(p), "v");
  ASSERT_UEQ(tick_async_count(loop), 0);
  ASSERT_PTR_EQ(tick_async_current(loop), NULL);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int await_values(tick_async_t *co, void *arg) {
  intptr_t i, sum = 0;
  (void)arg;
  logf_("start;");
  for (i = 1; i <= 5; i++) {
    ASSERT_OK(tick_await_value(co, (void *)i, NULL));
    sum += (intptr_t)tick_async_value(co);
    logf_("%ld;", (long)sum);
  }
  return tick_async_return(co, (void *)sum, NULL);
}

TEST(async_await_values_in_a_loop) {
  tick_loop_t *loop;
  tick_promise_t *p;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, await_values, NULL, NULL, &p));
  ASSERT_STR_EQ(logbuf, "start;");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);
  ASSERT_UEQ(tick_async_count(loop), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "start;1;3;6;10;15;");
  ASSERT_EQ((intptr_t)tick_promise_value(p), 15);
  ASSERT_UEQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* try { await rejected } catch { ... } finally { ... }, then a rethrow. */
static int try_catch(tick_async_t *co, void *arg) {
  tick_promise_t *bad = arg;
  int rc = tick_await(co, bad);
  if (rc < 0) {
    logf_("catch %s %s;", tick_err_name(rc), tick_async_message(co));
    goto finally;
  }
  logf_("not reached;");
finally:
  logf_("finally;");
  return tick_async_forward(co, tick_async_result(co));
}

TEST(async_try_catch_finally_and_rethrow) {
  tick_loop_t *loop;
  tick_promise_t *bad, *p;
  tick_resolver_t *r;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_create_deferred(loop, &bad, &r));
  ASSERT_OK(tick_async_run(loop, try_catch, bad, NULL, &p));
  ASSERT_EQ(tick_resolver_reject_message(r, TICK_EIO, "boom"), 1);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "catch EIO boom;finally;");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(p), TICK_EIO);
  ASSERT_STR_EQ(tick_promise_message(p), "boom");
  ASSERT_OK(tick_promise_release(bad));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int thrower(tick_async_t *co, void *arg) {
  if (arg != NULL) ASSERT_OK(tick_await_value(co, NULL, NULL));
  return tick_async_throw_message(co, TICK_EPROTO, "bad frame");
}

static int plain_negative(tick_async_t *co, void *arg) {
  (void)co;
  (void)arg;
  return TICK_EPIPE;
}

TEST(async_throw_before_and_after_await) {
  tick_loop_t *loop;
  tick_promise_t *p1, *p2, *p3;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_async_run(loop, thrower, NULL, NULL, &p1));
  ASSERT_OK(tick_async_run(loop, thrower, (void *)1, NULL, &p2));
  ASSERT_OK(tick_async_run(loop, plain_negative, NULL, NULL, &p3));
  ASSERT_EQ(tick_promise_error(p1), TICK_EPROTO);
  ASSERT_STR_EQ(tick_promise_message(p1), "bad frame");
  ASSERT_EQ(tick_promise_state(p2), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_promise_error(p3), TICK_EPIPE);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_promise_error(p2), TICK_EPROTO);
  ASSERT_OK(tick_promise_release(p1));
  ASSERT_OK(tick_promise_release(p2));
  ASSERT_OK(tick_promise_release(p3));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* An async function that nobody awaits and that throws is an unhandled rejection. */
static int unhandled_count;
static void count_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  ASSERT_EQ(tick_promise_error(p), TICK_EPROTO);
  unhandled_count++;
}

TEST(async_unawaited_rejection_is_reported) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, count_unhandled, NULL, NULL, NULL));
  ASSERT_OK(tick_async_run(loop, thrower, (void *)1, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(unhandled_count, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------ nesting ---- */

static int inner(tick_async_t *co, void *arg) {
  logf_("inner start;");
  ASSERT_OK(tick_await_value(co, arg, NULL));
  logf_("inner end;");
  return tick_async_return(co, (void *)"in", NULL);
}

static int outer(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  logf_("outer start;");
  ASSERT_OK(tick_async_run(loop, inner, NULL, NULL, &p));
  ASSERT_PTR_EQ(tick_async_current(loop), co);
  logf_("outer after call;");
  ASSERT_OK(tick_await(co, p));
  logf_("outer got %s;", (const char *)tick_async_value(co));
  ASSERT_OK(tick_promise_release(p));
  return 0;
}

TEST(async_nested_calls) {
  tick_loop_t *loop;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, outer, NULL, NULL, NULL));
  ASSERT_STR_EQ(logbuf, "outer start;inner start;outer after call;");
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "outer start;inner start;outer after call;inner end;outer got in;");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* -------------------------------------------------------------- misuse ---- */

static tick_async_t *saved_co;
static int save_and_await(tick_async_t *co, void *arg) {
  saved_co = co;
  return tick_await(co, arg);
}

static int await_foreign(tick_async_t *co, void *arg) {
  ASSERT_ERR(tick_await(co, arg), TICK_EINVAL);
  ASSERT_ERR(tick_await(co, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_async_forward(co, arg), TICK_EINVAL);
  ASSERT_ERR(tick_async_throw(co, 5, NULL, NULL), TICK_EINVAL);
  return 0;
}

TEST(async_misuse_is_an_error) {
  tick_loop_t *loop, *other;
  tick_promise_t *pending, *foreign, *p;
  tick_resolver_t *r;
  tick_async_options_t small = {1024, NULL};
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_loop_create(&other, 0));
  ASSERT_ERR(tick_async_run(NULL, sync_body, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_async_run(loop, NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_async_run(loop, sync_body, NULL, &small, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_await(NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_async_cancel(NULL, TICK_ECANCELED), TICK_EINVAL);
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, save_and_await, pending, NULL, &p));
  /* From outside the function while it is suspended. */
  ASSERT_ERR(tick_await(saved_co, pending), TICK_ENOTASYNC);
  ASSERT_ERR(tick_await_value(saved_co, NULL, count_free), TICK_ENOTASYNC);
  ASSERT_ERR(tick_async_return(saved_co, NULL, NULL), TICK_ENOTASYNC);
  ASSERT_EQ(frees, 1);
  ASSERT_ERR(tick_async_cancel(pending, TICK_ECANCELED), TICK_ENOENT);
  ASSERT_ERR(tick_async_cancel(p, 0), TICK_EINVAL);
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  /* After its end. */
  ASSERT_ERR(tick_await(saved_co, pending), TICK_ENOTASYNC);
  ASSERT_ERR(tick_async_cancel(p, TICK_ECANCELED), TICK_ENOENT);
  ASSERT_PTR_EQ(tick_async_result(saved_co), NULL);
  ASSERT_OK(tick_promise_release(p));
  /* Another loop's promise. */
  ASSERT_OK(tick_promise_resolve(other, NULL, NULL, &foreign));
  ASSERT_OK(tick_async_run(loop, await_foreign, foreign, NULL, NULL));
  ASSERT_OK(tick_promise_release(foreign));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(pending));
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int run_inside(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  ASSERT_ERR(tick_loop_run(loop, TICK_RUN_DEFAULT), TICK_EBUSY);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  return 0;
}

TEST(async_loop_run_and_destroy_inside_are_busy) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, run_inside, NULL, NULL, NULL));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ----------------------------------------------------------- lifetime ---- */

static int await_then_log(tick_async_t *co, void *arg) {
  int rc = tick_await(co, arg);
  logf_("await=%s;", rc == 0 ? "ok" : tick_err_name(rc));
  rc = tick_await_value(co, NULL, NULL);
  logf_("again=%s;", rc == 0 ? "ok" : tick_err_name(rc));
  return rc;
}

/* The awaited promise is freed while pending (its resolver and last reference go): the
 * await returns TICK_ECANCELED in a microtask. */
TEST(async_awaited_promise_freed_unsettled) {
  tick_loop_t *loop;
  tick_promise_t *pending, *p;
  tick_resolver_t *r;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, await_then_log, pending, NULL, &p));
  ASSERT_OK(tick_promise_release(pending));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "await=ECANCELED;again=ok;");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(async_cancel_suspended_and_sticky) {
  tick_loop_t *loop;
  tick_promise_t *pending, *p;
  tick_resolver_t *r;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, await_then_log, pending, NULL, &p));
  ASSERT_OK(tick_async_cancel(p, TICK_ETIMEDOUT));
  ASSERT_STR_EQ(logbuf, ""); /* never from the call that cancels */
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "await=ETIMEDOUT;again=ETIMEDOUT;");
  ASSERT_EQ(tick_promise_error(p), TICK_ETIMEDOUT);
  /* The promise settling later wakes nobody. */
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(pending));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Cancelled while its continuation is already queued: the cancel wins. */
TEST(async_cancel_after_settle_before_turn) {
  tick_loop_t *loop;
  tick_promise_t *pending, *p;
  tick_resolver_t *r;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, await_then_log, pending, NULL, &p));
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  ASSERT_OK(tick_async_cancel(p, TICK_ECANCELED));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "await=ECANCELED;again=ECANCELED;");
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(pending));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int cleanup_runs(tick_async_t *co, void *arg) {
  int rc = tick_await(co, arg);
  logf_("await=%s;", tick_err_name(rc));
  /* Its cleanup may await again: cancelled at once. */
  rc = tick_await_value(co, NULL, count_free);
  logf_("cleanup await=%s;", tick_err_name(rc));
  return rc;
}

/* Destroying the loop resumes a suspended function with TICK_ECANCELED so its cleanup
 * runs; nothing leaks (the sanitizer and valgrind runs check it). */
TEST(async_loop_destroy_cancels_suspended) {
  tick_loop_t *loop;
  tick_promise_t *pending;
  tick_resolver_t *r;
  logbuf[0] = 0;
  frees = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, cleanup_runs, pending, NULL, NULL));
  ASSERT_OK(tick_async_run(loop, cleanup_runs, pending, NULL, NULL));
  ASSERT_UEQ(tick_async_count(loop), 2);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_STR_EQ(logbuf, "await=ECANCELED;cleanup await=ECANCELED;"
                        "await=ECANCELED;cleanup await=ECANCELED;");
  ASSERT_EQ(frees, 2);
}

/* A function whose cleanup leaves work behind: destroy says TICK_EBUSY, a run finishes
 * the work, the next destroy succeeds. */
static void tick_log(tick_loop_t *loop, void *arg) {
  (void)loop;
  logf_("%s;", (const char *)arg);
}

static int cleanup_queues(tick_async_t *co, void *arg) {
  int rc = tick_await(co, arg);
  ASSERT_OK(tick_next_tick(tick_async_loop(co), tick_log, (void *)"late tick"));
  return rc;
}

TEST(async_loop_destroy_busy_after_cleanup_work) {
  tick_loop_t *loop;
  tick_promise_t *pending;
  tick_resolver_t *r;
  logbuf[0] = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_create_deferred(loop, &pending, &r));
  ASSERT_OK(tick_async_run(loop, cleanup_queues, pending, NULL, NULL));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_UEQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ(logbuf, "late tick;");
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(pending));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------- outcomes ---- */

static int returns_promise(tick_async_t *co, void *arg) { return tick_async_return_promise(co, arg); }

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *resolver) {
  (void)loop;
  return tick_resolver_resolve(resolver, object, NULL) < 0 ? TICK_EIO : 0;
}

static int await_thenable(tick_async_t *co, void *arg) {
  (void)arg;
  ASSERT_OK(tick_await_thenable(co, (void *)"th", thenable_then, NULL));
  ASSERT_STR_EQ((const char *)tick_async_value(co), "th");
  return tick_async_return_thenable(co, (void *)"rt", thenable_then, NULL);
}

TEST(async_outcomes) {
  tick_loop_t *loop;
  tick_promise_t *v, *p1, *p2;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_resolve(loop, (void *)"x", NULL, &v));
  ASSERT_OK(tick_async_run(loop, returns_promise, v, NULL, &p1));
  ASSERT_OK(tick_async_run(loop, await_thenable, NULL, NULL, &p2));
  ASSERT_EQ(tick_promise_state(p1), TICK_PROMISE_PENDING);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_STR_EQ((const char *)tick_promise_value(p1), "x");
  ASSERT_STR_EQ((const char *)tick_promise_value(p2), "rt");
  ASSERT_OK(tick_promise_release(v));
  ASSERT_OK(tick_promise_release(p1));
  ASSERT_OK(tick_promise_release(p2));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* free_arg is called once the function ended; a value handed over is freed once. */
static int owned_value(tick_async_t *co, void *arg) {
  (void)arg;
  ASSERT_OK(tick_await_value(co, malloc(8), free));
  ASSERT_OK(tick_async_return(co, malloc(16), free));
  return tick_async_return(co, malloc(32), free); /* replaces (frees) the first */
}

TEST(async_ownership) {
  tick_loop_t *loop;
  tick_async_options_t opt = {0, count_free};
  frees = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, owned_value, NULL, &opt, NULL));
  ASSERT_EQ(frees, 0);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(frees, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------------- stacks ---- */

static int deep(int n) {
  volatile char buf[256];
  buf[0] = (char)n;
  if (n == 0) return buf[0];
  return deep(n - 1) + buf[0];
}

static int recurse(tick_async_t *co, void *arg) {
  int n = (int)(intptr_t)arg;
  ASSERT_OK(tick_await_value(co, NULL, NULL));
  return deep(n) == 12345 ? TICK_EIO : 0;
}

/* 3 MiB of frames in a 4 MiB stack. */
TEST(async_stack_size_option) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_async_options_t opt = {4u << 20, NULL};
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_async_run(loop, recurse, (void *)(intptr_t)10000, &opt, &p));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A recursion deeper than the stack hits the guard page: a SIGSEGV, not a write into
 * other memory. Checked in a child (under ASan the report is a stack overflow). */
TEST(async_stack_overflow_hits_guard) {
  pid_t pid;
  int status;
  if (getenv("TICK_TEST_VALGRIND") != NULL) return; /* valgrind reports, then kills */
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    tick_loop_t *loop;
    tick_async_options_t opt = {TICK_ASYNC_STACK_MIN, NULL};
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    if (freopen("/dev/null", "w", stderr) == NULL) _exit(3);
    int i;
    if (tick_loop_create(&loop, 0) != 0) _exit(2);
    /* Not the first stack of its chunk: the guard is the one between two stacks. */
    for (i = 0; i < 3; i++) tick_async_run(loop, recurse, (void *)(intptr_t)0, &opt, NULL);
    tick_async_run(loop, recurse, (void *)(intptr_t)100000, &opt, NULL);
    tick_loop_run(loop, TICK_RUN_DEFAULT);
    _exit(0);
  }
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
  if (WIFSIGNALED(status)) ASSERT(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGABRT ||
                                  WTERMSIG(status) == SIGBUS);
}

static int nop_await(tick_async_t *co, void *arg) {
  (void)arg;
  return tick_await_value(co, NULL, NULL);
}

/* Stacks come back to the pool: a second wave makes no new stack (made to fail, it still
 * runs), past the stacks kept committed too. */
TEST(async_stacks_are_pooled) {
  tick_loop_t *loop;
  int i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < 200; i++) ASSERT_OK(tick_async_run(loop, nop_await, NULL, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick__async_fail_stack_maps(loop, 1000));
  for (i = 0; i < 200; i++) ASSERT_OK(tick_async_run(loop, nop_await, NULL, NULL, NULL));
  ASSERT_ERR(tick_async_run(loop, nop_await, NULL, NULL, NULL), TICK_ENOMEM);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int count_map_areas(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  int c, lines = 0;
  if (f == NULL) return -1;
  while ((c = fgetc(f)) != EOF) lines += c == '\n';
  fclose(f);
  return lines;
}

/* More suspended functions at once than vm.max_map_count's default (65530) would allow
 * at two mappings per stack; each stack is still guarded (async_stack_overflow_hits_guard). */
TEST(async_many_suspended) {
  tick_loop_t *loop;
  tick_async_options_t opt = {TICK_ASYNC_STACK_MIN, NULL};
  int i, n = 40000, before, maps = 1;
  if (getenv("TICK_TEST_VALGRIND") != NULL) n = 2000;
#if defined(__SANITIZE_THREAD__)
  n = 4000; /* TSan allows 8128 fibers, and maps memory for each */
  maps = 0;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  n = 4000;
  maps = 0;
#endif
#endif
  ASSERT_OK(tick_loop_create(&loop, 0));
  before = count_map_areas();
  for (i = 0; i < n; i++) {
    int rc = tick_async_run(loop, nop_await, NULL, &opt, NULL);
    if (rc == TICK_ENOMEM) { /* a kernel without guard regions: two mappings per stack */
      ASSERT(i > 1000);
      break;
    }
    ASSERT_OK(rc);
  }
  ASSERT_UEQ(tick_async_count(loop), (size_t)i);
  if (i == n && maps) ASSERT(count_map_areas() - before < 1000);
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_UEQ(tick_async_count(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(async_stack_map_failure) {
  tick_loop_t *loop;
  tick_async_options_t opt = {0, count_free};
  tick_promise_t *p = (tick_promise_t *)&p;
  frees = 0;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick__async_fail_stack_maps(loop, 1));
  ASSERT_ERR(tick_async_run(loop, sync_body, (void *)"x", &opt, &p), TICK_ENOMEM);
  ASSERT_PTR_EQ(p, NULL);
  ASSERT_EQ(frees, 1);
  ASSERT_UEQ(tick_async_count(loop), 0);
  logbuf[0] = 0;
  ASSERT_OK(tick_async_run(loop, sync_body, (void *)"x", &opt, NULL));
  ASSERT_STR_EQ(logbuf, "body(x)");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* The guard fallback (mprotect: two mappings per stack) runs out of mappings: carving
 * reports TICK_ENOMEM, the slot stays free, and the stacks carved before stay usable. */
TEST(async_stack_chunk_guard_fallback_runs_out) {
  tick__stack_chunk_t *chunk;
  tick__stack_t *s = NULL;
  unsigned carved = 0;
  int rc = 0;
#if defined(__SANITIZE_THREAD__)
  return; /* TSan's own mappings fail once the process is out of them */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  return;
#endif
#endif
  if (getenv("TICK_TEST_VALGRIND") != NULL) return;
  ASSERT_OK(tick__stack_chunk_map(&chunk, 16u * 1024u, 70000, 1));
  while (carved < chunk->count && (rc = tick__stack_chunk_carve(chunk, &s)) == 0) {
    ASSERT_PTR_EQ(s, &chunk->stacks[carved]);
    s->hi[-1] = 1; /* usable */
    carved++;
  }
  if (carved < chunk->count) { /* vm.max_map_count was reached */
    ASSERT_ERR(rc, TICK_ENOMEM);
    ASSERT_UEQ(chunk->carved, carved);
    ASSERT(carved > 1000);
  }
  ASSERT_EQ(chunk->guard_mode, 1);
  tick__stack_chunk_unmap(chunk);
}

/* Carving stops at the end of a chunk. */
TEST(async_stack_chunk_full) {
  tick__stack_chunk_t *chunk;
  tick__stack_t *s;
  ASSERT_OK(tick__stack_chunk_map(&chunk, 16u * 1024u, 2, 0));
  ASSERT_OK(tick__stack_chunk_carve(chunk, &s));
  ASSERT_OK(tick__stack_chunk_carve(chunk, &s));
  ASSERT_ERR(tick__stack_chunk_carve(chunk, &s), TICK_ENOENT);
  ASSERT_PTR_EQ(s->chunk, chunk);
  ASSERT(s->lo == (char *)chunk->base + 2 * (size_t)sysconf(_SC_PAGESIZE) + 16 * 1024);
  tick__stack_chunk_unmap(chunk);
}

/* The real mmap failing: address space limited in a child. */
TEST(async_stack_mmap_failure_rlimit) {
  pid_t pid;
  int status;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return; /* the sanitizers reserve terabytes of address space */
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return;
#endif
#endif
  if (getenv("TICK_TEST_VALGRIND") != NULL) return;
  pid = fork();
  ASSERT(pid >= 0);
  if (pid == 0) {
    tick_loop_t *loop;
    tick_async_options_t opt = {64u << 20, NULL};
    struct rlimit as;
    int rc;
    if (tick_loop_create(&loop, 0) != 0) _exit(2);
    /* Warm the loop up, then leave no room for a 64 MiB stack. */
    if (tick_async_run(loop, sync_body, (void *)"w", NULL, NULL) != 0) _exit(3);
    getrlimit(RLIMIT_AS, &as);
    {
      FILE *f = fopen("/proc/self/statm", "r");
      unsigned long pages = 0;
      if (f == NULL || fscanf(f, "%lu", &pages) != 1) _exit(4);
      fclose(f);
      as.rlim_cur = pages * 4096 + (32u << 20);
    }
    if (setrlimit(RLIMIT_AS, &as) != 0) _exit(5);
    rc = tick_async_run(loop, sync_body, (void *)"x", &opt, NULL);
    _exit(rc == TICK_ENOMEM ? 0 : 6);
  }
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

/* -------------------------------------------------- allocation failure ---- */

static int alloc_body(tick_async_t *co, void *arg) {
  tick_promise_t *p;
  int rc;
  (void)arg;
  rc = tick_await_value(co, malloc(4), free);
  if (rc < 0) return rc;
  rc = tick_await_thenable(co, NULL, thenable_then, NULL);
  if (rc < 0) return rc;
  rc = tick_promise_resolve(tick_async_loop(co), NULL, NULL, &p);
  if (rc < 0) return rc;
  rc = tick_await(co, p);
  tick_promise_release(p);
  if (rc < 0) return rc;
  rc = tick_async_throw_message(co, TICK_EIO, "m");
  return rc;
}

static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p;
  int rc, i;
  (void)arg;
  rc = tick_loop_create(&loop, 0);
  if (rc != 0) return rc;
  rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL);
  for (i = 0; i < 3 && rc == 0; i++) {
    rc = tick_async_run(loop, alloc_body, NULL, NULL, &p);
    if (rc == 0) tick_promise_release(p);
  }
  if (tick_loop_run(loop, TICK_RUN_DEFAULT) != 0) return TICK_EIO;
  if (tick_loop_destroy(loop) != 0) return TICK_EIO;
  return rc;
}

TEST(async_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 5);
}

/* ------------------------------------------------------- raw switching ---- */

typedef struct pingpong_s {
  tick__ctx_t main, co;
  int count;
} pingpong_t;

static void pingpong_entry(void *arg) {
  pingpong_t *pp = arg;
  for (;;) {
    pp->count++;
    if (pp->count == 1000) break;
    tick__ctx_switch(&pp->co, &pp->main);
  }
  tick__ctx_switch_final(&pp->co, &pp->main);
}

static void pingpong(int backend) {
  pingpong_t pp;
  tick__stack_t stack;
  ucontext_t main_uc;
  memset(&pp, 0, sizeof(pp));
  ASSERT_OK(tick__stack_map(&stack, 64 * 1024));
  ASSERT_OK(tick__ctx_make(&pp.co, backend, &stack, pingpong_entry, &pp));
  tick__ctx_main(&pp.main, backend, &main_uc);
  while (pp.count < 1000) tick__ctx_switch(&pp.main, &pp.co);
  tick__ctx_dispose(&pp.co);
  tick__stack_unmap(&stack);
  ASSERT_EQ(pp.count, 1000);
}

TEST(async_switch_backends) {
#if TICK__CORO_HAVE_ASM
  pingpong(TICK__CORO_ASM);
#endif
  pingpong(TICK__CORO_UCONTEXT);
}
