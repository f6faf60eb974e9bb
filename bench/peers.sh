#!/bin/sh
# peers.sh - makes a benchmark peer library available. Usage: peers.sh uv|ev
# Prints 1 if the peer's header and library work with $CC, 0 if not. When they are
# missing and we are root with apt-get (and BENCH_INSTALL is not 0), installs the Debian
# package first; otherwise says on stderr what to install. Only stdout is read by make.

set -u
cc=${CC:-cc}
case ${1:-} in
  uv) header=uv.h library=-luv package=libuv1-dev call='uv_version()' ;;
  ev) header=ev.h library=-lev package=libev-dev call='ev_version_major()' ;;
  *) echo "usage: peers.sh uv|ev" >&2; echo 0; exit 0 ;;
esac

probe() {
  printf '#include <%s>\nint main(void) { return (int)%s * 0; }\n' "$header" "$call" |
    $cc -x c - -o /dev/null "$library" >/dev/null 2>&1
}

if probe; then
  echo 1
  exit 0
fi

if [ "${BENCH_INSTALL:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing $package (its headers are missing)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet: update once and retry.
  { apt-get install -y --no-install-recommends "$package" ||
    { apt-get update && apt-get install -y --no-install-recommends "$package"; }; } >&2
  if probe; then
    echo 1
    exit 0
  fi
fi

echo "bench: $package not available, skipping its benchmarks (install it: apt-get install $package)" >&2
echo 0
