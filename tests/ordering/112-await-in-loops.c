/* SEMANTICS 7: await inside for and while loops: one turn per iteration, loop state kept
 * across awaits. */
#include "atwin.h"

typedef struct {
  const char *label;
  int n;
} sum_t;

static int sum(tick_async_t *co, void *arg) {
  const sum_t *s = arg;
  int total = 0, i, j = 0;
  for (i = 1; i <= s->n; i++) {
    tick_await_value(co, (void *)(intptr_t)i, NULL);
    total += (int)(intptr_t)tick_async_value(co);
  }
  while (j < 2) {
    await_str(co, NULL);
    j++;
    sayf("%s while %d", s->label, j);
  }
  sayf("%s total %d", s->label, total);
  return tick_async_return(co, strf("%d", total), free);
}

static const sum_t sa = {"a", 3}, sb = {"b", 1};

static void main_script(tick_loop_t *loop) {
  tick_promise_t *p;
  p = call(loop, sum, &sa);
  then_(p, log_value, NULL, "a settled");
  release(p);
  p = call(loop, sum, &sb);
  then_(p, log_value, NULL, "b settled");
  release(p);
  say("sync end");
}
