/* dns.c - getaddrinfo/getnameinfo on the loop's thread pool.
 *
 * One record per request (allocated at the call: a lookup allocates inside libc anyway,
 * so a free list would save nothing that matters). The worker writes only the record's
 * result fields; the loop thread reads them in the done callback, after the pool's
 * hand-over, and alone touches the other fields.
 *
 * A request ends in one of two ways, and the record lives until both that happened and
 * the pool job is over:
 *   - the pool's done callback (the lookup ran, or was cancelled before it started)
 *     reports the result, or the cancel/timeout status;
 *   - cancel or a deadline while the lookup runs (libc cannot interrupt it) pushes the
 *     record's own inbox node, which reports the status in the next poll phase, without
 *     waiting for the resolver. The pool's done comes later and only frees the result.
 * `reported` makes the first one the only one; `job_done` and `early_pending` say who
 * frees the record.
 */
#include "core/idtab.h"
#include "io/module.h"
#include "promise/promise.h"

#include <netdb.h>
#include <stddef.h>
#include <string.h>

enum { KIND_ADDRINFO = 1, KIND_NAMEINFO };

typedef struct dns_req_s {
  tick_nameinfo_t ni; /* first: the getnameinfo promise's value is the record itself */
  uint64_t id;
  tick_work_t job;
  int kind;
  int canceled;      /* 0, or the status to report: TICK_ECANCELED or TICK_ETIMEDOUT */
  int reported;      /* the callback ran (or the promise settled): the id is stale */
  int job_done;      /* the pool's done ran: no worker touches the record */
  int early_pending; /* `early` is in the inbox */
  tick__node_t early;
  tick_timer_t timer; /* tick_dns_timeout's deadline, or TICK_NULL_ID */
  int eai, sys_errno; /* the worker's result */
  tick_getaddrinfo_cb ai_cb;
  tick_getnameinfo_cb ni_cb;
  tick_resolver_t *resolver;
  void *arg;
  const char *node, *service; /* copies inside `strings`, or NULL */
  struct addrinfo hints;
  int has_hints;
  struct addrinfo *res;
  struct sockaddr_in6 addr; /* getnameinfo's input (in or in6) */
  socklen_t addrlen;
  int flags;
  char strings[];
} dns_req_t;

typedef struct dns_state_s {
  tick__idtab_t reqs;
} dns_state_t;

static void dns_destroy(tick_loop_t *loop, void *state) {
  dns_state_t *st = state;
  (void)loop;
  tick__idtab_free(&st->reqs);
  tick__free(st);
}

/* Loop destroy: closing has begun even if destroy ends in TICK_EBUSY, so every request
 * still in flight counts as cancelled. The pool's own pre-destroy reports those not
 * started; one that is running or finished but not delivered keeps destroy busy, and
 * when the loop runs again its result is freed and its callback gets TICK_ECANCELED,
 * as after tick_dns_cancel (a result delivered after destroy was asked for would be
 * memory handed to a program that is shutting down). */
static void dns_pre_destroy(tick_loop_t *loop, void *state) {
  dns_state_t *st = state;
  uint32_t i;
  (void)loop;
  for (i = 0; i < st->reqs.cap; i++) {
    dns_req_t *r = st->reqs.slots[i].obj;
    if (r != NULL && r->canceled == 0) r->canceled = TICK_ECANCELED;
  }
}

/* tick_loop_walk: each lookup whose callback has not run (its pool job is listed too,
 * as "work", until it finished). */
static int dns_walk(tick_loop_t *loop, void *state,
                    int (*visit)(void *ctx, const tick_resource_t *res), void *ctx) {
  dns_state_t *st = state;
  uint32_t i;
  (void)loop;
  for (i = 0; i < st->reqs.cap; i++) {
    const dns_req_t *r = st->reqs.slots[i].obj;
    tick_resource_t res;
    if (r == NULL || r->reported) continue;
    memset(&res, 0, sizeof(res));
    res.kind = "dns";
    res.id = r->id;
    res.flags = TICK_RESOURCE_ACTIVE | TICK_RESOURCE_REF;
    if (r->canceled != 0) res.flags |= TICK_RESOURCE_CLOSING;
    if (visit(ctx, &res)) return 1;
  }
  return 0;
}

static const tick__module_hooks_t dns_hooks = {.after_drain = NULL,
                                               .destroy = dns_destroy,
                                               .pre_destroy = dns_pre_destroy,
                                               .walk = dns_walk};

