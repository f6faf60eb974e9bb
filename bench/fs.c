/* fs.c - tick's file requests against libuv's uv_fs_* (fs-uv.c) and node's fs.promises
 * (fs.js).
 *
 * Workloads (the same in every implementation; files in a fresh directory under $TMPDIR
 * or /tmp, created and read once into the page cache before the clock starts):
 * - "fs seq 4KiB reads": 4 KiB reads at offsets walking a 1 MiB cached file, one at a time
 *   (each started by the previous one's completion); 200k reads for tick, 50k for libuv,
 *   20k for node (the runner compares time per read). tick uses its io_uring when it has
 *   one.
 * - "fs seq 4KiB reads, pool": the same with io_uring refused (TICK_NO_URING=1): tick's
 *   pool path. The peers run the same workload again under this name.
 * - "fs 32 concurrent stats": stat(2) of one file, 32 requests in flight at all times
 *   (each completion starts the next), 100k stats.
 * - "fs copy 256 MiB, 64 KiB chunks": copies a 256 MiB cached file to a new file: read
 *   64 KiB at an offset, then write it at the same offset, one request at a time, until a
 *   read returns 0. The full workload is 1 GiB; 256 MiB keeps one run near a second on a
 *   shared machine (docs/design/fs.md). Counted: from the first read to the last completion.
 */
#include <tick.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "bench.h"

#define READ_SIZE 4096
#define READ_FILE (1 << 20)
#define READS 200000
#define STATS 100000
#define STAT_DEPTH 32
#define COPY_CHUNK (64 * 1024)
#define COPY_SIZE ((int64_t)256 << 20)

static char dir[PATH_MAX], src[PATH_MAX + 16], dst[PATH_MAX + 16], small[PATH_MAX + 16];

static void make_file(const char *path, int64_t size) {
  char *buf = bench_alloc(1 << 20);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  BENCH_EXPECT(fd >= 0);
  for (int64_t done = 0; done < size; done += 1 << 20) {
    memset(buf, (int)(done >> 20) & 0xff, 1 << 20);
    BENCH_EXPECT(write(fd, buf, 1 << 20) == 1 << 20);
  }
  close(fd);
  fd = open(path, O_RDONLY); /* into the page cache, for everyone */
  while (read(fd, buf, 1 << 20) > 0) {
  }
  close(fd);
  free(buf);
}

/* --------------------------------------------------------- sequential reads ---- */

typedef struct reader_s {
  int fd;
  char buf[READ_SIZE];
  struct iovec iov;
  int64_t left, pos;
} reader_t;

static void read_next(tick_loop_t *loop, reader_t *r);

static void on_read(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  reader_t *r = arg;
  BENCH_EXPECT(res->status == 0 && res->nbytes == READ_SIZE);
  if (--r->left > 0) read_next(loop, r);
}

static void read_next(tick_loop_t *loop, reader_t *r) {
  r->pos = (r->pos + READ_SIZE) % READ_FILE;
  BENCH_CHECK(tick_fs_read(loop, r->fd, &r->iov, 1, r->pos, on_read, r, NULL));
}

