"""Attacks on the real stack (issue 15 item 5; label "attack", with
test_kafka_auth, test_signed_events and test_references, which cover an
unauthenticated client, writes outside a principal's ACLs, forged and
changed signed events, a revoked key and foreign result ids and object
keys). The cases here:

- SQL in names: a username and a project name made of SQL are stored as
  the text they are, and nothing else changes;
- control characters and overlong names: refused with the field named,
  nothing stored;
- an experiment-imported event larger than our 1,000,000-byte limit (but
  small enough for Kafka), and one nested 5,000 levels deep: refused by
  the prefilter and the tracker (dead-letter, class permanent, counted),
  no job made;
- a job event written by a pipeline principal (the BMD stage's, allowed to
  write job-events) for another user's job: refused by the tracker
  (forbidden, counted), the job left as it was.
"""
import json
import os
import subprocess
import sys
import uuid

import pytest

from conftest import event, kafka_credentials, kcat_consume, psql
from deploy import Deployment

sys.path.insert(0, os.path.dirname(__file__))
from test_metrics import get, scrape, wait_for  # noqa: E402


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    try:
        for s in ("tracker", "prefilter"):
            d.start(s)
        d.wait_healthy(["tracker", "prefilter"])
        yield d
    finally:
        d.kill_all()


def failed(d, stage, cls):
    samples, _ = scrape(d.ports[stage])
    return sum(get(samples, "bmdstream_messages_failed_total", **{"class": cls}))


def counts(d):
    return {t: d.sql(f"SELECT count(*) FROM {t}")
            for t in ("users", "bmd_projects", "jobs", "prefilter_results", "user_keys")}


def test_names(dep):
    d = dep
    before = counts(d)
    sql_user = "mallory'); DROP TABLE users; --"
    out = d.bm("user", "add", "--username", sql_user, "--email", "m@x",
               stdin="password-mallory\n")
    assert out.returncode == 0, out.stderr
    assert d.sql("SELECT count(*) FROM users WHERE username = "
                 "'mallory''); DROP TABLE users; --'") == "1"
    sql_project = "p'; DELETE FROM bmd_projects; --"
    out = d.bm("project", "add", "--user", sql_user, "--name", sql_project)
    assert out.returncode == 0, out.stderr
    assert d.sql(f"SELECT name FROM bmd_projects WHERE id = {int(out.stdout)}") == sql_project
    after = counts(d)
    assert int(after["users"]) == int(before["users"]) + 1
    assert int(after["bmd_projects"]) == int(before["bmd_projects"]) + 1

    # control characters and overlong names: refused, naming the field
    for args, stdin, words in [
            (["user", "add", "--username", "eve\x1b[31m", "--email", "e@x"], "password-eve\n",
             "username: control character 0x1b at byte 3"),
            (["user", "add", "--username", "eve", "--email", "e@x\n"], "password-eve\n",
             "email: control character 0x0a"),
            (["project", "add", "--user", "ana", "--name", "a\tb"], "",
             "project name: control character 0x09 at byte 1"),
            (["project", "add", "--user", "ana", "--name", "é" * 256], "",
             "project name: 256 characters, at most 255")]:
        out = d.bm(*args, stdin=stdin)
        assert out.returncode != 0 and words in out.stderr, (args, out.stderr)
    assert counts(d) == after


def produce(d, principal, topic, key, value):
    """kcat -P of one record as principal, allowing records up to 2 MB."""
    subprocess.run(["kcat", "-F", kafka_credentials(principal), "-P", "-b", d.bootstrap, "-t",
                    d.prefix + topic, "-k", key, "-c", "1", "-X", "message.max.bytes=2000000"],
                   input=value.encode(), check=True, timeout=60)


def dead_letters(d):
    out = []
    for rec in kcat_consume(d.bootstrap, d.prefix + "dead-letter"):
        h = dict(zip(rec["headers"][::2], rec["headers"][1::2]))
        out.append((h["dlq.stage"], h["dlq.error.class"], h["dlq.error.msg"],
                    h["dlq.topic"].endswith("experiment-imported"), h["dlq.topic"]))
    return out


