"""The runbook's commands work as written: every fenced ```sh block of
docs/runbook.md is named (id=...) and is either run here, as written, by
bash against the real stack (Kafka, PostgreSQL, S3Proxy) in a deployment of
its own, with its effect checked, or marked skip="reason" (needs a Docker
engine, SASL, ...). The deployment-specific values the runbook writes as
shell variables (PROJECT, SINCE, METRICS_PORT, ...) are set by the test."""
import datetime
import glob
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import event, free_port, kafka_credentials, kcat_consume, key_id, psql
from deploy import BIN, JARS, MATRICES, ROOT, STAGES, Deployment, s3

RUNBOOK = os.path.join(ROOT, "docs", "runbook.md")
# Two models keep the five BMD runs short under the sanitizers (replays
# keep the job's settings).
FAST = ["--models", "linear,power"]
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
# The blocks the test below runs; every unskipped block must be one.
RUN = {"watch-lag", "scale-out", "add-partitions", "scale-in", "replay-experiment",
       "reset-group", "dead-letters", "redrive", "rotate-database", "users", "migrate",
       "rotate-kafka", "rotate-signing-key", "rotate-database-role"}


def blocks():
    text = open(RUNBOOK).read()
    found = {}
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        info = m.group("info").split(None, 1)
        assert info and info[0] == "sh", f"{RUNBOOK}:{line}: a code block that is not ```sh"
        ident = re.search(r"\bid=([\w-]+)", m.group("info"))
        assert ident, f"{RUNBOOK}:{line}: a ```sh block without id="
        assert ident.group(1) not in found, f"{RUNBOOK}:{line}: id {ident.group(1)} twice"
        skip = re.search(r'\bskip="([^"]+)"', m.group("info"))
        found[ident.group(1)] = (m.group("body"), skip.group(1) if skip else None, line)
    return found


