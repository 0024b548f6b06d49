"""The fault suite on the real stack (issue 16, item 1).

Jobs of mixed size run through the four consumers while a seeded schedule
injects faults at random moments: SIGKILL of a consumer (restarted, as a
supervisor would), SIGSTOP of a consumer (SIGCONT after a few seconds),
PostgreSQL stopped in immediate mode, Kafka SIGKILLed, S3Proxy SIGKILLed
(each service brought back with scripts/stack.sh up after a few seconds).
One malformed event is published among the jobs: it is the only bad input.
A consumer may exit by itself only for a restart (status 1 after "exiting
for a restart", e.g. FENCED_INSTANCE_ID when a Kafka restart fences a
static member with its own earlier incarnation): the suite restarts it as a
supervisor would and counts it; any other exit fails the suite.

Afterwards:
- every job is COMPLETED;
- every experiment has exactly one prefilter, BMD and category result, and
  each BMD result exactly its num_results probe rows;
- the object store matches the rows: the exports of each stage are there
  for every result row and for no other result id, and each row's
  results_s3_key exists;
- no event is left unconsumed (`bmdstream lag --max-lag 0` for each
  stage's group);
- the dead-letter topic holds the malformed event alone, byte for byte.

It prints the faults injected (by kind), the jobs, and after each fault the
time until the pipeline made progress again (a job's status or progress
changed, or a stage took a message).

    BS_FAULTS         faults to inject (default 5: each kind once, in an
                      order the seed picks; more: kinds drawn at random)
    BS_FAULT_JOBS     jobs submitted at the start (default 3); when all are
                      done and faults remain, two more are submitted
    BS_FAULT_SEED     the schedule's seed (default 20261206); printed, so
                      a failure replays with the same schedule

ctest runs it as fault_suite (label faults, the short schedule) and
fault_soak (label soak, 200 faults: scripts/test.sh -L soak). It stops and
starts the shared stack's services, so it runs alone, as ctest runs tests.
"""
import collections
import json
import os
import random
import re
import signal
import subprocess
import time

from conftest import kcat_consume
from deploy import MATRICES, STAGES, Deployment, s3
from test_retry import STACK, kill_by_pidfile, stack_up

FAULTS = int(os.environ.get("BS_FAULTS", "5"))
JOBS = int(os.environ.get("BS_FAULT_JOBS", "3"))
SEED = int(os.environ.get("BS_FAULT_SEED", "20261206"))
KINDS = ["consumer-sigkill", "consumer-sigstop", "postgres-immediate", "kafka-sigkill",
         "s3proxy-sigkill"]
CONSUMERS = ["prefilter", "bmd", "category", "tracker"]
# Mixed sizes: the three matrices, two to four models.
VARIANTS = [["--models", "linear,power"], ["--models", "hill,power,linear,exp3"],
            ["--models", "linear,exp3,power"]]
PROCESSING = re.compile(r": processing$", re.M)
MALFORMED = b'{"specversion": "1.0", "type": "bmdstream.experiment-imported.v1", "data": 7}'


def schedule(rng, n):
    """n faults: each kind once first (in a random order), then random."""
    first = KINDS[:]
    rng.shuffle(first)
    kinds = (first + [rng.choice(KINDS) for _ in range(max(0, n - len(KINDS)))])[:n]
    return [{"kind": k, "after": rng.uniform(1.0, 6.0), "hold": rng.uniform(2.0, 10.0),
             "target": rng.choice(CONSUMERS)} for k in kinds]


class Pipeline:
    """The deployment plus which process currently runs each stage."""

    def __init__(self, d):
        self.d = d
        self.current = {}
        self.restarts = collections.Counter()
        self.self_exits = []
        self.jobs = []
        self.submitted = 0

    def start_all(self):
        for s in STAGES:
            self.current[s] = s
            self.d.start(s)
        self.d.wait_healthy(STAGES)

    def restart(self, stage):
        self.restarts[stage] += 1
        name = f"{stage}-{self.restarts[stage]}"
        self.current[stage] = name
        self.d.start(stage, name)
        self.d.wait_healthy([name], timeout=120)

    def proc(self, stage):
        return self.d.procs[self.current[stage]]

    def revive(self):
        """Restarts, as a supervisor would, a consumer that exited by itself,
        which it may do only on purpose: exit status 1 after logging "exiting
        for a restart" (a fatal Kafka client error such as FENCED_INSTANCE_ID,
        docs/runbook.md). A crash or any other exit fails the suite."""
        for s in STAGES:
            p = self.proc(s)
            if p.poll() is None:
                continue
            text = log_text(self.d, self.current[s])
            line = [x for x in text.splitlines() if "exiting for a restart" in x]
            assert p.returncode == 1 and line, (s, p.returncode, log_tail(self.d, self.current[s]))
            reason = line[-1].split("exiting for a restart: ", 1)[-1]
            self.self_exits.append((s, reason))
            del self.d.procs[self.current[s]]
            self.restart(s)

    def submit(self, n):
        for _ in range(n):
            i = self.submitted
            self.submitted += 1
            self.jobs.append(self.d.import_matrix(MATRICES[i % 3], *VARIANTS[i % len(VARIANTS)]))

    def progress_mark(self):
        rows = self.d.sql("SELECT coalesce(string_agg(status || ':' || progress, ','"
                          " ORDER BY id), '') FROM jobs")
        taken = sum(len(PROCESSING.findall(log_text(self.d, n))) for n in self.d.procs)
        return rows, taken

    def all_done(self):
        return all(self.d.job(j)[0] in ("COMPLETED", "FAILED") for j in self.jobs)


