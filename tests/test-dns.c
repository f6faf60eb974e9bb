/* test-dns.c - getaddrinfo/getnameinfo on the pool without the network: "localhost",
 * numeric hosts and services, a name under .invalid (fails locally), cancellation before
 * and after the lookup started and while it runs, deadlines, loop destroy with requests
 * in flight, promise forms, misuse and allocation failure at each site. */
#include "test.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct ai_s {
  int calls, status;
  int port;
  int family;
  char host[64];
} ai_t;

static void ai_done(tick_loop_t *loop, int status, struct addrinfo *res, void *arg) {
  ai_t *a = arg;
  (void)loop;
  a->calls++;
  a->status = status;
  if (status == 0) {
    ASSERT(res != NULL);
    a->family = res->ai_family;
    if (res->ai_family == AF_INET) {
      const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
      a->port = ntohs(sin->sin_port);
      inet_ntop(AF_INET, &sin->sin_addr, a->host, sizeof(a->host));
    } else {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)res->ai_addr;
      a->port = ntohs(sin6->sin6_port);
      inet_ntop(AF_INET6, &sin6->sin6_addr, a->host, sizeof(a->host));
    }
  } else {
    ASSERT(res == NULL);
  }
  tick_freeaddrinfo(res);
}

static ai_t lookup(const char *node, const char *service, int family, int flags) {
  tick_loop_t *loop;
  struct addrinfo hints;
  ai_t a;
  tick_dns_t req;
  memset(&a, 0, sizeof(a));
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = flags;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_getaddrinfo(loop, node, service, &hints, ai_done, &a, &req));
  ASSERT_EQ(a.calls, 0); /* never synchronous */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(tick_dns_cancel(loop, req), TICK_ESTALE); /* its callback ran */
  ASSERT_OK(tick_loop_destroy(loop));
  return a;
}

TEST(dns_localhost) {
  ai_t a = lookup("localhost", "80", AF_INET, 0);
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.family, AF_INET);
  ASSERT_EQ(a.port, 80);
  ASSERT_STR_EQ(a.host, "127.0.0.1");
}

TEST(dns_numeric_hosts_and_services) {
  ai_t a = lookup("127.0.0.1", "53", AF_UNSPEC, AI_NUMERICHOST | AI_NUMERICSERV);
  ASSERT_EQ(a.status, 0);
  ASSERT_STR_EQ(a.host, "127.0.0.1");
  ASSERT_EQ(a.port, 53);
  a = lookup("::1", "8080", AF_INET6, AI_NUMERICHOST | AI_NUMERICSERV);
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.family, AF_INET6);
  ASSERT_STR_EQ(a.host, "::1");
  ASSERT_EQ(a.port, 8080);
  a = lookup(NULL, "7", AF_INET, AI_PASSIVE | AI_NUMERICSERV); /* service only */
  ASSERT_EQ(a.status, 0);
  ASSERT_STR_EQ(a.host, "0.0.0.0");
}

TEST(dns_failure_codes) {
  ai_t a = lookup("not-a-number", NULL, AF_UNSPEC, AI_NUMERICHOST);
  ASSERT_ERR(a.status, TICK_EAI_NONAME);
  /* .invalid never resolves (RFC 6761) and fails here without the network. */
  a = lookup("tick-test.invalid", NULL, AF_UNSPEC, 0);
  ASSERT(a.status == TICK_EAI_NONAME || a.status == TICK_EAI_NODATA ||
         a.status == TICK_EAI_AGAIN);
  a = lookup("127.0.0.1", "no-such-service-here", AF_INET, AI_NUMERICHOST);
  ASSERT_ERR(a.status, TICK_EAI_SERVICE);
  a = lookup("127.0.0.1", "80", 12345, AI_NUMERICHOST);
  ASSERT_ERR(a.status, TICK_EAI_FAMILY);
  a = lookup("127.0.0.1", "80", AF_INET, 0x7fff0000);
  ASSERT_ERR(a.status, TICK_EAI_BADFLAGS);
  ASSERT_STR_EQ(tick_err_name(TICK_EAI_NONAME), "EAI_NONAME");
  ASSERT_STR_EQ(tick_strerror(TICK_EAI_AGAIN), "temporary failure in name resolution");
}

