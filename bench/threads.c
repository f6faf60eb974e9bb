/* threads.c - crossing threads: the thread pool, cross-thread wake-ups and posts.
 *
 * Workloads (the same in threads-uv.c and threads-ev.c where the peer has the concept):
 * - "work round trip": one job at a time; each done callback queues the next (libuv:
 *   uv_queue_work ping-pong). 100k jobs with empty work; time per job.
 * - "work burst 100k": the main script queues 100k empty jobs, the loop runs until every
 *   done callback has run; time per job.
 * - "work burst 100k, from a callback": the same, the jobs queued by one callback (tick:
 *   an immediate; libuv: a zero timer), as an event-driven program queues them; the
 *   timed region starts before the loop runs and includes that callback.
 * - "ping-pong across threads": two loops on two threads, each with a waker (libuv's
 *   async1 benchmark: a uv_async_t per loop; libev: an ev_async per loop); each callback
 *   wakes the other side; time per round trip.
 * - "10M posts, 1 producer" / "10M posts, 4 producers": producer threads post (cb, payload)
 *   to the loop, which counts the payloads; time from the producers' start to the last
 *   delivered callback, per post. The peers use the pattern their documentation
 *   recommends: a mutex-protected list of malloc'd nodes plus uv_async_send / ev_async_send.
 * Pool size 4 everywhere (libuv's default).
 */
#include <tick.h>

#include <pthread.h>
#include <stdatomic.h>

#include "bench.h"

#define ROUND_TRIPS 100000
#define BURST 100000
#define PINGS 50000
#define POSTS 10000000

/* ---------------------------------------------------------------- pool ---- */

typedef struct jobs_s {
  tick_pool_t *pool;
  uint64_t left, done;
} jobs_t;

static void empty_work(void *arg) { (void)arg; }

static void next_job(tick_loop_t *loop, int status, void *arg) {
  jobs_t *j = arg;
  BENCH_CHECK(status);
  j->done++;
  if (--j->left > 0) BENCH_CHECK(tick_work_queue(loop, j->pool, empty_work, next_job, j, NULL));
}

static void count_job(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  BENCH_CHECK(status);
  ((jobs_t *)arg)->done++;
}

