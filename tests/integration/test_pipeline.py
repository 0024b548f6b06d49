"""The pipeline on the real stack (Kafka 4.1, PostgreSQL, S3Proxy): the
importer and the four consumers, as users run them, each test in its own
deployment (topic prefix, database, bucket).

- the three example matrices imported at once, each with its own settings
  (ANOVA and Williams prefilters, constant and non-constant variance), all
  reach category-done; their jobs end COMPLETED with progress 1.0; rows and
  objects are as designed;
- every file the pipeline exports (prefilter.tsv, bmd.tsv, categories.tsv,
  results.csv, tpod.json, plots/, report.html) is byte-identical to what `bmdstream
  analyze` writes for the same matrix and flags, and the settings the job
  carries are what `analyze --print-settings` prints;
- replaying every topic from offset 0 with the consumer groups reset
  creates no duplicate row or object and changes no result;
- a malformed event, a missing matrix object and a project the user does
  not own each land in dead-letter with the job FAILED and a clear
  message, while the other jobs complete; a job whose last step is the
  prefilter completes at the prefilter stage and makes no BMD result;
- SIGTERM, then SIGKILL, in the middle of a BMD run lose and duplicate
  nothing, and a second BMD instance shares the partitions;
- an event published with kcat (no bmdstream code) is processed like ours.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import (event, free_port, kcat_consume, kcat_produce, psql, register_key,
                      require)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from event_schemas import event_errors  # noqa: E402
from sentinels import db_sentinels, tree_sentinels  # noqa: E402

BIN = os.environ["BS_BIN_DIR"]
DATA = os.path.join(os.environ["BS_TEST_DATA"], "bmdexpress")
MATRICES = [os.path.join(DATA, f"example data {i}.txt") for i in (1, 2, 3)]
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CATEGORY_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
STAGES = ["tracker", "prefilter", "bmd", "category"]
# Few models and a strict cut-off keep the run short under the sanitizers.
ANALYSIS = ["--prefilter", "anova", "--p-cutoff", "0.01", "--fold-filter", "2",
            "--models", "hill,power,linear,exp3"]
# One settings variant per example matrix: both prefilters, both variances.
VARIANTS = [
    ANALYSIS,
    ["--prefilter", "williams", "--permutations", "500", "--p-cutoff", "0.01",
     "--models", "hill,linear,exp3", "--variance", "nonconstant"],
    ["--prefilter", "anova", "--p-cutoff", "0.05", "--mtc", "--fold-filter", "1.5",
     "--models", "power,linear,poly2", "--variance", "nonconstant", "--curve-plots", "4"],
]
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def s3(env, method, path, out=None, body=None):
    """A signed request, its HTTP status; body: a file to upload."""
    args = ["curl", "-s", "-o", out or "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
            "aws:amz:us-east-1:s3", "--user",
            f"{env['BMDSTREAM_S3_ACCESS_KEY']}:{env['BMDSTREAM_S3_SECRET_KEY']}",
            "-H", f"x-amz-content-sha256: {'UNSIGNED-PAYLOAD' if body else EMPTY_SHA}",
            "-X", method, env["BMDSTREAM_S3_ENDPOINT"] + path]
    if body:
        args += ["--data-binary", "@" + body]
    return subprocess.run(args, capture_output=True, text=True).stdout


class Deployment:
    def __init__(self, url, bootstrap):
        self.prefix = f"pl{uuid.uuid4().hex[:8]}."
        self.bucket = f"bs-test-{uuid.uuid4().hex[:10]}"
        self.url = url
        self.env = dict(os.environ, BMDSTREAM_DATABASE_URL=url,
                        BMDSTREAM_TOPIC_PREFIX=self.prefix, BMDSTREAM_S3_BUCKET=self.bucket,
                        BMDSTREAM_KAFKA_BOOTSTRAP=bootstrap, BMDSTREAM_RETRY_MAX_SECONDS="2")
        self.bootstrap = bootstrap
        self.procs = {}

    def run(self, *args, stdin=""):
        out = subprocess.run(list(args), input=stdin, capture_output=True, text=True,
                             env=self.env, timeout=600)
        return out

    def bm(self, *args, stdin=""):
        return self.run(os.path.join(BIN, "bmdstream"), *args, stdin=stdin)

    def start(self, stage, name=None):
        name = name or stage
        log = open(f"/tmp/{self.prefix}{name}.log", "w")
        self.procs[name] = subprocess.Popen(
            [os.path.join(BIN, f"bmdstream-{stage}"), "--log-level", "info",
             "--metrics-port", str(free_port())],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name)
        p.send_signal(sig)
        return p.wait(timeout=120)

    def stop_all(self):
        for name in list(self.procs):
            assert self.stop(name) == 0, f"{name} did not exit cleanly"

    def sql(self, q):
        return psql(self.url, q).strip()

    def jobs(self):
        rows = self.sql("SELECT id, status, progress, coalesce(error_message, '') FROM jobs")
        return {r.split("|")[0]: r.split("|")[1:] for r in rows.splitlines() if r}

    def wait_jobs(self, ids, timeout=900):
        deadline = time.time() + timeout
        while time.time() < deadline:
            jobs = self.jobs()
            if all(jobs.get(j, [""])[0] in ("COMPLETED", "FAILED") for j in ids):
                return jobs
            time.sleep(1)
        pytest.fail(f"jobs not finished: {self.jobs()}")

    def log(self, name):
        with open(f"/tmp/{self.prefix}{name}.log") as f:
            return f.read()


@pytest.fixture
def dep(bmdstream, fresh_database, kafka_bootstrap):
    require("BMDSTREAM_S3_ENDPOINT")
    d = Deployment(fresh_database(), kafka_bootstrap)
    assert s3(d.env, "PUT", "/" + d.bucket) == "200"
    assert d.bm("migrate").returncode == 0
    acl = d.bm("acl", "apply")  # the admin grants each program its topics
    assert acl.returncode == 0, acl.stderr
    made = d.bm("topics", "--partitions", "3")
    assert made.returncode == 0, made.stderr
    assert d.bm("user", "add", "--username", "ana", "--email", "ana@x",
                stdin="password-ana\n").returncode == 0
    assert d.bm("user", "add", "--username", "bob", "--email", "bob@x",
                stdin="password-bob\n").returncode == 0
    d.project = int(d.bm("project", "add", "--user", "ana", "--name", "p").stdout)
    d.bob_project = int(d.bm("project", "add", "--user", "bob", "--name", "q").stdout)
    d.ana = int(d.sql("SELECT id FROM users WHERE username = 'ana'"))
    d.bob = int(d.sql("SELECT id FROM users WHERE username = 'bob'"))
    # ana's imports and re-runs sign with her key (bmdstream-import --key)
    d.env["BMDSTREAM_SIGNING_KEY"] = register_key(d.bm, "ana", d.ana)
    register_key(d.bm, "bob", d.bob)
    for s in STAGES:
        d.start(s)
    yield d
    for name in list(d.procs):
        d.procs[name].kill()
        d.procs[name].wait()


def import_matrix(d, path, *extra, analysis=ANALYSIS):
    out = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--matrix", path, "--probe-map", PROBE_MAP, "--category-map",
                CATEGORY_MAP, *analysis, *extra)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def snapshot(d):
    """Every result row, as comparable text."""
    q = {
        "prefilter": "SELECT experiment_id, method, num_tested, num_passed FROM prefilter_results"
                     " ORDER BY id",
        "details": "SELECT count(*), sum(p_value) FILTER (WHERE passed), count(*) FILTER"
                   " (WHERE passed) FROM prefilter_result_details",
        "bmd": "SELECT id, experiment_id, prefilter_id, name, num_results, results_s3_key"
               " FROM bmd_results ORDER BY id",
        "stats": "SELECT bmd_result_id, probe_id, best_model, best_bmd, best_bmdl, best_bmdu"
                 " FROM probe_stat_results ORDER BY 1, 2",
        "categories": "SELECT c.id, c.bmd_result_id, c.num_categories, c.tpod::text,"
                      " c.results_s3_key FROM category_results c ORDER BY id",
        "category_details": "SELECT category_result_id, category_id, genes_passed, bmd_median,"
                            " fisher_p_value FROM category_result_details ORDER BY 1, 2",
    }
    return {k: d.sql(v) for k, v in q.items()}


def objects(d):
    listing = "/tmp/" + d.prefix + "list.xml"
    assert s3(d.env, "GET", f"/{d.bucket}?list-type=2&max-keys=1000", listing) == "200"
    text = open(listing).read()
    import re
    return sorted(zip(re.findall(r"<Key>(.*?)</Key>", text),
                      re.findall(r"<ETag>(.*?)</ETag>", text)))


def pipeline_exports(d, experiment):
    """{file name: object key} of every file the three stages exported for
    the experiment's (only) results."""
    p = d.project
    pre = d.sql(f"SELECT id FROM prefilter_results WHERE experiment_id = {experiment}")
    bmd = d.sql(f"SELECT id FROM bmd_results WHERE experiment_id = {experiment}")
    cat = d.sql(f"SELECT results_s3_key FROM category_results WHERE bmd_result_id = {bmd}")
    out = {"prefilter.tsv": f"projects/{p}/exports/prefilter/{pre}/prefilter.tsv",
           "bmd.tsv": f"projects/{p}/exports/bmd/{bmd}/bmd.tsv"}
    for key, _ in objects(d):
        if key.startswith(cat + "/"):
            out[key[len(cat) + 1:]] = key
    return out