typedef struct ni_s {
  int calls, status;
  char host[1025], service[32];
} ni_t;

static void ni_done(tick_loop_t *loop, int status, const char *host, const char *service,
                    void *arg) {
  ni_t *n = arg;
  (void)loop;
  n->calls++;
  n->status = status;
  if (status == 0) {
    snprintf(n->host, sizeof(n->host), "%s", host);
    snprintf(n->service, sizeof(n->service), "%s", service);
  } else {
    ASSERT(host == NULL && service == NULL);
  }
}

TEST(dns_getnameinfo_loopback) {
  tick_loop_t *loop;
  struct sockaddr_in a;
  struct sockaddr_in6 a6;
  ni_t n1, n2, n3;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memset(&a6, 0, sizeof(a6));
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(443);
  a6.sin6_addr = in6addr_loopback;
  memset(&n1, 0, sizeof(n1));
  memset(&n2, 0, sizeof(n2));
  memset(&n3, 0, sizeof(n3));
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&a, NI_NUMERICHOST | NI_NUMERICSERV,
                             ni_done, &n1, NULL));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&a, NI_NUMERICSERV, ni_done, &n2, NULL));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&a6, NI_NUMERICHOST | NI_NUMERICSERV,
                             ni_done, &n3, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(n1.calls + n2.calls + n3.calls, 3);
  ASSERT_EQ(n1.status, 0);
  ASSERT_STR_EQ(n1.host, "127.0.0.1");
  ASSERT_STR_EQ(n1.service, "80");
  ASSERT_EQ(n2.status, 0); /* /etc/hosts names it (localhost), or the number comes back */
  ASSERT(n2.host[0] != 0);
  ASSERT_STR_EQ(n3.host, "::1");
  ASSERT_STR_EQ(n3.service, "443");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A pool of one thread held by a blocker job, so that what is queued behind it has not
 * started; `marker` jobs tell the test when everything before them has run. */
typedef struct gate_s {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int open;
  atomic_int marker, started;
} gate_t;

static void blocker(void *arg) {
  gate_t *g = arg;
  atomic_store(&g->started, 1);
  pthread_mutex_lock(&g->lock);
  while (!g->open) pthread_cond_wait(&g->cond, &g->lock);
  pthread_mutex_unlock(&g->lock);
}

static void marker(void *arg) { atomic_store(&((gate_t *)arg)->marker, 1); }

static void gate_open(gate_t *g) {
  pthread_mutex_lock(&g->lock);
  g->open = 1;
  pthread_cond_broadcast(&g->cond);
  pthread_mutex_unlock(&g->lock);
}

static void gate_init(gate_t *g) {
  pthread_mutex_init(&g->lock, NULL);
  pthread_cond_init(&g->cond, NULL);
  g->open = 0;
  atomic_init(&g->marker, 0);
  atomic_init(&g->started, 0);
}

static void gate_destroy(gate_t *g) {
  pthread_mutex_destroy(&g->lock);
  pthread_cond_destroy(&g->cond);
}

/* A lookup that is running for as long as a test wants. This binary's getaddrinfo
 * interposes libc's (libtick.a's call binds to it): for SLOW_NAME it counts itself in
 * `slow.started`, waits until the test opens `slow`, then resolves 127.0.0.1 (a result
 * that tick must free, so the leak checkers see a late result that is not); every other
 * call goes straight to the next definition (libc, or a sanitizer's interceptor). Each
 * test runs in its own process, so the gate starts closed. */
#define SLOW_NAME "tick-test-slow.invalid"

static gate_t slow = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

