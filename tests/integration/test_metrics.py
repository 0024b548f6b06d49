"""A scrape of running consumers on the real stack returns the metrics the
issue lists: messages processed and failed per topic, the processing-time
histogram, jobs in flight, the consumer lag as the client sees it, the last
error; /health reports the broker, the database and (for the stages that
use it) the object store, and turns 503 naming the check when one fails.

The scrape is parsed here (a small parser of the Prometheus text format,
independent of our renderer) and its figures are checked against what the
test did: two imports, one malformed event."""
import re
import time
import urllib.error
import urllib.request

import pytest

from conftest import kcat_produce
from deploy import MATRICES, Deployment

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    """{(name, frozenset(labels)): value} and the # TYPE lines, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/plain")
            text = r.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None, None
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, f"not Prometheus text: {line!r}"
            labels = frozenset(LABEL.findall(m.group(2) or ""))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


def get(samples, name, **labels):
    want = set(labels.items())
    return [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]


def health(port):
    import json
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=20) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    except (urllib.error.URLError, ConnectionError):
        return 0, {}


def wait_for(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_scrape_of_running_consumers(fresh_database, kafka_bootstrap):
    # One partition per topic: the second job's message queues behind the
    # first on the BMD stage's single partition, so the client sees lag.
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    try:
        for s in ("tracker", "prefilter", "bmd"):
            d.start(s)
        d.wait_healthy(["tracker", "prefilter", "bmd"])
        imported = d.prefix + "experiment-imported"
        done = d.prefix + "prefilter-done"
        jobs = [d.import_matrix(MATRICES[0], "--p-cutoff", "0.05"),
                d.import_matrix(MATRICES[1], "--p-cutoff", "0.05")]

        # While the BMD stage fits the first job: one job in flight, and
        # the second prefilter-done waiting, as the client sees it.
        def busy():
            s, _ = scrape(d.ports["bmd"])
            if s and get(s, "bmdstream_jobs_in_flight") == [1.0] and \
                    get(s, "bmdstream_consumer_lag", topic=done, partition="0") == [1.0]:
                return s
        wait_for(busy, 150, "BMD at work with one message waiting")

        # A malformed event: failed (permanent) and the last error.
        kcat_produce(kafka_bootstrap, imported, "9", "{not json")
        t0 = time.time()

        def prefilter_done():
            s, types = scrape(d.ports["prefilter"])
            if s and get(s, "bmdstream_messages_failed_total", topic=imported) and \
                    get(s, "bmdstream_messages_processed_total", topic=imported) == [2.0]:
                return s, types
        s, types = wait_for(prefilter_done, 120, "the prefilter's counters")
        assert types["bmdstream_messages_processed_total"] == "counter"
        assert types["bmdstream_messages_failed_total"] == "counter"
        assert types["bmdstream_processing_seconds"] == "histogram"
        assert types["bmdstream_jobs_in_flight"] == "gauge"
        assert types["bmdstream_consumer_lag"] == "gauge"
        assert get(s, "bmdstream_messages_failed_total", topic=imported,
                   **{"class": "permanent"}) == [1.0]
        (when,) = [v for (n, ls), v in s.items() if n == "bmdstream_last_error_info"
                   and any(k == "message" for k, _ in ls)]
        assert abs(when - t0) < 60
        # The histogram: cumulative buckets ending in +Inf == count; three
        # attempts (two imports, one failure), each taking some time.
        buckets = sorted(((float("inf") if dict(ls)["le"] == "+Inf" else float(dict(ls)["le"])),
                          v) for (n, ls), v in s.items()
                         if n == "bmdstream_processing_seconds_bucket" and
                         dict(ls).get("topic") == imported)
        counts = [v for _, v in buckets]
        assert counts == sorted(counts) and buckets[-1] == (float("inf"), 3.0)
        assert get(s, "bmdstream_processing_seconds_count", topic=imported) == [3.0]
        assert get(s, "bmdstream_processing_seconds_sum", topic=imported)[0] > 0
        assert get(s, "bmdstream_jobs_in_flight") == [0.0]
        assert get(s, "bmdstream_consumer_lag", topic=imported, partition="0") == [0.0]

        # The tracker saw every job event; its lag drains to 0.
        def tracker_caught_up():
            s, _ = scrape(d.ports["tracker"])
            if s and get(s, "bmdstream_messages_processed_total",
                         topic=d.prefix + "job-events") and \
                    all(v == 0 for v in get(s, "bmdstream_consumer_lag")):
                return s
        wait_for(tracker_caught_up, 60, "the tracker's lag at 0")

        # Health: each dependency by name; the tracker has no object store.
        assert health(d.ports["prefilter"]) == (200, {"status": "ok", "checks": {
            "broker": "ok", "database": "ok", "object_store": "ok"}})
        assert health(d.ports["tracker"]) == (200, {"status": "ok", "checks": {
            "broker": "ok", "database": "ok"}})

        # A stage pointed at a bucket that does not exist: 503 naming the
        # object store, while broker and database stay ok.
        d.env["BMDSTREAM_S3_BUCKET"] = "no-such-bucket-" + d.bucket
        d.start("prefilter", "prefilter-nobucket")
        d.env["BMDSTREAM_S3_BUCKET"] = d.bucket
        code, body = wait_for(lambda: (h := health(d.ports["prefilter-nobucket"])) and
                              h[1].get("checks", {}).get("broker") == "ok" and h,
                              60, "the health of the misconfigured stage")
        assert code == 503 and body["status"] != "ok"
        assert body["checks"]["broker"] == "ok" and body["checks"]["database"] == "ok"
        assert body["checks"]["object_store"] != "ok"
    finally:
        d.kill_all()
