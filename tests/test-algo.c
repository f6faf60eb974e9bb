/* test-algo.c - the synchronous callback algorithms (include/tick/algo.h).
 *
 * Every visitor test records each callback call (index, element pointer, ctx) into a log
 * and asserts the whole log: the order and the number of calls are the contract. The
 * sort is checked against an index-tagged reference (elements ordered by key, then by
 * original position, which is the one and only stable order) on many sizes, element sizes
 * and key distributions.
 */
#include "test.h"

#include <stdint.h>

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ call logging ---- */

#define LOG_MAX 64

typedef struct call_log_s {
  size_t count;             /* calls made */
  size_t index[LOG_MAX];    /* index argument of each call */
  const void *elem[LOG_MAX];/* element pointer of each call */
  const void *ctx_seen;     /* the ctx of the last call */
  size_t stop_at;           /* index at which to return `stop_with` (SIZE_MAX: never) */
  int stop_with;
  const int *truth;         /* predicate results by index, if set */
} call_log_t;

static void log_init(call_log_t *log) {
  memset(log, 0, sizeof(*log));
  log->stop_at = SIZE_MAX;
  log->stop_with = -1234;
}

static int log_call(call_log_t *log, const void *elem, size_t index) {
  ASSERT(log->count < LOG_MAX);
  log->index[log->count] = index;
  log->elem[log->count] = elem;
  log->count++;
  log->ctx_seen = log;
  return index == log->stop_at ? log->stop_with : 0;
}

/* Asserts that the calls visited exactly `indices[0..n)` in that order, each with a
 * pointer to its element of `base`. */
static void assert_calls(const call_log_t *log, const void *base, size_t elem_size,
                         const size_t *indices, size_t n) {
  size_t i;
  ASSERT_UEQ(log->count, n);
  for (i = 0; i < n; i++) {
    ASSERT_UEQ(log->index[i], indices[i]);
    ASSERT_PTR_EQ(log->elem[i], (const char *)base + indices[i] * elem_size);
  }
  if (n > 0) ASSERT_PTR_EQ(log->ctx_seen, log);
}

static void iota(size_t *v, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) v[i] = i;
}

/* ---------------------------------------------------------------- for_each ---- */

static int each_double(void *ctx, void *elem, size_t index) {
  int r = log_call(ctx, elem, index);
  if (r < 0) return r;
  *(int *)elem *= 2;
  return 0;
}

TEST(algo_for_each_order_and_side_effect) {
  int v[5] = {1, 2, 3, 4, 5};
  size_t want[5];
  call_log_t log;
  log_init(&log);
  iota(want, 5);
  ASSERT_EQ(tick_for_each(v, 5, sizeof(int), each_double, &log), 0);
  assert_calls(&log, v, sizeof(int), want, 5);
  /* The callback's side effects are visible at the very next statement. */
  ASSERT_EQ(v[0], 2);
  ASSERT_EQ(v[4], 10);
}

TEST(algo_for_each_stop) {
  int v[6] = {1, 2, 3, 4, 5, 6};
  size_t want[3] = {0, 1, 2};
  call_log_t log;
  log_init(&log);
  log.stop_at = 2;
  log.stop_with = -77; /* any negative value, not only TICK_E* codes */
  ASSERT_EQ(tick_for_each(v, 6, sizeof(int), each_double, &log), -77);
  assert_calls(&log, v, sizeof(int), want, 3);
  ASSERT_EQ(v[1], 4); /* visited */
  ASSERT_EQ(v[2], 3); /* the failing call changed nothing */
  ASSERT_EQ(v[3], 4); /* never visited */
}

TEST(algo_for_each_empty) {
  call_log_t log;
  log_init(&log);
  ASSERT_EQ(tick_for_each(NULL, 0, 4, each_double, &log), 0);
  ASSERT_UEQ(log.count, 0);
}

/* --------------------------------------------------------------------- map ---- */

/* int -> double, halving; stops at log->stop_at after writing a marker to out. */
static int map_half(void *ctx, const void *in, void *out, size_t index) {
  call_log_t *log = ctx;
  int r = log_call(log, in, index);
  if (r < 0) {
    *(double *)out = -1.5; /* what the callback wrote before failing */
    return r;
  }
  *(double *)out = *(const int *)in / 2.0;
  return 0;
}

TEST(algo_map_other_size) {
  int in[4] = {2, 4, 6, 9};
  double out[4] = {0};
  size_t want[4];
  call_log_t log;
  log_init(&log);
  iota(want, 4);
  ASSERT_EQ(tick_map(in, 4, sizeof(int), out, sizeof(double), map_half, &log), 0);
  assert_calls(&log, in, sizeof(int), want, 4);
  ASSERT(out[0] == 1.0 && out[1] == 2.0 && out[2] == 3.0 && out[3] == 4.5);
}

TEST(algo_map_stop_output) {
  int in[5] = {2, 4, 6, 8, 10};
  double out[5] = {7, 7, 7, 7, 7};
  size_t want[3] = {0, 1, 2};
  call_log_t log;
  log_init(&log);
  log.stop_at = 2;
  ASSERT_ERR(tick_map(in, 5, sizeof(int), out, sizeof(double), map_half, &log), -1234);
  assert_calls(&log, in, sizeof(int), want, 3);
  /* out[0..2) mapped, out[2] what the callback wrote, the rest untouched. */
  ASSERT(out[0] == 1.0 && out[1] == 2.0);
  ASSERT(out[2] == -1.5);
  ASSERT(out[3] == 7 && out[4] == 7);
}

