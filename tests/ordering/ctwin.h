/* ctwin.h - helpers for the cancellation ordering twins (140-159), on top of atwin.h.
 *
 * An AbortController and its signal are one tick scope here; abort(reason) is
 * tick_scope_cancel with a code standing for the reason (each twin says which);
 * addEventListener('abort', f) is tick_scope_listen with a static listener record.
 */
#ifndef TICK_CTWIN_H
#define TICK_CTWIN_H

#include "atwin.h"

/* () => console.log(label): a next-tick, microtask, immediate or timer task. */
static void say_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void say_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  say(arg);
}

/* new AbortController() */
static tick_scope_t *controller(tick_loop_t *loop) {
  tick_scope_t *s;
  check(tick_scope_create(loop, NULL, &s), "tick_scope_create");
  return s;
}

/* The listener records of a twin: one per addEventListener. */
static tick_scope_listener_t listeners[32];
static int listeners_used;

/* signal.addEventListener('abort', cb) with `arg` for the callback. */
static void on_abort(tick_scope_t *s, tick_scope_cb cb, const void *arg) {
  if (listeners_used == (int)(sizeof(listeners) / sizeof(listeners[0])))
    twin_check(TICK_ENOMEM, "listeners");
  check(tick_scope_listen(s, &listeners[listeners_used++], cb, (void *)(uintptr_t)arg),
        "tick_scope_listen");
}

/* signal.aborted */
static const char *aborted(tick_scope_t *s) {
  return tick_scope_status(s) != 0 ? "true" : "false";
}

/* The name of the error a code stands for, as err.name prints it. */
static const char *error_name(int code) {
  if (code == TICK_ECANCELED) return "AbortError";
  if (code == TICK_ETIMEDOUT) return "TimeoutError";
  return tick_err_name(code);
}

#endif
