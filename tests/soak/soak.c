/* soak.c - a long run of everything at once, with every byte and callback accounted.
 *
 *   soak [--seconds S] [--rounds R] [--conns N] [--timers T]
 *
 * For S seconds (default 60), cut into R rounds of S/R seconds (default 10), one loop
 * drives, at the same time:
 * - N loopback TCP connections (default 10000, fewer if RLIMIT_NOFILE, raised to its hard
 *   limit, has not room for two descriptors each), client and server ends on this loop.
 *   Each client sends messages of random sizes (1 byte to 256 KiB), one at a time with a
 *   random pause of up to 2 s between them, that the server echoes back, checks every byte it gets back against the pattern it sent, and after a random
 *   number of messages closes, or half-closes (shutdown, then reads the rest of the echo
 *   until the server's EOF), or resets the connection (SO_LINGER 0, close) with a message
 *   in flight; then a new connection takes its place;
 * - T timers (default 1000000) with random delays up to 30 s: each one that fires is
 *   re-armed, and an interval clears and re-arms 1000 random ones every 10 ms;
 * - 64 jobs in flight on a pool of 8 threads (tick_work_queue), each re-queued when done;
 * - 8 threads posting callbacks to the loop (tick_post), in bursts of 64 with a 1 ms pause
 *   between them, at most 4096 in flight each.
 * At the end of each round it prints the counts and the resident memory. After the last
 * round it closes everything, runs the loop dry and destroys it, then checks:
 * - every connection that was not reset got back exactly the bytes it sent, byte for
 *   byte; every accepted write, shutdown, connect and close completed exactly once;
 * - every timer created fired or was cleared, once; every job's done callback ran once
 *   with status 0; every post ran once, in order per posting thread;
 * - the loop's destroy returned 0;
 * - resident memory at the end of the last round is less than 5% above what it was at the
 *   end of the first round.
 * It exits 0 if all holds, 1 with the reasons otherwise.
 */
#include "tick.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG (256 * 1024)
#define PATTERN 251 /* byte k of a stream is k % 251 */
#define CHUNK 16384
#define JOBS 64
#define POOL_THREADS 8
#define POSTERS 8
#define POST_WINDOW 4096
#define TIMER_MAX_MS 30000
#define CLEARS_PER_TICK 1000
#define THINK_MAX_MS 2000

/* ------------------------------------------------------------------ state ---- */

typedef struct client_s {
  tick_stream_t s;
  int live;      /* from connect until its close callback */
  int connected;
  int closing;
  int writing;   /* a write is pending: its callback has not run */
  int shutting;  /* half-closed: waiting for the server's EOF */
  int reset;
  uint64_t issued; /* bytes handed to tick_stream_write */
  uint64_t sent;   /* bytes whose write completed with 0 */
  uint64_t recv;   /* bytes echoed back, checked */
  unsigned cycles, cycle_target;
  tick_timer_t think; /* the pause before the next message, if armed */
  struct client_s *next_free;
} client_t;

typedef struct server_s {
  tick_stream_t s;
  int closing;
  unsigned writes; /* pending writes */
  uint64_t in, out;
  struct server_s *next_free;
} server_t;

typedef struct chunk_s {
  server_t *owner;
  size_t len;
  struct chunk_s *next;
  char data[CHUNK];
} chunk_t;

typedef struct {
  int busy;
  uint64_t sum;
} job_t;

static struct {
  tick_loop_t *loop;
  tick_pool_t *pool;
  tick_stream_t listener;
  int port;
  int draining;
  unsigned conns;
  unsigned long timers_n;
  int rounds, round;
  int64_t round_ms;
  double t0;
  uint64_t rng;

  client_t *clients;
  client_t *free_clients;
  unsigned open_clients; /* live client structs */
  server_t *free_servers;
  unsigned open_servers;
  chunk_t *free_chunks;
  unsigned long chunks_made;

  uint64_t *timer_ids; /* the live id of each churn timer slot, 0 if none */
  tick_timer_t ramp, clearer, round_timer;

