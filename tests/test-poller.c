/* test-poller.c - fd watchers and the poller: a never-opened fd is refused before anything
 * is sized by it, and the memory kept per watched fd follows the number of fds watched,
 * not the highest fd number. */
#include "test.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

/* An allocator that refuses any single block above a cap and remembers the largest block
 * asked for: a structure sized by the fd number shows up here at once, without the test
 * having to touch gigabytes first. */
#define BLOCK_CAP (1u << 20)

static size_t largest;

static void note(size_t size) {
  if (size > largest) largest = size;
}

static void *capped_malloc(void *ctx, size_t size) {
  (void)ctx;
  note(size);
  return size > BLOCK_CAP ? NULL : malloc(size);
}

static void *capped_realloc(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  note(size);
  return size > BLOCK_CAP ? NULL : realloc(ptr, size);
}

static void capped_free(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

static void install_capped(void) {
  tick_allocator_t a = {capped_malloc, capped_realloc, capped_free, NULL};
  ASSERT_OK(tick_set_allocator(&a));
  largest = 0;
}

TEST(poller_refuses_never_opened_fd) {
  tick_loop_t *loop;
  tick_poll_t w;
  size_t before;
  install_capped();
  ASSERT_OK(tick_loop_create(&loop, 0));
  before = largest;
  ASSERT_ERR(tick_poll_create(loop, 0x7fffffff, &w), TICK_EBADF);
  ASSERT_UEQ(largest, before); /* refused before anything was sized by it */
  ASSERT_EQ(fcntl(1000000, F_GETFD), -1);
  ASSERT_ERR(tick_poll_create(loop, 1000000, &w), TICK_EBADF);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* The highest fd this process may open (dup2 can place one there), made open. */
static int open_high_fd(void) {
  struct rlimit rl;
  int fd;
  ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl));
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)0x7fffffff) rl.rlim_cur = 0x7fffffff;
  fd = (int)rl.rlim_cur - 1;
  while (fd > 64 && dup2(0, fd) < 0) fd /= 2; /* a limit some tool keeps to itself */
  ASSERT_GT(fd, 64);
  return fd;
}

TEST(poller_high_fd_memory_follows_count) {
  tick_loop_t *loop;
  tick_poll_t w, w2;
  int fd = open_high_fd(), fd2 = fd / 2;
  install_capped();
  ASSERT_EQ(dup2(0, fd2), fd2);
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_OK(tick_poll_create(loop, fd, &w));
  ASSERT_ERR(tick_poll_create(loop, fd, &w2), TICK_EEXIST);
  ASSERT_OK(tick_poll_create(loop, fd2, &w2));
  /* Two watched fds cost a few bytes, whatever their numbers. */
  ASSERT_LE(largest, 64 * 1024);
  ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
  ASSERT_OK(tick_poll_close(loop, w2, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  /* Closed watchers free their fds: the same numbers can be watched again. */
  ASSERT_OK(tick_poll_create(loop, fd, &w));
  ASSERT_OK(tick_poll_close(loop, w, NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  ASSERT_OK(tick_loop_destroy(loop));
  close(fd);
  close(fd2);
}

/* Many fds watched and unwatched in turn: the set grows and shrinks, every fd stays
 * distinct (a second watcher on one is refused), and a closed one can be watched again. */
TEST(poller_many_fds) {
  enum { N = 300 };
  tick_loop_t *loop;
  tick_poll_t w[N], again;
  int fds[N], i;
  ASSERT_OK(tick_loop_create(&loop, 0));
  for (i = 0; i < N; i++) {
    fds[i] = dup(0);
    ASSERT_GE(fds[i], 0);
    ASSERT_OK(tick_poll_create(loop, fds[i], &w[i]));
  }
  for (i = 0; i < N; i++) ASSERT_ERR(tick_poll_create(loop, fds[i], &again), TICK_EEXIST);
  for (i = 0; i < N; i += 2) ASSERT_OK(tick_poll_close(loop, w[i], NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  for (i = 0; i < N; i++) {
    if (i % 2 == 0)
      ASSERT_OK(tick_poll_create(loop, fds[i], &w[i]));
    else
      ASSERT_ERR(tick_poll_create(loop, fds[i], &again), TICK_EEXIST);
  }
  for (i = 0; i < N; i++) ASSERT_OK(tick_poll_close(loop, w[i], NULL, NULL));
  ASSERT_OK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  for (i = 0; i < N; i++) close(fds[i]);
  ASSERT_OK(tick_loop_destroy(loop));
}