int getaddrinfo(const char *restrict node, const char *restrict service,
                const struct addrinfo *restrict hints, struct addrinfo **restrict res) {
  getaddrinfo_fn next = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
  if (node != NULL && strcmp(node, SLOW_NAME) == 0) {
    struct addrinfo h;
    atomic_fetch_add(&slow.started, 1);
    pthread_mutex_lock(&slow.lock);
    while (!slow.open) pthread_cond_wait(&slow.cond, &slow.lock);
    pthread_mutex_unlock(&slow.lock);
    memset(&h, 0, sizeof(h));
    h.ai_flags = AI_NUMERICHOST;
    h.ai_family = AF_INET;
    return next("127.0.0.1", service, &h, res);
  }
  if (node != NULL && (strcmp(node, "tick-test-multi6.invalid") == 0 ||
                       strcmp(node, "tick-test-multi4.invalid") == 0)) {
    /* Two addresses, for tick_tcp_connect_host (test-tcp.c): ::1 then 127.0.0.1, or the
     * other way round; each list node comes from libc, so freeaddrinfo frees the chain. */
    const char *ips[2] = {"::1", "127.0.0.1"};
    struct addrinfo h, *list = NULL, **tail = &list;
    int i, r, v4_first = node[15] == '4';
    for (i = 0; i < 2; i++) {
      const char *ip = ips[v4_first ? 1 - i : i];
      int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
      if (hints != NULL && hints->ai_family != AF_UNSPEC && hints->ai_family != family)
        continue;
      memset(&h, 0, sizeof(h));
      h.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
      h.ai_family = family;
      h.ai_socktype = SOCK_STREAM;
      r = next(ip, service, &h, tail);
      if (r != 0) {
        freeaddrinfo(list);
        return r;
      }
      while (*tail != NULL) tail = &(*tail)->ai_next;
    }
    *res = list;
    return list != NULL ? 0 : EAI_NONAME;
  }
  return next(node, service, hints, res);
}

TEST(dns_cancel_before_start) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  gate_t g;
  ai_t a;
  ni_t n;
  tick_dns_t r1, r2;
  struct sockaddr_in sa;
  memset(&a, 0, sizeof(a));
  memset(&n, 0, sizeof(n));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  gate_init(&g);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_work_queue(loop, pool, blocker, NULL, &g, NULL));
  ASSERT_OK(tick_getaddrinfo(loop, "localhost", NULL, NULL, ai_done, &a, &r1));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&sa, 0, ni_done, &n, &r2));
  ASSERT_OK(tick_dns_cancel(loop, r1));
  ASSERT_OK(tick_dns_cancel(loop, r2));
  ASSERT_ERR(tick_dns_cancel(loop, r1), TICK_EALREADY);
  ASSERT_EQ(a.calls + n.calls, 0); /* reported later, never from inside cancel */
  gate_open(&g);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ECANCELED);
  ASSERT_EQ(n.calls, 1);
  ASSERT_ERR(n.status, TICK_ECANCELED);
  ASSERT_ERR(tick_dns_cancel(loop, r1), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  gate_destroy(&g);
}

TEST(dns_cancel_while_running_discards_result) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  gate_t g;
  ai_t a;
  tick_dns_t r;
  tick_promise_t *p;
  tick_dns_t pr;
  memset(&a, 0, sizeof(a));
  gate_init(&g);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_getaddrinfo(loop, "127.0.0.1", "1", NULL, ai_done, &a, &r));
  ASSERT_OK(tick_getaddrinfo_promise(loop, "127.0.0.1", "2", NULL, &p, &pr));
  ASSERT_OK(tick_work_queue(loop, pool, marker, NULL, &g, NULL));
  /* One thread runs jobs in order: once the marker ran, both lookups have finished on
   * the pool but the loop has not taken their results yet. */
  while (!atomic_load(&g.marker)) usleep(1000);
  ASSERT_OK(tick_dns_cancel(loop, r));
  ASSERT_OK(tick_dns_cancel(loop, pr));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ECANCELED); /* the result was freed (leak checkers agree) */
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_REJECTED);
  ASSERT_ERR(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  gate_destroy(&g);
}

