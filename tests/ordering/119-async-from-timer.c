/* SEMANTICS 3 and 7: an async function started in a timer callback resumes in the drain
 * after that callback, before the next timer. */
#include "atwin.h"

static int body(tick_async_t *co, void *arg) {
  (void)arg;
  say("async start");
  await_str(co, NULL);
  say("async resumed");
  await_str(co, NULL);
  say("async resumed again");
  return 0;
}

static void timer1(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  say("timer 1");
  go(loop, body, NULL);
  say("timer 1 end");
}

static void timer2(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  say("timer 2");
}

static void main_script(tick_loop_t *loop) {
  check(tick_set_timeout(loop, 1, timer1, NULL, NULL), "setTimeout");
  check(tick_set_timeout(loop, 1, timer2, NULL, NULL), "setTimeout");
}