def test_three_matrices_then_replay(dep):
    d = dep
    jobs = [import_matrix(d, m, analysis=v) for m, v in zip(MATRICES, VARIANTS)]
    done = d.wait_jobs(jobs)
    for j in jobs:
        assert done[j][0] == "COMPLETED", done[j]
        assert float(done[j][1]) == 1.0
    # Rows and objects as designed.
    assert d.sql("SELECT count(*) FROM dose_response_experiments") == "3"
    assert d.sql("SELECT count(*) FROM treatments") == str(30 + 33 + 30)
    assert d.sql("SELECT count(*) FROM probe_responses") == str(3 * 2977)
    assert d.sql("SELECT count(*) FROM prefilter_results") == "3"
    assert d.sql("SELECT count(*) FROM bmd_results") == "3"
    assert d.sql("SELECT count(*) FROM category_results WHERE num_categories = 50") == "3"
    assert d.sql("SELECT count(DISTINCT result_id) FROM jobs WHERE status = 'COMPLETED'") == "3"
    assert d.sql("SELECT bool_and(num_results = (SELECT count(*) FROM probe_stat_results s"
                 " WHERE s.bmd_result_id = b.id)) FROM bmd_results b") == "t"
    keys = [k for k, _ in objects(d)]
    p = d.project
    for e in (1, 2, 3):
        assert f"projects/{p}/experiments/{e}/matrix.bin" in keys
    for r in (1, 2, 3):
        assert f"projects/{p}/results/{r}/probe_stats.json.gz" in keys
        for name in ("categories.tsv", "results.csv", "tpod.json", "report.html",
                     "plots/gene_accumulation.svg", "plots/category_accumulation.svg"):
            assert f"projects/{p}/exports/category/{r}/{name}" in keys
        # the report is among the exports, a whole page (its content is
        # analyze's, byte for byte, below; tests/reference/test_report_html.py
        # opens analyze's in a browser)
        got = f"/tmp/{d.prefix}report{r}.html"
        assert s3(d.env, "GET", f"/{d.bucket}/projects/{p}/exports/category/{r}/report.html",
                  got) == "200"
        with open(got, encoding="utf-8") as f:
            page = f.read()
        os.remove(got)
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
        assert page.count('<figure class="curve"') in (4, 10)  # --curve-plots of the variants
        assert page.count('<tr data-index=') == 50  # the Hallmark categories
        assert f"projects/{p}/exports/prefilter/{r}/prefilter.tsv" in keys
        assert f"projects/{p}/exports/bmd/{r}/bmd.tsv" in keys
    tpod = json.loads(d.sql("SELECT tpod::text FROM category_results ORDER BY id LIMIT 1"))
    assert tpod["gene_set"]["available"] and tpod["gene_set"]["bmd"] > 0
    # Every stage topic carried exactly one event per job; nothing went to dead-letter.
    # Every event the programs published (the importer, the three stages and
    # their job events) validates against the published schema.
    for topic in ("experiment-imported", "prefilter-done", "bmd-done", "category-done",
                  "job-events"):
        events = kcat_consume(d.bootstrap, d.prefix + topic)
        if topic != "job-events":
            assert len(events) == 3, topic
        assert events, topic
        for e in events:
            assert event_errors(topic, e["payload"]) == [], (topic, e["payload"])
    assert kcat_consume(d.bootstrap, d.prefix + "dead-letter") == []

    # Every exported file equals `bmdstream analyze`'s for the same matrix
    # and flags, byte for byte; the job carries the settings analyze prints.
    for e, (matrix, flags) in enumerate(zip(MATRICES, VARIANTS), start=1):
        files = ["--probe-map", PROBE_MAP, "--category-map", CATEGORY_MAP]
        printed = d.bm("analyze", "--print-settings", *flags, *files)
        assert printed.returncode == 0, printed.stderr
        carried = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{jobs[e - 1]}'"))
        assert carried["parameters"] == json.loads(printed.stdout)
        out_dir = f"/tmp/{d.prefix}analyze{e}"
        an = d.bm("analyze", "--matrix", matrix, "--out", out_dir, *flags, *files)
        assert an.returncode == 0, an.stderr
        offline = sorted(os.path.relpath(os.path.join(r, f), out_dir)
                         for r, _, fs in os.walk(out_dir) for f in fs)
        online = pipeline_exports(d, e)
        assert sorted(online) == offline, e
        assert sum(f.startswith("plots/curve_") for f in offline) == (4 if e == 3 else 10)
        for name, key in online.items():
            got = f"/tmp/{d.prefix}got"
            assert s3(d.env, "GET", f"/{d.bucket}/{key}", got) == "200"
            with open(got, "rb") as a, open(os.path.join(out_dir, name), "rb") as b:
                assert a.read() == b.read(), (e, name)
        # no value is an empty cell or null, never NaN or -9999 (the
        # pipeline's files are these, byte for byte)
        assert tree_sentinels(out_dir) == []
    # ... and SQL NULL in the database
    assert db_sentinels(d.sql) == []

    # The category stage read each result's fits from the fits object the
    # gather stored (fits.bin), not from probe_stats.json.gz; in the replay
    # below it falls back to the JSON for result 1, whose object is gone,
    # and result 2, whose object is not this build's fits, and must write
    # the same rows and the same files (the snapshot and the ETags).
    assert "are read from probe_stats.json.gz" not in d.log("category")
    for r in (1, 2, 3):
        assert f"projects/{p}/results/{r}/fits.bin" in keys
    assert s3(d.env, "DELETE", f"/{d.bucket}/projects/{p}/results/1/fits.bin") == "204"
    not_fits = f"/tmp/{d.prefix}not-fits"
    with open(not_fits, "wb") as f:
        f.write(b"BMDFITS0" + bytes(64))
    assert s3(d.env, "PUT", f"/{d.bucket}/projects/{p}/results/2/fits.bin", body=not_fits) == "200"
    os.remove(not_fits)

    before, objs_before = snapshot(d), objects(d)
    # Replay everything from offset 0 with every consumer group reset.
    d.stop_all()
    for stage, topics in [("tracker", ["job-events", "experiment-imported", "prefilter-done",
                                       "bmd-done", "category-done"]),
                          ("prefilter", ["experiment-imported"]), ("bmd", ["prefilter-done"]),
                          ("category", ["bmd-done"])]:
        for t in topics:
            out = d.bm("replay", "reset-group", "--group", f"{d.prefix}bmdstream-{stage}",
                       "--topic", t, "--to-earliest")
            assert out.returncode == 0, out.stderr
    for s in STAGES:
        d.start(s)
    deadline = time.time() + 600
    while time.time() < deadline:
        lag = json.loads(d.bm("lag", "--json").stdout)
        mine = [g for g in lag["groups"] if g["group"].startswith(d.prefix)]
        if len(mine) == 4 and all(g["total_lag"] == 0 and
                                  all(p["committed_offset"] is not None for p in g["partitions"]
                                      if p["log_end_offset"] > 0) for g in mine):
            break
        time.sleep(2)
    time.sleep(2)
    assert snapshot(d) == before
    assert objects(d) == objs_before
    fell_back = d.log("category")
    assert f"BMD result 1: no projects/{p}/results/1/fits.bin; its fits are read" in fell_back
    assert (f"BMD result 2: projects/{p}/results/2/fits.bin: not the fits of" in fell_back
            and "BMD result 3:" not in fell_back)
    # Each stage re-read its input from the start and re-emitted: the
    # upstream re-emissions arrive too (3, then 3 + 6, then 3 + 9 events),
    # every one with the id derived from its result, so 3 distinct ids.
    for topic, count in (("prefilter-done", 6), ("bmd-done", 9), ("category-done", 12)):
        events = kcat_consume(d.bootstrap, d.prefix + topic)
        ids = [json.loads(e["payload"])["id"] for e in events]
        assert len(ids) == count and len(set(ids)) == 3, topic
    assert all(s == "COMPLETED" for s, *_ in d.jobs().values())

    # `bmdstream replay experiment`: a plain re-run is a new job that
    # changes no result; new settings make a new result version beside.
    dry = d.bm("replay", "experiment", "--project", str(d.project), "--experiment", "1",
               "--set", "bmd.bmr=1.349", "--dry-run")
    assert dry.returncode == 0 and '"bmr":1.349' in dry.stdout, dry.stderr
    assert len(d.jobs()) == 3  # the dry run made no job
    plain = d.bm("replay", "experiment", "--project", str(d.project), "--experiment", "1")
    assert plain.returncode == 0, plain.stderr
    job = plain.stdout.split()[-1]
    assert d.wait_jobs([job])[job][0] == "COMPLETED"
    assert snapshot(d) == before
    new = d.bm("replay", "experiment", "--project", str(d.project), "--experiment", "1",
               "--set", "bmd.bmr=1.349")
    assert new.returncode == 0, new.stderr
    job = new.stdout.split()[-1]
    assert d.wait_jobs([job])[job][0] == "COMPLETED"
    assert d.sql("SELECT count(*) FROM bmd_results WHERE experiment_id = 1") == "2"
    assert d.sql("SELECT count(*) FROM category_results") == "4"
    assert d.sql("SELECT count(*) FROM prefilter_results") == "3"  # same prefilter settings