TEST(dns_loop_destroy_with_requests_in_flight) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  gate_t g;
  ai_t a;
  tick_dns_t r;
  memset(&a, 0, sizeof(a));
  gate_init(&g);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_work_queue(loop, pool, blocker, NULL, &g, NULL));
  ASSERT_OK(tick_getaddrinfo(loop, "localhost", "80", NULL, ai_done, &a, &r));
  ASSERT_OK(tick_dns_timeout(loop, r, 60000)); /* cleared when destroy reports it */
  while (!atomic_load(&g.started)) usleep(1000);
  /* The lookup had not started: destroy cancels it and reports it before returning; the
   * blocker is running, so destroy refuses. */
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ECANCELED);
  gate_open(&g);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  gate_destroy(&g);
}

TEST(dns_promise_forms) {
  tick_loop_t *loop;
  tick_promise_t *p, *q, *bad;
  struct addrinfo hints;
  struct sockaddr_in sa;
  const struct addrinfo *res;
  const tick_nameinfo_t *ni;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_flags = AI_NUMERICHOST;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(9);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_getaddrinfo_promise(loop, "127.0.0.1", "9", &hints, &p, NULL));
  ASSERT_OK(tick_getnameinfo_promise(loop, (struct sockaddr *)&sa, NI_NUMERICHOST | NI_NUMERICSERV,
                                     &q, NULL));
  ASSERT_OK(tick_getaddrinfo_promise(loop, "x", NULL, &hints, &bad, NULL));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
  res = tick_promise_value(p);
  ASSERT(res != NULL);
  ASSERT_EQ(res->ai_family, AF_INET);
  ASSERT_EQ(ntohs(((const struct sockaddr_in *)res->ai_addr)->sin_port), 9);
  ni = tick_promise_value(q);
  ASSERT_STR_EQ(ni->host, "127.0.0.1");
  ASSERT_STR_EQ(ni->service, "9");
  ASSERT_ERR(tick_promise_error(bad), TICK_EAI_NONAME);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_promise_release(q));
  ASSERT_OK(tick_promise_release(bad));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Cancel and a deadline while the lookup runs: both report at once (a later poll phase,
 * not inside the call), long before the resolver answers; the lookup still holds its
 * pool thread and keeps the loop alive (destroy: TICK_EBUSY) until it ends, and its late
 * result is freed by tick. */
TEST(dns_cancel_and_timeout_while_running_report_at_once) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  ai_t a;
  tick_dns_t r, pr;
  tick_promise_t *p;
  int spins = 0;
  memset(&a, 0, sizeof(a));
  ASSERT_OK(tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_getaddrinfo(loop, SLOW_NAME, "80", NULL, ai_done, &a, &r));
  ASSERT_OK(tick_getaddrinfo_promise(loop, SLOW_NAME, "81", NULL, &p, &pr));
  while (atomic_load(&slow.started) < 2) usleep(1000);
  ASSERT_OK(tick_dns_timeout(loop, r, 1000)); /* replaced by the cancel's report */
  ASSERT_OK(tick_dns_cancel(loop, r));
  ASSERT_ERR(tick_dns_cancel(loop, r), TICK_EALREADY);
  ASSERT_ERR(tick_dns_timeout(loop, r, 5), TICK_EALREADY);
  ASSERT_EQ(a.calls, 0); /* never from inside cancel */
  ASSERT_OK(tick_dns_timeout(loop, pr, 50));
  ASSERT_OK(tick_dns_timeout(loop, pr, 10)); /* arming again replaces */
  while (a.calls == 0) {
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_LT(++spins, 100);
  }
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ECANCELED);
  ASSERT_ERR(tick_dns_cancel(loop, r), TICK_ESTALE);
  ASSERT_ERR(tick_dns_timeout(loop, r, 5), TICK_ESTALE);
  ASSERT_OK(tick_loop_advance(loop, 9));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);
  ASSERT_OK(tick_loop_advance(loop, 1));
  /* The deadline fired in the timers phase; the report comes in a poll phase. */
  while (tick_promise_state(p) == TICK_PROMISE_PENDING) {
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_LT(++spins, 200);
  }
  ASSERT_ERR(tick_promise_error(p), TICK_ETIMEDOUT);
  ASSERT_ERR(tick_dns_cancel(loop, pr), TICK_ESTALE);
  ASSERT_OK(tick_promise_release(p));
  /* Both lookups still run: they keep the loop alive and destroy busy. */
  ASSERT_EQ(atomic_load(&slow.started), 2);
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  gate_open(&slow);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1); /* exactly once */
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Deadlines on requests the pool has not started (a blocker holds its one thread), for
 * both lookups and both promise forms: each reports TICK_ETIMEDOUT while the pool is
 * still blocked, and its lookup never runs. Re-arming replaces the deadline both ways;
 * a request that completes first has its deadline cleared (the loop does not wait for
 * it). */
