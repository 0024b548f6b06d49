#!/usr/bin/env python3
"""The pipeline benchmark on the real stack (issue 14 item 3): the seeded
synthetic experiment of gen_experiment.py (20,000 probes, about 5,000
responsive) through importer, prefilter, BMD and category stages, once with
1 and once with 2 BMD workers of one thread each (--threads 1), each run in
its own deployment (database, bucket, topic prefix). Prints, per run, the
time end to end (import started -> job COMPLETED) and per stage (from the
Kafka timestamps of the stage events and the chunks' done times), probes/s,
the BMD fits' span and the time outside it; then the speed-up.

Needs the stack (scripts/stack.sh up; its environment loaded) and a build:

    .state/venv/bin/python bench/bench_pipeline.py [--workers 1,2] [--repeat N] [--bin build/bin]
        [--chunk-size N] [--keep]

--keep keeps each run's database and names it and its bucket, so that two
builds' results can be compared (the bucket is never removed).

Not a test: ctest runs it only with the label "bench" (ctest -L bench).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from conftest import (as_principal, drop_database, free_port, kcat_consume, psql,  # noqa: E402
                      register_key, with_database)

EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# Four models and the ANOVA prefilter: the settings of the pipeline tests.
ANALYSIS = ["--prefilter", "anova", "--p-cutoff", "0.05", "--fold-filter", "1.5",
            "--models", "hill,power,linear,exp3"]


def s3_put_bucket(env, bucket):
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
            "aws:amz:us-east-1:s3", "--user",
            f"{env['BMDSTREAM_S3_ACCESS_KEY']}:{env['BMDSTREAM_S3_SECRET_KEY']}",
            "-H", f"x-amz-content-sha256: {EMPTY_SHA}", "-X", "PUT",
            env["BMDSTREAM_S3_ENDPOINT"] + "/" + bucket]
    return subprocess.run(args, capture_output=True, text=True).stdout


def event_ms(bootstrap, topic):
    """Kafka timestamps (ms) of a topic's events."""
    return [e["ts"] for e in kcat_consume(bootstrap, topic)]


