#!/usr/bin/env bash
# build.sh [release|asan] - configure and build into build/ (release, the
# programs users run) or build-asan/ (ASan+UBSan, warnings as errors: what
# the tests use). Prints the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kind=${1:-release}
case "$kind" in
release)
  dir=$BS_ROOT/build
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBMDSTREAM_WERROR=ON -DBMDSTREAM_SANITIZE=OFF)
  ;;
asan)
  dir=$BS_ROOT/build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DBMDSTREAM_WERROR=ON -DBMDSTREAM_SANITIZE=ON)
  ;;
*) die "usage: $0 [release|asan]" ;;
esac
cmake -S "$BS_ROOT" -B "$dir" -G Ninja "${flags[@]}" -DBS_PYTHON="$BS_VENV/bin/python" >/dev/null
ninja -C "$dir" >&2
echo "$dir"