def test_every_block_is_named_and_run_or_skipped():
    found = blocks()
    runnable = {k for k, (_, skip, _) in found.items() if not skip}
    assert runnable == RUN, f"blocks not run here: {runnable - RUN}; gone: {RUN - runnable}"
    assert all(skip for k, (_, skip, _) in found.items() if k not in RUN)


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class Runbook:
    def __init__(self, d, cwd):
        self.d, self.cwd, self.blocks = d, cwd, blocks()
        self.t0 = time.time()

    def sh(self, ident, env=None, **values):
        """Runs block `ident` with bash -e, as an operator would paste it;
        returns its output and the environment it ended with."""
        print(f"runbook: block {ident} at {time.time() - self.t0:.0f} s")
        body, skip, line = self.blocks[ident]
        assert not skip
        run_env = dict(env or self.d.env, PATH=BIN + os.pathsep + os.environ["PATH"],
                       **{k: str(v) for k, v in values.items()})
        dump = os.path.join(self.cwd, f".env-{ident}")
        out = subprocess.run(["bash", "-e", "-o", "pipefail", "-c",
                              body + f'\nenv -0 >"{dump}"\n'], cwd=self.cwd, env=run_env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, (f"runbook block {ident} (docs/runbook.md:{line}) failed:\n"
                                     f"{out.stdout}\n{out.stderr}")
        after = dict(kv.split("=", 1) for kv in open(dump).read().split("\0") if "=" in kv)
        return out.stdout + out.stderr, after


def lag(d, stage):
    out = d.bm("lag", "--group", d.group(stage), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["groups"][0]


def wait_for(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = check()
        if v:
            return v
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def results(d):
    return d.sql("SELECT b.id, b.experiment_id, b.num_results, (SELECT string_agg(best_bmd::text,"
                 " ',' ORDER BY probe_id) FROM probe_stat_results s WHERE s.bmd_result_id = b.id)"
                 " FROM bmd_results b ORDER BY b.id")


def test_runbook_commands_work_as_written(fresh_database, kafka_bootstrap):
    t_start = time.time()
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=3)
    cwd = tempfile.mkdtemp(prefix="runbook-")
    rb = Runbook(d, cwd)
    try:
        # Upgrading the schema, on an empty database: all files, then none.
        empty = fresh_database()
        out, _ = rb.sh("migrate", env=dict(d.env, BMDSTREAM_DATABASE_URL=empty))
        nfiles = len(glob.glob(os.path.join(ROOT, "sql", "[0-9]*.sql")))
        assert f"migrations: {nfiles} applied now, 0 already applied" in out
        assert f"migrations: 0 applied now, {nfiles} already applied" in out
        assert psql(empty, "SELECT count(*) FROM schema_migrations").strip() == str(nfiles)

        for s in STAGES:
            d.start(s)
        d.wait_healthy(STAGES)
        first = d.import_matrix(MATRICES[0], *FAST)
        assert d.wait_jobs([first])[first][0] == "COMPLETED"

        # Watching lag: the table, the JSON, the alert line, one instance's view
        # (once the BMD stage has committed: offsets are committed every 5 s).
        wait_for(lambda: (g := lag(d, "bmd"))["total_lag"] == 0 and g["state"] == "Stable" and
                 all(p["committed_offset"] is not None for p in g["partitions"]
                     if p["log_end_offset"] > 0), 30, "the BMD stage's commit")
        out, _ = rb.sh("watch-lag", METRICS_PORT=d.ports["bmd"])
        assert f"GROUP {d.group('bmd')}  state Stable  members 1  total lag 0" in out
        assert f'"group": "{d.group("bmd")}"' in out and "ALERT" not in out
        assert f'bmdstream_messages_processed_total{{topic="{d.prefix}prefilter-done"}} 1' in out
        assert '"status":"ok"' in out

        # Scaling a stage out: a second BMD instance joins and shares the partitions ...
        rb.sh("scale-out", METRICS_PORT=free_port())
        pid = int(open(os.path.join(cwd, "bmd-2.pid")).read())

        def shared():
            g = lag(d, "bmd")
            owners = {p["consumer_id"] for p in g["partitions"] if p["consumer_id"]}
            return g["members"] == 2 and len(owners) == 2
        wait_for(shared, 90, "two BMD instances sharing the partitions")
        # ... partitions are added ...
        rb.sh("add-partitions", KAFKA_JARS=JARS)
        meta = json.loads(subprocess.run(
            ["kcat", "-L", "-J", "-b", kafka_bootstrap, "-t", d.prefix + "prefilter-done"],
            capture_output=True, text=True, check=True).stdout)
        assert len(meta["topics"][0]["partitions"]) == 6
        # ... and it is stopped again: it leaves the group cleanly.
        rb.sh("scale-in")
        wait_for(lambda: not os.path.exists(f"/proc/{pid}") or
                 open(f"/proc/{pid}/stat").read().split()[2] == "Z", 60, "bmd-2 to exit")
        assert "shutting down" in open(os.path.join(cwd, "bmd-2.log")).read()
        wait_for(lambda: lag(d, "bmd")["members"] == 1, 60, "bmd-2 to leave the group")

        # Replaying: a dry run makes no job, a plain re-run changes no
        # result, new settings make a new result version beside the old.
        before = results(d)
        since = now()
        out, _ = rb.sh("replay-experiment", PROJECT=d.project, EXPERIMENT=1)
        assert "would re-run experiment 1 with" in out
        new_jobs = re.findall(r"experiment 1: job ([0-9a-f-]{36})", out)
        assert len(new_jobs) == 2, out
        done = d.wait_jobs(new_jobs)
        assert all(v[0] == "COMPLETED" for v in done.values()), done
        assert d.sql("SELECT count(*) FROM jobs") == "3"
        after = results(d)
        assert after.startswith(before) and after != before
        assert d.sql("SELECT count(*) FROM bmd_results WHERE experiment_id = 1") == "2"
        assert d.sql("SELECT count(*) FROM prefilter_results") == "1"  # same prefilter settings

        # Re-processing since a time: stop the stage, move the group back,
        # start it again; everything since SINCE is processed once more and
        # changes no result.
        assert d.stop("bmd") == 0
        wait_for(lambda: lag(d, "bmd")["members"] == 0, 60, "the BMD group to empty")
        out, _ = rb.sh("reset-group", SINCE=stamp(since))
        assert f"would reset group {d.group('bmd')}" in out and f"\nreset group" in out
        since_ms = since.timestamp() * 1000
        redo = [e for e in kcat_consume(kafka_bootstrap, d.prefix + "prefilter-done")
                if e["ts"] >= since_ms]
        assert lag(d, "bmd")["total_lag"] == len(redo) >= 2
        d.start("bmd")
        wait_for(lambda: lag(d, "bmd")["total_lag"] == 0, 150, "the BMD stage to catch up")
        time.sleep(1)
        assert results(d) == after

        # Dead letters: an experiment whose matrix object is missing fails
        # to dead-letter; once the object is there, re-driving the window
        # processes it.
        params = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{first}'"))
        key1 = params["matrix_key"]
        key500 = key1.replace("/experiments/1/", "/experiments/500/")
        d.sql("INSERT INTO dose_response_experiments (id, project_id, name, log_transformation,"
              " expression_matrix_s3_key, num_probes, num_treatments) SELECT 500, project_id,"
              f" 'ghost', log_transformation, '{key500}', num_probes, num_treatments"
              " FROM dose_response_experiments WHERE id = 1")
        ghost = "00000000-0000-4000-8000-" + os.urandom(6).hex()
        d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status) VALUES"
              f" ('{ghost}', {d.ana}, {d.project}, 'analysis', 'QUEUED')")
        t_from = now() - datetime.timedelta(seconds=1)
        data = dict(params, job_id=ghost, experiment_id=500, matrix_key=key500)
        subprocess.run(["kcat", "-P", "-b", kafka_bootstrap, "-t",
                        d.prefix + "experiment-imported", "-k", "500"],
                       input=json.dumps(event("experiment-imported", data)), text=True,
                       check=True, timeout=30)
        assert d.wait_jobs([ghost])[ghost][0] == "FAILED"
        t_to = now() + datetime.timedelta(seconds=1)
        out, _ = rb.sh("dead-letters")
        assert "prefilter" in out and d.prefix + "experiment-imported" in out
        assert '"dlq.topic"' in out and "missing" in out
        matrix = os.path.join(cwd, "matrix.bin")
        assert s3(d.env, "GET", f"/{d.bucket}/{key1}", out=matrix) == "200"
        assert s3(d.env, "PUT", f"/{d.bucket}/{key500}", data=matrix) == "200"
        out, _ = rb.sh("redrive", FROM=stamp(t_from), TO=stamp(t_to))
        assert "would re-publish 1 message(s)" in out and "re-published 1 message(s)" in out
        wait_for(lambda: d.sql("SELECT count(*) FROM prefilter_results WHERE"
                               " experiment_id = 500") == "1", 90, "the re-driven record")
        assert d.job(ghost)[0] == "FAILED"  # as the runbook says

        # Users: a password replaced and checked.
        out, _ = rb.sh("users", USERNAME="ana", PW="rotated-password-1")
        assert "password changed" in out and "password ok" in out

        # Rotating ana's signing key: the new key imports (below, with the
        # new database password), the old one is refused.
        old_key = d.env["BMDSTREAM_SIGNING_KEY"]
        out, after_env = rb.sh("rotate-signing-key", USERNAME="ana", OLD_KEY_ID=key_id(d.ana),
                               NEW_KEY=os.path.join(cwd, "ana-2.key"))
        assert f"revoked {key_id(d.ana)}" in out
        d.env["BMDSTREAM_SIGNING_KEY"] = after_env["BMDSTREAM_SIGNING_KEY"]
        stale = d.run(os.path.join(BIN, "bmdstream-import"), "--key", old_key, "--project",
                      str(d.project), "--matrix", MATRICES[0])
        assert stale.returncode != 0 and "not an active key" in stale.stderr, stale.stderr

        # Rotating the database password: the old URL stops working, the
        # new one works, and an instance restarted with it is healthy.
        old_url = d.env["BMDSTREAM_DATABASE_URL"]
        new_url = None
        try:
            _, after_env = rb.sh("rotate-database")
            new_url = after_env["BMDSTREAM_DATABASE_URL"]
            assert new_url != old_url
            refused = subprocess.run(["psql", old_url, "-qAtc", "SELECT 1"],
                                     capture_output=True, text=True)
            assert refused.returncode != 0 and "password authentication failed" in refused.stderr
            assert psql(new_url, "SELECT 1").strip() == "1"
            assert d.stop("tracker") == 0
            d.env["BMDSTREAM_DATABASE_URL"] = d.url = new_url
            d.start("tracker")
            d.wait_healthy(["tracker"])
            job = d.import_matrix(MATRICES[0], *FAST)  # reaches the tracker with the new password
            wait_for(lambda: d.job(job)[0] != "QUEUED", 60, "the restarted tracker")
        finally:
            # Put the shared stack's password back.
            old_pw = re.match(r"postgresql://[^:]*:([^@]*)@", old_url).group(1)
            for url in (new_url, old_url):
                if url and subprocess.run(
                        ["psql", url, "-qc", f"ALTER ROLE CURRENT_USER PASSWORD '{old_pw}'"],
                        capture_output=True).returncode == 0:
                    break
            d.env["BMDSTREAM_DATABASE_URL"] = d.url = old_url
        assert psql(old_url, "SELECT 1").strip() == "1"

        # Rotating a program's database role: the tracker's old password is
        # refused, the new one works, and the tracker restarted with its new
        # file keeps the jobs current. (In a copy of the credentials
        # directory; the role's password is put back afterwards.)
        creds_dir = os.environ.get("BMDSTREAM_DATABASE_CREDENTIALS")
        if creds_dir:
            copy_dir = os.path.join(cwd, "pg-credentials")
            shutil.copytree(creds_dir, copy_dir)
            old_file = open(os.path.join(creds_dir, "bmdstream-tracker.conninfo")).read()
            old_pw = re.search(r"password=(\S+)", old_file).group(1)
            try:
                rb.sh("rotate-database-role", DIR=copy_dir, PRINCIPAL="bmdstream-tracker")
                new_file = open(os.path.join(copy_dir, "bmdstream-tracker.conninfo")).read()
                assert new_file != old_file and "user=bmdstream_tracker " in new_file
                assert stat.S_IMODE(os.stat(os.path.join(copy_dir,
                                                         "bmdstream-tracker.conninfo")).st_mode) \
                    == 0o600
                host = re.sub(r"^postgresql://[^@]*@", "", d.url)
                new_pw = re.search(r"password=(\S+)", new_file).group(1)
                for pw, ok in ((old_pw, False), (new_pw, True)):
                    r = subprocess.run(["psql", f"postgresql://bmdstream_tracker:{pw}@{host}",
                                        "-qAtc", "SELECT current_user"],
                                       capture_output=True, text=True)
                    assert (r.returncode == 0) == ok, r.stderr
                assert d.stop("tracker") == 0
                d.env["BMDSTREAM_DATABASE_CREDENTIALS"] = copy_dir
                d.start("tracker")
                d.wait_healthy(["tracker"])
                job = d.import_matrix(MATRICES[0], *FAST)
                wait_for(lambda: d.job(job)[0] != "QUEUED", 60, "the tracker with its new file")
            finally:
                psql(d.url, f"ALTER ROLE bmdstream_tracker PASSWORD '{old_pw}'")
                d.env["BMDSTREAM_DATABASE_CREDENTIALS"] = creds_dir

        # Rotating a Kafka password (last: it restarts the shared broker):
        # the old password is refused, the new one works, and the stages,
        # restarted, finish a job.
        if kafka_credentials("bmdstream-tracker"):
            creds = kafka_credentials("bmdstream-tracker")
            old_creds = os.path.join(cwd, "tracker-old.properties")
            shutil.copy(creds, old_creds)
            out, _ = rb.sh("rotate-kafka", STACK=os.path.join(ROOT, "scripts", "stack.sh"),
                           PRINCIPAL="bmdstream-tracker")
            assert "bmdstream-tracker has a new Kafka password" in out
            assert open(creds).read() != open(old_creds).read()
            for path, ok in ((old_creds, False), (creds, True)):
                meta = subprocess.run(["kcat", "-F", path, "-L", "-b", kafka_bootstrap, "-m", "10",
                                       "-t", d.prefix + "job-events"],
                                      capture_output=True, text=True, timeout=60)
                assert (meta.returncode == 0) == ok, meta.stderr
                assert ok or "Invalid username or password" in meta.stderr, meta.stderr
            d.kill_all()
            for s in STAGES:
                d.start(s)
            d.wait_healthy(STAGES)
            job = d.import_matrix(MATRICES[0], *FAST)
            assert d.wait_jobs([job])[job][0] == "COMPLETED"
        print(f"runbook: {len(RUN)} blocks run in {time.time() - t_start:.0f} s")
    finally:
        d.kill_all()
        pidfile = os.path.join(cwd, "bmd-2.pid")
        if os.path.exists(pidfile):
            try:
                os.kill(int(open(pidfile).read()), signal.SIGKILL)
            except ProcessLookupError:
                pass
