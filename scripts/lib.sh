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

# Whether the process of a PID file runs.
pid_alive() { # pidfile
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Stops the process of a PID file: SIGTERM, up to 30 s to exit, then
# SIGKILL (said on stderr as "<script>: NAME did not stop ..."); removes
# the file. Nothing to do when it does not run.
stop_pidfile() { # name pidfile
  local pidfile=$2 pid i
  pid_alive "$pidfile" || {
    rm -f "$pidfile"
    return 0
  }
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$(basename "$0" .sh): $1 did not stop in 30 s; killing PID $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
