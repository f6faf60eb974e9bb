/* 016-close-after-check.c - C twin of 016-close-after-check.js (SEMANTICS 4.5-4.6 and 3).
 * The JS closes a connected socket from its connect callback; here the I/O is a pipe written
 * beforehand, watched with tick_poll and closed with tick_poll_close from its callback. */
#include "twin.h"

#include <errno.h>
#include <unistd.h>

static int fds[2];

static void print_label(tick_loop_t *loop, void *arg) {
  (void)loop;
  say(arg);
}

static void timer_label(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)loop;
  (void)timer;
  say(arg);
}

static void on_closed(tick_loop_t *loop, void *arg) {
  (void)arg;
  close(fds[0]);
  close(fds[1]);
  say("close callback");
  twin_check(tick_queue_microtask(loop, print_label, "microtask from close"),
             "tick_queue_microtask");
  twin_check(tick_next_tick(loop, print_label, "tick from close"), "tick_next_tick");
}

static void on_io(tick_loop_t *loop, tick_poll_t watcher, int status, unsigned events,
                  void *arg) {
  char byte;
  (void)events;
  (void)arg;
  twin_check(status, "poll status");
  twin_check(read(fds[0], &byte, 1) == 1 ? 0 : -errno, "read");
  say("io");
  twin_check(tick_set_timeout(loop, 0, timer_label, "timeout from io", NULL), "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate from io", NULL), "tick_set_immediate");
  twin_check(tick_poll_close(loop, watcher, on_closed, NULL), "tick_poll_close");
  twin_check(tick_next_tick(loop, print_label, "tick from io"), "tick_next_tick");
}

static void main_script(tick_loop_t *loop) {
  tick_poll_t watcher;
  twin_check(pipe(fds) == 0 ? 0 : -errno, "pipe");
  twin_check(write(fds[1], "x", 1) == 1 ? 0 : -errno, "write");
  twin_check(tick_poll_create(loop, fds[0], &watcher), "tick_poll_create");
  twin_check(tick_poll_start(loop, watcher, TICK_READABLE, on_io, NULL), "tick_poll_start");
}
