/* SEMANTICS 3 and 7: next-ticks queued by an async function run before the await
 * continuations of the same drain. */
#include "atwin.h"

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static int f(tick_async_t *co, void *arg) {
  tick_loop_t *loop = tick_async_loop(co);
  (void)arg;
  check(tick_next_tick(loop, log_task, "tick from f"), "nextTick");
  await_str(co, NULL);
  say("f resumed");
  check(tick_next_tick(loop, log_task, "tick from resumed f"), "nextTick");
  await_str(co, NULL);
  say("f resumed again");
  return 0;
}

static void main_script(tick_loop_t *loop) {
  check(tick_next_tick(loop, log_task, "tick 1"), "nextTick");
  go(loop, f, NULL);
  check(tick_queue_microtask(loop, log_task, "microtask"), "queueMicrotask");
  say("sync end");
}
