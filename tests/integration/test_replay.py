"""`bmdstream replay` on the real Kafka: a consumer group reset (dry run
changes nothing; refused while the group has a live member; to the earliest
offset, an offset, a time), and a time window re-published with its
headers and origin."""
import datetime
import json
import os
import subprocess
import time
import uuid

import pytest

from conftest import as_principal, kcat_consume, kcat_produce

# `bmdstream replay` acts as the admin principal (it resets groups and
# re-publishes into any topic); the groups and topics here are the tests'
# own, so `lag` and `topics` run as the admin too.
ADMIN = as_principal(os.environ, "bmdstream-admin")


def run(bmdstream, bootstrap, prefix, *args):
    return subprocess.run([bmdstream, "replay", *args, "--kafka-bootstrap", bootstrap,
                           "--topic-prefix", prefix], capture_output=True, text=True, timeout=120,
                          env=ADMIN)


def lag(bmdstream, bootstrap, group):
    out = subprocess.run([bmdstream, "lag", "--group", group, "--json", "--kafka-bootstrap",
                          bootstrap], capture_output=True, text=True, timeout=60, env=ADMIN)
    assert out.returncode == 0, out.stderr
    (g,) = json.loads(out.stdout)["groups"]
    return g


@pytest.fixture
def deployment(bmdstream, kafka_bootstrap):
    prefix = f"rp{uuid.uuid4().hex[:8]}."
    made = subprocess.run([bmdstream, "topics", "--topic-prefix", prefix, "--partitions", "2",
                           "--kafka-bootstrap", kafka_bootstrap], capture_output=True, text=True,
                          env=ADMIN)
    assert made.returncode == 0, made.stderr
    return prefix


def consume_all(bootstrap, group, topic):
    subprocess.run(["kcat", "-b", bootstrap, "-G", group, "-q", "-e",
                    "-X", "auto.offset.reset=earliest", topic],
                   capture_output=True, timeout=120, check=True)


def test_reset_group(bmdstream, kafka_bootstrap, deployment):
    topic = deployment + "bmd-done"
    for i in range(8):
        kcat_produce(kafka_bootstrap, topic, f"k{i}", f"v{i}")
    time.sleep(1.1)
    middle = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(1.1)
    for i in range(8, 12):
        kcat_produce(kafka_bootstrap, topic, f"k{i}", f"v{i}")
    group = "rg-" + uuid.uuid4().hex[:8]
    consume_all(kafka_bootstrap, group, topic)
    assert lag(bmdstream, kafka_bootstrap, group)["total_lag"] == 0

    dry = run(bmdstream, kafka_bootstrap, deployment, "reset-group", "--group", group,
              "--topic", "bmd-done", "--to-earliest", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would reset" in dry.stdout
    assert lag(bmdstream, kafka_bootstrap, group)["total_lag"] == 0  # nothing changed

    done = run(bmdstream, kafka_bootstrap, deployment, "reset-group", "--group", group,
               "--topic", "bmd-done", "--to-earliest")
    assert done.returncode == 0, done.stderr
    assert lag(bmdstream, kafka_bootstrap, group)["total_lag"] == 12

    consume_all(kafka_bootstrap, group, topic)
    stamp = middle.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    at = run(bmdstream, kafka_bootstrap, deployment, "reset-group", "--group", group,
             "--topic", "bmd-done", "--to-datetime", stamp)
    assert at.returncode == 0, at.stderr
    assert lag(bmdstream, kafka_bootstrap, group)["total_lag"] == 4  # the later four

    off = run(bmdstream, kafka_bootstrap, deployment, "reset-group", "--group", group,
              "--topic", "bmd-done", "--to-offset", "1")
    assert off.returncode == 0, off.stderr
    g = lag(bmdstream, kafka_bootstrap, group)
    assert all(p["committed_offset"] == min(1, p["log_end_offset"]) for p in g["partitions"])


def test_reset_refused_while_the_group_is_live(bmdstream, kafka_bootstrap, deployment):
    topic = deployment + "bmd-done"
    kcat_produce(kafka_bootstrap, topic, "k", "v")
    group = "live-" + uuid.uuid4().hex[:8]
    live = subprocess.Popen(["kcat", "-b", kafka_bootstrap, "-G", group, "-q",
                             "-X", "auto.offset.reset=earliest", topic],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            out = subprocess.run([bmdstream, "lag", "--group", group, "--json",
                                  "--kafka-bootstrap", kafka_bootstrap],
                                 capture_output=True, text=True, env=ADMIN)
            if out.returncode == 0 and json.loads(out.stdout)["groups"][0]["members"] == 1:
                break
            time.sleep(0.5)
        refused = run(bmdstream, kafka_bootstrap, deployment, "reset-group", "--group", group,
                      "--topic", "bmd-done", "--to-earliest")
        assert refused.returncode != 0
        assert "active member" in refused.stderr
    finally:
        live.terminate()
        live.wait(timeout=30)


def test_window_is_republished_with_headers(bmdstream, kafka_bootstrap, deployment):
    topic = deployment + "dead-letter"
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    for i in range(5):
        subprocess.run(["kcat", "-P", "-b", kafka_bootstrap, "-t", topic, "-k", f"k{i}",
                        "-H", f"dlq.stage=bmd{i}"], input=f"poison {i}".encode(), check=True)
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    dry = run(bmdstream, kafka_bootstrap, deployment, "window", "--topic", "dead-letter",
              "--from", fmt(start), "--to", fmt(end), "--to-topic", "job-events", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would re-publish 5 message(s)" in dry.stdout
    assert kcat_consume(kafka_bootstrap, deployment + "job-events") == []

    done = run(bmdstream, kafka_bootstrap, deployment, "window", "--topic", "dead-letter",
               "--from", fmt(start), "--to", fmt(end), "--to-topic", "job-events")
    assert done.returncode == 0, done.stderr
    copies = kcat_consume(kafka_bootstrap, deployment + "job-events")
    assert sorted(c["payload"] for c in copies) == [f"poison {i}" for i in range(5)]
    for c in copies:
        h = dict(zip(c["headers"][::2], c["headers"][1::2]))
        assert h["replay.topic"] == topic
        assert h["dlq.stage"] == "bmd" + c["key"][1:]
        assert int(h["replay.offset"]) >= 0
