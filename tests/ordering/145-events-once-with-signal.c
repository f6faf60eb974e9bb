/* events.once with a signal, modelled as a deferred promise that the event resolves and
 * a scope listener rejects: whichever comes first settles it, inside the call that
 * emitted or cancelled, and the reactions run in that order. */
#include "ctwin.h"

typedef struct once_s {
  const char *name;
  tick_resolver_t *r;
  tick_scope_t *scope;
} once_t;

static once_t first = {"first", NULL, NULL}, second = {"second", NULL, NULL};

static void once_abort(tick_loop_t *loop, tick_scope_t *s, int code, void *arg) {
  once_t *o = arg;
  (void)loop, (void)s;
  check(tick_resolver_reject(o->r, code, NULL, NULL), "reject");
}

/* ee.emit('ready', value): resolves each once() still waiting, removing its listener. */
static void emit(once_t *o, const char *value) {
  if (tick_resolver_resolve(o->r, (void *)(uintptr_t)value, NULL) == 1)
    check(tick_scope_unlisten(&listeners[o == &first ? 0 : 1]), "removeEventListener");
}

static int got_event(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)next;
  sayf("%s got %s", ((once_t *)arg)->name, (const char *)tick_promise_value(p));
  return 0;
}

static int rejected_(tick_loop_t *loop, tick_promise_t *p, tick_resolver_t *next, void *arg) {
  (void)loop, (void)next;
  sayf("%s rejected %s", ((once_t *)arg)->name, error_name(tick_promise_error(p)));
  return 0;
}

static void once(tick_loop_t *loop, once_t *o) {
  tick_promise_t *p = deferred(loop, &o->r);
  o->scope = controller(loop);
  on_abort(o->scope, once_abort, o);
  check(tick_promise_then(p, got_event, rejected_, o, NULL, NULL), "then");
  release(p);
}

static void timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop, (void)t, (void)arg;
  check(tick_scope_cancel(second.scope, TICK_ECANCELED), "abort");
  say("aborted second");
  emit(&first, "go");
  emit(&second, "go");
  say("emitted");
  check(tick_scope_cancel(first.scope, TICK_ECANCELED), "abort");
  say("aborted first after the event");
  check(tick_resolver_release(first.r), "release");
  check(tick_resolver_release(second.r), "release");
  check(tick_scope_release(first.scope), "release");
  check(tick_scope_release(second.scope), "release");
}

static void main_script(tick_loop_t *loop) {
  once(loop, &first);
  once(loop, &second);
  check(tick_set_timeout(loop, 1, timer, NULL, NULL), "setTimeout");
}
