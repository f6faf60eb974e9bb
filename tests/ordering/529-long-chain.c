/* SEMANTICS 6: a long chain advances one link per microtask turn, interleaved with every
 * other chain. Values are small integers carried in the pointer. */
#include "ptwin.h"

static int left = 1001, n;

static void turn(tick_loop_t *loop, void *arg) {
  (void)arg;
  n++;
  if (n % 250 == 0) sayf("turn %d", n);
  if (--left > 0) check(tick_queue_microtask(loop, turn, NULL), "queueMicrotask");
}

static int link_(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  intptr_t v = (intptr_t)tick_promise_value(s) + 1;
  (void)loop;
  (void)arg;
  if (v % 250 == 0) sayf("link %d", (int)v);
  return tick_resolver_resolve(next, (void *)v, NULL);
}

static int done(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  (void)loop;
  (void)next;
  (void)arg;
  sayf("chain done %d", (int)(intptr_t)tick_promise_value(s));
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p, *q;
  int i;
  check(tick_queue_microtask(loop, turn, NULL), "queueMicrotask");
  check(tick_promise_resolve(loop, (void *)0, NULL, &p), "resolve");
  for (i = 1; i <= 1000; i++) {
    q = then(p, link_, NULL, NULL);
    release(p);
    p = q;
  }
  then_(p, done, NULL, NULL);
  release(p);
}
