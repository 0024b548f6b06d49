"""`bmdstream lag` against Kafka's own ConsumerGroupCommand (from the same
Maven jars as the broker) at the same moment: committed offsets, log-end
offsets and lags per partition must be equal, for a group with no active
members and for one with a live member; --max-lag drives the exit status."""
import glob
import json
import os
import signal
import subprocess
import time
import uuid

import pytest

from conftest import as_principal, java_auth, kcat_produce

ROOT = os.environ["BS_SOURCE_DIR"]
JARS = os.path.join(os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state")),
                    "jars", "kafka")


def consumer_group_command(bootstrap, group):
    """Rows of ConsumerGroupCommand --describe: {(topic, partition): (cur, end, lag)}."""
    assert glob.glob(os.path.join(JARS, "*.jar")), "Kafka jars missing (scripts/setup.sh)"
    out = subprocess.run(
        ["java", "-Xmx256m", "-cp", os.path.join(JARS, "*"),
         "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
         "--bootstrap-server", bootstrap, *java_auth(), "--describe", "--group", group],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {}
    for line in out.stdout.splitlines():
        cols = line.split()
        if len(cols) >= 6 and cols[0] == group:
            rows[(cols[1], int(cols[2]))] = tuple(None if c == "-" else int(c)
                                                  for c in cols[3:6])
    return rows


# The groups and topics of these tests are the tests' own, outside any
# deployment's ACLs: `bmdstream` acts as the admin principal here (the
# deployment test at the end runs it as the operator).
ADMIN = as_principal(os.environ, "bmdstream-admin")


def ours(bmdstream, bootstrap, group, *extra):
    out = subprocess.run([bmdstream, "lag", "--group", group, "--json",
                          "--kafka-bootstrap", bootstrap, *extra],
                         capture_output=True, text=True, timeout=60, env=ADMIN)
    return out, (json.loads(out.stdout) if out.stdout.strip() else None)


def rows_of(report):
    (g,) = report["groups"]
    return g, {(p["topic"], p["partition"]): (p["committed_offset"], p["log_end_offset"], p["lag"])
               for p in g["partitions"]}


@pytest.fixture
def topic(bmdstream, kafka_bootstrap):
    prefix = f"lag{uuid.uuid4().hex[:8]}."
    made = subprocess.run([bmdstream, "topics", "--topic-prefix", prefix, "--partitions", "3",
                           "--kafka-bootstrap", kafka_bootstrap], capture_output=True, text=True,
                          env=ADMIN)
    assert made.returncode == 0, made.stderr
    name = prefix + "job-events"
    for i in range(30):
        kcat_produce(kafka_bootstrap, name, f"key-{i}", f"message {i}")
    return name


def test_lag_equals_consumer_group_command(bmdstream, kafka_bootstrap, topic):
    group = "lag-test-" + uuid.uuid4().hex[:8]
    # Consume 10 of the 30 messages in the group, commit, leave.
    subprocess.run(["kcat", "-b", kafka_bootstrap, "-G", group, "-c", "10", "-q",
                    "-X", "auto.offset.reset=earliest", topic],
                   capture_output=True, timeout=120, check=True)
    out, report = ours(bmdstream, kafka_bootstrap, group)
    assert out.returncode == 0, out.stderr
    g, mine = rows_of(report)
    theirs = consumer_group_command(kafka_bootstrap, group)
    assert g["state"] == "Empty" and g["members"] == 0
    assert mine == theirs
    # kcat stores the offsets of what it fetched, so the exact split varies;
    # the totals must agree with the rows and leave something unconsumed.
    total = sum(v[2] for v in mine.values() if v[2] is not None)
    assert g["total_lag"] == total and 0 < total < 30

    # The alert threshold: exit 3 above it, 0 at or below.
    assert ours(bmdstream, kafka_bootstrap, group, "--max-lag", "100")[0].returncode == 0
    worst = max(v[2] for v in mine.values())
    assert ours(bmdstream, kafka_bootstrap, group, "--max-lag", str(worst - 1))[0].returncode == 3


def test_lag_with_a_live_member(bmdstream, kafka_bootstrap, topic):
    group = "lag-live-" + uuid.uuid4().hex[:8]
    live = subprocess.Popen(["kcat", "-b", kafka_bootstrap, "-G", group, "-q",
                             "-X", "auto.offset.reset=earliest",
                             "-X", "auto.commit.interval.ms=200", topic],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            out, report = ours(bmdstream, kafka_bootstrap, group)
            if report and report["groups"][0]["state"] == "Stable" and \
                    report["groups"][0]["total_lag"] == 0 and \
                    len(report["groups"][0]["partitions"]) == 3:
                break
            time.sleep(1)
        g, mine = rows_of(report)
        assert g["state"] == "Stable" and g["members"] == 1
        assert all(p["consumer_id"] for p in g["partitions"])
        theirs = consumer_group_command(kafka_bootstrap, group)
        assert mine == theirs
    finally:
        live.terminate()
        live.wait(timeout=30)


def test_unknown_group_and_unreachable_broker(bmdstream):
    out = subprocess.run([bmdstream, "lag", "--group", "g", "--kafka-bootstrap", "127.0.0.1:1",
                          "--timeout-ms", "2000"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "bmdstream lag:" in out.stderr


def test_lag_under_load_equals_consumer_group_command(bmdstream, fresh_database,
                                                      kafka_bootstrap):
    """The whole pipeline at work (two matrix imports in flight and a burst
    of 1500 job events for the tracker); at one moment both tools read every
    group of the deployment and must agree on each partition.

    "The same moment": the consumer processes are paused with SIGSTOP (every
    thread, auto-commit included) after the producers are done, so no
    committed offset and no log end of the deployment's topics can move
    while the two tools read; our tool reads once before and once after
    Kafka's, and the two readings must be equal, which shows nothing moved.
    Reading back to back without pausing would race with the commits the
    consumers make every few seconds. SIGCONT resumes them and the tracker
    then drains its lag, which shows the lag was real work waiting."""
    from deploy import Deployment, MATRICES, STAGES, consumer_group_command
    from conftest import event

    d = Deployment(fresh_database(), kafka_bootstrap).setup()
    try:
        for s in STAGES:
            d.start(s)
        d.wait_healthy(STAGES)
        jobs = [d.import_matrix(m) for m in MATRICES[:2]]
        groups = [d.group(s) for s in STAGES]
        env = dict(d.env)

        def read(*extra):
            out = subprocess.run([bmdstream, "lag", "--json", *extra],
                                 capture_output=True, text=True, timeout=60, env=env)
            report = json.loads(out.stdout) if out.stdout.strip() else {"groups": []}
            rows = {(g["group"], p["topic"], p["partition"]):
                    (p["committed_offset"], p["log_end_offset"], p["lag"])
                    for g in report["groups"] if g["group"] in groups
                    for p in g["partitions"]}
            return out, rows, report

        def job_events(n):
            lines = []
            for i in range(n):
                data = {"job_id": jobs[i % 2], "user_id": d.ana, "project_id": d.project,
                        "experiment_id": 1 + i % 2, "status": "RUNNING", "stage": "prefilter",
                        "progress": 0.01, "message": f"load {i}", "error": None}
                lines.append(f"k{i % 11}\t{json.dumps(event('job-events', data))}")
            subprocess.run(["kcat", "-P", "-b", kafka_bootstrap, "-t",
                            d.prefix + "job-events", "-K", "\t"],
                           input="\n".join(lines) + "\n", text=True, check=True, timeout=60)

        # Warm-up: the tracker commits on every job-events partition, so
        # that a lag can be measured there (without a committed offset both
        # tools show "-").
        job_events(60)
        deadline = time.time() + 60
        while time.time() < deadline:
            _, rows, _ = read()
            mine = [v for k, v in rows.items() if k[1] == d.prefix + "job-events"]
            if len(mine) == 3 and all(v[0] is not None for v in mine):
                break
            time.sleep(1)
        else:
            pytest.fail(f"the tracker did not commit on job-events: {rows}")

        # A burst for the tracker; should the consumers have drained it by
        # the time they are frozen (no lag to compare), they are resumed and
        # a bigger burst is sent.
        for attempt in range(3):
            job_events(1500 * (attempt + 1))
            time.sleep(1.0)  # the consumers are at work ...
            d.signal_all(signal.SIGSTOP)  # ... and frozen
            try:
                t0 = time.time()
                out1, before, report = read()
                if out1.returncode == 0 and not any(v[2] for v in before.values()):
                    continue  # drained already: resumed (finally), next burst
                theirs, text = consumer_group_command(kafka_bootstrap, groups)
                out2, after, _ = read()
                took = time.time() - t0
                worst = max(v[2] or 0 for v in before.values())
                alert = read("--max-lag", str(worst - 1))[0]
                quiet = read("--max-lag", str(worst))[0]
                break
            finally:
                d.signal_all(signal.SIGCONT)
        else:
            pytest.fail("the consumers drained every burst before they were frozen")
        assert out1.returncode == 0 and out2.returncode == 0, out1.stderr + out2.stderr
        assert before == after, "offsets moved while the consumers were stopped"
        assert before == theirs, f"ours {before}\ntheirs {text}"
        # Every stage's group is there, with all its partitions.
        assert {k[0] for k in before} == set(groups)
        assert len([k for k in before if k[0] == d.group("tracker")]) == 5 * 3
        by_group = {g["group"]: g for g in report["groups"] if g["group"] in groups}
        tracker_lag = by_group[d.group("tracker")]["total_lag"]
        assert tracker_lag > 0 and worst > 0, "no lag under load"
        assert tracker_lag == sum(v[2] or 0 for k, v in before.items()
                                  if k[0] == d.group("tracker"))
        # --max-lag: exit 3 above the threshold, 0 at it.
        assert alert.returncode == 3 and "lags" in alert.stderr
        assert quiet.returncode == 0, quiet.stderr
        print(f"lag under load (burst {attempt + 1}): tracker {tracker_lag}, worst partition {worst}, both tools"
              f" read in {took:.1f} s with the consumers stopped")
        # Resumed, the tracker drains the burst.
        deadline = time.time() + 120
        while time.time() < deadline:
            _, rows, rep = read("--group", d.group("tracker"))
            g = [x for x in rep["groups"] if x["group"] == d.group("tracker")]
            if g and g[0]["total_lag"] == 0:
                break
            time.sleep(2)
        assert g and g[0]["total_lag"] == 0, rows
    finally:
        d.kill_all()