def test_poison_missing_object_and_forbidden(dep):
    d = dep
    good = import_matrix(d, MATRICES[0])
    params = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{good}'"))

    # 1. A malformed event: valid JSON with the job, but no matrix_key.
    bad_job = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
          f" ('{bad_job}', {d.ana}, {d.project}, 'analysis', 'QUEUED')")
    data = {k: v for k, v in params.items() if k != "matrix_key"}
    data.update(job_id=bad_job)
    ev = event("experiment-imported", data)
    ev["subject"] = "projects/1/experiments/999999"  # does not match the data either
    kcat_produce(d.bootstrap, d.prefix + "experiment-imported", "1", json.dumps(ev))

    # 2. A missing object: an experiment whose matrix.bin is not in the store.
    d.sql(f"INSERT INTO dose_response_experiments (id, project_id, name, log_transformation,"
          f" expression_matrix_s3_key, num_probes, num_treatments) VALUES (500, {d.project},"
          f" 'ghost', 'base2', 'projects/{d.project}/experiments/500/matrix.bin', 1, 4)")
    ghost_job = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
          f" ('{ghost_job}', {d.ana}, {d.project}, 'analysis', 'QUEUED')")
    data = dict(params, job_id=ghost_job, experiment_id=500,
                matrix_key=f"projects/{d.project}/experiments/500/matrix.bin")
    kcat_produce(d.bootstrap, d.prefix + "experiment-imported", "500",
                 json.dumps(event("experiment-imported", data)))

    # 3. Forbidden: ana's event for bob's project.
    forbidden_job = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
          f" ('{forbidden_job}', {d.ana}, {d.bob_project}, 'analysis', 'QUEUED')")
    data = dict(params, job_id=forbidden_job, project_id=d.bob_project, experiment_id=1,
                matrix_key=f"projects/{d.bob_project}/experiments/1/matrix.bin")
    kcat_produce(d.bootstrap, d.prefix + "experiment-imported", "1",
                 json.dumps(event("experiment-imported", data)))

    # 4. A valid event from a plain Kafka client (kcat, envelope built here):
    # processed like ours; no job row beforehand (the tracker makes one).
    kcat_job = str(uuid.uuid4())
    kcat_produce(d.bootstrap, d.prefix + "experiment-imported", str(params["experiment_id"]),
                 json.dumps(event("experiment-imported", dict(params, job_id=kcat_job))))

    # 5. A job whose last step is the prefilter (--no-bmd): it completes at
    # the prefilter stage; the later stages acknowledge its events and make
    # nothing.
    out = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--matrix", MATRICES[1], "--no-bmd", "--p-cutoff", "0.01")
    assert out.returncode == 0, out.stderr
    prefilter_only = out.stdout.strip()

    later = import_matrix(d, MATRICES[2])
    jobs = d.wait_jobs([good, bad_job, ghost_job, forbidden_job, later, kcat_job, prefilter_only])
    assert jobs[good][0] == "COMPLETED" and jobs[later][0] == "COMPLETED"
    assert jobs[prefilter_only][0] == "COMPLETED" and float(jobs[prefilter_only][1]) == 1.0
    e = d.sql(f"SELECT parameters->>'experiment_id' FROM jobs WHERE id = '{prefilter_only}'")
    pre = d.sql(f"SELECT id FROM prefilter_results WHERE experiment_id = {e}")
    assert d.sql(f"SELECT results_s3_key FROM prefilter_results WHERE id = {pre}") == \
        f"projects/{d.project}/exports/prefilter/{pre}"
    assert d.sql(f"SELECT count(*) FROM bmd_results WHERE experiment_id = {e}") == "0"
    assert jobs[kcat_job][0] == "COMPLETED" and float(jobs[kcat_job][1]) == 1.0
    assert jobs[bad_job][0] == "FAILED" and "subject" in jobs[bad_job][2], jobs[bad_job]
    assert jobs[ghost_job][0] == "FAILED" and "missing" in jobs[ghost_job][2], jobs[ghost_job]
    assert jobs[forbidden_job][0] == "FAILED" and "forbidden" in jobs[forbidden_job][2]
    dead = kcat_consume(d.bootstrap, d.prefix + "dead-letter")
    stages = []
    for rec in dead:
        h = dict(zip(rec["headers"][::2], rec["headers"][1::2]))
        assert h["dlq.topic"] == d.prefix + "experiment-imported"
        forbidden = json.loads(rec["payload"])["data"]["job_id"] == forbidden_job
        assert h["dlq.error.class"] == ("forbidden" if forbidden else "permanent"), h
        stages.append(h["dlq.stage"])
    # The prefilter refuses all three; the tracker, which reads the same
    # topic, refuses the malformed one too.
    assert sorted(stages) == ["prefilter", "prefilter", "prefilter", "tracker"]
    assert d.sql("SELECT count(*) FROM dead_letters WHERE stage = 'prefilter'") == "3"


