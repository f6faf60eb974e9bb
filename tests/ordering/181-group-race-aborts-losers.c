/* Task groups, race: the first member to end (here one that awaits nothing but a turn)
 * wins; in the turn its end is seen the others are cancelled (their sleeps return at once
 * and their timers are cleared), their cleanup runs one turn later, and the group settles
 * like the winner once the last loser's end is seen. The cancelled timers never fire. */
#include "atwin.h"

typedef struct sleeper_s {
  const char *name;
  int64_t ms;
} sleeper_t;

static int sleeper(tick_async_t *co, void *arg) {
  const sleeper_t *s = arg;
  int rc = s->ms == 0 ? tick_await_value(co, NULL, NULL) : tick_await_sleep(co, s->ms);
  if (rc != 0) {
    sayf("%s cancelled", s->name);
    return rc;
  }
  sayf("%s woke", s->name);
  return ret_str(co, s->name);
}

static int parent(tick_async_t *co, void *arg) {
  tick_group_t *g = arg;
  if (tick_group_wait(co, g) == 0) sayf("group won by %s", got(co));
  check(tick_group_release(g), "tick_group_release");
  return 0;
}

static void log_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void main_script(tick_loop_t *loop) {
  static const sleeper_t members[] = {{"slow", 200}, {"fast", 0}, {"mid", 100}};
  tick_group_options_t options = {.mode = TICK_GROUP_RACE};
  tick_group_t *g;
  size_t i;
  check(tick_group_create(loop, &options, &g), "tick_group_create");
  for (i = 0; i < 3; i++)
    check(tick_group_run(g, sleeper, (void *)(uintptr_t)&members[i], NULL, NULL),
          "tick_group_run");
  go(loop, parent, g);
  check(tick_set_timeout(loop, 300, log_timer, "timeout 300", NULL), "setTimeout");
  say("sync end");
}
