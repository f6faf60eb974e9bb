/* tick/dns.h - name resolution on the loop's thread pool. Included by <tick.h>.
 * docs/io.md.
 *
 * getaddrinfo(3) and getnameinfo(3) block, so tick runs them on the loop's pool
 * (tick_loop_pool in tick/thread.h, created on first use unless the program gave the
 * loop one) and reports the result on the loop thread as a macrotask (ticks and
 * microtasks drain after it). Each accepted request calls its callback exactly once:
 * with 0 and the result, with a negative error (TICK_EAI_NONAME, TICK_EAI_AGAIN ...,
 * TICK_ENOMEM for EAI_MEMORY, the system error for EAI_SYSTEM), with TICK_ECANCELED, or
 * with TICK_ETIMEDOUT (tick_dns_timeout).
 *
 * Cancelling and timeouts: tick_dns_cancel, or a deadline set with tick_dns_timeout that
 * passes first, ends the request at once, whatever state its lookup is in; the callback
 * (or the promise) reports TICK_ECANCELED or TICK_ETIMEDOUT as a macrotask in a later
 * poll phase, never inside the call that ended it, and never waits for the resolver. A
 * lookup the pool has not started never runs. One already running cannot be interrupted
 * (libc offers no way): it goes on holding its pool thread, and when it finishes tick
 * frees its result; until then the pool job keeps the loop alive (tick_loop_run does not
 * return) and tick_loop_destroy returns TICK_EBUSY. tick_loop_destroy cancels every
 * request: those not started report TICK_ECANCELED before it returns; while one is
 * running or not yet delivered it returns TICK_EBUSY, and that one reports TICK_ECANCELED
 * (its result freed) when the loop runs again.
 *
 * A request is named by a generation-counted id: once its callback has run, the id is
 * stale (tick_dns_cancel and tick_dns_timeout return TICK_ESTALE). Every function here
 * is "loop thread".
 */
#ifndef TICK_DNS_H
#define TICK_DNS_H

#include <stdint.h>
#include <sys/socket.h>

/* From <netdb.h>, which a program includes (with the POSIX feature macros its compiler
 * mode needs) to read the fields; this header only passes pointers. */
struct addrinfo;

typedef struct tick_dns_s { uint64_t id; } tick_dns_t;

/* `res` (NULL unless status is 0) belongs to the callback: free it with
 * tick_freeaddrinfo() (now or later). */
typedef void (*tick_getaddrinfo_cb)(tick_loop_t *loop, int status, struct addrinfo *res,
                                    void *arg);
/* `host` and `service` are borrowed (valid during the call), NULL unless status is 0. */
typedef void (*tick_getnameinfo_cb)(tick_loop_t *loop, int status, const char *host,
                                    const char *service, void *arg);

/* Looks up `node` and/or `service` (at least one non-NULL; both are copied) with the
 * optional `hints` (copied; only ai_flags, ai_family, ai_socktype and ai_protocol are
 * read), as getaddrinfo(3). `req` (may be NULL) receives the request's id.
 * Returns 0 (accepted), TICK_EINVAL (NULL loop or cb, node and service both NULL),
 * TICK_ENOMEM, TICK_EAGAIN (the pool could not start a thread), TICK_ECLOSING. */
int tick_getaddrinfo(tick_loop_t *loop, const char *node, const char *service,
                     const struct addrinfo *hints, tick_getaddrinfo_cb cb, void *arg,
                     tick_dns_t *req);

/* Frees a result of tick_getaddrinfo. NULL is a no-op. Any thread. */
void tick_freeaddrinfo(struct addrinfo *res);

/* Resolves `addr` (AF_INET or AF_INET6, copied) to a host name and a service name, as
 * getnameinfo(3) with `flags` (NI_NUMERICHOST ...). Same returns as tick_getaddrinfo. */
int tick_getnameinfo(tick_loop_t *loop, const struct sockaddr *addr, int flags,
                     tick_getnameinfo_cb cb, void *arg, tick_dns_t *req);

/* Cancels a request (see above): its callback will get TICK_ECANCELED in a later poll
 * phase, even if its lookup is running. Returns 0, TICK_ESTALE (unknown id, or its
 * callback already ran), TICK_EALREADY (already cancelled or timed out, not yet
 * reported), TICK_EINVAL, TICK_EWRONGTHREAD. */
int tick_dns_cancel(tick_loop_t *loop, tick_dns_t req);

/* Arms a deadline `ms` milliseconds from now (below 1: 1 ms, as timers): if the request
 * has not reported by then it ends as by tick_dns_cancel but reports TICK_ETIMEDOUT, in
 * the poll phase after the deadline's timers phase (promptly, even with the lookup
 * running; its late result is freed). Arming again replaces the deadline. The deadline
 * is a loop timer that does not keep the loop alive by itself, cleared when the request
 * reports. Works for both lookups and both promise forms. Returns 0, TICK_ESTALE
 * (unknown id, or its callback already ran), TICK_EALREADY (cancelled or timed out, not
 * yet reported), TICK_ENOMEM (the timer could not be allocated: the request goes on
 * without a deadline), TICK_EINVAL, TICK_EWRONGTHREAD. */
int tick_dns_timeout(tick_loop_t *loop, tick_dns_t req, int64_t ms);

/* Promise forms (tick_promise_cancel(promise, code) cancels them as tick_dns_cancel does,
 * with `code`). The getaddrinfo promise fulfils with the `struct addrinfo *` list
 * (owned by the promise: freed when the promise is, do not free it), the getnameinfo
 * promise with a `tick_nameinfo_t *` (owned likewise); they reject with the errors above.
 * `req` (may be NULL) receives the id, for tick_dns_cancel and tick_dns_timeout. */
typedef struct tick_nameinfo_s {
  char host[1025];   /* NI_MAXHOST */
  char service[32];  /* NI_MAXSERV */
} tick_nameinfo_t;

/* tick_getaddrinfo and tick_getnameinfo, settling a promise instead of calling back. */
int tick_getaddrinfo_promise(tick_loop_t *loop, const char *node, const char *service,
                             const struct addrinfo *hints, tick_promise_t **out,
                             tick_dns_t *req);
int tick_getnameinfo_promise(tick_loop_t *loop, const struct sockaddr *addr, int flags,
                             tick_promise_t **out, tick_dns_t *req);

#endif
