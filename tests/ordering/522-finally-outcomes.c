/* SEMANTICS 6: finally waits for a promise returned by its callback; a throw or a rejected
 * wait replaces the outcome, anything else keeps it. */
#include "ptwin.h"

static tick_resolver_t *resolve_wait;

static int wait_pending(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)arg;
  *wait = deferred(loop, &resolve_wait);
  return 0;
}

static int throw_replaced(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  (void)arg;
  (void)wait;
  return JS_THROW;
}

static int wait_rejected(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)arg;
  *wait = rejected(loop, "rejected wait");
  return 0;
}

static int return_value(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)loop;
  (void)arg;
  (void)wait;
  return 0;
}

static int wait_resolved(tick_loop_t *loop, void *arg, tick_promise_t **wait) {
  (void)arg;
  *wait = resolved(loop, "ignored");
  return 0;
}

static int log_reason(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  /* A thrown error code carries no reason: print what the JS threw. */
  sayf("%s %s", (const char *)arg, tick_promise_value(s) ? show(s) : "replaced");
  return 0;
}

static void fin(tick_promise_t *p, tick_finally_cb cb, tick_promise_cb ok, tick_promise_cb err,
                const char *label) {
  tick_promise_t *f;
  check(tick_promise_finally(p, cb, NULL, NULL, &f), "finally");
  then_(f, ok, err, label);
  release(f);
  release(p);
}

static void immediate(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  say("immediate");
  check(tick_resolver_resolve(resolve_wait, "ignored", NULL), "resolve");
  check(tick_resolver_release(resolve_wait), "release");
}

static void main_script(tick_loop_t *loop) {
  start_turns(loop, 8);
  fin(resolved(loop, "v"), wait_pending, log_value, NULL, "after wait");
  fin(resolved(loop, "v"), throw_replaced, NULL, log_reason, "thrown in finally");
  fin(resolved(loop, "v"), wait_rejected, NULL, log_value, "rejected wait");
  fin(rejected(loop, "orig"), return_value, NULL, log_value, "original kept");
  fin(resolved(loop, "v"), wait_resolved, log_value, NULL, "resolved wait");
  fin(resolved(loop, "v"), NULL, log_value, NULL, "no callback");
  check(tick_set_immediate(loop, immediate, NULL, NULL), "setImmediate");
}