def log_text(d, name):
    try:
        with open(d.logfile(name)) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def log_tail(d, name, lines=30):
    return "\n".join(log_text(d, name).splitlines()[-lines:])


def inject(p, fault):
    """Injects one fault and undoes it; returns a short description."""
    kind, hold = fault["kind"], fault["hold"]
    if kind == "consumer-sigkill":
        stage = fault["target"]
        p.d.stop(p.current[stage], signal.SIGKILL)
        p.restart(stage)
        return f"{kind} {stage}"
    if kind == "consumer-sigstop":
        stage = fault["target"]
        proc = p.proc(stage)
        proc.send_signal(signal.SIGSTOP)
        time.sleep(hold)
        proc.send_signal(signal.SIGCONT)
        return f"{kind} {stage} for {hold:.1f} s"
    pidfile = {"postgres-immediate": os.path.join(STACK, "pg", "data", "postmaster.pid"),
               "kafka-sigkill": os.path.join(STACK, "kafka", "kafka.pid"),
               "s3proxy-sigkill": os.path.join(STACK, "s3", "s3proxy.pid")}[kind]
    # PostgreSQL's immediate shutdown is SIGQUIT to the postmaster.
    kill_by_pidfile(pidfile, signal.SIGQUIT if kind == "postgres-immediate" else signal.SIGKILL)
    time.sleep(hold)
    took = stack_up()
    return f"{kind} down {hold + took:.1f} s"


def wait_progress(p, mark, timeout=240):
    """Seconds until the pipeline moved on from mark (or all jobs ended)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        p.revive()
        if p.progress_mark() != mark or p.all_done():
            return time.time() - t0
        time.sleep(0.2)
    raise AssertionError(f"no progress {timeout} s after the fault; jobs: "
                         f"{ {j: p.d.job(j) for j in p.jobs} }")


def list_keys(d):
    """Every object key of the deployment's bucket (ListObjectsV2, paged)."""
    from urllib.parse import quote
    keys, token = [], None
    listing = f"/tmp/{d.prefix}faults-list.xml"
    while True:
        query = "list-type=2&max-keys=1000"
        if token:
            query += "&continuation-token=" + quote(token, safe="")
        # S3Proxy's filesystem backend answers 500 to a listing that meets
        # an upload in progress (its temporary "<key>-<UUID>" file has no
        # metadata yet), e.g. a redelivered last chunk's gather writing
        # probe_stats.json.gz again: ask again until it has finished.
        deadline = time.time() + 60
        while s3(d.env, "GET", f"/{d.bucket}?{query}", listing) != "200":
            assert time.time() < deadline, "the bucket could not be listed for 60 s"
            time.sleep(1)
        text = open(listing).read()
        keys += re.findall(r"<Key>(.*?)</Key>", text)
        more = re.search(r"<NextContinuationToken>(.*?)</NextContinuationToken>", text)
        if "<IsTruncated>true</IsTruncated>" not in text or not more:
            break
        token = more.group(1)
    os.remove(listing)
    return keys


