"""examples/upstream_producer.py on the real stack (Kafka, PostgreSQL,
S3Proxy) with the four consumers running:

- an expression file uploaded by the lab (curl, an independent S3 client)
  under projects/<p>/uploads/ is registered, the example publishes
  experiment-imported with confluent-kafka, and the pipeline completes the
  job it names (the stages create it): jobs row COMPLETED at 1.0, the
  category result of the Hallmark map (50 categories), the job's files
  listed by `bmdstream results`; the published record (read back with kcat)
  has the experiment id as its key, no headers, ana's key id and a
  signature, and validates against the published schema;
- an expression file outside the user's project is refused before anything
  is published.
"""
import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from conftest import kafka_credentials, kcat_consume, key_id
from deploy import ANALYSIS, BIN, CATEGORY_MAP, MATRICES, PROBE_MAP, ROOT, STAGES, Deployment, s3

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from event_schemas import event_errors  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "upstream_producer.py")


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup()
    yield d
    d.kill_all()


def example(d, *args, timeout=900):
    # It publishes as the importer's principal and follows the job's events
    # as the admin (the importer may only write experiment-imported).
    auth = []
    if kafka_credentials("bmdstream-import"):
        auth = ["--kafka-config", kafka_credentials("bmdstream-import"),
                "--follow-kafka-config", kafka_credentials("bmdstream-admin")]
    return d.run(sys.executable, EXAMPLE, "--bootstrap", d.bootstrap, "--topic-prefix", d.prefix,
                 *auth,
                 "--import-bin", os.path.join(BIN, "bmdstream-import"), *args, timeout=timeout)


def test_the_example_event_completes_a_job(dep):
    d = dep
    for s in STAGES:
        d.start(s)
    key = f"projects/{d.project}/uploads/example data 1.txt"
    assert s3(d.env, "PUT", f"/{d.bucket}/{quote(key)}", data=MATRICES[0]) == "200"
    # the key by --key (the environment's BMDSTREAM_SIGNING_KEY would do too)
    out = example(d, "--key", d.env["BMDSTREAM_SIGNING_KEY"], "--project", str(d.project),
                  "--matrix-key", key, "--probe-map", PROBE_MAP, "--category-map", CATEGORY_MAP, "--wait", "800",
                  "--", *ANALYSIS)
    assert out.returncode == 0, out.stderr
    job = out.stdout.strip()
    assert len(job) == 36, out.stdout
    assert f"job {job}: COMPLETED 100%" in out.stderr

    assert d.job(job) == ["COMPLETED", ""]
    assert d.sql(f"SELECT progress FROM jobs WHERE id = '{job}'") == "1"
    experiment = d.sql("SELECT id FROM dose_response_experiments")
    assert d.sql(f"SELECT num_probes, num_treatments FROM dose_response_experiments"
                 f" WHERE id = {experiment}") == "2977|30"
    assert d.sql("SELECT num_categories FROM category_results") == "50"
    listed = d.bm("results", job, "--user", "ana", "--list")
    assert listed.returncode == 0, listed.stderr
    assert "categories.tsv\t" in listed.stdout and "bmd.tsv\t" in listed.stdout

    (record,) = kcat_consume(d.bootstrap, d.prefix + "experiment-imported")
    assert record["key"] == experiment
    assert not record.get("headers")
    event = json.loads(record["payload"])
    assert event_errors("experiment-imported", event) == []
    assert event["source"] == "/lab/upstream-producer"
    assert event["data"]["job_id"] == job
    assert event["bskeyid"] == key_id(d.ana) and len(event["bssignature"]) == 88
    assert event["data"]["matrix_key"] == f"projects/{d.project}/experiments/{experiment}/matrix.bin"
    done = [json.loads(r["payload"]) for r in kcat_consume(d.bootstrap, d.prefix + "category-done")]
    assert [e["data"]["job_id"] for e in done] == [job]


def test_a_file_outside_the_project_publishes_nothing(dep):
    d = dep
    out = example(d, "--user", "ana", "--project", str(d.project), "--matrix-key",
                  f"projects/{d.project + 1}/uploads/m.txt", "--", *ANALYSIS, timeout=120)
    assert out.returncode != 0
    assert "bmdstream-import refused" in out.stderr and "forbidden" in out.stderr, out.stderr
    assert out.stdout == ""
    assert kcat_consume(d.bootstrap, d.prefix + "experiment-imported") == []
    assert d.sql("SELECT count(*) FROM dose_response_experiments") == "0"