  job_t jobs[JOBS];
  pthread_t posters[POSTERS];
  atomic_ullong posted[POSTERS];
  atomic_ullong post_ran[POSTERS];
  atomic_int stop_posting;
  atomic_ulong post_errors;

  /* counters */
  uint64_t connects, connect_cbs, connect_errors;
  uint64_t accepts, accept_errors;
  uint64_t cwrites, cwrite_cbs, swrites, swrite_cbs;
  uint64_t shutdowns, shutdown_cbs;
  uint64_t closes, close_cbs;
  uint64_t finished, resets, halfcloses;
  uint64_t bytes_sent_ok, bytes_echoed_ok; /* over finished connections not reset */
  uint64_t server_in, server_out;
  uint64_t timers_created, timers_fired, timers_cleared;
  uint64_t thinks, think_fired, think_cleared;
  uint64_t jobs_queued, jobs_done;
  long rss_first, rss_last;
  unsigned long failures;
} G;

static char pattern[MAX_MSG + PATTERN];
static char readbuf[65536];

static void failf(const char *what, unsigned long long a, unsigned long long b) {
  if (G.failures++ < 20) fprintf(stderr, "soak: FAIL: %s (%llu, %llu)\n", what, a, b);
}

#define EXPECT_EQ(a, b, what)                                                             \
  do {                                                                                    \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);        \
    if (a_ != b_) failf(what, a_, b_);                                                    \
  } while (0)

static uint64_t rnd(void) {
  G.rng ^= G.rng << 13;
  G.rng ^= G.rng >> 7;
  G.rng ^= G.rng << 17;
  return G.rng;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* --------------------------------------------------------------- servers ---- */

static void server_closed(tick_loop_t *loop, void *arg) {
  server_t *sv = arg;
  (void)loop;
  G.close_cbs++;
  if (sv->writes != 0) failf("server closed with writes not completed", sv->writes, 0);
  sv->next_free = G.free_servers;
  G.free_servers = sv;
  G.open_servers--;
}

static void server_close(server_t *sv) {
  if (sv->closing) return;
  sv->closing = 1;
  G.closes++;
  if (tick_stream_close(G.loop, sv->s, server_closed, sv) != 0) failf("server close", 0, 0);
}

static void chunk_put(chunk_t *c) {
  c->owner = NULL;
  c->next = G.free_chunks;
  G.free_chunks = c;
}

static void server_alloc(tick_loop_t *loop, tick_stream_t s, size_t size, tick_buf_t *buf,
                         void *arg) {
  chunk_t *c = G.free_chunks;
  (void)loop, (void)s, (void)size;
  if (c != NULL) {
    G.free_chunks = c->next;
  } else if ((c = malloc(sizeof *c)) != NULL) {
    G.chunks_made++;
  } else {
    return; /* the read callback reports TICK_ENOBUFS */
  }
  c->owner = arg;
  *buf = tick_buf(c->data, CHUNK);
}

static void server_shutdown_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  server_t *sv = arg;
  (void)loop, (void)s;
  G.shutdown_cbs++;
  /* Every write queued before the shutdown has completed. With the peer still there
   * (status 0), it got everything the server read. */
  if (status == 0) EXPECT_EQ(sv->in, sv->out, "server echoed what it read");
  server_close(sv);
}

static void server_write_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  chunk_t *c = arg;
  server_t *sv = c->owner;
  (void)loop, (void)s;
  G.swrite_cbs++;
  if (sv == NULL || sv->writes == 0) {
    failf("server write callback twice", 0, 0);
    return;
  }
  sv->writes--;
  if (status == 0) {
    sv->out += c->len;
    G.server_out += c->len;
  } else if (status != TICK_ECANCELED && status != TICK_EPIPE &&
             status != TICK_ECONNRESET) {
    failf("server write status", (unsigned long long)-status, 0);
  }
  if (status != 0) server_close(sv);
  chunk_put(c);
}