def check_outcome(p):
    d = p.d
    deadline = time.time() + 900
    while not p.all_done():
        p.revive()
        assert time.time() < deadline, {j: d.job(j) for j in p.jobs}
        time.sleep(1)
    done = {j: d.job(j) for j in p.jobs}
    bad = {j: r for j, r in done.items() if r[0] != "COMPLETED"}
    assert not bad, bad
    n = str(len(p.jobs))
    assert d.sql("SELECT count(*) FROM dose_response_experiments") == n
    # exactly one result set per experiment, chained
    assert d.sql("SELECT count(*) FROM prefilter_results") == n
    assert d.sql("SELECT count(DISTINCT experiment_id) FROM prefilter_results") == n
    assert d.sql("SELECT count(*) FROM bmd_results") == n
    assert d.sql("SELECT count(DISTINCT prefilter_id) FROM bmd_results") == n
    assert d.sql("SELECT count(*) FROM category_results") == n
    assert d.sql("SELECT count(DISTINCT bmd_result_id) FROM category_results") == n
    assert d.sql("SELECT bool_and(num_results = (SELECT count(*) FROM probe_stat_results s"
                 " WHERE s.bmd_result_id = b.id)) FROM bmd_results b") == "t"
    assert d.sql("SELECT count(DISTINCT result_id) FROM jobs WHERE status = 'COMPLETED'") == n
    # the object store matches the rows
    keys = list_keys(d)
    prefix = f"projects/{d.project}/"
    for stage, table in (("prefilter", "prefilter_results"), ("bmd", "bmd_results"),
                         ("category", "category_results")):
        ids = set(d.sql(f"SELECT string_agg(id::text, ',') FROM {table}").split(","))
        stored = {k[len(prefix):].split("/")[2] for k in keys
                  if k.startswith(f"{prefix}exports/{stage}/")}
        assert stored == ids, (stage, stored, ids)
        for key in d.sql(f"SELECT string_agg(results_s3_key, ',') FROM {table}").split(","):
            assert any(k == key or k.startswith(key + "/") for k in keys), key
    experiments = d.sql("SELECT string_agg(id::text, ',') FROM dose_response_experiments")
    for e in experiments.split(","):
        assert f"{prefix}experiments/{e}/matrix.bin" in keys, e
    # nothing left unconsumed (offsets are committed every 5 s)
    drained(d)
    # every result complete, so no chunk object is left, whatever the
    # faults interrupted (docs/architecture.md, "Chunk objects: what is
    # deleted when")
    left = [k for k in list_keys(d) if "/chunks/" in k]
    assert not left, left
    # The dead-letter topic holds the bad input alone. Both groups that read
    # experiment-imported (the prefilter stage and the tracker) refuse it,
    # each once per delivery; delivery is at least once, so a fault between
    # dead-lettering and the offset commit dead-letters it again, with the
    # same origin headers. The dead_letters table keeps one row per origin
    # and stage.
    dead = kcat_consume(d.bootstrap, d.prefix + "dead-letter")
    assert dead and all(m["payload"] == MALFORMED.decode() for m in dead), dead
    origins = {tuple(origin_header(m, h) for h in ("dlq.topic", "dlq.partition", "dlq.offset"))
               for m in dead}
    assert len(origins) == 1, origins
    assert d.sql("SELECT count(DISTINCT (source_topic, source_partition, source_offset))"
                 " FROM dead_letters") == "1"
    stages = set(d.sql("SELECT string_agg(stage, ',') FROM dead_letters").split(","))
    assert stages <= {"prefilter", "tracker"}, stages
    return len(dead)


def drained(d, timeout=60):
    """Waits until `bmdstream lag --max-lag 0` passes for every stage's
    group (consumers commit stored offsets every 5 s)."""
    deadline = time.time() + timeout
    for s in STAGES:
        while True:
            out = d.bm("lag", "--group", d.group(s), "--max-lag", "0")
            if out.returncode == 0:
                break
            assert time.time() < deadline, (s, out.stdout, out.stderr)
            time.sleep(1)


def origin_header(message, name):
    """A header of a kcat JSON message (headers: a flat [name, value, ...])."""
    headers = message.get("headers") or []
    values = [headers[i + 1] for i in range(0, len(headers) - 1, 2) if headers[i] == name]
    assert len(values) == 1, (name, headers)
    return values[0]


def publish_malformed(d):
    out = subprocess.run(["kcat", "-P", "-b", d.bootstrap, "-t",
                          d.prefix + "experiment-imported", "-k", "bad"],
                         input=MALFORMED, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_fault_schedule(fresh_database, kafka_bootstrap, report):
    rng = random.Random(SEED)
    faults = schedule(rng, FAULTS)
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=3)
    p = Pipeline(d)
    recoveries = []
    t_start = time.time()
    try:
        p.start_all()
        p.submit(JOBS)
        publish_malformed(d)
        for i, fault in enumerate(faults):
            if p.all_done():
                p.submit(2)
            time.sleep(fault["after"])
            mark = p.progress_mark()
            what = inject(p, fault)
            took = wait_progress(p, mark)
            p.revive()
            recoveries.append(took)
            report(f"fault {i + 1}/{len(faults)}: {what}; progress again after {took:.1f} s")
        dead_copies = check_outcome(p)
        p.revive()
    finally:
        d.kill_all()
    kinds = collections.Counter(f["kind"] for f in faults)
    report(f"fault suite (seed {SEED}): {len(faults)} faults "
           f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), {len(p.jobs)} jobs "
           f"all COMPLETED with one result set each, 1 bad input dead-lettered "
           f"({dead_copies} cop{'y' if dead_copies == 1 else 'ies'}); recovery "
           f"median {sorted(recoveries)[len(recoveries) // 2]:.1f} s, max {max(recoveries):.1f} s;"
           f" {time.time() - t_start:.0f} s in all; consumers that exited for a restart: "
           f"{len(p.self_exits)} ({'; '.join(f'{s}: {r}' for s, r in p.self_exits) or 'none'})")
