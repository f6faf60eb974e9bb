/* SEMANTICS 6: independent chains interleave one reaction per microtask turn. */
#include "ptwin.h"

/* v => { log(v); return label } */
static int print_return(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next,
                        void *arg) {
  (void)loop;
  say(show(s));
  return tick_resolver_resolve(next, arg, NULL);
}

static int print(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  say(show(s));
  return 0;
}

static void chain(tick_loop_t *loop, const char *first, const char *const *labels, int n) {
  tick_promise_t *p = resolved(loop, first), *q;
  int i;
  for (i = 0; i < n; i++) {
    q = then(p, print_return, NULL, labels[i]);
    release(p);
    p = q;
  }
  then_(p, print, NULL, NULL);
  release(p);
}

static void main_script(tick_loop_t *loop) {
  static const char *const a[] = {"a1", "a2"}, *const b[] = {"b1", "b2", "b3"};
  chain(loop, "a0", a, 2);
  chain(loop, "b0", b, 3);
  chain(loop, "c0", NULL, 0);
}
