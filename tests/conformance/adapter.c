/* adapter.c - a Node-API addon that exposes tick's C promises to the Promises/A+ suite.
 *
 * This file is glue only: every promise decision (state, settle-once, first call wins,
 * self-resolution, reaction order, job queueing, pass-through) is made by tick's core.
 * What the glue does is what only JavaScript can do:
 * - JS values are opaque to tick: each one becomes a box holding a strong napi_ref (Node 20
 *   cannot reference primitives, so a primitive is kept in a holder object { v }).
 * - Resolving with a JS value performs the JS part of ECMAScript's resolve functions:
 *   read `x.then` once (a throwing getter becomes a rejection); a tick promise whose then
 *   is ours goes to tick_resolver_resolve_promise, any other callable then to
 *   tick_resolver_resolve_thenable, anything else to tick_resolver_resolve.
 * - A JS exception from a handler or from a thenable's then becomes a rejection whose
 *   reason is the thrown value.
 * - Tick's microtask queue is drained from Node (tick_loop_drain) whenever an entry point
 *   leaves it non-empty, through a JS callback run.js registers (it queues a microtask).
 *
 * GC finalizers never touch tick directly (they may run while tick is inside a callback);
 * they queue the reference to drop, and the queue is processed at the next entry point.
 *
 * Built with `cc -shared -fPIC -I/usr/include/node` against build/libtick.a (no node-gyp).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include "tick.h"

#include <stdlib.h>
#include <string.h>

/* Rejections whose reason is a JS value carry this code; the value is the box. */
#define JS_REJECTION TICK_EUNKNOWN

typedef struct box_s {
  napi_env env;
  napi_ref ref;
  int primitive; /* ref is a holder object { v: value } */
} box_t;

typedef struct thenable_s {
  box_t *object;
  box_t *then;
} thenable_t;

typedef struct handlers_s {
  napi_env env;
  napi_ref on_fulfilled; /* NULL if not a function */
  napi_ref on_rejected;
} handlers_t;

typedef struct release_s {
  struct release_s *next;
  tick_promise_t *promise;
  tick_resolver_t *resolver;
} release_t;

typedef struct adapter_s {
  tick_loop_t *loop;
  napi_ref constructor;
  napi_ref then_fn;      /* TickPromise.prototype.then, to recognise our own promises */
  napi_ref schedule_fn;  /* JS callback that arranges a call to drain() */
  int draining;
  int scheduled;
  int closing;
  release_t *releases;   /* references dropped by finalizers, released at a safe point */
} adapter_t;

static const napi_type_tag promise_tag = {0x7469636b70726f6dULL, 0x6973652d6164706eULL};

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), NULL, "tick adapter: " #call " failed");    \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static adapter_t *adapter_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/* ------------------------------------------------------------------- boxes ---- */

static void box_free(void *ptr) {
  box_t *b = ptr;
  if (b == NULL) return;
  napi_delete_reference(b->env, b->ref);
  free(b);
}

static box_t *box_new(napi_env env, napi_value value) {
  napi_valuetype type;
  napi_value holder = value;
  box_t *b = malloc(sizeof(*b));
  if (b == NULL) return NULL;
  b->env = env;
  napi_typeof(env, value, &type);
  b->primitive = type != napi_object && type != napi_function;
  if (b->primitive) {
    napi_create_object(env, &holder);
    napi_set_named_property(env, holder, "v", value);
  }
  if (napi_create_reference(env, holder, 1, &b->ref) != napi_ok) {
    free(b);
    return NULL;
  }
  return b;
}

static napi_value box_value(napi_env env, const box_t *b) {
  napi_value v;
  if (b == NULL) {
    napi_get_undefined(env, &v);
    return v;
  }
  napi_get_reference_value(env, b->ref, &v);
  if (b->primitive) napi_get_named_property(env, v, "v", &v);
  return v;
}

/* The JS value a settled tick promise carries: its box, or an Error made from a tick
 * error code (TICK_ETYPE becomes a TypeError, as ECMAScript requires). */
