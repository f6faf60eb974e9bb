/* SEMANTICS 6: a rejection skips fulfilment handlers, a catch handler that throws rejects
 * the next promise, and one that returns fulfils it. */
#include "ptwin.h"

static int catch1(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  sayf("catch1 %s", show(s));
  return tick_resolver_reject(next, JS_THROW, "y", NULL) < 0 ? -1 : 0;
}

static int catch2(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  sayf("catch2 %s", show(s));
  return tick_resolver_resolve(next, "z", NULL);
}

static int then1(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  sayf("then1 %s", show(s));
  return tick_resolver_reject(next, JS_THROW, "thrown", NULL) < 0 ? -1 : 0;
}

static int recover(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)arg;
  sayf("rejection handler %s", show(s));
  return tick_resolver_resolve(next, "recovered", NULL);
}

typedef struct {
  tick_promise_cb ok, err;
  const char *label;
} link_t;

static void chain(tick_promise_t *p, const link_t *links, int n) {
  int i;
  for (i = 0; i < n; i++) {
    tick_promise_t *q = then(p, links[i].ok, links[i].err, links[i].label);
    release(p);
    p = q;
  }
  release(p);
}

static void main_script(tick_loop_t *loop) {
  static const link_t a[] = {{NULL, catch1, NULL},
                             {log_value, NULL, "never"},
                             {NULL, catch2, NULL},
                             {log_value, NULL, "then"}};
  static const link_t b[] = {{then1, NULL, NULL},
                             {NULL, recover, NULL},
                             {NULL, log_value, "never"},
                             {log_value, NULL, "final"}};
  start_turns(loop, 6);
  chain(rejected(loop, "x"), a, 4);
  chain(resolved(loop, "ok"), b, 4);
}
