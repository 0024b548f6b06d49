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

# What became of the process of a PID file (its first line: the PID):
#   running  it runs, and it is the process the file was written for;
#   exiting  it was killed a moment ago (SIGKILL pending, or the kernel is
#            tearing it down: PF_EXITING) and still holds its files, ports
#            and locks;
#   gone     no such process, a zombie (exited, not reaped; its files are
#            closed), or the PID now names another process: one started
#            after the file was written (the PID was reused, e.g. after a
#            reboot), or one whose command line lacks the given text.
# `kill -0` cannot tell these apart: it succeeds on a zombie, on a dying
# process and on a reused PID.
pid_state() { # pidfile [command text]
  local pid stat state flags start pending btime tck mtime cmd
  pid=$(head -n 1 "$1" 2>/dev/null) || pid=
  if ! [[ $pid =~ ^[1-9][0-9]*$ ]]; then
    echo gone
    return
  fi
  if ! [ -d /proc/self ]; then # no procfs: the best we can do
    if kill -0 "$pid" 2>/dev/null; then echo running; else echo gone; fi
    return
  fi
  # "pid (comm) state ppid pgrp session tty tpgid flags ... starttime(22)";
  # comm may hold spaces and parentheses: count the fields after the last ')'.
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || stat=
  if [ -z "$stat" ]; then
    echo gone
    return
  fi
  read -r state _ _ _ _ _ flags _ _ _ _ _ _ _ _ _ _ _ _ start _ <<<"${stat##*) }"
  case $state in Z | X | x)
    echo gone
    return
    ;;
  esac
  # Started after the file was written: not the process it names. The start
  # is clock ticks after boot; boot time is whole seconds, hence the 1 s.
  btime=$(awk '/^btime /{print $2}' /proc/stat)
  tck=$(getconf CLK_TCK)
  mtime=$(stat -c %Y "$1" 2>/dev/null) || mtime=0
  if [ $((btime + start / tck)) -gt $((mtime + 1)) ]; then
    echo gone
    return
  fi
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || cmd=
  if [ -n "${2:-}" ] && [[ $cmd != *"$2"* ]]; then
    echo gone
    return
  fi
  # PF_EXITING (0x4) in the flags, or SIGKILL (bit 9) pending for the process.
  pending=$(awk '/^ShdPnd:/{print $2}' "/proc/$pid/status" 2>/dev/null) || pending=0
  if [ $((flags & 0x4)) -ne 0 ] || [ $((0x${pending:-0} & 0x100)) -ne 0 ]; then
    echo exiting
    return
  fi
  echo running
}

# Whether the process of a PID file runs (pid_state: running).
pid_alive() { # pidfile [command text]
  [ "$(pid_state "$@")" = running ]
}

# Waits (up to 30 s) while the process of a PID file is exiting, so that
# its files, ports and locks are free once this returns.
pid_wait_exited() { # pidfile [command text]
  local i
  for i in $(seq 1 150); do
    [ "$(pid_state "$@")" = exiting ] || return 0
    sleep 0.2
  done
  return 1
}

# Stops the process of a PID file: SIGTERM, up to 30 s to exit, then
# SIGKILL (said on stderr as "<script>: NAME did not stop ..."); removes
# the file. Nothing to do when it does not run (pid_state; one exiting is
# waited for).
stop_pidfile() { # name pidfile [command text]
  local pidfile=$2 pid i
  pid_wait_exited "$pidfile" "${3:-}" || true
  pid_alive "$pidfile" "${3:-}" || {
    rm -f "$pidfile"
    return 0
  }
  pid=$(head -n 1 "$pidfile")
  kill -TERM "$pid"
  for i in $(seq 1 150); do
    [ "$(pid_state "$pidfile" "${3:-}")" = gone ] && break
    sleep 0.2
  done
  if [ "$(pid_state "$pidfile" "${3:-}")" != gone ]; then
    say "$(basename "$0" .sh): $1 did not stop in 30 s; killing PID $pid"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
