/* runner.c - runs tick's tests, each in its own process with a timeout.
 *
 *   run-tests [-l] [--ordering SRC_DIR BIN_DIR] [--extern NAME CMD] [PATTERN...]
 *
 * -l lists test names. PATTERN is a shell glob on names (unit tests are "topic_name",
 * ordering twins "ordering/NNN-name" and "ordering/NNN-name.js", external commands their
 * NAME); with no pattern everything runs. --ordering runs each C twin BIN_DIR/NNN-name and
 * compares its stdout with SRC_DIR/NNN-name.out (node's output); when `node` is on the PATH
 * and TICK_TEST_NODE is not 0, it also reruns SRC_DIR/NNN-name.js under node and requires
 * the same output. --extern runs `sh -c CMD` as one test. The run ends with the line
 * "N passed, N failed" and exits 1 if anything failed.
 *
 * TICK_TEST_TIMEOUT_SCALE multiplies every timeout (valgrind and sanitizer runs set it).
 */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ registration ---- */

typedef struct test_entry_s {
  const char *name;
  test_fn fn;
  const char *file;
  int timeout_s;
} test_entry_t;

static test_entry_t *tests;
static size_t test_count, test_cap;

void test_register(const char *name, test_fn fn, const char *file, int timeout_s) {
  if (test_count == test_cap) {
    test_cap = test_cap ? test_cap * 2 : 64;
    tests = realloc(tests, test_cap * sizeof(*tests));
    if (tests == NULL) abort();
  }
  tests[test_count].name = name;
  tests[test_count].fn = fn;
  tests[test_count].file = file;
  tests[test_count].timeout_s = timeout_s;
  test_count++;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const test_entry_t *)a)->name, ((const test_entry_t *)b)->name);
}

_Noreturn void test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "%s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  _exit(1);
}

/* -------------------------------------------------- counting allocator ---- */

/* Each block carries a header with its size so that realloc can tell growth from
 * shrinking; only growth counts as an allocation that may fail. */
typedef struct alloc_header_s {
  size_t size;
  size_t pad; /* keeps the user block 16-byte aligned */
} alloc_header_t;

static size_t alloc_live, alloc_count, alloc_fail_at;
static int alloc_failed;

static int alloc_should_fail(void) {
  alloc_count++;
  if (alloc_fail_at != 0 && alloc_count == alloc_fail_at) {
    alloc_failed = 1;
    return 1;
  }
  return 0;
}

static void *count_malloc(void *ctx, size_t size) {
  alloc_header_t *h;
  (void)ctx;
  if (alloc_should_fail()) return NULL;
  h = malloc(sizeof(*h) + size);
  if (h == NULL) return NULL;
  h->size = size;
  alloc_live++;
  return h + 1;
}

static void *count_realloc(void *ctx, void *ptr, size_t size) {
  alloc_header_t *h, *n;
  if (ptr == NULL) return count_malloc(ctx, size);
  h = (alloc_header_t *)ptr - 1;
  if (size > h->size && alloc_should_fail()) return NULL;
  n = realloc(h, sizeof(*n) + size);
  if (n == NULL) return NULL;
  n->size = size;
  return n + 1;
}

static void count_free(void *ctx, void *ptr) {
  (void)ctx;
  if (ptr == NULL) return;
  alloc_live--;
  free((alloc_header_t *)ptr - 1);
}

void test_alloc_install(void) {
  tick_allocator_t a = {count_malloc, count_realloc, count_free, NULL};
  int r = tick_set_allocator(&a);
  if (r != 0) test_fail(__FILE__, __LINE__, "tick_set_allocator: %s", tick_err_name(r));
}

size_t test_alloc_live(void) { return alloc_live; }
size_t test_alloc_count(void) { return alloc_count; }
int test_alloc_failed(void) { return alloc_failed; }

void test_alloc_fail_at(size_t n) {
  alloc_fail_at = n ? alloc_count + n : 0;
  alloc_failed = 0;
}

size_t test_alloc_each_failure(int (*scenario)(void *arg), void *arg) {
  size_t n, base = alloc_live;
  for (n = 1;; n++) {
    int r;
    test_alloc_fail_at(n);
    r = scenario(arg);
    if (alloc_live != base)
      test_fail(__FILE__, __LINE__, "failing allocation %zu: %zu block(s) leaked", n,
                alloc_live - base);
    if (!alloc_failed) {
      test_alloc_fail_at(0);
      if (r != 0)
        test_fail(__FILE__, __LINE__, "scenario failed without injection: %s",
                  tick_err_name(r));
      return n - 1;
    }
    if (r != 0 && r != TICK_ENOMEM)
      test_fail(__FILE__, __LINE__, "failing allocation %zu: got %s, want ENOMEM or 0", n,
                tick_err_name(r));
  }
}

/* ---------------------------------------------------------------- running ---- */

