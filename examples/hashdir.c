/* hashdir.c - hashes every regular file of a directory, at most 8 files open at once.
 *
 *   build/examples/hashdir [--stats] DIR
 *
 * Lists DIR (the entries of DIR itself, not of its subdirectories), then hashes each
 * regular file in an async function of its own, all of them members of one task group
 * (include/tick/group.h) whose limit is 8: at most 8 files are open at any moment, the
 * others wait in the group's queue in listing order, as p-limit would make them. Each
 * function opens, reads and closes its file with the one-call await forms of
 * include/tick/async-io.h. The hash is 64-bit FNV-1a (a checksum, not a cryptographic
 * digest).
 *
 * Prints "HASH  PATH" lines sorted by path (HASH: 16 hex digits, PATH: DIR/NAME). The group
 * collects every failure instead of stopping at the first (TICK_GROUP_COLLECT): a file
 * that cannot be read is reported on standard error as "hashdir: PATH: ERROR" and makes
 * the exit status 1, as does a directory that cannot be listed. With --stats it also
 * prints "open at most: N" on standard error.
 */
#include "tick.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LIMIT 8
#define CHUNK (64 * 1024)

typedef struct file_s {
  char *path;
  uint64_t hash;
} file_t;

static int open_now, open_max;

/* Reads all of file `f` and stores its hash. */
static int hash_file(tick_async_t *co, void *arg) {
  file_t *f = arg;
  uint64_t h = 0xcbf29ce484222325u;
  int64_t pos = 0;
  ssize_t n, i;
  int fd, rc;
  unsigned char *buf = malloc(CHUNK);
  if (buf == NULL) return TICK_ENOMEM;
  fd = tick_await_fs_open(co, f->path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    free(buf);
    return fd;
  }
  if (++open_now > open_max) open_max = open_now;
  while ((n = tick_await_fs_read(co, fd, buf, CHUNK, pos)) > 0) {
    for (i = 0; i < n; i++) h = (h ^ buf[i]) * 0x100000001b3u;
    pos += n;
  }
  free(buf);
  rc = tick_await_fs_close(co, fd);
  open_now--;
  if (n < 0) return (int)n;
  f->hash = h;
  return rc;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const file_t *)a)->path, ((const file_t *)b)->path);
}

/* A fulfilled request's result. */
static const tick_fs_result_t *awaited(tick_async_t *co) { return tick_async_value(co); }

/* Lists the regular files of `dir` into *files (sorted by path). Returns 0 or an error. */
static int list(tick_async_t *co, const char *dir, file_t **files, size_t *count) {
  tick_loop_t *loop = tick_async_loop(co);
  tick_dirent_t entries[64];
  tick_fs_dir_t *d;
  tick_promise_t *p;
  size_t cap = 0, i;
  int rc;
  if ((rc = tick_fs_opendir_promise(loop, dir, &p, NULL)) != 0) return rc;
  rc = tick_await(co, p);
  tick_promise_release(p);
  if (rc != 0) return rc;
  d = awaited(co)->dir;
  for (;;) {
    size_t n;
    if ((rc = tick_fs_readdir_promise(loop, d, entries, 64, &p, NULL)) != 0) break;
    rc = tick_await(co, p);
    tick_promise_release(p);
    if (rc != 0 || (n = awaited(co)->count) == 0) break;
    for (i = 0; i < n && rc == 0; i++) {
      tick_stat_t st;
      size_t len = strlen(dir) + strlen(entries[i].name) + 2;
      char *path;
      if (entries[i].type != TICK_DIRENT_FILE && entries[i].type != TICK_DIRENT_UNKNOWN)
        continue;
      if ((path = malloc(len)) == NULL) {
        rc = TICK_ENOMEM;
        break;
      }
      snprintf(path, len, "%s/%s", dir, entries[i].name);
      /* The file system did not say: ask (a regular file, symbolic links followed). */
      if (entries[i].type == TICK_DIRENT_UNKNOWN &&
          (tick_await_fs_stat(co, path, &st) != 0 || !S_ISREG(st.mode))) {
        free(path);
        continue;
      }
      if (*count == cap) {
        file_t *more = realloc(*files, (cap = cap ? cap * 2 : 64) * sizeof(file_t));
        if (more == NULL) {
          free(path);
          rc = TICK_ENOMEM;
          break;
        }
        *files = more;
      }
      (*files)[(*count)++] = (file_t){path, 0};
    }
    if (rc != 0) break;
  }
  if (tick_fs_closedir_promise(loop, d, &p, NULL) == 0) {
    tick_await(co, p);
    tick_promise_release(p);
  }
  if (*count > 1) qsort(*files, *count, sizeof(file_t), by_path);
  return rc;
}

typedef struct job_s {
  const char *dir;
  int status;
} job_t;

static int hashdir(tick_async_t *co, void *arg) {
  job_t *job = arg;
  tick_group_options_t options = {.limit = LIMIT, .mode = TICK_GROUP_COLLECT};
  tick_group_item_t item;
  tick_group_t *group;
  file_t *files = NULL;
  size_t count = 0, i;
  int rc = list(co, job->dir, &files, &count);
  if (rc != 0) {
    fprintf(stderr, "hashdir: %s: %s\n", job->dir, tick_err_name(rc));
    job->status = 1;
  } else if ((rc = tick_group_create(tick_async_loop(co), &options, &group)) != 0) {
    fprintf(stderr, "hashdir: %s\n", tick_strerror(rc));
    job->status = 1;
  } else {
    /* Every file is a member; the first 8 start now, the rest as those end. */
    for (i = 0; i < count && rc == 0; i++) rc = tick_group_run(group, hash_file, &files[i], NULL, NULL);
    if (rc != 0) tick_group_cancel(group, rc);
    tick_group_wait(co, group); /* after every member has ended */
    for (i = 0; i < tick_group_count(group); i++) {
      tick_group_item(group, i, &item);
      if (item.state == TICK_PROMISE_FULFILLED) {
        printf("%016llx  %s\n", (unsigned long long)files[i].hash, files[i].path);
      } else {
        fprintf(stderr, "hashdir: %s: %s\n", files[i].path, tick_err_name(item.error));
        job->status = 1;
      }
    }
    if (rc != 0) job->status = 1;
    tick_group_release(group);
  }
  for (i = 0; i < count; i++) free(files[i].path);
  free(files);
  return 0;
}

int main(int argc, char **argv) {
  tick_loop_t *loop;
  job_t job = {NULL, 0};
  int stats = argc > 1 && strcmp(argv[1], "--stats") == 0;
  if (argc != 2 + stats) {
    fprintf(stderr, "usage: hashdir [--stats] DIR\n");
    return 2;
  }
  job.dir = argv[1 + stats];
  if (tick_loop_create(&loop, 0) != 0 || tick_async_run(loop, hashdir, &job, NULL, NULL) != 0 ||
      tick_loop_run(loop, TICK_RUN_DEFAULT) < 0 || tick_loop_destroy(loop) != 0) {
    fprintf(stderr, "hashdir: the loop failed\n");
    return 1;
  }
  if (stats) fprintf(stderr, "open at most: %d\n", open_max);
  return job.status;
}
