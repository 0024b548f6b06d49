#!/bin/sh
# bmdstream-entrypoint - what a bmdstream container runs. The steps are the
# ones scripts/demo.sh runs against the local stack:
#   migrate            bmdstream migrate (safe twice and concurrently)
#   acl                bmdstream acl (apply: the programs' Kafka permissions)
#   topics             bmdstream topics (idempotent)
#   tracker|prefilter|bmd|category
#                      the consumer bmdstream-<stage>, after migrate has run
#   bmdstream ...      any bmdstream command, e.g. `bmdstream lag`
# Configuration comes from the environment (BMDSTREAM_*; see README.md).
set -eu
cmd=${1:-help}
case "$cmd" in
migrate)
  shift
  exec bmdstream migrate --sql-dir "${BMDSTREAM_SQL_DIR:-/usr/share/bmdstream/sql}" "$@"
  ;;
acl | topics)
  shift
  exec bmdstream "$cmd" "$@"
  ;;
tracker | prefilter | bmd | category)
  shift
  exec "bmdstream-$cmd" "$@"
  ;;
bmdstream)
  shift
  exec bmdstream "$@"
  ;;
help | --help | -h)
  echo "usage: migrate | acl | topics | tracker | prefilter | bmd | category | bmdstream ARGS..."
  ;;
*)
  echo "bmdstream-entrypoint: unknown command '$cmd'" >&2
  exit 2
  ;;
esac
