#!/bin/sh
# http.sh - HTTP requests/s with wrk: 100 keep-alive connections for a fixed time against
# three "hello" servers, each answering GET / with 200 "Hello, world!\n":
#   tick   examples/http-hello.c (promises over tick's TCP streams)
#   node   bench/lib/http-hello.js (node's http module)
#   nginx  `return 200` from a generated configuration: one worker, access log off,
#          keepalive_requests raised so that, like the other two, it never closes a
#          keep-alive connection during a run (its default closes one every 1000)
# The server runs pinned to CPU 0 and wrk (one thread) to CPU 1 (taskset), when there are
# two CPUs and taskset exists. Each server gets a 1 s warm-up run (node's compiler), then
# one measured run of BENCH_HTTP_SECONDS (default 5).
#
# Output, in bench/run.sh's protocol (bench/bench.h), per server:
#   RESULT  http hello, 100 connections              impl  seconds  server_cpu_seconds  requests
#   RESULT  http hello p99 latency, 100 connections  impl  p99      p99
# so the table shows wall time per request (the inverse of requests/s) and the server
# process's CPU time per request (nginx: master and worker). wrk's latency is from
# sending a request to its response, over all of them (its --latency percentiles).
#
# Environment: TICK_HTTP_HELLO (the built example, default build/examples/http-hello),
# BENCH_HTTP_SECONDS, BENCH_HTTP_CONNECTIONS (default 100). A server whose program is
# missing (node, nginx) is skipped with a note; wrk or curl missing skips everything
# (bench/Makefile does not give run.sh this script without wrk). A server that answers
# anything but 200 with the hello body, or non-2xx responses counted by wrk, fail the
# run (exit 1); socket errors (wrk's 2 s timeouts on a loaded machine) are only shown.
set -u

here=$(cd "$(dirname "$0")" && pwd)
hello=${TICK_HTTP_HELLO:-$here/../build/examples/http-hello}
seconds=${BENCH_HTTP_SECONDS:-5}
connections=${BENCH_HTTP_CONNECTIONS:-100}
workload="http hello, $connections connections"
latency_workload="http hello p99 latency, $connections connections"

command -v wrk > /dev/null 2>&1 || { echo "http.sh: wrk not found (apt-get install wrk)" >&2; exit 0; }
command -v curl > /dev/null 2>&1 || { echo "http.sh: curl not found (apt-get install curl)" >&2; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tick-http.XXXXXX") || exit 2
server_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  exec 3>&- 2> /dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2> /dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pin_server=''
pin_client=''
if command -v taskset > /dev/null 2>&1 && [ "$(nproc 2> /dev/null || echo 1)" -ge 2 ]; then
  pin_server="taskset -c 0"
  pin_client="taskset -c 1"
fi

echo "GOAL	$workload	nginx	0.909	wall"
echo "GOAL	$workload	node	0.5	wall"
echo "GOAL	$latency_workload	nginx	1	wall"

# The CPU seconds (user + system) of the processes given, from /proc.
cpu_of() {
  ticks=0
  for pid in "$@"; do
    t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2> /dev/null) || t=0
    ticks=$((ticks + ${t:-0}))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.6f", t / hz }'
}

