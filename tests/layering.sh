#!/bin/sh
# layering.sh - checks the layering of src/: each folder is a layer, and a layer's files
# include only headers of their own layer and of layers below it (and the public tick.h,
# tick/*.h, and system headers). The order, lowest first:
#
#   core < algo < promise < thread < io < cancel < async < obs
#
# (algo holds synchronous algorithms; it may use the core's allocation and nothing else.)
# It also checks that the core names nothing above it: no identifier of an upper layer (a
# handle type, a module slot, a function) appears in src/core's code. Comments may still
# mention them.
# Run from anywhere; prints each violation and exits 1 if there is one.
set -u
cd "$(dirname "$0")/.." || exit 2

rank() {
  case $1 in
    core) echo 0 ;;
    algo) echo 1 ;;
    promise) echo 2 ;;
    thread) echo 3 ;;
    io) echo 4 ;;
    cancel) echo 5 ;;
    async) echo 6 ;;
    obs) echo 7 ;;
    *) echo -1 ;;
  esac
}

problems=$(
  for f in src/*/*.c src/*/*.h; do
    [ -f "$f" ] || continue
    layer=${f#src/}
    layer=${layer%%/*}
    own=$(rank "$layer")
    if [ "$own" -lt 0 ]; then
      echo "$f: folder '$layer' is no known layer"
      continue
    fi
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
      while IFS= read -r inc; do
        case $inc in
          tick.h | tick/*) continue ;;
          */*) ;;
          *) echo "$f: includes \"$inc\", which names no layer"; continue ;;
        esac
        other=$(rank "${inc%%/*}")
        if [ "$other" -lt 0 ]; then
          echo "$f: includes \"$inc\" from no known layer"
        elif [ "$other" -gt "$own" ]; then
          echo "$f: layer $layer includes \"$inc\", from the higher layer ${inc%%/*}"
        fi
      done
  done
  # Identifiers of the layers above, in the core's code (comments may mention them).
  for f in src/core/*.c src/core/*.h; do
    sed -e "s://.*$::" "$f" | awk -v name="$f" '
      { line = $0; out = "" }
      { while (1) {
          if (incomment) { e = index(line, "*/"); if (e == 0) { line = ""; break }
                           line = substr(line, e + 2); incomment = 0 }
          s = index(line, "/*"); if (s == 0) { out = out line; break }
          out = out substr(line, 1, s - 1); line = substr(line, s + 2); incomment = 1 } }
      { print name ":" NR ": " out }' |
      grep -E '\<(tick_|tick__|TICK__)(stream|tcp|udp|fs|dns|signal|process|spawn|pool|work|parallel|promise|resolver|pipe|scope|delay|obs|trace)|\<TICK__(STREAM|OBS|TRACE|MODULE_[A-LN-Z])|\<TICK__S_' |
      sed 's/$/  <- the core names an upper layer/'
  done
)

if [ -n "$problems" ]; then
  printf '%s\n' "$problems"
  exit 1
fi
echo "layering: every layer includes only itself and the layers below; the core names none above it"
