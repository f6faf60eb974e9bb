/* test.h - tick's test framework: registration, typed asserts, allocation-failure harness.
 *
 * A test is `TEST(name) { ... }` in any tests/test-<topic>.c. The runner (runner.c) forks
 * each test into its own process with a timeout, so a crash or hang names the test and
 * does not hide the others. A failed assert prints both operands and exits the child.
 * See docs/testing.md.
 */
#ifndef TICK_TEST_H
#define TICK_TEST_H

#include "tick.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*test_fn)(void);

/* Registers a test; called by the TEST() constructors before main. */
void test_register(const char *name, test_fn fn, const char *file, int timeout_s);

#define TEST_TIMEOUT(name, seconds)                                          \
  static void test_##name(void);                                             \
  __attribute__((constructor)) static void test_register_##name(void) {      \
    test_register(#name, test_##name, __FILE__, (seconds));                  \
  }                                                                          \
  static void test_##name(void)

/* Default timeout is 30 s; the runner scales it under valgrind/sanitizers. */
#define TEST(name) TEST_TIMEOUT(name, 30)

_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ASSERT(expr)                                                        \
  do {                                                                      \
    if (!(expr)) test_fail(__FILE__, __LINE__, "assertion failed: %s", #expr); \
  } while (0)

#define ASSERT_CMP_INT(a, op, b)                                                      \
  do {                                                                                \
    intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                  \
    if (!(a_ op b_))                                                                  \
      test_fail(__FILE__, __LINE__, "%s %s %s: %jd %s %jd", #a, #op, #b, a_, #op, b_); \
  } while (0)

#define ASSERT_CMP_UINT(a, op, b)                                                     \
  do {                                                                                \
    uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                               \
    if (!(a_ op b_))                                                                  \
      test_fail(__FILE__, __LINE__, "%s %s %s: %ju %s %ju", #a, #op, #b, a_, #op, b_); \
  } while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP_INT(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP_INT(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP_INT(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP_INT(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP_INT(a, >, b)
#define ASSERT_GE(a, b) ASSERT_CMP_INT(a, >=, b)
#define ASSERT_UEQ(a, b) ASSERT_CMP_UINT(a, ==, b)

/* An int-returning tick call that must succeed; prints the error name if not. */
#define ASSERT_OK(expr)                                                              \
  do {                                                                               \
    int r_ = (expr);                                                                 \
    if (r_ < 0)                                                                      \
      test_fail(__FILE__, __LINE__, "%s failed: %d (%s)", #expr, r_, tick_err_name(r_)); \
  } while (0)

/* A tick call that must return exactly the error `code`. */
#define ASSERT_ERR(expr, code)                                                        \
  do {                                                                                \
    int r_ = (expr), c_ = (code);                                                     \
    if (r_ != c_)                                                                     \
      test_fail(__FILE__, __LINE__, "%s: got %d (%s), want %d (%s)", #expr, r_,       \
                tick_err_name(r_), c_, tick_err_name(c_));                            \
  } while (0)

#define ASSERT_PTR_EQ(a, b)                                                          \
  do {                                                                               \
    const void *a_ = (const void *)(a), *b_ = (const void *)(b);                     \
    if (a_ != b_) test_fail(__FILE__, __LINE__, "%s == %s: %p != %p", #a, #b, a_, b_); \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                          \
  do {                                                                               \
    const char *a_ = (a), *b_ = (b);                                                 \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                             \
      test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,            \
                a_ ? a_ : "(null)", b_ ? b_ : "(null)");                             \
  } while (0)

/* ------------------------------------------------------------ the test log ---- */

/* An event log the ordering tests compare with a string (tests/helpers.c): logs() appends
 * one word, space-separated; a test clears it with logbuf[0] = 0. */
extern char logbuf[8192];
void logs(const char *s);
/* A task (tick_next_tick, tick_queue_microtask, tick_post ...) that logs its argument. */
void log_task(tick_loop_t *loop, void *arg);

/* -------------------------------------------------------------- slow builds ---- */

/* 1 in AddressSanitizer and ThreadSanitizer builds (gcc and clang spell it differently). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif
#ifndef TEST_SANITIZED
#define TEST_SANITIZED 0
#endif

/* Nonzero when this run is ten to fifty times slower than a native one (the sanitizers,
 * valgrind): stress tests and large transfers use smaller counts there. */
static inline int slow_build(void) {
  return TEST_SANITIZED || getenv("TICK_TEST_VALGRIND") != NULL;
}

/* ------------------------------------------------- allocation-failure harness ---- */

/* Installs the counting allocator for this test process (call before creating loops).
 * From then on every tick allocation is counted; test_alloc_live() is the number of
 * blocks currently allocated. */
void test_alloc_install(void);
size_t test_alloc_live(void);
/* Number of allocations (malloc and growing realloc) made so far. */
size_t test_alloc_count(void);
/* Makes the n-th allocation from now (1-based) fail, and only that one; 0 disables. */
void test_alloc_fail_at(size_t n);
/* 1 if the armed failure has been injected since the last test_alloc_fail_at(). */
int test_alloc_failed(void);

/* Runs `scenario(arg)` with the 1st, 2nd, 3rd ... allocation failing, until a run
 * completes without reaching the injected failure. Each scenario run must return 0 when
 * no failure was injected, and either 0 or TICK_ENOMEM when one was; it must free
 * everything it made (the harness asserts test_alloc_live() is back to its starting
 * value after each run). Returns the number of allocation sites exercised. */
size_t test_alloc_each_failure(int (*scenario)(void *arg), void *arg);

#endif
