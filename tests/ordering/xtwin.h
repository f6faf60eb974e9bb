/* xtwin.h - helpers for the async context twins (160-179), on top of twin.h.
 *
 * The JS twins keep one AsyncLocalStorage whose stores are strings; here the loop's
 * context value is the C string itself (NULL is "undefined"). log_store(loop, label)
 * prints "label: store" as the JS log(label) does.
 */
#ifndef TICK_XTWIN_H
#define TICK_XTWIN_H

#include "twin.h"

#include <stdint.h>

static inline void log_store(tick_loop_t *loop, const char *label) {
  const char *store = tick_context_get(loop);
  sayf("%s: %s", label, store != NULL ? store : "undefined");
}

/* A context value from a string literal (the program owns it; tick never reads it). */
static inline void *store_of(const char *name) { return (void *)(uintptr_t)name; }

/* Callbacks that log their argument (a label) with the store they see. */
static inline void log_task(tick_loop_t *loop, void *label) { log_store(loop, label); }
static inline void log_timer(tick_loop_t *loop, tick_timer_t t, void *label) {
  (void)t;
  log_store(loop, label);
}

#endif