static napi_value outcome_value(napi_env env, const tick_promise_t *p) {
  napi_value v, msg;
  int code = tick_promise_error(p);
  const char *text;
  if (code == 0 || tick_promise_value(p) != NULL) return box_value(env, tick_promise_value(p));
  text = tick_promise_message(p) != NULL ? tick_promise_message(p) : tick_strerror(code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  if (code == TICK_ETYPE)
    napi_create_type_error(env, NULL, msg, &v);
  else
    napi_create_error(env, NULL, msg, &v);
  return v;
}

/* -------------------------------------------------- safe-point releases ---- */

static void process_releases(adapter_t *a) {
  while (a->releases != NULL) {
    release_t *r = a->releases;
    a->releases = r->next;
    if (r->promise != NULL) tick_promise_release(r->promise);
    if (r->resolver != NULL) tick_resolver_release(r->resolver);
    free(r);
  }
}

static void defer_release(napi_env env, tick_promise_t *p, tick_resolver_t *r) {
  adapter_t *a = adapter_of(env);
  release_t *rel;
  if (a == NULL || a->closing) return;
  rel = malloc(sizeof(*rel));
  if (rel == NULL) return; /* leak rather than touch tick from a finalizer */
  rel->promise = p;
  rel->resolver = r;
  rel->next = a->releases;
  a->releases = rel;
}

static void finalize_promise(napi_env env, void *data, void *hint) {
  (void)hint;
  defer_release(env, data, NULL);
}

static void finalize_resolver(napi_env env, void *data, void *hint) {
  (void)hint;
  defer_release(env, NULL, data);
}

/* Called before returning to JS from an entry point: asks JS to drain tick's microtask
 * queue soon if it has work and no drain is running or scheduled. */
static void maybe_schedule(napi_env env) {
  adapter_t *a = adapter_of(env);
  napi_value fn, undefined;
  process_releases(a);
  if (a->draining || a->scheduled || a->schedule_fn == NULL) return;
  if (tick_loop_alive(a->loop) <= 0) return;
  a->scheduled = 1;
  napi_get_reference_value(env, a->schedule_fn, &fn);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, fn, 0, NULL, NULL);
}

/* ------------------------------------------------------ JS promise objects ---- */

static napi_value wrap_promise(napi_env env, tick_promise_t *p) {
  adapter_t *a = adapter_of(env);
  napi_value ctor, obj;
  CHECK(env, napi_get_reference_value(env, a->constructor, &ctor));
  CHECK(env, napi_new_instance(env, ctor, 0, NULL, &obj));
  CHECK(env, napi_wrap(env, obj, p, finalize_promise, NULL, NULL));
  CHECK(env, napi_type_tag_object(env, obj, &promise_tag));
  return obj;
}

/* The tick promise of a JS object, if it is one of ours. */
static tick_promise_t *unwrap_promise(napi_env env, napi_value obj) {
  bool tagged = false;
  void *p = NULL;
  if (napi_check_object_type_tag(env, obj, &promise_tag, &tagged) != napi_ok || !tagged)
    return NULL;
  if (napi_unwrap(env, obj, &p) != napi_ok) return NULL;
  return p;
}

/* Takes a pending JS exception as a boxed rejection reason for `r`. */
static void reject_with_exception(napi_env env, tick_resolver_t *r) {
  napi_value exc;
  napi_get_and_clear_last_exception(env, &exc);
  tick_resolver_reject(r, JS_REJECTION, box_new(env, exc), box_free);
}

static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *resolver);

/* The JS half of ECMAScript's resolve(x): see the file comment. */
static void resolve_with_js(napi_env env, tick_resolver_t *r, napi_value x) {
  adapter_t *a = adapter_of(env);
  napi_valuetype type, then_type;
  napi_value then, ours;
  bool same = false, pending = false;
  tick_promise_t *q;
  thenable_t *t;
  napi_typeof(env, x, &type);
  if (type != napi_object && type != napi_function) {
    tick_resolver_resolve(r, box_new(env, x), box_free);
    return;
  }
  if (napi_get_named_property(env, x, "then", &then) != napi_ok ||
      (napi_is_exception_pending(env, &pending) == napi_ok && pending)) {
    reject_with_exception(env, r);
    return;
  }
  napi_typeof(env, then, &then_type);
  if (then_type != napi_function) {
    tick_resolver_resolve(r, box_new(env, x), box_free);
    return;
  }
  napi_get_reference_value(env, a->then_fn, &ours);
  napi_strict_equals(env, then, ours, &same);
  q = same ? unwrap_promise(env, x) : NULL;
  if (q != NULL) {
    tick_resolver_resolve_promise(r, q);
    return;
  }
  t = malloc(sizeof(*t));
  if (t == NULL) {
    tick_resolver_reject(r, TICK_ENOMEM, NULL, NULL);
    return;
  }
  t->object = box_new(env, x);
  t->then = box_new(env, then);
  tick_resolver_resolve_thenable(r, t, thenable_then, NULL);
}

