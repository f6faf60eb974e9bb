/* Task groups, the limit: with a limit of 2, the first two functions start inside the
 * tick_group_run calls that add them; each queued one starts, in the order added, in the
 * turn in which the end of a running one is seen (one turn after its promise settles),
 * before that turn goes on; the group settles in the turn the last end is seen. */
#include "atwin.h"

static int job(tick_async_t *co, void *arg) {
  sayf("start %s", (const char *)arg);
  tick_await_value(co, NULL, NULL);
  tick_await_value(co, NULL, NULL);
  sayf("end %s", (const char *)arg);
  return 0;
}

static int parent(tick_async_t *co, void *arg) {
  tick_group_t *g = arg;
  if (tick_group_wait(co, g) == 0) say("group done");
  check(tick_group_release(g), "tick_group_release");
  return 0;
}

static void main_script(tick_loop_t *loop) {
  static const char *const names[] = {"a", "b", "c", "d", "e"};
  tick_group_options_t options = {.limit = 2};
  tick_group_t *g;
  size_t i;
  start_turns(loop, 16);
  check(tick_group_create(loop, &options, &g), "tick_group_create");
  for (i = 0; i < 5; i++)
    check(tick_group_run(g, job, (void *)(uintptr_t)names[i], NULL, NULL), "tick_group_run");
  go(loop, parent, g);
  say("sync end");
}