def run(binary, matrix, workers, base_url, bootstrap, logs, keep=False, chunk_size=None):
    name = "bs_bench_" + uuid.uuid4().hex[:10]
    psql(base_url, f"CREATE DATABASE {name}")
    url = with_database(base_url, name)
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    bucket = f"bs-bench-{uuid.uuid4().hex[:10]}"
    env = dict(os.environ, BMDSTREAM_DATABASE_URL=url, BMDSTREAM_TOPIC_PREFIX=prefix,
               BMDSTREAM_S3_BUCKET=bucket, BMDSTREAM_KAFKA_BOOTSTRAP=bootstrap)
    procs, workers_procs, stage_procs = [], [], {}

    def bm(*args, stdin="", as_env=None):
        out = subprocess.run([os.path.join(binary, "bmdstream"), *args], input=stdin,
                             capture_output=True, text=True, env=as_env or env, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"bmdstream {' '.join(args)}: {out.stderr}")
        return out.stdout

    def start(stage, tag, *flags):
        log = open(os.path.join(logs, f"{prefix}{tag}.log"), "w")
        procs.append(subprocess.Popen(
            [os.path.join(binary, f"bmdstream-{stage}"), "--log-level",
             "info" if stage in ("bmd", "prefilter") else "notice", "--metrics-port",
             str(free_port()), *flags],
            env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
        assert s3_put_bucket(env, bucket) == "200"
        bm("migrate")
        bm("acl", "apply")
        bm("topics", "--partitions", "3")
        bm("user", "add", "--username", "ana", "--email", "ana@x", stdin="password-ana\n")
        project = bm("project", "add", "--user", "ana", "--name", "bench").strip()
        ana = int(psql(url, "SELECT id FROM users WHERE username = 'ana'"))
        env["BMDSTREAM_SIGNING_KEY"] = register_key(bm_result(bm), "ana", ana)
        for stage in ("tracker", "prefilter", "category"):
            start(stage, stage)
            stage_procs[stage] = procs[-1]
        for w in range(workers):
            start("bmd", f"bmd{w}", "--threads", "1",
                  *(["--chunk-size", str(chunk_size)] if chunk_size else []))
            workers_procs.append(procs[-1])
        # every worker owns its share of the work topic before the clock starts
        deadline = time.time() + 120
        while time.time() < deadline:
            # only the admin may describe another principal's group
            lag = json.loads(bm("lag", "--group", f"{prefix}bmdstream-bmd", "--json",
                                as_env=as_principal(env, "bmdstream-admin")))
            owners = {p["consumer_id"] for g in lag["groups"] for p in g["partitions"]
                      if p["consumer_id"] and p["topic"].endswith("bmd-chunks")}
            if len(owners) == workers:
                break
            time.sleep(1)
        else:
            raise RuntimeError(f"the {workers} BMD workers did not all join")
        load = os.getloadavg()[0]
        cpu0 = {**services_cpu(), **{tag: cpu_seconds(p.pid) for tag, p in stage_procs.items()}}
        t0 = time.time()
        out = subprocess.run([os.path.join(binary, "bmdstream-import"), "--user", "ana",
                              "--project", project, "--matrix", matrix, *ANALYSIS],
                             capture_output=True, text=True, env=env, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        job = out.stdout.strip()
        # polled once a second: each poll is a psql process, whose CPU the
        # 2-worker run (both cores busy) would pay for; the end is the
        # job's completed_at, not the poll that saw it
        while True:
            row = psql(url, f"SELECT status, coalesce(error_message, '') FROM jobs "
                            f"WHERE id = '{job}'").strip()
            if row.startswith("COMPLETED") or row.startswith("FAILED"):
                break
            time.sleep(1.0)
        cpu = [cpu_seconds(p.pid) for p in workers_procs]
        # what else ran on the cores meanwhile: the services and the other stages
        cpu1 = {**services_cpu(), **{tag: cpu_seconds(p.pid) for tag, p in stage_procs.items()}}
        others = {k: round(cpu1[k] - cpu0[k], 2) for k in cpu1 if k in cpu0}
        if not row.startswith("COMPLETED"):
            raise RuntimeError(f"job {job}: {row}")
        # timestamps are the database's local time without zone: as epoch
        # seconds they are off by the zone's offset, which the database tells
        offset = float(psql(url, "SELECT extract(epoch FROM now()::timestamp) - "
                                 "extract(epoch FROM now())"))
        t1 = float(psql(url, f"SELECT extract(epoch FROM completed_at) FROM jobs "
                             f"WHERE id = '{job}'")) - offset
        imported = min(event_ms(bootstrap, prefix + "experiment-imported")) / 1000
        prefiltered = min(event_ms(bootstrap, prefix + "prefilter-done")) / 1000
        bmd_done = min(event_ms(bootstrap, prefix + "bmd-done")) / 1000
        category_done = min(event_ms(bootstrap, prefix + "category-done")) / 1000
        chunks_out = min(event_ms(bootstrap, prefix + "bmd-chunks")) / 1000
        last_chunk = float(psql(url, "SELECT extract(epoch FROM max(done_at)) FROM bmd_chunks"))
        last_chunk -= offset
        n_chunks = int(psql(url, "SELECT count(*) FROM bmd_chunks"))
        passed = int(psql(url, "SELECT num_passed FROM prefilter_results"))
        fits = last_chunk - chunks_out
        total = t1 - t0
        # per worker, from its log: chunks fitted, seconds fitting and storing them
        per_worker, gather = [], ""
        for w in range(workers):
            text = open(os.path.join(logs, f"{prefix}bmd{w}.log")).read()
            done = re.findall(r"chunk \d+ of \d+, (\d+) probes, fitted in ([\d.]+) s, "
                              r"stored in ([\d.]+) s", text)
            per_worker.append({"chunks": len(done), "probes": sum(int(x[0]) for x in done),
                               "cpu_s": round(cpu[w], 2),
                               "fitting_s": round(sum(float(x[1]) for x in done), 2),
                               "storing_s": round(sum(float(x[2]) for x in done), 2)})
            gather += " ".join(re.findall(r"(?:loaded in|bmd.tsv in|fits object in|and \d+ rows in) "
                                          r"[\d.]+ s", text))
        text = open(os.path.join(logs, f"{prefix}prefilter.log")).read()
        prefilter = " ".join(re.findall(r"(?:matrix loaded in|stored in|rows in) [\d.]+ s", text))
        return {
            "workers": workers, "probes_passed": passed, "chunks": n_chunks,
            "end_to_end_s": total,
            "import_s": imported - t0,
            "prefilter_s": prefiltered - imported,
            "bmd_s": bmd_done - prefiltered,
            "bmd_fits_s": fits,
            "bmd_gather_s": bmd_done - last_chunk,
            "category_s": category_done - bmd_done,
            "completed_after_category_s": t1 - category_done,
            "outside_analysis_s": total - fits,
            "probes_per_s": 20000 / total,
            "fitted_probes_per_s": passed / fits,
            "load_average_at_start": load,
            "other_cpu_s": others,
            "per_worker": per_worker,
            "gather": gather,
            "prefilter": prefilter,
            **({"database": name, "bucket": bucket} if keep else {}),
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        if not keep:
            drop_database(base_url, name)


def services_cpu():
    """CPU seconds so far of the stack's services (scripts/stack.sh's
    recorded PIDs): Kafka, S3Proxy and PostgreSQL (the postmaster, the
    backends it reaped and those alive). Empty when the stack's state is
    elsewhere."""
    state = os.path.join(os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state")),
                         "stack")
    out = {}
    for name, path in (("kafka", "kafka/kafka.pid"), ("s3proxy", "s3/s3proxy.pid"),
                       ("postgres", "pg/data/postmaster.pid")):
        try:
            with open(os.path.join(state, path)) as f:
                pid = int(f.readline())
            out[name] = cpu_seconds(pid, children=True)
        except (OSError, ValueError):
            continue
        if name == "postgres":
            for child in child_pids(pid):
                try:
                    out[name] += cpu_seconds(child)
                except OSError:  # a backend that ended meanwhile
                    continue
    return out


def child_pids(parent):
    """The live children of parent (/proc/PID/stat's ppid)."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                        kids.append(int(d))
            except (OSError, ValueError, IndexError):
                continue
    return kids


def cpu_seconds(pid, children=False):
    """User + system CPU seconds of a live process (/proc/PID/stat), with
    children: and of the children it waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def bm_result(bm):
    """register_key's runner: bmdstream with the deployment's environment,
    answering a CompletedProcess."""
    def call(*args, stdin=""):
        try:
            out = bm(*args, stdin=stdin)
            return subprocess.CompletedProcess(args, 0, out, "")
        except RuntimeError as e:
            return subprocess.CompletedProcess(args, 1, "", str(e))
    return call


def main():
    ap = argparse.ArgumentParser(description="pipeline benchmark: 1 vs 2 BMD workers")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--keep", action="store_true",
                    help="keep each run's database (and name it and its bucket), to compare "
                         "the results of two builds")
    ap.add_argument("--chunk-size", type=int,
                    help="the BMD stage's chunk_size (default: the stage's own)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run every worker count this many times, the counts alternated, and "
                         "compare medians (a single run's time varies by 10%% on a shared "
                         "machine)")
    a = ap.parse_args()
    base_url = os.environ["BMDSTREAM_DATABASE_URL"]
    bootstrap = os.environ["BMDSTREAM_KAFKA_BOOTSTRAP"]
    logs = tempfile.mkdtemp(prefix="bs-bench-")
    matrix = os.path.join(logs, "synthetic-20000.txt")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_experiment.py"), matrix,
                    "--seed", str(a.seed)], check=True)
    counts = [int(x) for x in a.workers.split(",")]
    results = {w: [] for w in counts}
    for rep in range(a.repeat):
        # alternated, and the order reversed every other round, so that
        # neither count always runs first
        for w in (counts if rep % 2 == 0 else counts[::-1]):
            r = run(a.bin, matrix, w, base_url, bootstrap, logs, a.keep, a.chunk_size)
            results[w].append(r)
            print(json.dumps({k: round(v, 2) if isinstance(v, float) else v
                              for k, v in r.items()}), flush=True)
    if len(counts) >= 2:
        one, two = sorted(counts)[:2]
        print(speed_up(results[one], results[two]))
    print(f"logs: {logs}")


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def work_cpu(run):
    """The workers' CPU seconds of a run, all together: the same work each
    time, so more seconds mean the machine ran slower."""
    return sum(w["cpu_s"] for w in run["per_worker"])


def equal_speed(fewer, more):
    """The end-to-end times at one machine speed: for each worker count a
    least-squares line of the time against the workers' CPU seconds, read
    at the median of those seconds over every run; None with fewer than 3
    runs of a count or no spread in their seconds."""
    every = [work_cpu(r) for r in fewer + more]
    at = median(every)
    times = []
    for runs in (fewer, more):
        xs = [work_cpu(r) for r in runs]
        ys = [r["end_to_end_s"] for r in runs]
        n = len(xs)
        mx, my = sum(xs) / n, sum(ys) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        if n < 3 or sxx == 0:
            return None
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
        times.append(my + slope * (at - mx))
    return (f"at one machine speed (each count's times fitted against its workers' CPU "
            f"seconds, read at {at:.2f} s): {times[0]:.2f} s with {fewer[0]['workers']}, "
            f"{times[1]:.2f} s with {more[0]['workers']}: speed-up {times[0] / times[1]:.2f}")


def speed_up(fewer, more):
    """The speed-up of the runs with more workers over those with fewer,
    from the medians of their times, and the bound the work's split puts
    on the fits' speed-up (the fits' CPU time over the busiest worker's)."""
    def med(runs, key):
        return median([r[key] for r in runs])
    lines = []
    for key, what in (("end_to_end_s", "end to end"), ("bmd_fits_s", "of the BMD fits"),
                      ("outside_analysis_s", "outside the fits")):
        a, b = med(fewer, key), med(more, key)
        lines.append(f"{what}: {a:.2f} s with {fewer[0]['workers']}, {b:.2f} s with "
                     f"{more[0]['workers']} (medians of {len(fewer)} and {len(more)} runs)"
                     + (f": speed-up {a / b:.2f}" if key != "outside_analysis_s" else ""))
    # the same work's CPU seconds: when they differ between the counts the
    # machine ran at another speed, and the ratio above says so little
    work = [median([work_cpu(r) for r in runs]) for runs in (fewer, more)]
    lines.append(f"the workers' CPU seconds, all together (medians): {work[0]:.2f} with "
                 f"{fewer[0]['workers']}, {work[1]:.2f} with {more[0]['workers']}")
    at_equal = equal_speed(fewer, more)
    if at_equal:
        lines.append(at_equal)
    cpu = [w["cpu_s"] for w in more[-1]["per_worker"]]
    lines.append(f"CPU seconds of the {more[-1]['workers']} workers (last run): {cpu}; the "
                 f"split's bound on the fits' speed-up: {sum(cpu) / max(cpu):.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
