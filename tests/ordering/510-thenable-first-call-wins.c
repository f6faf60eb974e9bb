/* SEMANTICS 6: a foreign thenable that calls back several times, or throws after calling
 * back: the first call wins. */
#include "ptwin.h"

static int t1(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_resolve(r, "first", NULL), "resolve");
  check(tick_resolver_resolve(r, "second", NULL), "resolve");
  check(tick_resolver_reject(r, JS_THROW, "third", NULL), "reject");
  return 0;
}

static int t2(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_reject(r, JS_THROW, "no", NULL), "reject");
  check(tick_resolver_resolve(r, "yes", NULL), "resolve");
  return 0;
}

static int t3(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_resolve(r, "kept", NULL), "resolve");
  return tick_resolver_reject(r, JS_THROW, "ignored", NULL) < 0 ? -1 : JS_THROW;
}

static int t4(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_reject(r, JS_THROW, "thrown", NULL), "reject");
  return JS_THROW;
}

static void t5_later(tick_loop_t *loop, void *arg) {
  tick_resolver_t *r = arg;
  (void)loop;
  check(tick_resolver_resolve(r, "async", NULL), "resolve");
  check(tick_resolver_reject(r, JS_THROW, "again", NULL), "reject");
  check(tick_resolver_release(r), "release");
}

static int t5(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)object;
  check(tick_resolver_retain(r), "retain");
  check(tick_set_immediate(loop, t5_later, r, NULL), "setImmediate");
  return 0;
}

static int t6(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  (void)object;
  check(tick_resolver_resolve_thenable(r, NULL, t1, NULL), "resolve thenable");
  check(tick_resolver_resolve(r, "too late", NULL), "resolve");
  return 0;
}

/* (v) => log(name, 'fulfilled', v), (e) => log(name, 'rejected', e) */
static int fulfilled(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  sayf("%s fulfilled %s", (const char *)arg, show(s));
  return 0;
}
static int rejected_(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  sayf("%s rejected %s", (const char *)arg, show(s));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  static const struct {
    const char *name;
    tick_thenable_cb then;
  } t[] = {{"t1", t1}, {"t2", t2}, {"t3", t3}, {"t4", t4}, {"t5", t5}, {"t6", t6}};
  size_t i;
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    tick_promise_t *p;
    check(tick_promise_resolve_thenable(loop, NULL, t[i].then, NULL, &p), "resolve_thenable");
    then_(p, fulfilled, rejected_, t[i].name);
    release(p);
  }
}
