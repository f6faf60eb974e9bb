// sort-std.cc - the C++ peer of bench/sort.c: std::stable_sort with a comparator called
// through a function pointer (not inlined: the pointer is read from a volatile variable).
//
// Workloads: "sort 1M int" and "sort 1M 32-byte records", the same seeded data as
// bench/sort.c. Counted: one std::stable_sort call over the whole array (including its
// own buffer allocation, as tick_sort's is counted); filling the array is not timed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace {

const std::size_t kCount = 1000000;

struct Record {
  std::uint32_t key;
  std::uint32_t seq;
  unsigned char payload[24];
};
static_assert(sizeof(Record) == 32, "records are 32 bytes");

std::uint64_t rng_state = 0x9E3779B97F4A7C15u;
std::uint32_t rng_next() {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return static_cast<std::uint32_t>(rng_state >> 16);
}

bool less_int(const int &a, const int &b) { return a < b; }
bool less_record(const Record &a, const Record &b) { return a.key < b.key; }

bool (*volatile int_less)(const int &, const int &) = less_int;
bool (*volatile record_less)(const Record &, const Record &) = less_record;

double seconds(const timespec &a, const timespec &b) {
  return double(b.tv_sec - a.tv_sec) + double(b.tv_nsec - a.tv_nsec) * 1e-9;
}

struct Span {
  timespec wall, cpu;
  Span() {
    clock_gettime(CLOCK_MONOTONIC, &wall);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  }
  void report(const char *workload, const char *impl) const {
    timespec w, c;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
    std::printf("RESULT\t%s\t%s\t%.9f\t%.9f\n", workload, impl, seconds(wall, w),
                seconds(cpu, c));
    std::fflush(stdout);
  }
};

}  // namespace

int main() {
  std::vector<int> ints(kCount);
  rng_state = 0x9E3779B97F4A7C15u;
  for (auto &v : ints) v = static_cast<int>(rng_next());
  {
    bool (*less)(const int &, const int &) = int_less;
    Span span;
    std::stable_sort(ints.begin(), ints.end(), less);
    span.report("sort 1M int", "std::stable_sort");
  }
  if (!std::is_sorted(ints.begin(), ints.end())) return 1;

  std::vector<Record> records(kCount);
  rng_state = 0x9E3779B97F4A7C15u;
  for (std::size_t i = 0; i < kCount; i++) {
    std::memset(&records[i], 0, sizeof(Record));
    records[i].key = rng_next() >> 12;
    records[i].seq = static_cast<std::uint32_t>(i);
  }
  {
    bool (*less)(const Record &, const Record &) = record_less;
    Span span;
    std::stable_sort(records.begin(), records.end(), less);
    span.report("sort 1M 32-byte records", "std::stable_sort");
  }
  for (std::size_t i = 1; i < kCount; i++)
    if (records[i - 1].key > records[i].key ||
        (records[i - 1].key == records[i].key && records[i - 1].seq > records[i].seq))
      return 1;
  return 0;
}
