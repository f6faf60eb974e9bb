/* 023-poll-no-block-with-immediates.c - C twin of 023-poll-no-block-with-immediates.js
 * (SEMANTICS 4.4). The JS listens on a socket nobody connects to; here a watcher waits on an
 * empty pipe. A poll phase that blocked would hang: nothing else would ever wake it. */
#include "twin.h"

#include <errno.h>
#include <unistd.h>

static int fds[2];
static tick_poll_t watcher;
static int n = 0;

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

static void next_immediate(tick_loop_t *loop, void *arg) {
  n++;
  sayf("immediate %d", n);
  if (n < 5)
    twin_check(tick_set_immediate(loop, next_immediate, arg, NULL), "tick_set_immediate");
  else
    twin_check(tick_poll_close(loop, watcher, on_closed, NULL), "tick_poll_close");
}

static void main_script(tick_loop_t *loop) {
  twin_check(pipe(fds) == 0 ? 0 : -errno, "pipe");
  twin_check(tick_poll_create(loop, fds[0], &watcher), "tick_poll_create");
  twin_check(tick_poll_start(loop, watcher, TICK_READABLE, on_io, NULL), "tick_poll_start");
  twin_check(tick_set_immediate(loop, next_immediate, NULL, NULL), "tick_set_immediate");
  say("main end");
}
