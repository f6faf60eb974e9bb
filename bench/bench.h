/* bench.h - the frame shared by the C benchmarks (tick's and the C peers'): the two
 * clocks, the output protocol read by bench/run.sh, and a seeded generator so that every
 * implementation of a workload sees the same "random" input.
 *
 * Protocol (docs/design/bench.md): a program prints, per workload it measured,
 *
 *     RESULT <tab> workload <tab> impl <tab> wall_seconds <tab> cpu_seconds [<tab> ops]
 *
 * where `ops` (optional) is the number of operations timed; when both sides of a
 * comparison give it, the runner compares time per operation, so a slow peer may run a
 * smaller count. tick's programs may also print
 *
 *     GOAL <tab> workload <tab> peer <tab> max_ratio <tab> wall|cpu
 *
 * to have the runner check a target ratio tick/peer. Any other output is ignored.
 */
#ifndef TICK_BENCH_H
#define TICK_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

typedef struct bench_mark_s {
  struct timespec wall;
  struct timespec cpu;
} bench_mark_t;

static inline double bench_seconds_between(struct timespec from, struct timespec to) {
  return (double)(to.tv_sec - from.tv_sec) + (double)(to.tv_nsec - from.tv_nsec) * 1e-9;
}

/* Profiling hook: under bench/profile.sh, perf samples only inside the measured spans.
 * The script names two FIFOs in the environment; perf reads "enable"/"disable" from the
 * first and acknowledges on the second. Without them this does nothing. */
static inline void bench_perf_control(const char *command) {
  const char *control = getenv("BENCH_PERF_CTL");
  const char *ack = getenv("BENCH_PERF_ACK");
  char reply[16];
  FILE *f;
  if (control == NULL || (f = fopen(control, "w")) == NULL)
    return;
  fprintf(f, "%s\n", command);
  fclose(f);
  if (ack != NULL && (f = fopen(ack, "r")) != NULL) {
    if (fgets(reply, sizeof reply, f) == NULL)
      reply[0] = 0;
    fclose(f);
  }
}

/* Starts a measurement. CPU time is the whole process's (every thread), so that a result
 * cannot win by moving work to another core. */
static inline void bench_begin(bench_mark_t *mark) {
  bench_perf_control("enable");
  clock_gettime(CLOCK_MONOTONIC, &mark->wall);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mark->cpu);
}

/* Wall and CPU seconds of one measured span. */
typedef struct bench_span_s {
  double wall;
  double cpu;
} bench_span_t;

/* The time since `mark` was begun. */
static inline bench_span_t bench_elapsed(const bench_mark_t *mark) {
  bench_mark_t end;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end.cpu);
  clock_gettime(CLOCK_MONOTONIC, &end.wall);
  bench_perf_control("disable");
  bench_span_t span = {bench_seconds_between(mark->wall, end.wall),
                       bench_seconds_between(mark->cpu, end.cpu)};
  return span;
}

static inline bench_span_t bench_span_add(bench_span_t a, bench_span_t b) {
  bench_span_t sum = {a.wall + b.wall, a.cpu + b.cpu};
  return sum;
}

/* Prints one RESULT line. `ops` <= 0 omits the operation count. */
static inline void bench_print(const char *workload, const char *impl, bench_span_t span,
                               double ops) {
  printf("RESULT\t%s\t%s\t%.9f\t%.9f", workload, impl, span.wall, span.cpu);
  if (ops > 0)
    printf("\t%.0f", ops);
  putchar('\n');
  fflush(stdout);
}

/* Ends the measurement begun at `mark` and prints its RESULT line. */
static inline void bench_report(const bench_mark_t *mark, const char *workload,
                                const char *impl, double ops) {
  bench_print(workload, impl, bench_elapsed(mark), ops);
}

/* Declares a goal: tick's time divided by `peer`'s must be at most `max_ratio`, compared
 * on "wall" or "cpu" time. */
static inline void bench_goal(const char *workload, const char *peer, double max_ratio,
                              const char *metric) {
  printf("GOAL\t%s\t%s\t%g\t%s\n", workload, peer, max_ratio, metric);
}

/* Whether to run `workload`: every workload when the program has no argument, else those
 * whose name contains one of the arguments. The runner passes none; a person profiling
 * one workload (perf record build/bench/timers fired) passes a part of its name. */
static inline int bench_wanted(int argc, char **argv, const char *workload) {
  if (argc < 2)
    return 1;
  for (int i = 1; i < argc; i++)
    if (strstr(workload, argv[i]) != NULL)
      return 1;
  return 0;
}

/* Starts a workload in a child process, so that what one workload leaves behind (a grown
 * heap, memory handed back to the allocator) neither helps nor hurts the next one; node's
 * versions run each workload in a fresh process too (lib/bench.js). Returns 1 in the
 * child, which runs the workload and ends with bench_child_done(); returns 0 in the parent
 * once the child has ended, or at once if `workload` is not wanted (bench_wanted). The
 * parent exits with status 1 if the child failed. */
static inline int bench_workload_child(int argc, char **argv, const char *workload) {
  int status;
  pid_t pid;
  if (!bench_wanted(argc, argv, workload))
    return 0;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    perror("bench: fork");
    exit(1);
  }
  if (pid == 0)
    return 1;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      perror("bench: waitpid");
      exit(1);
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench: workload \"%s\" failed (wait status %d)\n", workload, status);
    exit(1);
  }
  return 0;
}

/* Ends the child process of a workload. */
static inline void bench_child_done(void) {
  fflush(stdout);
  _exit(0);
}

/* xorshift32, seeded by the caller; the .js benchmarks use the same generator. */
static inline uint32_t bench_random(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* A benchmark has no error recovery: a failing call ends the program with its location,
 * and the runner reports the program as failed rather than quoting a wrong number. */
static inline void bench_check_at(long rc, const char *expr, const char *file, int line) {
  if (rc < 0) {
    fprintf(stderr, "%s:%d: %s failed: %ld\n", file, line, expr, rc);
    exit(1);
  }
}
#define BENCH_CHECK(expr) bench_check_at((long)(expr), #expr, __FILE__, __LINE__)

/* Ends the program when a workload did not do what it was asked (a count is wrong), so a
 * broken implementation never shows as a fast one. */
static inline void bench_expect_at(int ok, const char *what, const char *file, int line) {
  if (!ok) {
    fprintf(stderr, "%s:%d: expectation failed: %s\n", file, line, what);
    exit(1);
  }
}
#define BENCH_EXPECT(cond) bench_expect_at((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/* Allocates or ends the program. */
static inline void *bench_alloc(size_t size) {
  void *p = calloc(1, size);
  if (p == NULL) {
    fprintf(stderr, "bench: out of memory (%zu bytes)\n", size);
    exit(1);
  }
  return p;
}

#endif
