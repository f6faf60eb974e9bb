#!/bin/sh
# run.sh - runs the benchmark programs, takes the median of each (workload, impl), prints
# one table of tick against its peers and writes the same rows as CSV. See docs/design/bench.md.
#
# Usage: run.sh PROGRAM...
#   Each PROGRAM is a built benchmark binary, a .js file (run with node) or an executable
#   .sh script that drives servers itself (http.sh). Programs print
#   RESULT lines (bench/bench.h describes the protocol); everything else is ignored.
# Environment:
#   BENCH          space-separated globs; a program runs if one matches its file name, its
#                  stem (the name without .js) or its group (the stem up to the first '-'),
#                  so BENCH=timers runs timers, timers-uv, timers-ev and timers.js.
#   BENCH_REPS     repetitions per program (default 5).
#   BENCH_BUDGET   seconds one program may take over all its repetitions (default 150); a
#                  slower program runs fewer times (at least once), as measured on its
#                  first run.
#   BENCH_TIMEOUT  seconds one run may take before it is killed (default 600).
#   BENCH_CSV      where the CSV goes (default: results/latest.csv beside this script);
#                  the chart (chart.sh, with gnuplot) goes beside it, .svg for .csv.
#
# Repetitions are interleaved (every program once, then every program again ...) so that
# a burst of load from another user of the machine hits tick and its peers alike.
# Exit status: 0, or 1 if a program failed or printed no RESULT line.

set -u

here=$(cd "$(dirname "$0")" && pwd)
reps=${BENCH_REPS:-5}
budget=${BENCH_BUDGET:-150}
timeout_s=${BENCH_TIMEOUT:-600}
csv=${BENCH_CSV:-$here/results/latest.csv}
patterns=${BENCH:-}

case $reps in '' | *[!0-9]* | 0) echo "run.sh: BENCH_REPS must be a positive integer" >&2; exit 2 ;; esac
case $budget in '' | *[!0-9]*) echo "run.sh: BENCH_BUDGET must be an integer" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/tick-bench.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

have_timeout=0
command -v timeout >/dev/null 2>&1 && have_timeout=1
have_node=0
command -v node >/dev/null 2>&1 && have_node=1

# selected NAME STEM GROUP: whether BENCH picks this program (all when BENCH is empty).
selected() {
  [ -z "$patterns" ] && return 0
  set -f # the patterns are globs for `case`, not for the file system
  for pattern in $patterns; do
    for candidate in "$1" "$2" "$3"; do
      # shellcheck disable=SC2254 # the pattern is meant to be a glob
      case $candidate in $pattern) set +f; return 0 ;; esac
    done
  done
  set +f
  return 1
}

# The programs, sorted by name so that each group's tick program comes first and the
# table keeps a stable order.
: > "$work/programs"
for program in "$@"; do
  name=${program##*/}
  stem=${name%.js}
  stem=${stem%.sh}
  group=${stem%%-*}
  selected "$name" "$stem" "$group" || continue
  case $name in
    *.js)
      if [ "$have_node" = 0 ]; then
        echo "bench: node not found, skipping $name (install nodejs to compare with node)" >&2
        continue
      fi ;;
  esac
  printf '%s\t%s\n' "$name" "$program" >> "$work/programs"
done
LC_ALL=C sort -t "$(printf '\t')" -k1,1 "$work/programs" | cut -f2 > "$work/order"
count=$(wc -l < "$work/order")
if [ "$count" -eq 0 ]; then
  echo "bench: no benchmark matches BENCH='$patterns'" >&2
  exit 1
fi

now_ns() { date +%s%N; }

echo "tick benchmarks: $count programs, up to $reps runs each, medians quoted"
echo "machine: $(uname -srm), $(nproc 2>/dev/null || echo '?') cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ "$have_node" = 1 ]; then
  echo "node: $(node --version 2>/dev/null)"
fi
for package in libuv1-dev libev-dev; do
  version=$(dpkg-query -W -f '${Version}' "$package" 2>/dev/null) && echo "$package: $version"
done
echo

: > "$work/raw"
failed=0
rep=1
while [ "$rep" -le "$reps" ]; do
  index=0
  while IFS= read -r program; do
    index=$((index + 1))
    name=${program##*/}
    planned=$(cat "$work/planned.$index" 2>/dev/null || echo "$reps")
    [ "$rep" -gt "$planned" ] && continue
    case $name in
      *.js) set -- node "$program" ;;
      *.sh) set -- sh "$program" ;;
      *) set -- "$program" ;;
    esac
    [ "$have_timeout" = 1 ] && set -- timeout "$timeout_s" "$@"
    printf 'run %d/%d  %-24s' "$rep" "$planned" "$name" >&2
    start=$(now_ns)
    "$@" > "$work/out" 2> "$work/err" < /dev/null
    status=$?
    took_ms=$(( ($(now_ns) - start) / 1000000 ))
    printf ' %6d ms\n' "$took_ms" >&2
    results=$(grep -c '^RESULT	' "$work/out")
    if [ "$status" -ne 0 ] || [ "$results" -eq 0 ]; then
      failed=1
      echo "bench: $name FAILED (exit status $status, $results results); its stderr ends with:" >&2
      tail -n 5 "$work/err" | sed 's/^/    /' >&2
      # A failing program is not run again: its partial results are still quoted.
      echo 0 > "$work/planned.$index"
    elif [ "$rep" -eq 1 ]; then
      n=$reps
      if [ "$took_ms" -gt 0 ]; then
        n=$(( budget * 1000 / took_ms ))
        [ "$n" -gt "$reps" ] && n=$reps
        [ "$n" -lt 1 ] && n=1
      fi
      echo "$n" > "$work/planned.$index"
    fi
    awk -F '\t' -v program="$name" '$1 == "RESULT" || $1 == "GOAL" || $1 == "UNIT" { print program "\t" $0 }' \
      "$work/out" >> "$work/raw"
  done < "$work/order"
  rep=$((rep + 1))
done
echo >&2

mkdir -p "$(dirname "$csv")"
awk -F '\t' -v csv="$csv" -f "$here/table.awk" "$work/raw"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "CSV: $csv"
sh "$here/chart.sh" "$csv" "${csv%.csv}.svg"
[ "$failed" -eq 0 ] || echo "bench: some programs failed (see above)" >&2
exit "$failed"
