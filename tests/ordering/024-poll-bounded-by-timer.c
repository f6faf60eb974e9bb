/* 024-poll-bounded-by-timer.c - C twin of 024-poll-bounded-by-timer.js (SEMANTICS 4.4 and 8.1).
 * The JS listens on a socket nobody connects to; here a watcher waits on an empty pipe. */
#include "twin.h"

#include <errno.h>
#include <unistd.h>

static int fds[2];
static tick_poll_t watcher;

static void on_closed(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  close(fds[0]);
  close(fds[1]);
}

static void on_io(tick_loop_t *loop, tick_poll_t w, int status, unsigned events, void *arg) {
  (void)loop;
  (void)w;
  (void)status;
  (void)events;
  (void)arg;
  say("io (never)");
}

static void on_timer(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  (void)arg;
  say("timer while watching");
  twin_check(tick_poll_close(loop, watcher, on_closed, NULL), "tick_poll_close");
}

static void main_script(tick_loop_t *loop) {
  twin_check(pipe(fds) == 0 ? 0 : -errno, "pipe");
  twin_check(tick_poll_create(loop, fds[0], &watcher), "tick_poll_create");
  twin_check(tick_poll_start(loop, watcher, TICK_READABLE, on_io, NULL), "tick_poll_start");
  twin_check(tick_set_timeout(loop, 20, on_timer, NULL, NULL), "tick_set_timeout");
  say("main end");
}
