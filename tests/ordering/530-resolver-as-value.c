/* SEMANTICS 6 and 2: resolve/reject functions are values that other callbacks can call
 * later; the first call settles the promise. */
#include "ptwin.h"

static tick_resolver_t *resolve_a, *reject_b;

static void imm_resolve(tick_loop_t *loop, void *arg) {
  (void)loop;
  check(tick_resolver_resolve(resolve_a, arg, NULL), "resolve");
}

static void tick_reject(tick_loop_t *loop, void *arg) {
  (void)loop;
  check(tick_resolver_reject(reject_b, JS_THROW, arg, NULL), "reject");
  check(tick_resolver_release(reject_b), "release");
}

static void imm_last(tick_loop_t *loop, void *arg) {
  imm_resolve(loop, arg);
  check(tick_resolver_release(resolve_a), "release");
}

static void log_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  tick_promise_t *a = deferred(loop, &resolve_a), *b = deferred(loop, &reject_b);
  then_(a, log_value, NULL, "a fulfilled");
  then_(b, NULL, log_value, "b rejected");
  check(tick_set_immediate(loop, imm_resolve, "from an immediate", NULL), "setImmediate");
  check(tick_next_tick(loop, tick_reject, "from a tick"), "nextTick");
  check(tick_set_immediate(loop, imm_last, "ignored", NULL), "setImmediate");
  check(tick_queue_microtask(loop, log_task, "microtask"), "queueMicrotask");
  say("sync end");
  release(a);
  release(b);
}