static void bench_reads(const char *name, int pool_only, int want_backend) {
  static reader_t r;
  tick_loop_t *loop;
  bench_mark_t mark;
  if (pool_only) setenv("TICK_NO_URING", "1", 1);
  BENCH_CHECK(tick_loop_create(&loop, 0));
  if (tick_fs_backend(loop) != want_backend)
    fprintf(stderr, "fs: note: io_uring unavailable, \"%s\" runs on the pool\n", name);
  r.fd = open(small, O_RDONLY);
  BENCH_EXPECT(r.fd >= 0);
  r.iov.iov_base = r.buf;
  r.iov.iov_len = READ_SIZE;
  r.left = 100; /* warm-up: the pool's threads, the request records */
  read_next(loop, &r);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  r.left = READS;
  bench_begin(&mark);
  read_next(loop, &r);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", READS);
  close(r.fd);
  BENCH_CHECK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------------------- stats ---- */

static int64_t stats_started, stats_done;

static void on_stat(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  (void)arg;
  BENCH_EXPECT(res->status == 0 && res->stat.size == READ_FILE);
  stats_done++;
  if (stats_started < STATS) {
    stats_started++;
    BENCH_CHECK(tick_fs_stat(loop, small, on_stat, NULL, NULL));
  }
}

static void bench_stats(const char *name) {
  tick_loop_t *loop;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  stats_started = STATS - 64; /* warm-up */
  for (int i = 0; i < STAT_DEPTH; i++, stats_started++)
    BENCH_CHECK(tick_fs_stat(loop, small, on_stat, NULL, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  stats_started = stats_done = 0;
  bench_begin(&mark);
  for (int i = 0; i < STAT_DEPTH; i++, stats_started++)
    BENCH_CHECK(tick_fs_stat(loop, small, on_stat, NULL, NULL));
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", STATS);
  BENCH_EXPECT(stats_done == STATS);
  BENCH_CHECK(tick_loop_destroy(loop));
}

/* -------------------------------------------------------------------- copy ---- */

typedef struct copier_s {
  int in, out;
  char *buf;
  struct iovec iov;
  int64_t pos, copied;
} copier_t;

static void copy_read(tick_loop_t *loop, copier_t *c);

static void on_copy_written(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  copier_t *c = arg;
  BENCH_EXPECT(res->status == 0 && res->nbytes == (int64_t)c->iov.iov_len);
  c->pos += res->nbytes;
  c->copied += res->nbytes;
  copy_read(loop, c);
}

static void on_copy_read(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  copier_t *c = arg;
  BENCH_EXPECT(res->status == 0);
  if (res->nbytes == 0) return; /* done */
  c->iov.iov_len = (size_t)res->nbytes;
  BENCH_CHECK(tick_fs_write(loop, c->out, &c->iov, 1, c->pos, on_copy_written, c, NULL));
}

static void copy_read(tick_loop_t *loop, copier_t *c) {
  c->iov.iov_len = COPY_CHUNK;
  BENCH_CHECK(tick_fs_read(loop, c->in, &c->iov, 1, c->pos, on_copy_read, c, NULL));
}

static void bench_copy(const char *name) {
  static copier_t c;
  tick_loop_t *loop;
  bench_mark_t mark;
  BENCH_CHECK(tick_loop_create(&loop, 0));
  BENCH_CHECK(tick_fs_backend(loop));
  c.in = open(src, O_RDONLY);
  c.out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  BENCH_EXPECT(c.in >= 0 && c.out >= 0);
  c.buf = bench_alloc(COPY_CHUNK);
  c.iov.iov_base = c.buf;
  bench_begin(&mark);
  copy_read(loop, &c);
  BENCH_CHECK(tick_loop_run(loop, TICK_RUN_DEFAULT));
  bench_report(&mark, name, "tick", COPY_SIZE / COPY_CHUNK);
  BENCH_EXPECT(c.copied == COPY_SIZE);
  close(c.in);
  close(c.out);
  free(c.buf);
  BENCH_CHECK(tick_loop_destroy(loop));
}

int main(int argc, char **argv) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof(dir), "%s/tick-bench-fs-XXXXXX", base && *base ? base : "/tmp");
  BENCH_EXPECT(mkdtemp(dir) != NULL);
  snprintf(small, sizeof(small), "%s/small", dir);
  snprintf(src, sizeof(src), "%s/src", dir);
  snprintf(dst, sizeof(dst), "%s/dst", dir);
  make_file(small, READ_FILE);
  bench_goal("fs seq 4KiB reads", "libuv", 0.15, "wall");
  bench_goal("fs seq 4KiB reads, pool", "libuv", 0.8, "wall");
  bench_goal("fs 32 concurrent stats", "libuv", 0.5, "wall");
  bench_goal("fs copy 256 MiB, 64 KiB chunks", "libuv", 0.8, "wall");
  bench_goal("fs copy 256 MiB, 64 KiB chunks", "node", 0.8, "wall");
  if (bench_workload_child(argc, argv, "fs seq 4KiB reads")) {
    bench_reads("fs seq 4KiB reads", 0, TICK_FS_BACKEND_URING);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "fs seq 4KiB reads, pool")) {
    bench_reads("fs seq 4KiB reads, pool", 1, TICK_FS_BACKEND_POOL);
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "fs 32 concurrent stats")) {
    bench_stats("fs 32 concurrent stats");
    bench_child_done();
  }
  if (bench_wanted(argc, argv, "fs copy 256 MiB, 64 KiB chunks")) make_file(src, COPY_SIZE);
  if (bench_workload_child(argc, argv, "fs copy 256 MiB, 64 KiB chunks")) {
    bench_copy("fs copy 256 MiB, 64 KiB chunks");
    bench_child_done();
  }
  unlink(small);
  unlink(src);
  unlink(dst);
  rmdir(dir);
  return 0;
}