static dns_state_t *dns_state(tick_loop_t *loop, int create) {
  dns_state_t *st = tick__loop_module_state(loop, TICK__MODULE_DNS);
  if (st != NULL || !create) return st;
  st = tick__calloc(1, sizeof(*st));
  if (st == NULL) return NULL;
  tick__idtab_init(&st->reqs);
  tick__loop_set_module(loop, TICK__MODULE_DNS, &dns_hooks, st);
  return st;
}

/* EAI_* to tick codes. */
static int translate_eai(int eai, int sys_errno) {
  switch (eai) {
    case 0: return 0;
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return TICK_EAI_ADDRFAMILY;
#endif
    case EAI_AGAIN: return TICK_EAI_AGAIN;
    case EAI_BADFLAGS: return TICK_EAI_BADFLAGS;
    case EAI_FAIL: return TICK_EAI_FAIL;
    case EAI_FAMILY: return TICK_EAI_FAMILY;
    case EAI_MEMORY: return TICK_ENOMEM;
#ifdef EAI_NODATA
    case EAI_NODATA: return TICK_EAI_NODATA;
#endif
    case EAI_NONAME: return TICK_EAI_NONAME;
    case EAI_OVERFLOW: return TICK_EOVERFLOW;
    case EAI_SERVICE: return TICK_EAI_SERVICE;
    case EAI_SOCKTYPE: return TICK_EAI_SOCKTYPE;
#ifdef EAI_CANCELED
    case EAI_CANCELED: return TICK_ECANCELED;
#endif
    case EAI_SYSTEM: return sys_errno > 0 ? tick_translate_errno(sys_errno) : TICK_EUNKNOWN;
    default: return TICK_EUNKNOWN;
  }
}

/* Pool thread. */
static void dns_work(void *arg) {
  dns_req_t *r = arg;
  errno = 0;
  if (r->kind == KIND_ADDRINFO) {
    r->eai = getaddrinfo(r->node, r->service, r->has_hints ? &r->hints : NULL, &r->res);
  } else {
    r->eai = getnameinfo((const struct sockaddr *)&r->addr, r->addrlen, r->ni.host,
                         sizeof(r->ni.host), r->ni.service, sizeof(r->ni.service), r->flags);
  }
  r->sys_errno = errno;
}

void tick_freeaddrinfo(struct addrinfo *res) {
  if (res != NULL) freeaddrinfo(res);
}

static void free_addrinfo_value(void *p) { tick_freeaddrinfo(p); }
static void free_record(void *p) { tick__free(p); }

/* Reports `status` (0: the result) once: makes the id stale, clears the deadline, calls
 * the callback or settles the promise. Returns 1 if the record now belongs to the
 * promise (the getnameinfo value is the record itself). */
static int dns_report(tick_loop_t *loop, dns_req_t *r, int status) {
  dns_state_t *st = dns_state(loop, 0);
  int given = 0;
  r->reported = 1;
  tick__idtab_remove(&st->reqs, r->id);
  if (r->timer.id != TICK_NULL_ID) tick_clear_timer(loop, r->timer);
  r->timer.id = TICK_NULL_ID;
  if (r->resolver != NULL) {
    tick_resolver_t *res = r->resolver;
    r->resolver = NULL;
    if (status != 0) {
      tick_resolver_reject(res, status, NULL, NULL);
    } else if (r->kind == KIND_ADDRINFO) {
      tick_resolver_resolve(res, r->res, free_addrinfo_value);
      r->res = NULL; /* the promise's now */
    } else {
      tick_resolver_resolve(res, &r->ni, free_record);
      given = 1;
    }
    tick_resolver_release(res);
  } else if (r->kind == KIND_ADDRINFO) {
    /* An early report (status nonzero) must not touch `res`: the worker may be writing
     * it right now. Status 0 comes only from dns_done, after the hand-over. */
    struct addrinfo *list = NULL;
    if (status == 0) {
      list = r->res;
      r->res = NULL; /* the callback's now */
    }
    r->ai_cb(loop, status, list, r->arg);
  } else {
    r->ni_cb(loop, status, status == 0 ? r->ni.host : NULL, status == 0 ? r->ni.service : NULL,
             r->arg);
  }
  return given;
}

/* Loop thread, as a macrotask (the pool drains after it): the pool job is over. */
static void dns_done(tick_loop_t *loop, int status, void *arg) {
  dns_req_t *r = arg;
  r->job_done = 1;
  if (!r->reported) {
    /* Cancelled before it ran (status TICK_ECANCELED from the pool), cancelled or timed
     * out after (canceled says which), or the lookup's own result. */
    if (r->canceled != 0)
      status = r->canceled;
    else if (status == 0)
      status = translate_eai(r->eai, r->sys_errno);
    if (status != 0 && r->res != NULL) {
      freeaddrinfo(r->res);
      r->res = NULL;
    }
    if (dns_report(loop, r, status)) return;
  } else if (r->res != NULL) {
    freeaddrinfo(r->res); /* the late result of a request reported early */
    r->res = NULL;
  }
  if (!r->early_pending) tick__free(r);
}

