#!/bin/sh
# libfuzzer-run.sh FUZZER SEEDS WORK SECONDS - the `make fuzz` batch: replays the seed
# corpus SEEDS through FUZZER (a libFuzzer binary), then fuzzes for SECONDS seconds with
# WORK as the working corpus (new inputs go there; SEEDS is only read). Crash inputs and
# the log go to WORK/../. Prints the two stages as "N passed, N failed" and exits 1 if
# either failed.
set -u
fuzzer=$1 seeds=$2 work=$3 seconds=$4
out=$(dirname "$work")
mkdir -p "$work"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
passed=0 failed=0

echo "fuzz: replaying $seeds"
if "$fuzzer" -runs=0 "$seeds"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "fuzz: corpus replay FAILED"
fi

echo "fuzz: fuzzing for $seconds s (log: $out/fuzz.log)"
start=$(date +%s)
if "$fuzzer" -max_total_time="$seconds" -max_len=2048 -timeout=20 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$out/" "$work" "$seeds" >"$out/fuzz.log" 2>&1; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "fuzz: fuzzing FAILED"; tail -n 60 "$out/fuzz.log"
fi
end=$(date +%s)
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$out/fuzz.log" | tail -n 2
grep -E '^stat::' "$out/fuzz.log"
echo "fuzz: $((end - start)) s, working corpus $(ls "$work" | wc -l) inputs"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
