#!/usr/bin/env bash
# test.sh - the whole test suite, from a fresh machine: installs what is
# missing, builds with ASan+UBSan and -Werror, checks the format, brings
# the local stack up (real Kafka, PostgreSQL, S3Proxy), and runs every
# test: unit (cmocka), reference (numbers against SciPy, statsmodels,
# pybmds, jsonschema) and integration (the real services). The stack is
# stopped again if this script started it.
#
#   scripts/test.sh [ctest arguments, e.g. -L unit or -R config]
#
# Without arguments every test runs except the long forms (label "large":
# the pybmds comparison over all 300 ToxRefDB datasets, ~33 min), whose
# short forms run instead (60 ToxRefDB datasets); scripts/test.sh -L large
# runs the long forms; scripts/test.sh -L soak runs the fault suite's soak
# (200 faults); scripts/test.sh -L bench the benchmarks: the pipeline (1 vs
# 2 BMD workers, bench/bench_pipeline.py) and the fitting with pybmds timed
# in the same run (bench/bench_fit_pybmds.py).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$BS_ROOT/scripts/setup.sh"
builddir=$("$BS_ROOT/scripts/build.sh" asan)
# The optimised build users run (scripts/demo.sh) must build too: -O2 finds
# warnings (-Werror) that the sanitizer build does not.
"$BS_ROOT/scripts/build.sh" release >/dev/null
"$BS_ROOT/scripts/check-format.sh"

started=0
if ! "$BS_ROOT/scripts/stack.sh" status >/dev/null 2>&1; then
  started=1
fi
cleanup() {
  if [ $started -eq 1 ] && [ -z "${BMDSTREAM_KEEP_STACK:-}" ]; then
    "$BS_ROOT/scripts/stack.sh" down || true
  fi
}
trap cleanup EXIT
settings=$("$BS_ROOT/scripts/stack.sh" up)
eval "$settings"
# Integration tests fail rather than skip when the stack is expected.
export BMDSTREAM_TEST_REQUIRE_STACK=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
if [ $# -eq 0 ]; then
  set -- -LE 'large|soak|bench'
fi
ctest --test-dir "$builddir" --output-on-failure --no-tests=error "$@"
