#!/bin/sh
# profile.sh - where a benchmark's measured time goes: perf samples only inside the spans
# the program measures (bench.h enables and disables perf around them), so setting up a
# workload does not blur its profile.
#
# Usage: bench/profile.sh PROGRAM [WORKLOAD...]     e.g. bench/profile.sh build/bench/timers fired
#   WORKLOAD arguments select workloads by part of their name (all when none).
# Environment: BENCH_PERF_EVENT (default cpu-clock: virtual machines often lack hardware
# counters), BENCH_PERF_DATA (default $TMPDIR/tick-bench.perf.data, kept for
# `perf report -i` or `perf annotate -i`).

set -eu
if [ $# -lt 1 ]; then
  echo "usage: profile.sh PROGRAM [WORKLOAD...]" >&2
  exit 2
fi
command -v perf >/dev/null 2>&1 || { echo "profile.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }
program=$1
shift
data=${BENCH_PERF_DATA:-${TMPDIR:-/tmp}/tick-bench.perf.data}
fifos=$(mktemp -d "${TMPDIR:-/tmp}/tick-bench-perf.XXXXXX")
trap 'rm -rf "$fifos"' EXIT
mkfifo "$fifos/ctl" "$fifos/ack"

BENCH_PERF_CTL=$fifos/ctl BENCH_PERF_ACK=$fifos/ack \
  perf record -q -e "${BENCH_PERF_EVENT:-cpu-clock}" -F 4000 -g -D -1 \
  --control "fifo:$fifos/ctl,$fifos/ack" -o "$data" -- "$program" "$@" | grep '^RESULT' || true
echo
perf report -i "$data" --no-children --stdio -g none --percent-limit 0.5 2>/dev/null |
  grep -v '^#' | grep -v '^$'
echo
echo "perf data: $data (perf annotate -i $data --stdio -l -s SYMBOL)"