static double timeout_scale = 1.0;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for `pid` for at most `timeout_s`; kills it on timeout. Returns the wait status,
 * or -1 on timeout. */
static int wait_child(pid_t pid, double timeout_s) {
  double deadline = now_s() + timeout_s;
  int status;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -2;
    if (now_s() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(r == 0 && now_s() + 0.2 < deadline ? 2000 : 500);
  }
}

static int report(int number, const char *name, int status, double t0, int timeout_s) {
  double dt = now_s() - t0;
  if (status == -1) {
    printf("not ok %d - %s (timed out after %d s)\n", number, name, timeout_s);
  } else if (status == -2) {
    printf("not ok %d - %s (wait failed)\n", number, name);
  } else if (WIFSIGNALED(status)) {
    printf("not ok %d - %s (killed by signal %d: %s)\n", number, name, WTERMSIG(status),
           strsignal(WTERMSIG(status)));
  } else if (WEXITSTATUS(status) != 0) {
    printf("not ok %d - %s (exit status %d)\n", number, name, WEXITSTATUS(status));
  } else {
    printf("ok %d - %s (%.2f s)\n", number, name, dt);
    fflush(stdout);
    return 1;
  }
  fflush(stdout);
  return 0;
}

static int run_unit(int number, const test_entry_t *t) {
  double t0 = now_s();
  int timeout_s = (int)(t->timeout_s * timeout_scale);
  pid_t pid;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    perror("fork");
    return 0;
  }
  if (pid == 0) {
    setpgid(0, 0);
    t->fn();
    fflush(stdout);
    exit(0); /* exit, not _exit: leak checkers run at exit */
  }
  return report(number, t->name, wait_child(pid, timeout_s), t0, timeout_s);
}

/* Runs argv with stdout captured into `out` (malloc'd, NUL-terminated). Returns the wait
 * status, -1 on timeout. */
static int run_capture(char *const argv[], const char *cwd, int timeout_s, char **out,
                       size_t *out_len) {
  int fds[2];
  pid_t pid;
  size_t len = 0, cap = 4096;
  char *buf = malloc(cap);
  double deadline = now_s() + timeout_s;
  int status = -1;
  if (buf == NULL || pipe(fds) != 0) abort();
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) abort();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    if (cwd != NULL && chdir(cwd) != 0) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  for (;;) {
    ssize_t n;
    if (len + 1024 > cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (buf == NULL) abort();
    }
    n = read(fds[0], buf + len, cap - len - 1);
    if (n > 0) {
      len += (size_t)n;
      continue;
    }
    if (n == 0) break;
    if (errno != EAGAIN && errno != EINTR) break;
    if (now_s() > deadline) {
      kill(pid, SIGKILL);
      break;
    }
    usleep(1000);
  }
  close(fds[0]);
  status = wait_child(pid, deadline - now_s() > 1 ? deadline - now_s() : 1);
  if (now_s() > deadline && status != -1 && WIFSIGNALED(status) &&
      WTERMSIG(status) == SIGKILL)
    status = -1;
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  return status;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) abort();
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Prints the first line where `got` and `want` differ. */
static void show_diff(const char *name, const char *got, const char *want) {
  int line = 1;
  const char *g = got, *w = want;
  while (*g && *w && *g == *w) {
    if (*g == '\n') line++;
    g++;
    w++;
  }
  while (g > got && g[-1] != '\n') g--;
  while (w > want && w[-1] != '\n') w--;
  printf("# %s: output differs at line %d\n#   got:  %.*s\n#   want: %.*s\n", name, line,
         (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
}

static int run_compare(int number, const char *name, char *const argv[], const char *cwd,
                       const char *want, size_t want_len) {
  double t0 = now_s();
  int timeout_s = (int)(30 * timeout_scale);
  char *got;
  size_t got_len;
  int status = run_capture(argv, cwd, timeout_s, &got, &got_len);
  int ok;
  if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
      (got_len != want_len || memcmp(got, want, want_len) != 0)) {
    show_diff(name, got, want);
    printf("not ok %d - %s (output differs from node's)\n", number, name);
    ok = 0;
  } else {
    ok = report(number, name, status, t0, timeout_s);
  }
  free(got);
  return ok;
}

static int node_available(void) {
  const char *env = getenv("TICK_TEST_NODE");
  if (env != NULL && strcmp(env, "0") == 0) return 0;
  return system("node --version >/dev/null 2>&1") == 0;
}

typedef struct ordering_s {
  const char *src, *bin;
} ordering_t;

typedef struct extern_s {
  const char *name, *cmd;
} extern_t;

static int matches(const char *name, char **patterns, int npatterns) {
  int i;
  if (npatterns == 0) return 1;
  for (i = 0; i < npatterns; i++)
    if (fnmatch(patterns[i], name, 0) == 0) return 1;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ordering scenarios of a directory: every NNN-name.c, sorted. */
static char **ordering_names(const char *dir, size_t *count) {
  char cmd[4096];
  FILE *p;
  char line[1024];
  char **names = NULL;
  size_t n = 0, cap = 0;
  snprintf(cmd, sizeof(cmd), "cd '%s' 2>/dev/null && ls *.c 2>/dev/null", dir);
  p = popen(cmd, "r");
  if (p == NULL) abort();
  while (fgets(line, sizeof(line), p) != NULL) {
    size_t len = strcspn(line, "\n");
    if (len < 3) continue;
    line[len - 2] = '\0'; /* strip ".c" */
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof(*names));
      if (names == NULL) abort();
    }
    names[n++] = strdup(line);
  }
  pclose(p);
  if (n > 1) qsort(names, n, sizeof(*names), cmp_str);
  *count = n;
  return names;
}