/* Loop thread, poll phase, as a macrotask: a cancel or a deadline while the lookup ran. */
static void dns_early_run(tick_loop_t *loop, tick__node_t *node) {
  dns_req_t *r = (dns_req_t *)(void *)((char *)node - offsetof(dns_req_t, early));
  r->early_pending = 0;
  if (!r->reported) (void)dns_report(loop, r, r->canceled); /* nonzero: keeps the record */
  if (r->job_done) tick__free(r);
}

/* Queues a filled record. On failure nothing was queued and the caller still owns it. */
static int dns_submit(tick_loop_t *loop, dns_req_t *r, tick_dns_t *req) {
  dns_state_t *st = dns_state(loop, 1);
  tick_pool_t *pool;
  int rc;
  if (st == NULL) return TICK_ENOMEM;
  rc = tick__idtab_reserve(&st->reqs);
  if (rc == 0) rc = tick_loop_pool(loop, &pool);
  if (rc == 0) rc = tick_work_queue(loop, pool, dns_work, dns_done, r, &r->job);
  if (rc != 0) return rc;
  r->id = tick__idtab_add(&st->reqs, r);
  r->timer.id = TICK_NULL_ID;
  r->early.run = dns_early_run;
  if (req != NULL) req->id = r->id;
  return 0;
}

static int addrinfo_request(tick_loop_t *loop, const char *node, const char *service,
                            const struct addrinfo *hints, dns_req_t **out) {
  size_t nlen = node ? strlen(node) + 1 : 0, slen = service ? strlen(service) + 1 : 0;
  dns_req_t *r;
  TICK__CHECK_LOOP(loop);
  if (node == NULL && service == NULL) return TICK_EINVAL;
  r = tick__calloc(1, sizeof(*r) + nlen + slen);
  if (r == NULL) return TICK_ENOMEM;
  r->kind = KIND_ADDRINFO;
  if (node != NULL) {
    memcpy(r->strings, node, nlen);
    r->node = r->strings;
  }
  if (service != NULL) {
    memcpy(r->strings + nlen, service, slen);
    r->service = r->strings + nlen;
  }
  if (hints != NULL) {
    r->has_hints = 1;
    r->hints.ai_flags = hints->ai_flags;
    r->hints.ai_family = hints->ai_family;
    r->hints.ai_socktype = hints->ai_socktype;
    r->hints.ai_protocol = hints->ai_protocol;
  }
  *out = r;
  return 0;
}