TEST(dns_timeout_before_start) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  gate_t g;
  ai_t a, later;
  ni_t n;
  tick_dns_t ra, rn, rpa, rpn, rlater;
  tick_promise_t *pa, *pn;
  struct sockaddr_in sa;
  int spins = 0;
  memset(&a, 0, sizeof(a));
  memset(&later, 0, sizeof(later));
  memset(&n, 0, sizeof(n));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  gate_init(&g);
  ASSERT_OK(tick_loop_create(&loop, TICK_LOOP_MANUAL_CLOCK));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_work_queue(loop, pool, blocker, NULL, &g, NULL));
  ASSERT_OK(tick_getaddrinfo(loop, "127.0.0.1", "1", NULL, ai_done, &a, &ra));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&sa, NI_NUMERICHOST, ni_done, &n, &rn));
  ASSERT_OK(tick_getaddrinfo_promise(loop, "127.0.0.1", "2", NULL, &pa, &rpa));
  ASSERT_OK(tick_getnameinfo_promise(loop, (struct sockaddr *)&sa, NI_NUMERICHOST, &pn, &rpn));
  ASSERT_OK(tick_getaddrinfo(loop, "127.0.0.1", "3", NULL, ai_done, &later, &rlater));
  ASSERT_OK(tick_dns_timeout(loop, ra, 5));
  ASSERT_OK(tick_dns_timeout(loop, rn, 60000));
  ASSERT_OK(tick_dns_timeout(loop, rn, 5)); /* shortened */
  ASSERT_OK(tick_dns_timeout(loop, rpa, 5));
  ASSERT_OK(tick_dns_timeout(loop, rpn, 0)); /* below 1: 1 ms */
  ASSERT_OK(tick_dns_timeout(loop, rlater, 1));
  ASSERT_OK(tick_dns_timeout(loop, rlater, 60000)); /* lengthened: it must not fire */
  ASSERT_OK(tick_loop_advance(loop, 1));
  while (tick_promise_state(pn) == TICK_PROMISE_PENDING) {
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_LT(++spins, 100);
  }
  ASSERT_ERR(tick_promise_error(pn), TICK_ETIMEDOUT);
  ASSERT_EQ(a.calls + n.calls, 0);
  ASSERT_EQ(tick_promise_state(pa), TICK_PROMISE_PENDING);
  ASSERT_OK(tick_loop_advance(loop, 4));
  while (a.calls + n.calls < 2 || tick_promise_state(pa) == TICK_PROMISE_PENDING) {
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_LT(++spins, 200);
  }
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ETIMEDOUT);
  ASSERT_EQ(n.calls, 1);
  ASSERT_ERR(n.status, TICK_ETIMEDOUT);
  ASSERT_ERR(tick_promise_error(pa), TICK_ETIMEDOUT);
  ASSERT_EQ(atomic_load(&g.marker), 0);
  ASSERT_EQ(later.calls, 0);
  ASSERT_ERR(tick_dns_timeout(loop, ra, 5), TICK_ESTALE);
  gate_open(&g);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0); /* does not wait for 60 s */
  ASSERT_EQ(later.calls, 1);
  ASSERT_OK(later.status);
  ASSERT_EQ(later.port, 3);
  ASSERT_EQ(a.calls + n.calls, 2);
  ASSERT_ERR(tick_dns_timeout(loop, rlater, 5), TICK_ESTALE);
  ASSERT_OK(tick_promise_release(pa));
  ASSERT_OK(tick_promise_release(pn));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  gate_destroy(&g);
}

