/* tick/resources.h - the live resources of a loop, and what keeps it alive. Included by
 * <tick.h>.
 *
 * tick_loop_walk() visits every live handle and request of a loop, as libuv's uv_walk and
 * Node's process.getActiveResourcesInfo(): timers, immediates, fd watchers, streams and
 * TCP handles, UDP sockets, signal watchers, child processes, file and DNS requests, pool
 * jobs, wakers. Each layer of tick registers its own records with a kind name, so the list
 * covers whatever the program uses. tick_loop_report() writes the list as text, marked
 * with what keeps the loop alive; with TICK_DEBUG=1 in the environment a
 * tick_loop_destroy() that returns TICK_EBUSY writes that report on stderr.
 *
 * Creation sites. After tick_loop_record_sites(loop, 1) each resource created on the
 * loop (and each promise, for the unhandled-rejection report) remembers the code address
 * it was created from: the return address of the tick call that made it (for a resource
 * tick makes on a call's behalf, such as a connect timeout, an address inside tick).
 * tick_site_name() turns an address into "file(symbol+0xoff)" with dladdr(); for symbols
 * of an executable linked without -rdynamic it gives "file(+0xoffset)", which
 * `addr2line -e file 0xoffset` resolves to a source line. Recording costs a hash-table
 * insertion per resource created (it may allocate; if that fails the site is simply not
 * recorded, and tick_loop_sites_dropped() counts it) and nothing when off.
 *
 * Every function here is "loop thread" and returns TICK_EINVAL for a NULL loop or
 * argument, TICK_EWRONGTHREAD from another thread.
 */
#ifndef TICK_RESOURCES_H
#define TICK_RESOURCES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* tick_resource_t flags. */
enum {
  TICK_RESOURCE_ACTIVE = 1u << 0,  /* started: a timer or immediate pending, a watcher
                                    * watching, a stream reading, writing, connecting or
                                    * listening, a request in flight */
  TICK_RESOURCE_REF = 1u << 1,     /* ref'd: it keeps the loop alive while active */
  TICK_RESOURCE_CLOSING = 1u << 2  /* closed, its close callback not run yet (this alone
                                    * keeps the loop alive) */
};

typedef struct tick_resource_s {
  const char *kind;   /* "timer", "immediate", "poll", "tcp", "pipe", "udp", "signal",
                       * "process", "fs", "dns", "work", "waker", "close": a static
                       * string */
  uint64_t id;        /* the handle's id (its .id field), or 0 for a request without one */
  unsigned flags;     /* TICK_RESOURCE_* */
  const void *site;   /* creation site when recorded, else NULL */
} tick_resource_t;

/* 1 if `res` keeps its loop alive: active and ref'd, or closing. */
static inline int tick_resource_keeps_alive(const tick_resource_t *res) {
  return ((res->flags & TICK_RESOURCE_ACTIVE) && (res->flags & TICK_RESOURCE_REF)) ||
         (res->flags & TICK_RESOURCE_CLOSING);
}

/* Called once per resource; `res` is valid during the call only. Return 0 to go on,
 * nonzero to stop the walk. The callback must not create or close resources of this loop
 * (a resource made or closed during the walk may be visited or not). */
typedef int (*tick_walk_cb)(tick_loop_t *loop, const tick_resource_t *res, void *arg);

/* Visits every live resource of the loop: the core's (timers, immediates, fd watchers,
 * closing callbacks), then each layer's. Returns the number visited (the last one
 * included when the callback stopped the walk), TICK_EINVAL (NULL cb) or
 * TICK_EBUSY when called from inside a walk of the same loop. Never allocates. */
int tick_loop_walk(tick_loop_t *loop, tick_walk_cb cb, void *arg);

/* Writes what keeps the loop alive to `out`: one line per live resource (kind, id,
 * state, creation site when recorded), those keeping the loop alive marked '*', then the
 * queued next-ticks and microtasks, posts waiting and what layers hold that keeps it
 * alive. Returns the number of resources that keep the loop alive, or TICK_EINVAL, or
 * TICK_EIO if writing failed. */
int tick_loop_report(tick_loop_t *loop, FILE *out);

/* The same report into `buf` (`size` bytes, NUL-terminated, cut short if it does not
 * fit; `buf` may be NULL when `size` is 0). Returns the report's full length in bytes
 * (as snprintf: a return >= size means it was cut), or TICK_EINVAL. */
int tick_loop_report_string(tick_loop_t *loop, char *buf, size_t size);

/* Starts (`on` nonzero) or stops recording creation sites. Starting forgets the sites
 * recorded before. Returns 0 or TICK_EINVAL. */
int tick_loop_record_sites(tick_loop_t *loop, int on);

/* Sites that could not be recorded for lack of memory since recording started. 0 for
 * NULL; any thread may read it (the value may be stale). */
uint64_t tick_loop_sites_dropped(const tick_loop_t *loop);

/* Writes the name of code address `site` into `buf` as snprintf would ("file(symbol+0x1f)"
 * or "file(+0x1a2b)", or "0x..." when no object contains it; "?" for NULL). Returns the
 * full length, or TICK_EINVAL if `buf` is NULL with a nonzero `size`. Any thread. */
int tick_site_name(const void *site, char *buf, size_t size);

#endif
