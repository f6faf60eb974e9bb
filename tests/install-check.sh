#!/bin/sh
# install-check.sh BUILD: `make install` into a temporary prefix, then build and run the
# README's example against it with pkg-config, statically and with the shared library.
set -eu
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v pkg-config >/dev/null || { echo "install-check: pkg-config is missing" >&2; exit 1; }
make --no-print-directory install BUILD="$build" PREFIX="$tmp/prefix" >/dev/null
sed -n '/^```c/,/^```/p' README.md | sed '1d;$d' > "$tmp/demo.c"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$tmp/demo.c" $(pkg-config --cflags --libs tick) -o "$tmp/demo"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/demo" > "$tmp/out"
grep -q '^3\. the timer' "$tmp/out"
cc -std=c11 "$tmp/demo.c" $(pkg-config --cflags tick) "$tmp/prefix/lib/libtick.a" \
  $(pkg-config --static --libs-only-other --libs-only-l tick | sed 's/-ltick//') -o "$tmp/demo-static"
"$tmp/demo-static" | grep -q '^1\. the main script'
echo "install-check: installed, built with pkg-config, ran (shared and static)"