static void server_read(tick_loop_t *loop, tick_stream_t s, ssize_t nread,
                        const tick_buf_t *buf, void *arg) {
  server_t *sv = arg;
  chunk_t *c = buf->base == NULL ? NULL : (chunk_t *)(buf->base - offsetof(chunk_t, data));
  (void)loop;
  if (nread > 0) {
    c->len = (size_t)nread;
    sv->in += (uint64_t)nread;
    G.server_in += (uint64_t)nread;
    G.swrites++;
    sv->writes++;
    tick_buf_t b = tick_buf(c->data, (size_t)nread);
    if (tick_stream_write(G.loop, s, &b, 1, server_write_done, c) != 0) {
      failf("server write refused", 0, 0);
      sv->writes--;
      G.swrite_cbs++;
      chunk_put(c);
      server_close(sv);
    }
    return;
  }
  if (c != NULL) chunk_put(c);
  if (nread == 0) return;
  if (nread == TICK_EOF && !sv->closing) {
    G.shutdowns++;
    if (tick_stream_shutdown(G.loop, s, server_shutdown_done, sv) != 0) {
      G.shutdowns--;
      server_close(sv);
    }
    return;
  }
  if (nread != TICK_ECONNRESET && nread != TICK_EOF)
    failf("server read error", (unsigned long long)-nread, 0);
  server_close(sv);
}

static void on_accept(tick_loop_t *loop, tick_stream_t listener, int status,
                      tick_stream_t client, void *arg) {
  server_t *sv;
  (void)loop, (void)listener, (void)arg;
  if (status < 0) {
    G.accept_errors++;
    return;
  }
  G.accepts++;
  sv = G.free_servers;
  if (sv != NULL) G.free_servers = sv->next_free;
  else sv = malloc(sizeof *sv);
  if (sv == NULL) {
    failf("out of memory for a server", 0, 0);
    tick_stream_close(G.loop, client, NULL, NULL);
    return;
  }
  memset(sv, 0, sizeof *sv);
  sv->s = client;
  G.open_servers++;
  if (G.draining) {
    server_close(sv);
    return;
  }
  if (tick_stream_read_start(G.loop, client, server_alloc, server_read, sv) != 0) {
    failf("server read_start", 0, 0);
    server_close(sv);
  }
}

/* --------------------------------------------------------------- clients ---- */

static void client_next(client_t *cl);

static void client_closed(tick_loop_t *loop, void *arg) {
  client_t *cl = arg;
  (void)loop;
  G.close_cbs++;
  if (cl->writing) failf("client closed with a write not completed", 0, 0);
  cl->live = 0;
  cl->next_free = G.free_clients;
  G.free_clients = cl;
  G.open_clients--;
}

static void client_close(client_t *cl) {
  if (cl->closing) return;
  cl->closing = 1;
  if (cl->think.id != TICK_NULL_ID) {
    if (tick_clear_timer(G.loop, cl->think) != 0) failf("clear think timer", 0, 0);
    cl->think.id = TICK_NULL_ID;
    G.think_cleared++;
  }
  G.closes++;
  if (tick_stream_close(G.loop, cl->s, client_closed, cl) != 0) failf("client close", 0, 0);
}

/* The end of a connection that was not reset: everything sent came back. */
static void client_finish(client_t *cl) {
  G.finished++;
  EXPECT_EQ(cl->recv, cl->sent, "client got back what it sent");
  EXPECT_EQ(cl->issued, cl->sent, "client writes all completed");
  G.bytes_sent_ok += cl->sent;
  G.bytes_echoed_ok += cl->recv;
  client_close(cl);
}

static void client_write_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  client_t *cl = arg;
  (void)loop, (void)s;
  G.cwrite_cbs++;
  if (!cl->writing) {
    failf("client write callback twice", 0, 0);
    return;
  }
  cl->writing = 0;
  if (status == 0) {
    cl->sent = cl->issued;
  } else {
    if (!cl->reset && !cl->closing) failf("client write status", (unsigned long long)-status, 0);
    return;
  }
  if (!cl->closing && !cl->shutting && cl->recv == cl->sent) client_next(cl);
}

static void client_shutdown_done(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  (void)loop, (void)s, (void)arg;
  G.shutdown_cbs++;
  if (status != 0 && status != TICK_ECANCELED) failf("client shutdown", (unsigned long long)-status, 0);
}

