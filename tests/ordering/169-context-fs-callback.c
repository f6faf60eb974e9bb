/* 169-context-fs-callback.c - twin of the .js. Rule: a file system callback (a pool
 * request) runs in the context of the call that started the request, not in the context
 * of whatever runs when it completes. */
#include "xtwin.h"

static void stat2_done(tick_loop_t *loop, const tick_fs_result_t *result, void *arg) {
  (void)arg;
  sayf("stat 2 done%s: %s", result->status < 0 ? " with error" : "",
       (const char *)tick_context_get(loop));
}

static void start_stat2(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_fs_stat(loop, "/nonexistent/x", stat2_done, NULL, NULL), "stat 2");
}

static void busy(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_set_immediate(loop, log_task, "immediate", NULL), "immediate");
}

static void stat1_done(tick_loop_t *loop, const tick_fs_result_t *result, void *arg) {
  (void)arg;
  sayf("stat 1 done%s: %s", result->status < 0 ? " with error" : "",
       (const char *)tick_context_get(loop));
  twin_check(tick_context_run(loop, store_of("busy"), busy, NULL), "run busy");
  twin_check(tick_context_run(loop, store_of("stat-2"), start_stat2, NULL), "run stat-2");
}

static void start_stat1(tick_loop_t *loop, void *arg) {
  (void)arg;
  twin_check(tick_fs_stat(loop, ".", stat1_done, NULL, NULL), "stat 1");
}

static void main_script(tick_loop_t *loop) {
  twin_check(tick_context_run(loop, store_of("stat-1"), start_stat1, NULL), "run stat-1");
}
