# lib.sh - shared settings for the project's scripts (sourced, not run).
# All state lives under one ignored directory, $BMDSTREAM_STATE_DIR
# (default: <repo>/.state).

BS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BS_STATE=${BMDSTREAM_STATE_DIR:-$BS_ROOT/.state}
BS_JARS=$BS_STATE/jars
BS_VENV=$BS_STATE/venv

say() { printf '%s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Milliseconds since the epoch, for measured timings.
now_ms() { date +%s%3N; }
