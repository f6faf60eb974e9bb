/* 056-timers-phase-rerun-node-quirk.c - C twin of 056-timers-phase-rerun-node-quirk.js
 * (SEMANTICS 4.1, node quirk). In node 20 (libuv 1.46) the drain after the phase's last timer
 * runs after node has re-armed its one libuv timer from the cached loop time; the clock read
 * by the tick's setTimeout moves that time on, and libuv's timer loop then fires node's timer
 * again in the same phase, which runs timer B (created during the phase, now due) before
 * the check phase. */
#include "twin.h"

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void tick_of_a(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_timeout(loop, 50, timer_label, "timer 50 from tick of A", NULL),
             "tick_set_timeout");
}

static void timer_a(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer A");
  twin_check(tick_set_timeout(loop, 1, timer_label, "timer B from A", NULL), "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate from A", NULL),
             "tick_set_immediate");
  busy_wait_ms(5);
  twin_check(tick_next_tick(loop, tick_of_a, NULL), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_set_timeout(loop, 1, timer_a, NULL, NULL), "tick_set_timeout");
}
