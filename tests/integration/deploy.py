"""A deployment of the pipeline on the real stack for the operations tests
(lag under load, metrics, the runbook): its own topic prefix, database and
bucket, the consumers started as users start them, each with its metrics
port recorded, stopped (or paused) by PID."""
import glob
import os
import signal
import subprocess
import time
import uuid

from conftest import free_port, java_auth, psql, register_key, require

BIN = os.environ["BS_BIN_DIR"]
ROOT = os.environ["BS_SOURCE_DIR"]
DATA = os.path.join(os.environ["BS_TEST_DATA"], "bmdexpress")
MATRICES = [os.path.join(DATA, f"example data {i}.txt") for i in (1, 2, 3)]
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CATEGORY_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
STAGES = ["tracker", "prefilter", "bmd", "category"]
# Few models and a strict cut-off keep runs short under the sanitizers.
ANALYSIS = ["--prefilter", "anova", "--p-cutoff", "0.01", "--fold-filter", "2",
            "--models", "hill,power,linear,exp3"]
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
JARS = os.path.join(os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state")),
                    "jars", "kafka")


def s3(env, method, path, out=None, data=None):
    """A signed S3 request with curl (an independent client); the HTTP status."""
    args = ["curl", "-s", "-o", out or "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
            "aws:amz:us-east-1:s3", "--user",
            f"{env['BMDSTREAM_S3_ACCESS_KEY']}:{env['BMDSTREAM_S3_SECRET_KEY']}", "-X", method]
    if data:
        args += ["--data-binary", "@" + data, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    else:
        args += ["-H", f"x-amz-content-sha256: {EMPTY_SHA}"]
    return subprocess.run(args + [env["BMDSTREAM_S3_ENDPOINT"] + path], capture_output=True,
                          text=True).stdout


def consumer_group_command(bootstrap, groups):
    """Kafka's own ConsumerGroupCommand --describe of several groups:
    {(group, topic, partition): (current, log_end, lag)}, '-' as None."""
    assert glob.glob(os.path.join(JARS, "*.jar")), "Kafka jars missing (scripts/setup.sh)"
    args = ["java", "-Xmx256m", "-cp", os.path.join(JARS, "*"),
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server", bootstrap, *java_auth(), "--describe"]
    for g in groups:
        args += ["--group", g]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {}
    for line in out.stdout.splitlines():
        cols = line.split()
        if len(cols) >= 6 and cols[0] in groups:
            rows[(cols[0], cols[1], int(cols[2]))] = tuple(None if c == "-" else int(c)
                                                           for c in cols[3:6])
    return rows, out.stdout


class Deployment:
    def __init__(self, url, bootstrap):
        require("BMDSTREAM_S3_ENDPOINT")
        self.prefix = f"op{uuid.uuid4().hex[:8]}."
        self.bucket = f"bs-test-{uuid.uuid4().hex[:10]}"
        self.url = url
        self.bootstrap = bootstrap
        self.env = dict(os.environ, BMDSTREAM_DATABASE_URL=url,
                        BMDSTREAM_TOPIC_PREFIX=self.prefix, BMDSTREAM_S3_BUCKET=self.bucket,
                        BMDSTREAM_KAFKA_BOOTSTRAP=bootstrap, BMDSTREAM_RETRY_MAX_SECONDS="2")
        self.procs, self.ports = {}, {}

    def setup(self, partitions=3):
        assert s3(self.env, "PUT", "/" + self.bucket) == "200"
        for args, stdin in [(["migrate"], ""), (["acl", "apply"], ""),
                            (["topics", "--partitions", str(partitions)], ""),
                            (["user", "add", "--username", "ana", "--email", "ana@x"],
                             "password-ana\n")]:
            out = self.bm(*args, stdin=stdin)
            assert out.returncode == 0, out.stderr
        self.project = int(self.bm("project", "add", "--user", "ana", "--name", "p").stdout)
        self.ana = int(self.sql("SELECT id FROM users WHERE username = 'ana'"))
        # ana's imports sign with her key (bmdstream-import --key)
        self.env["BMDSTREAM_SIGNING_KEY"] = register_key(self.bm, "ana", self.ana)
        return self

    def run(self, *args, stdin="", env=None, timeout=600):
        return subprocess.run(list(args), input=stdin, capture_output=True, text=True,
                              env=env or self.env, timeout=timeout)

    def bm(self, *args, stdin=""):
        return self.run(os.path.join(BIN, "bmdstream"), *args, stdin=stdin)

    def group(self, stage):
        return f"{self.prefix}bmdstream-{stage}"

    def start(self, stage, name=None):
        name = name or stage
        self.ports[name] = free_port()
        log = open(self.logfile(name), "w")
        self.procs[name] = subprocess.Popen(
            [os.path.join(BIN, f"bmdstream-{stage}"), "--log-level", "info",
             "--metrics-port", str(self.ports[name])],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def logfile(self, name):
        return f"/tmp/{self.prefix}{name}.log"

    def wait_healthy(self, names, timeout=90):
        import urllib.request
        deadline = time.time() + timeout
        for name in names:
            while True:
                assert self.procs[name].poll() is None, open(self.logfile(name)).read()
                try:
                    with urllib.request.urlopen(
                            f"http://127.0.0.1:{self.ports[name]}/health", timeout=10) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                assert time.time() < deadline, f"{name} not healthy"
                time.sleep(0.3)

    def signal_all(self, sig):
        for p in self.procs.values():
            p.send_signal(sig)

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.pop(name)
        p.send_signal(sig)
        return p.wait(timeout=120)

    def kill_all(self):
        for p in self.procs.values():
            p.send_signal(signal.SIGCONT)
            p.kill()
            p.wait()
        self.procs.clear()

    def sql(self, q):
        return psql(self.url, q).strip()

    def import_matrix(self, path, *extra):
        out = self.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                       str(self.project), "--matrix", path, "--probe-map", PROBE_MAP,
                       "--category-map", CATEGORY_MAP, *ANALYSIS, *extra)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def job(self, job_id):
        return self.sql(f"SELECT status, coalesce(error_message, '') FROM jobs"
                        f" WHERE id = '{job_id}'").split("|")

    def wait_jobs(self, ids, timeout=170):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = {j: self.job(j) for j in ids}
            if all(r[0] in ("COMPLETED", "FAILED") for r in rows.values()):
                return rows
            time.sleep(1)
        raise AssertionError(f"jobs not finished: { {j: self.job(j) for j in ids} }")
