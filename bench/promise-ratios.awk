# promise-ratios.awk - reads RESULT lines from bench/promise (tick) and bench/promise.js
# (node), echoes them, then prints tick/node wall-time ratios per workload and the cost of
# a then link relative to the plain-callback chains.
BEGIN { FS = "\t" }
/^RESULT/ {
  print
  wall[$2 "/" $3] = $4
  if (!($2 in seen)) { seen[$2] = 1; order[count++] = $2 }
}
END {
  printf "\n%-22s %10s %10s %8s\n", "workload", "tick s", "node s", "tick/node"
  for (i = 0; i < count; i++) {
    k = order[i]; t = wall[k "/tick"]; d = wall[k "/node"]
    printf "%-22s %10.4f %10.4f %8.3f\n", k, t, d, (d > 0 ? t / d : 0)
  }
  if (wall["callback_chain_1m/tick"] > 0)
    printf "\nthen link / plain callback chain link (tick): %.2f\n",
      wall["chain_1m/tick"] / wall["callback_chain_1m/tick"]
  if (wall["callback_loop_1m/tick"] > 0)
    printf "then link / bare callback loop (tick):        %.2f\n",
      wall["chain_1m/tick"] / wall["callback_loop_1m/tick"]
}
