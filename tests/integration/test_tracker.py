"""bmdstream-tracker on the real Kafka and PostgreSQL: job rows follow the
events monotonically (duplicates and late events change nothing), a job
created upstream without a row gets one from its experiment-imported (and
from nothing else: an event for no job, or for another project's or user's
job, is refused as forbidden), a FAILED event keeps its error, a malformed
event goes to dead-letter, /metrics and /health answer, and SIGTERM stops
it cleanly."""
import copy
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import event, free_port, kcat_consume, kcat_produce, psql, register_key

EXAMPLES = os.path.join(os.environ["BS_SOURCE_DIR"], "schemas", "examples")


def example_data(topic):
    with open(os.path.join(EXAMPLES, f"{topic}.json")) as f:
        return json.load(f)["data"]


def run(bmdstream, *args, env=None, stdin=""):
    return subprocess.run([bmdstream, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def wait_for(check, timeout=60, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def job_row(url, job_id):
    out = psql(url, "SELECT status, progress, coalesce(message, ''), coalesce(error_message, ''),"
                    f" coalesce(result_id, 0) FROM jobs WHERE id = '{job_id}'").strip()
    return out.split("|") if out else None


@pytest.fixture
def tracker(bmdstream, fresh_database, kafka_bootstrap):
    url = fresh_database()
    prefix = f"t{uuid.uuid4().hex[:8]}."
    env = dict(os.environ, BMDSTREAM_DATABASE_URL=url, BMDSTREAM_TOPIC_PREFIX=prefix,
               BMDSTREAM_KAFKA_BOOTSTRAP=kafka_bootstrap)
    assert run(bmdstream, "migrate", env=env).returncode == 0
    assert run(bmdstream, "acl", "apply", env=env).returncode == 0
    made = run(bmdstream, "topics", "--partitions", "2", env=env)
    assert made.returncode == 0, made.stderr
    assert run(bmdstream, "user", "add", "--username", "ana", "--email", "ana@x", env=env,
               stdin="password-ana\n").returncode == 0
    project = int(run(bmdstream, "project", "add", "--user", "ana", "--name", "p",
                      env=env).stdout)
    user = int(psql(url, "SELECT id FROM users WHERE username = 'ana'"))
    # the tracker verifies experiment-imported: ana's events are signed
    register_key(lambda *a: run(bmdstream, *a, env=env), "ana", user)
    port = free_port()
    binary = os.path.join(os.environ["BS_BIN_DIR"], "bmdstream-tracker")
    proc = subprocess.Popen([binary, "--metrics-port", str(port), "--log-level", "info"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    ctx = dict(url=url, prefix=prefix, user=user, project=project, port=port, proc=proc,
               bootstrap=kafka_bootstrap)
    yield ctx
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def send(ctx, topic, data, event_id=None):
    value = json.dumps(event(topic, data, event_id))
    kcat_produce(ctx["bootstrap"], ctx["prefix"] + topic, str(data["experiment_id"]), value)


def make_job(ctx, job_id, user=None, project=None):
    psql(ctx["url"], "INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
                     f" ('{job_id}', {user or ctx['user']}, {project or ctx['project']},"
                     " 'analysis', 'QUEUED')")


def ids(ctx, job_id, experiment_id):
    return {"job_id": job_id, "user_id": ctx["user"], "project_id": ctx["project"],
            "experiment_id": experiment_id}


def test_job_follows_the_pipeline(tracker):
    ctx = tracker
    job = str(uuid.uuid4())
    base = ids(ctx, job, 101)
    imported = {**example_data("experiment-imported"), **base,
                "matrix_key": f"projects/{ctx['project']}/experiments/101/matrix.bin"}
    send(ctx, "experiment-imported", imported)
    # No job row existed: the tracker makes one, QUEUED.
    row = wait_for(lambda: job_row(ctx["url"], job), what="the job row")
    assert row[0] == "QUEUED"

    running = {**base, "status": "RUNNING", "stage": "bmd", "progress": 0.5,
               "message": "fitted 10 of 20 probes", "error": None}
    send(ctx, "job-events", running)
    send(ctx, "job-events", running)  # a duplicate
    wait_for(lambda: job_row(ctx["url"], job)[0] == "RUNNING", what="RUNNING")
    for topic, extra in [("prefilter-done", {"prefilter_result_id": 5, "num_passed": 20}),
                         ("bmd-done", {"prefilter_result_id": 5, "bmd_result_id": 9,
                                       "num_results": 20}),
                         ("category-done", {"prefilter_result_id": 5, "bmd_result_id": 9,
                                            "category_result_id": 3, "num_categories": 7})]:
        data = {**example_data(topic), **base, **extra}
        send(ctx, topic, data)
    row = wait_for(lambda: (r := job_row(ctx["url"], job)) and r[0] == "COMPLETED" and r,
                   what="COMPLETED")
    assert float(row[1]) == 1.0
    assert row[2] == "completed: 7 categories"
    assert row[4] == "9"
    # A late progress event changes nothing.
    send(ctx, "job-events", {**running, "progress": 0.3, "message": "late"})
    marker = {**base, "status": "RUNNING", "stage": "bmd", "progress": 0.9, "message": "m",
              "error": None}
    ghost = str(uuid.uuid4())
    send(ctx, "job-events", {**marker, "job_id": ghost, "experiment_id": 101})
    time.sleep(2)
    assert job_row(ctx["url"], ghost) is None  # no job: refused, none made
    assert job_row(ctx["url"], job)[:3] == ["COMPLETED", "1", "completed: 7 categories"]
    times = psql(ctx["url"], "SELECT started_at IS NOT NULL AND completed_at >= started_at"
                             f" FROM jobs WHERE id = '{job}'").strip()
    assert times == "t"


def test_completed_event_carries_the_result(tracker):
    """The stage that ends a job says its result in the COMPLETED job event
    too: the tracker may read that event before the stage's own output (two
    topics), and a completed job takes no later update."""
    ctx = tracker
    job = str(uuid.uuid4())
    base = ids(ctx, job, 102)
    make_job(ctx, job)
    send(ctx, "job-events", {**base, "status": "COMPLETED", "stage": "category", "progress": 1,
                             "message": "completed: 7 categories", "error": None,
                             "result_id": 9})
    row = wait_for(lambda: (r := job_row(ctx["url"], job)) and r[0] == "COMPLETED" and r,
                   what="COMPLETED")
    assert row[4] == "9"
    # the output, read after: changes nothing
    late = {**example_data("category-done"), **base, "prefilter_result_id": 5,
            "bmd_result_id": 11, "category_result_id": 3, "num_categories": 7}
    send(ctx, "category-done", late)
    marker = str(uuid.uuid4())
    make_job(ctx, marker)
    send(ctx, "job-events", {**ids(ctx, marker, 102), "status": "RUNNING", "stage": "bmd",
                             "progress": 0.5, "message": "after", "error": None})
    wait_for(lambda: job_row(ctx["url"], marker)[0] == "RUNNING", what="the marker")
    time.sleep(1)
    assert job_row(ctx["url"], job)[4] == "9"


def test_failure_is_recorded_and_poison_is_dead_lettered(tracker):
    ctx = tracker
    job = str(uuid.uuid4())
    make_job(ctx, job)
    failed = {**ids(ctx, job, 202), "status": "FAILED", "stage": "prefilter", "progress": 0.1,
              "message": "prefilter failed",
              "error": {"class": "permanent", "message": "matrix.bin: checksum mismatch",
                        "topic": "experiment-imported", "partition": 1, "offset": 17}}
    send(ctx, "job-events", failed)
    row = wait_for(lambda: (r := job_row(ctx["url"], job)) and r[0] == "FAILED" and r,
                   what="the failed job")
    assert "matrix.bin: checksum mismatch" in row[3]
    assert "experiment-imported [1] offset 17" in row[3]

    kcat_produce(ctx["bootstrap"], ctx["prefix"] + "job-events", "202", "{not json")
    dead = wait_for(lambda: kcat_consume(ctx["bootstrap"], ctx["prefix"] + "dead-letter"),
                    what="the dead letter")
    assert dead[0]["payload"] == "{not json"
    headers = dict(zip(dead[0]["headers"][::2], dead[0]["headers"][1::2]))
    assert headers["dlq.topic"] == ctx["prefix"] + "job-events"
    assert headers["dlq.stage"] == "tracker"
    assert headers["dlq.error.class"] == "permanent"
    assert int(headers["dlq.offset"]) >= 0
    rows = psql(ctx["url"], "SELECT count(*) FROM dead_letters WHERE stage = 'tracker'").strip()
    assert rows == "1"


def test_metrics_health_and_graceful_stop(tracker):
    ctx = tracker
    base = f"http://127.0.0.1:{ctx['port']}"

    def scrape():
        try:
            with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
                return r.read().decode()
        except (urllib.error.URLError, ConnectionError):
            return None

    job = str(uuid.uuid4())
    make_job(ctx, job)
    send(ctx, "job-events", {**ids(ctx, job, 303), "status": "RUNNING", "stage": "bmd",
                             "progress": 0.2, "message": "x", "error": None})
    text = wait_for(lambda: (t := scrape()) and "bmdstream_messages_processed_total{" in t and t,
                    what="a processed message in /metrics")
    assert f'topic="{ctx["prefix"]}job-events"' in text
    assert "bmdstream_processing_seconds_count" in text
    with urllib.request.urlopen(base + "/health", timeout=10) as r:
        health = json.loads(r.read())
    assert health == {"status": "ok", "checks": {"broker": "ok", "database": "ok"}}

    ctx["proc"].send_signal(signal.SIGTERM)
    assert ctx["proc"].wait(timeout=60) == 0


def test_events_for_another_job_are_refused(tracker):
    ctx = tracker
    url = ctx["url"]
    psql(url, "INSERT INTO users (username, email, password_hash, role) VALUES ('bob', 'bob@x', 'x', 'analyst')")
    bob = int(psql(url, "SELECT id FROM users WHERE username = 'bob'"))
    bob_project = int(psql(url, f"INSERT INTO bmd_projects (user_id, name) VALUES ({bob}, 'q')"
                                " RETURNING id").split()[0])
    bob_job = str(uuid.uuid4())
    make_job(ctx, bob_job, user=bob, project=bob_project)
    failed = {"status": "FAILED", "stage": "bmd", "progress": 0.5, "message": "forged",
              "error": {"class": "permanent", "message": "forged"}}
    # ana's ids with bob's job; bob's job with ana's project; ana's
    # experiment-imported for bob's project (no job row: not created).
    send(ctx, "job-events", {**ids(ctx, bob_job, 1), **failed})
    send(ctx, "job-events", {**ids(ctx, bob_job, 1), "user_id": bob, **failed})
    other = str(uuid.uuid4())
    send(ctx, "experiment-imported", {**example_data("experiment-imported"),
                                      **ids(ctx, other, 1), "project_id": bob_project})
    dead = wait_for(lambda: (d := kcat_consume(ctx["bootstrap"], ctx["prefix"] + "dead-letter"))
                    and len(d) >= 3 and d, what="three dead letters")
    for rec in dead:
        headers = dict(zip(rec["headers"][::2], rec["headers"][1::2]))
        assert headers["dlq.error.class"] == "forbidden", headers
    msgs = sorted(dict(zip(r["headers"][::2], r["headers"][1::2]))["dlq.error.msg"] for r in dead)
    assert any(f"is not a job of user {ctx['user']} in project {ctx['project']}" in m
               for m in msgs), msgs
    assert any(f"does not own project {bob_project}" in m for m in msgs), msgs
    assert job_row(url, bob_job)[:3] == ["QUEUED", "0", ""]
    assert job_row(url, other) is None
