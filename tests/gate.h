/* gate.h - a pool job that holds its worker until the test releases it (test-thread.c,
 * test-work.c). */
#ifndef TICK_TEST_GATE_H
#define TICK_TEST_GATE_H

#include <stdatomic.h>
#include <unistd.h>

/* Run gate_work with a gate_t, wait for it with wait_started(), then set `release`. */
typedef struct gate_s {
  atomic_int started, release;
} gate_t;

static inline void gate_work(void *arg) {
  gate_t *g = arg;
  atomic_store(&g->started, 1);
  while (!atomic_load(&g->release)) usleep(100);
}

static inline void wait_started(gate_t *g) {
  while (!atomic_load(&g->started)) usleep(100);
}

#endif