static void client_alloc(tick_loop_t *loop, tick_stream_t s, size_t size, tick_buf_t *buf,
                         void *arg) {
  (void)loop, (void)s, (void)size, (void)arg;
  *buf = tick_buf(readbuf, sizeof readbuf);
}

static void client_read(tick_loop_t *loop, tick_stream_t s, ssize_t nread,
                        const tick_buf_t *buf, void *arg) {
  client_t *cl = arg;
  ssize_t i;
  (void)loop, (void)s;
  if (nread > 0) {
    for (i = 0; i < nread; i++) {
      if ((unsigned char)buf->base[i] != (unsigned char)((cl->recv + (uint64_t)i) % PATTERN)) {
        failf("echoed byte differs at stream offset", cl->recv + (uint64_t)i, 0);
        client_close(cl);
        return;
      }
    }
    cl->recv += (uint64_t)nread;
    if (cl->recv > cl->issued) failf("client got more than it sent", cl->recv, cl->issued);
    if (!cl->writing && !cl->shutting && cl->recv == cl->sent) client_next(cl);
    return;
  }
  if (nread == 0) return;
  if (nread == TICK_EOF && cl->shutting && !cl->writing) {
    G.halfcloses++;
    client_finish(cl);
    return;
  }
  failf("client read error or early EOF", (unsigned long long)-nread, cl->shutting);
  client_close(cl);
}

/* Sends a message; with it, sometimes, ends the connection by a reset or a half-close. */
static void client_send(client_t *cl) {
  uint64_t r = rnd();
  size_t size;
  unsigned kind = (unsigned)(r % 1000);
  tick_buf_t b;
  cl->cycles++;
  r >>= 10;
  if (r % 100 < 70) size = 1 + (size_t)((r >> 8) % 1024);
  else if (r % 100 < 95) size = 1 + (size_t)((r >> 8) % 16384);
  else size = 1 + (size_t)((r >> 8) % MAX_MSG);
  b = tick_buf(pattern + cl->issued % PATTERN, size);
  G.cwrites++;
  cl->writing = 1;
  cl->issued += size;
  if (tick_stream_write(G.loop, cl->s, &b, 1, client_write_done, cl) != 0) {
    failf("client write refused", 0, 0);
    G.cwrites--;
    cl->writing = 0;
    client_close(cl);
    return;
  }
  if (kind < 4) {
    /* Reset with the message in flight: SO_LINGER 0 makes close send RST. */
    struct linger lg = {1, 0};
    int fd;
    cl->reset = 1;
    G.resets++;
    if (tick_stream_fileno(G.loop, cl->s, &fd) == 0)
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    client_close(cl);
  } else if (kind < 12) {
    cl->shutting = 1;
    G.shutdowns++;
    if (tick_stream_shutdown(G.loop, cl->s, client_shutdown_done, cl) != 0) {
      G.shutdowns--;
      failf("client shutdown refused", 0, 0);
      client_close(cl);
    }
  }
}

static void think_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  client_t *cl = arg;
  (void)loop;
  if (cl->think.id != t.id || cl->closing) {
    failf("think timer fired that is not live", t.id, cl->think.id);
    return;
  }
  cl->think.id = TICK_NULL_ID;
  G.think_fired++;
  client_send(cl);
}

/* After a complete echo: the connection ends, or a pause (up to THINK_MAX_MS, so that
 * most connections are idle at any moment, as on a real server) then the next message. */
static void client_next(client_t *cl) {
  if (G.draining || cl->cycles >= cl->cycle_target) {
    client_finish(cl);
    return;
  }
  if (tick_set_timeout(G.loop, (int64_t)(rnd() % THINK_MAX_MS), think_cb, cl, &cl->think) !=
      0) {
    failf("think timer", 0, 0);
    client_close(cl);
    return;
  }
  G.thinks++;
}

