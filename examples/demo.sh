#!/bin/bash
# demo.sh - runs one of the network examples against a small client, then stops it.
#
#   bash examples/demo.sh echo build/examples/echo-server     (make demo-echo)
#   bash examples/demo.sh http build/examples/http-hello      (make demo-http)
#
# The server listens on a port the kernel picks (--port 0) and reads its standard input
# from a FIFO this script holds open; closing the FIFO is what stops it (the examples
# stop when their standard input ends). The client is bash's /dev/tcp for the echo
# server, and curl for the HTTP server (bash's /dev/tcp if curl is missing).
set -eu

kind=${1:?usage: demo.sh echo|http SERVER}
server=${2:?usage: demo.sh echo|http SERVER}
dir=$(mktemp -d "${TMPDIR:-/tmp}/tick-demo.XXXXXX")
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

mkfifo "$dir/stdin"
"$server" --port 0 < "$dir/stdin" > "$dir/stdout" &
pid=$!
exec 3> "$dir/stdin" # the server runs while this end is open

port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$dir/stdout")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: the server did not start" >&2; exit 1; }
echo "\$ $server --port 0"
cat "$dir/stdout"

case $kind in
  echo)
    exec 4<> "/dev/tcp/127.0.0.1/$port"
    for message in "hello, tick" "a second line on the same connection"; do
      printf '%s\n' "$message" >&4
      IFS= read -r reply <&4
      echo "client sent '$message', the server sent back '$reply'"
    done
    exec 4>&-
    ;;
  http)
    if command -v curl > /dev/null 2>&1; then
      echo "\$ curl -sv http://127.0.0.1:$port/ http://127.0.0.1:$port/missing"
      # Two requests on one connection (curl says "Re-using existing connection").
      curl -sv "http://127.0.0.1:$port/" "http://127.0.0.1:$port/missing" 2>&1 |
        grep -v -e '^[*] *\(Trying\|Expire\|Closing\|TCP_NODELAY\|Mark\|Found\|Can not\)' \
          -e '^{ \[' -e '^> \(User-Agent\|Accept\)' || true
    else
      echo "(curl not found: two pipelined requests over bash's /dev/tcp)"
      exec 4<> "/dev/tcp/127.0.0.1/$port"
      printf 'GET / HTTP/1.1\r\nHost: demo\r\n\r\nGET /missing HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n' >&4
      cat <&4
      exec 4>&-
    fi
    ;;
  *)
    echo "demo: unknown example '$kind'" >&2
    exit 2
    ;;
esac

exec 3>&- # end of the server's standard input: it closes everything and exits
status=0
wait "$pid" || status=$?
pid=
tail -n +2 "$dir/stdout"
echo "server exited with status $status"
exit "$status"
