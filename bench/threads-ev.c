/* threads-ev.c - libev's cross-thread wake-ups, the peer of threads.c (read its header).
 *
 * libev has no thread pool, so only "ping-pong across threads" (an ev_async per loop,
 * each callback signalling the other loop) and the posts are measured. Posts use the
 * pattern libev's manual recommends for ev_async: a mutex-protected list of malloc'd
 * nodes and ev_async_send after each push; the callback takes the whole list. libev runs
 * 2M posts where tick runs 10M; the runner compares time per post.
 */
#include <ev.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "bench.h"

#define PINGS 50000
#define POSTS 2000000

/* ----------------------------------------------------------- ping-pong ---- */

static struct ev_loop *main_loop, *other_loop;
static ev_async main_async, other_async;
static atomic_int other_ready, finished;
static uint64_t pings;

static void other_side(struct ev_loop *loop, ev_async *a, int revents) {
  (void)revents;
  if (atomic_load(&finished)) {
    ev_async_stop(loop, a);
    return;
  }
  ev_async_send(main_loop, &main_async);
}

static void *other_thread(void *arg) {
  (void)arg;
  other_loop = ev_loop_new(EVFLAG_AUTO);
  BENCH_EXPECT(other_loop != NULL);
  ev_async_init(&other_async, other_side);
  ev_async_start(other_loop, &other_async);
  atomic_store(&other_ready, 1);
  ev_run(other_loop, 0);
  ev_loop_destroy(other_loop);
  return NULL;
}

static void main_side(struct ev_loop *loop, ev_async *a, int revents) {
  (void)revents;
  if (++pings == PINGS) {
    atomic_store(&finished, 1);
    ev_async_send(other_loop, &other_async);
    ev_async_stop(loop, a);
    return;
  }
  ev_async_send(other_loop, &other_async);
}

static void bench_ping_pong(const char *name) {
  pthread_t th;
  bench_mark_t mark;
  main_loop = ev_default_loop(0);
  ev_async_init(&main_async, main_side);
  ev_async_start(main_loop, &main_async);
  BENCH_EXPECT(pthread_create(&th, NULL, other_thread, NULL) == 0);
  while (!atomic_load(&other_ready)) sched_yield();
  bench_begin(&mark);
  ev_async_send(other_loop, &other_async);
  ev_run(main_loop, 0);
  bench_report(&mark, name, "libev", PINGS);
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
static ev_async post_async;
static uint64_t per_producer, delivered, total, sum;

static void take_payload(void *arg) {
  sum += (uintptr_t)arg;
  ++delivered;
}

static void drain_posts(struct ev_loop *loop, ev_async *a, int revents) {
  node_t *list;
  (void)revents;
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
  if (delivered == total) ev_async_stop(loop, a);
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
    ev_async_send(main_loop, &post_async);
  }
  return NULL;
}

static void bench_posts(const char *name, int producers) {
  pthread_t th[4];
  bench_mark_t mark;
  main_loop = ev_default_loop(0);
  ev_async_init(&post_async, drain_posts);
  ev_async_start(main_loop, &post_async);
  per_producer = POSTS / (uint64_t)producers;
  total = per_producer * (uint64_t)producers;
  bench_begin(&mark);
  for (int i = 0; i < producers; i++)
    BENCH_EXPECT(pthread_create(&th[i], NULL, producer, NULL) == 0);
  ev_run(main_loop, 0);
  bench_report(&mark, name, "libev", (double)total);
  for (int i = 0; i < producers; i++) BENCH_EXPECT(pthread_join(th[i], NULL) == 0);
  BENCH_EXPECT(delivered == total);
}

int main(int argc, char **argv) {
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