static void client_connected(tick_loop_t *loop, tick_stream_t s, int status, void *arg) {
  client_t *cl = arg;
  (void)loop;
  G.connect_cbs++;
  if (status != 0) {
    if (status != TICK_ECANCELED) G.connect_errors++;
    client_close(cl);
    return;
  }
  cl->connected = 1;
  if (G.draining) {
    client_close(cl);
    return;
  }
  if (tick_stream_read_start(G.loop, s, client_alloc, client_read, cl) != 0) {
    failf("client read_start", 0, 0);
    client_close(cl);
    return;
  }
  client_send(cl);
}

static void client_open(void) {
  client_t *cl = G.free_clients;
  if (cl == NULL) return;
  G.free_clients = cl->next_free;
  memset(cl, 0, sizeof *cl);
  if (tick_tcp_create(G.loop, AF_INET, &cl->s) != 0) {
    G.connect_errors++;
    cl->next_free = G.free_clients;
    G.free_clients = cl;
    return;
  }
  cl->live = 1;
  cl->cycle_target = 1 + (unsigned)(rnd() % 64);
  G.open_clients++;
  G.connects++;
  if (tick_tcp_connect_ip(G.loop, cl->s, "127.0.0.1", G.port, 20000, client_connected, cl) !=
      0) {
    G.connects--;
    G.connect_errors++;
    client_close(cl);
  }
}

/* Keeps the number of connections at its target: at most 250 new ones per 5 ms. */
static void ramp_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  int i;
  (void)loop, (void)t, (void)arg;
  for (i = 0; i < 250 && G.open_clients < G.conns && !G.draining; i++) client_open();
}

/* ----------------------------------------------------------------- timers ---- */

static void churn_cb(tick_loop_t *loop, tick_timer_t t, void *arg);

static void churn_arm(size_t i) {
  tick_timer_t id;
  int64_t delay = 1 + (int64_t)(rnd() % TIMER_MAX_MS);
  if (tick_set_timeout(G.loop, delay, churn_cb, (void *)(uintptr_t)i, &id) != 0) {
    failf("set_timeout", i, 0);
    G.timer_ids[i] = 0;
    return;
  }
  G.timers_created++;
  G.timer_ids[i] = id.id;
}

static void churn_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  size_t i = (size_t)(uintptr_t)arg;
  (void)loop;
  if (i >= G.timers_n || G.timer_ids[i] != t.id) {
    failf("timer fired that is not live", i, t.id);
    return;
  }
  G.timers_fired++;
  G.timer_ids[i] = 0;
  if (!G.draining) churn_arm(i);
}

static void churn_clear(size_t i) {
  tick_timer_t id;
  if (G.timer_ids[i] == 0) return;
  id.id = G.timer_ids[i];
  if (tick_clear_timer(G.loop, id) != 0) failf("clear_timer", i, 0);
  G.timers_cleared++;
  G.timer_ids[i] = 0;
}

static void clearer_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  int k;
  (void)loop, (void)t, (void)arg;
  for (k = 0; k < CLEARS_PER_TICK; k++) {
    size_t i = (size_t)(rnd() % G.timers_n);
    churn_clear(i);
    churn_arm(i);
  }
}

/* ------------------------------------------------------------ pool, posts ---- */

static void job_work(void *arg) {
  job_t *j = arg;
  uint64_t h = 1469598103934665603ull;
  int i;
  for (i = 0; i < 2000; i++) h = (h ^ (uint64_t)i) * 1099511628211ull;
  j->sum = h;
}

static void job_done(tick_loop_t *loop, int status, void *arg);

static void job_queue(job_t *j) {
  j->busy = 1;
  G.jobs_queued++;
  if (tick_work_queue(G.loop, G.pool, job_work, job_done, j, NULL) != 0) {
    failf("work_queue", 0, 0);
    G.jobs_queued--;
    j->busy = 0;
  }
}

static void job_done(tick_loop_t *loop, int status, void *arg) {
  job_t *j = arg;
  (void)loop;
  G.jobs_done++;
  if (!j->busy) failf("job done twice", 0, 0);
  if (status != 0) failf("job status", (unsigned long long)-status, 0);
  j->busy = 0;
  if (!G.draining) job_queue(j);
}

