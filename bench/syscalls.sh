#!/bin/sh
# syscalls.sh - system calls per TCP ping-pong round trip, per library, counted with
# `strace -c -f` over the whole "tcp ping-pong, 1 connection" workload (50,000 round
# trips; the few calls that set it up are spread over them and round to nothing).
#
#   bench/syscalls.sh [BUILD_DIR]     (default build/bench; run `make -C bench all` first)
#
# Prints, for each of tick, libuv and libev, the calls per round trip by name, and the
# total. strace slows every call down, so the times it reports mean nothing here; only
# the counts do. docs/design/bench.md quotes the result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/bench}
round_trips=50000
command -v strace > /dev/null 2>&1 || { echo "syscalls.sh: strace not found (apt-get install strace)" >&2; exit 2; }
out=$(mktemp "${TMPDIR:-/tmp}/tick-syscalls.XXXXXX")
trap 'rm -f "$out"' EXIT

for program in tcp tcp-uv tcp-ev; do
  [ -x "$build/$program" ] || { echo "syscalls.sh: $build/$program not built, skipped" >&2; continue; }
  strace -f -c -o "$out" "$build/$program" "ping-pong" > /dev/null
  echo "$program: system calls per round trip"
  # strace -c columns: % time, seconds, usecs/call, calls, [errors], syscall.
  awk -v n="$round_trips" '
    $1 ~ /^[0-9.]+$/ && NF >= 5 {
      calls = $4; name = $NF
      if (name == "total") { total = calls; next }
      per = calls / n
      if (per >= 0.01) printf "  %-16s %6.2f\n", name, per
    }
    END { printf "  %-16s %6.2f\n", "total", total / n }' "$out"
done
