/* test-fs.c - file requests: every operation and its errors, short reads, large files,
 * hundreds in flight, cancellation before and during execution, deadlines, destroying
 * the loop with requests in flight, promise forms, bad input, the wrong thread, and
 * allocation failure at each site. Every test that touches files runs twice: on the
 * io_uring backend (when tick was built with liburing and the kernel allows it) and with
 * it refused through TICK_NO_URING=1, which leaves everything on the pool. Files live in a
 * fresh mkdtemp directory under $TMPDIR (or /tmp), removed at the end. */
#include "test.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------ helpers ---- */

static char tmpdir[512];

static void make_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof(tmpdir), "%.400s/tick-fs-XXXXXX", base && *base ? base : "/tmp");
  ASSERT(mkdtemp(tmpdir) != NULL);
}

static void rm_tree(const char *path) {
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
  ASSERT_EQ(system(cmd), 0);
}

static const char *tp(const char *name) { /* a path inside the temporary directory */
  static char bufs[4][PATH_MAX];
  static int next;
  char *b = bufs[next++ & 3];
  snprintf(b, PATH_MAX, "%s/%s", tmpdir, name);
  return b;
}

/* What the last completion reported, and how many completions ran. */
typedef struct out_s {
  int calls;
  tick_fs_result_t res;
  char path[PATH_MAX];
} out_t;

static out_t o;

/* The one number a test compares: the error, or the operation's own output (the fd, the
 * bytes moved, the entries filled, else 0). The fields that do not apply must hold their
 * unset values. */
static int64_t outcome(const tick_fs_result_t *r) {
  int ok = r->status == 0;
  int bytes_op = r->op == TICK_FS_READ || r->op == TICK_FS_WRITE || r->op == TICK_FS_COPYFILE;
  ASSERT_LE(r->status, 0);
  if (!(ok && r->op == TICK_FS_OPEN)) ASSERT_EQ(r->fd, -1);
  if (!(ok && bytes_op)) ASSERT_EQ(r->nbytes, 0);
  if (!(ok && r->op == TICK_FS_READDIR)) ASSERT_UEQ(r->count, 0);
  if (!(ok && r->op == TICK_FS_REALPATH)) ASSERT_PTR_EQ(r->path, NULL);
  if (!(ok && r->op == TICK_FS_OPENDIR)) ASSERT_PTR_EQ(r->dir, NULL);
  if (!ok) return r->status;
  if (r->op == TICK_FS_OPEN) return r->fd;
  if (bytes_op) return r->nbytes;
  if (r->op == TICK_FS_READDIR) return (int64_t)r->count;
  return 0;
}

static void save_cb(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  out_t *out = arg;
  (void)loop;
  out->calls++;
  out->res = *res;
  out->res.path = NULL;
  if (res->path != NULL) snprintf(out->path, sizeof(out->path), "%s", res->path);
}

/* Submits (the call's return is checked), checks nothing ran yet, runs the loop until it
 * is dry, checks exactly one completion ran, and returns its result. */
static int64_t sync_run(tick_loop_t *loop, int submit_rc) {
  ASSERT_OK(submit_rc);
  ASSERT_EQ(o.calls, 0); /* never from inside the call */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(o.calls, 1);
  o.calls = 0;
  return outcome(&o.res);
}
#define SYNC(loop, call) sync_run((loop), (o.calls = 0, (call)))

static int use_pool_only;

/* Creates the loop for a test body: in pool mode the environment refuses the ring. */
static tick_loop_t *fs_loop(void) {
  tick_loop_t *loop;
  int b;
  if (use_pool_only)
    setenv("TICK_NO_URING", "1", 1);
  else
    unsetenv("TICK_NO_URING");
  ASSERT_OK(tick_loop_create(&loop, 0));
  b = tick_fs_backend(loop);
  if (use_pool_only) ASSERT_EQ(b, TICK_FS_BACKEND_POOL);
#if TICK_HAVE_URING
  /* The kernel may refuse io_uring (seccomp, sysctl): then the pool is the right answer. */
  if (!use_pool_only && b != TICK_FS_BACKEND_URING)
    fprintf(stderr, "note: io_uring refused by the kernel here, testing the pool\n");
#else
  ASSERT_EQ(b, TICK_FS_BACKEND_POOL);
#endif
  memset(&o, 0, sizeof(o));
  return loop;
}

/* One body, two tests: on the ring (when available) and on the pool. */
#define FS_TEST(name)                                 \
  static void name##_body(void);                      \
  TEST(fs_##name##_uring) {                           \
    use_pool_only = 0;                                \
    name##_body();                                    \
  }                                                   \
  TEST(fs_##name##_pool) {                            \
    use_pool_only = 1;                                \
    name##_body();                                    \
  }                                                   \
  static void name##_body(void)

static int64_t s_open(tick_loop_t *loop, const char *path, int flags, int mode) {
  return SYNC(loop, tick_fs_open(loop, path, flags, mode, save_cb, &o, NULL));
}

static int64_t s_rw(tick_loop_t *loop, int write, int fd, void *buf, size_t len, int64_t off) {
  struct iovec iov = {buf, len};
  if (write) return SYNC(loop, tick_fs_write(loop, fd, &iov, 1, off, save_cb, &o, NULL));
  return SYNC(loop, tick_fs_read(loop, fd, &iov, 1, off, save_cb, &o, NULL));
}

static int64_t s_close(tick_loop_t *loop, int fd) {
  return SYNC(loop, tick_fs_close(loop, fd, save_cb, &o, NULL));
}

static void write_file(const char *path, const char *data) {
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(data, f);
  ASSERT_EQ(fclose(f), 0);
}

/* ------------------------------------------------------ read/write round trips ---- */

