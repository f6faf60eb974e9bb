/* test-promise.c - promises: every API, bad input, wrong thread, ownership and destructor
 * counts, allocation failure at each site, loop destruction with pending promises, and
 * the zero-allocation steady state. Orders that node can produce are tested against node
 * in tests/ordering/; these tests cover what only C can check. */
#include "test.h"

#include <pthread.h>
#include <unistd.h>

static tick_loop_t *new_loop(void) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, 0));
  logbuf[0] = 0;
  return loop;
}

/* Destructor counting: each value handed to tick is a counted_t whose destructor must run
 * exactly once. */
typedef struct {
  const char *name;
  int freed;
} counted_t;

static int counted_live;

static void counted_free(void *p) {
  counted_t *c = p;
  c->freed++;
  counted_live--;
}

static counted_t *counted(counted_t *c, const char *name) {
  c->name = name;
  c->freed = 0;
  counted_live++;
  return c;
}

static const char *value_name(const tick_promise_t *p) {
  const counted_t *c = tick_promise_value(p);
  return c != NULL ? c->name : "null";
}

/* A handler that logs "label:value" and passes its input on. */
static int log_forward(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  char buf[64];
  (void)loop;
  snprintf(buf, sizeof(buf), "%s:%s", (const char *)arg, value_name(s));
  logs(buf);
  return tick_resolver_forward(next, s) < 0 ? -1 : 0;
}

static int log_only(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)next;
  logs(arg);
  return 0;
}

static int args_freed;
static void free_arg_count(void *arg) {
  (void)arg;
  args_freed++;
}

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

/* ------------------------------------------------------------- basics ---- */

TEST(promise_then_never_synchronous) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *next;
  counted_t v;
  ASSERT_OK(tick_promise_resolve(loop, counted(&v, "v"), counted_free, &p));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_promise_then(p, log_forward, NULL, "then", NULL, &next));
  logs("sync");
  ASSERT_STR_EQ(logbuf, "sync");
  ASSERT_EQ(tick_promise_state(next), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "sync then:v");
  ASSERT_EQ(tick_promise_state(next), TICK_PROMISE_FULFILLED);
  ASSERT_PTR_EQ(tick_promise_value(next), &v); /* shared, not copied */
  ASSERT_OK(tick_promise_release(p));
  ASSERT_EQ(v.freed, 0); /* next still carries it */
  ASSERT_OK(tick_promise_release(next));
  ASSERT_EQ(v.freed, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

static int exec_resolve(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  logs("executor");
  ASSERT_EQ(tick_resolver_resolve(r, arg, counted_free), 1);
  return TICK_EIO; /* a throw after resolving is ignored */
}

static int exec_throw(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)r;
  (void)arg;
  return TICK_EIO;
}

TEST(promise_executor_runs_synchronously) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q;
  counted_t v;
  ASSERT_OK(tick_promise_create(loop, exec_resolve, counted(&v, "v"), &p));
  ASSERT_STR_EQ(logbuf, "executor");
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_PTR_EQ(tick_promise_value(p), &v);
  ASSERT_OK(tick_promise_create(loop, exec_throw, NULL, &q));
  ASSERT_EQ(tick_promise_state(q), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(q), TICK_EIO);
  ASSERT_OK(tick_promise_catch(q, log_only, "caught", NULL, NULL));
  /* A promise nobody keeps is still created (and freed once settled and unobserved). */
  ASSERT_OK(tick_promise_create(loop, exec_resolve, counted(&v, "w"), NULL));
  ASSERT_EQ(v.freed, 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "executor executor caught");
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(q));
  ASSERT_EQ(counted_live, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static int noop_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  (void)r;
  return 0;
}

