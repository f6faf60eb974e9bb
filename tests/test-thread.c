/* test-thread.c - crossing threads: tick_post from any thread (exactly once, per-thread
 * FIFO, refusal after close begins), wakers, and the thread pool (completions on the loop
 * thread, cancellation racing with start, destroy with queued work), with stress runs
 * under load and allocation failure at each site. Orders that node can also produce are
 * in tests/ordering/6NN-*. */
#include "test.h"
#include "gate.h"

#include <pthread.h>
#include <semaphore.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

static void log_imm(tick_loop_t *loop, void *arg) {
  (void)loop;
  logs(arg);
}

static tick_loop_t *new_loop(unsigned flags) {
  tick_loop_t *loop;
  ASSERT_OK(tick_loop_create(&loop, flags));
  logbuf[0] = 0;
  return loop;
}

/* ------------------------------------------------------------------ posting ---- */

static void post_is_macrotask(tick_loop_t *loop, void *arg) {
  logs(arg);
  ASSERT_OK(tick_set_immediate(loop, log_imm, "imm-from-post", NULL));
  ASSERT_OK(tick_queue_microtask(loop, log_task, "micro-from-post"));
  ASSERT_OK(tick_next_tick(loop, log_task, "tick-from-post"));
}

TEST(thread_post_from_loop_thread_is_a_macrotask) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_post(loop, post_is_macrotask, "p1"));
  ASSERT_OK(tick_post(loop, log_task, "p2"));
  /* Never called back from the registering call. */
  ASSERT_STR_EQ(logbuf, "");
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  /* Each post is its own macrotask: its ticks and microtasks drain before the next post,
   * and posts (poll phase) run before the immediates they queue (check phase). */
  ASSERT_STR_EQ(logbuf, "p1 tick-from-post micro-from-post p2 imm-from-post");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_post_bad_input_and_close) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_ERR(tick_post(NULL, log_task, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_post(loop, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_post_close(NULL), TICK_EINVAL);
  ASSERT_OK(tick_post(loop, log_task, "before"));
  ASSERT_OK(tick_post_close(loop));
  ASSERT_OK(tick_post_close(loop)); /* idempotent */
  ASSERT_ERR(tick_post(loop, log_task, "after"), TICK_ECLOSING);
  /* Accepted before the close: still runs. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "before");
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_destroy_with_pending_posts_is_busy) {
  tick_loop_t *loop = new_loop(0);
  ASSERT_OK(tick_post(loop, log_task, "p"));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  /* Destroy began closing: new posts are refused, the accepted one still runs. */
  ASSERT_ERR(tick_post(loop, log_task, "late"), TICK_ECLOSING);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "p");
  ASSERT_OK(tick_loop_destroy(loop));
}

static void *close_from_other_thread(void *arg) {
  return (void *)(intptr_t)tick_post_close(arg);
}

