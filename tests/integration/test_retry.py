"""The failure classes on the real stack (issue 16, item 4; bs/stage.h):

- transient: S3Proxy killed, and separately PostgreSQL stopped in immediate
  mode, while a job is in the BMD stage. The stage pauses its partitions
  (gauge bmdstream_partitions_paused), retries with backoff (failures of
  class "retriable" counted, "transient failure, retrying" logged), the job
  says why it waits; once the service is back (scripts/stack.sh up) the
  stage resumes and the job COMPLETES with exactly one result set and
  nothing dead-lettered.
- permanent: an event whose object is corrupt (matrix.bin for the
  prefilter, probe_stats.json.gz for the category stage, which reads it
  when the fits object before it, here damaged too, is no use) is not retried:
  it lands in dead-letter byte for byte with its origin headers (dlq.topic,
  .partition, .offset naming the record it was, .stage, .error.class
  permanent, .error.msg, .ts), a dead_letters row, and the job FAILED with
  a message naming the object and what is wrong with it.

These tests stop and start the shared local stack's services (by the PIDs
scripts/stack.sh keeps), so they run alone, as ctest runs them.
"""
import datetime
import gzip
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import kcat_consume
from deploy import MATRICES, ROOT, STAGES, Deployment, s3
from test_metrics import get, scrape

STATE = os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state"))
STACK = os.path.join(STATE, "stack")
# Two models keep the BMD stage short under the sanitizers.
FAST = ["--models", "linear,power"]
PROCESSING = re.compile(r"INFO topic=\S+ partition=\d+ offset=\d+: processing$", re.M)


