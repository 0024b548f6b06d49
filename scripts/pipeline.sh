#!/usr/bin/env bash
# pipeline.sh - the pipeline's consumers on this machine, as background
# processes of the local stack: logs and PIDs under .state/pipeline/, each
# stopped by its recorded PID (SIGTERM: finish the message in hand, commit,
# leave the group).
#
#   scripts/pipeline.sh start [BUILD_DIR]   start what is not running
#   scripts/pipeline.sh stop                stop what we started
#   scripts/pipeline.sh status
#
# Settings come from the environment (eval "$(scripts/stack.sh env)").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DIR=$BS_STATE/pipeline
STAGES=(tracker prefilter bmd category)
PORT0=${BMDSTREAM_METRICS_PORT0:-9400}

# A PID file names the consumer when the process runs bmdstream-<stage>
# (lib.sh pid_state: a zombie, a dying process or a reused PID does not).
alive() { pid_alive "$DIR/$1.pid" "bmdstream-$1"; }

start() {
  local bin=${1:-$BS_ROOT/build}/bin i=0 url=${BMDSTREAM_DATABASE_URL:-}
  mkdir -p "$DIR"
  # With database_credentials each consumer logs in as its own role
  # (docs/security.md): it gets the URL without the owner's login.
  if [ -n "${BMDSTREAM_DATABASE_CREDENTIALS:-}" ]; then
    url=$(printf '%s' "$url" | sed -E 's|^(postgres(ql)?://)[^@/]*@|\1|')
  fi
  for s in "${STAGES[@]}"; do
    # One killed a moment ago still holds its metrics port and instance
    # number (bs/instance.h): let it finish exiting, then start anew.
    if [ "$(pid_state "$DIR/$s.pid" "bmdstream-$s")" = exiting ]; then
      say "pipeline: bmdstream-$s (pid $(head -n 1 "$DIR/$s.pid")) is exiting; waiting for it"
      pid_wait_exited "$DIR/$s.pid" "bmdstream-$s" || die "bmdstream-$s does not finish exiting"
    fi
    if ! alive "$s"; then
      [ -x "$bin/bmdstream-$s" ] || die "$bin/bmdstream-$s is missing; build first"
      BMDSTREAM_DATABASE_URL=$url nohup "$bin/bmdstream-$s" --metrics-port $((PORT0 + i)) \
        >"$DIR/$s.log" 2>&1 </dev/null &
      echo $! >"$DIR/$s.pid"
    fi
    i=$((i + 1))
  done
  # Each serves /health once its services answer.
  i=0
  for s in "${STAGES[@]}"; do
    local deadline=$(($(date +%s) + 60))
    until curl -sf -o /dev/null "http://127.0.0.1:$((PORT0 + i))/health"; do
      alive "$s" || die "bmdstream-$s exited; see $DIR/$s.log"
      [ "$(date +%s)" -lt $deadline ] || die "bmdstream-$s not healthy in 60 s; see $DIR/$s.log"
      sleep 0.3
    done
    i=$((i + 1))
  done
  say "pipeline: ${STAGES[*]} running (metrics on 127.0.0.1:$PORT0-$((PORT0 + ${#STAGES[@]} - 1)))"
}

stop() {
  for s in "${STAGES[@]}"; do
    stop_pidfile "$s" "$DIR/$s.pid" "bmdstream-$s"
  done
  say "pipeline: stopped"
}

case "${1:-}" in
start) start "${2:-}" ;;
stop) stop ;;
status)
  for s in "${STAGES[@]}"; do
    if alive "$s"; then say "$s running (pid $(cat "$DIR/$s.pid"))"; else say "$s stopped"; fi
  done
  ;;
*) die "usage: $0 start [BUILD_DIR] | stop | status" ;;
esac