/* Loop destroy while a cancelled lookup runs and its early report is done: destroy is
 * busy for the lookup alone, and after it ends the loop has nothing more to report. A
 * lookup running when destroy is asked, not cancelled before, still reports
 * TICK_ECANCELED exactly once when it ends (as before: destroy does not report early). */
TEST(dns_destroy_while_lookup_runs) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  ai_t a, b;
  tick_dns_t r;
  int spins = 0;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&pool, 2));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_getaddrinfo(loop, SLOW_NAME, "80", NULL, ai_done, &a, &r));
  ASSERT_OK(tick_getaddrinfo(loop, SLOW_NAME, "81", NULL, ai_done, &b, NULL));
  while (atomic_load(&slow.started) < 2) usleep(1000);
  ASSERT_OK(tick_dns_timeout(loop, r, 1));
  while (a.calls == 0) {
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_ONCE), 1);
    ASSERT_LT(++spins, 1000);
  }
  ASSERT_ERR(a.status, TICK_ETIMEDOUT);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(b.calls, 0);
  gate_open(&slow);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_EQ(b.calls, 1);
  ASSERT_ERR(b.status, TICK_ECANCELED);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

static void *dns_wrong_thread_main(void *arg) {
  tick_loop_t *loop = arg;
  tick_dns_t r = {1};
  static int results[4];
  results[0] = tick_getaddrinfo(loop, "localhost", NULL, NULL, ai_done, NULL, NULL);
  results[1] = tick_dns_cancel(loop, r);
  results[2] = tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, NULL, NULL);
  results[3] = tick_dns_timeout(loop, r, 5);
  return results;
}

