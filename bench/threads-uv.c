/* threads-uv.c - libuv's thread pool, async handles and the recommended cross-thread
 * queue, the peer of threads.c (read its header for the workloads and what is counted).
 *
 * Posts: libuv coalesces uv_async_send calls, so a program that must not lose messages
 * keeps its own queue; this is the pattern its documentation recommends: a mutex, a list
 * of malloc'd nodes, and uv_async_send after each push; the async callback takes the
 * whole list under the mutex and runs it. libuv runs 2M posts where tick runs 10M; the
 * runner compares time per post.
 */
#include <uv.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "bench.h"

#define ROUND_TRIPS 100000
#define BURST 100000
#define PINGS 50000
#define POSTS 2000000

static uint64_t left, done;

static void empty_work(uv_work_t *req) { (void)req; }

static void next_job(uv_work_t *req, int status) {
  BENCH_CHECK(status);
  done++;
  if (--left > 0) BENCH_CHECK(uv_queue_work(uv_default_loop(), req, empty_work, next_job));
}

static void count_job(uv_work_t *req, int status) {
  (void)req;
  BENCH_CHECK(status);
  done++;
}

static void bench_round_trip(const char *name) {
  static uv_work_t req;
  bench_mark_t mark;
  left = ROUND_TRIPS;
  bench_begin(&mark);
  BENCH_CHECK(uv_queue_work(uv_default_loop(), &req, empty_work, next_job));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", ROUND_TRIPS);
  BENCH_EXPECT(done == ROUND_TRIPS);
}

static void bench_burst(const char *name) {
  uv_work_t *reqs = calloc(BURST, sizeof(*reqs));
  bench_mark_t mark;
  BENCH_EXPECT(reqs != NULL);
  bench_begin(&mark);
  for (int i = 0; i < BURST; i++)
    BENCH_CHECK(uv_queue_work(uv_default_loop(), &reqs[i], empty_work, count_job));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", BURST);
  BENCH_EXPECT(done == BURST);
  free(reqs);
}

static uv_work_t *burst_reqs;

static void burst_from_callback(uv_timer_t *timer) {
  for (int i = 0; i < BURST; i++)
    BENCH_CHECK(uv_queue_work(uv_default_loop(), &burst_reqs[i], empty_work, count_job));
  uv_close((uv_handle_t *)timer, NULL);
}

static void bench_burst_in_callback(const char *name) {
  static uv_timer_t timer;
  bench_mark_t mark;
  burst_reqs = calloc(BURST, sizeof(*burst_reqs));
  BENCH_EXPECT(burst_reqs != NULL);
  BENCH_CHECK(uv_timer_init(uv_default_loop(), &timer));
  bench_begin(&mark);
  BENCH_CHECK(uv_timer_start(&timer, burst_from_callback, 0, 0));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", BURST);
  BENCH_EXPECT(done == BURST);
  free(burst_reqs);
}

/* ----------------------------------------------------------- ping-pong ---- */

static uv_async_t main_async, other_async;
static atomic_int other_ready, finished;
static uint64_t pings;

static void other_side(uv_async_t *a) {
  if (atomic_load(&finished)) {
    uv_close((uv_handle_t *)a, NULL);
    return;
  }
  BENCH_CHECK(uv_async_send(&main_async));
}

static void *other_thread(void *arg) {
  uv_loop_t loop;
  (void)arg;
  BENCH_CHECK(uv_loop_init(&loop));
  BENCH_CHECK(uv_async_init(&loop, &other_async, other_side));
  atomic_store(&other_ready, 1);
  BENCH_CHECK(uv_run(&loop, UV_RUN_DEFAULT));
  BENCH_CHECK(uv_loop_close(&loop));
  return NULL;
}

static void main_side(uv_async_t *a) {
  if (++pings == PINGS) {
    atomic_store(&finished, 1);
    BENCH_CHECK(uv_async_send(&other_async));
    uv_close((uv_handle_t *)a, NULL);
    return;
  }
  BENCH_CHECK(uv_async_send(&other_async));
}

static void bench_ping_pong(const char *name) {
  pthread_t th;
  bench_mark_t mark;
  BENCH_CHECK(uv_async_init(uv_default_loop(), &main_async, main_side));
  BENCH_EXPECT(pthread_create(&th, NULL, other_thread, NULL) == 0);
  while (!atomic_load(&other_ready)) sched_yield();
  bench_begin(&mark);
  BENCH_CHECK(uv_async_send(&other_async));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", PINGS);
  BENCH_EXPECT(pthread_join(th, NULL) == 0);
  BENCH_EXPECT(pings == PINGS);
}

/* --------------------------------------------------------------- posts ---- */

typedef struct node_s {
  struct node_s *next;
  void (*cb)(void *arg);
  void *arg;
} node_t;

static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static node_t *post_head, *post_tail;
static uv_async_t post_async;
static uint64_t per_producer, delivered, total, sum;

static void take_payload(void *arg) {
  sum += (uintptr_t)arg;
  ++delivered;
}

static void drain_posts(uv_async_t *a) {
  node_t *list;
  pthread_mutex_lock(&post_lock);
  list = post_head;
  post_head = post_tail = NULL;
  pthread_mutex_unlock(&post_lock);
  while (list != NULL) {
    node_t *next = list->next;
    list->cb(list->arg);
    free(list);
    list = next;
  }
  if (delivered == total) uv_close((uv_handle_t *)a, NULL);
}

static void *producer(void *arg) {
  (void)arg;
  for (uint64_t i = 0; i < per_producer; i++) {
    node_t *n = malloc(sizeof(*n));
    BENCH_EXPECT(n != NULL);
    n->next = NULL;
    n->cb = take_payload;
    n->arg = (void *)(uintptr_t)(i & 0xff);
    pthread_mutex_lock(&post_lock);
    if (post_tail != NULL)
      post_tail->next = n;
    else
      post_head = n;
    post_tail = n;
    pthread_mutex_unlock(&post_lock);
    BENCH_CHECK(uv_async_send(&post_async));
  }
  return NULL;
}

static void bench_posts(const char *name, int producers) {
  pthread_t th[4];
  bench_mark_t mark;
  BENCH_CHECK(uv_async_init(uv_default_loop(), &post_async, drain_posts));
  per_producer = POSTS / (uint64_t)producers;
  total = per_producer * (uint64_t)producers;
  bench_begin(&mark);
  for (int i = 0; i < producers; i++)
    BENCH_EXPECT(pthread_create(&th[i], NULL, producer, NULL) == 0);
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", (double)total);
  for (int i = 0; i < producers; i++) BENCH_EXPECT(pthread_join(th[i], NULL) == 0);
  BENCH_EXPECT(delivered == total);
}

int main(int argc, char **argv) {
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
