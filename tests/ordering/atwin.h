/* atwin.h - helpers for the async/await ordering twins (100-139), on top of ptwin.h.
 *
 * An `async function f(arg)` of a JS twin is a tick_async_fn here; `f()` is go(...) or
 * call(...) (which keeps the promise). Values are C strings as in ptwin.h; strings made
 * at run time are malloc'd and handed over with free as their destructor.
 */
#ifndef TICK_ATWIN_H
#define TICK_ATWIN_H

#include "ptwin.h"

#include <stdint.h>

/* f(arg) keeping its promise (a reference the caller releases). */
static tick_promise_t *call(tick_loop_t *loop, tick_async_fn fn, const void *arg) {
  tick_promise_t *p;
  check(tick_async_run(loop, fn, (void *)(uintptr_t)arg, NULL, &p), "tick_async_run");
  return p;
}

/* f(arg) dropping its promise (a call whose result is not stored). */
static void go(tick_loop_t *loop, tick_async_fn fn, const void *arg) {
  check(tick_async_run(loop, fn, (void *)(uintptr_t)arg, NULL, NULL), "tick_async_run");
}

/* The value (or reason) the last await settled with, printed as console.log does. */
static const char *got(tick_async_t *co) {
  tick_promise_t *r = tick_async_result(co);
  return r != NULL ? show(r) : "undefined";
}

/* await 'value' */
static int await_str(tick_async_t *co, const char *value) {
  return tick_await_value(co, (void *)(uintptr_t)value, NULL);
}

/* return 'value' */
static int ret_str(tick_async_t *co, const char *value) {
  return tick_async_return(co, (void *)(uintptr_t)value, NULL);
}

/* throw 'reason' */
static int throw_str(tick_async_t *co, const char *reason) {
  return tick_async_throw(co, JS_THROW, (void *)(uintptr_t)reason, NULL);
}

/* A string made now, owned by whoever it is handed to (with free). */
__attribute__((format(printf, 1, 2))) static char *strf(const char *fmt, ...) {
  va_list ap;
  char *s;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  s = malloc((size_t)n + 1);
  if (s == NULL) twin_check(TICK_ENOMEM, "malloc");
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* { then(res) { res(object) } }: a thenable whose object is the value it calls back with. */
static int then_resolve_self(tick_loop_t *loop, void *object, tick_resolver_t *r) {
  (void)loop;
  return tick_resolver_resolve(r, object, NULL) < 0 ? -1 : 0;
}

/* await { then(res) { res(value) } } */
static int await_thenable_str(tick_async_t *co, const char *value) {
  return tick_await_thenable(co, (void *)(uintptr_t)value, then_resolve_self, NULL);
}

#endif
