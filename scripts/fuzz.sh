#!/usr/bin/env bash
# fuzz.sh - fuzzes every parser of untrusted input with libFuzzer (clang,
# AddressSanitizer, UBSan) for SECONDS each (default 60), starting from the
# seed corpus in fuzz/corpus/NAME and what earlier runs found
# ($BMDSTREAM_STATE_DIR/fuzz/corpus/NAME). Prints one line per harness
# (runs, executions per second, coverage, crashes) and adds it to
# $BMDSTREAM_STATE_DIR/fuzz/history.tsv, whose totals `fuzz.sh --hours`
# prints. A crash leaves its input in $BMDSTREAM_STATE_DIR/fuzz/crashes/NAME/
# and fails the run: fix it, then copy the input into fuzz/regressions/NAME/
# so that the unit test fuzz_replay_NAME keeps it fixed.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]    NAME: matrix_import matrix_bin
#                                          envelope s3_answer annotation
#                                          bmdx_config probe_fits (all)
#   scripts/fuzz.sh --hours
#
# BMDSTREAM_FUZZ_SEED fixes libFuzzer's random seed (the CI run, ctest's
# fuzz_short, uses 1 so that a failure there replays the same way).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$BS_STATE/fuzz
history=$work/history.tsv
all=(matrix_import matrix_bin envelope s3_answer annotation bmdx_config probe_fits)

if [ "${1:-}" = "--hours" ]; then
  [ -f "$history" ] || die "no fuzzing recorded yet ($history)"
  awk -F'\t' 'NR > 1 { s[$2] += $3; r[$2] += $4; c[$2] += $7 }
    END { printf "%-14s %10s %14s %8s\n", "harness", "hours", "runs", "crashes";
          for (h in s) printf "%-14s %10.3f %14d %8d\n", h, s[h] / 3600, r[h], c[h] }' "$history"
  exit 0
fi

seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [SECONDS] [NAME...] | --hours"
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
for n in "${names[@]}"; do
  [ -f "$BS_ROOT/fuzz/fuzz_$n.c" ] || die "no harness named $n (fuzz/fuzz_$n.c)"
done

cc=$(command -v clang-14 || command -v clang || true)
[ -n "$cc" ] || die "clang is needed for libFuzzer (scripts/setup.sh installs clang-14)"
build=$BS_STATE/build-fuzz
cmake -S "$BS_ROOT" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBMDSTREAM_FUZZ=ON -DBMDSTREAM_WERROR=OFF \
  -DBS_PYTHON="$BS_VENV/bin/python" >/dev/null
ninja -C "$build" fuzzers >&2

mkdir -p "$work"
[ -f "$history" ] || printf 'date\tharness\tseconds\truns\texec_per_s\tcoverage\tcrashes\n' >"$history"
printf '%-14s %8s %12s %10s %9s %8s\n' harness seconds runs exec/s coverage crashes
failed=0
for n in "${names[@]}"; do
  corpus=$work/corpus/$n
  crashes=$work/crashes/$n
  log=$work/$n.log
  mkdir -p "$corpus" "$crashes"
  if [ $n = matrix_bin ]; then # seeds made from the expression seeds, as stored
    "$build/bin/seed_matrix_bin" "$corpus" "$BS_ROOT"/fuzz/corpus/matrix_import/example_* 2>/dev/null || true
  fi
  before=$(find "$crashes" -type f | wc -l)
  rc=0
  seed=()
  [ -z "${BMDSTREAM_FUZZ_SEED:-}" ] || seed=(-seed="$BMDSTREAM_FUZZ_SEED")
  "$build/bin/fuzz_$n" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$BS_ROOT/fuzz/corpus/$n" \
    >"$log" 2>&1 || rc=$?
  after=$(find "$crashes" -type f | wc -l)
  found=$((after - before))
  if [ $rc -ne 0 ] && [ $found -eq 0 ]; then found=1; fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  printf '%-14s %8s %12s %10s %9s %8s\n' "$n" "$seconds" "${runs:-?}" "${speed:-?}" "${cov:-?}" "$found"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$n" "$seconds" "${runs:-0}" \
    "${speed:-0}" "${cov:-0}" "$found" >>"$history"
  if [ $found -ne 0 ]; then
    failed=1
    say "fuzz: $n found a crash: its input is in $crashes/, the report in $log"
  fi
done
exit $failed
