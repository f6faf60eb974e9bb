# table.awk - turns the lines gathered by run.sh into the table and the CSV (docs/design/bench.md).
#
# Input, tab-separated, one line per line a program printed:
#   program  RESULT  workload  impl  wall_seconds  cpu_seconds  [ops]
#   program  GOAL    workload  peer  max_ratio     wall|cpu
#   program  UNIT    workload  bytes
# (UNIT: the workload's two numbers are byte counts, not seconds; they are shown as such.)
# Run as: awk -F '\t' -v csv=PATH -f table.awk RAW
#
# For each (workload, impl) the wall and CPU medians are taken separately. A ratio is
# tick/peer; when both sides give an operation count it is the ratio of time per
# operation, so a slow peer may run a smaller count. Plain POSIX awk (Debian's mawk).

$2 == "RESULT" && NF >= 6 {
  workload = $3
  impl = $4
  key = workload SUBSEP impl
  if (!(workload in workload_seen)) {
    workload_seen[workload] = 1
    workloads[++workload_count] = workload
  }
  if (!(key in runs)) {
    impl_count[workload]++
    impls[workload, impl_count[workload]] = impl
  }
  n = ++runs[key]
  walls[key, n] = $5 + 0
  cpus[key, n] = $6 + 0
  if (NF >= 7 && $7 + 0 > 0)
    ops[key] = $7 + 0
  next
}

$2 == "UNIT" && NF >= 4 {
  unit[$3] = $4
  next
}

$2 == "GOAL" && NF >= 6 {
  goal_max[$3, $4] = $5 + 0
  goal_metric[$3, $4] = $6
  next
}

# Median of values[key, 1..n].
function median(values, key, n,    i, j, v, sorted) {
  for (i = 1; i <= n; i++) {
    v = values[key, i]
    for (j = i - 1; j >= 1 && sorted[j] > v; j--)
      sorted[j + 1] = sorted[j]
    sorted[j + 1] = v
  }
  if (n % 2 == 1)
    return sorted[(n + 1) / 2]
  return (sorted[n / 2] + sorted[n / 2 + 1]) / 2
}

# A duration in seconds, in the unit that suits it.
function format_time(s) {
  if (s < 1e-6) return sprintf("%.1f ns", s * 1e9)
  if (s < 1e-3) return sprintf("%.2f us", s * 1e6)
  if (s < 1) return sprintf("%.2f ms", s * 1e3)
  return sprintf("%.2f s", s)
}

# A byte count, for the workloads that measure memory (UNIT lines).
function format_bytes(b) {
  if (b < 10000) return sprintf("%.0f B", b)
  if (b < 10000 * 1024) return sprintf("%.1f KiB", b / 1024)
  return sprintf("%.1f MiB", b / 1048576)
}

# A measurement of `workload`: a time, or bytes when the workload said so.
function format_value(workload, v) {
  if (unit[workload] == "bytes") return format_bytes(v)
  return format_time(v)
}

function format_ratio(r) {
  if (r == "") return "-"
  if (r < 10) return sprintf("%.3f", r)
  return sprintf("%.1f", r)
}

# Known peers first, in a fixed order; the others in order of appearance.
function peer_rank(impl, position) {
  if (impl == "libuv") return 1
  if (impl == "libev") return 2
  if (impl == "node") return 3
  return 10 + position
}

function csv_text(s) {
  gsub(/"/, "\"\"", s)
  return "\"" s "\""
}

function add_cell(row, column, text) {
  cells[row, column] = text
  if (length(text) > width[column])
    width[column] = length(text)
}