FS_TEST(roundtrip) {
  tick_loop_t *loop = fs_loop();
  char buf[64], a[8], b[8];
  struct iovec iov[2];
  int fd;
  make_tmpdir();
  fd = (int)s_open(loop, tp("f"), O_RDWR | O_CREAT | O_EXCL, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(o.res.op, TICK_FS_OPEN);
  ASSERT_EQ(s_rw(loop, 1, fd, "hello world", 11, 0), 11);
  memset(buf, 0, sizeof(buf));
  ASSERT_EQ(s_rw(loop, 0, fd, buf, 5, 6), 5);
  ASSERT_STR_EQ(buf, "world");
  /* Vectors, at an offset. */
  iov[0].iov_base = "AB";
  iov[0].iov_len = 2;
  iov[1].iov_base = "CD";
  iov[1].iov_len = 2;
  ASSERT_EQ(SYNC(loop, tick_fs_write(loop, fd, iov, 2, 11, save_cb, &o, NULL)), 4);
  memset(a, 0, sizeof(a));
  memset(b, 0, sizeof(b));
  iov[0].iov_base = a;
  iov[0].iov_len = 3;
  iov[1].iov_base = b;
  iov[1].iov_len = 4;
  ASSERT_EQ(SYNC(loop, tick_fs_read(loop, fd, iov, 2, 8, save_cb, &o, NULL)), 7);
  ASSERT_STR_EQ(a, "rld");
  ASSERT_STR_EQ(b, "ABCD");
  /* Short read at the end of the file, then 0. */
  memset(buf, 0, sizeof(buf));
  ASSERT_EQ(s_rw(loop, 0, fd, buf, sizeof(buf), 10), 5);
  ASSERT_STR_EQ(buf, "dABCD");
  ASSERT_EQ(s_rw(loop, 0, fd, buf, sizeof(buf), 15), 0);
  ASSERT_EQ(s_rw(loop, 0, fd, buf, sizeof(buf), 1000), 0);
  /* -1: the current position, which moves. */
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  memset(buf, 0, sizeof(buf));
  ASSERT_EQ(s_rw(loop, 0, fd, buf, 6, -1), 6);
  ASSERT_EQ(s_rw(loop, 0, fd, buf + 6, 5, -1), 5);
  ASSERT_STR_EQ(buf, "hello world");
  ASSERT_EQ(s_rw(loop, 1, fd, "!", 1, -1), 1);
  ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 12);
  /* Metadata and syncing. */
  ASSERT_EQ(SYNC(loop, tick_fs_fstat(loop, fd, save_cb, &o, NULL)), 0);
  ASSERT_UEQ(o.res.stat.size, 15);
  ASSERT(S_ISREG(o.res.stat.mode));
  ASSERT_UEQ(o.res.stat.mode & 0777, 0644 & ~(unsigned)0);
  ASSERT_EQ(SYNC(loop, tick_fs_ftruncate(loop, fd, 5, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_fsync(loop, fd, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_fdatasync(loop, fd, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("f"), save_cb, &o, NULL)), 0);
  ASSERT_UEQ(o.res.stat.size, 5);
  ASSERT_EQ(o.res.op, TICK_FS_STAT);
  ASSERT_EQ(symlink(tp("f"), tp("link")), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_lstat(loop, tp("link"), save_cb, &o, NULL)), 0);
  ASSERT(S_ISLNK(o.res.stat.mode));
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("link"), save_cb, &o, NULL)), 0);
  ASSERT(S_ISREG(o.res.stat.mode));
  ASSERT_EQ(s_close(loop, fd), 0);
  /* The fd is gone: EBADF from every fd operation. */
  ASSERT_EQ(s_rw(loop, 0, fd, buf, 4, 0), TICK_EBADF);
  ASSERT_EQ(s_rw(loop, 1, fd, buf, 4, -1), TICK_EBADF);
  ASSERT_EQ(SYNC(loop, tick_fs_fstat(loop, fd, save_cb, &o, NULL)), TICK_EBADF);
  ASSERT_EQ(SYNC(loop, tick_fs_fsync(loop, fd, save_cb, &o, NULL)), TICK_EBADF);
  ASSERT_EQ(SYNC(loop, tick_fs_fdatasync(loop, fd, save_cb, &o, NULL)), TICK_EBADF);
  ASSERT_EQ(SYNC(loop, tick_fs_ftruncate(loop, fd, 0, save_cb, &o, NULL)), TICK_EBADF);
  ASSERT_EQ(s_close(loop, fd), TICK_EBADF);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* --------------------------------------------------------- the other errors ---- */

FS_TEST(errors) {
  tick_loop_t *loop = fs_loop();
  make_tmpdir();
  write_file(tp("file"), "x");
  ASSERT_EQ(mkdir(tp("dir"), 0755), 0);
  write_file(tp("dir/inside"), "y");
  ASSERT_EQ(s_open(loop, tp("missing"), O_RDONLY, 0), TICK_ENOENT);
  ASSERT_EQ(s_open(loop, tp("file"), O_RDWR | O_CREAT | O_EXCL, 0600), TICK_EEXIST);
  ASSERT_EQ(s_open(loop, tp("file/x"), O_RDONLY, 0), TICK_ENOTDIR);
  ASSERT_EQ(s_open(loop, tp("dir"), O_WRONLY, 0), TICK_EISDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("missing"), save_cb, &o, NULL)), TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("file/x"), save_cb, &o, NULL)), TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_lstat(loop, tp("missing"), save_cb, &o, NULL)), TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_mkdir(loop, tp("dir"), 0755, save_cb, &o, NULL)), TICK_EEXIST);
  ASSERT_EQ(SYNC(loop, tick_fs_mkdir(loop, tp("no/dir"), 0755, save_cb, &o, NULL)),
            TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_rmdir(loop, tp("missing"), save_cb, &o, NULL)), TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_rmdir(loop, tp("dir"), save_cb, &o, NULL)), TICK_ENOTEMPTY);
  ASSERT_EQ(SYNC(loop, tick_fs_rmdir(loop, tp("file"), save_cb, &o, NULL)), TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_unlink(loop, tp("missing"), save_cb, &o, NULL)), TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_unlink(loop, tp("file/x"), save_cb, &o, NULL)), TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_rename(loop, tp("missing"), tp("b"), save_cb, &o, NULL)),
            TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_rename(loop, tp("dir"), tp("file"), save_cb, &o, NULL)),
            TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tp("missing"), save_cb, &o, NULL)), TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tp("file"), save_cb, &o, NULL)), TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_realpath(loop, tp("missing"), save_cb, &o, NULL)),
            TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_realpath(loop, tp("file/x"), save_cb, &o, NULL)),
            TICK_ENOTDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("missing"), tp("c"), 0, save_cb, &o, NULL)),
            TICK_ENOENT);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("file"), tp("dir/inside"), TICK_FS_COPY_EXCL,
                                        save_cb, &o, NULL)),
            TICK_EEXIST);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("dir"), tp("c"), 0, save_cb, &o, NULL)),
            TICK_EISDIR);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("file"), tp("nodir/c"), 0, save_cb, &o, NULL)),
            TICK_ENOENT);
  ASSERT_EQ(access(tp("c"), F_OK), -1);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* ---------------------------------------------------------------- directories ---- */

static int name_cmp(const void *a, const void *b) { return strcmp(a, b); }