TEST(promise_double_resolve_ignored) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  tick_resolver_t *r;
  counted_t a, b, c, d;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_EQ(tick_resolver_resolve(r, counted(&a, "a"), counted_free), 1);
  ASSERT_EQ(tick_resolver_resolve(r, counted(&b, "b"), counted_free), 0);
  ASSERT_EQ(b.freed, 1); /* ignored values are freed at once */
  ASSERT_EQ(tick_resolver_reject(r, TICK_EIO, counted(&c, "c"), counted_free), 0);
  ASSERT_EQ(c.freed, 1);
  ASSERT_EQ(tick_resolver_resolve_thenable(r, counted(&d, "d"), noop_then, counted_free), 0);
  ASSERT_EQ(d.freed, 1);
  ASSERT_EQ(tick_resolver_resolve_promise(r, p), 0);
  ASSERT_EQ(tick_resolver_forward(r, p), 0);
  ASSERT_EQ(tick_resolver_reject_message(r, TICK_EIO, "late"), 0);
  ASSERT_PTR_EQ(tick_promise_value(p), &a);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_EQ(a.freed, 1);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(promise_resolve_identity_and_self) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *same, *q;
  tick_resolver_t *r;
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_resolve_promise(p, &same));
  ASSERT_PTR_EQ(same, p);
  ASSERT_OK(tick_promise_release(same));
  ASSERT_OK(tick_promise_create_deferred(loop, &q, &r));
  ASSERT_EQ(tick_resolver_resolve_promise(r, q), 1);
  ASSERT_EQ(tick_promise_state(q), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(q), TICK_ETYPE);
  ASSERT(tick_promise_message(q) != NULL);
  ASSERT_OK(tick_promise_catch(q, log_only, "type error", NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "type error");
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(q));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(promise_accessors) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q, *in[2], *all;
  tick_resolver_t *r;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);
  ASSERT_PTR_EQ(tick_promise_value(p), NULL);
  ASSERT_EQ(tick_promise_error(p), 0);
  ASSERT_PTR_EQ(tick_promise_message(p), NULL);
  ASSERT_UEQ(tick_promise_count(p), 0);
  ASSERT_PTR_EQ(tick_promise_item(p, 0), NULL);
  ASSERT_PTR_EQ(tick_promise_loop(p), loop);
  ASSERT_PTR_EQ(tick_promise_loop(NULL), NULL);
  ASSERT_EQ(tick_resolver_reject_message(r, TICK_ENOENT, "open foo.txt"), 1);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(p), TICK_ENOENT);
  ASSERT_STR_EQ(tick_promise_message(p), "open foo.txt");
  ASSERT_OK(tick_promise_resolve(loop, "x", NULL, &q));
  in[0] = q;
  in[1] = q;
  ASSERT_OK(tick_promise_all(loop, in, 2, &all));
  ASSERT_UEQ(tick_promise_count(all), 0); /* pending */
  ASSERT_OK(tick_promise_catch(p, log_only, "handled", NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(tick_promise_count(all), 2);
  ASSERT_PTR_EQ(tick_promise_item(all, 1), q);
  ASSERT_PTR_EQ(tick_promise_item(all, 2), NULL);
  ASSERT_STR_EQ(tick_promise_value(tick_promise_item(all, 0)), "x");
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(q));
  ASSERT_OK(tick_promise_release(all));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------- bad input ---- */

static int noop_exec(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)r;
  (void)arg;
  return 0;
}

