/* SEMANTICS 6-7: Promise.all over async functions settles when the slowest has returned,
 * with values in input order. */
#include "atwin.h"

typedef struct {
  const char *label;
  int n;
} steps_t;

static int steps(tick_async_t *co, void *arg) {
  const steps_t *s = arg;
  int i;
  for (i = 0; i < s->n; i++) await_str(co, NULL);
  sayf("%s returns", s->label);
  return ret_str(co, s->label);
}

static int log_all(tick_loop_t *loop, tick_promise_t *s, tick_resolver_t *next, void *arg) {
  char buf[64] = "";
  size_t i;
  (void)loop;
  (void)next;
  (void)arg;
  for (i = 0; i < tick_promise_count(s); i++) {
    if (i > 0) strcat(buf, ",");
    strcat(buf, show(tick_promise_item(s, i)));
  }
  sayf("all %s", buf);
  return 0;
}

static const steps_t sa = {"a", 2}, sb = {"b", 0}, sc = {"c", 1};

static void main_script(tick_loop_t *loop) {
  tick_promise_t *in[3], *all;
  int i;
  start_turns(loop, 6);
  in[0] = call(loop, steps, &sa);
  in[1] = call(loop, steps, &sb);
  in[2] = call(loop, steps, &sc);
  check(tick_promise_all(loop, in, 3, &all), "all");
  for (i = 0; i < 3; i++) release(in[i]);
  then_(all, log_all, NULL, NULL);
  release(all);
  say("sync end");
}
