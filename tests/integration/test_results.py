"""`bmdstream results` on the real stack (Kafka, PostgreSQL, S3Proxy):

- a job run to COMPLETED by the four consumers: `--list` names every object
  under the job's three export prefixes with its size, as an independent S3
  listing (curl) shows them, and `--out DIR` writes exactly those files,
  byte for byte the objects (fetched again with curl), with no temporary
  file left; progress is one plain line per step when stderr is a pipe;
- the prefixes the stages recorded for the job (job_results) are the ones
  the result tables name;
- refusals, each with exit status 1, a message that says why, and nothing
  written: an unknown job, another user's job (told apart from an unknown
  one in no way), a job still RUNNING, a FAILED job, a COMPLETED job with
  no recorded exports, and a recorded prefix outside the job's project.
"""
import html
import os
import re
import uuid
from urllib.parse import quote

import pytest

from deploy import MATRICES, STAGES, Deployment, s3


def s3_objects(d, prefix, tmp_path):
    """{key: size} under prefix, listed by curl (ListObjectsV2)."""
    listing = tmp_path / f"list-{uuid.uuid4().hex[:6]}.xml"
    query = f"list-type=2&max-keys=1000&prefix={quote(prefix, safe='')}"
    assert s3(d.env, "GET", f"/{d.bucket}?{query}", str(listing)) == "200"
    text = listing.read_text()
    assert "<IsTruncated>false</IsTruncated>" in text
    keys = [html.unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", text)]
    sizes = [int(s) for s in re.findall(r"<Size>(\d+)</Size>", text)]
    assert len(keys) == len(sizes)
    return dict(zip(keys, sizes))


def results(d, *args):
    return d.bm("results", *args)


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup()
    out = d.bm("user", "add", "--username", "bob", "--email", "bob@x", stdin="password-bob\n")
    assert out.returncode == 0, out.stderr
    d.bob_project = int(d.bm("project", "add", "--user", "bob", "--name", "q").stdout)
    yield d
    d.kill_all()


def test_fetch_and_list_a_completed_job(dep, tmp_path):
    d = dep
    for s in STAGES:
        d.start(s)
    job = d.import_matrix(MATRICES[0])
    assert d.wait_jobs([job], timeout=600)[job][0] == "COMPLETED"

    # The job's exports, from the result tables (not from job_results).
    pre = d.sql("SELECT results_s3_key FROM prefilter_results")
    bmd = f"projects/{d.project}/exports/bmd/" + d.sql("SELECT id FROM bmd_results")
    cat = d.sql("SELECT results_s3_key FROM category_results")
    recorded = d.sql(f"SELECT stage, export_prefix FROM job_results WHERE job_id = '{job}'"
                     " ORDER BY stage")
    assert recorded.splitlines() == [f"bmd|{bmd}", f"category|{cat}", f"prefilter|{pre}"]
    expected = {}
    for prefix in (pre, bmd, cat):
        for key, size in s3_objects(d, prefix + "/", tmp_path).items():
            expected[key[len(prefix) + 1:]] = (key, size)
    for name in ("prefilter.tsv", "bmd.tsv", "categories.tsv", "results.csv", "tpod.json",
                 "plots/gene_accumulation.svg", "plots/category_accumulation.svg"):
        assert name in expected, name

    listed = results(d, job, "--user", "ana", "--list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert all(len(r) == 2 for r in rows), listed.stdout
    assert {name: int(size) for name, size in rows} == {n: s for n, (_, s) in expected.items()}
    assert len(rows) == len(expected)

    out = tmp_path / "out"
    got = results(d, job, "--user", "ana", "--out", str(out), "--progress-min-bytes", "0")
    assert got.returncode == 0, got.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted(expected)
    for name, (key, size) in expected.items():
        peer = tmp_path / "peer.bin"
        assert s3(d.env, "GET", f"/{d.bucket}/{key}", str(peer)) == "200"
        assert (out / name).read_bytes() == peer.read_bytes(), name
        assert (out / name).stat().st_size == size
    # Progress to a pipe: plain lines, no carriage returns, ending at 100%.
    total = sum(s for _, s in expected.values())
    assert "\r" not in got.stderr
    steps = re.findall(r"^bmdstream results: +(\d+)% (\d+) of (\d+) bytes fetched$", got.stderr,
                       re.M)
    assert len(steps) >= 2 and all(int(t) == total for _, _, t in steps)
    assert steps[-1][:2] == ("100", str(total))
    assert [int(done) for _, done, _ in steps] == sorted(int(done) for _, done, _ in steps)
    assert f"{len(expected)} files, {total} bytes, in {out}" in got.stderr

    # Again into the same folder, with the default threshold: the files
    # are replaced whole; progress only when the files reach 1 MiB.
    again = results(d, job, "--user", "ana", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert ("bytes fetched" in again.stderr) == (total >= 1048576)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == written


def job_row(d, status, progress, message, error=None):
    job = str(uuid.uuid4())
    err = "NULL" if error is None else f"'{error}'"
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status, progress, message,"
          f" error_message) VALUES ('{job}', {d.ana}, {d.project}, 'analysis', '{status}',"
          f" {progress}, '{message}', {err})")
    return job


def refused(d, tmp_path, job, user, *expect):
    out = tmp_path / ("out-" + uuid.uuid4().hex[:6])
    for args in (["--list"], ["--out", str(out)]):
        got = results(d, job, "--user", user, *args)
        assert got.returncode == 1, (args, got.stderr)
        assert got.stdout == ""
        for text in expect:
            assert text in got.stderr, (text, got.stderr)
    assert not out.exists()
    return got.stderr


def test_refusals(dep, tmp_path):
    d = dep
    unknown = str(uuid.uuid4())
    refused(d, tmp_path, unknown, "ana", f"no job {unknown} of user ana")
    running = job_row(d, "RUNNING", 0.42, "BMD analysis started")
    refused(d, tmp_path, running, "ana", f"job {running} is RUNNING (42%: BMD analysis started)",
            "once it is COMPLETED")
    # Another user's job reads exactly like a job that does not exist.
    assert (refused(d, tmp_path, running, "bob", f"no job {running} of user bob")
            == f"bmdstream results: no job {running} of user bob\n")
    refused(d, tmp_path, running, "nobody", "nobody")
    failed = job_row(d, "FAILED", 0.1, "failed", "permanent: matrix.bin: no such object")
    refused(d, tmp_path, failed, "ana", f"job {failed} FAILED",
            "matrix.bin: no such object", "no exports")
    done = job_row(d, "COMPLETED", 1.0, "completed: 50 categories")
    refused(d, tmp_path, done, "ana", "recorded no exports", "0002_job_results.sql")
    # A recorded prefix must lie in the job's own project.
    d.sql(f"INSERT INTO job_results (job_id, stage, result_id, export_prefix) VALUES ('{done}',"
          f" 'bmd', 1, 'projects/{d.bob_project}/exports/bmd/1')")
    refused(d, tmp_path, done, "ana", "forbidden", f"projects/{d.project}/")
    # A bad command line is exit status 2.
    for args in (["--list"], [done, "--user", "ana"], [done, "--user", "ana", "--list", "--out",
                                                        str(tmp_path / "x")],
                 [done, "--list"], [done, done, "--user", "ana", "--list"]):
        got = results(d, *args)
        assert got.returncode == 2, (args, got.stderr)