static int map_square_in_place(void *ctx, const void *in, void *out, size_t index) {
  int x = *(const int *)in;
  (void)index;
  ASSERT_PTR_EQ(in, out);
  ASSERT_PTR_EQ(ctx, NULL);
  *(int *)out = x * x;
  return 0;
}

TEST(algo_map_in_place) {
  int v[3] = {3, -4, 5};
  ASSERT_EQ(tick_map(v, 3, sizeof(int), v, sizeof(int), map_square_in_place, NULL), 0);
  ASSERT(v[0] == 9 && v[1] == 16 && v[2] == 25);
}

static int map_copy(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx, (void)index;
  memcpy(out, in, sizeof(int));
  return 0;
}

TEST(algo_map_rejects_overlap) {
  int v[8] = {0};
  call_log_t log;
  log_init(&log);
  /* Shifted by one element, or in place with a different output size. */
  ASSERT_ERR(tick_map(v, 4, sizeof(int), v + 1, sizeof(int), map_half, &log), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, 4, sizeof(int), v, sizeof(double), map_half, &log), TICK_EINVAL);
  ASSERT_UEQ(log.count, 0);
  /* Adjacent is not overlapping. */
  ASSERT_ERR(tick_map(v, 4, sizeof(int), v + 4, sizeof(int), map_copy, NULL), 0);
}

/* ------------------------------------------------------------------ filter ---- */

static int pred_truth(void *ctx, const void *elem, size_t index) {
  call_log_t *log = ctx;
  int r = log_call(log, elem, index);
  if (r < 0) return r;
  return log->truth[index];
}

TEST(algo_filter_keeps_in_order) {
  int in[6] = {10, 11, 12, 13, 14, 15}, out[6] = {0};
  /* Any positive value is true. */
  const int truth[6] = {1, 0, 7, 0, 0, 1};
  size_t kept = 99, want[6];
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  iota(want, 6);
  ASSERT_EQ(tick_filter(in, 6, sizeof(int), out, &kept, pred_truth, &log), 0);
  assert_calls(&log, in, sizeof(int), want, 6);
  ASSERT_UEQ(kept, 3);
  ASSERT(out[0] == 10 && out[1] == 12 && out[2] == 15 && out[3] == 0);
}

TEST(algo_filter_stop_output) {
  int in[6] = {10, 11, 12, 13, 14, 15}, out[6] = {0};
  const int truth[6] = {1, 0, 1, 1, 1, 1};
  size_t kept = 99, want[4] = {0, 1, 2, 3};
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  log.stop_at = 3;
  ASSERT_ERR(tick_filter(in, 6, sizeof(int), out, &kept, pred_truth, &log), -1234);
  assert_calls(&log, in, sizeof(int), want, 4);
  /* The elements kept before the failing one. */
  ASSERT_UEQ(kept, 2);
  ASSERT(out[0] == 10 && out[1] == 12 && out[2] == 0);
}

TEST(algo_filter_in_place_and_overlap) {
  int v[6] = {10, 11, 12, 13, 14, 15};
  const int truth[6] = {0, 1, 0, 1, 1, 0};
  size_t kept = 0;
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_filter(v, 6, sizeof(int), v, &kept, pred_truth, &log), 0);
  ASSERT_UEQ(kept, 3);
  ASSERT(v[0] == 11 && v[1] == 13 && v[2] == 14);
  log_init(&log);
  log.truth = truth;
  ASSERT_ERR(tick_filter(v, 3, sizeof(int), v + 2, &kept, pred_truth, &log), TICK_EINVAL);
  ASSERT_UEQ(log.count, 0);
}

TEST(algo_filter_empty) {
  size_t kept = 5;
  call_log_t log;
  log_init(&log);
  ASSERT_EQ(tick_filter(NULL, 0, 4, NULL, &kept, pred_truth, &log), 0);
  ASSERT_UEQ(kept, 0);
  ASSERT_UEQ(log.count, 0);
}

/* ------------------------------------------------------------------ reduce ---- */

/* acc = acc * 10 + elem: the result spells the visiting order. */
static int reduce_digits(void *ctx, void *acc, const void *elem, size_t index) {
  int r = log_call(ctx, elem, index);
  if (r < 0) return r;
  *(long *)acc = *(long *)acc * 10 + *(const int *)elem;
  return 0;
}

TEST(algo_reduce_left_and_right) {
  int v[4] = {1, 2, 3, 4};
  long acc = 5;
  size_t left[4] = {0, 1, 2, 3}, right[4] = {3, 2, 1, 0};
  call_log_t log;
  log_init(&log);
  ASSERT_EQ(tick_reduce(v, 4, sizeof(int), &acc, reduce_digits, &log), 0);
  assert_calls(&log, v, sizeof(int), left, 4);
  ASSERT_EQ(acc, 51234);
  acc = 5;
  log_init(&log);
  ASSERT_EQ(tick_reduce_right(v, 4, sizeof(int), &acc, reduce_digits, &log), 0);
  assert_calls(&log, v, sizeof(int), right, 4);
  ASSERT_EQ(acc, 54321);
}

