/* test-fuzz-node.c - the tick side of the differential fuzzer, inside the unit-test runner:
 * runs the interpreter (tests/fuzz/interp.c, included below) on every saved program of
 * tests/fuzz/cases (shrunk mismatches) and tests/fuzz/batch (generated programs) and
 * compares its output with node's, checked in as the program's .out. The programs run on
 * the manual clock, so the result does not depend on the machine's speed: each timer fires
 * at its own deadline, which is the order node shows when the machine is not late. This
 * is how `make sanitize` and `make valgrind`, which do not run node, exercise the
 * interpreter and the scheduling code under it. `make check` also compares the same
 * programs with node on the real clock (tests/fuzz/fuzz-node.js --check).
 */
#define FUZZ_INTERP_NO_MAIN
#include "fuzz/interp.c"

#include "test.h"

#include <dirent.h>

static char *slurp(const char *path) {
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
  return buf;
}

/* Runs every DIR/NAME.desc against DIR/NAME.out; returns how many ran. */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int count = 0;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) {
    char path[1024], *desc, *want, *got = NULL;
    size_t len = strlen(e->d_name), got_len = 0;
    FILE *out;
    int rc;
    if (len < 6 || strcmp(e->d_name + len - 5, ".desc") != 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    desc = slurp(path);
    ASSERT(desc != NULL);
    snprintf(path, sizeof(path), "%s/%.*s.out", dir, (int)(len - 5), e->d_name);
    want = slurp(path);
    if (want == NULL) test_fail(__FILE__, __LINE__, "%s: missing", path);
    out = open_memstream(&got, &got_len);
    ASSERT(out != NULL);
    rc = fuzz_interp_run(desc, out, 1);
    fclose(out);
    if (rc != 0) test_fail(__FILE__, __LINE__, "%s/%s: interpreter status %d", dir, e->d_name, rc);
    if (strcmp(got, want) != 0)
      test_fail(__FILE__, __LINE__, "%s/%s: output differs from node's\n--- got\n%s--- want\n%s",
                dir, e->d_name, got, want);
    free(got);
    free(want);
    free(desc);
    count++;
  }
  closedir(d);
  return count;
}

TEST_TIMEOUT(fuzz_node_saved_programs, 120) {
  int n = run_dir("tests/fuzz/batch");
  ASSERT_GT(n, 0);
  run_dir("tests/fuzz/cases");
}

/* The interpreter refuses what it cannot run, with status 2 and nothing leaked. */
/* An async function still suspended when the program ends never resumes in node: its
 * cancellation by tick_loop_destroy, and the reactions to its promise, print nothing. */
TEST(fuzz_node_async_left_suspended) {
  static const char prog[] = "0 PN 1 -\n0 AF 2 1\n0 TH 3 2 -,u 2,s\n0 FI 4 2 - u\n"
                             "0 AF 5 3\n1 M 1 -\n1 AW 1 1\n1 AX 5\n3 AW 0 2\n";
  char *got = NULL;
  size_t got_len = 0;
  FILE *out = open_memstream(&got, &got_len);
  ASSERT(out != NULL);
  ASSERT_EQ(fuzz_interp_run(prog, out, 1), 0);
  fclose(out);
  ASSERT_STR_EQ(got, "a2\na5\nm1\n");
  free(got);
}

TEST(fuzz_node_interp_rejects_bad_programs) {
  static const char *bad[] = {"0 TH 2 1 -,u -\n", "0 S 4 f 1\n", "0 ZZ 1\n", "0 T 1\n",
                              "0 PT 1 h,1\n", "0 PR 1 5\n0 AW 0 1\n", "0 AF 2 1\n1 AV 0\n"};
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char *got = NULL;
    size_t got_len = 0;
    FILE *out = open_memstream(&got, &got_len);
    ASSERT(out != NULL);
    ASSERT_EQ(fuzz_interp_run(bad[i], out, 1), 2);
    fclose(out);
    free(got);
  }
}
