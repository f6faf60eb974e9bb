#!/bin/sh
# doc-examples.sh [BUILD [CC]] - compiles and runs every complete program shown in the
# documentation, so that an example a reader copies always builds and does what the page
# says. `make check` runs it as the test doc-examples.
#
# A complete program is a ```c block of README.md, docs/*.md or docs/design/*.md that
# defines main(); fragments are left alone. It is compiled with -Wall -Wextra -Werror
# against include/ and BUILD/libtick.a (plus the libraries BUILD/tick.pc lists), and run
# in an empty temporary directory with a 30 s limit; it must exit 0. When the block is
# followed (after blank lines) by an ```output block, its stdout must be exactly that.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
cc=${2:-${CC:-cc}}
lib=$build/libtick.a
[ -f "$lib" ] || { echo "doc-examples: $lib is missing (make all BUILD=$build)" >&2; exit 1; }
libs=$(sed -n 's/^Libs.private: //p' "$build/tick.pc" 2>/dev/null || true)
[ -n "$libs" ] || libs="-lpthread -lm"
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Extract: each program becomes $tmp/N.c, with $tmp/N.where ("file:line") and, when the
# page shows its output, $tmp/N.out.
for page in README.md docs/*.md docs/design/*.md; do
  [ -f "$page" ] || continue
  awk -v page="$page" -v dir="$tmp" '
    BEGIN { n = 0; while ((getline line < (dir "/count")) > 0) n = line + 0 }
    state == 0 && /^```c[ \t]*$/ { state = 1; body = ""; start = FNR; next }
    state == 1 && /^```[ \t]*$/ {
      state = 0
      if (body ~ /(^|\n)[a-z ]*int main\(/) {
        n++; file = dir "/" n
        printf "%s", body > (file ".c"); close(file ".c")
        print page ":" start > (file ".where"); close(file ".where")
        want = 1
      }
      next
    }
    state == 1 { body = body $0 "\n"; next }
    want && /^[ \t]*$/ { next }
    want && /^```output[ \t]*$/ { state = 2; out = ""; next }
    state == 2 && /^```[ \t]*$/ {
      state = 0; want = 0
      printf "%s", out > (file ".out"); close(file ".out")
      next
    }
    state == 2 { out = out $0 "\n"; next }
    { want = 0 }
    END { print n > (dir "/count") }
  ' "$page"
done

count=$(cat "$tmp/count" 2>/dev/null || echo 0)
failed=0
i=1
while [ "$i" -le "$count" ]; do
  where=$(cat "$tmp/$i.where")
  if ! $cc -std=c11 -Wall -Wextra -Werror -I"$root/include" -o "$tmp/$i" "$tmp/$i.c" \
       "$root/$lib" $libs 2> "$tmp/$i.cc"; then
    echo "not ok: $where does not compile:"; cat "$tmp/$i.cc"; failed=$((failed + 1))
  else
    mkdir "$tmp/run$i"
    if ! (cd "$tmp/run$i" && timeout 30 "$tmp/$i" > "$tmp/$i.got" 2> "$tmp/$i.err"); then
      echo "not ok: $where exited with an error:"; cat "$tmp/$i.got" "$tmp/$i.err"
      failed=$((failed + 1))
    elif [ -f "$tmp/$i.out" ] && ! diff -u "$tmp/$i.out" "$tmp/$i.got" > "$tmp/$i.diff"; then
      echo "not ok: $where printed something else than the page shows:"; cat "$tmp/$i.diff"
      failed=$((failed + 1))
    else
      echo "ok: $where"
    fi
  fi
  i=$((i + 1))
done
echo "doc-examples: $count programs, $failed failed"
[ "$failed" -eq 0 ] && [ "$count" -gt 0 ]
