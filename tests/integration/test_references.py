"""Every reference an event makes is checked against the event's own
project (docs/security.md), on the real stack: two users, ana and bob, each
with an experiment of the same matrix (so that another's result would
"fit" and be used if nothing checked); bob's pipeline has run. Then events
carrying ana's user, project and experiment but naming bob's things:

- prefilter-done with bob's prefilter result id: the BMD stage refuses it;
- bmd-done with bob's BMD (and prefilter) result ids: the category stage
  refuses it;
- experiment-imported whose annotation keys are bob's, absolute or climb
  with '..', or whose matrix_key is bob's: the prefilter stage refuses it;
- job-events and a stage's output naming bob's QUEUED job, or no job at
  all: the tracker refuses them.

Each refusal is dead-lettered with class "forbidden" (a malformed key:
"permanent") and a message naming the field, is counted in the refusing
stage's bmdstream_messages_failed_total{class="forbidden"}, writes no
result row, leaves bob's job as it was and creates no job. ana's own
events are processed (a control: the refusals are the checks' doing)."""
import json
import os
import sys
import time
import uuid

import pytest

from conftest import event, kcat_consume, kcat_produce, key_files, register_key
from deploy import MATRICES, Deployment

sys.path.insert(0, os.path.dirname(__file__))
from test_metrics import get, scrape  # noqa: E402


def import_as(d, user, project, *extra):
    key = key_files(d.bob if user == "bob" else d.ana)[0]  # the user's signing key
    out = d.run(os.path.join(os.environ["BS_BIN_DIR"], "bmdstream-import"), "--user", user,
                "--key", key, "--project", str(project), "--matrix", MATRICES[0],
                "--probe-map", os.path.join(os.environ["BS_TEST_DATA"], "bmdexpress",
                                            "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt"),
                "--category-map", os.path.join(os.environ["BS_TEST_DATA"], "bmdexpress",
                                               "Category Map File_ MsigDB Hallmark Gene Sets.txt"),
                "--prefilter", "anova", "--p-cutoff", "0.01", "--fold-filter", "2",
                "--models", "hill,linear", *extra)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def dead_letters(d):
    """{job_id: (stage, class, message)} of the deployment's dead letters."""
    out = {}
    for rec in kcat_consume(d.bootstrap, d.prefix + "dead-letter"):
        h = dict(zip(rec["headers"][::2], rec["headers"][1::2]))
        job = json.loads(rec["payload"])["data"]["job_id"]
        out.setdefault(job, []).append((h["dlq.stage"], h["dlq.error.class"],
                                        h["dlq.error.msg"]))
    return out


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    assert d.bm("user", "add", "--username", "bob", "--email", "bob@x",
                stdin="password-bob\n").returncode == 0
    d.bob_project = int(d.bm("project", "add", "--user", "bob", "--name", "q").stdout)
    d.bob = int(d.sql("SELECT id FROM users WHERE username = 'bob'"))
    register_key(d.bm, "bob", d.bob)
    try:
        for s in ("tracker", "prefilter", "bmd", "category"):
            d.start(s)
        d.wait_healthy(["tracker", "prefilter", "bmd", "category"])
        yield d
    finally:
        d.kill_all()


