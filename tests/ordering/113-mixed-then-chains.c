/* SEMANTICS 6-7: async functions and then chains share the microtask queue, one reaction
 * or continuation per turn. */
#include "atwin.h"

static int f(tick_async_t *co, void *arg) {
  (void)arg;
  say("f 1");
  await_str(co, NULL);
  say("f 2");
  await_str(co, NULL);
  say("f 3");
  return 0;
}

static void chain(tick_loop_t *loop, const char *const *labels, int n) {
  tick_promise_t *p = resolved(loop, NULL), *next;
  int i;
  for (i = 0; i < n; i++) {
    next = then(p, log_label, NULL, labels[i]);
    release(p);
    p = next;
  }
  release(p);
}

static const char *const c1[] = {"chain 1", "chain 2", "chain 3"};
static const char *const c2[] = {"chain2 1", "chain2 2"};

static void main_script(tick_loop_t *loop) {
  chain(loop, c1, 3);
  go(loop, f, NULL);
  chain(loop, c2, 2);
  say("sync end");
}