/* A post's arg is (sequence << 3) | thread: each thread's posts must run in order. */
static void post_cb(tick_loop_t *loop, void *arg) {
  uintptr_t a = (uintptr_t)arg;
  unsigned t = (unsigned)(a & 7);
  unsigned long long seq = (unsigned long long)(a >> 3);
  unsigned long long ran = atomic_load(&G.post_ran[t]);
  (void)loop;
  if (seq != ran + 1) failf("post out of order or twice", seq, ran + 1);
  atomic_store(&G.post_ran[t], ran + 1);
}

static void *poster(void *arg) {
  unsigned t = (unsigned)(uintptr_t)arg;
  unsigned long long seq = 0;
  while (!atomic_load(&G.stop_posting)) {
    if (seq - atomic_load(&G.post_ran[t]) >= POST_WINDOW) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
      continue;
    }
    /* Bursts of 64, then a millisecond's pause: at most 64000 posts a second each. */
    if (seq % 64 == 0) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
    seq++;
    if (tick_post(G.loop, post_cb, (void *)(uintptr_t)((seq << 3) | t)) != 0) {
      seq--;
      atomic_fetch_add(&G.post_errors, 1);
      break;
    }
    atomic_store(&G.posted[t], seq);
  }
  return NULL;
}

/* ------------------------------------------------------------------ rounds ---- */

static void listener_closed(tick_loop_t *loop, void *arg) {
  (void)loop, (void)arg;
  G.close_cbs++;
}

static void drain_all(void) {
  unsigned i;
  size_t k;
  G.draining = 1;
  tick_clear_timer(G.loop, G.ramp);
  tick_clear_timer(G.loop, G.clearer);
  for (k = 0; k < G.timers_n; k++) churn_clear(k);
  for (i = 0; i < G.conns; i++)
    if (G.clients[i].live && !G.clients[i].closing) client_close(&G.clients[i]);
  G.closes++;
  if (tick_stream_close(G.loop, G.listener, listener_closed, NULL) != 0)
    failf("listener close", 0, 0);
  atomic_store(&G.stop_posting, 1);
  for (i = 0; i < POSTERS; i++) pthread_join(G.posters[i], NULL);
}

static void print_round(void) {
  long rss = rss_kib();
  unsigned long long posts = 0;
  unsigned i, connected = 0;
  for (i = 0; i < POSTERS; i++) posts += atomic_load(&G.post_ran[i]);
  for (i = 0; i < G.conns; i++) connected += G.clients[i].live && G.clients[i].connected;
  printf("round %2d  %6.1f s  conns %5u/%5u/%5u  finished %8llu  resets %6llu  half-closes %6llu  "
         "echoed %8.1f MiB  timers fired %9llu cleared %9llu  jobs %8llu  posts %9llu  "
         "rss %7.1f MiB  iterations %llu\n",
         G.round, now_s() - G.t0, G.open_clients, connected, G.open_servers, (unsigned long long)G.finished,
         (unsigned long long)G.resets, (unsigned long long)G.halfcloses,
         (double)G.server_out / 1048576.0, (unsigned long long)G.timers_fired,
         (unsigned long long)G.timers_cleared, (unsigned long long)G.jobs_done, posts,
         (double)rss / 1024.0, (unsigned long long)tick_loop_iteration(G.loop));
  fflush(stdout);
  if (G.round == 1) G.rss_first = rss;
  G.rss_last = rss;
}

static void round_cb(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop, (void)t, (void)arg;
  G.round++;
  print_round();
  if (G.round >= G.rounds) {
    drain_all();
    return;
  }
  if (tick_set_timeout(G.loop, G.round_ms, round_cb, NULL, &G.round_timer) != 0)
    failf("round timer", 0, 0);
}

/* ------------------------------------------------------------------- main ---- */