# Waits for "listening on IP:PORT" in $1 and prints the port.
wait_port() {
  i=0
  while [ $i -lt 100 ]; do
    port=$(sed -n 's/^listening on [0-9.]*:\([0-9]*\).*/\1/p' "$1" 2> /dev/null | head -n 1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

# Whether something accepts connections on port $1 (curl's exit status 7: refused).
listening() {
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
  [ $? -ne 7 ]
}

# A port nothing listens on, for nginx (which cannot pick one and tell).
free_port() {
  p=$((20000 + $$ % 20000))
  while listening "$p"; do p=$((p + 1)); done
  echo "$p"
}

failed=0

# measure IMPL PORT PID...: checks the answer, warms up, runs wrk, prints the RESULTs.
measure() {
  impl=$1 port=$2
  shift 2
  url="http://127.0.0.1:$port/"
  answer=$(curl -s -w ' %{http_code}' "$url")
  if [ "$answer" != "Hello, world!
 200" ]; then
    echo "http.sh: $impl answered \"$answer\", not 200 Hello, world!" >&2
    failed=1
    return
  fi
  $pin_client wrk -t1 -c"$connections" -d1s "$url" > /dev/null 2>&1
  before=$(cpu_of "$@")
  $pin_client wrk -t1 -c"$connections" -d"${seconds}s" --latency "$url" > "$work/wrk" 2>&1
  after=$(cpu_of "$@")
  if grep -q 'Non-2xx' "$work/wrk"; then
    echo "http.sh: wrk against $impl counted non-2xx responses:" >&2
    sed 's/^/    /' "$work/wrk" >&2
    failed=1
    return
  fi
  grep 'Socket errors' "$work/wrk" | sed "s/^ */http.sh: $impl: /" >&2
  # "  N requests in 5.00s, ..." and the latency distribution's "99%  1.23ms".
  awk -v impl="$impl" -v w="$workload" -v lw="$latency_workload" -v cpu="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" '
    function seconds(text,    v) {
      v = text + 0
      if (text ~ /us$/) return v / 1e6
      if (text ~ /ms$/) return v / 1e3
      if (text ~ /m$/) return v * 60
      return v
    }
    / requests in / { n = $1; d = $4; sub(/,$/, "", d); t = seconds(d) }
    $1 == "99%" { p99 = seconds($2) }
    END {
      if (n > 0 && t > 0) printf "RESULT\t%s\t%s\t%.9f\t%.9f\t%d\n", w, impl, t, cpu, n
      if (p99 > 0) printf "RESULT\t%s\t%s\t%.9f\t%.9f\n", lw, impl, p99, p99
    }' "$work/wrk"
  grep -q ' requests in ' "$work/wrk" || { echo "http.sh: no wrk result for $impl" >&2; sed 's/^/    /' "$work/wrk" >&2; failed=1; }
}

# start PROGRAM...: runs a server that prints its port and stops when stdin ends.
start() {
  rm -f "$work/in" "$work/out"
  mkfifo "$work/in"
  $pin_server "$@" < "$work/in" > "$work/out" 2>&1 &
  server_pid=$!
  exec 3> "$work/in"
}

stop() {
  exec 3>&-
  i=0
  while kill -0 "$server_pid" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  kill "$server_pid" 2> /dev/null
  wait "$server_pid" 2> /dev/null
  server_pid=
}

# tick
if [ -x "$hello" ]; then
  start "$hello" --port 0
  if port=$(wait_port "$work/out"); then
    measure tick "$port" "$server_pid"
  else
    echo "http.sh: $hello did not start" >&2
    failed=1
  fi
  stop
else
  echo "http.sh: $hello not built (make all), skipping tick" >&2
  failed=1
fi

# node
if command -v node > /dev/null 2>&1; then
  start node "$here/lib/http-hello.js"
  if port=$(wait_port "$work/out"); then
    measure node "$port" "$server_pid"
  else
    echo "http.sh: node's server did not start" >&2
    failed=1
  fi
  stop
else
  echo "http.sh: node not found, skipping node" >&2
fi

# nginx
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$nginx" ]; then
  port=$(free_port)
  mkdir -p "$work/nginx/logs"
  cat > "$work/nginx.conf" << CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 "Hello, world!\n"; }
  }
}
CONF
  $pin_server "$nginx" -p "$work/nginx" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
  server_pid=$!
  i=0
  while ! listening "$port" && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  pids="$server_pid $(pgrep -P "$server_pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086 # one argument per process
  measure nginx "$port" $pids
  kill "$server_pid" 2> /dev/null
  wait "$server_pid" 2> /dev/null
  server_pid=
else
  echo "http.sh: nginx not found, skipping nginx (apt-get install nginx-light)" >&2
fi

exit "$failed"
