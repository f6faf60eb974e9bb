/* SEMANTICS 7: several async functions interleave one await per turn, in the order they
 * were suspended. */
#include "atwin.h"

typedef struct {
  const char *name;
  int steps;
} worker_t;

static int worker(tick_async_t *co, void *arg) {
  const worker_t *w = arg;
  int i;
  for (i = 0; i < w->steps; i++) {
    sayf("%s step %d", w->name, i);
    await_str(co, "i");
  }
  sayf("%s done", w->name);
  return 0;
}

static const worker_t wa = {"A", 3}, wb = {"B", 2}, wc = {"C", 4};

static void main_script(tick_loop_t *loop) {
  go(loop, worker, &wa);
  go(loop, worker, &wb);
  go(loop, worker, &wc);
  say("sync end");
}