END {
  header = "workload|tick wall|tick cpu|peer|peer wall|peer cpu|wall t/p|cpu t/p|goal t/p"
  columns = split(header, titles, "|")
  rows = 0
  for (c = 1; c <= columns; c++)
    add_cell(0, c, titles[c])

  print "workload,peer,tick_wall_s,tick_cpu_s,tick_ops,tick_runs,peer_wall_s,peer_cpu_s," \
        "peer_ops,peer_runs,wall_ratio,cpu_ratio,goal_max_ratio,goal_metric,goal_met" > csv

  met = 0
  missed = 0
  for (w = 1; w <= workload_count; w++) {
    workload = workloads[w]
    tick_key = workload SUBSEP "tick"
    has_tick = (tick_key in runs)
    if (has_tick) {
      tick_wall = median(walls, tick_key, runs[tick_key])
      tick_cpu = median(cpus, tick_key, runs[tick_key])
      tick_ops = (tick_key in ops) ? ops[tick_key] : 0
    }

    # The peers of this workload, sorted by rank.
    peer_count = 0
    for (i = 1; i <= impl_count[workload]; i++) {
      impl = impls[workload, i]
      if (impl == "tick")
        continue
      rank = peer_rank(impl, i)
      for (j = peer_count; j >= 1 && peer_ranks[j] > rank; j--) {
        peers[j + 1] = peers[j]
        peer_ranks[j + 1] = peer_ranks[j]
      }
      peers[j + 1] = impl
      peer_ranks[j + 1] = rank
      peer_count++
    }
    if (peer_count == 0) {
      peers[1] = ""
      peer_count = 1
    }

    for (p = 1; p <= peer_count; p++) {
      peer = peers[p]
      peer_key = workload SUBSEP peer
      has_peer = (peer != "" && (peer_key in runs))
      wall_ratio = ""
      cpu_ratio = ""
      if (has_peer) {
        peer_wall = median(walls, peer_key, runs[peer_key])
        peer_cpu = median(cpus, peer_key, runs[peer_key])
        peer_ops = (peer_key in ops) ? ops[peer_key] : 0
      }
      if (has_tick && has_peer) {
        # Time per operation when both sides counted them, totals otherwise.
        tick_scale = (tick_ops > 0 && peer_ops > 0) ? tick_ops : 1
        peer_scale = (tick_ops > 0 && peer_ops > 0) ? peer_ops : 1
        if (peer_wall > 0)
          wall_ratio = (tick_wall / tick_scale) / (peer_wall / peer_scale)
        if (peer_cpu > 0)
          cpu_ratio = (tick_cpu / tick_scale) / (peer_cpu / peer_scale)
      }

      goal_text = ""
      goal_met = ""
      if ((workload, peer) in goal_max) {
        metric = goal_metric[workload, peer]
        ratio = (metric == "cpu") ? cpu_ratio : wall_ratio
        goal_text = "<=" goal_max[workload, peer] " " metric
        if (ratio != "") {
          goal_met = (ratio <= goal_max[workload, peer]) ? "yes" : "no"
          goal_text = goal_text ((goal_met == "yes") ? " ok" : " MISSED")
          if (goal_met == "yes") met++
          else missed++
        }
      }

      rows++
      add_cell(rows, 1, (p == 1) ? workload : "")
      if (p == 1 && has_tick) {
        add_cell(rows, 2, format_value(workload, tick_ops > 0 ? tick_wall / tick_ops : tick_wall))
        add_cell(rows, 3, format_value(workload, tick_ops > 0 ? tick_cpu / tick_ops : tick_cpu))
      } else {
        add_cell(rows, 2, (p == 1) ? "-" : "")
        add_cell(rows, 3, (p == 1) ? "-" : "")
      }
      add_cell(rows, 4, (peer == "") ? "-" : peer)
      if (has_peer) {
        add_cell(rows, 5, format_value(workload, peer_ops > 0 ? peer_wall / peer_ops : peer_wall))
        add_cell(rows, 6, format_value(workload, peer_ops > 0 ? peer_cpu / peer_ops : peer_cpu))
      } else {
        add_cell(rows, 5, "-")
        add_cell(rows, 6, "-")
      }
      add_cell(rows, 7, format_ratio(wall_ratio))
      add_cell(rows, 8, format_ratio(cpu_ratio))
      add_cell(rows, 9, goal_text)

      printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", csv_text(workload), \
        csv_text(peer), \
        has_tick ? sprintf("%.9f", tick_wall) : "", has_tick ? sprintf("%.9f", tick_cpu) : "", \
        (has_tick && tick_ops > 0) ? tick_ops : "", has_tick ? runs[tick_key] : 0, \
        has_peer ? sprintf("%.9f", peer_wall) : "", has_peer ? sprintf("%.9f", peer_cpu) : "", \
        (has_peer && peer_ops > 0) ? peer_ops : "", has_peer ? runs[peer_key] : 0, \
        (wall_ratio != "") ? sprintf("%.4f", wall_ratio) : "", \
        (cpu_ratio != "") ? sprintf("%.4f", cpu_ratio) : "", \
        ((workload, peer) in goal_max) ? goal_max[workload, peer] : "", \
        ((workload, peer) in goal_max) ? goal_metric[workload, peer] : "", goal_met > csv
    }
  }
  close(csv)

  # Text columns left-aligned, numbers right-aligned, two spaces between columns.
  for (r = 0; r <= rows; r++) {
    line = ""
    for (c = 1; c <= columns; c++) {
      text = cells[r, c]
      pad = width[c] - length(text)
      fill = ""
      for (k = 0; k < pad; k++)
        fill = fill " "
      if (c == 1 || c == 4 || c == 9)
        line = line text ((c < columns) ? fill : "")
      else
        line = line fill text
      if (c < columns)
        line = line "  "
    }
    sub(/ +$/, "", line)
    print line
    if (r == 0) {
      rule = ""
      for (k = 0; k < length(line); k++)
        rule = rule "-"
      print rule
    }
  }
  print ""
  print "Times are medians, per operation where the program counted operations (ns, us ...),"
  print "else for the whole workload. t/p = tick / peer: below 1 means tick is faster."
  if (met + missed > 0)
    printf "Goals: %d met, %d missed.\n", met, missed
}