static int nameinfo_request(tick_loop_t *loop, const struct sockaddr *addr, int flags,
                            dns_req_t **out) {
  dns_req_t *r;
  TICK__CHECK_LOOP(loop);
  if (addr == NULL || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
    return TICK_EINVAL;
  r = tick__calloc(1, sizeof(*r));
  if (r == NULL) return TICK_ENOMEM;
  r->kind = KIND_NAMEINFO;
  r->addrlen = addr->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                           : (socklen_t)sizeof(struct sockaddr_in);
  memcpy(&r->addr, addr, r->addrlen);
  r->flags = flags;
  *out = r;
  return 0;
}

int tick_getaddrinfo(tick_loop_t *loop, const char *node, const char *service,
                     const struct addrinfo *hints, tick_getaddrinfo_cb cb, void *arg,
                     tick_dns_t *req) {
  dns_req_t *r;
  int rc;
  rc = addrinfo_request(loop, node, service, hints, &r);
  if (rc != 0) return rc;
  r->ai_cb = cb;
  r->arg = arg;
  if (cb == NULL) rc = TICK_EINVAL;
  if (rc == 0) rc = dns_submit(loop, r, req);
  if (rc != 0) tick__free(r);
  return rc;
}

int tick_getnameinfo(tick_loop_t *loop, const struct sockaddr *addr, int flags,
                     tick_getnameinfo_cb cb, void *arg, tick_dns_t *req) {
  dns_req_t *r;
  int rc;
  rc = nameinfo_request(loop, addr, flags, &r);
  if (rc != 0) return rc;
  r->ni_cb = cb;
  r->arg = arg;
  if (cb == NULL) rc = TICK_EINVAL;
  if (rc == 0) rc = dns_submit(loop, r, req);
  if (rc != 0) tick__free(r);
  return rc;
}

static void dns_stop(tick_loop_t *loop, dns_req_t *r, int status);

/* The abort hook of a promise form (tick_promise_cancel): tick_dns_cancel with the
 * caller's code. A lookup not started is removed from the pool; one that is running (or
 * has run and not been delivered) is reported now, in a later poll phase, and its late
 * result freed; either way the promise rejects with `code`, once. The record lives until
 * it has been reported, so `r` is valid here. */
static void dns_abort(tick_loop_t *loop, void *op, int code) {
  dns_req_t *r = op;
  if (!r->reported && r->canceled == 0) dns_stop(loop, r, code);
}

/* Gives the record a deferred promise, then submits it. */
static int submit_promise(tick_loop_t *loop, dns_req_t *r, tick_promise_t **out,
                          tick_dns_t *req) {
  tick_promise_t *p;
  int rc = tick_promise_create_deferred(loop, &p, &r->resolver);
  if (rc != 0) {
    tick__free(r);
    return rc;
  }
  rc = dns_submit(loop, r, req);
  if (rc != 0) {
    tick_resolver_release(r->resolver);
    tick_promise_release(p);
    tick__free(r);
    return rc;
  }
  (void)tick__promise_set_abort(p, dns_abort, r); /* a pending promise of this loop */
  *out = p;
  return 0;
}

int tick_getaddrinfo_promise(tick_loop_t *loop, const char *node, const char *service,
                             const struct addrinfo *hints, tick_promise_t **out,
                             tick_dns_t *req) {
  dns_req_t *r;
  int rc = tick__loop_check(loop);
  if (rc != 0) return rc;
  if (out == NULL) return TICK_EINVAL;
  rc = addrinfo_request(loop, node, service, hints, &r);
  if (rc != 0) return rc;
  return submit_promise(loop, r, out, req);
}

int tick_getnameinfo_promise(tick_loop_t *loop, const struct sockaddr *addr, int flags,
                             tick_promise_t **out, tick_dns_t *req) {
  dns_req_t *r;
  int rc = tick__loop_check(loop);
  if (rc != 0) return rc;
  if (out == NULL) return TICK_EINVAL;
  rc = nameinfo_request(loop, addr, flags, &r);
  if (rc != 0) return rc;
  return submit_promise(loop, r, out, req);
}

/* Ends a request not yet reported with `status`. One the pool has not started is
 * cancelled there and its done reports (in a later poll phase); one that is running, or
 * has run but not been delivered, is reported through `early`, also in a later poll
 * phase, and its result is freed when the pool's done comes. Never reports from here. */
static void dns_stop(tick_loop_t *loop, dns_req_t *r, int status) {
  int rc = tick_work_cancel(loop, r->job);
  r->canceled = status;
  if (r->timer.id != TICK_NULL_ID) tick_clear_timer(loop, r->timer);
  r->timer.id = TICK_NULL_ID;
  if (rc != 0 && !r->early_pending) {
    r->early_pending = 1;
    tick__inbox_push(loop, &r->early);
  }
}

int tick_dns_cancel(tick_loop_t *loop, tick_dns_t req) {
  dns_state_t *st;
  dns_req_t *r;
  TICK__CHECK_LOOP(loop);
  st = dns_state(loop, 0);
  if (st == NULL || (r = tick__idtab_get(&st->reqs, req.id)) == NULL) return TICK_ESTALE;
  if (r->canceled) return TICK_EALREADY;
  dns_stop(loop, r, TICK_ECANCELED);
  return 0;
}

static void dns_deadline(tick_loop_t *loop, tick_timer_t timer, void *arg) {
  dns_req_t *r = arg;
  (void)timer;
  r->timer.id = TICK_NULL_ID;
  /* Cancelled meanwhile by loop destroy (which leaves the timer): nothing to do. */
  if (r->canceled == 0) dns_stop(loop, r, TICK_ETIMEDOUT);
}

int tick_dns_timeout(tick_loop_t *loop, tick_dns_t req, int64_t ms) {
  dns_state_t *st;
  dns_req_t *r;
  tick_timer_t timer;
  int rc;
  TICK__CHECK_LOOP(loop);
  st = dns_state(loop, 0);
  if (st == NULL || (r = tick__idtab_get(&st->reqs, req.id)) == NULL) return TICK_ESTALE;
  if (r->canceled) return TICK_EALREADY;
  rc = tick_set_timeout(loop, ms, dns_deadline, r, &timer);
  if (rc != 0) return rc;
  /* The pool job keeps the loop alive while the request is pending; the deadline alone
   * must not keep it alive after. */
  tick_timer_unref(loop, timer);
  if (r->timer.id != TICK_NULL_ID) tick_clear_timer(loop, r->timer);
  r->timer = timer;
  return 0;
}
