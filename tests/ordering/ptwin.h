/* ptwin.h - helpers for the promise ordering twins, on top of twin.h.
 *
 * Values in these scenarios are C strings (no destructor), printed like console.log
 * prints them; NULL prints as "undefined". A rejection made by a scenario uses TICK_EIO
 * with the reason string as its payload, the C twin of `throw 'reason'`.
 */
#ifndef TICK_PTWIN_H
#define TICK_PTWIN_H

#include "twin.h"

#include <string.h>

#define JS_THROW TICK_EIO

static void check(int r, const char *what) { twin_check(r, what); }

static const char *show(const tick_promise_t *p) {
  const char *v = tick_promise_value(p);
  if (tick_promise_error(p) == TICK_ETYPE) return "TypeError";
  return v != NULL ? v : "undefined";
}

static tick_promise_t *resolved(tick_loop_t *loop, const char *value) {
  tick_promise_t *p;
  check(tick_promise_resolve(loop, (void *)(uintptr_t)value, NULL, &p), "resolve");
  return p;
}

static tick_promise_t *rejected(tick_loop_t *loop, const char *reason) {
  tick_promise_t *p;
  check(tick_promise_reject(loop, JS_THROW, (void *)(uintptr_t)reason, NULL, &p), "reject");
  return p;
}

static tick_promise_t *deferred(tick_loop_t *loop, tick_resolver_t **r) {
  tick_promise_t *p;
  check(tick_promise_create_deferred(loop, &p, r), "deferred");
  return p;
}

/* p.then(f, g) where both handlers are given by the caller; returns the next promise. */
static tick_promise_t *then(tick_promise_t *p, tick_promise_cb f, tick_promise_cb g,
                            const char *label) {
  tick_promise_t *next;
  check(tick_promise_then(p, f, g, (void *)(uintptr_t)label, NULL, &next), "then");
  return next;
}

/* Same, dropping the next promise (like a then whose result is not stored). */
static void then_(tick_promise_t *p, tick_promise_cb f, tick_promise_cb g, const char *label) {
  check(tick_promise_then(p, f, g, (void *)(uintptr_t)label, NULL, NULL), "then");
}

static void release(tick_promise_t *p) { check(tick_promise_release(p), "release"); }

/* v => { log(label, v) } */
static int log_value(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  sayf("%s %s", (const char *)arg, show(s));
  return 0;
}

/* v => { log(label, v); return v } (and rethrow for a rejection) */
static int log_forward(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                       void *arg) {
  (void)loop;
  sayf("%s %s", (const char *)arg, show(s));
  return tick_resolver_forward(next, s) < 0 ? -1 : 0;
}

/* () => { log(label) } */
static int log_label(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  (void)next;
  say(arg);
  return 0;
}

/* () => { log(label); throw label } */
static int log_throw(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)s;
  say(arg);
  return tick_resolver_reject(next, JS_THROW, arg, NULL) < 0 ? -1 : 0;
}

/* The "label" argument is the value: () => label */
static int return_label(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  (void)s;
  return tick_resolver_resolve(next, arg, NULL) < 0 ? -1 : 0;
}

/* queueMicrotask-based turn counter: logs "turn N" once per microtask turn. */
static int turns_left, turn_number;
static void turn_task(tick_loop_t *loop, void *arg) {
  (void)arg;
  sayf("turn %d", ++turn_number);
  if (--turns_left > 0) check(tick_queue_microtask(loop, turn_task, NULL), "queueMicrotask");
}
static void start_turns(tick_loop_t *loop, int n) {
  turns_left = n;
  turn_number = 0;
  check(tick_queue_microtask(loop, turn_task, NULL), "queueMicrotask");
}

/* Unhandled-rejection hooks printing like the JS twins' process.on handlers. */
static void on_unhandled(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("unhandledRejection %s", show(p));
}
static void on_handled_late(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)arg;
  sayf("rejectionHandled %s", show(p));
}
static void watch_rejections(tick_loop_t *loop) {
  check(tick_promise_set_unhandled_hook(loop, on_unhandled, NULL, on_handled_late, NULL),
        "set_unhandled_hook");
}

#endif
