/* Task groups, the timeout: the group's deadline is a timer; when it fires, the members
 * still running are cancelled with TICK_ETIMEDOUT (their sleeps return at once, their
 * timers cleared), their cleanup runs in the microtasks after that callback, and the group
 * rejects with TICK_ETIMEDOUT once they have ended. A member that ended in time keeps its
 * result. A timer due at the same time but created after the deadline runs after all
 * that. */
#include "atwin.h"

typedef struct member_s {
  const char *name;
  int64_t ms;
} member_t;

static int member(tick_async_t *co, void *arg) {
  const member_t *m = arg;
  int rc = m->ms == 0 ? tick_await_value(co, NULL, NULL) : tick_await_sleep(co, m->ms);
  if (rc != 0) {
    sayf("%s cancelled %s", m->name, tick_err_name(rc));
    return rc;
  }
  sayf("%s done", m->name);
  return 0;
}

static int parent(tick_async_t *co, void *arg) {
  tick_group_t *g = arg;
  int rc = tick_group_wait(co, g);
  sayf("group %s", rc == 0 ? "ok" : tick_err_name(rc));
  check(tick_group_release(g), "tick_group_release");
  return 0;
}

static void say_microtask(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void log_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  say(arg);
  check(tick_queue_microtask(loop, say_microtask, "microtask"), "queueMicrotask");
}

static void main_script(tick_loop_t *loop) {
  static const member_t members[] = {{"quick", 0}, {"slow", 1000}, {"slower", 2000}};
  tick_group_options_t options = {.timeout_ms = 50, .mode = TICK_GROUP_COLLECT};
  tick_group_t *g;
  size_t i;
  check(tick_group_create(loop, &options, &g), "tick_group_create");
  for (i = 0; i < 3; i++)
    check(tick_group_run(g, member, (void *)(uintptr_t)&members[i], NULL, NULL),
          "tick_group_run");
  go(loop, parent, g);
  check(tick_set_timeout(loop, 50, log_timer, "timeout 50", NULL), "setTimeout");
  say("sync end");
}