int main(int argc, char **argv) {
  ordering_t orderings[8];
  extern_t externs[32];
  int norderings = 0, nexterns = 0, npatterns = 0, list = 0;
  char **patterns = calloc((size_t)argc, sizeof(char *));
  int passed = 0, failed = 0, number = 0, i;
  const char *scale = getenv("TICK_TEST_TIMEOUT_SCALE");
  size_t k;

  if (scale != NULL && atof(scale) > 0) timeout_scale = atof(scale);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0) {
      list = 1;
    } else if (strcmp(argv[i], "--ordering") == 0 && i + 2 < argc && norderings < 8) {
      orderings[norderings].src = argv[i + 1];
      orderings[norderings].bin = argv[i + 2];
      norderings++;
      i += 2;
    } else if (strcmp(argv[i], "--extern") == 0 && i + 2 < argc && nexterns < 32) {
      externs[nexterns].name = argv[i + 1];
      externs[nexterns].cmd = argv[i + 2];
      nexterns++;
      i += 2;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: %s [-l] [--ordering SRC BIN] [--extern NAME CMD] [PATTERN...]\n",
              argv[0]);
      return 2;
    } else {
      patterns[npatterns++] = argv[i];
    }
  }

  if (test_count > 1) qsort(tests, test_count, sizeof(*tests), cmp_entry);
  setvbuf(stdout, NULL, _IOLBF, 0);

  for (k = 0; k < test_count; k++) {
    if (!matches(tests[k].name, patterns, npatterns)) continue;
    if (list) {
      printf("%s\n", tests[k].name);
      continue;
    }
    if (run_unit(++number, &tests[k]))
      passed++;
    else
      failed++;
  }

  for (i = 0; i < norderings; i++) {
    size_t count, j;
    char **names = ordering_names(orderings[i].src, &count);
    int node = !list && node_available();
    for (j = 0; j < count; j++) {
      char name[512], path[2048], bin[2048], js[1024];
      char *want;
      size_t want_len = 0;
      snprintf(name, sizeof(name), "ordering/%s", names[j]);
      if (list) {
        if (matches(name, patterns, npatterns)) printf("%s\n%s.js\n", name, name);
        continue;
      }
      snprintf(path, sizeof(path), "%s/%s.out", orderings[i].src, names[j]);
      want = read_file(path, &want_len);
      if (matches(name, patterns, npatterns)) {
        if (want == NULL) {
          printf("not ok %d - %s (missing %s)\n", ++number, name, path);
          failed++;
        } else {
          char *args[2];
          snprintf(bin, sizeof(bin), "%s/%s", orderings[i].bin, names[j]);
          args[0] = bin;
          args[1] = NULL;
          if (run_compare(++number, name, args, NULL, want, want_len))
            passed++;
          else
            failed++;
        }
      }
      strcat(name, ".js");
      if (node && want != NULL && matches(name, patterns, npatterns)) {
        char *args[3];
        snprintf(js, sizeof(js), "%s.js", names[j]);
        args[0] = "node";
        args[1] = js;
        args[2] = NULL;
        if (run_compare(++number, name, args, orderings[i].src, want, want_len))
          passed++;
        else
          failed++;
      }
      free(want);
      free(names[j]);
    }
    free(names);
  }

  for (i = 0; i < nexterns; i++) {
    if (!matches(externs[i].name, patterns, npatterns)) continue;
    if (list) {
      printf("%s\n", externs[i].name);
      continue;
    }
    {
      double t0 = now_s();
      int timeout_s = (int)(600 * timeout_scale);
      pid_t pid;
      fflush(stdout);
      pid = fork();
      if (pid == 0) {
        execl("/bin/sh", "sh", "-c", externs[i].cmd, (char *)NULL);
        _exit(127);
      }
      if (report(++number, externs[i].name, wait_child(pid, timeout_s), t0, timeout_s))
        passed++;
      else
        failed++;
    }
  }

  free(patterns);
  free(tests);
  if (list) return 0;
  if (number == 0) {
    fprintf(stderr, "no test matched\n");
    printf("0 passed, 1 failed\n");
    return 1;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