TEST(algo_reduce_stop_keeps_partial) {
  int v[4] = {1, 2, 3, 4};
  long acc = 0;
  size_t left[3] = {0, 1, 2}, right[2] = {3, 2};
  call_log_t log;
  log_init(&log);
  log.stop_at = 2;
  log.stop_with = TICK_ECANCELED;
  ASSERT_ERR(tick_reduce(v, 4, sizeof(int), &acc, reduce_digits, &log), TICK_ECANCELED);
  assert_calls(&log, v, sizeof(int), left, 3);
  ASSERT_EQ(acc, 12);
  acc = 0;
  log_init(&log);
  log.stop_at = 2;
  ASSERT_ERR(tick_reduce_right(v, 4, sizeof(int), &acc, reduce_digits, &log), -1234);
  assert_calls(&log, v, sizeof(int), right, 2);
  ASSERT_EQ(acc, 4);
}

TEST(algo_reduce_empty_keeps_initial) {
  long acc = 42;
  call_log_t log;
  log_init(&log);
  ASSERT_EQ(tick_reduce(NULL, 0, 4, &acc, reduce_digits, &log), 0);
  ASSERT_EQ(tick_reduce_right(NULL, 0, 4, &acc, reduce_digits, &log), 0);
  ASSERT_EQ(acc, 42);
  ASSERT_UEQ(log.count, 0);
}

/* ------------------------------------------------------- find, some, every ---- */

TEST(algo_find_stops_at_first) {
  int v[6] = {10, 11, 12, 13, 14, 15};
  const int truth[6] = {0, 0, 1, 0, 1, 0};
  const void *found = NULL;
  size_t index = 0, want[3] = {0, 1, 2};
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_find(v, 6, sizeof(int), pred_truth, &log, &found), 1);
  assert_calls(&log, v, sizeof(int), want, 3);
  ASSERT_PTR_EQ(found, &v[2]);
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_find_index(v, 6, sizeof(int), pred_truth, &log, &index), 1);
  assert_calls(&log, v, sizeof(int), want, 3);
  ASSERT_UEQ(index, 2);
  /* The outputs may be NULL. */
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_find(v, 6, sizeof(int), pred_truth, &log, NULL), 1);
  ASSERT_EQ(tick_find_index(v, 6, sizeof(int), pred_truth, &log, NULL), 1);
}

TEST(algo_find_last_stops_at_last) {
  int v[6] = {10, 11, 12, 13, 14, 15};
  const int truth[6] = {0, 1, 0, 0, 1, 0};
  const void *found = NULL;
  size_t index = 0, want[2] = {5, 4};
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_find_last(v, 6, sizeof(int), pred_truth, &log, &found), 1);
  assert_calls(&log, v, sizeof(int), want, 2);
  ASSERT_PTR_EQ(found, &v[4]);
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_find_last_index(v, 6, sizeof(int), pred_truth, &log, &index), 1);
  assert_calls(&log, v, sizeof(int), want, 2);
  ASSERT_UEQ(index, 4);
}

TEST(algo_find_not_found_and_errors) {
  int v[4] = {1, 2, 3, 4};
  const int none[4] = {0, 0, 0, 0};
  const void *found = v;
  size_t index = 0, all[4] = {0, 1, 2, 3}, back[4] = {3, 2, 1, 0};
  call_log_t log;
  log_init(&log);
  log.truth = none;
  ASSERT_EQ(tick_find(v, 4, sizeof(int), pred_truth, &log, &found), 0);
  assert_calls(&log, v, sizeof(int), all, 4);
  ASSERT_PTR_EQ(found, NULL);
  log_init(&log);
  log.truth = none;
  ASSERT_EQ(tick_find_last_index(v, 4, sizeof(int), pred_truth, &log, &index), 0);
  assert_calls(&log, v, sizeof(int), back, 4);
  ASSERT_UEQ(index, SIZE_MAX);
  /* A stop returns the error; the outputs say "not found". */
  log_init(&log);
  log.truth = none;
  log.stop_at = 1;
  found = v;
  ASSERT_ERR(tick_find(v, 4, sizeof(int), pred_truth, &log, &found), -1234);
  ASSERT_UEQ(log.count, 2);
  ASSERT_PTR_EQ(found, NULL);
  log_init(&log);
  log.truth = none;
  log.stop_at = 2;
  ASSERT_ERR(tick_find_last(v, 4, sizeof(int), pred_truth, &log, &found), -1234);
  ASSERT_UEQ(log.count, 2);
  log_init(&log);
  log.truth = none;
  log.stop_at = 0;
  index = 7;
  ASSERT_ERR(tick_find_index(v, 4, sizeof(int), pred_truth, &log, &index), -1234);
  ASSERT_UEQ(log.count, 1);
  ASSERT_UEQ(index, SIZE_MAX);
  /* Empty arrays find nothing without calling. */
  log_init(&log);
  ASSERT_EQ(tick_find(NULL, 0, 4, pred_truth, &log, &found), 0);
  ASSERT_EQ(tick_find_last_index(NULL, 0, 4, pred_truth, &log, &index), 0);
  ASSERT_UEQ(log.count, 0);
}