TEST(dns_bad_arguments_and_wrong_thread) {
  tick_loop_t *loop;
  pthread_t th;
  void *ret;
  int *results, i;
  struct sockaddr sa;
  tick_promise_t *p;
  tick_dns_t bogus = {77};
  memset(&sa, 0, sizeof(sa));
  sa.sa_family = AF_UNIX;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_ERR(tick_getaddrinfo(NULL, "localhost", NULL, NULL, ai_done, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getaddrinfo(loop, "localhost", NULL, NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getaddrinfo(loop, NULL, NULL, NULL, ai_done, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getnameinfo(loop, NULL, 0, ni_done, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getnameinfo(loop, &sa, 0, ni_done, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getnameinfo_promise(loop, &sa, 0, &p, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_getaddrinfo_promise(loop, "localhost", NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_dns_cancel(loop, bogus), TICK_ESTALE);
  ASSERT_ERR(tick_dns_cancel(NULL, bogus), TICK_EINVAL);
  ASSERT_ERR(tick_dns_timeout(loop, bogus, 5), TICK_ESTALE);
  ASSERT_ERR(tick_dns_timeout(NULL, bogus, 5), TICK_EINVAL);
  ASSERT_EQ(pthread_create(&th, NULL, dns_wrong_thread_main, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  results = ret;
  for (i = 0; i < 4; i++) ASSERT_ERR(results[i], TICK_EWRONGTHREAD);
  tick_freeaddrinfo(NULL);
  ASSERT_OK(tick_loop_destroy(loop));
}

static void quiet_ai(tick_loop_t *loop, int status, struct addrinfo *res, void *arg) {
  (void)loop;
  (void)status;
  ++*(int *)arg;
  tick_freeaddrinfo(res);
}

static void quiet_ni(tick_loop_t *loop, int status, const char *host, const char *service,
                     void *arg) {
  (void)loop; (void)status; (void)host; (void)service;
  ++*(int *)arg;
}

static int dns_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_pool_t *pool = arg;
  tick_promise_t *p = NULL, *q = NULL;
  struct sockaddr_in sa;
  int r, calls = 0, accepted = 0;
  tick_dns_t req;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  r = tick_loop_set_pool(loop, pool);
  if (r != 0) {
    ASSERT_OK(tick_loop_destroy(loop));
    return r;
  }
  /* Each accepted request gets a deadline that never passes (the timer's allocation
   * is a site too; a refused deadline leaves the request running without one). */
  r = tick_getaddrinfo(loop, "127.0.0.1", "80", NULL, quiet_ai, &calls, &req);
  if (r == 0) {
    accepted++;
    r = tick_dns_timeout(loop, req, 60000);
  }
  if (r == 0)
    r = tick_getnameinfo(loop, (struct sockaddr *)&sa, NI_NUMERICHOST, quiet_ni, &calls, &req);
  if (r == 0) {
    accepted++;
    r = tick_dns_timeout(loop, req, 60000);
  }
  if (r == 0) r = tick_getaddrinfo_promise(loop, "127.0.0.1", NULL, NULL, &p, &req);
  if (r == 0) r = tick_dns_timeout(loop, req, 60000);
  if (r == 0) r = tick_getnameinfo_promise(loop, (struct sockaddr *)&sa, NI_NUMERICHOST, &q, &req);
  if (r == 0) r = tick_dns_timeout(loop, req, 60000);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(calls, accepted);
  if (p != NULL) ASSERT_OK(tick_promise_release(p));
  if (q != NULL) ASSERT_OK(tick_promise_release(q));
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST(dns_alloc_failure_each_site) {
  tick_pool_t *pool;
  size_t sites;
  /* The pool is made before the harness starts failing allocations, so its threads exist
   * throughout (the pool's own allocation sites are tested in test-thread.c). */
  test_alloc_install();
  ASSERT_OK(tick_pool_create(&pool, 1));
  sites = test_alloc_each_failure(dns_alloc_scenario, pool);
  ASSERT_GE(sites, 4);
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Destroy with a lookup that already ran but was not delivered: destroy cannot deliver it
 * (TICK_EBUSY), but closing has begun, so the request counts as cancelled like the ones
 * not started: its callback gets TICK_ECANCELED exactly once when the loop runs, its
 * result is freed by tick (the leak checkers agree) and the promise form rejects. */
TEST(dns_loop_destroy_after_lookup_ran_cancels_it) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  gate_t g;
  ai_t a;
  ni_t n;
  tick_promise_t *p;
  struct sockaddr_in sa;
  memset(&a, 0, sizeof(a));
  memset(&n, 0, sizeof(n));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  gate_init(&g);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_OK(tick_getaddrinfo(loop, "127.0.0.1", "1", NULL, ai_done, &a, NULL));
  ASSERT_OK(tick_getaddrinfo_promise(loop, "127.0.0.1", "2", NULL, &p, NULL));
  ASSERT_OK(tick_getnameinfo(loop, (struct sockaddr *)&sa, NI_NUMERICHOST, ni_done, &n, NULL));
  ASSERT_OK(tick_work_queue(loop, pool, marker, NULL, &g, NULL));
  while (!atomic_load(&g.marker)) usleep(1000);
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(a.calls + n.calls, 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_ERR(a.status, TICK_ECANCELED);
  ASSERT_EQ(n.calls, 1);
  ASSERT_ERR(n.status, TICK_ECANCELED);
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_REJECTED);
  ASSERT_ERR(tick_promise_error(p), TICK_ECANCELED);
  ASSERT_OK(tick_promise_release(p));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  gate_destroy(&g);
}
