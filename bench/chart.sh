#!/bin/sh
# chart.sh - draws a results CSV (bench/table.awk writes it) as an SVG bar chart with
# gnuplot: one horizontal bar per (workload, peer), the ratio tick/peer on a log scale
# (left of the line at 1, tick is faster), the goal as a vertical mark across the bar.
# The bar is green when its goal is met, red when missed, grey without a goal; it shows
# the ratio the goal names (wall or CPU), wall time without a goal.
#
#   bench/chart.sh CSV SVG      (run.sh calls it with results/latest.csv and latest.svg)
#
# Without gnuplot (Debian: gnuplot-nox) it prints a note and exits 0.
set -u
if [ $# -ne 2 ]; then
  echo "usage: chart.sh CSV SVG" >&2
  exit 2
fi
csv=$1
svg=$2
if ! command -v gnuplot > /dev/null 2>&1; then
  echo "chart: gnuplot not found, no chart drawn (apt-get install gnuplot-nox)" >&2
  exit 0
fi
data=$(mktemp "${TMPDIR:-/tmp}/tick-chart.XXXXXX") || exit 2
trap 'rm -f "$data"' EXIT

# CSV (fields quoted when they hold text) to: index, label, ratio, goal (or -), colour.
# Rows are numbered from the top so that the chart reads in the table's order.
awk '
  function split_csv(line, f,    n, c, i, field, quoted) {
    n = 0; field = ""; quoted = 0
    for (i = 1; i <= length(line); i++) {
      c = substr(line, i, 1)
      if (quoted) {
        if (c == "\"" && substr(line, i + 1, 1) == "\"") { field = field c; i++ }
        else if (c == "\"") quoted = 0
        else field = field c
      } else if (c == "\"") quoted = 1
      else if (c == ",") { f[++n] = field; field = "" }
      else field = field c
    }
    f[++n] = field
    return n
  }
  NR == 1 { next }
  {
    split_csv($0, f)
    workload = f[1]; peer = f[2]; goal = f[13]; metric = f[14]; met = f[15]
    ratio = (goal != "" && metric == "cpu") ? f[12] : f[11]
    if (ratio == "" || ratio + 0 <= 0 || peer == "") next
    if (workload != "") last = workload
    colour = (goal == "") ? "0x9e9e9e" : (met == "yes") ? "0x2e7d32" : "0xc62828"
    rows[++n] = last " / " peer "\t" ratio "\t" ((goal == "") ? "-" : goal) "\t" colour
  }
  END { for (i = 1; i <= n; i++) printf "%d\t%s\n", n - i, rows[i] }
' "$csv" > "$data"

rows=$(wc -l < "$data")
if [ "$rows" -eq 0 ]; then
  echo "chart: no ratios in $csv, no chart drawn" >&2
  exit 0
fi
height=$((rows * 16 + 120))

gnuplot << GNUPLOT
set terminal svg size 1100,$height dynamic font "sans,11" background rgb "white"
set output "$svg"
set datafile separator "\t"
set datafile missing "-"
set title "tick / peer (time per operation; below 1: tick is faster)"
set logscale x 10
set xrange [0.003:30]
set xtics (0.01, 0.03, 0.1, 0.3, 1, 3, 10)
set format x "%g"
set grid xtics
set yrange [-1:$rows]
set ytics nomirror scale 0 font ",9"
set xlabel "tick/peer, log scale. Green: goal met; red: missed; grey: no goal; black mark: the goal"
set key off
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb "black" lw 1
plot "$data" using (sqrt(0.003 * \$3)):1:(0.003):3:(\$1 - 0.35):(\$1 + 0.35):5:ytic(2) \
       with boxxyerror fs solid 0.8 noborder lc rgb variable, \
     "$data" using 4:1:4:4:(\$1 - 0.48):(\$1 + 0.48) with boxxyerror lw 2.5 lc rgb "black", \
     "$data" using 3:1:(sprintf(" %.3g", \$3)) with labels left font ",8"
GNUPLOT
status=$?
[ "$status" -eq 0 ] && echo "chart: $svg"
exit "$status"