FS_TEST(directories) {
  tick_loop_t *loop = fs_loop();
  tick_dirent_t ents[2];
  char names[8][256];
  size_t n = 0, i;
  tick_fs_dir_t *dir;
  char expect[PATH_MAX];
  make_tmpdir();
  ASSERT_EQ(SYNC(loop, tick_fs_mkdir(loop, tp("d"), 0750, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("d"), save_cb, &o, NULL)), 0);
  ASSERT(S_ISDIR(o.res.stat.mode));
  write_file(tp("d/a"), "1");
  write_file(tp("d/b"), "2");
  ASSERT_EQ(mkdir(tp("d/sub"), 0755), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tp("d"), save_cb, &o, NULL)), 0);
  dir = o.res.dir;
  ASSERT(dir != NULL);
  for (;;) {
    int64_t got;
    ASSERT_OK(tick_fs_readdir(loop, dir, ents, 2, save_cb, &o, NULL));
    /* One readdir at a time; closing waits too. */
    ASSERT_ERR(tick_fs_readdir(loop, dir, ents, 2, save_cb, &o, NULL), TICK_EBUSY);
    ASSERT_ERR(tick_fs_closedir(loop, dir, save_cb, &o, NULL), TICK_EBUSY);
    got = sync_run(loop, 0);
    ASSERT_GE(got, 0);
    ASSERT_LE(got, 2);
    if (got == 0) break;
    for (i = 0; i < (size_t)got; i++) {
      ASSERT_LT(n, 8);
      memcpy(names[n], ents[i].name, 256);
      if (strcmp(ents[i].name, "sub") == 0 && ents[i].type != TICK_DIRENT_UNKNOWN)
        ASSERT_EQ(ents[i].type, TICK_DIRENT_DIR);
      if (strcmp(ents[i].name, "a") == 0 && ents[i].type != TICK_DIRENT_UNKNOWN)
        ASSERT_EQ(ents[i].type, TICK_DIRENT_FILE);
      n++;
    }
  }
  ASSERT_UEQ(n, 3);
  qsort(names, n, sizeof(names[0]), name_cmp);
  ASSERT_STR_EQ(names[0], "a");
  ASSERT_STR_EQ(names[1], "b");
  ASSERT_STR_EQ(names[2], "sub");
  ASSERT_EQ(SYNC(loop, tick_fs_closedir(loop, dir, save_cb, &o, NULL)), 0);
  /* rename, realpath, unlink, rmdir. */
  ASSERT_EQ(SYNC(loop, tick_fs_rename(loop, tp("d/a"), tp("d/sub/moved"), save_cb, &o, NULL)),
            0);
  ASSERT_EQ(access(tp("d/a"), F_OK), -1);
  ASSERT_EQ(SYNC(loop, tick_fs_realpath(loop, tp("d/sub/../sub/./moved"), save_cb, &o, NULL)),
            0);
  ASSERT(realpath(tp("d/sub/moved"), expect) != NULL);
  ASSERT_STR_EQ(o.path, expect);
  ASSERT_EQ(SYNC(loop, tick_fs_unlink(loop, tp("d/sub/moved"), save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_rmdir(loop, tp("d/sub"), save_cb, &o, NULL)), 0);
  ASSERT_EQ(access(tp("d/sub"), F_OK), -1);
  /* A handle left open is freed with the loop (valgrind would see a leak). */
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tp("d"), save_cb, &o, NULL)), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* ------------------------------------------------------- large files, copies ---- */

static void fill_pattern(unsigned char *p, size_t len, size_t base) {
  size_t i;
  for (i = 0; i < len; i++) p[i] = (unsigned char)((base + i) * 2654435761u >> 13);
}

FS_TEST(large_file_and_copy) {
  tick_loop_t *loop = fs_loop();
  size_t chunk = 1 << 20, total = (slow_build() ? 4 : 32) * chunk, off;
  unsigned char *buf = calloc(1, chunk), *expect = malloc(chunk);
  int fd;
  ASSERT(buf != NULL && expect != NULL);
  make_tmpdir();
  fd = (int)s_open(loop, tp("big"), O_WRONLY | O_CREAT | O_TRUNC, 0640);
  ASSERT_GE(fd, 0);
  for (off = 0; off < total; off += chunk) {
    fill_pattern(buf, chunk, off);
    ASSERT_EQ(s_rw(loop, 1, fd, buf, chunk, (int64_t)off), (int64_t)chunk);
  }
  ASSERT_EQ(s_close(loop, fd), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("big"), tp("copy"), 0, save_cb, &o, NULL)),
            (int64_t)total);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("big"), tp("copy"), TICK_FS_COPY_EXCL,
                                        save_cb, &o, NULL)),
            TICK_EEXIST);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("copy"), save_cb, &o, NULL)), 0);
  ASSERT_UEQ(o.res.stat.size, total);
  ASSERT_UEQ(o.res.stat.mode & 0777, 0640);
  fd = (int)s_open(loop, tp("copy"), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  for (off = 0; off < total; off += chunk) {
    memset(buf, 0, chunk);
    ASSERT_EQ(s_rw(loop, 0, fd, buf, chunk, -1), (int64_t)chunk);
    fill_pattern(expect, chunk, off);
    ASSERT_EQ(memcmp(buf, expect, chunk), 0);
  }
  ASSERT_EQ(s_rw(loop, 0, fd, buf, chunk, -1), 0);
  ASSERT_EQ(s_close(loop, fd), 0);
  /* Copying over an existing file truncates it; an empty file copies as 0 bytes. */
  write_file(tp("empty"), "");
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("empty"), tp("copy"), 0, save_cb, &o, NULL)),
            0);
  ASSERT_EQ(SYNC(loop, tick_fs_stat(loop, tp("copy"), save_cb, &o, NULL)), 0);
  ASSERT_UEQ(o.res.stat.size, 0);
  free(buf);
  free(expect);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* A copy that fails part-way (here: the process's file size limit, so the write fails
 * with EFBIG after the first 64 KiB) reports the error; a destination the copy created
 * is removed, one that existed is left (truncated). */
FS_TEST(copyfile_fails_midway) {
  tick_loop_t *loop = fs_loop();
  struct rlimit lim = {65536, 65536};
  unsigned char *data = malloc(200000);
  struct stat st;
  ASSERT(data != NULL);
  make_tmpdir();
  fill_pattern(data, 200000, 0);
  {
    FILE *f = fopen(tp("src"), "wb");
    ASSERT(f != NULL);
    ASSERT_UEQ(fwrite(data, 1, 200000, f), 200000);
    ASSERT_EQ(fclose(f), 0);
  }
  write_file(tp("old"), "existing");
  signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("src"), tp("new"), 0, save_cb, &o, NULL)),
            TICK_EFBIG);
  ASSERT_EQ(access(tp("new"), F_OK), -1);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("src"), tp("old"), 0, save_cb, &o, NULL)),
            TICK_EFBIG);
  ASSERT_EQ(stat(tp("old"), &st), 0);
  ASSERT_LE(st.st_size, 65536);
  free(data);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* ---------------------------------------------------------- many in flight ---- */

typedef struct slot_s {
  int calls;
  int64_t result;
  uint32_t value;
} slot_t;

static void slot_cb(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  slot_t *s = arg;
  (void)loop;
  s->calls++;
  s->result = outcome(res);
}