/* resolve / reject functions handed to JS; `data` is a counted tick resolver. */
static napi_value js_resolve(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], undefined;
  void *data;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, &data));
  napi_get_undefined(env, &undefined);
  resolve_with_js(env, data, argc > 0 ? argv[0] : undefined);
  maybe_schedule(env);
  return NULL;
}

static napi_value js_reject(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], undefined;
  void *data;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, &data));
  napi_get_undefined(env, &undefined);
  tick_resolver_reject(data, JS_REJECTION, box_new(env, argc > 0 ? argv[0] : undefined),
                       box_free);
  maybe_schedule(env);
  return NULL;
}

static napi_value resolver_function(napi_env env, tick_resolver_t *r, napi_callback cb,
                                    const char *name) {
  napi_value fn;
  CHECK(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, r, &fn));
  tick_resolver_retain(r);
  CHECK(env, napi_add_finalizer(env, fn, r, finalize_resolver, NULL, NULL));
  return fn;
}

/* A foreign thenable's then, called by tick in a job: then.call(x, resolve, reject). */
static int thenable_then(tick_loop_t *loop, void *object, tick_resolver_t *resolver) {
  thenable_t *t = object;
  napi_env env = t->object->env;
  napi_value argv[2], self, fn;
  bool pending = false;
  (void)loop;
  argv[0] = resolver_function(env, resolver, js_resolve, "resolvePromise");
  argv[1] = resolver_function(env, resolver, js_reject, "rejectPromise");
  self = box_value(env, t->object);
  fn = box_value(env, t->then);
  if (napi_call_function(env, self, fn, 2, argv, NULL) != napi_ok ||
      (napi_is_exception_pending(env, &pending) == napi_ok && pending))
    reject_with_exception(env, resolver); /* ignored by tick if already resolved */
  box_free(t->object);
  box_free(t->then);
  free(t);
  return 0;
}

/* A reaction: calls the JS handler with the outcome; its result resolves `next`. */
static int run_handler(napi_env env, napi_ref handler, tick_promise_t *settled,
                       tick_resolver_t *next) {
  napi_value fn, undefined, arg, result;
  bool pending = false;
  napi_get_reference_value(env, handler, &fn);
  napi_get_undefined(env, &undefined);
  arg = outcome_value(env, settled);
  if (napi_call_function(env, undefined, fn, 1, &arg, &result) != napi_ok ||
      (napi_is_exception_pending(env, &pending) == napi_ok && pending)) {
    reject_with_exception(env, next);
    return 0;
  }
  resolve_with_js(env, next, result);
  return 0;
}

static int on_fulfilled(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                        void *arg) {
  handlers_t *h = arg;
  (void)loop;
  return run_handler(h->env, h->on_fulfilled, settled, next);
}

static int on_rejected(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  handlers_t *h = arg;
  (void)loop;
  return run_handler(h->env, h->on_rejected, settled, next);
}

static void handlers_free(void *arg) {
  handlers_t *h = arg;
  if (h->on_fulfilled != NULL) napi_delete_reference(h->env, h->on_fulfilled);
  if (h->on_rejected != NULL) napi_delete_reference(h->env, h->on_rejected);
  free(h);
}

static napi_ref function_ref(napi_env env, napi_value v) {
  napi_valuetype type;
  napi_ref ref = NULL;
  napi_typeof(env, v, &type);
  if (type == napi_function) napi_create_reference(env, v, 1, &ref);
  return ref;
}

