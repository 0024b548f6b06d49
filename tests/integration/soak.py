"""Soak (issue 16, item 6): many experiments submitted at once to one set of
consumers, the optimised programs users run (ctest points BS_BIN_DIR at
build/bin).

- BS_SOAK_JOBS experiments (default 100) of mixed size (the three example
  matrices, two to four models) are imported back to back, before any
  stage has finished one;
- every job COMPLETES, with one result set per experiment;
- each consumer's resident memory (VmRSS) is sampled all along: the peak
  over the last half of the jobs may exceed the peak over the first half by
  at most 10% + 8 MiB (memory that grew with the number of jobs would
  exceed it by about as much as the first half took);
- `bmdstream lag --max-lag 0` says every stage's group drained to 0.

It prints the time taken, jobs per minute, and each consumer's RSS at the
start, after the first half and at the end. ctest runs it as soak (label
soak: scripts/test.sh -L soak), with the fault suite's 200-fault soak.
"""
import os
import threading
import time

from deploy import MATRICES, STAGES, Deployment
from fault_suite import drained

JOBS = int(os.environ.get("BS_SOAK_JOBS", "100"))
VARIANTS = [["--models", "linear,power"], ["--models", "hill,power,linear,exp3"],
            ["--models", "linear,exp3,power"]]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class RssSampler(threading.Thread):
    """Samples every consumer's RSS every 0.5 s, tagged with the number of
    jobs finished at that moment."""

    def __init__(self, d, finished):
        super().__init__(daemon=True)
        self.d, self.finished = d, finished
        self.samples = {s: [] for s in STAGES}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            done = self.finished()
            for s in STAGES:
                self.samples[s].append((done, rss_kib(self.d.procs[s].pid)))
            self.stop.wait(0.5)


def test_soak(fresh_database, kafka_bootstrap, report):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=3)
    try:
        for s in STAGES:
            d.start(s)
        d.wait_healthy(STAGES)
        start_rss = {s: rss_kib(d.procs[s].pid) for s in STAGES}
        counter = {"done": 0}
        sampler = RssSampler(d, lambda: counter["done"])
        sampler.start()
        t0 = time.time()
        jobs = [d.import_matrix(MATRICES[i % 3], *VARIANTS[i % len(VARIANTS)])
                for i in range(JOBS)]
        imported = time.time() - t0
        deadline = time.time() + 3600
        while time.time() < deadline:
            counter["done"] = int(d.sql("SELECT count(*) FROM jobs WHERE status IN"
                                        " ('COMPLETED', 'FAILED')"))
            if counter["done"] == JOBS:
                break
            time.sleep(1)
        took = time.time() - t0
        sampler.stop.set()
        sampler.join()
        rows = {j: d.job(j) for j in jobs}
        bad = {j: r for j, r in rows.items() if r[0] != "COMPLETED"}
        assert not bad, bad
        n = str(JOBS)
        for table in ("prefilter_results", "bmd_results", "category_results"):
            assert d.sql(f"SELECT count(*) FROM {table}") == n, table
        drained(d)
        lines = []
        for s in STAGES:
            first = max(r for done, r in sampler.samples[s] if done <= JOBS // 2)
            last = max(r for done, r in sampler.samples[s] if done > JOBS // 2)
            lines.append(f"{s} {start_rss[s] / 1024:.0f} -> {first / 1024:.0f} -> "
                         f"{last / 1024:.0f} MiB")
            assert last <= first * 1.10 + 8 * 1024, (s, first, last)
        report(f"soak: {JOBS} jobs imported in {imported:.0f} s, all COMPLETED after "
               f"{took:.0f} s ({JOBS / took * 60:.1f} jobs/min), lag 0; RSS start -> first "
               f"half peak -> second half peak: {'; '.join(lines)}")
    finally:
        d.kill_all()
