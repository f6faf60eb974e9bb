/* fs-uv.c - libuv's uv_fs_* requests, the peer of fs.c (read its header for the workloads
 * and what is counted). libuv runs every file request on its thread pool (4 threads by
 * default; this libuv has no io_uring file path). The sequential reads run 50k times
 * where tick runs 200k; the runner compares time per read. */
#include <uv.h>

#include <fcntl.h>
#include <limits.h>

#include "bench.h"

#define READ_SIZE 4096
#define READ_FILE (1 << 20)
#define READS 50000
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
  fd = open(path, O_RDONLY);
  while (read(fd, buf, 1 << 20) > 0) {
  }
  close(fd);
  free(buf);
}

/* --------------------------------------------------------- sequential reads ---- */

static uv_fs_t read_req;
static char read_buf[READ_SIZE];
static int read_fd;
static int64_t read_left, read_pos;

static void read_next(void);

static void on_read(uv_fs_t *req) {
  BENCH_EXPECT(req->result == READ_SIZE);
  uv_fs_req_cleanup(req);
  if (--read_left > 0) read_next();
}

static void read_next(void) {
  uv_buf_t b = uv_buf_init(read_buf, READ_SIZE);
  read_pos = (read_pos + READ_SIZE) % READ_FILE;
  BENCH_CHECK(uv_fs_read(uv_default_loop(), &read_req, read_fd, &b, 1, read_pos, on_read));
}

static void bench_reads(const char *name) {
  bench_mark_t mark;
  read_fd = open(small, O_RDONLY);
  BENCH_EXPECT(read_fd >= 0);
  read_left = 100; /* warm-up */
  read_next();
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  read_left = READS;
  bench_begin(&mark);
  read_next();
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", READS);
  close(read_fd);
}

/* ------------------------------------------------------------------- stats ---- */

static uv_fs_t stat_reqs[STAT_DEPTH];
static int64_t stats_started, stats_done;

static void on_stat(uv_fs_t *req) {
  BENCH_EXPECT(req->result == 0 && req->statbuf.st_size == READ_FILE);
  uv_fs_req_cleanup(req);
  stats_done++;
  if (stats_started < STATS) {
    stats_started++;
    BENCH_CHECK(uv_fs_stat(uv_default_loop(), req, small, on_stat));
  }
}

static void bench_stats(const char *name) {
  bench_mark_t mark;
  stats_started = STATS - 64; /* warm-up */
  for (int i = 0; i < STAT_DEPTH; i++, stats_started++)
    BENCH_CHECK(uv_fs_stat(uv_default_loop(), &stat_reqs[i], small, on_stat));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  stats_started = stats_done = 0;
  bench_begin(&mark);
  for (int i = 0; i < STAT_DEPTH; i++, stats_started++)
    BENCH_CHECK(uv_fs_stat(uv_default_loop(), &stat_reqs[i], small, on_stat));
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", STATS);
  BENCH_EXPECT(stats_done == STATS);
}

/* -------------------------------------------------------------------- copy ---- */

static uv_fs_t copy_req;
static char *copy_buf;
static int copy_in, copy_out;
static int64_t copy_pos, copied;

static void copy_read(void);

static void on_copy_written(uv_fs_t *req) {
  BENCH_EXPECT(req->result > 0);
  copy_pos += req->result;
  copied += req->result;
  uv_fs_req_cleanup(req);
  copy_read();
}

static void on_copy_read(uv_fs_t *req) {
  ssize_t n = req->result;
  uv_buf_t b;
  BENCH_EXPECT(n >= 0);
  uv_fs_req_cleanup(req);
  if (n == 0) return;
  b = uv_buf_init(copy_buf, (unsigned)n);
  BENCH_CHECK(uv_fs_write(uv_default_loop(), &copy_req, copy_out, &b, 1, copy_pos,
                          on_copy_written));
}

static void copy_read(void) {
  uv_buf_t b = uv_buf_init(copy_buf, COPY_CHUNK);
  BENCH_CHECK(uv_fs_read(uv_default_loop(), &copy_req, copy_in, &b, 1, copy_pos, on_copy_read));
}

static void bench_copy(const char *name) {
  bench_mark_t mark;
  copy_in = open(src, O_RDONLY);
  copy_out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  BENCH_EXPECT(copy_in >= 0 && copy_out >= 0);
  copy_buf = bench_alloc(COPY_CHUNK);
  bench_begin(&mark);
  copy_read();
  BENCH_CHECK(uv_run(uv_default_loop(), UV_RUN_DEFAULT));
  bench_report(&mark, name, "libuv", COPY_SIZE / COPY_CHUNK);
  BENCH_EXPECT(copied == COPY_SIZE);
  close(copy_in);
  close(copy_out);
  free(copy_buf);
}

int main(int argc, char **argv) {
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof(dir), "%s/uv-bench-fs-XXXXXX", base && *base ? base : "/tmp");
  BENCH_EXPECT(mkdtemp(dir) != NULL);
  snprintf(small, sizeof(small), "%s/small", dir);
  snprintf(src, sizeof(src), "%s/src", dir);
  snprintf(dst, sizeof(dst), "%s/dst", dir);
  make_file(small, READ_FILE);
  if (bench_workload_child(argc, argv, "fs seq 4KiB reads")) {
    bench_reads("fs seq 4KiB reads");
    bench_child_done();
  }
  if (bench_workload_child(argc, argv, "fs seq 4KiB reads, pool")) {
    bench_reads("fs seq 4KiB reads, pool");
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