def test_oversized_and_deeply_nested_events(dep):
    d = dep
    before = counts(d)
    fails = {s: failed(d, s, "permanent") for s in ("prefilter", "tracker")}
    data = {"user_id": d.ana, "project_id": d.project, "experiment_id": 1,
            "job_id": str(uuid.uuid4()), "matrix_key": f"projects/{d.project}/x/matrix.bin",
            "parameters": {}, "annotation": {}}
    big = event("experiment-imported", dict(data, padding="x" * 1_020_000))
    text = json.dumps(big)
    assert 1_000_000 < len(text) < 1_040_000  # over ours, under Kafka's 1,048,588
    produce(d, "bmdstream-import", "experiment-imported", "1", text)
    nested = "[" * 5000 + "]" * 5000
    deep = json.dumps(event("experiment-imported", dict(data, job_id=str(uuid.uuid4())),
                            signed=False))
    deep = deep.replace('"parameters": {}', '"parameters": ' + nested)
    produce(d, "bmdstream-import", "experiment-imported", "1", deep)

    # (a refused event's job, never made, draws a refused FAILED job event
    # too: the tracker's, on job-events, not counted here)
    recs = wait_for(lambda: (r := [x for x in dead_letters(d) if x[3]]) and len(r) >= 4 and r,
                    120, "four dead letters (two events, two stages)")
    for stage in ("prefilter", "tracker"):
        mine = [r for r in recs if r[0] == stage]
        assert len(mine) == 2 and all(r[1] == "permanent" for r in mine), mine
        assert any("1000000" in r[2] or "bytes" in r[2] for r in mine), mine
        assert failed(d, stage, "permanent") == fails[stage] + 2
    assert counts(d) == before  # no job, no result


def test_job_event_forged_by_a_pipeline_principal(dep):
    d = dep
    assert d.bm("user", "add", "--username", "bob", "--email", "bob@x",
                stdin="password-bob\n").returncode == 0
    bob = int(d.sql("SELECT id FROM users WHERE username = 'bob'"))
    bob_project = int(d.bm("project", "add", "--user", "bob", "--name", "q").stdout)
    bob_job = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status, progress) VALUES"
          f" ('{bob_job}', {bob}, {bob_project}, 'analysis', 'QUEUED', 0)")
    fails = failed(d, "tracker", "forbidden")
    forged = {"user_id": d.ana, "project_id": d.project, "experiment_id": 1, "job_id": bob_job,
              "status": "COMPLETED", "stage": "category", "progress": 1.0,
              "message": "forged", "error": None}
    produce(d, "bmdstream-bmd", "job-events", "1", json.dumps(event("job-events", forged)))
    recs = wait_for(lambda: [r for r in dead_letters(d) if r[0] == "tracker"], 60,
                    "the tracker's refusal")
    assert recs[0][1] == "forbidden", recs
    assert failed(d, "tracker", "forbidden") == fails + 1
    assert psql(d.url, f"SELECT status, progress FROM jobs WHERE id = '{bob_job}'").strip() \
        == "QUEUED|0"


def test_oversized_and_deeply_nested_events_to_later_stages(dep):
    """The same two attacks on prefilter-done (written with the prefilter
    stage's principal, read by the BMD stage and the tracker) and on
    bmd-done (the BMD stage's principal; the category stage and the
    tracker): each reader refuses each event as permanent, counted, and
    nothing is written."""
    d = dep
    for s in ("bmd", "category"):
        d.start(s)
    d.wait_healthy(["bmd", "category"])
    before = counts(d)
    readers = {"prefilter-done": ("bmd", "tracker"), "bmd-done": ("category", "tracker")}
    fails = {s: failed(d, s, "permanent") for s in ("bmd", "category", "tracker")}
    writer = {"prefilter-done": "bmdstream-prefilter", "bmd-done": "bmdstream-bmd"}
    data = {"user_id": d.ana, "project_id": d.project, "experiment_id": 1,
            "prefilter_result_id": 1, "bmd_result_id": 1, "parameters": {}, "annotation": {}}
    for topic in readers:
        big = event(topic, dict(data, job_id=str(uuid.uuid4()), padding="x" * 1_020_000))
        text = json.dumps(big)
        assert 1_000_000 < len(text) < 1_040_000
        produce(d, writer[topic], topic, "1", text)
        deep = json.dumps(event(topic, dict(data, job_id=str(uuid.uuid4()))))
        deep = deep.replace('"parameters": {}', '"parameters": ' + "[" * 5000 + "]" * 5000)
        produce(d, writer[topic], topic, "1", deep)

    def later():
        recs = [r for r in dead_letters(d) if not r[3]]
        return len(recs) >= 8 and recs
    recs = wait_for(later, 120, "eight dead letters (two events, two topics, two readers each)")
    for topic, stages in readers.items():
        for stage in stages:
            mine = [r for r in recs if r[0] == stage and r[4].endswith(topic)]
            assert len(mine) == 2 and all(r[1] == "permanent" for r in mine), (topic, mine)
    for stage in ("bmd", "category"):
        assert failed(d, stage, "permanent") == fails[stage] + 2, stage
    assert failed(d, "tracker", "permanent") == fails["tracker"] + 4
    assert counts(d) == before
