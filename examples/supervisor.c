/* supervisor.c - a tiny process supervisor on tick.
 *
 *   build/examples/supervisor [command [args...]]
 *
 * Runs the command (default: sh -c 'sleep 1; exit 3'), restarts it whenever it exits,
 * after a back-off that starts at 100 ms and doubles up to 5 s (reset when the child ran
 * for 10 s or more), and on SIGTERM or SIGINT stops: it sends SIGTERM to the child, waits
 * for its exit, and exits 0 leaving no child behind. Try it:
 *
 *   make build/examples/supervisor && build/examples/supervisor sh -c 'date; sleep 1'
 *   (then press ^C)
 *
 * What it shows: tick_spawn with inherited stdio, the exit callback, timers for the
 * back-off, signal watchers for shutdown, and closing every handle so the loop ends.
 */
#include <tick.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct supervisor_s {
  tick_process_options_t options;
  tick_stdio_t stdio[3];
  tick_process_t child;
  int running;
  int stopping;
  uint64_t started_at;
  int64_t backoff_ms;
  tick_timer_t restart;
  tick_signal_t term, intr;
} supervisor_t;

static void spawn_child(tick_loop_t *loop, supervisor_t *s);

static void restart_cb(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  (void)timer;
  spawn_child(loop, arg);
}

static void on_child_exit(tick_loop_t *loop, tick_process_t child, int status, int sig, void *arg) {
  supervisor_t *s = arg;
  uint64_t ran = tick_loop_now(loop) - s->started_at;
  s->running = 0;
  tick_process_close(loop, child, NULL, NULL);
  printf("supervisor: child exited (status %d, signal %d) after %llu ms\n", status, sig,
         (unsigned long long)ran);
  if (s->stopping) {
    /* The last handles go; then the loop has nothing left and run() returns. */
    tick_signal_close(loop, s->term, NULL, NULL);
    tick_signal_close(loop, s->intr, NULL, NULL);
    printf("supervisor: stopped\n");
    return;
  }
  if (ran >= 10000) s->backoff_ms = 100;
  printf("supervisor: restarting in %lld ms\n", (long long)s->backoff_ms);
  tick_set_timeout(loop, s->backoff_ms, restart_cb, s, &s->restart);
  s->backoff_ms = s->backoff_ms * 2 > 5000 ? 5000 : s->backoff_ms * 2;
}

static void spawn_child(tick_loop_t *loop, supervisor_t *s) {
  int r = tick_spawn(loop, &s->options, &s->child);
  if (r != 0) {
    /* A missing program is reported here, not by an exit: retry later like an exit. */
    printf("supervisor: cannot start %s: %s\n", s->options.file, tick_strerror(r));
    tick_set_timeout(loop, s->backoff_ms, restart_cb, s, &s->restart);
    s->backoff_ms = s->backoff_ms * 2 > 5000 ? 5000 : s->backoff_ms * 2;
    return;
  }
  s->running = 1;
  s->started_at = tick_loop_now(loop);
  printf("supervisor: spawned pid %d\n", tick_process_pid(loop, s->child));
}

static void on_signal(tick_loop_t *loop, tick_signal_t w, int signum, void *arg) {
  supervisor_t *s = arg;
  (void)w;
  if (s->stopping) return;
  s->stopping = 1;
  printf("supervisor: got signal %d, stopping\n", signum);
  tick_clear_timer(loop, s->restart);
  if (s->running) {
    tick_process_kill(loop, s->child, SIGTERM);
  } else {
    tick_signal_close(loop, s->term, NULL, NULL);
    tick_signal_close(loop, s->intr, NULL, NULL);
    printf("supervisor: stopped\n");
  }
}

int main(int argc, char **argv) {
  static char *default_cmd[] = {"sh", "-c", "sleep 1; exit 3", NULL};
  supervisor_t s = {0};
  tick_loop_t *loop;
  int r;
  setvbuf(stdout, NULL, _IOLBF, 0);
  s.options.argv = argc > 1 ? argv + 1 : default_cmd;
  s.options.file = s.options.argv[0];
  s.stdio[0].type = s.stdio[1].type = s.stdio[2].type = TICK_STDIO_INHERIT;
  s.options.stdio = s.stdio;
  s.options.stdio_count = 3;
  s.options.exit_cb = on_child_exit;
  s.options.arg = &s;
  s.backoff_ms = 100;
  if ((r = tick_loop_create(&loop, 0)) != 0 || (r = tick_signal_create(loop, &s.term)) != 0 ||
      (r = tick_signal_create(loop, &s.intr)) != 0 ||
      (r = tick_signal_start(loop, s.term, SIGTERM, on_signal, &s)) != 0 ||
      (r = tick_signal_start(loop, s.intr, SIGINT, on_signal, &s)) != 0) {
    fprintf(stderr, "supervisor: %s\n", tick_strerror(r));
    return 1;
  }
  spawn_child(loop, &s);
  tick_loop_run(loop, TICK_RUN_DEFAULT);
  r = tick_loop_destroy(loop);
  if (r != 0) {
    fprintf(stderr, "supervisor: destroy: %s\n", tick_strerror(r));
    return 1;
  }
  return 0;
}
