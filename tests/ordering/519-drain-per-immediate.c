/* SEMANTICS 3: the drain runs after every single macrotask, so reactions queued by an
 * immediate run before the next immediate. */
#include "ptwin.h"

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void imm1(tick_loop_t *loop, void *arg) {
  tick_promise_t *p, *q;
  (void)arg;
  say("imm1");
  p = resolved(loop, NULL);
  q = then(p, log_label, NULL, "p after imm1");
  then_(q, log_label, NULL, "p2 after imm1");
  release(p);
  release(q);
  check(tick_next_tick(loop, log_task, "tick after imm1"), "nextTick");
}

static void imm2(tick_loop_t *loop, void *arg) {
  tick_promise_t *p;
  (void)arg;
  say("imm2");
  p = rejected(loop, "r");
  then_(p, NULL, log_value, "caught after imm2");
  release(p);
  check(tick_set_immediate(loop, log_task, "imm3 (next iteration)", NULL), "setImmediate");
}

static void main_script(tick_loop_t *loop) {
  check(tick_set_immediate(loop, imm1, NULL, NULL), "setImmediate");
  check(tick_set_immediate(loop, imm2, NULL, NULL), "setImmediate");
}