TEST(thread_post_close_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  void *ret;
  ASSERT_EQ(pthread_create(&th, NULL, close_from_other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((intptr_t)ret, TICK_EWRONGTHREAD);
  ASSERT_OK(tick_post(loop, log_task, "still-open"));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_STR_EQ(logbuf, "still-open");
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Stress: THREADS producers post COUNT numbered posts each while the loop runs an interval
 * timer and immediates. Every post must run exactly once, each producer's in order. */
#define STRESS_THREADS 8

typedef struct stress_s {
  tick_loop_t *loop;
  size_t per_thread;
  atomic_int producers_done;
  size_t delivered;
  size_t next_seq[STRESS_THREADS];
  size_t order_errors;
  size_t timer_ticks, immediates;
  atomic_size_t refused;
  tick_timer_t timer;
} stress_t;

typedef struct producer_s {
  stress_t *s;
  unsigned index;
} producer_t;

static stress_t *the_stress; /* the test's own state; each test is its own process */

static void stress_post_count(tick_loop_t *loop, void *arg) {
  stress_t *s = the_stress;
  uintptr_t v = (uintptr_t)arg;
  unsigned th = (unsigned)(v >> 40);
  size_t seq = (size_t)(v & ((UINT64_C(1) << 40) - 1));
  (void)loop;
  if (s->next_seq[th] != seq) s->order_errors++;
  s->next_seq[th] = seq + 1;
  s->delivered++;
}

static void *producer_main(void *arg) {
  producer_t *p = arg;
  size_t i;
  for (i = 0; i < p->s->per_thread; i++) {
    uintptr_t v = ((uintptr_t)p->index << 40) | i;
    int r = tick_post(p->s->loop, stress_post_count, (void *)v);
    if (r != 0) {
      atomic_fetch_add(&p->s->refused, 1);
      break;
    }
    /* Every so often let the loop catch up and fall asleep, so the wake path (eventfd
     * write after a sleep) is exercised, not only the awake path. */
    if ((i & 0xffff) == 0xffff) usleep(200);
  }
  atomic_fetch_add(&p->s->producers_done, 1);
  return NULL;
}

static void stress_imm(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  the_stress->immediates++;
}

static void stress_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  stress_t *s = arg;
  (void)t;
  s->timer_ticks++;
  ASSERT_OK(tick_set_immediate(loop, stress_imm, NULL, NULL));
  ASSERT_OK(tick_set_immediate(loop, stress_imm, NULL, NULL));
  if (atomic_load(&s->producers_done) == STRESS_THREADS &&
      s->delivered == STRESS_THREADS * s->per_thread)
    ASSERT_OK(tick_clear_timer(loop, s->timer));
}

TEST_TIMEOUT(thread_post_stress_8_threads, 120) {
  static stress_t s;
  producer_t prod[STRESS_THREADS];
  pthread_t th[STRESS_THREADS];
  unsigned i;
  the_stress = &s;
  s.loop = new_loop(0);
  s.per_thread = slow_build() ? 100000 : 1000000;
  ASSERT_OK(tick_set_interval(s.loop, 1, stress_timer, &s, &s.timer));
  for (i = 0; i < STRESS_THREADS; i++) {
    prod[i].s = &s;
    prod[i].index = i;
    ASSERT_EQ(pthread_create(&th[i], NULL, producer_main, &prod[i]), 0);
  }
  ASSERT_EQ(tick_loop_run(s.loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < STRESS_THREADS; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_UEQ(atomic_load(&s.refused), 0);
  ASSERT_UEQ(s.delivered, STRESS_THREADS * s.per_thread);
  ASSERT_UEQ(s.order_errors, 0);
  for (i = 0; i < STRESS_THREADS; i++) ASSERT_UEQ(s.next_seq[i], s.per_thread);
  ASSERT_GT(s.timer_ticks, 0);
  ASSERT_UEQ(s.immediates, 2 * s.timer_ticks);
  ASSERT_OK(tick_loop_destroy(s.loop));
}

/* Close racing with posts: producers post until refused; the loop closes to posts after
 * a while; whatever was accepted runs exactly once, and nothing refused runs. */
typedef struct race_s {
  tick_loop_t *loop;
  atomic_size_t accepted;
  size_t delivered;
  atomic_int stop;
} race_t;

static race_t *the_race;

static void race_post(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  the_race->delivered++;
}

static void *race_producer(void *arg) {
  race_t *r = arg;
  while (!atomic_load(&r->stop)) {
    int e = tick_post(r->loop, race_post, NULL);
    if (e == TICK_ECLOSING) break;
    if (e != 0) test_fail(__FILE__, __LINE__, "tick_post: %s", tick_err_name(e));
    atomic_fetch_add(&r->accepted, 1);
  }
  return NULL;
}

static tick_timer_t race_timer;

/* Closes once the producers are well under way (under valgrind threads start late). */
static void race_close(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  if (atomic_load(&the_race->accepted) < 1000) return;
  ASSERT_OK(tick_post_close(loop));
  ASSERT_OK(tick_clear_timer(loop, race_timer));
}

TEST(thread_post_close_races_with_posts) {
  static race_t r;
  pthread_t th[4];
  unsigned i;
  the_race = &r;
  r.loop = new_loop(0);
  ASSERT_OK(tick_set_interval(r.loop, 5, race_close, NULL, &race_timer));
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_create(&th[i], NULL, race_producer, &r), 0);
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  /* Producers only stop when refused; join them, then deliver what is left. */
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_GT(atomic_load(&r.accepted), 0);
  ASSERT_UEQ(r.delivered, atomic_load(&r.accepted));
  ASSERT_OK(tick_loop_destroy(r.loop));
}

/* Destroy racing with posts: destroy itself refuses posts. An open waker guarantees that
 * this first destroy returns TICK_EBUSY (a destroy that freed the loop while producers
 * still post would be the program's bug, not tick's); the producers are joined before
 * the destroy that frees it. */
static void ignore_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (void)loop;
  (void)w;
  (void)arg;
}

TEST(thread_destroy_races_with_posts) {
  static race_t r;
  pthread_t th[4];
  tick_waker_t *w;
  unsigned i;
  the_race = &r;
  r.loop = new_loop(0);
  ASSERT_OK(tick_waker_create(r.loop, ignore_wake, NULL, &w));
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_create(&th[i], NULL, race_producer, &r), 0);
  while (atomic_load(&r.accepted) < 1000) ASSERT_GE(tick_loop_run(r.loop, TICK_RUN_NOWAIT), 0);
  ASSERT_ERR(tick_loop_destroy(r.loop), TICK_EBUSY);
  for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_ERR(tick_post(r.loop, race_post, NULL), TICK_ECLOSING);
  ASSERT_ERR(tick_waker_wake(w), TICK_ECLOSING);
  ASSERT_OK(tick_waker_close(r.loop, w));
  ASSERT_EQ(tick_loop_run(r.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(r.delivered, atomic_load(&r.accepted));
  ASSERT_OK(tick_loop_destroy(r.loop));
}

/* ------------------------------------------------------- producer queues ---- */

/* A thread-safe counting allocator (the harness's is for one thread): how many blocks
 * tick holds, to see that the queues of exited threads are given back. */
static atomic_size_t mt_live;

static void *mt_malloc(void *ctx, size_t size) {
  size_t *h = malloc(sizeof(max_align_t) + size);
  (void)ctx;
  if (h == NULL) return NULL;
  atomic_fetch_add(&mt_live, 1);
  *h = size;
  return (char *)h + sizeof(max_align_t);
}

static void *mt_realloc(void *ctx, void *ptr, size_t size) {
  char *h;
  (void)ctx;
  if (ptr == NULL) return mt_malloc(ctx, size);
  h = realloc((char *)ptr - sizeof(max_align_t), sizeof(max_align_t) + size);
  return h == NULL ? NULL : h + sizeof(max_align_t);
}

static void mt_free(void *ctx, void *ptr) {
  (void)ctx;
  if (ptr == NULL) return;
  atomic_fetch_sub(&mt_live, 1);
  free((char *)ptr - sizeof(max_align_t));
}

static void mt_install(void) {
  tick_allocator_t a = {mt_malloc, mt_realloc, mt_free, NULL};
  ASSERT_OK(tick_set_allocator(&a));
}

/* Numbered posts: (poster << 32) | seq, checked for per-poster order. */
#define SEQ_POSTERS 64

typedef struct seq_s {
  size_t next[SEQ_POSTERS];
  size_t delivered, order_errors;
} seq_t;

static seq_t *the_seq;

static void *seq_arg(unsigned poster, size_t seq) {
  return (void *)(((uintptr_t)poster << 32) | (uintptr_t)seq);
}

static void seq_post(tick_loop_t *loop, void *arg) {
  unsigned poster = (unsigned)((uintptr_t)arg >> 32);
  size_t seq = (size_t)((uintptr_t)arg & 0xffffffffu);
  (void)loop;
  if (the_seq->next[poster] != seq) the_seq->order_errors++;
  the_seq->next[poster] = seq + 1;
  the_seq->delivered++;
}

typedef struct poster_s {
  tick_loop_t *loop;
  unsigned index;
  size_t count;
} poster_t;

static void *post_some(void *arg) {
  poster_t *p = arg;
  size_t i;
  for (i = 0; i < p->count; i++) ASSERT_OK(tick_post(p->loop, seq_post, seq_arg(p->index, i)));
  return NULL;
}

/* Threads that post a few times and exit: each one's queue is freed once it is drained,
 * so the loop's memory does not grow with the number of threads that ever posted. */
TEST(thread_post_short_lived_threads_are_reclaimed) {
  static seq_t sq;
  tick_loop_t *loop;
  poster_t p[4];
  pthread_t th[4];
  size_t base, rounds = slow_build() ? 25 : 250, round, total = 0;
  unsigned i;
  the_seq = &sq;
  mt_install();
  loop = new_loop(0);
  base = atomic_load(&mt_live);
  for (round = 0; round < rounds; round++) {
    for (i = 0; i < 4; i++) {
      p[i].loop = loop;
      p[i].index = i;
      p[i].count = 3 + i * 700; /* the last ones cross a block boundary */
      sq.next[i] = 0;
      ASSERT_EQ(pthread_create(&th[i], NULL, post_some, &p[i]), 0);
      total += p[i].count;
    }
    for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
    /* The threads have exited: one poll phase runs their posts and frees their queues. */
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 0);
    ASSERT_UEQ(sq.delivered, total);
    ASSERT_UEQ(atomic_load(&mt_live), base);
  }
  ASSERT_UEQ(sq.order_errors, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_UEQ(atomic_load(&mt_live), 0);
}

/* One thread posting to two loops (run by this thread in turn): a queue per loop, each
 * loop gets exactly its own posts, in order. */
typedef struct two_s {
  tick_loop_t *loops[2];
  size_t count;
  atomic_int done;
} two_t;

static void *post_to_two(void *arg) {
  two_t *t = arg;
  size_t i;
  for (i = 0; i < t->count; i++) {
    ASSERT_OK(tick_post(t->loops[i & 1], seq_post, seq_arg((unsigned)(i & 1), i >> 1)));
    if ((i & 0x3ff) == 0) usleep(100);
  }
  atomic_store(&t->done, 1);
  return NULL;
}

TEST(thread_post_one_thread_two_loops) {
  static seq_t sq;
  static two_t t;
  pthread_t th;
  the_seq = &sq;
  t.loops[0] = new_loop(0);
  t.loops[1] = new_loop(0);
  t.count = slow_build() ? 20000 : 200000;
  ASSERT_EQ(pthread_create(&th, NULL, post_to_two, &t), 0);
  while (!atomic_load(&t.done) || sq.delivered != t.count) {
    ASSERT_GE(tick_loop_run(t.loops[0], TICK_RUN_NOWAIT), 0);
    ASSERT_GE(tick_loop_run(t.loops[1], TICK_RUN_NOWAIT), 0);
    ASSERT_LE(sq.delivered, t.count);
  }
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_UEQ(sq.next[0], t.count / 2);
  ASSERT_UEQ(sq.next[1], t.count / 2);
  ASSERT_UEQ(sq.order_errors, 0);
  ASSERT_OK(tick_loop_destroy(t.loops[0]));
  ASSERT_OK(tick_loop_destroy(t.loops[1]));
}

/* A loop destroyed and another created while a thread that posted to the first keeps
 * running and posts to the second: the thread's value under the first loop's (deleted)
 * key must never be taken for the second loop's queue, although the new key usually
 * reuses the old one's slot. Under ASan a stale queue is a use after free. */
typedef struct relay_s {
  _Atomic(tick_loop_t *) loop; /* the loop of round `round` */
  atomic_int round;            /* set after `loop`: post per_round times to it */
  atomic_int round_posted;     /* last round whose posts were all made */
  atomic_int stop;
  size_t per_round;
} relay_t;

static void *relay_poster(void *arg) {
  relay_t *r = arg;
  int done = 0;
  while (!atomic_load(&r->stop)) {
    int want = atomic_load(&r->round);
    tick_loop_t *loop;
    size_t i;
    if (want == done) {
      sched_yield();
      continue;
    }
    loop = atomic_load(&r->loop);
    for (i = 0; i < r->per_round; i++) ASSERT_OK(tick_post(loop, seq_post, seq_arg(0, i)));
    done = want;
    atomic_store(&r->round_posted, done);
  }
  return NULL;
}

TEST(thread_post_loop_recreated_while_thread_posts) {
  static seq_t sq;
  static relay_t r;
  pthread_t th;
  int round, rounds = slow_build() ? 10 : 50;
  the_seq = &sq;
  r.per_round = 1500; /* more than a block */
  ASSERT_EQ(pthread_create(&th, NULL, relay_poster, &r), 0);
  for (round = 1; round <= rounds; round++) {
    tick_loop_t *loop = new_loop(0);
    memset(&sq, 0, sizeof(sq));
    atomic_store(&r.loop, loop);
    atomic_store(&r.round, round);
    while (atomic_load(&r.round_posted) != round || sq.delivered != r.per_round)
      ASSERT_GE(tick_loop_run(loop, TICK_RUN_NOWAIT), 0);
    /* The thread is alive, has a queue on this loop, and posts no more to it. */
    ASSERT_UEQ(sq.order_errors, 0);
    ASSERT_OK(tick_loop_destroy(loop));
  }
  atomic_store(&r.stop, 1);
  ASSERT_EQ(pthread_join(th, NULL), 0);
}

/* FIFO across block boundaries, with the loop catching up in the middle of blocks (so
 * spent blocks are handed back and reused) and falling behind by several blocks. */
typedef struct fifo_s {
  tick_loop_t *loop;
  size_t count;
  atomic_int done;
} fifo_t;

static void *fifo_poster(void *arg) {
  fifo_t *f = arg;
  size_t i;
  for (i = 0; i < f->count; i++) {
    ASSERT_OK(tick_post(f->loop, seq_post, seq_arg(1, i)));
    if (i % 1500 == 700) usleep(300); /* let the loop catch up inside a block */
  }
  atomic_store(&f->done, 1);
  return NULL;
}

TEST(thread_post_fifo_across_blocks) {
  static seq_t sq;
  static fifo_t f;
  pthread_t th;
  size_t i;
  the_seq = &sq;
  f.loop = new_loop(0);
  f.count = slow_build() ? 30000 : 300000;
  /* The loop thread's own queue first: ten blocks and a bit, then run. */
  for (i = 0; i < 10 * 1023 + 7; i++) ASSERT_OK(tick_post(f.loop, seq_post, seq_arg(0, i)));
  ASSERT_EQ(tick_loop_run(f.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(sq.next[0], 10 * 1023 + 7);
  ASSERT_EQ(pthread_create(&th, NULL, fifo_poster, &f), 0);
  while (!atomic_load(&f.done) || sq.next[1] != f.count)
    ASSERT_GE(tick_loop_run(f.loop, TICK_RUN_ONCE), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_UEQ(sq.order_errors, 0);
  ASSERT_OK(tick_loop_destroy(f.loop));
}

/* Posts racing close, many times over: each producer numbers its posts; what it was told
 * was accepted is exactly what runs (a prefix of its numbers, in order), and nothing it
 * was refused runs. The close comes at a different moment in each round. */
typedef struct close_race_s {
  tick_loop_t *loop;
  atomic_size_t accepted[4];
} close_race_t;

static close_race_t *the_close_race;

static void *close_race_poster(void *arg) {
  unsigned index = (unsigned)(uintptr_t)arg;
  close_race_t *c = the_close_race;
  int slow = slow_build();
  size_t i;
  for (i = 0;; i++) {
    int e = tick_post(c->loop, seq_post, seq_arg(index, i));
    if (e == TICK_ECLOSING) break;
    ASSERT_OK(e);
    atomic_store(&c->accepted[index], i + 1);
    /* Under a tool that runs one thread at a time, a poster that never yields can keep
     * the loop thread waiting for its turn while millions of posts pile up. */
    if (slow && (i & 63) == 63) sched_yield();
  }
  /* Refused for good: the next call is refused too. */
  ASSERT_ERR(tick_post(c->loop, seq_post, seq_arg(index, i)), TICK_ECLOSING);
  return NULL;
}

TEST(thread_post_close_races_every_post_once) {
  static seq_t sq;
  static close_race_t c;
  /* Under valgrind a round costs about a minute (four threads post without pause while
   * the tool runs one thread at a time): four rounds still close twice each way. */
  int round, rounds = slow_build() ? 4 : 40;
  the_close_race = &c;
  the_seq = &sq;
  for (round = 0; round < rounds; round++) {
    pthread_t th[4];
    unsigned i;
    size_t want = 0, at = (size_t)(round % 8) * 300;
    tick_waker_t *w;
    memset(&sq, 0, sizeof(sq));
    c.loop = new_loop(0);
    /* Keeps the destroy of odd rounds busy: freeing a loop that threads still post to
     * would be the test's bug (see thread_destroy_races_with_posts). */
    ASSERT_OK(tick_waker_create(c.loop, ignore_wake, NULL, &w));
    for (i = 0; i < 4; i++) atomic_store(&c.accepted[i], 0);
    for (i = 0; i < 4; i++)
      ASSERT_EQ(pthread_create(&th[i], NULL, close_race_poster, (void *)(uintptr_t)i), 0);
    while (sq.delivered < at) ASSERT_GE(tick_loop_run(c.loop, TICK_RUN_NOWAIT), 0);
    /* Odd rounds close through destroy (busy: posts are pending or may be). */
    if (round & 1)
      ASSERT_ERR(tick_loop_destroy(c.loop), TICK_EBUSY);
    else
      ASSERT_OK(tick_post_close(c.loop));
    for (i = 0; i < 4; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
    ASSERT_OK(tick_waker_close(c.loop, w));
    ASSERT_EQ(tick_loop_run(c.loop, TICK_RUN_DEFAULT), 0);
    for (i = 0; i < 4; i++) {
      ASSERT_UEQ(sq.next[i], atomic_load(&c.accepted[i]));
      want += atomic_load(&c.accepted[i]);
    }
    ASSERT_UEQ(sq.delivered, want);
    ASSERT_UEQ(sq.order_errors, 0);
    ASSERT_OK(tick_loop_destroy(c.loop));
  }
}

/* A loop that could not get a pthread key (the process used them all) takes the locked
 * queue for every post, with the same guarantees. */
TEST(thread_post_without_a_pthread_key) {
  static seq_t sq;
  static pthread_key_t keys[4096];
  size_t nkeys = 0, i;
  poster_t p[2];
  pthread_t th[2];
  tick_loop_t *loop;
  the_seq = &sq;
  while (nkeys < sizeof(keys) / sizeof(keys[0]) && pthread_key_create(&keys[nkeys], NULL) == 0) nkeys++;
  ASSERT_LT(nkeys, sizeof(keys) / sizeof(keys[0]));
  loop = new_loop(0);
  for (i = 0; i < 2; i++) {
    p[i].loop = loop;
    p[i].index = (unsigned)i;
    p[i].count = 5000;
    ASSERT_EQ(pthread_create(&th[i], NULL, post_some, &p[i]), 0);
  }
  for (i = 0; i < 2; i++) ASSERT_EQ(pthread_join(th[i], NULL), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(sq.delivered, 10000);
  ASSERT_UEQ(sq.order_errors, 0);
  ASSERT_OK(tick_post_close(loop));
  ASSERT_ERR(tick_post(loop, seq_post, NULL), TICK_ECLOSING);
  ASSERT_OK(tick_loop_destroy(loop));
  for (i = 0; i < nkeys; i++) ASSERT_EQ(pthread_key_delete(keys[i]), 0);
}

/* A thread that posted and outlives the loop: destroy frees the queue's blocks and leaves
 * its header to the thread, whose exit frees it; nothing is touched after it is freed
 * (ASan, valgrind) and nothing leaks. */
typedef struct outlive_s {
  tick_loop_t *loop;
  sem_t posted, release;
} outlive_t;

static void *post_then_wait(void *arg) {
  outlive_t *o = arg;
  ASSERT_OK(tick_post(o->loop, seq_post, seq_arg(0, 0)));
  sem_post(&o->posted);
  sem_wait(&o->release);
  return NULL;
}

TEST(thread_post_thread_outlives_loop) {
  static seq_t sq;
  static outlive_t o;
  pthread_t th;
  the_seq = &sq;
  mt_install();
  o.loop = new_loop(0);
  ASSERT_EQ(sem_init(&o.posted, 0, 0), 0);
  ASSERT_EQ(sem_init(&o.release, 0, 0), 0);
  ASSERT_EQ(pthread_create(&th, NULL, post_then_wait, &o), 0);
  sem_wait(&o.posted);
  ASSERT_EQ(tick_loop_run(o.loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(sq.delivered, 1);
  ASSERT_OK(tick_loop_destroy(o.loop));
  ASSERT(atomic_load(&mt_live) > 0); /* the header, until the thread exits */
  sem_post(&o.release);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_UEQ(atomic_load(&mt_live), 0);
  sem_destroy(&o.posted);
  sem_destroy(&o.release);
}

/* The thread exits while the loop is being destroyed (it posted, the loop ran the post and
 * is destroyed at once, the thread is joined afterwards): whichever of the two lets go of
 * the queue last frees it, once. */
static void *post_once(void *arg) {
  ASSERT_OK(tick_post(arg, seq_post, seq_arg(0, 0)));
  return NULL;
}

TEST(thread_post_thread_exits_during_destroy) {
  static seq_t sq;
  int round, rounds = slow_build() ? 30 : 300;
  the_seq = &sq;
  mt_install();
  for (round = 0; round < rounds; round++) {
    tick_loop_t *loop = new_loop(0);
    pthread_t th;
    sq.next[0] = 0;
    sq.delivered = 0;
    ASSERT_EQ(pthread_create(&th, NULL, post_once, loop), 0);
    while (sq.delivered == 0) ASSERT(tick_loop_run(loop, TICK_RUN_ONCE) >= 0);
    ASSERT_OK(tick_loop_destroy(loop));
    ASSERT_EQ(pthread_join(th, NULL), 0);
  }
  ASSERT_UEQ(atomic_load(&mt_live), 0);
}

/* A loop thread that posts to its own loop takes its queue back at destroy, so the loop's
 * pthread key is deleted: creating many such loops uses up no keys. */
static void nop_post(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
}

TEST(thread_post_own_loop_releases_its_key) {
  static pthread_key_t keys[4096];
  size_t nkeys = 0, i;
  for (i = 0; i < 1500; i++) {
    tick_loop_t *loop = new_loop(0);
    ASSERT_OK(tick_post(loop, nop_post, NULL));
    ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
    ASSERT_OK(tick_loop_destroy(loop));
  }
  while (nkeys < sizeof(keys) / sizeof(keys[0]) && pthread_key_create(&keys[nkeys], NULL) == 0) nkeys++;
  ASSERT(nkeys >= 900); /* PTHREAD_KEYS_MAX is 1024; the runner and libc hold a few */
  for (i = 0; i < nkeys; i++) ASSERT_EQ(pthread_key_delete(keys[i]), 0);
}

/* ------------------------------------------------------------------- wakers ---- */

typedef struct wake_s {
  size_t calls;
  atomic_int thread_done;
  tick_waker_t *waker;
} wake_t;

static void wake_cb(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  wake_t *s = arg;
  (void)loop;
  (void)w;
  s->calls++;
}

/* Posted by the waking thread after its last wake: a waker may be closed only once no
 * thread can still be inside tick_waker_wake on it. */
static void close_waker_task(tick_loop_t *loop, void *arg) {
  wake_t *s = arg;
  ASSERT_OK(tick_waker_close(loop, s->waker));
}

static tick_loop_t *tick_waker_loop_for_test;

static void *waking_thread(void *arg) {
  wake_t *s = arg;
  int i;
  for (i = 0; i < 1000; i++) {
    ASSERT_OK(tick_waker_wake(s->waker));
    if (i % 100 == 0) usleep(1000);
  }
  ASSERT_OK(tick_waker_wake(s->waker));
  atomic_store(&s->thread_done, 1);
  ASSERT_OK(tick_post(tick_waker_loop_for_test, close_waker_task, s));
  return NULL;
}

TEST(thread_waker_coalesces_and_keeps_alive) {
  tick_loop_t *loop = new_loop(0);
  static wake_t s;
  pthread_t th;
  ASSERT_ERR(tick_waker_create(loop, NULL, NULL, &s.waker), TICK_EINVAL);
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &s.waker));
  ASSERT_ERR(tick_waker_wake(NULL), TICK_EINVAL);
  /* An open waker keeps the loop alive and makes destroy busy. */
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_OK(tick_waker_wake(s.waker));
  ASSERT_OK(tick_waker_wake(s.waker));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 1);
  ASSERT_UEQ(s.calls, 1); /* two wakes, one call */
  tick_waker_loop_for_test = loop;
  ASSERT_EQ(pthread_create(&th, NULL, waking_thread, &s), 0);
  /* Runs until the thread's post closes the waker after its last wake. */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(pthread_join(th, NULL), 0);
  ASSERT_EQ(atomic_load(&s.thread_done), 1);
  ASSERT_GE(s.calls, 2);
  ASSERT_LE(s.calls, 1002);
  ASSERT_OK(tick_loop_destroy(loop));
}

TEST(thread_waker_close_with_wake_in_flight) {
  tick_loop_t *loop = new_loop(0);
  tick_waker_t *w;
  static wake_t s;
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &w));
  ASSERT_OK(tick_waker_wake(w));
  ASSERT_OK(tick_waker_close(loop, w)); /* the pending wake frees it, without a call */
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(s.calls, 0);
  ASSERT_OK(tick_waker_close(loop, NULL));
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------- allocation failure ---- */

static void quiet_wake(tick_loop_t *loop, tick_waker_t *w, void *arg) {
  (*(size_t *)arg)++;
  ASSERT_OK(tick_waker_close(loop, w));
}

/* Posts carry their number: they must run in order even when a failed registration sent
 * some of them to the locked queue and later ones to the thread's own queue. */
static size_t alloc_next, alloc_order_errors;

static void quiet_in_order(tick_loop_t *loop, void *arg) {
  (void)loop;
  if ((uintptr_t)arg != alloc_next) alloc_order_errors++;
  alloc_next = (uintptr_t)arg + 1;
}

static int post_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_waker_t *w = NULL;
  size_t accepted = 0, woke = 0;
  int r, i;
  (void)arg;
  alloc_next = alloc_order_errors = 0;
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  /* Enough posts to make the queue grow past four blocks. A post refused for lack of
   * memory is retried once (the harness fails one allocation only): the retry may take
   * the other queue, and the order must hold across both. */
  for (i = 0; i < 5000; i++) {
    r = tick_post(loop, quiet_in_order, (void *)(uintptr_t)accepted);
    if (r == TICK_ENOMEM) r = tick_post(loop, quiet_in_order, (void *)(uintptr_t)accepted);
    if (r != 0) break;
    accepted++;
  }
  if (r == 0) {
    r = tick_waker_create(loop, quiet_wake, &woke, &w);
    if (r == 0) ASSERT_OK(tick_waker_wake(w));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(alloc_next, accepted);
  ASSERT_UEQ(alloc_order_errors, 0);
  ASSERT_UEQ(woke, w != NULL ? 1 : 0);
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

TEST(thread_post_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(post_alloc_scenario, NULL);
  /* loop, inbox, the thread's queue, its first and later blocks, the locked queue's
   * block (when the queue could not be made), waker */
  ASSERT_GE(sites, 8);
}

/* --------------------------------------------------------------- thread pool ---- */

typedef struct jobs_s {
  pthread_t loop_thread;
  atomic_size_t worked;
  size_t done_ok, done_cancelled, done_wrong_thread;
} jobs_t;

static jobs_t *the_jobs;

static void count_work(void *arg) {
  (void)arg;
  atomic_fetch_add(&the_jobs->worked, 1);
}

static void count_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  (void)arg;
  if (!pthread_equal(pthread_self(), the_jobs->loop_thread)) the_jobs->done_wrong_thread++;
  if (status == 0)
    the_jobs->done_ok++;
  else if (status == TICK_ECANCELED)
    the_jobs->done_cancelled++;
  else
    test_fail(__FILE__, __LINE__, "done status %s", tick_err_name(status));
}

static jobs_t *new_jobs(void) {
  static jobs_t j;
  memset(&j, 0, sizeof(j));
  j.loop_thread = pthread_self();
  the_jobs = &j;
  return &j;
}

static void nop_work_(void *arg) { (void)arg; }

TEST(thread_pool_done_on_loop_thread) {
  tick_loop_t *loop = new_loop(0);
  tick_pool_t *pool;
  jobs_t *j = new_jobs();
  tick_work_t id;
  int i;
  ASSERT_OK(tick_pool_create(&pool, 3));
  ASSERT_EQ(tick_pool_threads(pool), 3);
  for (i = 0; i < 1000; i++) ASSERT_OK(tick_work_queue(loop, pool, count_work, count_done, NULL, &id));
  ASSERT_NE(id.id, 0);
  ASSERT_UEQ(j->done_ok, 0); /* never from inside the queueing call */
  ASSERT_EQ(tick_loop_alive(loop), 1);
  ASSERT_ERR(tick_pool_destroy(pool), TICK_EBUSY);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(atomic_load(&j->worked), 1000);
  ASSERT_UEQ(j->done_ok, 1000);
  ASSERT_UEQ(j->done_wrong_thread, 0);
  ASSERT_ERR(tick_work_cancel(loop, id), TICK_ESTALE); /* done ran */
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  ASSERT_OK(tick_pool_destroy(NULL));
}

/* One job at a time, each queued from the previous done: the loop sleeps and is woken
 * for every completion, the path where a lost wake-up would hang. */
typedef struct chain_s {
  tick_pool_t *pool;
  size_t left, done;
} chain_t;

static void chain_done(tick_loop_t *loop, int status, void *arg) {
  chain_t *c = arg;
  ASSERT_OK(status);
  c->done++;
  if (--c->left > 0) ASSERT_OK(tick_work_queue(loop, c->pool, nop_work_, chain_done, c, NULL));
}

TEST(thread_pool_round_trips_one_at_a_time) {
  tick_loop_t *loop = new_loop(0);
  static chain_t c;
  size_t n = slow_build() ? 5000 : 20000;
  ASSERT_OK(tick_pool_create(&c.pool, 4));
  c.left = n;
  ASSERT_OK(tick_work_queue(loop, c.pool, nop_work_, chain_done, &c, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(c.done, n);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(c.pool));
}

TEST(thread_pool_bad_input) {
  tick_loop_t *loop = new_loop(0);
  tick_pool_t *pool;
  tick_work_t none = {0};
  ASSERT_ERR(tick_pool_create(NULL, 1), TICK_EINVAL);
  ASSERT_ERR(tick_pool_create(&pool, 5000), TICK_EINVAL);
  ASSERT_OK(tick_pool_create(&pool, 0));
  ASSERT_GE(tick_pool_threads(pool), 1);
  ASSERT_EQ(tick_pool_threads(NULL), 0);
  ASSERT_ERR(tick_work_queue(NULL, pool, count_work, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_work_queue(loop, pool, NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_work_cancel(loop, none), TICK_ESTALE);
  ASSERT_ERR(tick_work_cancel(NULL, none), TICK_EINVAL);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* A job that holds its worker until released: gate_t, gate_work, wait_started (gate.h). */

TEST(thread_pool_cancel_before_start) {
  tick_loop_t *loop = new_loop(0);
  tick_pool_t *pool;
  jobs_t *j = new_jobs();
  static gate_t g;
  tick_work_t a, b, c;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_work_queue(loop, pool, gate_work, count_done, &g, &a));
  ASSERT_OK(tick_work_queue(loop, pool, count_work, count_done, NULL, &b));
  ASSERT_OK(tick_work_queue(loop, pool, count_work, count_done, NULL, &c));
  wait_started(&g);
  ASSERT_ERR(tick_work_cancel(loop, a), TICK_EBUSY); /* running */
  ASSERT_OK(tick_work_cancel(loop, b));
  ASSERT_ERR(tick_work_cancel(loop, b), TICK_ESTALE); /* already cancelled */
  ASSERT_UEQ(j->done_cancelled, 0); /* reported later, not from cancel */
  atomic_store(&g.release, 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(j->done_cancelled, 1);
  ASSERT_UEQ(j->done_ok, 2);
  ASSERT_UEQ(atomic_load(&j->worked), 1); /* c ran, b never did */
  ASSERT_ERR(tick_work_cancel(loop, b), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* A few jobs queued inside a callback are handed to the pool when the macrotask ends (its
 * drain), all at once: not before, so a job queued by a callback that then waits does
 * not start during that callback (below the batch size, 256); and before the loop blocks,
 * so a loop with nothing else to wait for still sees every job through. */
typedef struct batch_s {
  tick_pool_t *pool;
  tick_work_t ids[8];
  int started_in_callback, queued;
  int cancel_result;
} batch_t;

static void batch_queue_and_wait(tick_loop_t *loop, void *arg) {
  batch_t *b = arg;
  int i;
  for (i = 0; i < 8; i++)
    ASSERT_OK(tick_work_queue(loop, b->pool, count_work, count_done, NULL, &b->ids[i]));
  b->queued = 8;
  usleep(20000); /* idle workers would have taken them by now if they were queued */
  b->started_in_callback = (int)atomic_load(&the_jobs->worked);
  /* A batched job is cancelled without reaching the pool. */
  b->cancel_result = tick_work_cancel(loop, b->ids[3]);
}

TEST(thread_pool_jobs_queued_in_a_callback_start_after_it) {
  tick_loop_t *loop = new_loop(0);
  jobs_t *j = new_jobs();
  static batch_t b;
  memset(&b, 0, sizeof(b));
  ASSERT_OK(tick_pool_create(&b.pool, 2));
  ASSERT_OK(tick_set_immediate(loop, batch_queue_and_wait, &b, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(b.started_in_callback, 0);
  ASSERT_OK(b.cancel_result);
  ASSERT_UEQ(atomic_load(&j->worked), 7);
  ASSERT_UEQ(j->done_ok, 7);
  ASSERT_UEQ(j->done_cancelled, 1);
  ASSERT_UEQ(j->done_wrong_thread, 0);
  ASSERT_ERR(tick_work_cancel(loop, b.ids[3]), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(b.pool));
}

/* Bursts of 300 from done callbacks and microtasks, 280 to one pool (a full batch is
 * handed over at 256) then 20 to another (the change of pool hands the batch over):
 * every job runs once and is reported once. */
typedef struct burst_s {
  tick_pool_t *pools[2];
  int rounds;
} burst_t;

static burst_t the_burst;

static void burst_done(tick_loop_t *loop, int status, void *arg);

static void burst_queue(tick_loop_t *loop, void *arg) {
  int i;
  (void)arg;
  for (i = 0; i < 300; i++)
    ASSERT_OK(tick_work_queue(loop, the_burst.pools[(i / 280) & 1], count_work, burst_done,
                              (void *)(intptr_t)(i == 0), NULL));
}

static void burst_done(tick_loop_t *loop, int status, void *arg) {
  count_done(loop, status, NULL);
  if (arg != NULL && --the_burst.rounds > 0) {
    if (the_burst.rounds % 2)
      burst_queue(loop, NULL);
    else
      ASSERT_OK(tick_queue_microtask(loop, burst_queue, NULL));
  }
}

TEST(thread_pool_bursts_from_callbacks_run_once) {
  tick_loop_t *loop = new_loop(0);
  jobs_t *j = new_jobs();
  ASSERT_OK(tick_pool_create(&the_burst.pools[0], 2));
  ASSERT_OK(tick_pool_create(&the_burst.pools[1], 1));
  the_burst.rounds = 50;
  ASSERT_OK(tick_next_tick(loop, burst_queue, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(atomic_load(&j->worked), 15000);
  ASSERT_UEQ(j->done_ok, 15000);
  ASSERT_UEQ(j->done_cancelled, 0);
  ASSERT_UEQ(j->done_wrong_thread, 0);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(the_burst.pools[0]));
  ASSERT_OK(tick_pool_destroy(the_burst.pools[1]));
}

/* Cancel racing with start: each job is cancelled right after it is queued, while two
 * workers take jobs as fast as they can. Each is either cancelled (work never runs, done
 * gets ECANCELED) or started (cancel says EBUSY, done gets 0): never both, never lost. */
static void race_work(void *arg) {
  atomic_fetch_add((atomic_int *)arg, 1);
}

typedef struct race_job_s {
  atomic_int ran;
  int cancel_result;
  int status; /* 1 done ok, 2 done cancelled */
  int done_calls;
} race_job_t;

static void race_job_done(tick_loop_t *loop, int status, void *arg) {
  race_job_t *rj = arg;
  (void)loop;
  rj->done_calls++;
  rj->status = status == 0 ? 1 : status == TICK_ECANCELED ? 2 : 3;
}

TEST(thread_pool_cancel_races_with_start) {
  tick_loop_t *loop = new_loop(0);
  tick_pool_t *pool;
  size_t n = slow_build() ? 2000 : 20000, i, cancelled = 0, started = 0;
  race_job_t *jobs = calloc(n, sizeof(*jobs));
  ASSERT(jobs != NULL);
  ASSERT_OK(tick_pool_create(&pool, 2));
  for (i = 0; i < n; i++) {
    tick_work_t id;
    ASSERT_OK(tick_work_queue(loop, pool, race_work, race_job_done, &jobs[i].ran, &id));
    jobs[i].cancel_result = tick_work_cancel(loop, id);
    if (i % 64 == 0) ASSERT_GE(tick_loop_run(loop, TICK_RUN_NOWAIT), 0);
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) {
    ASSERT_EQ(jobs[i].done_calls, 1);
    if (jobs[i].cancel_result == 0) {
      ASSERT_EQ(jobs[i].status, 2);
      ASSERT_EQ(atomic_load(&jobs[i].ran), 0);
      cancelled++;
    } else {
      ASSERT_ERR(jobs[i].cancel_result, TICK_EBUSY);
      ASSERT_EQ(jobs[i].status, 1);
      ASSERT_EQ(atomic_load(&jobs[i].ran), 1);
      started++;
    }
  }
  ASSERT_UEQ(cancelled + started, n);
  ASSERT_GT(cancelled, 0);
  free(jobs);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* Loop destroy with queued work: each queued job's done gets ECANCELED before destroy
 * returns. A job running on the shared pool for another loop holds the only worker. */
TEST(thread_pool_destroy_cancels_queued_work) {
  tick_loop_t *loop = new_loop(0), *other = new_loop(0);
  tick_pool_t *pool;
  jobs_t *j = new_jobs();
  static gate_t g;
  int i;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_work_queue(other, pool, gate_work, NULL, &g, NULL));
  wait_started(&g);
  for (i = 0; i < 100; i++) ASSERT_OK(tick_work_queue(loop, pool, count_work, count_done, NULL, NULL));
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_UEQ(j->done_cancelled, 100);
  ASSERT_UEQ(atomic_load(&j->worked), 0);
  /* The other loop's job is running: its destroy is busy until it is delivered. */
  ASSERT_ERR(tick_loop_destroy(other), TICK_EBUSY);
  ASSERT_ERR(tick_work_queue(other, pool, count_work, NULL, NULL, NULL), TICK_ECLOSING);
  atomic_store(&g.release, 1);
  ASSERT_EQ(tick_loop_run(other, TICK_RUN_DEFAULT), 0);
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_pool_destroy(pool));
}

static void *queue_from_other_thread(void *arg) {
  tick_loop_t *loop = arg;
  tick_work_t none = {0};
  if (tick_work_cancel(loop, none) != TICK_EWRONGTHREAD) return (void *)1;
  return (void *)(intptr_t)tick_work_queue(loop, (tick_pool_t *)(void *)loop, count_work,
                                           NULL, NULL, NULL);
}

TEST(thread_pool_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  void *ret;
  ASSERT_EQ(pthread_create(&th, NULL, queue_from_other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((intptr_t)ret, TICK_EWRONGTHREAD);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* Jobs and posts together under load, with timers: every done runs once. */
static void post_and_count(void *arg) {
  (void)arg;
  atomic_fetch_add(&the_jobs->worked, 1);
}

static size_t pool_timers, pool_imms;

static void stress_pool_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  pool_timers++;
}

static void stress_pool_imm(tick_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  pool_imms++;
}

TEST_TIMEOUT(thread_pool_stress_with_timers, 120) {
  tick_loop_t *loop = new_loop(0);
  tick_pool_t *pool;
  jobs_t *j = new_jobs();
  size_t n = slow_build() ? 20000 : 200000, i;
  ASSERT_OK(tick_pool_create(&pool, 4));
  for (i = 0; i < n; i++) {
    ASSERT_OK(tick_work_queue(loop, pool, post_and_count, count_done, NULL, NULL));
    if (i % 1000 == 0) {
      ASSERT_OK(tick_set_timeout(loop, 1, stress_pool_timer, NULL, NULL));
      ASSERT_OK(tick_set_immediate(loop, stress_pool_imm, NULL, NULL));
      ASSERT_GE(tick_loop_run(loop, TICK_RUN_NOWAIT), 0);
    }
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(j->done_ok, n);
  ASSERT_UEQ(atomic_load(&j->worked), n);
  ASSERT_UEQ(pool_timers, (n + 999) / 1000);
  ASSERT_UEQ(pool_imms, (n + 999) / 1000);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

/* ------------------------------------------------- pool allocation failure ---- */

static void quiet_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  if (status == 0) (*(size_t *)arg)++;
}

static void nop_work(void *arg) { (void)arg; }

static int pool_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_pool_t *pool;
  size_t accepted = 0, ran = 0;
  int r, i;
  (void)arg;
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  r = tick_pool_create(&pool, 2);
  if (r != 0) {
    ASSERT_OK(tick_loop_destroy(loop));
    return r;
  }
  for (i = 0; i < 200; i++) { /* several chunks of job records */
    r = tick_work_queue(loop, pool, nop_work, quiet_done, &ran, NULL);
    if (r != 0) break;
    accepted++;
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(ran, accepted);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  return r;
}

TEST(thread_pool_alloc_failure_each_site) {
  size_t sites;
  test_alloc_install();
  sites = test_alloc_each_failure(pool_alloc_scenario, NULL);
  ASSERT_GE(sites, 6); /* loop, inbox, pool, threads array, module state, chunks */
}

/* The loop's pool: set once before use, or created on first use and freed with the loop. */
TEST(thread_loop_pool_owned_and_given) {
  tick_loop_t *loop = new_loop(0), *loop2 = new_loop(0);
  tick_pool_t *pool, *got, *got2, *mine;
  jobs_t *j = new_jobs();
  ASSERT_ERR(tick_loop_pool(NULL, &got), TICK_EINVAL);
  ASSERT_ERR(tick_loop_pool(loop, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_loop_set_pool(loop, NULL), TICK_EINVAL);
  /* Owned: created on first use, the same pool afterwards, freed by loop destroy
   * (valgrind and ASan see a leak otherwise). */
  ASSERT_OK(tick_loop_pool(loop, &got));
  ASSERT_OK(tick_loop_pool(loop, &got2));
  ASSERT_EQ(got == got2, 1);
  ASSERT_GE(tick_pool_threads(got), 1);
  ASSERT_ERR(tick_loop_set_pool(loop, got), TICK_EBUSY);
  ASSERT_OK(tick_work_queue(loop, got, count_work, count_done, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(j->done_ok, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  /* Given: the loop uses it and leaves it alone at destroy. */
  ASSERT_OK(tick_pool_create(&mine, 2));
  ASSERT_OK(tick_loop_set_pool(loop2, mine));
  ASSERT_OK(tick_loop_pool(loop2, &pool));
  ASSERT_EQ(pool == mine, 1);
  ASSERT_OK(tick_loop_destroy(loop2));
  ASSERT_OK(tick_pool_destroy(mine));
}

static void *loop_pool_from_other_thread(void *arg) {
  tick_pool_t *p;
  int a = tick_loop_pool(arg, &p), b = tick_loop_set_pool(arg, (tick_pool_t *)arg);
  return (void *)(intptr_t)(a == TICK_EWRONGTHREAD && b == TICK_EWRONGTHREAD ? 0 : -1);
}

TEST(thread_loop_pool_wrong_thread) {
  tick_loop_t *loop = new_loop(0);
  pthread_t th;
  void *ret;
  ASSERT_EQ(pthread_create(&th, NULL, loop_pool_from_other_thread, loop), 0);
  ASSERT_EQ(pthread_join(th, &ret), 0);
  ASSERT_EQ((intptr_t)ret, 0);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* A NULL pool is the loop's pool, as for tick_work_promise and the parallel forms: the job
 * runs there, and the pool tick_loop_pool returns afterwards is the same one. */
TEST(thread_work_queue_null_pool_is_the_loops) {
  tick_loop_t *loop = new_loop(0), *loop2 = new_loop(0);
  jobs_t *j = new_jobs();
  tick_pool_t *mine, *got;
  tick_work_t id = {0};
  int i;
  for (i = 0; i < 10; i++) ASSERT_OK(tick_work_queue(loop, NULL, count_work, count_done, NULL, &id));
  ASSERT_NE((int)(id.id != 0), 0);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(atomic_load(&j->worked), 10);
  ASSERT_UEQ(j->done_ok, 10);
  ASSERT_EQ(j->done_wrong_thread, 0);
  ASSERT_OK(tick_loop_pool(loop, &got));
  ASSERT_ERR(tick_loop_set_pool(loop, got), TICK_EBUSY); /* the NULL pool was a first use */
  ASSERT_OK(tick_loop_destroy(loop));
  /* A pool given to the loop is the one a NULL pool names. */
  ASSERT_OK(tick_pool_create(&mine, 1));
  ASSERT_OK(tick_loop_set_pool(loop2, mine));
  ASSERT_OK(tick_work_queue(loop2, NULL, count_work, count_done, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop2, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(j->done_ok, 11);
  ASSERT_OK(tick_post_close(loop2));
  ASSERT_ERR(tick_work_queue(loop2, NULL, count_work, NULL, NULL, NULL), TICK_ECLOSING);
  ASSERT_ERR(tick_work_queue(loop2, NULL, NULL, NULL, NULL, NULL), TICK_EINVAL);
  ASSERT_OK(tick_loop_destroy(loop2));
  ASSERT_OK(tick_pool_destroy(mine));
}

/* Misuse of a closed waker: closing it again or waking it is an error (TICK_ESTALE), not
 * a touch of freed memory, also after a new waker has taken its record. A waker of
 * another loop is refused by close. */
TEST(thread_waker_closed_twice_and_woken_after_close) {
  tick_loop_t *loop = new_loop(0), *other;
  tick_waker_t *w, *w2, *w3;
  static wake_t s;
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &w));
  ASSERT_OK(tick_waker_close(loop, w));
  ASSERT_ERR(tick_waker_close(loop, w), TICK_ESTALE);
  ASSERT_ERR(tick_waker_wake(w), TICK_ESTALE);
  ASSERT_EQ(tick_loop_alive(loop), 0);
  /* A new waker, possibly in the same record: the old handle stays stale. */
  ASSERT_OK(tick_waker_create(loop, wake_cb, &s, &w2));
  ASSERT(w2 != w);
  ASSERT_ERR(tick_waker_close(loop, w), TICK_ESTALE);
  ASSERT_ERR(tick_waker_wake(w), TICK_ESTALE);
  ASSERT_EQ(tick_loop_alive(loop), 1); /* w2 is still open */
  ASSERT_OK(tick_waker_wake(w2));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_NOWAIT), 1);
  ASSERT_UEQ(s.calls, 1);
  /* Closed with a wake in flight, then misused before the wake comes back. */
  ASSERT_OK(tick_waker_wake(w2));
  ASSERT_OK(tick_waker_close(loop, w2));
  ASSERT_ERR(tick_waker_close(loop, w2), TICK_ESTALE);
  ASSERT_ERR(tick_waker_wake(w2), TICK_ESTALE);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(s.calls, 1);
  ASSERT_ERR(tick_waker_close(loop, w2), TICK_ESTALE);
  /* Another loop's waker. */
  ASSERT_OK(tick_loop_create(&other, 0));
  ASSERT_OK(tick_waker_create(other, wake_cb, &s, &w3));
  ASSERT_ERR(tick_waker_close(loop, w3), TICK_EINVAL);
  ASSERT_OK(tick_waker_close(other, w3));
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
}
