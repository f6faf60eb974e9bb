#!/bin/sh
# syscalls.sh - system calls per operation, per library, counted with `strace -c -f` over
# a whole workload (the few calls that set it up are spread over the operations and
# round to nothing):
#   tcp   "tcp ping-pong, 1 connection": per round trip (50,000)
#   idle  "loop iteration, 1 idle fd": per loop iteration (1,000,000)
#
#   bench/syscalls.sh [BUILD_DIR [tcp|idle]...]   (default build/bench, both; run
#                                                  `make -C bench all` first)
#
# Prints, for each of tick, libuv and libev, the calls per operation by name, and the
# total. strace slows every call down, so the times it reports mean nothing here; only
# the counts do. Clock reads go through the vDSO and are not system calls: strace does
# not see them. docs/design/bench.md quotes the result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/bench}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- tcp idle
command -v strace > /dev/null 2>&1 || { echo "syscalls.sh: strace not found (apt-get install strace)" >&2; exit 2; }
out=$(mktemp "${TMPDIR:-/tmp}/tick-syscalls.XXXXXX")
trap 'rm -f "$out"' EXIT

for what in "$@"; do
  case $what in
    tcp) workload=ping-pong ops=50000 unit="round trip" ;;
    idle) workload="1 idle fd" ops=1000000 unit="iteration" ;;
    *) echo "syscalls.sh: unknown workload group $what (tcp or idle)" >&2; exit 2 ;;
  esac
  for program in "$what" "$what-uv" "$what-ev"; do
    [ -x "$build/$program" ] || { echo "syscalls.sh: $build/$program not built, skipped" >&2; continue; }
    strace -f -c -o "$out" "$build/$program" "$workload" > /dev/null
    echo "$program: system calls per $unit"
    # strace -c columns: % time, seconds, usecs/call, calls, [errors], syscall.
    awk -v n="$ops" '
      $1 ~ /^[0-9.]+$/ && NF >= 5 {
        calls = $4; name = $NF
        if (name == "total") { total = calls; next }
        per = calls / n
        if (per >= 0.01) printf "  %-16s %6.2f\n", name, per
      }
      END { printf "  %-16s %6.2f\n", "total", total / n }' "$out"
  done
done