/* TickPromise.prototype.then(onFulfilled, onRejected) */
static napi_value js_then(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, undefined, result;
  tick_promise_t *p, *next;
  handlers_t *h;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  napi_get_undefined(env, &undefined);
  if (argc < 2) argv[1] = undefined;
  if (argc < 1) argv[0] = undefined;
  p = unwrap_promise(env, self);
  if (p == NULL) {
    napi_throw_type_error(env, NULL, "then called on an object that is not a tick promise");
    return NULL;
  }
  process_releases(adapter_of(env));
  h = malloc(sizeof(*h));
  if (h == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  h->env = env;
  h->on_fulfilled = function_ref(env, argv[0]);
  h->on_rejected = function_ref(env, argv[1]);
  if (tick_promise_then(p, h->on_fulfilled ? on_fulfilled : NULL,
                        h->on_rejected ? on_rejected : NULL, h, handlers_free, &next) != 0) {
    napi_throw_error(env, NULL, "tick_promise_then failed");
    return NULL;
  }
  result = wrap_promise(env, next);
  maybe_schedule(env);
  return result;
}

static napi_value js_constructor(napi_env env, napi_callback_info info) {
  napi_value self;
  CHECK(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  return self;
}

/* deferred() -> { promise, resolve, reject } */
static napi_value js_deferred(napi_env env, napi_callback_info info) {
  adapter_t *a = adapter_of(env);
  tick_promise_t *p;
  tick_resolver_t *r;
  napi_value obj, promise;
  (void)info;
  process_releases(a);
  if (tick_promise_create_deferred(a->loop, &p, &r) != 0) {
    napi_throw_error(env, NULL, "tick_promise_create_deferred failed");
    return NULL;
  }
  CHECK(env, napi_create_object(env, &obj));
  promise = wrap_promise(env, p);
  CHECK(env, napi_set_named_property(env, obj, "promise", promise));
  CHECK(env, napi_set_named_property(env, obj, "resolve",
                                     resolver_function(env, r, js_resolve, "resolve")));
  CHECK(env, napi_set_named_property(env, obj, "reject",
                                     resolver_function(env, r, js_reject, "reject")));
  tick_resolver_release(r); /* the two functions hold their own references */
  return obj;
}

/* drain(): runs tick's drain (next-ticks and microtasks until both are empty). */
static napi_value js_drain(napi_env env, napi_callback_info info) {
  adapter_t *a = adapter_of(env);
  (void)info;
  a->scheduled = 0;
  process_releases(a);
  if (a->draining) return NULL;
  a->draining = 1;
  tick_loop_drain(a->loop);
  a->draining = 0;
  process_releases(a);
  return NULL;
}

/* setScheduler(fn): fn() must arrange one later call to drain(). */
static napi_value js_set_scheduler(napi_env env, napi_callback_info info) {
  adapter_t *a = adapter_of(env);
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (a->schedule_fn != NULL) napi_delete_reference(env, a->schedule_fn);
  a->schedule_fn = argc > 0 ? function_ref(env, argv[0]) : NULL;
  return NULL;
}

static void ignore_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

static void adapter_cleanup(void *arg) {
  adapter_t *a = arg;
  process_releases(a);
  a->closing = 1;
  /* The process is exiting; promises JS still references are left to the OS. */
}

static napi_value init(napi_env env, napi_value exports) {
  adapter_t *a = calloc(1, sizeof(*a));
  napi_property_descriptor proto[] = {
      {"then", NULL, js_then, NULL, NULL, NULL, napi_default_method, NULL}};
  napi_property_descriptor fns[] = {
      {"deferred", NULL, js_deferred, NULL, NULL, NULL, napi_default_method, NULL},
      {"drain", NULL, js_drain, NULL, NULL, NULL, napi_default_method, NULL},
      {"setScheduler", NULL, js_set_scheduler, NULL, NULL, NULL, napi_default_method, NULL}};
  napi_value ctor, prototype, then;
  if (a == NULL || tick_loop_create(&a->loop, 0) != 0) {
    napi_throw_error(env, NULL, "tick adapter: cannot create a loop");
    return NULL;
  }
  tick_promise_set_unhandled_hook(a->loop, ignore_rejection, NULL, ignore_rejection, NULL);
  CHECK(env, napi_set_instance_data(env, a, NULL, NULL));
  CHECK(env, napi_add_env_cleanup_hook(env, adapter_cleanup, a));
  CHECK(env, napi_define_class(env, "TickPromise", NAPI_AUTO_LENGTH, js_constructor, NULL, 1,
                               proto, &ctor));
  CHECK(env, napi_create_reference(env, ctor, 1, &a->constructor));
  CHECK(env, napi_get_named_property(env, ctor, "prototype", &prototype));
  CHECK(env, napi_get_named_property(env, prototype, "then", &then));
  CHECK(env, napi_create_reference(env, then, 1, &a->then_fn));
  CHECK(env, napi_define_properties(env, exports, 3, fns));
  return exports;
}

NAPI_MODULE(tick_adapter, init)