static void bench_round_trip(const char *name) {
  tick_loop_t *loop;
  jobs_t j = {0};
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_pool_create(&j.pool, 4));
  j.left = ROUND_TRIPS;
  bench_begin(&mark);
  BENCH_CHECK(tick_work_queue(loop, j.pool, empty_work, next_job, &j, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", ROUND_TRIPS);
  BENCH_EXPECT(j.done == ROUND_TRIPS);
  BENCH_CHECK(tick_loop_destroy(loop));
  BENCH_CHECK(tick_pool_destroy(j.pool));
}

static void bench_burst(const char *name) {
  tick_loop_t *loop;
  jobs_t j = {0};
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_pool_create(&j.pool, 4));
  bench_begin(&mark);
  for (int i = 0; i < BURST; i++)
    BENCH_CHECK(tick_work_queue(loop, j.pool, empty_work, count_job, &j, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", BURST);
  BENCH_EXPECT(j.done == BURST);
  BENCH_CHECK(tick_loop_destroy(loop));
  BENCH_CHECK(tick_pool_destroy(j.pool));
}

static void burst_from_callback(tick_loop_t *loop, void *arg) {
  jobs_t *j = arg;
  for (int i = 0; i < BURST; i++)
    BENCH_CHECK(tick_work_queue(loop, j->pool, empty_work, count_job, j, NULL));
}

static void bench_burst_in_callback(const char *name) {
  tick_loop_t *loop;
  jobs_t j = {0};
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_pool_create(&j.pool, 4));
  bench_begin(&mark);
  BENCH_CHECK(tick_set_immediate(loop, burst_from_callback, &j, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", BURST);
  BENCH_EXPECT(j.done == BURST);
  BENCH_CHECK(tick_loop_destroy(loop));
  BENCH_CHECK(tick_pool_destroy(j.pool));
}

/* ----------------------------------------------------------- ping-pong ---- */

typedef struct pong_s {
  tick_waker_t *main_waker;
  _Atomic(tick_waker_t *) other_waker;
  atomic_int finished;
  uint64_t pings;
} pong_t;

static void other_side(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  pong_t *p = arg;
  if (atomic_load(&p->finished)) {
    BENCH_CHECK(tick_waker_close(loop, w));
    return;
  }
  BENCH_CHECK(tick_waker_wake(p->main_waker));
}

static void *other_thread(void *arg) {
  pong_t *p = arg;
  tick_loop_t *loop;
  tick_waker_t *w;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_waker_create(loop, other_side, p, &w));
  atomic_store(&p->other_waker, w);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  BENCH_CHECK(tick_loop_destroy(loop));
  return NULL;
}

static void main_side(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  pong_t *p = arg;
  if (++p->pings == PINGS) {
    atomic_store(&p->finished, 1);
    BENCH_CHECK(tick_waker_wake(atomic_load(&p->other_waker)));
    BENCH_CHECK(tick_waker_close(loop, w));
    return;
  }
  BENCH_CHECK(tick_waker_wake(atomic_load(&p->other_waker)));
}

static void bench_ping_pong(const char *name) {
  static pong_t p;
  tick_loop_t *loop;
  pthread_t th;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_waker_create(loop, main_side, &p, &p.main_waker));
  BENCH_EXPECT(pthread_create(&th, NULL, other_thread, &p) == 0);
  while (atomic_load(&p.other_waker) == NULL) sched_yield();
  bench_begin(&mark);
  BENCH_CHECK(tick_waker_wake(atomic_load(&p.other_waker)));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", PINGS);
  BENCH_EXPECT(pthread_join(th, NULL) == 0);
  BENCH_EXPECT(p.pings == PINGS);
  BENCH_CHECK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------------- posts ---- */

typedef struct posts_s {
  tick_loop_t *loop;
  tick_waker_t *keep_alive;
  uint64_t per_producer, delivered, total, sum;
} posts_t;

static posts_t the_posts;

static void take_payload(tick_loop_t *loop, void *arg) {
  posts_t *p = &the_posts;
  p->sum += (uintptr_t)arg;
  if (++p->delivered == p->total) BENCH_CHECK(tick_waker_close(loop, p->keep_alive));
}

static void *producer(void *arg) {
  posts_t *p = arg;
  for (uint64_t i = 0; i < p->per_producer; i++)
    BENCH_CHECK(tick_post(p->loop, take_payload, (void *)(uintptr_t)(i & 0xff)));
  return NULL;
}

static void unused_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (void)loop;
  (void)w;
  (void)arg;
}

static void bench_posts(const char *name, int producers) {
  posts_t *p = &the_posts;
  pthread_t th[4];
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&p->loop, 0));
  /* Keeps the loop waiting for posts that have not been made yet. */
  BENCH_CHECK(tick_waker_create(p->loop, unused_wake, NULL, &p->keep_alive));
  p->per_producer = POSTS / (uint64_t)producers;
  p->total = p->per_producer * (uint64_t)producers;
  bench_begin(&mark);
  for (int i = 0; i < producers; i++)
    BENCH_EXPECT(pthread_create(&th[i], NULL, producer, p) == 0);
  BENCH_CHECK(tick_loop_run(p->loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", (double)p->total);
  for (int i = 0; i < producers; i++) BENCH_EXPECT(pthread_join(th[i], NULL) == 0);
  BENCH_EXPECT(p->delivered == p->total);
  BENCH_CHECK(tick_loop_destroy(p->loop));
}

int main(int argc, char **argv) {
  bench_goal("work round trip", "libuv", 0.5, "wall");
  bench_goal("work burst 100k", "libuv", 0.6, "wall");
  bench_goal("work burst 100k, from a callback", "libuv", 0.6, "wall");
  bench_goal("ping-pong across threads", "libuv", 0.8, "wall");
  bench_goal("ping-pong across threads", "libev", 1.0, "wall");
  bench_goal("10M posts, 1 producer", "libuv", 1 / 3.0, "wall");
  bench_goal("10M posts, 1 producer", "libev", 1 / 1.5, "wall");
  bench_goal("10M posts, 4 producers", "libuv", 1 / 3.0, "wall");
  bench_goal("10M posts, 4 producers", "libev", 1 / 1.5, "wall");
  if (bench_workload_child(argc, argv, "work round trip")) {
    bench_round_trip("work round trip");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "work burst 100k")) {
    bench_burst("work burst 100k");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "work burst 100k, from a callback")) {
    bench_burst_in_callback("work burst 100k, from a callback");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "ping-pong across threads")) {
    bench_ping_pong("ping-pong across threads");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "10M posts, 1 producer")) {
    bench_posts("10M posts, 1 producer", 1);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "10M posts, 4 producers")) {
    bench_posts("10M posts, 4 producers", 4);
    bench_child_done();
  }
  return 0;
}