def test_sigterm_sigkill_mid_run_and_a_second_instance(dep):
    d = dep
    d.start("bmd", "bmd2")  # a second instance of the BMD stage
    owners = set()
    deadline = time.time() + 90
    while time.time() < deadline and len(owners) < 2:
        g = json.loads(d.bm("lag", "--group", f"{d.prefix}bmdstream-bmd", "--json").stdout)
        owners = {p["consumer_id"] for p in g["groups"][0]["partitions"] if p["consumer_id"]}
        time.sleep(1)
    assert g["groups"][0]["members"] == 2
    assert len(owners) == 2  # the two instances share the partitions

    job = import_matrix(d, MATRICES[1], "--p-cutoff", "0.05")
    # SIGTERM both instances as soon as fitting has begun: the one fitting
    # stops, its message not stored, and exits cleanly.
    deadline = time.time() + 300
    while time.time() < deadline:
        row = d.jobs()[job]
        if row[0] == "RUNNING" and float(row[1]) > 0.2:
            break
        time.sleep(0.2)
    assert d.stop("bmd") == 0 and d.stop("bmd2") == 0
    assert "shutting down" in d.log("bmd") + d.log("bmd2")
    d.start("bmd")  # the message is delivered again ...
    deadline = time.time() + 300
    while time.time() < deadline and "assigned" not in d.log("bmd"):
        time.sleep(0.2)
    time.sleep(3)  # ... and this time killed outright while fitting
    d.procs["bmd"].send_signal(signal.SIGKILL)
    d.procs.pop("bmd").wait(timeout=60)
    d.start("bmd")  # delivered once more, and finished
    jobs = d.wait_jobs([job])
    assert jobs[job][0] == "COMPLETED"
    assert d.sql("SELECT count(*) FROM bmd_results") == "1"
    n = d.sql("SELECT num_results FROM bmd_results")
    assert d.sql("SELECT count(*) FROM probe_stat_results") == n
    assert d.sql("SELECT num_passed FROM prefilter_results") == n
    assert len(kcat_consume(d.bootstrap, d.prefix + "bmd-done")) >= 1
