/* libfuzzer-replay.c - runs inputs through a libFuzzer harness without libFuzzer, so any
 * compiler (and valgrind or the sanitizers) can replay a corpus:
 *
 *   libfuzzer-replay [-v] FILE-OR-DIRECTORY...
 *
 * Each regular file is read whole and passed once to LLVMFuzzerTestOneInput; a directory
 * stands for the files in it, in name order. A broken invariant aborts inside the harness,
 * which names the step; the replay then names the file (SIGABRT handler) before the
 * process dies. -v prints each file's name as it goes. Ends with "replayed N inputs" (a failure never returns) and exits 0, or 2 when an
 * argument cannot be read or no input was found.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long replayed;
static int verbose;
static char current[4096]; /* the file being replayed, for the abort handler */

static void on_abort(int sig) {
  static const char what[] = "libfuzzer-replay: the failing input is ";
  size_t n = strlen(current);
  if (write(2, what, sizeof what - 1) < 0 || write(2, current, n) < 0 || write(2, "\n", 1) < 0) {
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long len;
  if (f == NULL) {
    perror(path);
    return -1;
  }
  if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    perror(path);
    fclose(f);
    return -1;
  }
  /* One byte more than needed, so that an empty file still gets a real pointer. */
  buf = malloc((size_t)len + 1);
  if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
    fprintf(stderr, "%s: cannot read\n", path);
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  snprintf(current, sizeof current, "%s", path);
  if (verbose) printf("replay %s (%ld bytes)\n", path, len);
  fflush(stdout);
  LLVMFuzzerTestOneInput(buf, (size_t)len);
  free(buf);
  replayed++;
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(const char *path) {
  struct stat st;
  struct dirent **names;
  char child[4096];
  int i, n, rc = 0;
  if (stat(path, &st) != 0) {
    perror(path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return replay_file(path);
  n = scandir(path, &names, NULL, by_name);
  if (n < 0) {
    perror(path);
    return -1;
  }
  for (i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.' && rc == 0) {
      snprintf(child, sizeof child, "%s/%s", path, names[i]->d_name);
      if (stat(child, &st) == 0 && S_ISREG(st.st_mode)) rc = replay_file(child);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  int i;
  signal(SIGABRT, on_abort);
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0) verbose = 1;
    else if (replay_path(argv[i]) != 0) return 2;
  }
  if (replayed == 0) {
    fprintf(stderr, "%s: no input to replay\n", argv[0]);
    return 2;
  }
  printf("replayed %lu inputs\n", replayed);
  return 0;
}
