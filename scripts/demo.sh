#!/usr/bin/env bash
# demo.sh - the main job, from a fresh machine: install what is missing,
# build, bring the local stack up, apply the migrations, create the topics,
# show that each service answers, start the pipeline's consumers, import
# the bundled example (BMDExpress's S1500+ "example data 1.txt" with the
# MSigDB Hallmark probe and category maps), follow its job to COMPLETED,
# and print the top categories, the tPOD and where the results are, and
# fetch the job's files with `bmdstream results`.
# The stack and the consumers stay up afterwards:
#   scripts/pipeline.sh stop && scripts/stack.sh down
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$BS_ROOT/scripts/setup.sh"
builddir=$("$BS_ROOT/scripts/build.sh" release)
bin=$builddir/bin
settings=$("$BS_ROOT/scripts/stack.sh" up)
eval "$settings"

say "== migrations"
"$bin/bmdstream" migrate
say "== Kafka permissions of each program (as bmdstream-admin), then the topics (as bmdstream-operator)"
"$bin/bmdstream" acl apply
"$bin/bmdstream" topics

say "== Kafka answers: topics in the cluster metadata"
kcat -F "$BMDSTREAM_KAFKA_CREDENTIALS/bmdstream-operator.properties" -L -b "$BMDSTREAM_KAFKA_BOOTSTRAP" -m 5 | grep -E '^  topic "' | grep -v '__consumer_offsets' >&2
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

say "== the pipeline's consumers"
"$BS_ROOT/scripts/pipeline.sh" start "$builddir"

say "== a user, a project, and the example experiment"
demo_pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$demo_pw" | "$bin/bmdstream" user add --username demo --email demo@bmdstream.invalid \
  --full-name "Demo User" >/dev/null 2>&1 || true # exists from an earlier run
project=$("$bin/bmdstream" project add --user demo --name "S1500+ example $(date -u +%FT%TZ)" \
  --description "BMDExpress example data 1 with the MSigDB Hallmark gene sets")
# The demo user's signing key (docs/security.md): made once and kept with the
# stack's state; bmdstream-import proves the user with it and signs the event.
demo_key=$BS_STATE/demo-signing.key
[ -f "$demo_key" ] || "$bin/bmdstream" user key generate --out "$demo_key" >"$demo_key.pub"
if ! added=$("$bin/bmdstream" user key add --username demo --public-key "$demo_key.pub" 2>&1); then
  case $added in *"registered already"*) ;; *) die "$added" ;; esac
fi
data=$BS_ROOT/tests/data/bmdexpress
job=$("$bin/bmdstream-import" --user demo --key "$demo_key" --project "$project" \
  --matrix "$data/example data 1.txt" \
  --probe-map "$data/Probe Map File_Human_S1500+ Probe to Entrez Gene.txt" \
  --category-map "$data/Category Map File_ MsigDB Hallmark Gene Sets.txt" \
  --prefilter anova --p-cutoff 0.05 --fold-filter 2.0 --wait)
say "job $job COMPLETED"

say ""
say "== top categories (most sensitive first: median BMD of at least 3 genes)"
psql "$BMDSTREAM_DATABASE_URL" -P pager=off -c "
  SELECT d.category_name AS category, d.genes_passed AS genes, round(d.bmd_median::numeric, 3) AS bmd_median,
         round(d.bmdl_median::numeric, 3) AS bmdl_median, round(d.fisher_p_value::numeric, 4) AS fisher_p
  FROM jobs j
  JOIN bmd_results b ON b.id = j.result_id
  JOIN category_results c ON c.bmd_result_id = b.id
  JOIN category_result_details d ON d.category_result_id = c.id
  WHERE j.id = '$job' AND d.genes_passed >= 3
  ORDER BY d.bmd_median LIMIT 5"
say "== transcriptomic point of departure"
psql "$BMDSTREAM_DATABASE_URL" -qAt -c "
  SELECT jsonb_pretty(c.tpod) FROM jobs j JOIN category_results c ON c.bmd_result_id = j.result_id
  WHERE j.id = '$job'"
say "== where the results are"
psql "$BMDSTREAM_DATABASE_URL" -qAt -F ' ' -c "
  SELECT 'matrix:      s3://$BMDSTREAM_S3_BUCKET/' || e.expression_matrix_s3_key,
         E'\nprobe stats: s3://$BMDSTREAM_S3_BUCKET/' || b.results_s3_key,
         E'\nexports:     s3://$BMDSTREAM_S3_BUCKET/' || c.results_s3_key || '/{report.html,categories.tsv,results.csv,tpod.json,plots/*.svg}'
  FROM jobs j JOIN bmd_results b ON b.id = j.result_id
  JOIN dose_response_experiments e ON e.id = b.experiment_id
  JOIN category_results c ON c.bmd_result_id = b.id WHERE j.id = '$job'"
say "== the job's files, fetched without an S3 client (bmdstream results)"
results_dir=$BS_STATE/demo-results/$job
"$bin/bmdstream" results "$job" --user demo --out "$results_dir"
"$bin/bmdstream" results "$job" --user demo --list
cat >&2 <<TXT

SQL to explore (psql "\$BMDSTREAM_DATABASE_URL"):
  SELECT * FROM jobs WHERE id = '$job';
  SELECT * FROM probe_stat_results WHERE bmd_result_id = (SELECT result_id FROM jobs WHERE id = '$job') ORDER BY best_bmd LIMIT 20;
The stack and consumers stay up; settings: scripts/stack.sh env
Stop: scripts/pipeline.sh stop && scripts/stack.sh down
TXT
