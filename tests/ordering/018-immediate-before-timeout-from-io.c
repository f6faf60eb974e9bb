/* 018-immediate-before-timeout-from-io.c - C twin of 018-immediate-before-timeout-from-io.js
 * (SEMANTICS 4, consequences). The JS reads a file; here the I/O is a pipe written
 * beforehand and watched with tick_poll. */
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
  (void)loop;
  (void)arg;
  close(fds[0]);
  close(fds[1]);
}

static void on_io(tick_loop_t *loop, tick_poll_t watcher, int status, unsigned events,
                  void *arg) {
  char byte;
  (void)events;
  (void)arg;
  twin_check(status, "poll status");
  twin_check(read(fds[0], &byte, 1) == 1 ? 0 : -errno, "read");
  twin_check(tick_poll_close(loop, watcher, on_closed, NULL), "tick_poll_close");
  say("io");
  twin_check(tick_set_timeout(loop, 0, timer_label, "timeout 0 from io", NULL),
             "tick_set_timeout");
  twin_check(tick_set_immediate(loop, print_label, "immediate from io", NULL),
             "tick_set_immediate");
}

static void main_script(tick_loop_t *loop) {
  tick_poll_t watcher;
  twin_check(pipe(fds) == 0 ? 0 : -errno, "pipe");
  twin_check(write(fds[1], "x", 1) == 1 ? 0 : -errno, "write");
  twin_check(tick_poll_create(loop, fds[0], &watcher), "tick_poll_create");
  twin_check(tick_poll_start(loop, watcher, TICK_READABLE, on_io, NULL), "tick_poll_start");
}