TEST(promise_bad_input) {
  tick_loop_t *loop = new_loop(), *other;
  tick_promise_t *p, *out = (tick_promise_t *)&out, *foreign, *in[2];
  tick_resolver_t *r, *rout = (tick_resolver_t *)&rout;
  counted_t v;
  ASSERT_OK(tick_loop_create(&other, 0));
  ASSERT_ERR(tick_promise_create(NULL, noop_exec, NULL, &out), TICK_EINVAL);
  ASSERT_PTR_EQ(out, NULL);
  ASSERT_ERR(tick_promise_create(loop, NULL, NULL, &out), TICK_EINVAL);
  ASSERT_ERR(tick_promise_create_deferred(loop, NULL, &rout), TICK_EINVAL);
  ASSERT_PTR_EQ(rout, NULL);
  ASSERT_ERR(tick_promise_create_deferred(loop, &out, NULL), TICK_EINVAL);
  /* A call that fails still takes ownership of the value it was given. */
  ASSERT_ERR(tick_promise_resolve(NULL, counted(&v, "v"), counted_free, &out), TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_promise_resolve(loop, counted(&v, "v"), counted_free, NULL), TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_promise_reject(loop, 0, counted(&v, "v"), counted_free, &out), TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_promise_reject(loop, 5, NULL, NULL, &out), TICK_EINVAL);
  ASSERT_ERR(tick_promise_resolve_thenable(loop, counted(&v, "v"), NULL, counted_free, &out),
             TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_promise_resolve_promise(NULL, &out), TICK_EINVAL);
  ASSERT_ERR(tick_promise_then(NULL, log_only, NULL, "arg", free_arg_count, &out),
             TICK_EINVAL);
  ASSERT_EQ(args_freed, 1);
  ASSERT_ERR(tick_promise_catch(NULL, log_only, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_promise_finally(NULL, NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_resolve(NULL, counted(&v, "v"), counted_free), TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_resolver_reject(NULL, TICK_EIO, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_reject_message(NULL, TICK_EIO, "x"), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_resolve_promise(NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_resolve_thenable(NULL, NULL, noop_then, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_forward(NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_retain(NULL), TICK_EINVAL);
  ASSERT_OK(tick_resolver_release(NULL));
  ASSERT_ERR(tick_promise_retain(NULL), TICK_EINVAL);
  ASSERT_OK(tick_promise_release(NULL));
  ASSERT_ERR(tick_promise_state(NULL), TICK_EINVAL);
  ASSERT_PTR_EQ(tick_promise_value(NULL), NULL);
  ASSERT_EQ(tick_promise_error(NULL), 0);
  ASSERT_ERR(tick_promise_set_unhandled_hook(NULL, NULL, NULL, NULL, NULL), TICK_EINVAL);

  /* Resolver misuse leaves the resolver unused. */
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_OK(tick_promise_create_deferred(other, &foreign, &rout));
  ASSERT_ERR(tick_resolver_resolve_promise(r, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_resolve_promise(r, foreign), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_forward(r, foreign), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_forward(r, p), TICK_EINVAL); /* pending */
  ASSERT_ERR(tick_resolver_reject(r, 1, counted(&v, "v"), counted_free), TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_ERR(tick_resolver_reject_message(r, 0, "x"), TICK_EINVAL);
  ASSERT_ERR(tick_resolver_resolve_thenable(r, counted(&v, "v"), NULL, counted_free),
             TICK_EINVAL);
  ASSERT_EQ(v.freed, 1);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);

  /* Combinators check every input before registering anything. */
  in[0] = p;
  in[1] = NULL;
  ASSERT_ERR(tick_promise_all(loop, in, 2, &out), TICK_EINVAL);
  ASSERT_PTR_EQ(out, NULL);
  in[1] = foreign;
  ASSERT_ERR(tick_promise_race(loop, in, 2, &out), TICK_EINVAL);
  ASSERT_ERR(tick_promise_any(loop, NULL, 1, &out), TICK_EINVAL);
  ASSERT_ERR(tick_promise_all_settled(loop, in, 1, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_promise_all(NULL, in, 1, &out), TICK_EINVAL);

  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_resolver_release(rout));
  ASSERT_OK(tick_promise_release(foreign));
  ASSERT_EQ(counted_live, 0);
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------ wrong thread ---- */

typedef struct {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_resolver_t *r;
  int results[16];
  counted_t v;
} thread_case_t;

static void *wrong_thread(void *arg) {
  thread_case_t *t = arg;
  tick_promise_t *out;
  int i = 0;
  t->results[i++] = tick_promise_resolve(t->loop, counted(&t->v, "v"), counted_free, &out);
  t->results[i++] = tick_promise_create(t->loop, noop_exec, NULL, &out);
  t->results[i++] = tick_promise_then(t->p, log_only, NULL, NULL, NULL, &out);
  t->results[i++] = tick_promise_retain(t->p);
  t->results[i++] = tick_promise_release(t->p);
  t->results[i++] = tick_promise_state(t->p);
  t->results[i++] = tick_resolver_resolve(t->r, NULL, NULL);
  t->results[i++] = tick_resolver_reject(t->r, TICK_EIO, NULL, NULL);
  t->results[i++] = tick_resolver_retain(t->r);
  t->results[i++] = tick_resolver_release(t->r);
  t->results[i++] = tick_promise_all(t->loop, &t->p, 1, &out);
  t->results[i++] = tick_promise_set_unhandled_hook(t->loop, NULL, NULL, NULL, NULL);
  t->results[i++] = tick_promise_value(t->p) == NULL ? TICK_EWRONGTHREAD : 0;
  return NULL;
}

TEST(promise_wrong_thread) {
  thread_case_t t;
  pthread_t th;
  int i;
  memset(&t, 0, sizeof(t));
  t.loop = new_loop();
  ASSERT_OK(tick_promise_create_deferred(t.loop, &t.p, &t.r));
  ASSERT_EQ(pthread_create(&th, NULL, wrong_thread, &t), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  for (i = 0; i < 13; i++) ASSERT_ERR(t.results[i], TICK_EWRONGTHREAD);
  ASSERT_EQ(t.v.freed, 1); /* the value handed to the failing call was freed */
  ASSERT_EQ(tick_promise_state(t.p), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_resolver_resolve(t.r, NULL, NULL), 1);
  ASSERT_OK(tick_resolver_release(t.r));
  ASSERT_OK(tick_promise_release(t.p));
  ASSERT_EQ(tick_loop_run(t.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(t.loop));
}

/* ------------------------------------------------ ownership, destructors ---- */

static int return_value(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)s;
  return tick_resolver_resolve(next, arg, counted_free) < 0 ? -1 : 0;
}

static int reject_value(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)s;
  return tick_resolver_reject(next, TICK_EIO, arg, counted_free) < 0 ? -1 : 0;
}

TEST(promise_value_destructors_run_once) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *a, *b, *c, *d, *e, *f, *u, *in[3], *all, *any, *race;
  counted_t va, vb, vc, vd, unobserved, reason;
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  /* One value seen by many reactions and pass-throughs: freed once, when the last
   * promise carrying it goes. */
  ASSERT_OK(tick_promise_resolve(loop, counted(&va, "a"), counted_free, &a));
  ASSERT_OK(tick_promise_then(a, NULL, NULL, NULL, NULL, &b));
  ASSERT_OK(tick_promise_then(b, log_forward, NULL, "b", NULL, &c));
  ASSERT_OK(tick_promise_then(a, log_forward, NULL, "a2", NULL, NULL));
  ASSERT_OK(tick_promise_finally(c, NULL, NULL, NULL, &d));
  /* A handler's own new value, and a value nobody observes. */
  ASSERT_OK(tick_promise_then(d, return_value, NULL, counted(&vb, "b"), NULL, &e));
  ASSERT_OK(tick_promise_resolve(loop, counted(&unobserved, "u"), counted_free, &u));
  ASSERT_OK(tick_promise_release(u));
  ASSERT_EQ(unobserved.freed, 1);
  /* A reason nobody handles: reported, then freed with its promise. */
  ASSERT_OK(tick_promise_then(e, reject_value, NULL, counted(&reason, "r"), NULL, NULL));
  /* Values shared into combinators. */
  ASSERT_OK(tick_promise_resolve(loop, counted(&vc, "c"), counted_free, &in[0]));
  ASSERT_OK(tick_promise_reject(loop, TICK_EIO, counted(&vd, "d"), counted_free, &in[1]));
  in[2] = a;
  ASSERT_OK(tick_promise_all(loop, in, 3, &all));
  ASSERT_OK(tick_promise_any(loop, in, 3, &any));
  ASSERT_OK(tick_promise_race(loop, in + 1, 2, &race));
  ASSERT_OK(tick_promise_catch(all, log_forward, "all", NULL, &f));
  ASSERT_OK(tick_promise_catch(race, log_only, "race", NULL, NULL));
  ASSERT_OK(tick_promise_release(in[0]));
  ASSERT_OK(tick_promise_release(in[1]));
  ASSERT_OK(tick_promise_release(a));
  ASSERT_OK(tick_promise_release(b));
  ASSERT_OK(tick_promise_release(c));
  ASSERT_OK(tick_promise_release(d));
  ASSERT_OK(tick_promise_release(e));
  ASSERT_EQ(va.freed, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "a2:a b:a all:d race");
  ASSERT_PTR_EQ(tick_promise_value(any), &vc);
  ASSERT_PTR_EQ(tick_promise_value(f), &vd);
  ASSERT_EQ(reason.freed, 1); /* its promise was reported and dropped */
  ASSERT_EQ(vb.freed, 1);
  ASSERT_OK(tick_promise_release(all));
  ASSERT_OK(tick_promise_release(race));
  ASSERT_OK(tick_promise_release(f));
  /* any still holds its inputs (its items), so their values are alive. */
  ASSERT_EQ(va.freed + vc.freed + vd.freed, 0);
  ASSERT_OK(tick_promise_release(any));
  ASSERT_EQ(va.freed, 1);
  ASSERT_EQ(vc.freed, 1);
  ASSERT_EQ(vd.freed, 1);
  ASSERT_EQ(counted_live, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

static int thenable_resolves(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  logs(((counted_t *)object)->name);
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  return 0;
}

TEST(promise_thenable_object_ownership) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q;
  tick_resolver_t *r;
  counted_t o1, o2;
  ASSERT_OK(tick_promise_resolve_thenable(loop, counted(&o1, "then1"), thenable_resolves,
                                          counted_free, &p));
  ASSERT_OK(tick_promise_create_deferred(loop, &q, &r));
  ASSERT_EQ(tick_resolver_resolve_thenable(r, counted(&o2, "then2"), thenable_resolves,
                                           counted_free), 1);
  ASSERT_EQ(o1.freed + o2.freed, 0); /* kept until `then` has been called */
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "then1 then2");
  ASSERT_EQ(o1.freed, 1);
  ASSERT_EQ(o2.freed, 1);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  ASSERT_EQ(tick_promise_state(q), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(q));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(promise_free_arg_called_once) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q;
  tick_resolver_t *r;
  args_freed = 0;
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_then(p, log_only, NULL, "ran", free_arg_count, NULL));
  ASSERT_OK(tick_promise_finally(p, NULL, "pass", free_arg_count, NULL));
  /* A pending promise nobody can resolve any more: its reactions are dropped, and their
   * args freed, when its last reference goes. */
  ASSERT_OK(tick_promise_create_deferred(loop, &q, &r));
  ASSERT_OK(tick_promise_then(q, log_only, NULL, "never", free_arg_count, NULL));
  ASSERT_OK(tick_promise_then(q, log_only, NULL, "never", free_arg_count, NULL));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_EQ(args_freed, 0);
  ASSERT_OK(tick_promise_release(q));
  ASSERT_EQ(args_freed, 2);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "ran");
  ASSERT_EQ(args_freed, 4);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

static int finally_wait_other(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  *wait = arg; /* a promise of another loop: finally rejects with TICK_EINVAL */
  return 0;
}

TEST(promise_finally_rejects_foreign_wait) {
  tick_loop_t *loop = new_loop(), *other;
  tick_promise_t *p, *f, *foreign;
  ASSERT_OK(tick_loop_create(&other, 0));
  ASSERT_OK(tick_promise_resolve(other, NULL, NULL, &foreign));
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_finally(p, finally_wait_other, foreign, NULL, &f));
  ASSERT_OK(tick_promise_catch(f, log_only, "rejected", NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "rejected");
  ASSERT_EQ(tick_promise_error(f), TICK_EINVAL);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(f));
  ASSERT_OK(tick_loop_destroy(other)); /* finally released its reference to foreign */
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------ loop lifetime ---- */

TEST(promise_loop_destroy_frees_pending) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q, *in[2], *all, *rej, *th;
  tick_resolver_t *r;
  counted_t v, w, t;
  args_freed = 0;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_OK(tick_promise_then(p, log_only, NULL, "never", free_arg_count, &q));
  ASSERT_OK(tick_promise_finally(q, NULL, NULL, free_arg_count, NULL));
  ASSERT_OK(tick_promise_resolve(loop, counted(&v, "v"), counted_free, &in[0]));
  in[1] = p;
  ASSERT_OK(tick_promise_all(loop, in, 2, &all));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  ASSERT_OK(tick_promise_reject(loop, TICK_EIO, counted(&w, "w"), counted_free, &rej));
  ASSERT_OK(tick_promise_resolve_thenable(loop, counted(&t, "t"), thenable_resolves,
                                          counted_free, &th));
  /* Run so the queued jobs are consumed; then destroy with everything else still
   * pending or settled, and referenced by us. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(v.freed + w.freed, 0);
  ASSERT_EQ(t.freed, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_EQ(v.freed, 1);
  ASSERT_EQ(w.freed, 1);
  ASSERT_EQ(args_freed, 2);
  ASSERT_EQ(counted_live, 0);
}

TEST(promise_drain_from_outside) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  ASSERT_OK(tick_promise_then(p, log_only, NULL, "drained", NULL, NULL));
  ASSERT_OK(tick_loop_drain(loop));
  ASSERT_STR_EQ(logbuf, "drained");
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST_TIMEOUT(promise_release_long_pending_chain, 60) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *root, *p, *q;
  tick_resolver_t *r;
  int i;
  args_freed = 0;
  ASSERT_OK(tick_promise_create_deferred(loop, &root, &r));
  p = root;
  ASSERT_OK(tick_promise_retain(p));
  for (i = 0; i < 1000000; i++) {
    ASSERT_OK(tick_promise_then(p, log_only, NULL, NULL, free_arg_count, &q));
    ASSERT_OK(tick_promise_release(p));
    p = q;
  }
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_resolver_release(r));
  /* The last reference to the root frees a million links without recursing. */
  ASSERT_OK(tick_promise_release(root));
  ASSERT_EQ(args_freed, 1000000);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------ unhandled rejections ---- */

static void log_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  char buf[64];
  (void)loop;
  snprintf(buf, sizeof(buf), "%s:%s", (const char *)arg, tick_err_name(tick_promise_error(p)));
  logs(buf);
}

static tick_promise_t *late;

static void attach_late(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  logs("immediate");
  ASSERT_OK(tick_promise_catch(late, log_only, "late-catch", NULL, NULL));
}

TEST(promise_unhandled_and_handled_late_hooks) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *a, *b;
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, log_unhandled, "unhandled", log_unhandled,
                                            "late"));
  ASSERT_OK(tick_promise_reject(loop, TICK_EIO, NULL, NULL, &late));
  ASSERT_OK(tick_promise_reject(loop, TICK_ENOENT, NULL, NULL, &a));
  ASSERT_OK(tick_promise_then(a, log_only, NULL, NULL, NULL, &b)); /* chain end: b */
  ASSERT_OK(tick_set_immediate(loop, attach_late, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf,
                "unhandled:EIO unhandled:ENOENT immediate late-catch late:EIO");
  ASSERT_OK(tick_promise_release(a));
  ASSERT_OK(tick_promise_release(b));
  ASSERT_OK(tick_promise_release(late));
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(promise_default_unhandled_hook_prints) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p;
  tick_resolver_t *r;
  char buf[512] = "";
  int fds[2], saved;
  ssize_t n;
  ASSERT_EQ(pipe(fds), 0);
  saved = dup(2);
  ASSERT_EQ(dup2(fds[1], 2), 2);
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  ASSERT_EQ(tick_resolver_reject_message(r, TICK_ENOENT, "open config.txt"), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  fflush(stderr);
  ASSERT_EQ(dup2(saved, 2), 2);
  close(fds[1]);
  n = read(fds[0], buf, sizeof(buf) - 1);
  ASSERT_GT(n, 0);
  ASSERT(strstr(buf, "unhandled promise rejection") != NULL);
  ASSERT(strstr(buf, "ENOENT") != NULL);
  ASSERT(strstr(buf, "open config.txt") != NULL);
  close(fds[0]);
  close(saved);
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------- allocation failure ---- */

static int alloc_then(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  return tick_resolver_resolve(r, NULL, NULL) < 0 ? -1 : 0;
}

static int alloc_finally(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)arg;
  /* Allocation failures inside tick here reject the finally promise with ENOMEM. */
  return tick_promise_resolve(loop, NULL, NULL, wait) == TICK_ENOMEM ? 0 : 0;
}

static int alloc_return_promise(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                                void *arg) {
  tick_promise_t *q;
  int rc;
  (void)s;
  (void)arg;
  rc = tick_promise_resolve(loop, NULL, NULL, &q);
  if (rc < 0) return rc;
  rc = tick_resolver_resolve_promise(next, q);
  tick_promise_release(q);
  return rc < 0 ? rc : 0;
}

static int alloc_exec(tick_loop_t *loop, tick_resolver_t *r, void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_reject_message(r, TICK_EIO, "message") < 0 ? TICK_ENOMEM : 0;
}

/* Every promise allocation site in one scenario: module state, promise, reaction,
 * resolver, combinator items, message copy, finally's internal promises and jobs, and
 * the loop's microtask ring (the overflow path). Whatever fails, everything accepted
 * runs, every destructor runs once and nothing leaks. */
static int alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p = NULL, *q = NULL, *t = NULL, *in[3], *c[4] = {NULL, NULL, NULL, NULL};
  tick_resolver_t *r = NULL;
  counted_t *v = arg;
  int rc, i;
  (void)v;
  rc = tick_loop_create(&loop, 0);
  if (rc != 0) return rc;
  if ((rc = tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL)) != 0)
    goto out;
  if ((rc = tick_promise_create(loop, alloc_exec, NULL, &p)) != 0) goto out;
  if ((rc = tick_promise_create_deferred(loop, &q, &r)) != 0) goto out;
  if ((rc = tick_promise_resolve_thenable(loop, NULL, alloc_then, NULL, &t)) != 0) goto out;
  rc = tick_resolver_resolve_promise(r, t);
  if (rc < 0) goto out;
  in[0] = p;
  in[1] = q;
  in[2] = t;
  if ((rc = tick_promise_all(loop, in, 3, &c[0])) != 0) goto out;
  if ((rc = tick_promise_all_settled(loop, in, 3, &c[1])) != 0) goto out;
  if ((rc = tick_promise_race(loop, in, 3, &c[2])) != 0) goto out;
  if ((rc = tick_promise_any(loop, in, 3, &c[3])) != 0) goto out;
  for (i = 0; i < 4; i++) {
    if ((rc = tick_promise_then(c[i], alloc_return_promise, NULL, NULL, NULL, NULL)) != 0)
      goto out;
    if ((rc = tick_promise_finally(c[i], alloc_finally, NULL, NULL, NULL)) != 0) goto out;
  }
out:
  if (tick_loop_run(loop, TICK_RUN_DEFAULT) < 0) rc = -1;
  tick_resolver_release(r);
  tick_promise_release(p);
  tick_promise_release(q);
  tick_promise_release(t);
  for (i = 0; i < 4; i++) tick_promise_release(c[i]);
  if (tick_loop_destroy(loop) != 0) rc = -1;
  return rc;
}

TEST(promise_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(alloc_scenario, NULL);
  ASSERT_GE(sites, 8);
}

/* A failed allocation while registering leaves nothing behind: no reaction, no derived
 * promise, the arg freed, and the source promise untouched. */
TEST(promise_alloc_failure_leaves_nothing) {
  tick_loop_t *loop;
  tick_promise_t *p, *next, *in[1], *out;
  int i, ok = 0;
  test_alloc_install();
  ASSERT_OK(tick_loop_create(&loop, 0));
  logbuf[0] = 0;
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  /* Fill the first pool chunks so that the next registration must grow them. */
  for (i = 0; i < 200 && !ok; i++) {
    args_freed = 0;
    test_alloc_fail_at(1);
    next = (tick_promise_t *)&next;
    if (tick_promise_then(p, log_only, NULL, "x", free_arg_count, &next) == TICK_ENOMEM) {
      ASSERT_PTR_EQ(next, NULL);
      ASSERT_EQ(args_freed, 1);
      ok = 1;
    } else {
      ASSERT_OK(tick_promise_release(next));
    }
  }
  ASSERT(ok);
  in[0] = p;
  for (i = 0, ok = 0; i < 5000 && !ok; i++) {
    test_alloc_fail_at(1);
    if (tick_promise_all(loop, in, 1, &out) == TICK_ENOMEM) {
      ASSERT_PTR_EQ(out, NULL);
      ok = 1;
    } else {
      ASSERT_OK(tick_promise_release(out));
    }
  }
  ASSERT(ok);
  test_alloc_fail_at(0);
  logbuf[0] = 0;
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_UEQ(test_alloc_live(), 0);
}

/* When the loop's microtask ring cannot grow, jobs wait in order and run after the drain. */
TEST(promise_microtask_queue_full_keeps_order) {
  tick_loop_t *loop;
  tick_promise_t *p;
  tick_resolver_t *r;
  static const char *const labels[] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"};
  int i;
  test_alloc_install();
  ASSERT_OK(tick_loop_create(&loop, 0));
  logbuf[0] = 0;
  ASSERT_OK(tick_promise_create_deferred(loop, &p, &r));
  for (i = 0; i < 8; i++)
    ASSERT_OK(tick_promise_then(p, log_only, NULL, (void *)(uintptr_t)labels[i], NULL, NULL));
  test_alloc_fail_at(1); /* the ring's first growth */
  ASSERT_EQ(tick_resolver_resolve(r, NULL, NULL), 1);
  ASSERT(test_alloc_failed());
  test_alloc_fail_at(0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "r0 r1 r2 r3 r4 r5 r6 r7");
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------- steady state ---- */

static int count_link(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                      void *arg) {
  (void)loop;
  (void)arg;
  return tick_resolver_resolve(next, (void *)((intptr_t)tick_promise_value(s) + 1), NULL);
}

static void chain_round(tick_loop_t *loop, int links) {
  tick_promise_t *p, *q;
  int i;
  ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &p));
  for (i = 0; i < links; i++) {
    ASSERT_OK(tick_promise_then(p, count_link, NULL, NULL, NULL, &q));
    ASSERT_OK(tick_promise_release(p));
    p = q;
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ((intptr_t)tick_promise_value(p), links);
  ASSERT_OK(tick_promise_release(p));
}

TEST(promise_steady_state_allocates_nothing) {
  tick_loop_t *loop;
  size_t before;
  test_alloc_install();
  ASSERT_OK(tick_loop_create(&loop, 0));
  chain_round(loop, 1000); /* warm the pools and the microtask ring */
  before = test_alloc_count();
  chain_round(loop, 1000);
  chain_round(loop, 1000);
  ASSERT_UEQ(test_alloc_count(), before);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_UEQ(test_alloc_live(), 0);
}

/* ------------------------------------------------------ stale references ---- */

/* A promise released once too often, or a resolver used after its promise was freed, is
 * recognised as stale, also once the record has been reused for another promise: the
 * call returns TICK_ESTALE and touches nothing of the new owner's (its value, its
 * reactions, its outcome). Values handed to a refused call are still freed. */
TEST(promise_stale_references_refused) {
  tick_loop_t *loop = new_loop();
  tick_promise_t *p, *q, *d, *d2, *next = (tick_promise_t *)&next;
  tick_resolver_t *r, *r2;
  counted_t a, b, c;
  args_freed = 0;
  ASSERT_OK(tick_promise_resolve(loop, counted(&a, "a"), counted_free, &p));
  ASSERT_OK(tick_promise_release(p));
  ASSERT_EQ(a.freed, 1);
  ASSERT_ERR(tick_promise_release(p), TICK_ESTALE); /* released twice */
  ASSERT_ERR(tick_promise_state(p), TICK_ESTALE);
  /* The next promise may take the same record; the old reference stays stale. */
  ASSERT_OK(tick_promise_resolve(loop, counted(&b, "b"), counted_free, &q));
  ASSERT(q != p);
  ASSERT_ERR(tick_promise_release(p), TICK_ESTALE);
  ASSERT_EQ(b.freed, 0);
  ASSERT_ERR(tick_promise_retain(p), TICK_ESTALE);
  ASSERT_ERR(tick_promise_state(p), TICK_ESTALE);
  ASSERT_PTR_EQ(tick_promise_value(p), NULL);
  ASSERT_PTR_EQ(tick_promise_loop(p), NULL);
  ASSERT_ERR(tick_promise_then(p, log_only, NULL, "stale-then", free_arg_count, &next),
             TICK_ESTALE);
  ASSERT_PTR_EQ(next, NULL);
  ASSERT_EQ(args_freed, 1);
  ASSERT_ERR(tick_promise_resolve_promise(p, &next), TICK_ESTALE);
  {
    tick_promise_t *in[2] = {q, p}, *all = (tick_promise_t *)&all;
    ASSERT_ERR(tick_promise_all(loop, in, 2, &all), TICK_ESTALE);
    ASSERT_PTR_EQ(all, NULL);
  }
  ASSERT_OK(tick_promise_then(q, log_forward, NULL, "q", NULL, NULL));
  ASSERT_OK(tick_loop_drain(loop));
  ASSERT_STR_EQ(logbuf, "q:b");
  ASSERT_EQ(b.freed, 0);
  ASSERT_OK(tick_promise_release(q));
  ASSERT_EQ(b.freed, 1);

  /* A resolver whose promise is gone, then reused by another pending promise. */
  ASSERT_OK(tick_promise_create_deferred(loop, &d, &r));
  ASSERT_OK(tick_resolver_release(r));
  ASSERT_OK(tick_promise_release(d));
  ASSERT_ERR(tick_resolver_release(r), TICK_ESTALE);
  ASSERT_OK(tick_promise_create_deferred(loop, &d2, &r2));
  ASSERT_ERR(tick_resolver_reject(r, TICK_EIO, counted(&c, "c"), counted_free), TICK_ESTALE);
  ASSERT_EQ(c.freed, 1);
  ASSERT_ERR(tick_resolver_resolve(r, NULL, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_resolver_retain(r), TICK_ESTALE);
  ASSERT_ERR(tick_resolver_release(r), TICK_ESTALE);
  ASSERT_EQ(tick_promise_state(d2), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_resolver_resolve(r2, NULL, NULL), 1);
  ASSERT_EQ(tick_promise_state(d2), TICK_PROMISE_FULFILLED);
  ASSERT_OK(tick_resolver_release(r2));
  ASSERT_OK(tick_promise_release(d2));
  ASSERT_ERR(tick_promise_release(d2), TICK_ESTALE);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A combinator whose result was decided (all rejected, any fulfilled, race settled) or
 * can never be (all_settled) while one input never settles: once every reference is
 * released, nothing is left, so a server making such calls runs in flat memory. */
TEST_TIMEOUT(promise_combinators_free_never_settling_inputs, 60) {
  typedef int (*combinator_fn)(tick_loop_t *, tick_promise_t *const *, size_t,
                               tick_promise_t **);
  static const combinator_fn fns[4] = {tick_promise_all, tick_promise_any, tick_promise_race,
                                       tick_promise_all_settled};
  size_t n = getenv("TICK_TEST_VALGRIND") != NULL ? 20000 : 250000; /* per combinator */
  size_t i, k, baseline = 0;
  tick_loop_t *loop;
  test_alloc_install();
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, ignore_rejection, NULL, NULL, NULL));
  for (k = 0; k < 4; k++) {
    for (i = 0; i < n; i++) {
      tick_promise_t *in[2], *out;
      tick_resolver_t *never;
      ASSERT_OK(tick_promise_create_deferred(loop, &in[1], &never));
      ASSERT_OK(tick_resolver_release(never)); /* nobody can settle in[1] any more */
      if (k == 0)
        ASSERT_OK(tick_promise_reject(loop, TICK_EIO, NULL, NULL, &in[0]));
      else
        ASSERT_OK(tick_promise_resolve(loop, NULL, NULL, &in[0]));
      ASSERT_OK(fns[k](loop, in, 2, &out));
      ASSERT_OK(tick_promise_release(out));
      ASSERT_OK(tick_promise_release(in[0]));
      ASSERT_OK(tick_promise_release(in[1]));
      if (i % 1024 == 1023) ASSERT_OK(tick_loop_drain(loop));
      if (k == 0 && i == 4095) baseline = test_alloc_live();
    }
    ASSERT_OK(tick_loop_drain(loop));
    ASSERT_LE(test_alloc_live(), baseline);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_UEQ(test_alloc_live(), 0);
}