int main(int argc, char **argv) {
  double seconds = 60;
  long conns = 10000, timers = 1000000;
  struct rlimit rl;
  struct sockaddr_storage addr;
  unsigned i;
  int rc, j;
  G.rounds = 10;
  for (j = 1; j + 1 < argc; j += 2) {
    if (strcmp(argv[j], "--seconds") == 0) seconds = atof(argv[j + 1]);
    else if (strcmp(argv[j], "--rounds") == 0) G.rounds = atoi(argv[j + 1]);
    else if (strcmp(argv[j], "--conns") == 0) conns = atol(argv[j + 1]);
    else if (strcmp(argv[j], "--timers") == 0) timers = atol(argv[j + 1]);
    else break;
  }
  if (j < argc || seconds <= 0 || G.rounds < 2 || conns < 1 || timers < 1) {
    fprintf(stderr, "usage: %s [--seconds S] [--rounds R>=2] [--conns N] [--timers T]\n",
            argv[0]);
    return 2;
  }
  G.round_ms = (int64_t)(seconds * 1000 / G.rounds);
  G.rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);

  /* Two descriptors per connection, and room for the loop, the pool, stdio and server
   * ends that have not yet seen their client close. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)conns * 2 + 1024 > rl.rlim_cur)
      conns = rl.rlim_cur > 2048 ? (long)((rl.rlim_cur - 1024) / 2) : 1;
  }
  G.conns = (unsigned)conns;
  G.timers_n = (unsigned long)timers;
  printf("soak: %.0f s in %d rounds of %.1f s; RLIMIT_NOFILE %llu: %u connections; "
         "%lu timers; %d pool threads, %d jobs in flight; %d posting threads\n",
         seconds, G.rounds, (double)G.round_ms / 1000.0, (unsigned long long)rl.rlim_cur,
         G.conns, G.timers_n, POOL_THREADS, JOBS, POSTERS);
  fflush(stdout);

  for (i = 0; i < sizeof pattern; i++) pattern[i] = (char)(i % PATTERN);
  G.clients = calloc(G.conns, sizeof *G.clients);
  G.timer_ids = calloc(G.timers_n, sizeof *G.timer_ids);
  if (G.clients == NULL || G.timer_ids == NULL) return 1;
  for (i = G.conns; i-- > 0;) {
    G.clients[i].next_free = G.free_clients;
    G.free_clients = &G.clients[i];
  }

  if (tick_loop_create(&G.loop, 0) != 0 || tick_pool_create(&G.pool, POOL_THREADS) != 0) {
    fprintf(stderr, "soak: cannot create the loop or the pool\n");
    return 1;
  }
  if (tick_tcp_create(G.loop, AF_INET, &G.listener) != 0 ||
      tick_tcp_bind_ip(G.loop, G.listener, "127.0.0.1", 0, 0) != 0 ||
      tick_tcp_listen(G.loop, G.listener, 4096, on_accept, NULL) != 0 ||
      tick_tcp_getsockname(G.loop, G.listener, &addr) != 0) {
    fprintf(stderr, "soak: cannot listen on 127.0.0.1\n");
    return 1;
  }
  G.port = tick_ip_port(&addr);

  for (i = 0; i < G.timers_n; i++) churn_arm(i);
  for (i = 0; i < JOBS; i++) job_queue(&G.jobs[i]);
  for (i = 0; i < POSTERS; i++)
    if (pthread_create(&G.posters[i], NULL, poster, (void *)(uintptr_t)i) != 0) return 1;
  if (tick_set_interval(G.loop, 5, ramp_cb, NULL, &G.ramp) != 0 ||
      tick_set_interval(G.loop, 10, clearer_cb, NULL, &G.clearer) != 0 ||
      tick_set_timeout(G.loop, G.round_ms, round_cb, NULL, &G.round_timer) != 0)
    return 1;
  G.t0 = now_s();

  rc = tick_loop_run(G.loop, TICK_RUN_DEFAULT);
  if (rc != 0) failf("run did not end dry", (unsigned long long)rc, 0);
  rc = tick_loop_destroy(G.loop);
  if (rc != 0) failf("loop destroy", (unsigned long long)-rc, 0);
  rc = tick_pool_destroy(G.pool);
  if (rc != 0) failf("pool destroy", (unsigned long long)-rc, 0);

  /* The accounts. */
  EXPECT_EQ(G.bytes_sent_ok, G.bytes_echoed_ok, "bytes sent == bytes echoed back");
  EXPECT_EQ(G.cwrites, G.cwrite_cbs, "client writes == their callbacks");
  EXPECT_EQ(G.swrites, G.swrite_cbs, "server writes == their callbacks");
  EXPECT_EQ(G.shutdowns, G.shutdown_cbs, "shutdowns == their callbacks");
  EXPECT_EQ(G.connects, G.connect_cbs, "connects == their callbacks");
  EXPECT_EQ(G.closes, G.close_cbs, "closes == close callbacks");
  EXPECT_EQ(G.open_clients, 0, "client connections left");
  EXPECT_EQ(G.open_servers, 0, "server connections left");
  EXPECT_EQ(G.timers_created, G.timers_fired + G.timers_cleared, "timers created == fired + cleared");
  EXPECT_EQ(G.thinks, G.think_fired + G.think_cleared, "think timers == fired + cleared");
  EXPECT_EQ(G.jobs_queued, G.jobs_done, "jobs queued == done");
  for (i = 0; i < POSTERS; i++)
    EXPECT_EQ(atomic_load(&G.posted[i]), atomic_load(&G.post_ran[i]), "posts made == run");
  EXPECT_EQ(atomic_load(&G.post_errors), 0, "posts refused");
  if (G.connect_errors * 100 > G.connects + 100)
    failf("more than 1% of connects failed", G.connect_errors, G.connects);
  {
    unsigned long long posts = 0;
    for (i = 0; i < POSTERS; i++) posts += atomic_load(&G.post_ran[i]);
    printf("soak: connects %llu (errors %llu), accepts %llu (errors %llu), finished %llu, "
           "resets %llu, half-closes %llu\n",
           (unsigned long long)G.connects, (unsigned long long)G.connect_errors,
           (unsigned long long)G.accepts, (unsigned long long)G.accept_errors,
           (unsigned long long)G.finished, (unsigned long long)G.resets,
           (unsigned long long)G.halfcloses);
    printf("soak: bytes sent and echoed back %llu (%.1f MiB) on connections not reset; "
           "server echoed %llu in all\n",
           (unsigned long long)G.bytes_echoed_ok, (double)G.bytes_echoed_ok / 1048576.0,
           (unsigned long long)G.server_out);
    printf("soak: writes %llu + %llu, shutdowns %llu, closes %llu: each callback once\n",
           (unsigned long long)G.cwrites, (unsigned long long)G.swrites,
           (unsigned long long)G.shutdowns, (unsigned long long)G.closes);
    printf("soak: timers created %llu = fired %llu + cleared %llu; jobs %llu; posts %llu\n",
           (unsigned long long)G.timers_created, (unsigned long long)G.timers_fired,
           (unsigned long long)G.timers_cleared, (unsigned long long)G.jobs_done, posts);
  }
  printf("soak: rss end of round 1 %.1f MiB, end of round %d %.1f MiB: %+.2f%% "
         "(limit +5%%); %lu echo chunks\n",
         (double)G.rss_first / 1024.0, G.rounds, (double)G.rss_last / 1024.0,
         100.0 * (double)(G.rss_last - G.rss_first) / (double)G.rss_first, G.chunks_made);
  if (G.rss_first <= 0 || G.rss_last * 100 >= G.rss_first * 105)
    failf("resident memory grew by 5% or more", (unsigned long long)G.rss_first,
          (unsigned long long)G.rss_last);
  while (G.free_chunks != NULL) {
    chunk_t *c = G.free_chunks;
    G.free_chunks = c->next;
    free(c);
  }
  while (G.free_servers != NULL) {
    server_t *sv = G.free_servers;
    G.free_servers = sv->next_free;
    free(sv);
  }
  free(G.clients);
  free(G.timer_ids);
  if (G.failures != 0) {
    printf("soak: FAILED (%lu failures)\n", G.failures);
    return 1;
  }
  printf("soak: passed\n");
  return 0;
}
