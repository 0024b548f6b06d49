"""Recovery after a consumer is killed, on the real stack (issue 16, item 2).

- A BMD consumer SIGKILLed in the middle of a job and started again gets its
  partitions back within 10 s (static group membership: it rejoins under the
  same group.instance.id, so the coordinator does not wait for the dead
  member's session to expire), and the job completes with one result set.
  The figure is printed: seconds from the restart to the assignment and to
  the first message processed.
- `scripts/pipeline.sh start` run right after a SIGKILL restarts the killed
  consumer instead of taking the dying (or zombie) process for alive.
- Two instances started with the same explicit instance number: the second
  refuses to start, naming the holder; "auto" gives them different numbers.
"""
import datetime
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import free_port
from deploy import BIN, MATRICES, ROOT, STAGES, Deployment

ASSIGNED = re.compile(
    r"^(\S+) bmdstream-bmd INFO: rebalance \(\w+\): assigned ([1-9]\d*) partition", re.M)
PROCESSING = re.compile(r"^(\S+) bmdstream-bmd INFO topic=\S+prefilter-done \S+ \S+: processing",
                        re.M)
MEMBER = re.compile(r"static group member (\S+)")


def stamp(text):
    """A log line's time (UTC, ISO 8601 with milliseconds) as Unix time."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def wait_for(check, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def log(d, name):
    with open(d.logfile(name)) as f:
        return f.read()


def test_sigkill_mid_job_then_restart_resumes_within_10s(fresh_database, kafka_bootstrap,
                                                         report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=3)
    try:
        for s in STAGES:
            d.start(s)
        d.wait_healthy(STAGES)
        first = log(d, "bmd")
        job = d.import_matrix(MATRICES[1], "--p-cutoff", "0.05")
        # Killed while fitting: the message is in hand, its offset not stored.
        wait_for(lambda: PROCESSING.search(log(d, "bmd")), 120, "the BMD stage to take the job")
        time.sleep(1)
        member = MEMBER.search(first)
        assert member, first  # the instance runs as a static member
        d.stop("bmd", signal.SIGKILL)
        assert d.job(job)[0] == "RUNNING"

        restarted = time.time()
        d.start("bmd", "bmd-restarted")

        def resumed_log():
            text = log(d, "bmd-restarted")
            return text if ASSIGNED.search(text) and PROCESSING.search(text) else None
        text = wait_for(resumed_log, 90, "the restarted consumer to resume")
        assert MEMBER.search(text).group(1) == member.group(1)  # the same id again
        assigned = stamp(ASSIGNED.search(text).group(1)) - restarted
        resumed = stamp(PROCESSING.search(text).group(1)) - restarted
        report(f"recovery: restarted bmd consumer assigned its partitions after {assigned:.1f} s,"
              f" processing the job again after {resumed:.1f} s")
        assert assigned < 10 and resumed < 10, text

        assert d.wait_jobs([job], timeout=300)[job][0] == "COMPLETED"
        # One result set: the killed attempt left nothing twice.
        assert d.sql("SELECT count(*) FROM bmd_results") == "1"
        n = d.sql("SELECT num_results FROM bmd_results")
        assert d.sql("SELECT count(*) FROM probe_stat_results") == n
        assert d.sql("SELECT count(*) FROM category_results") == "1"
    finally:
        d.kill_all()


def proc_state(pid):
    """A process's state letter from /proc/PID/stat (R, S, D, Z, ...)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def pipeline_sh(env, *args):
    return subprocess.run([os.path.join(ROOT, "scripts", "pipeline.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=180)


def test_pipeline_sh_start_right_after_sigkill(fresh_database, kafka_bootstrap, report):
    """pipeline.sh records each consumer's PID; one SIGKILLed a moment ago
    (exiting, or a zombie nobody reaps) is not running, and `start` starts
    it again rather than failing with "exited"."""
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    state = tempfile.mkdtemp(prefix="pipeline-state-")
    # Four consecutive free ports from a random base for the metrics.
    port0 = free_port()
    while any(p > 65535 for p in range(port0, port0 + 4)):
        port0 = free_port()
    env = dict(d.env, BMDSTREAM_STATE_DIR=state, BMDSTREAM_METRICS_PORT0=str(port0))
    pidfile = os.path.join(state, "pipeline", "bmd.pid")
    try:
        out = pipeline_sh(env, "start", os.path.dirname(BIN))
        assert out.returncode == 0, out.stderr
        for attempt in range(3):
            old = int(open(pidfile).read().split()[0])
            os.kill(old, signal.SIGKILL)
            out = pipeline_sh(env, "start", os.path.dirname(BIN))  # at once
            assert out.returncode == 0, out.stderr
            report(f"pipeline.sh start right after SIGKILL of pid {old}: {out.stderr.strip()}")
            new = int(open(pidfile).read().split()[0])
            assert new != old
            status = pipeline_sh(env, "status")
            assert f"bmd running (pid {new})" in status.stderr, status.stderr
        # The tracker stopped behind pipeline.sh's back; then its PID file
        # names other processes.
        tracker = int(open(os.path.join(state, "pipeline", "tracker.pid")).read())
        os.kill(tracker, signal.SIGTERM)
        wait_for(lambda: not os.path.exists(f"/proc/{tracker}") or
                 proc_state(tracker) == "Z", 60, "the tracker to exit")
        # A zombie: a process that has exited but is not reaped (here: our
        # own child, which we do not wait for) is not running.
        zombie = subprocess.Popen(["sleep", "0.1"])
        time.sleep(0.5)
        assert proc_state(zombie.pid) == "Z"
        with open(os.path.join(state, "pipeline", "tracker.pid"), "w") as f:
            f.write(f"{zombie.pid}\n")
        status = pipeline_sh(env, "status")
        assert "tracker stopped" in status.stderr, status.stderr
        zombie.wait()
        # A reused PID: the file names a live process that is not the
        # consumer started (here: this test itself).
        with open(os.path.join(state, "pipeline", "tracker.pid"), "w") as f:
            f.write(f"{os.getpid()}\n")
        status = pipeline_sh(env, "status")
        assert "tracker stopped" in status.stderr, status.stderr
        out = pipeline_sh(env, "start", os.path.dirname(BIN))
        assert out.returncode == 0, out.stderr
        assert "tracker running" in pipeline_sh(env, "status").stderr
    finally:
        out = pipeline_sh(env, "stop")
        assert out.returncode == 0, out.stderr
        d.kill_all()


def test_instance_numbers_are_never_shared(fresh_database, kafka_bootstrap, report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=2)
    try:
        d.start("bmd", "a")
        d.start("bmd", "b")
        d.wait_healthy(["a", "b"])
        ids = {MEMBER.search(log(d, n)).group(1) for n in ("a", "b")}
        assert len(ids) == 2, ids  # auto: the lowest number free, each its own
        # An explicit number another live instance holds is refused.
        taken = sorted(ids)[0].rsplit("-", 1)[1]
        out = d.run(os.path.join(BIN, "bmdstream-bmd"), "--instance", taken, timeout=60)
        assert out.returncode == 1 and f"instance {taken} of group" in out.stderr, out.stderr
        assert "held by a live process" in out.stderr, out.stderr
        bad = d.run(os.path.join(BIN, "bmdstream-bmd"), "--instance", "x1", timeout=60)
        assert bad.returncode == 1 and "instance" in bad.stderr and "x1" in bad.stderr

        # SIGTERM: a static member still leaves its group at once, well
        # before its 10 s session would expire.
        t0 = time.time()
        assert d.stop("b") == 0
        wait_for(lambda: lag_members(d) == 1, 30, "b to leave the group")
        left = time.time() - t0
        report(f"recovery: a SIGTERMed static member left its group after {left:.1f} s")
        assert left < 8

        # The same id from another "host" (same host name, its own lock
        # directory): Kafka keeps the newest member; the older one is
        # fenced and exits for a restart, saying why.
        a_id = MEMBER.search(log(d, "a")).group(1)
        d.env.update(BMDSTREAM_LOCK_DIR=tempfile.mkdtemp(prefix="other-host-"),
                     BMDSTREAM_INSTANCE=a_id.rsplit("-", 1)[1])
        d.start("bmd", "c")
        d.wait_healthy(["c"])
        assert MEMBER.search(log(d, "c")).group(1) == a_id
        wait_for(lambda: d.procs["a"].poll() is not None, 60, "a to be fenced")
        assert d.procs["a"].returncode == 1
        assert "FENCED_INSTANCE_ID" in log(d, "a"), log(d, "a")
        assert d.procs["c"].poll() is None
    finally:
        d.kill_all()


def lag_members(d):
    import json
    out = d.bm("lag", "--group", d.group("bmd"), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["groups"][0]["members"]