def test_foreign_references_are_refused(dep):
    d = dep
    bob_job = import_as(d, "bob", d.bob_project)
    ana_job = import_as(d, "ana", d.project)
    jobs = d.wait_jobs([bob_job, ana_job], timeout=600)
    assert jobs[bob_job][0] == "COMPLETED" and jobs[ana_job][0] == "COMPLETED", jobs
    bob_exp = int(d.sql(f"SELECT id FROM dose_response_experiments WHERE project_id = "
                        f"{d.bob_project}"))
    bob_pre = int(d.sql(f"SELECT id FROM prefilter_results WHERE project_id = {d.bob_project}"))
    bob_bmd = int(d.sql(f"SELECT id FROM bmd_results WHERE project_id = {d.bob_project}"))
    ana_exp = int(d.sql(f"SELECT id FROM dose_response_experiments WHERE project_id = "
                        f"{d.project}"))
    ana_pre = int(d.sql(f"SELECT id FROM prefilter_results WHERE project_id = {d.project}"))
    imported = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{ana_job}'"))
    assert imported["experiment_id"] == ana_exp
    # bob has a job still QUEUED, which forged tracker events would move.
    bob_queued = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status, progress) VALUES"
          f" ('{bob_queued}', {d.bob}, {d.bob_project}, 'analysis', 'QUEUED', 0)")
    counts = {t: d.sql(f"SELECT count(*) FROM {t}")
              for t in ("prefilter_results", "bmd_results", "category_results",
                        "probe_stat_results")}

    def ana_job_row():
        job = str(uuid.uuid4())
        d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
              f" ('{job}', {d.ana}, {d.project}, 'analysis', 'QUEUED')")
        return job

    def send(topic, data):
        kcat_produce(d.bootstrap, d.prefix + topic, str(data["experiment_id"]),
                     json.dumps(event(topic, data)))

    base = {k: imported[k] for k in ("user_id", "project_id", "experiment_id", "parameters",
                                     "annotation")}
    attacks = {}  # job -> (stage, class, words the message must hold)

    # The BMD stage: bob's prefilter result.
    j = ana_job_row()
    send("prefilter-done", dict(base, job_id=j, prefilter_result_id=bob_pre, num_passed=10))
    attacks[j] = ("bmd", "forbidden", ["data.prefilter_result_id", str(bob_pre)])
    # The category stage: bob's BMD result, with bob's or ana's prefilter id.
    for pre in (bob_pre, ana_pre):
        j = ana_job_row()
        send("bmd-done", dict(base, job_id=j, prefilter_result_id=pre, bmd_result_id=bob_bmd,
                              num_results=10))
        attacks[j] = ("category", "forbidden", ["data.bmd_result_id", str(bob_bmd)])
    # The prefilter stage: object keys.
    bob_key = f"projects/{d.bob_project}/experiments/{bob_exp}/category_map.txt"
    for field, key, cls, words in [
            ("category_map_key", bob_key, "forbidden", ["not under", f"projects/{d.project}/"]),
            ("category_map_key", "/etc/passwd", "permanent", ["must be relative"]),
            ("category_map_key", f"projects/{d.project}/../{d.bob_project}/x", "permanent",
             ["'..'"]),
            ("probe_map_key", f"other-bucket/projects/{d.project}/p.txt", "forbidden",
             ["not under"])]:
        j = ana_job_row()
        annotation = dict(base["annotation"], **{field: key})
        send("experiment-imported", dict(imported, job_id=j, annotation=annotation))
        attacks[j] = ("prefilter", cls, [f"data.annotation.{field}"] + words)
    j = ana_job_row()
    send("experiment-imported", dict(imported, job_id=j, matrix_key=f"projects/"
                                     f"{d.bob_project}/experiments/{bob_exp}/matrix.bin"))
    attacks[j] = ("prefilter", "forbidden", ["data.matrix_key", "not under"])

    # The tracker: ana's ids with bob's job, and a job that does not exist.
    ghost = str(uuid.uuid4())
    ids = {k: imported[k] for k in ("user_id", "project_id", "experiment_id")}
    for job in (bob_queued, ghost):
        send("job-events", dict(ids, job_id=job, status="FAILED", stage="bmd", progress=0.5,
                                message="forged", error={"class": "permanent",
                                                         "message": "forged"}))
    send("category-done", dict(base, job_id=bob_queued, prefilter_result_id=ana_pre,
                               bmd_result_id=1, category_result_id=1, num_categories=1))

    # A control, after the attacks on the same single partitions: ana's
    # own prefilter result goes through the BMD and category stages again
    # (the same settings: the same result rows, upserted).
    good = ana_job_row()
    send("prefilter-done", dict(base, job_id=good, prefilter_result_id=ana_pre, num_passed=1))
    d.wait_jobs(list(attacks) + [good], timeout=600)

    dead = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        dead = dead_letters(d)
        if len(dead.get(bob_queued, [])) >= 2 and ghost in dead and all(j in dead
                                                                         for j in attacks):
            break
        time.sleep(1)
    for job, (stage, cls, words) in attacks.items():
        recs = [r for r in dead.get(job, []) if r[0] == stage]
        assert recs, f"{stage} did not refuse job {job}: {dead.get(job)}"
        assert recs[0][1] == cls, recs
        for w in words:
            assert w in recs[0][2], (w, recs)
        status, error = d.job(job)
        assert status == "FAILED" and words[0] in error, (status, error)
    tracker_recs = dead.get(bob_queued, []) + dead.get(ghost, [])
    assert len(tracker_recs) == 3 and all(r[:2] == ("tracker", "forbidden")
                                          for r in tracker_recs), tracker_recs
    assert any("no such job" in r[2] for r in tracker_recs)

    # Nothing written: no result row, bob's job untouched, no job made for
    # the ghost.
    assert d.job(good)[0] == "COMPLETED", d.job(good)
    assert {t: d.sql(f"SELECT count(*) FROM {t}") for t in counts} == counts
    assert d.sql(f"SELECT status, progress, coalesce(message, '') FROM jobs"
                 f" WHERE id = '{bob_queued}'") == "QUEUED|0|"
    assert d.sql(f"SELECT count(*) FROM jobs WHERE id = '{ghost}'") == "0"

    # Counted where they were refused.
    for stage, n in [("bmd", 1), ("category", 2), ("prefilter", 3), ("tracker", 3)]:
        samples, _ = scrape(d.ports[stage])
        got = sum(get(samples, "bmdstream_messages_failed_total", **{"class": "forbidden"}))
        assert got == n, (stage, got)