TEST(algo_some_stops_at_first_true) {
  int v[5] = {0};
  const int truth[5] = {0, 0, 3, 1, 1}, none[5] = {0};
  size_t want[3] = {0, 1, 2}, all[5] = {0, 1, 2, 3, 4};
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_some(v, 5, sizeof(int), pred_truth, &log), 1);
  assert_calls(&log, v, sizeof(int), want, 3);
  log_init(&log);
  log.truth = none;
  ASSERT_EQ(tick_some(v, 5, sizeof(int), pred_truth, &log), 0);
  assert_calls(&log, v, sizeof(int), all, 5);
  log_init(&log);
  log.truth = none;
  log.stop_at = 1;
  ASSERT_ERR(tick_some(v, 5, sizeof(int), pred_truth, &log), -1234);
  ASSERT_UEQ(log.count, 2);
  log_init(&log);
  ASSERT_EQ(tick_some(NULL, 0, sizeof(int), pred_truth, &log), 0);
  ASSERT_UEQ(log.count, 0);
}

TEST(algo_every_stops_at_first_false) {
  int v[5] = {0};
  const int truth[5] = {1, 2, 0, 1, 0}, yes[5] = {1, 1, 1, 1, 1};
  size_t want[3] = {0, 1, 2}, all[5] = {0, 1, 2, 3, 4};
  call_log_t log;
  log_init(&log);
  log.truth = truth;
  ASSERT_EQ(tick_every(v, 5, sizeof(int), pred_truth, &log), 0);
  assert_calls(&log, v, sizeof(int), want, 3);
  log_init(&log);
  log.truth = yes;
  ASSERT_EQ(tick_every(v, 5, sizeof(int), pred_truth, &log), 1);
  assert_calls(&log, v, sizeof(int), all, 5);
  log_init(&log);
  log.truth = yes;
  log.stop_at = 4;
  ASSERT_ERR(tick_every(v, 5, sizeof(int), pred_truth, &log), -1234);
  ASSERT_UEQ(log.count, 5);
  log_init(&log);
  ASSERT_EQ(tick_every(NULL, 0, sizeof(int), pred_truth, &log), 1);
  ASSERT_UEQ(log.count, 0);
}

/* --------------------------------------------------------------- bad input ---- */

static size_t bad_calls;
static int bad_each(void *ctx, void *elem, size_t index) {
  (void)ctx, (void)elem, (void)index;
  bad_calls++;
  return 0;
}
static int bad_map(void *ctx, const void *in, void *out, size_t index) {
  (void)ctx, (void)in, (void)out, (void)index;
  bad_calls++;
  return 0;
}
static int bad_pred(void *ctx, const void *elem, size_t index) {
  (void)ctx, (void)elem, (void)index;
  bad_calls++;
  return 1;
}
static int bad_reduce(void *ctx, void *acc, const void *elem, size_t index) {
  (void)ctx, (void)acc, (void)elem, (void)index;
  bad_calls++;
  return 0;
}
static int bad_cmp(void *ctx, const void *a, const void *b) {
  (void)ctx, (void)a, (void)b;
  bad_calls++;
  return 0;
}

/* Every function with a NULL base and count > 0, a zero element size, a NULL callback,
 * and a count whose byte size overflows: an error, and no callback call. The array
 * pointer is valid but tiny: a function that ignored the error would crash or be caught
 * by the sanitizers. */
