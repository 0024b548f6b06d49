#!/usr/bin/env bash
# demo.sh - the main job, from a fresh machine: install what is missing,
# build, bring the local stack up, apply the migrations, create the topics,
# and show that each service answers. The stack stays up afterwards
# (scripts/stack.sh down stops it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$BS_ROOT/scripts/setup.sh"
builddir=$("$BS_ROOT/scripts/build.sh" release)
bin=$builddir/bin
settings=$("$BS_ROOT/scripts/stack.sh" up)
eval "$settings"

say "== migrations"
"$bin/bmdstream" migrate
say "== topics"
"$bin/bmdstream" topics

say "== Kafka answers: topics in the cluster metadata"
kcat -L -b "$BMDSTREAM_KAFKA_BOOTSTRAP" -m 5 | grep -E '^  topic "' | grep -v '__consumer_offsets' >&2
say "== PostgreSQL answers: the tables"
psql "$BMDSTREAM_DATABASE_URL" -qAtc \
  "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'" >&2
say "== S3Proxy answers: a signed request succeeds, an unsigned one is refused"
sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
signed=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 \
  --user "$BMDSTREAM_S3_ACCESS_KEY:$BMDSTREAM_S3_SECRET_KEY" -H "x-amz-content-sha256: $sha" \
  "$BMDSTREAM_S3_ENDPOINT/$BMDSTREAM_S3_BUCKET?list-type=2")
unsigned=$(curl -s -o /dev/null -w '%{http_code}' "$BMDSTREAM_S3_ENDPOINT/$BMDSTREAM_S3_BUCKET?list-type=2")
say "signed list: HTTP $signed; unsigned list: HTTP $unsigned"
[ "$signed" = 200 ] && [ "$unsigned" = 403 ] || die "S3Proxy did not answer as expected"

say ""
say "The stack is up. Its settings (also: scripts/stack.sh env):"
"$BS_ROOT/scripts/stack.sh" env