FS_TEST(concurrent) {
  tick_loop_t *loop = fs_loop();
  size_t n = 600, i;
  slot_t *slots = calloc(n, sizeof(*slots));
  uint32_t *data = malloc(n * sizeof(*data));
  struct iovec *iov = calloc(n, sizeof(*iov));
  char path[PATH_MAX];
  int fd;
  ASSERT(slots != NULL && data != NULL && iov != NULL);
  make_tmpdir();
  for (i = 0; i < n; i++) data[i] = (uint32_t)(i * 7919u + 1);
  fd = open(tp("f"), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, data, n * sizeof(*data)), (ssize_t)(n * sizeof(*data)));
  /* Hundreds of reads in flight at once (more than the ring holds: the rest go to the
   * pool), plus stats mixed in. */
  for (i = 0; i < n; i++) {
    iov[i].iov_base = &slots[i].value;
    iov[i].iov_len = sizeof(uint32_t);
    ASSERT_OK(tick_fs_read(loop, fd, &iov[i], 1, (int64_t)(i * sizeof(uint32_t)), slot_cb,
                           &slots[i], NULL));
  }
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) {
    ASSERT_EQ(slots[i].calls, 1);
    ASSERT_EQ(slots[i].result, 4);
    ASSERT_UEQ(slots[i].value, data[i]);
  }
  memset(slots, 0, n * sizeof(*slots));
  snprintf(path, sizeof(path), "%s", tp("f")); /* borrowed until the completions */
  for (i = 0; i < n; i++)
    ASSERT_OK(tick_fs_stat(loop, path, slot_cb, &slots[i], NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) {
    ASSERT_EQ(slots[i].calls, 1);
    ASSERT_EQ(slots[i].result, 0);
  }
  close(fd);
  free(slots);
  free(data);
  free(iov);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* ------------------------------------------------- completions are macrotasks ---- */

static char order[256];
static pthread_t loop_thread;

static void note(const char *s) {
  strcat(order, s);
  strcat(order, " ");
}

static void note_task(tick_loop_t *loop, void *arg) {
  (void)loop;
  note(arg);
}

static void note_timer(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  note_task(loop, arg);
}

static void macrotask_cb(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  char **names = arg; /* completion, tick, microtask, immediate, timer */
  ASSERT(pthread_equal(pthread_self(), loop_thread));
  ASSERT_GE(outcome(res), 0);
  note(names[0]);
  ASSERT_OK(tick_set_timeout(loop, 0, note_timer, names[4], NULL));
  ASSERT_OK(tick_set_immediate(loop, note_task, names[3], NULL));
  ASSERT_OK(tick_queue_microtask(loop, note_task, names[2]));
  ASSERT_OK(tick_next_tick(loop, note_task, names[1]));
}

/* Each completion is its own macrotask: its ticks and microtasks run right after it, even
 * when both completions arrive in one poll phase; an immediate queued there runs before a
 * 0 ms timer queued there (SEMANTICS.md section 4). */
FS_TEST(completion_is_macrotask) {
  tick_loop_t *loop = fs_loop();
  static char *a[] = {"A", "a-tick", "a-micro", "a-imm", "a-timer"};
  static char *b[] = {"B", "b-tick", "b-micro", "b-imm", "b-timer"};
  char buf[2][4];
  struct iovec iov[2] = {{buf[0], 4}, {buf[1], 4}};
  int fd = open("/proc/self/exe", O_RDONLY), i;
  char *first, *second;
  ASSERT_GE(fd, 0);
  loop_thread = pthread_self();
  order[0] = 0;
  ASSERT_OK(tick_fs_read(loop, fd, &iov[0], 1, 0, macrotask_cb, (void *)a, NULL));
  ASSERT_OK(tick_fs_read(loop, fd, &iov[1], 1, 4, macrotask_cb, (void *)b, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  /* The two completions may come in either order (two pool workers). */
  first = strstr(order, "A ");
  second = strstr(order, "B ");
  ASSERT(first != NULL && second != NULL);
  for (i = 0; i < 2; i++) {
    char **n = (first < second) == (i == 0) ? a : b;
    char expect[64];
    snprintf(expect, sizeof(expect), "%s %s %s ", n[0], n[1], n[2]);
    ASSERT(strstr(order, expect) != NULL);
  }
  /* Only each completion's own pair: the two may complete in different iterations. */
  ASSERT(strstr(order, "a-imm") < strstr(order, "a-timer"));
  ASSERT(strstr(order, "b-imm") < strstr(order, "b-timer"));
  close(fd);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------- cancellation, deadlines, destroy ---- */

static atomic_int blocker_go;

static void blocker_work(void *arg) {
  (void)arg;
  while (!atomic_load(&blocker_go)) usleep(1000);
}

static void blocker_done(tick_loop_t *loop, int status, void *arg) {
  (void)loop;
  *(int *)arg = status == 0 ? 1 : status;
}

static void release_blocker(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)loop;
  (void)t;
  (void)arg;
  atomic_store(&blocker_go, 1);
}

/* A loop whose pool has one thread, busy with a blocker until `blocker_go`. */
static tick_pool_t *one_thread_pool(tick_loop_t *loop, int *blocker_status) {
  tick_pool_t *pool;
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  atomic_store(&blocker_go, 0);
  ASSERT_OK(tick_work_queue(loop, pool, blocker_work, blocker_done, blocker_status, NULL));
  return pool;
}

FS_TEST(cancel_before_start) {
  tick_loop_t *loop = fs_loop();
  int blocker = 0;
  tick_pool_t *pool = one_thread_pool(loop, &blocker);
  slot_t a = {0}, b = {0}, c = {0};
  tick_fs_t ra, rb, rc;
  make_tmpdir();
  ASSERT_OK(tick_fs_stat(loop, tmpdir, slot_cb, &a, &ra));
  ASSERT_OK(tick_fs_mkdir(loop, tp("never"), 0755, slot_cb, &b, &rb));
  ASSERT_OK(tick_fs_stat(loop, tmpdir, slot_cb, &c, &rc));
  ASSERT_OK(tick_fs_cancel(loop, rb));
  ASSERT_EQ(b.calls, 0); /* reported later, never from inside cancel */
  ASSERT_ERR(tick_fs_cancel(loop, rb), TICK_ESTALE);
  atomic_store(&blocker_go, 1);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_EQ(a.result, 0);
  ASSERT_EQ(b.calls, 1);
  ASSERT_EQ(b.result, TICK_ECANCELED);
  ASSERT_EQ(c.calls, 1);
  ASSERT_EQ(c.result, 0);
  ASSERT_EQ(access(tp("never"), F_OK), -1); /* the cancelled mkdir never ran */
  ASSERT_EQ(blocker, 1);
  /* Done requests are stale. */
  ASSERT_ERR(tick_fs_cancel(loop, ra), TICK_ESTALE);
  ASSERT_ERR(tick_fs_timeout(loop, rc, 10), TICK_ESTALE);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  rm_tree(tmpdir);
}

/* A request that has started cannot be cancelled: an open of a FIFO blocks on its worker
 * until a writer appears, and the writer's non-blocking open succeeds only once that
 * reader is inside open(2), so the test knows the request runs. */
static int open_fifo_writer(const char *path) {
  int w;
  while ((w = open(path, O_WRONLY | O_NONBLOCK)) < 0) {
    ASSERT_EQ(errno, ENXIO);
    usleep(1000);
  }
  return w;
}

/* Waits until some thread of this process is blocked in openat(2) (a worker opening the
 * FIFO), without unblocking it: /proc/self/task/<tid>/syscall starts with the number of
 * the system call a blocked thread is in. */
static void wait_thread_in_openat(void) {
  for (;;) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    char path[300], line[64];
    int found = 0;
    ASSERT(d != NULL);
    while (!found && (de = readdir(d)) != NULL) {
      FILE *f;
      if (de->d_name[0] == '.') continue;
      snprintf(path, sizeof(path), "/proc/self/task/%.200s/syscall", de->d_name);
      f = fopen(path, "r");
      if (f == NULL) continue;
      if (fgets(line, sizeof(line), f) != NULL && strncmp(line, "257 ", 4) == 0) found = 1;
      fclose(f);
    }
    closedir(d);
    if (found) return;
    usleep(1000);
  }
}

FS_TEST(cancel_while_running) {
  tick_loop_t *loop = fs_loop();
  tick_fs_t r;
  int w;
  make_tmpdir();
  ASSERT_EQ(mkfifo(tp("fifo"), 0600), 0);
  o.calls = 0;
  ASSERT_OK(tick_fs_open(loop, tp("fifo"), O_RDONLY, 0, save_cb, &o, &r));
  ASSERT_OK(tick_fs_timeout(loop, r, 1)); /* moot once started */
  w = open_fifo_writer(tp("fifo"));
  ASSERT_ERR(tick_fs_cancel(loop, r), TICK_EBUSY);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(o.calls, 1);
  ASSERT_GE(outcome(&o.res), 0); /* its own result, not ECANCELED or ETIMEDOUT */
  ASSERT_UEQ(o.res.req.id, r.id);
  close(o.res.fd);
  close(w);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

FS_TEST(deadline) {
  tick_loop_t *loop = fs_loop();
  int blocker = 0;
  tick_pool_t *pool = one_thread_pool(loop, &blocker);
  slot_t a = {0}, b = {0};
  tick_fs_t ra, rb;
  make_tmpdir();
  /* The worker is busy until the 60 ms timer: the 5 ms deadline expires first. */
  ASSERT_OK(tick_set_timeout(loop, 60, release_blocker, NULL, NULL));
  ASSERT_OK(tick_fs_stat(loop, tmpdir, slot_cb, &a, &ra));
  ASSERT_OK(tick_fs_timeout(loop, ra, 5));
  ASSERT_OK(tick_fs_stat(loop, tmpdir, slot_cb, &b, &rb));
  ASSERT_OK(tick_fs_timeout(loop, rb, 1000000)); /* cleared at completion */
  ASSERT_OK(tick_fs_timeout(loop, rb, 2000000)); /* re-armed: replaces it */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_EQ(a.result, TICK_ETIMEDOUT);
  ASSERT_EQ(b.calls, 1);
  ASSERT_EQ(b.result, 0);
  ASSERT_EQ(blocker, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  rm_tree(tmpdir);
}

/* A deadline and a cancel on the same queued request: whichever comes first decides the
 * status, the other is refused or does nothing, and the completion runs once. */
static tick_fs_t late_cancel_id;
static int late_cancel_rc;

static void late_cancel(tick_loop_t *loop, tick_timer_t t, void *arg) {
  (void)t;
  (void)arg;
  late_cancel_rc = tick_fs_cancel(loop, late_cancel_id);
}

FS_TEST(deadline_and_cancel_race) {
  tick_loop_t *loop = fs_loop();
  int blocker = 0;
  tick_pool_t *pool = one_thread_pool(loop, &blocker);
  slot_t a = {0}, b = {0};
  tick_fs_t ra;
  /* The worker is busy until 60 ms. */
  ASSERT_OK(tick_set_timeout(loop, 60, release_blocker, NULL, NULL));
  /* a: cancelled by the program first; its deadline then finds nothing to do. */
  ASSERT_OK(tick_fs_stat(loop, "/", slot_cb, &a, &ra));
  ASSERT_OK(tick_fs_timeout(loop, ra, 5));
  ASSERT_OK(tick_fs_cancel(loop, ra));
  ASSERT_OK(tick_fs_timeout(loop, ra, 1)); /* still live until its completion runs */
  /* b: its deadline (5 ms) first; the program's cancel at 20 ms is refused. */
  ASSERT_OK(tick_fs_stat(loop, "/", slot_cb, &b, &late_cancel_id));
  ASSERT_OK(tick_fs_timeout(loop, late_cancel_id, 5));
  late_cancel_rc = 1;
  ASSERT_OK(tick_set_timeout(loop, 20, late_cancel, NULL, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(a.calls, 1);
  ASSERT_EQ(a.result, TICK_ECANCELED);
  ASSERT_EQ(b.calls, 1);
  ASSERT_EQ(b.result, TICK_ETIMEDOUT);
  ASSERT_EQ(late_cancel_rc, TICK_ESTALE);
  ASSERT_EQ(blocker, 1);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
}

FS_TEST(destroy_with_requests_in_flight) {
  tick_loop_t *loop = fs_loop();
  tick_pool_t *pool;
  slot_t q[5];
  int i, w, p[2];
  char buf[4] = {0};
  struct iovec iov = {buf, 3};
  slot_t piped = {0};
  int ring = tick_fs_backend(loop) == TICK_FS_BACKEND_URING;
  make_tmpdir();
  memset(q, 0, sizeof(q));
  ASSERT_OK(tick_pool_create(&pool, 1));
  ASSERT_OK(tick_loop_set_pool(loop, pool));
  ASSERT_EQ(mkfifo(tp("fifo"), 0600), 0);
  ASSERT_OK(tick_fs_open(loop, tp("fifo"), O_RDONLY, 0, save_cb, &o, NULL));
  wait_thread_in_openat(); /* the one worker is blocked in the open */
  for (i = 0; i < 5; i++) ASSERT_OK(tick_fs_stat(loop, tmpdir, slot_cb, &q[i], NULL));
  /* A read of an empty pipe: on the ring it waits in the kernel, on the pool it queues. */
  ASSERT_EQ(pipe(p), 0);
  ASSERT_OK(tick_fs_read(loop, p[0], &iov, 1, -1, slot_cb, &piped, NULL));
  ASSERT_ERR(tick_loop_destroy(loop), TICK_EBUSY);
  /* Queued requests were cancelled and reported before destroy returned. */
  for (i = 0; i < 5; i++) {
    ASSERT_EQ(q[i].calls, 1);
    ASSERT_EQ(q[i].result, TICK_ECANCELED);
  }
  if (ring) {
    /* On the ring the read has started: it is waited for like the open. */
    ASSERT_EQ(piped.calls, 0);
    ASSERT_EQ(write(p[1], "abc", 3), 3);
  } else {
    ASSERT_EQ(piped.calls, 1);
    ASSERT_EQ(piped.result, TICK_ECANCELED);
  }
  ASSERT_ERR(tick_fs_stat(loop, tmpdir, slot_cb, &q[0], NULL), TICK_ECLOSING);
  ASSERT_EQ(o.calls, 0);
  w = open_fifo_writer(tp("fifo")); /* lets the open finish */
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(o.calls, 1);
  ASSERT_GE(outcome(&o.res), 0);
  ASSERT_EQ(piped.calls, 1);
  if (piped.result != TICK_ECANCELED) {
    ASSERT_EQ(piped.result, 3);
    ASSERT_STR_EQ(buf, "abc");
  }
  close(o.res.fd);
  close(w);
  close(p[0]);
  close(p[1]);
  ASSERT_OK(tick_loop_destroy(loop));
  ASSERT_OK(tick_pool_destroy(pool));
  rm_tree(tmpdir);
}

/* ------------------------------------------------------------------ promises ---- */

static void quiet_rejection(tick_loop_t *loop, tick_promise_t *p, void *arg) {
  (void)loop;
  (void)p;
  (void)arg;
}

typedef struct chain_s {
  int fd;
  char buf[16];
  struct iovec iov;
  int steps;
} chain_t;

/* open -> read -> close, each step a then handler starting the next request. */
static int chain_read(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                      void *arg) {
  chain_t *c = arg;
  const tick_fs_result_t *res = tick_promise_value(settled);
  tick_promise_t *p;
  c->fd = res->fd;
  c->iov.iov_base = c->buf;
  c->iov.iov_len = sizeof(c->buf) - 1;
  c->steps++;
  ASSERT_OK(tick_fs_read_promise(loop, c->fd, &c->iov, 1, 0, &p, NULL));
  tick_resolver_resolve_promise(next, p);
  tick_promise_release(p);
  return 0;
}

static int chain_close(tick_loop_t *loop, tick_promise_t *settled, tick_resolver_t *next,
                       void *arg) {
  chain_t *c = arg;
  const tick_fs_result_t *res = tick_promise_value(settled);
  tick_promise_t *p;
  ASSERT_EQ(res->op, TICK_FS_READ);
  ASSERT_EQ(outcome(res), 5);
  c->steps++;
  ASSERT_OK(tick_fs_close_promise(loop, c->fd, &p, NULL));
  tick_resolver_resolve_promise(next, p);
  tick_promise_release(p);
  return 0;
}

FS_TEST(promises) {
  tick_loop_t *loop = fs_loop();
  tick_promise_t *p, *p2, *p3, *bad, *rp;
  chain_t c;
  const tick_fs_result_t *res;
  char expect[PATH_MAX];
  make_tmpdir();
  memset(&c, 0, sizeof(c));
  write_file(tp("f"), "hello");
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, quiet_rejection, NULL, quiet_rejection, NULL));
  ASSERT_OK(tick_fs_open_promise(loop, tp("f"), O_RDONLY, 0, &p, NULL));
  ASSERT_OK(tick_promise_then(p, chain_read, NULL, &c, NULL, &p2));
  ASSERT_OK(tick_promise_then(p2, chain_close, NULL, &c, NULL, &p3));
  ASSERT_OK(tick_fs_stat_promise(loop, tp("missing"), &bad, NULL));
  ASSERT_OK(tick_fs_realpath_promise(loop, tmpdir, &rp, NULL));
  ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_PENDING);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(c.steps, 2);
  ASSERT_STR_EQ(c.buf, "hello");
  ASSERT_EQ(tick_promise_state(p3), TICK_PROMISE_FULFILLED);
  res = tick_promise_value(p3);
  ASSERT_EQ(res->op, TICK_FS_CLOSE);
  ASSERT_EQ(outcome(res), 0);
  ASSERT_EQ(tick_promise_state(bad), TICK_PROMISE_REJECTED);
  ASSERT_EQ(tick_promise_error(bad), TICK_ENOENT);
  ASSERT_EQ(tick_promise_state(rp), TICK_PROMISE_FULFILLED);
  ASSERT(realpath(tmpdir, expect) != NULL);
  ASSERT_STR_EQ(((const tick_fs_result_t *)tick_promise_value(rp))->path, expect);
  tick_promise_release(p);
  tick_promise_release(p2);
  tick_promise_release(p3);
  tick_promise_release(bad);
  tick_promise_release(rp);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* Every promise form at least once (the callback forms are covered above). */
FS_TEST(promise_forms_all) {
  tick_loop_t *loop = fs_loop();
  tick_promise_t *ps[24];
  size_t n = 0, i;
  int fd;
  char buf[8] = "abcdefg";
  struct iovec iov = {buf, 4};
  tick_dirent_t ents[4];
  tick_fs_dir_t *dir;
  make_tmpdir();
  write_file(tp("f"), "data");
  ASSERT_EQ(mkdir(tp("d"), 0755), 0);
  fd = open(tp("f"), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_OK(tick_promise_set_unhandled_hook(loop, quiet_rejection, NULL, quiet_rejection, NULL));
  ASSERT_OK(tick_fs_write_promise(loop, fd, &iov, 1, 10, &ps[n++], NULL));
  ASSERT_OK(tick_fs_fstat_promise(loop, fd, &ps[n++], NULL));
  ASSERT_OK(tick_fs_lstat_promise(loop, tp("f"), &ps[n++], NULL));
  ASSERT_OK(tick_fs_fsync_promise(loop, fd, &ps[n++], NULL));
  ASSERT_OK(tick_fs_fdatasync_promise(loop, fd, &ps[n++], NULL));
  ASSERT_OK(tick_fs_mkdir_promise(loop, tp("m"), 0700, &ps[n++], NULL));
  ASSERT_OK(tick_fs_copyfile_promise(loop, tp("f"), tp("g"), 0, &ps[n++], NULL));
  ASSERT_OK(tick_fs_opendir_promise(loop, tp("d"), &ps[n++], NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) ASSERT_EQ(tick_promise_state(ps[i]), TICK_PROMISE_FULFILLED);
  dir = ((const tick_fs_result_t *)tick_promise_value(ps[n - 1]))->dir;
  ASSERT_OK(tick_fs_ftruncate_promise(loop, fd, 0, &ps[n++], NULL));
  ASSERT_OK(tick_fs_rename_promise(loop, tp("g"), tp("h"), &ps[n++], NULL));
  ASSERT_OK(tick_fs_rmdir_promise(loop, tp("m"), &ps[n++], NULL));
  ASSERT_OK(tick_fs_readdir_promise(loop, dir, ents, 4, &ps[n++], NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) ASSERT_EQ(tick_promise_state(ps[i]), TICK_PROMISE_FULFILLED);
  ASSERT_EQ(outcome(tick_promise_value(ps[n - 1])), 0);
  ASSERT_OK(tick_fs_closedir_promise(loop, dir, &ps[n++], NULL));
  ASSERT_OK(tick_fs_unlink_promise(loop, tp("h"), &ps[n++], NULL));
  ASSERT_OK(tick_fs_close_promise(loop, fd, &ps[n++], NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < n; i++) ASSERT_EQ(tick_promise_state(ps[i]), TICK_PROMISE_FULFILLED);
  ASSERT_EQ(access(tp("h"), F_OK), -1);
  ASSERT_EQ(access(tp("m"), F_OK), -1);
  /* A rejected read: EBADF. */
  ASSERT_OK(tick_fs_read_promise(loop, fd, &iov, 1, 0, &ps[n++], NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(tick_promise_error(ps[n - 1]), TICK_EBADF);
  for (i = 0; i < n; i++) tick_promise_release(ps[i]);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* ------------------------------------------------------- bad input, threads ---- */

static void *other_thread(void *arg) {
  tick_loop_t *loop = arg;
  tick_promise_t *p;
  tick_fs_t r = {1};
  intptr_t bad = 0;
  if (tick_fs_stat(loop, "/", save_cb, &o, NULL) != TICK_EWRONGTHREAD) bad++;
  if (tick_fs_stat_promise(loop, "/", &p, NULL) != TICK_EWRONGTHREAD) bad++;
  if (tick_fs_cancel(loop, r) != TICK_EWRONGTHREAD) bad++;
  if (tick_fs_timeout(loop, r, 1) != TICK_EWRONGTHREAD) bad++;
  if (tick_fs_backend(loop) != TICK_EWRONGTHREAD) bad++;
  return (void *)bad;
}

TEST(fs_bad_input) {
  tick_loop_t *loop;
  struct iovec iov = {NULL, 4}, ok = {"x", 1};
  tick_promise_t *p = (tick_promise_t *)&iov;
  tick_fs_t stale = {TICK_NULL_ID}, bogus = {((uint64_t)7 << 32) | 5000};
  tick_dirent_t ents[1];
  pthread_t t;
  void *bad;
  ASSERT_OK(tick_loop_create(&loop, 0));
  ASSERT_ERR(tick_fs_stat(NULL, "/", save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_stat(loop, NULL, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_stat(loop, "/", NULL, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_stat_promise(loop, "/", NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_stat_promise(loop, NULL, &p, NULL), TICK_EINVAL);
  ASSERT(p == NULL); /* cleared on failure */
  ASSERT_ERR(tick_fs_open(loop, NULL, O_RDONLY, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_close(loop, -1, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_read(loop, 0, NULL, 1, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_read(loop, 0, &ok, 0, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_read(loop, 0, &ok, 1025, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_read(loop, -1, &ok, 1, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_read(loop, 0, &ok, 1, -2, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_write(loop, 1, &iov, 1, 0, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_ftruncate(loop, 1, -1, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_rename(loop, "a", NULL, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_copyfile(loop, "a", "b", 0x80, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_readdir(loop, NULL, ents, 1, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_closedir(loop, NULL, save_cb, &o, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_fs_cancel(loop, stale), TICK_ESTALE);
  ASSERT_ERR(tick_fs_cancel(loop, bogus), TICK_ESTALE);
  ASSERT_ERR(tick_fs_timeout(loop, bogus, 1), TICK_ESTALE);
  ASSERT_ERR(tick_fs_cancel(NULL, stale), TICK_EINVAL);
  ASSERT_ERR(tick_fs_backend(NULL), TICK_EINVAL);
  ASSERT_EQ(pthread_create(&t, NULL, other_thread, loop), 0);
  ASSERT_EQ(pthread_join(t, &bad), 0);
  ASSERT(bad == NULL);
  ASSERT_EQ(o.calls, 0);
  ASSERT_EQ(tick_loop_alive(loop), 0); /* nothing was accepted */
  ASSERT_OK(tick_loop_destroy(loop));
}

/* --------------------------------------------------------------- copyfile ---- */

/* Copying a file onto itself (by the same name, or through a hard link) must not destroy
 * it: opening the destination with O_TRUNC used to empty the source before the copy. */
FS_TEST(copyfile_onto_itself) {
  tick_loop_t *loop = fs_loop();
  char buf[64];
  FILE *f;
  size_t n;
  make_tmpdir();
  write_file(tp("f"), "precious bytes");
  ASSERT_EQ(link(tp("f"), tp("hard")), 0);
  ASSERT_GE(SYNC(loop, tick_fs_copyfile(loop, tp("f"), tp("f"), 0, save_cb, &o, NULL)), 0);
  ASSERT_GE(SYNC(loop, tick_fs_copyfile(loop, tp("f"), tp("hard"), 0, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_copyfile(loop, tp("f"), tp("f"), TICK_FS_COPY_EXCL, save_cb, &o,
                                        NULL)),
            TICK_EEXIST);
  f = fopen(tp("f"), "rb");
  ASSERT(f != NULL);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = 0;
  ASSERT_STR_EQ(buf, "precious bytes");
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* A directory handle is a pointer the caller holds: one that another loop opened, or one
 * already closed, must be refused with an error, not used. Closing another loop's handle
 * used to unlink it from the wrong loop's list and free it while its own loop still
 * listed it (a use-after-free and double close when that loop was destroyed). */
FS_TEST(dir_handle_misuse) {
  tick_loop_t *loop = fs_loop(), *other;
  tick_dirent_t ents[4];
  tick_fs_dir_t *dir, *stale;
  make_tmpdir();
  ASSERT_OK(tick_loop_create(&other, 0));
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tmpdir, save_cb, &o, NULL)), 0);
  dir = o.res.dir;
  ASSERT_ERR(tick_fs_closedir(other, dir, save_cb, &o, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_fs_readdir(other, dir, ents, 4, save_cb, &o, NULL), TICK_ESTALE);
  ASSERT_EQ(tick_loop_alive(other), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_readdir(loop, dir, ents, 4, save_cb, &o, NULL)), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_closedir(loop, dir, save_cb, &o, NULL)), 0);
  /* The same pointer after closedir completed: stale. */
  stale = dir;
  ASSERT_ERR(tick_fs_closedir(loop, stale, save_cb, &o, NULL), TICK_ESTALE);
  ASSERT_ERR(tick_fs_readdir(loop, stale, ents, 4, save_cb, &o, NULL), TICK_ESTALE);
  ASSERT_EQ(o.calls, 0);
  ASSERT_OK(tick_loop_destroy(other));
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* A stale handle whose memory already belongs to a handle still being opened (malloc
 * hands the freed block straight back) must not reach readdir(3): that handle has no
 * DIR yet, and the opendir worker is writing it. */
FS_TEST(dir_handle_reused_while_opening) {
  tick_loop_t *loop = fs_loop();
  tick_dirent_t ents[4];
  tick_fs_dir_t *stale;
  int rc, rc2;
  make_tmpdir();
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tmpdir, save_cb, &o, NULL)), 0);
  stale = o.res.dir;
  ASSERT_EQ(SYNC(loop, tick_fs_closedir(loop, stale, save_cb, &o, NULL)), 0);
  o.calls = 0;
  ASSERT_OK(tick_fs_opendir(loop, tmpdir, save_cb, &o, NULL));
  rc = tick_fs_readdir(loop, stale, ents, 4, slot_cb, NULL, NULL);
  rc2 = tick_fs_closedir(loop, stale, slot_cb, NULL, NULL);
  ASSERT(rc == TICK_ESTALE || rc == TICK_EBUSY);
  ASSERT(rc2 == TICK_ESTALE || rc2 == TICK_EBUSY);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_EQ(o.calls, 1);
  ASSERT_EQ(outcome(&o.res), 0);
  ASSERT_EQ(SYNC(loop, tick_fs_closedir(loop, o.res.dir, save_cb, &o, NULL)), 0);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* readdir copies each name out of the buffer readdir(3) fills. Names are packed there
 * (a record is as long as its name, rounded up to 8 bytes), so copying a fixed 256 bytes
 * read past the end of that buffer for the last entry of a full one. This directory's
 * records add up to exactly 32 KiB, glibc's buffer size: '.' and '..' (24 bytes each),
 * two names of 4 bytes (24) and 1021 names of 8 bytes (32). AddressSanitizer sees the
 * over-read; the test checks the names either way. */
FS_TEST(readdir_full_buffer) {
  tick_loop_t *loop = fs_loop();
  tick_dirent_t *ents = calloc(2048, sizeof(*ents));
  tick_fs_dir_t *dir;
  char name[PATH_MAX];
  size_t total = 0, i;
  ASSERT(ents != NULL);
  make_tmpdir();
  for (i = 0; i < 1023; i++) {
    int fd;
    snprintf(name, sizeof(name), i < 2 ? "%s/s%03zu" : "%s/n%07zu", tmpdir, i);
    fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  ASSERT_EQ(SYNC(loop, tick_fs_opendir(loop, tmpdir, save_cb, &o, NULL)), 0);
  dir = o.res.dir;
  for (;;) {
    int64_t got = SYNC(loop, tick_fs_readdir(loop, dir, ents, 2048, save_cb, &o, NULL));
    ASSERT_GE(got, 0);
    if (got == 0) break;
    for (i = 0; i < (size_t)got; i++) {
      size_t len = strlen(ents[i].name);
      ASSERT(len == 4 || len == 8);
    }
    total += (size_t)got;
  }
  ASSERT_UEQ(total, 1023);
  ASSERT_EQ(SYNC(loop, tick_fs_closedir(loop, dir, save_cb, &o, NULL)), 0);
  free(ents);
  ASSERT_OK(tick_loop_destroy(loop));
  rm_tree(tmpdir);
}

/* Steady state: a chain of requests, each made from the previous one's callback, with a
 * deadline on each, allocates nothing once the records, the job records and the timer
 * slots exist. */
typedef struct steady_s {
  int fd, left;
  char buf[16];
  struct iovec iov;
} steady_t;

static void steady_cb(tick_loop_t *loop, const tick_fs_result_t *res, void *arg) {
  steady_t *c = arg;
  tick_fs_t id;
  ASSERT_GE(outcome(res), 0);
  if (--c->left <= 0) return;
  if (c->left % 2)
    ASSERT_OK(tick_fs_read(loop, c->fd, &c->iov, 1, 0, steady_cb, c, &id));
  else
    ASSERT_OK(tick_fs_fstat(loop, c->fd, steady_cb, c, &id));
  ASSERT_OK(tick_fs_timeout(loop, id, 100000));
}

FS_TEST(steady_state_does_not_allocate) {
  tick_loop_t *loop;
  static steady_t c;
  size_t before;
  test_alloc_install();
  loop = fs_loop();
  c.fd = open("/proc/self/exe", O_RDONLY);
  ASSERT_GE(c.fd, 0);
  c.iov.iov_base = c.buf;
  c.iov.iov_len = sizeof(c.buf);
  c.left = 4;
  ASSERT_OK(tick_fs_read(loop, c.fd, &c.iov, 1, 0, steady_cb, &c, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  before = test_alloc_count();
  c.left = 1000;
  ASSERT_OK(tick_fs_read(loop, c.fd, &c.iov, 1, 0, steady_cb, &c, NULL));
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  ASSERT_UEQ(test_alloc_count(), before);
  close(c.fd);
  ASSERT_OK(tick_loop_destroy(loop));
}

/* ------------------------------------------------------- allocation failure ---- */

static int fs_alloc_scenario(void *arg) {
  tick_loop_t *loop;
  tick_promise_t *p = NULL, *p2 = NULL;
  tick_fs_t rid;
  char buf[6][4], buf2[4];
  struct iovec iov[6], iov2 = {buf2, sizeof(buf2)}; /* two reads may run at once */
  slot_t s[80];
  int fd = *(int *)arg, r, i, accepted = 0;
  memset(s, 0, sizeof(s));
  for (i = 0; i < 6; i++) {
    iov[i].iov_base = buf[i];
    iov[i].iov_len = sizeof(buf[i]);
  }
  r = tick_loop_create(&loop, 0);
  if (r != 0) return r;
  /* Past one chunk of request records, a vector copy, a realpath buffer, a directory
   * handle, a promise and its result. */
  for (i = 0; i < 70 && r == 0; i++) {
    r = tick_fs_fstat(loop, fd, slot_cb, &s[i], NULL);
    accepted += r == 0;
  }
  if (r == 0) r = tick_fs_read(loop, fd, iov, 6, 0, slot_cb, &s[70], NULL), accepted += r == 0;
  if (r == 0) r = tick_fs_realpath(loop, "/", slot_cb, &s[71], NULL), accepted += r == 0;
  if (r == 0) r = tick_fs_opendir(loop, "/", slot_cb, &s[72], NULL), accepted += r == 0;
  if (r == 0) r = tick_fs_read(loop, fd, &iov2, 1, 0, slot_cb, &s[73], &rid), accepted += r == 0;
  if (r == 0) r = tick_fs_timeout(loop, rid, 100000); /* a timer; the read goes on */
  if (r == 0) r = tick_fs_stat_promise(loop, "/", &p, NULL);
  if (r == 0) r = tick_fs_realpath_promise(loop, "/", &p2, NULL);
  ASSERT_EQ(tick_loop_run(loop, TICK_RUN_DEFAULT), 0);
  for (i = 0; i < 80; i++) accepted -= s[i].calls;
  ASSERT_EQ(accepted, 0); /* each accepted request completed once */
  for (i = 0; i < 70; i++)
    if (s[i].calls) ASSERT_EQ(s[i].result, 0);
  if (p != NULL) {
    ASSERT_EQ(tick_promise_state(p), TICK_PROMISE_FULFILLED);
    tick_promise_release(p);
  }
  if (p2 != NULL) {
    ASSERT_EQ(tick_promise_state(p2), TICK_PROMISE_FULFILLED);
    ASSERT_STR_EQ(((const tick_fs_result_t *)tick_promise_value(p2))->path, "/");
    tick_promise_release(p2);
  }
  ASSERT_OK(tick_loop_destroy(loop));
  return r;
}

static void alloc_failure_body(void) {
  size_t sites;
  int fd;
  make_tmpdir();
  write_file(tp("f"), "some bytes in a file");
  fd = open(tp("f"), O_RDONLY);
  ASSERT_GE(fd, 0);
  if (use_pool_only)
    setenv("TICK_NO_URING", "1", 1);
  else
    unsetenv("TICK_NO_URING");
  test_alloc_install();
  sites = test_alloc_each_failure(fs_alloc_scenario, &fd);
  /* loop, inbox, fs state, [ring], chunk, chunk array, pool state, pool, threads, job
   * chunk, job array, iov copy, path buffer, dir handle, box, promise state... */
  ASSERT_GE(sites, 12);
  close(fd);
  rm_tree(tmpdir);
}

TEST(fs_alloc_failure_each_site_uring) {
  use_pool_only = 0;
  alloc_failure_body();
}

TEST(fs_alloc_failure_each_site_pool) {
  use_pool_only = 1;
  alloc_failure_body();
}

/* ------------------------------------------------------------ examples/cp ---- */

TEST_TIMEOUT(fs_example_cp, 60) {
  char exe[PATH_MAX], cmd[3 * PATH_MAX + 64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  unsigned char *data;
  size_t len = 3 * 65536 + 123, i;
  FILE *f;
  int mode;
  ASSERT_GT(n, 0);
  exe[n] = 0;
  make_tmpdir();
  data = malloc(len);
  ASSERT(data != NULL);
  fill_pattern(data, len, 0);
  f = fopen(tp("src"), "wb");
  ASSERT(f != NULL);
  ASSERT_UEQ(fwrite(data, 1, len, f), len);
  ASSERT_EQ(fclose(f), 0);
  /* build/tests/run-tests -> build/examples/cp */
  for (mode = 0; mode < 2; mode++) {
    snprintf(cmd, sizeof(cmd), "%s %s/../examples/cp '%s' '%s'",
             mode ? "TICK_NO_URING=1" : "TICK_NO_URING=", dirname(exe), tp("src"),
             tp(mode ? "dst1" : "dst0"));
    ASSERT_EQ(system(cmd), 0);
    f = fopen(tp(mode ? "dst1" : "dst0"), "rb");
    ASSERT(f != NULL);
    for (i = 0; i < len; i++) ASSERT_EQ(fgetc(f), data[i]);
    ASSERT_EQ(fgetc(f), EOF);
    fclose(f);
    readlink("/proc/self/exe", exe, sizeof(exe) - 1); /* dirname wrote into exe */
    exe[n] = 0;
  }
  /* Errors: a missing source exits nonzero and says why. */
  snprintf(cmd, sizeof(cmd), "%s/../examples/cp '%s' '%s' 2>/dev/null", dirname(exe),
           tp("missing"), tp("x"));
  ASSERT_NE(system(cmd), 0);
  free(data);
  rm_tree(tmpdir);
}