TEST(algo_bad_input_every_function) {
  int v[4] = {4, 3, 2, 1}, out[4];
  long acc = 0;
  size_t kept, index;
  const void *found;
  const size_t huge = SIZE_MAX / 2 + 1; /* huge * 2 overflows */
  int key = 1;

  ASSERT_ERR(tick_for_each(NULL, 1, 4, bad_each, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_for_each(v, 4, 0, bad_each, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_for_each(v, 4, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_for_each(v, huge, 2, bad_each, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_map(NULL, 1, 4, out, 4, bad_map, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, 4, 0, out, 4, bad_map, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, 4, 4, out, 0, bad_map, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, 4, 4, NULL, 4, bad_map, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, 4, 4, out, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, huge, 2, out, 1, bad_map, NULL), TICK_EOVERFLOW);
  ASSERT_ERR(tick_map(v, huge, 1, out, 2, bad_map, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_filter(NULL, 1, 4, out, &kept, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, 4, 0, out, &kept, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, 4, 4, NULL, &kept, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, 4, 4, out, NULL, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, 0, 4, out, NULL, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, 4, 4, out, &kept, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, huge, 2, out, &kept, bad_pred, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_reduce(NULL, 1, 4, &acc, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, 4, 0, &acc, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, 4, 4, NULL, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, 0, 4, NULL, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, 4, 4, &acc, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, huge, 2, &acc, bad_reduce, NULL), TICK_EOVERFLOW);
  ASSERT_ERR(tick_reduce_right(NULL, 1, 4, &acc, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce_right(v, 4, 0, &acc, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce_right(v, 4, 4, NULL, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce_right(v, 4, 4, &acc, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce_right(v, huge, 2, &acc, bad_reduce, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_find(NULL, 1, 4, bad_pred, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find(v, 4, 0, bad_pred, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find(v, 4, 4, NULL, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find(v, huge, 2, bad_pred, NULL, &found), TICK_EOVERFLOW);
  ASSERT_ERR(tick_find_index(NULL, 1, 4, bad_pred, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_index(v, 4, 0, bad_pred, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_index(v, 4, 4, NULL, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_index(v, huge, 2, bad_pred, NULL, &index), TICK_EOVERFLOW);
  ASSERT_ERR(tick_find_last(NULL, 1, 4, bad_pred, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find_last(v, 4, 0, bad_pred, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find_last(v, 4, 4, NULL, NULL, &found), TICK_EINVAL);
  ASSERT_ERR(tick_find_last(v, huge, 2, bad_pred, NULL, &found), TICK_EOVERFLOW);
  ASSERT_ERR(tick_find_last_index(NULL, 1, 4, bad_pred, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_last_index(v, 4, 0, bad_pred, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_last_index(v, 4, 4, NULL, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find_last_index(v, huge, 2, bad_pred, NULL, &index), TICK_EOVERFLOW);

  ASSERT_ERR(tick_some(NULL, 1, 4, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_some(v, 4, 0, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_some(v, 4, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_some(v, huge, 2, bad_pred, NULL), TICK_EOVERFLOW);
  ASSERT_ERR(tick_every(NULL, 1, 4, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_every(v, 4, 0, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_every(v, 4, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_every(v, huge, 2, bad_pred, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_sort(NULL, 2, 4, bad_cmp, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_sort(v, 4, 0, bad_cmp, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_sort(v, 4, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_sort(v, 0, 4, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_sort(v, huge, 2, bad_cmp, NULL), TICK_EOVERFLOW);

  ASSERT_ERR(tick_binary_search(NULL, 1, 4, &key, bad_cmp, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_binary_search(v, 4, 0, &key, bad_cmp, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_binary_search(v, 4, 4, NULL, bad_cmp, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_binary_search(v, 4, 4, &key, NULL, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_binary_search(v, huge, 2, &key, bad_cmp, NULL, &index), TICK_EOVERFLOW);

  /* Several faults at once: TICK_EINVAL wins over TICK_EOVERFLOW. */
  ASSERT_ERR(tick_for_each(v, huge, 2, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_map(v, huge, 2, NULL, 1, bad_map, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_filter(v, huge, 2, out, NULL, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_reduce(v, huge, 2, NULL, bad_reduce, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_some(NULL, huge, 2, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_sort(v, huge, 2, NULL, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_binary_search(v, huge, 2, NULL, bad_cmp, NULL, &index), TICK_EINVAL);

  /* Outputs are not written on bad input. */
  kept = 77;
  index = 77;
  found = v;
  ASSERT_ERR(tick_filter(v, 4, 0, out, &kept, bad_pred, NULL), TICK_EINVAL);
  ASSERT_ERR(tick_find_index(v, 4, 4, NULL, NULL, &index), TICK_EINVAL);
  ASSERT_ERR(tick_find(v, huge, 2, bad_pred, NULL, &found), TICK_EOVERFLOW);
  ASSERT_ERR(tick_binary_search(v, 4, 4, &key, NULL, NULL, &index), TICK_EINVAL);
  ASSERT_UEQ(kept, 77);
  ASSERT_UEQ(index, 77);
  ASSERT_PTR_EQ(found, v);

  ASSERT_UEQ(bad_calls, 0);
  /* The array was not touched either. */
  ASSERT(v[0] == 4 && v[1] == 3 && v[2] == 2 && v[3] == 1);
}

/* ------------------------------------------------------------ sort helpers ---- */

/* A small deterministic generator (xorshift64), so failures reproduce. */
static uint64_t rng_state;
static uint32_t rng_next(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 32);
}

/* Elements are `size` bytes; the key is the first min(size, 4) bytes read as a little
 * number, modulo `modulus` (0: no modulus). The other bytes are noise that tells equal
 * keys apart, so comparing whole arrays byte for byte checks stability. */
typedef struct sort_ctx_s {
  size_t size;
  uint32_t modulus;
  size_t calls;
  /* When set, every comparator argument must point at an element of one of these. */
  const char *array;
  const char *scratch;
  size_t count, scratch_count;
} sort_ctx_t;

static uint32_t elem_key(const sort_ctx_t *c, const void *elem) {
  const unsigned char *p = elem;
  uint32_t k = 0;
  size_t i, n = c->size < 4 ? c->size : 4;
  for (i = 0; i < n; i++) k |= (uint32_t)p[i] << (8 * i);
  return c->modulus ? k % c->modulus : k;
}

/* 1 if p points at an element of [region, region + n elements). */
static int points_into(const char *p, const char *region, size_t n, size_t size) {
  uintptr_t x = (uintptr_t)p, r = (uintptr_t)region;
  return region != NULL && x >= r && x < r + n * size && (x - r) % size == 0;
}

static void check_arg(const sort_ctx_t *c, const void *p) {
  if (c->array == NULL) return;
  if (!points_into(p, c->array, c->count, c->size) &&
      !points_into(p, c->scratch, c->scratch_count, c->size))
    test_fail(__FILE__, __LINE__, "comparator got %p, outside array %p and scratch %p", p,
              (const void *)c->array, (const void *)c->scratch);
}

static int sort_cmp(void *ctx, const void *a, const void *b) {
  sort_ctx_t *c = ctx;
  uint32_t x, y;
  c->calls++;
  check_arg(c, a);
  check_arg(c, b);
  x = elem_key(c, a);
  y = elem_key(c, b);
  return (x > y) - (x < y);
}

/* The reference: indices ordered by (key, original index), the one stable order. */
static const sort_ctx_t *ref_ctx;
static const unsigned char *ref_data;
static int ref_cmp(const void *a, const void *b) {
  size_t i = *(const size_t *)a, j = *(const size_t *)b;
  uint32_t x = elem_key(ref_ctx, ref_data + i * ref_ctx->size);
  uint32_t y = elem_key(ref_ctx, ref_data + j * ref_ctx->size);
  if (x != y) return x < y ? -1 : 1;
  return (i > j) - (i < j);
}

static unsigned char *reference_sort(const unsigned char *data, size_t count,
                                     const sort_ctx_t *c) {
  size_t *order = malloc((count ? count : 1) * sizeof(*order)), i;
  unsigned char *out = malloc(count * c->size + 1);
  ASSERT(order != NULL && out != NULL);
  iota(order, count);
  ref_ctx = c;
  ref_data = data;
  qsort(order, count, sizeof(*order), ref_cmp);
  for (i = 0; i < count; i++) memcpy(out + i * c->size, data + order[i] * c->size, c->size);
  free(order);
  return out;
}

enum { PATTERN_RANDOM, PATTERN_SORTED, PATTERN_REVERSED, PATTERN_SAWTOOTH, PATTERN_COUNT };

static void fill(unsigned char *data, size_t count, size_t size, int pattern) {
  size_t i, j;
  for (i = 0; i < count * size; i++) data[i] = (unsigned char)rng_next();
  if (pattern == PATTERN_RANDOM) return;
  /* Rewrite the key bytes (up to 4) so the keys follow the pattern. */
  for (i = 0; i < count; i++) {
    uint32_t k = pattern == PATTERN_SORTED     ? (uint32_t)i
                 : pattern == PATTERN_REVERSED ? (uint32_t)(count - i)
                                               : (uint32_t)(i % 37);
    for (j = 0; j < size && j < 4; j++) data[i * size + j] = (unsigned char)(k >> (8 * j));
  }
}

/* Sorts one array with tick_sort and compares it with the reference. */
static void check_sort(size_t count, size_t size, uint32_t modulus, int pattern) {
  sort_ctx_t c;
  unsigned char *data = malloc(count * size + 1), *want;
  size_t log2n = 0;
  ASSERT(data != NULL);
  memset(&c, 0, sizeof(c));
  c.size = size;
  c.modulus = modulus;
  fill(data, count, size, pattern);
  want = reference_sort(data, count, &c);
  ASSERT_EQ(tick_sort(data, count, size, sort_cmp, &c), 0);
  if (memcmp(data, want, count * size) != 0) {
    size_t i;
    for (i = 0; i < count && memcmp(data + i * size, want + i * size, size) == 0; i++)
      ;
    test_fail(__FILE__, __LINE__,
              "sort differs from the stable reference at element %zu (count %zu, size %zu, "
              "modulus %u, pattern %d)",
              i, count, size, (unsigned)modulus, pattern);
  }
  /* O(n log n) comparisons: at most n * (ceil(log2 n) + 2). */
  while (((size_t)1 << log2n) < count) log2n++;
  ASSERT_CMP_UINT(c.calls, <=, count * (log2n + 2));
  free(want);
  free(data);
}

static const size_t elem_sizes[] = {1, 4, 8, 12, 16, 32, 100};

/* -------------------------------------------------------------------- sort ---- */

TEST(algo_sort_stable_small_counts) {
  size_t count, s;
  int pattern;
  rng_state = 0x1234567887654321u;
  for (s = 0; s < COUNTOF(elem_sizes); s++)
    for (count = 0; count <= 100; count++)
      for (pattern = 0; pattern < PATTERN_COUNT; pattern++) {
        check_sort(count, elem_sizes[s], 3, pattern);
        check_sort(count, elem_sizes[s], 0, pattern);
      }
}

TEST(algo_sort_stable_1000) {
  size_t s;
  int pattern;
  rng_state = 0x0badcafe0badcafeu;
  for (s = 0; s < COUNTOF(elem_sizes); s++)
    for (pattern = 0; pattern < PATTERN_COUNT; pattern++) {
      check_sort(1000, elem_sizes[s], 2, pattern);
      check_sort(1000, elem_sizes[s], 50, pattern);
      check_sort(1000, elem_sizes[s], 0, pattern);
      check_sort(1000 + 1 + (size_t)pattern, elem_sizes[s], 7, pattern);
    }
}

TEST_TIMEOUT(algo_sort_stable_100k, 120) {
  size_t s;
  rng_state = 0xfeedfacefeedfaceu;
  for (s = 0; s < COUNTOF(elem_sizes); s++) {
    check_sort(100000, elem_sizes[s], 1000, PATTERN_RANDOM);
    check_sort(100003, elem_sizes[s], 0, PATTERN_RANDOM);
  }
  check_sort(100000, 4, 0, PATTERN_SAWTOOTH);
  check_sort(100000, 32, 0, PATTERN_REVERSED);
}

/* Counts around the sort's internal boundaries: halves that are one element longer than
 * a whole number of cache-sized chunks (64 KiB of elements, a power of two times 8), and
 * merge passes with a lone last run. */
TEST_TIMEOUT(algo_sort_chunk_edges, 120) {
  size_t s;
  rng_state = 0xabcdef;
  for (s = 0; s < COUNTOF(elem_sizes); s++) {
    size_t size = elem_sizes[s], chunk = 8, k;
    const long deltas[] = {-1, 0, 1, 2, 3};
    while (chunk * 2 * size <= 65536) chunk *= 2;
    for (k = 0; k < COUNTOF(deltas); k++) {
      check_sort((size_t)((long)(2 * chunk) + deltas[k]), size, 0, PATTERN_RANDOM);
      check_sort((size_t)((long)(4 * chunk) + 2 * deltas[k]), size, 9, PATTERN_RANDOM);
    }
  }
}

/* Descending keys with duplicates must not be reversed wholesale: equal keys keep their
 * order. And a strictly descending array is reversed. */
TEST(algo_sort_descending_runs) {
  struct {
    uint32_t key, seq;
  } v[40];
  sort_ctx_t c;
  size_t i;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(v[0]);
  for (i = 0; i < 40; i++) {
    v[i].key = (uint32_t)(40 - i) / 2; /* 20 20 19 19 ... */
    v[i].seq = (uint32_t)i;
  }
  ASSERT_OK(tick_sort(v, 40, sizeof(v[0]), sort_cmp, &c));
  for (i = 1; i < 40; i++) {
    ASSERT(v[i - 1].key <= v[i].key);
    if (v[i - 1].key == v[i].key) ASSERT_LT(v[i - 1].seq, v[i].seq);
  }
  for (i = 0; i < 40; i++) v[i].key = (uint32_t)(40 - i);
  c.calls = 0;
  ASSERT_OK(tick_sort(v, 40, sizeof(v[0]), sort_cmp, &c));
  for (i = 0; i < 40; i++) ASSERT_EQ(v[i].key, i + 1);
  ASSERT_UEQ(c.calls, 39); /* one scan */
}

TEST(algo_sort_unaligned_base) {
  /* Elements of 8 bytes starting at an odd address. */
  unsigned char buf[8 * 300 + 1];
  sort_ctx_t c;
  uint64_t prev = 0;
  size_t i;
  memset(&c, 0, sizeof(c));
  c.size = 8;
  rng_state = 99;
  for (i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)rng_next();
  ASSERT_OK(tick_sort(buf + 1, 300, 8, sort_cmp, &c));
  for (i = 0; i < 300; i++) {
    uint32_t k = elem_key(&c, buf + 1 + i * 8);
    ASSERT_CMP_UINT(prev, <=, k);
    prev = k;
  }
}

/* An allocator that tells the running sort's context where its scratch block is, so the
 * comparator can check that it only ever sees the array and that block. */
static sort_ctx_t *scratch_watch;
static size_t spy_allocations, spy_live;
static void *spy_malloc(void *ctx, size_t n) {
  void *p = malloc(n);
  (void)ctx;
  ASSERT(p != NULL);
  spy_allocations++;
  spy_live++;
  if (scratch_watch != NULL) {
    ASSERT_PTR_EQ(scratch_watch->scratch, NULL); /* one scratch allocation at most */
    scratch_watch->scratch = p;
    scratch_watch->scratch_count = n / scratch_watch->size;
  }
  return p;
}
static void *spy_realloc(void *ctx, void *p, size_t n) {
  (void)ctx, (void)p, (void)n;
  test_fail(__FILE__, __LINE__, "the sort must not realloc");
}
static void spy_free(void *ctx, void *p) {
  (void)ctx;
  if (p != NULL) spy_live--;
  free(p);
}

TEST(algo_sort_comparator_sees_array_or_scratch_only) {
  tick_allocator_t spy = {spy_malloc, spy_realloc, spy_free, NULL};
  const size_t counts[] = {2, 16, 17, 100, 1000, 5000};
  size_t s, n;
  ASSERT_OK(tick_set_allocator(&spy));
  rng_state = 7;
  for (s = 0; s < COUNTOF(elem_sizes); s++)
    for (n = 0; n < COUNTOF(counts); n++) {
      size_t size = elem_sizes[s], count = counts[n];
      unsigned char *data = malloc(count * size), *want;
      sort_ctx_t c;
      ASSERT(data != NULL);
      memset(&c, 0, sizeof(c));
      c.size = size;
      c.modulus = 5;
      fill(data, count, size, PATTERN_RANDOM);
      want = reference_sort(data, count, &c);
      c.array = (const char *)data;
      c.count = count;
      scratch_watch = &c;
      spy_allocations = 0;
      ASSERT_OK(tick_sort(data, count, size, sort_cmp, &c));
      scratch_watch = NULL;
      ASSERT(memcmp(data, want, count * size) == 0);
      /* Up to 16 elements need no scratch; beyond, half the array at most. */
      ASSERT_UEQ(spy_allocations, count <= 16 ? 0 : 1);
      ASSERT_CMP_UINT(c.scratch_count, <=, (count + 1) / 2);
      ASSERT_UEQ(spy_live, 0);
      free(want);
      free(data);
    }
  ASSERT_OK(tick_set_allocator(NULL));
}

TEST(algo_sort_sorted_input_allocates_nothing) {
  tick_allocator_t spy = {spy_malloc, spy_realloc, spy_free, NULL};
  int v[1000];
  size_t i;
  sort_ctx_t c;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(int);
  for (i = 0; i < 1000; i++) v[i] = (int)(i / 3);
  ASSERT_OK(tick_set_allocator(&spy));
  spy_allocations = 0;
  ASSERT_OK(tick_sort(v, 1000, sizeof(int), sort_cmp, &c));
  ASSERT_UEQ(spy_allocations, 0);
  ASSERT_UEQ(c.calls, 999);
  ASSERT_OK(tick_set_allocator(NULL));
}

/* The scratch allocation fails: TICK_ENOMEM, the array untouched, nothing leaked. */
typedef struct nomem_case_s {
  size_t count, size;
  const unsigned char *original;
  unsigned char *work;
  size_t enomem_seen;
} nomem_case_t;

static int sort_scenario(void *arg) {
  nomem_case_t *t = arg;
  sort_ctx_t c;
  int r;
  memset(&c, 0, sizeof(c));
  c.size = t->size;
  c.modulus = 10;
  memcpy(t->work, t->original, t->count * t->size);
  r = tick_sort(t->work, t->count, t->size, sort_cmp, &c);
  if (r == TICK_ENOMEM) {
    t->enomem_seen++;
    ASSERT(memcmp(t->work, t->original, t->count * t->size) == 0);
  } else {
    size_t i;
    ASSERT_EQ(r, 0);
    for (i = 1; i < t->count; i++)
      ASSERT_CMP_UINT(elem_key(&c, t->work + (i - 1) * t->size), <=,
                      elem_key(&c, t->work + i * t->size));
  }
  return r;
}

TEST(algo_sort_allocation_failure) {
  const size_t sizes[] = {4, 32, 100};
  size_t s;
  test_alloc_install();
  rng_state = 3;
  for (s = 0; s < COUNTOF(sizes); s++) {
    nomem_case_t t;
    unsigned char *original;
    memset(&t, 0, sizeof(t));
    t.count = 1000;
    t.size = sizes[s];
    original = malloc(t.count * t.size);
    t.work = malloc(t.count * t.size);
    ASSERT(original != NULL && t.work != NULL);
    fill(original, t.count, t.size, PATTERN_RANDOM);
    t.original = original;
    /* One allocation site: the scratch buffer. */
    ASSERT_UEQ(test_alloc_each_failure(sort_scenario, &t), 1);
    ASSERT_UEQ(t.enomem_seen, 1);
    ASSERT_UEQ(test_alloc_live(), 0);
    free(t.work);
    free(original);
  }
}

/* A comparator that answers at random breaks the contract; the sort must still neither
 * crash nor lose or duplicate an element (the sanitizers watch the memory accesses). */
static int random_cmp(void *ctx, const void *a, const void *b) {
  (void)ctx, (void)a, (void)b;
  return (int)(rng_next() % 3) - 1;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

TEST(algo_sort_inconsistent_comparator_keeps_elements) {
  const size_t counts[] = {5, 17, 64, 1000, 20000};
  size_t n, i;
  rng_state = 11;
  for (n = 0; n < COUNTOF(counts); n++) {
    size_t count = counts[n];
    uint32_t *v = malloc(count * sizeof(*v)), *copy = malloc(count * sizeof(*v));
    ASSERT(v != NULL && copy != NULL);
    for (i = 0; i < count; i++) v[i] = copy[i] = (uint32_t)i * 2654435761u;
    ASSERT_OK(tick_sort(v, count, sizeof(*v), random_cmp, NULL));
    qsort(v, count, sizeof(*v), cmp_u32);
    qsort(copy, count, sizeof(*v), cmp_u32);
    ASSERT(memcmp(v, copy, count * sizeof(*v)) == 0);
    free(copy);
    free(v);
  }
}

/* ----------------------------------------------------------- binary search ---- */

static int cmp_int_key(void *ctx, const void *key, const void *elem) {
  int x = *(const int *)key, y = *(const int *)elem;
  (*(size_t *)ctx)++;
  return (x > y) - (x < y);
}

TEST(algo_binary_search) {
  const int v[9] = {1, 3, 3, 3, 5, 8, 8, 13, 21};
  size_t index = 99, calls = 0;
  int key;
  key = 3;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 1);
  ASSERT_UEQ(index, 1); /* the first of the equal keys */
  key = 8;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 1);
  ASSERT_UEQ(index, 5);
  key = 21;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 1);
  ASSERT_UEQ(index, 8);
  key = 1;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, NULL), 1);
  /* Not found: the insertion point. */
  key = 4;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 0);
  ASSERT_UEQ(index, 4);
  key = 0;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 0);
  ASSERT_UEQ(index, 0);
  key = 22;
  ASSERT_EQ(tick_binary_search(v, 9, sizeof(int), &key, cmp_int_key, &calls, &index), 0);
  ASSERT_UEQ(index, 9);
  /* Empty array: not found, insertion point 0, no call. */
  calls = 0;
  ASSERT_EQ(tick_binary_search(NULL, 0, sizeof(int), &key, cmp_int_key, &calls, &index), 0);
  ASSERT_UEQ(index, 0);
  ASSERT_UEQ(calls, 0);
}

TEST(algo_binary_search_every_position) {
  int v[200];
  size_t n, i, index;
  for (i = 0; i < 200; i++) v[i] = (int)(i / 2) * 2; /* 0 0 2 2 4 4 ... */
  for (n = 0; n <= 200; n++) {
    int key;
    for (key = -1; key <= (int)n + 1; key++) {
      size_t want = 0, calls = 0, log2n = 0;
      int r;
      while (want < n && v[want] < key) want++;
      r = tick_binary_search(v, n, sizeof(int), &key, cmp_int_key, &calls, &index);
      ASSERT_EQ(r, want < n && v[want] == key);
      ASSERT_UEQ(index, want);
      while (((size_t)1 << log2n) <= n) log2n++;
      ASSERT_CMP_UINT(calls, <=, log2n); /* floor(log2 n) + 1, no extra final check */
    }
  }
}