def wait_for(check, timeout, what, every=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def log(d, name):
    with open(d.logfile(name)) as f:
        return f.read()


def gone(pid):
    """The process has exited (no such process, or an unreaped zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def kill_by_pidfile(path, sig):
    pid = int(open(path).read().split()[0])
    os.kill(pid, sig)
    wait_for(lambda: gone(pid), 60, f"PID {pid} ({path}) to exit")
    return pid


def stack_up():
    """Brings back what is down, as an operator would: scripts/stack.sh up
    (waits until every service answers)."""
    t0 = time.time()
    out = subprocess.run([os.path.join(ROOT, "scripts", "stack.sh"), "up"],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return time.time() - t0


def stage_metrics(d, stage):
    samples, _ = scrape(d.ports[stage])
    return samples or {}


def start_stages(d, stages=STAGES):
    for s in stages:
        d.start(s)
    d.wait_healthy(stages)


def one_result_set(d, job):
    """The job's experiment has exactly one result of each stage, the rows
    and events agree, and nothing went to dead-letter."""
    assert d.job(job)[0] == "COMPLETED", d.job(job)
    assert d.sql("SELECT count(*) FROM prefilter_results") == "1"
    assert d.sql("SELECT count(*) FROM bmd_results") == "1"
    assert d.sql("SELECT count(*) FROM category_results") == "1"
    n = d.sql("SELECT num_results FROM bmd_results")
    assert d.sql("SELECT count(*) FROM probe_stat_results") == n
    assert d.sql("SELECT num_passed FROM prefilter_results") == n
    for topic in ("prefilter-done", "bmd-done", "category-done"):
        ids = {json.loads(e["payload"])["id"] for e in kcat_consume(d.bootstrap, d.prefix + topic)}
        assert len(ids) == 1, (topic, ids)  # re-emitted at most with the same id
    assert kcat_consume(d.bootstrap, d.prefix + "dead-letter") == []
    assert d.sql("SELECT count(*) FROM dead_letters") == "0"


def outage_during_bmd(d, stop, service, report):
    """Runs a job, stops the service (stop()) once the BMD stage has taken
    it, checks that the stage paused and retried, brings the service back
    and waits for the job. Returns the job id.

    The BMD stage reads prefilter-done (it plans the chunks) and bmd-chunks
    (it fits them; docs/architecture.md, "One experiment over many BMD
    workers"): the outage may meet either, so the failures and the paused
    partitions (every partition the instance holds, of both topics) are
    counted over both."""
    start_stages(d)
    job = d.import_matrix(MATRICES[0], *FAST)
    wait_for(lambda: PROCESSING.search(log(d, "bmd")), 120, "the BMD stage to take the job")
    t_stop = time.time()
    stop()
    inputs = [d.prefix + "prefilter-done", d.prefix + "bmd-chunks"]

    def failures(m, cls):
        return sum(sum(get(m, "bmdstream_messages_failed_total", topic=t, **{"class": cls}))
                   for t in inputs)

    def paused_and_retried():
        m = stage_metrics(d, "bmd")
        paused = get(m, "bmdstream_partitions_paused")
        if paused and paused[0] >= 1 and failures(m, "retriable") >= 2:
            return m
    m = wait_for(paused_and_retried, 90, f"the BMD stage to pause and retry without {service}")
    assert failures(m, "permanent") == 0
    text = log(d, "bmd")
    assert re.search(r"paused \d+ partition\(s\) until the message succeeds", text)
    assert "transient failure, retrying in" in text
    if service != "PostgreSQL":  # the job says why it waits (through the tracker)
        wait_for(lambda: d.sql(f"SELECT message FROM jobs WHERE id = '{job}'")
                 .startswith("waiting to retry in "), 30, "the job's waiting message")
        assert d.job(job)[0] == "RUNNING"
    down = time.time() - t_stop
    took = stack_up()
    report(f"retry: {service} down {down + took:.1f} s (back up in {took:.1f} s)")

    def resumed():
        m = stage_metrics(d, "bmd")
        if get(m, "bmdstream_partitions_paused") == [0.0] and \
                re.search(r"resumed \d+ partition\(s\)", log(d, "bmd")):
            return m
    m = wait_for(resumed, 120, f"the BMD stage to resume after {service} came back")
    report(f"retry: the BMD stage retried {failures(m, 'retriable'):.0f} time(s) and resumed")
    assert d.wait_jobs([job], timeout=150)[job][0] == "COMPLETED", d.job(job)
    return job


def test_s3_outage_mid_stage_pauses_retries_and_completes(fresh_database, kafka_bootstrap,
                                                          report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    s3_pidfile = os.path.join(STACK, "s3", "s3proxy.pid")
    try:
        job = outage_during_bmd(d, lambda: kill_by_pidfile(s3_pidfile, signal.SIGKILL), "S3Proxy",
                                report)
        one_result_set(d, job)
        # The objects the retried attempt wrote are there.
        p, r = d.project, d.sql("SELECT id FROM bmd_results")
        assert s3(d.env, "GET", f"/{d.bucket}/projects/{p}/results/{r}/probe_stats.json.gz") \
            == "200"
        assert s3(d.env, "GET", f"/{d.bucket}/projects/{p}/exports/bmd/{r}/bmd.tsv") == "200"
    finally:
        d.kill_all()
        stack_up()


def test_postgres_outage_mid_stage_pauses_retries_and_completes(fresh_database,
                                                                kafka_bootstrap, report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    # pg_ctl stop -m immediate is SIGQUIT to the postmaster.
    postmaster = os.path.join(STACK, "pg", "data", "postmaster.pid")
    try:
        job = outage_during_bmd(d, lambda: kill_by_pidfile(postmaster, signal.SIGQUIT),
                                "PostgreSQL", report)
        one_result_set(d, job)
    finally:
        d.kill_all()
        stack_up()


def headers(record):
    h = record.get("headers") or []
    return dict(zip(h[::2], h[1::2]))


def corrupt(d, key, data):
    fd, path = tempfile.mkstemp(prefix="corrupt-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    assert s3(d.env, "PUT", f"/{d.bucket}/{key}", data=path) == "200"
    os.unlink(path)


def check_dead_letter(d, job, stage, topic, object_name):
    """The job FAILED, its record dead-lettered once, unchanged, with its
    origin headers; nothing retried. Returns the job's error message."""
    status, message = d.job(job)
    assert status == "FAILED", (status, message)
    dead = kcat_consume(d.bootstrap, d.prefix + "dead-letter")
    assert len(dead) == 1, dead
    rec = dead[0]
    (orig,) = [e for e in kcat_consume(d.bootstrap, d.prefix + topic)
               if json.loads(e["payload"])["data"]["job_id"] == job]
    assert rec["payload"] == orig["payload"] and rec["key"] == orig["key"]
    h = headers(rec)
    for name, value in headers(orig).items():  # the record's own headers are kept
        assert h.get(name) == value, name
    assert h["dlq.topic"] == d.prefix + topic
    assert (int(h["dlq.partition"]), int(h["dlq.offset"])) == (orig["partition"], orig["offset"])
    assert h["dlq.stage"] == stage
    assert h["dlq.error.class"] == "permanent"
    ts = datetime.datetime.fromisoformat(h["dlq.ts"].replace("Z", "+00:00"))
    assert abs(ts.timestamp() - time.time()) < 300
    # The job's message: the stage, the error, what it means, where the event is.
    assert message == (f"the {stage} stage failed: {h['dlq.error.msg']} (a permanent error: not"
                       f" retried; the event {topic} [{orig['partition']}] offset"
                       f" {orig['offset']} is in dead-letter)"), message
    assert d.sql("SELECT stage, source_topic, source_partition, source_offset, error_class,"
                 f" error_message = {sql_text(h['dlq.error.msg'])} FROM dead_letters") == \
        f"{stage}|{d.prefix + topic}|{orig['partition']}|{orig['offset']}|permanent|t"
    m = stage_metrics(d, stage)
    assert get(m, "bmdstream_messages_failed_total", topic=d.prefix + topic,
               **{"class": "permanent"}) == [1.0]
    assert not get(m, "bmdstream_messages_failed_total", topic=d.prefix + topic,
                   **{"class": "retriable"})  # a corrupt object is never retried
    # A message a person understands: the object, what is wrong, no codes.
    assert object_name in message, message
    assert not re.search(r"BS_ERR|\(null\)|errno|%[sd]", message), message
    return message


def sql_text(s):
    return "'" + s.replace("'", "''") + "'"


def test_corrupt_matrix_is_dead_lettered_and_the_job_fails(fresh_database, kafka_bootstrap,
                                                           report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    try:
        start_stages(d, ["tracker"])
        job = d.import_matrix(MATRICES[0], *FAST)
        key = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{job}'"))
        key = key["matrix_key"]
        corrupt(d, key, b"this is not a matrix.bin\n" * 10)
        start_stages(d, ["prefilter", "bmd"])
        assert d.wait_jobs([job], timeout=120)[job][0] == "FAILED"
        message = check_dead_letter(d, job, "prefilter", "experiment-imported", key)
        report(f"retry: corrupt matrix.bin: job FAILED with: {message}")
        assert d.sql("SELECT count(*) FROM bmd_results") == "0"
    finally:
        d.kill_all()


def test_corrupt_probe_stats_is_dead_lettered_and_the_job_fails(fresh_database,
                                                               kafka_bootstrap, report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    try:
        start_stages(d, ["tracker", "prefilter", "bmd"])
        job = d.import_matrix(MATRICES[0], *FAST)
        wait_for(lambda: kcat_consume(d.bootstrap, d.prefix + "bmd-done"), 150,
                 "the BMD stage's result", every=1)
        r = d.sql("SELECT id FROM bmd_results")
        key = f"projects/{d.project}/results/{r}/probe_stats.json.gz"
        corrupt(d, key, gzip.compress(b'{"probes": [{"probe_id": '))  # cut short
        # the fits object the category stage reads first, damaged: it falls
        # back to probe_stats.json.gz, the result's record
        fits = f"projects/{d.project}/results/{r}/fits.bin"
        corrupt(d, fits, b"BMDFITS1" + b"\xff" * 64)
        start_stages(d, ["category"])
        assert d.wait_jobs([job], timeout=120)[job][0] == "FAILED"
        message = check_dead_letter(d, job, "category", "bmd-done", key)
        report(f"retry: corrupt probe_stats.json.gz: job FAILED with: {message}")
        assert d.sql("SELECT count(*) FROM category_results WHERE num_categories > 0") == "0"
    finally:
        d.kill_all()
