/* test-timers.c - the timer lists on the manual clock: a list of one timer held by the
 * timer itself and moving into a record when a second timer joins, lists that outlive
 * their last timer (Node keeps an unref'd timer's emptied list), refresh, and the heap
 * under many durations. The orders follow Node's lib/internal/timers.js step by step;
 * the comments give the steps. */
#include "test.h"

static void log_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  logs(arg);
}

static tick_loop_t *manual_loop(void) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK));
  logbuf[0] = 0;
  return loop;
}

/* A lone timer's callback adds timers of its own duration: they join its list, which
 * is rescheduled after the callback (same duration, so they keep creation order). */
static void a_adds_same_duration(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  logs("a");
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "b", NULL));
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "c", NULL));
  ASSERT_OK(tick_set_timeout(loop, 5, log_timer, "d", NULL));
}

TEST(timers_lone_timer_callback_adds_same_duration) {
  tick_loop_t *loop = manual_loop();
  ASSERT_OK(tick_set_timeout(loop, 10, a_adds_same_duration, NULL, NULL));
  ASSERT_OK(tick_loop_advance(loop, 15));
  ASSERT_STR_EQ(logbuf, "a d");
  ASSERT_OK(tick_loop_advance(loop, 5));
  ASSERT_STR_EQ(logbuf, "a d b c");
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* An interval alone in its list adds a timer of its duration on its first call: the
 * timer is appended first and the interval re-armed after it, so at 20 the timer runs
 * before the interval. */
static int iv_calls;

static void iv_adds_once(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)arg;
  logs("iv");
  if (++iv_calls == 1) ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "t", NULL));
  if (iv_calls == 3) ASSERT_OK(tick_clear_timer(loop, t));
}

TEST(timers_lone_interval_shares_its_list) {
  tick_loop_t *loop = manual_loop();
  iv_calls = 0;
  ASSERT_OK(tick_set_interval(loop, 10, iv_adds_once, NULL, NULL));
  ASSERT_OK(tick_loop_advance(loop, 40));
  ASSERT_STR_EQ(logbuf, "iv t iv iv");
  ASSERT_EQ(iv_calls, 3);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Clearing an unref'd timer leaves its emptied list queued (Node deletes only a ref'd
 * timer's list). A timer of that duration created later joins the old list, which the
 * timers phase at 10 reschedules with a new id: a list created between (U, due at the
 * same 15) then runs first. With a ref'd timer the list goes at once, T makes a new list
 * before U's, and T runs first. */
static void stale_list_order(int unref, const char *want) {
  tick_loop_t *loop = manual_loop();
  tick_timer_t a;
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "a", &a));
  if (unref) ASSERT_OK(tick_timer_unref(loop, a));
  ASSERT_OK(tick_clear_timer(loop, a));
  ASSERT_OK(tick_loop_advance(loop, 5));
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "T", NULL)); /* due at 15 */
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_OK(tick_set_timeout(loop, 9, log_timer, "U", NULL)); /* due at 15 */
  ASSERT_OK(tick_loop_advance(loop, 9));
  ASSERT_STR_EQ(logbuf, want);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(timers_unrefd_clear_keeps_the_list) {
  stale_list_order(1, "U T");
  stale_list_order(0, "T U");
}

/* A lone unref'd timer clears itself in its callback and adds a timer of its duration:
 * its list outlives it and takes the new timer, due 10 ms later. */
static void clears_self_then_adds(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)arg;
  logs("a");
  ASSERT_OK(tick_clear_timer(loop, t));
  ASSERT_OK(tick_set_timeout(loop, 10, log_timer, "b", NULL));
}

TEST(timers_lone_unrefd_timer_clears_itself_in_its_callback) {
  tick_loop_t *loop = manual_loop();
  tick_timer_t a;
  ASSERT_OK(tick_set_timeout(loop, 10, clears_self_then_adds, NULL, &a));
  ASSERT_OK(tick_timer_unref(loop, a));
  ASSERT_OK(tick_set_timeout(loop, 50, log_timer, "k", NULL));
  ASSERT_OK(tick_loop_advance(loop, 19));
  ASSERT_STR_EQ(logbuf, "a");
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_STR_EQ(logbuf, "a b");
  ASSERT_OK(tick_loop_advance(loop, 30));
  ASSERT_STR_EQ(logbuf, "a b k");
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Refresh of a lone timer, from outside and from its own callback: it stays the only
 * timer of its list and runs a full delay after each refresh. */
static int refreshed;

static void refresh_once(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)arg;
  logs("r");
  if (!refreshed++) ASSERT_OK(tick_timer_refresh(loop, t));
}

TEST(timers_refresh_lone_timer) {
  tick_loop_t *loop = manual_loop();
  tick_timer_t a;
  refreshed = 0;
  ASSERT_OK(tick_set_timeout(loop, 10, refresh_once, NULL, &a));
  ASSERT_OK(tick_loop_advance(loop, 3));
  ASSERT_OK(tick_timer_refresh(loop, a)); /* due at 13 now */
  ASSERT_OK(tick_set_timeout(loop, 7, log_timer, "b", NULL)); /* due at 10 */
  ASSERT_OK(tick_loop_advance(loop, 9));
  ASSERT_STR_EQ(logbuf, "b");
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_STR_EQ(logbuf, "b r");
  ASSERT_OK(tick_loop_advance(loop, 9));
  ASSERT_STR_EQ(logbuf, "b r");
  ASSERT_OK(tick_loop_advance(loop, 1));
  ASSERT_STR_EQ(logbuf, "b r r");
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_ERR(tick_timer_refresh(loop, a), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Many durations, some shared, a third cleared: every timer created at 0 runs at its
 * delay, by (deadline, creation) -- timers created together with one deadline share a
 * duration, hence a list. */
#define MANY 20000
static int64_t fired_at[MANY];
static int fire_seq[MANY];
static int fire_count;

static void record_fire(tick_loop_t *loop, tick_timer_t t, void *arg) {
  int i = (int)(intptr_t)arg;
  (void)t;
  fired_at[i] = (int64_t)tick_loop_now(loop);
  fire_seq[fire_count++] = i;
}

TEST(timers_many_durations_run_by_deadline_then_creation) {
  tick_loop_t *loop = manual_loop();
  static tick_timer_t ids[MANY];
  static int64_t delay[MANY];
  uint32_t seed = 12345;
  int i, live = 0;
  fire_count = 0;
  for (i = 0; i < MANY; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    delay[i] = 1 + (int64_t)(seed % (i % 2 ? 50u : 100000u)); /* shared and lone */
    fired_at[i] = -1;
    ASSERT_OK(tick_set_timeout(loop, delay[i], record_fire, (void *)(intptr_t)i, &ids[i]));
  }
  for (i = 0; i < MANY; i += 3) ASSERT_OK(tick_clear_timer(loop, ids[i]));
  ASSERT_OK(tick_loop_advance(loop, 100000));
  for (i = 0; i < MANY; i++) {
    if (i % 3 == 0) {
      ASSERT_EQ(fired_at[i], -1);
    } else {
      ASSERT_EQ(fired_at[i], delay[i]);
      live++;
    }
  }
  ASSERT_EQ(fire_count, live);
  for (i = 1; i < fire_count; i++) {
    int a = fire_seq[i - 1], b = fire_seq[i];
    ASSERT(delay[a] < delay[b] || (delay[a] == delay[b] && a < b));
  }
  ASSERT_EQ(tick_loop_alive(loop), 0);
  ASSERT_OK(tick_loop_destroy(loop));
}
