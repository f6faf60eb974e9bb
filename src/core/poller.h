/* poller.h - the loop's readiness backend: one small interface over the kernel's
 * notification mechanism (epoll today, poller-epoll.c). Not API.
 *
 * Registrations are level-triggered and keyed by fd; each carries a 64-bit datum the
 * backend hands back with the fd's events. Event masks use the backend-neutral bits below,
 * which have the values of TICK_READABLE, TICK_WRITABLE and TICK_DISCONNECT. Nothing here
 * knows about handles: the poll phase (poll.c) turns data into watchers. How a kqueue
 * backend would fit is written in docs/design/poller.md.
 */
#ifndef TICK_POLLER_H
#define TICK_POLLER_H

#include <stdint.h>

enum {
  TICK__POLLER_IN = 1u << 0,  /* readable (or a peer's priority data) */
  TICK__POLLER_OUT = 1u << 1, /* writable */
  TICK__POLLER_ERR = 1u << 2  /* error or hang-up: reported whether asked for or not */
};

typedef struct tick__poller_event_s {
  uint64_t data;
  unsigned events;
} tick__poller_event_t;

typedef struct tick__poller_s {
  int fd; /* the epoll instance */
} tick__poller_t;

/* Returns 0 or a negative error (close-on-exec). */
int tick__poller_init(tick__poller_t *p);
void tick__poller_close(tick__poller_t *p);
/* Starts watching `fd` for `events` (IN|OUT); the datum comes back with each event.
 * Returns 0 or a negative error (TICK_EEXIST if already registered). */
int tick__poller_add(tick__poller_t *p, int fd, unsigned events, uint64_t data);
/* Replaces the events and datum of a registered fd. */
int tick__poller_modify(tick__poller_t *p, int fd, unsigned events, uint64_t data);
/* Stops watching `fd`. Errors (the fd is already closed, so the kernel dropped the
 * registration with it) are returned but change nothing. */
int tick__poller_remove(tick__poller_t *p, int fd);
/* Waits up to `timeout_ms` (-1: forever, 0: not at all) and fills `out` with up to `max`
 * ready fds. Returns their number (0 on timeout or EINTR). */
int tick__poller_wait(tick__poller_t *p, tick__poller_event_t *out, int max, int timeout_ms);

#endif
