/* Task groups, the first failure: a member's rejection is seen one turn after it, which
 * cancels the others at once; each cancelled member resumes one turn later and runs its
 * cleanup; the group settles, like the first failure, when the last member's end is seen,
 * and tick_group_wait resumes one turn after that. */
#include "atwin.h"

static tick_promise_t *never; /* kept pending until the group has settled */
static tick_resolver_t *never_r;

static int waiter(tick_async_t *co, void *arg) {
  int rc = tick_await(co, never);
  if (rc != 0) sayf("%s cancelled", (const char *)arg);
  return rc;
}

static int failer(tick_async_t *co, void *arg) {
  (void)arg;
  tick_await_value(co, NULL, NULL);
  say("failer throws");
  return throw_str(co, "boom");
}

static int parent(tick_async_t *co, void *arg) {
  tick_group_t *g = arg;
  if (tick_group_wait(co, g) != 0) sayf("group rejected %s", got(co));
  check(tick_group_release(g), "tick_group_release");
  check(tick_resolver_release(never_r), "release");
  release(never);
  return 0;
}

static void main_script(tick_loop_t *loop) {
  tick_group_t *g;
  start_turns(loop, 8);
  never = deferred(loop, &never_r);
  check(tick_group_create(loop, NULL, &g), "tick_group_create");
  check(tick_group_run(g, waiter, "a", NULL, NULL), "tick_group_run");
  check(tick_group_run(g, failer, NULL, NULL, NULL), "tick_group_run");
  check(tick_group_run(g, waiter, "b", NULL, NULL), "tick_group_run");
  go(loop, parent, g);
  say("sync end");
}
