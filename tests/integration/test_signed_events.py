"""Signed experiment-imported events on the real stack (docs/security.md,
"Signed upstream events"): ana makes a key with `bmdstream user key
generate`, registers it, and imports with it (the job completes); events
built and signed here in Python (rfc8785 + cryptography, not our signer)
go through too. Then the first stage refuses, each as dead-letter class
`forbidden` with a message naming the cause, counted in
bmdstream_messages_failed_total{class="forbidden"}, with no job made, no
result written and an existing job left as it was:

- an unsigned event;
- one signed with a key nobody registered, with bob's key (a key of
  another user), or with a key of ana's that she revoked;
- a signed event whose data.project_id (and subject) or settings were
  changed after signing.

bmdstream-import refuses before writing anything: without a key, with a
revoked key, with --user naming someone else than the key's owner, with a
key file others can read. The tracker, which reads experiment-imported to
make jobs, refuses the same events.

A password login (--user and no key): a wrong password, an unknown user or
a password file others can read are refused with nothing written; the
right password, from a file or typed at a terminal (a pty here, checked
not to echo), registers a session key of the user valid for 60 minutes
that signs the event, and the job completes. The same event once its
session key has expired is refused as forbidden."""
import copy
import json
import os
import pty
import re
import select
import signal
import stat
import time
import uuid

import pytest

from conftest import event, kcat_consume, kcat_produce, key_files, key_id, register_key, sign
from deploy import BIN, MATRICES, Deployment
from test_metrics import get, scrape

ANALYSIS = ["--prefilter", "anova", "--p-cutoff", "0.01", "--fold-filter", "2", "--no-bmd"]


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    assert d.bm("user", "add", "--username", "bob", "--email", "bob@x",
                stdin="password-bob\n").returncode == 0
    d.bob = int(d.sql("SELECT id FROM users WHERE username = 'bob'"))
    register_key(d.bm, "bob", d.bob)
    try:
        for s in ("tracker", "prefilter"):
            d.start(s)
        d.wait_healthy(["tracker", "prefilter"])
        yield d
    finally:
        d.kill_all()


def importer(d, *args, env=None):
    return d.run(os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
                 "--matrix", MATRICES[0], *ANALYSIS, *args, env=env)


def test_user_key_commands_and_import(dep, tmp_path):
    d = dep
    env = {k: v for k, v in d.env.items() if k != "BMDSTREAM_SIGNING_KEY"}
    # generate: a private key file of mode 0600, the public key on stdout
    priv = str(tmp_path / "ana.key")
    gen = d.run(os.path.join(BIN, "bmdstream"), "user", "key", "generate", "--out", priv)
    assert gen.returncode == 0 and gen.stdout.startswith("-----BEGIN PUBLIC KEY-----"), gen.stderr
    assert stat.S_IMODE(os.stat(priv).st_mode) == 0o600
    again = d.run(os.path.join(BIN, "bmdstream"), "user", "key", "generate", "--out", priv)
    assert again.returncode != 0 and "exists" in again.stderr  # never overwritten
    pub = tmp_path / "ana.pub"
    pub.write_text(gen.stdout)
    from cryptography.hazmat.primitives import serialization as ser
    import hashlib
    raw = ser.load_pem_public_key(gen.stdout.encode()).public_bytes(ser.Encoding.Raw,
                                                                     ser.PublicFormat.Raw)
    kid = hashlib.sha256(raw).digest()[:16].hex()
    add = d.bm("user", "key", "add", "--username", "ana", "--public-key", str(pub))
    assert add.returncode == 0 and add.stdout.strip() == kid, add.stderr
    dup = d.bm("user", "key", "add", "--username", "bob", "--public-key", str(pub))
    assert dup.returncode == 1 and "registered already" in dup.stderr
    bad = d.bm("user", "key", "add", "--username", "ana", "--public-key", priv)
    assert bad.returncode != 0 and "not a PEM Ed25519 public key" in bad.stderr

    experiments = d.sql("SELECT count(*) FROM dose_response_experiments")
    # refused before anything is written
    none = importer(d, env=env)
    assert none.returncode != 0 and "who imports?" in none.stderr, none.stderr
    other = importer(d, "--user", "bob", "--key", priv, env=env)
    assert other.returncode != 0 and "--user bob is not the owner" in other.stderr, other.stderr
    loose = str(tmp_path / "loose.key")
    with open(priv) as f, open(loose, "w") as g:
        g.write(f.read())
    os.chmod(loose, 0o644)
    lax = importer(d, "--key", loose, env=env)
    assert lax.returncode != 0 and "readable by group or others" in lax.stderr, lax.stderr
    assert d.sql("SELECT count(*) FROM dose_response_experiments") == experiments

    # the key proves the user: no --user needed; the job completes
    ok = importer(d, "--key", priv, env=env)
    assert ok.returncode == 0, ok.stderr
    job = ok.stdout.strip()
    assert d.wait_jobs([job], timeout=300)[job][0] == "COMPLETED"
    ev = [json.loads(r["payload"]) for r in kcat_consume(d.bootstrap,
                                                         d.prefix + "experiment-imported")]
    assert [e["bskeyid"] for e in ev] == [kid] and len(ev[0]["bssignature"]) == 88

    # list, revoke, and a revoked key imports nothing
    listed = d.bm("user", "key", "list", "--username", "ana").stdout.splitlines()
    assert listed[0] == "key_id\tcreated\trevoked\texpires"
    assert [r.split("\t")[0] for r in listed[1:]] == [key_id(d.ana), kid]
    assert all(r.endswith("\t-\t-") for r in listed[1:])
    rev = d.bm("user", "key", "revoke", "--username", "ana", "--key-id", kid)
    assert rev.returncode == 0 and rev.stdout.strip() == f"revoked {kid}", rev.stderr
    twice = d.bm("user", "key", "revoke", "--username", "ana", "--key-id", kid)
    assert twice.returncode == 1 and "no active key" in twice.stderr
    bobs = d.bm("user", "key", "revoke", "--username", "bob", "--key-id", key_id(d.ana))
    assert bobs.returncode == 1  # bob cannot revoke ana's key
    listed = d.bm("user", "key", "list", "--username", "ana").stdout.splitlines()
    assert not listed[2].endswith("\t-\t-")
    revoked = importer(d, "--key", priv, env=env)
    assert revoked.returncode != 0 and "not an active key" in revoked.stderr, revoked.stderr
    assert d.sql("SELECT count(*) FROM dose_response_experiments") == \
        str(int(experiments) + 1)


def dead_letters(d):
    """[(job_id, stage, class, message)] of the deployment's dead letters."""
    out = []
    for rec in kcat_consume(d.bootstrap, d.prefix + "dead-letter"):
        h = dict(zip(rec["headers"][::2], rec["headers"][1::2]))
        out.append((json.loads(rec["payload"])["data"]["job_id"], h["dlq.stage"],
                    h["dlq.error.class"], h["dlq.error.msg"]))
    return out


def test_forged_events_are_refused(dep):
    d = dep
    good = importer(d, "--user", "ana")
    assert good.returncode == 0, good.stderr
    good = good.stdout.strip()
    assert d.wait_jobs([good], timeout=300)[good][0] == "COMPLETED"
    imported = json.loads(d.sql(f"SELECT parameters::text FROM jobs WHERE id = '{good}'"))
    # a second key of ana's, registered then revoked
    register_key(d.bm, "ana", 50)
    assert d.bm("user", "key", "revoke", "--username", "ana", "--key-id",
                key_id(50)).returncode == 0
    # an existing QUEUED job of ana's, which forged events must not fail
    queued = str(uuid.uuid4())
    d.sql(f"INSERT INTO jobs (id, user_id, project_id, job_type, status, progress) VALUES"
          f" ('{queued}', {d.ana}, {d.project}, 'analysis', 'QUEUED', 0)")
    bob_project = int(d.bm("project", "add", "--user", "bob", "--name", "q").stdout)
    counts = {t: d.sql(f"SELECT count(*) FROM {t}")
              for t in ("prefilter_results", "probe_stat_results", "jobs")}

    def send(ev):
        kcat_produce(d.bootstrap, d.prefix + "experiment-imported",
                     str(ev["data"]["experiment_id"]), json.dumps(ev))

    attacks = {}  # job id -> words the refusal must hold
    j = str(uuid.uuid4())
    send(event("experiment-imported", dict(imported, job_id=j), signed=False))
    attacks[j] = ["not signed", "bskeyid"]
    for signer in (99, d.bob, 50):  # nobody's key, bob's, ana's revoked one
        j = str(uuid.uuid4())
        send(sign(event("experiment-imported", dict(imported, job_id=j), signed=False), signer))
        attacks[j] = [f"bskeyid {key_id(signer)} is not an active key of data.user_id {d.ana}"]
    j = str(uuid.uuid4())
    ev = event("experiment-imported", dict(imported, job_id=j))  # signed by ana
    ev["data"]["project_id"] = bob_project  # replayed into bob's project
    ev["subject"] = f"projects/{bob_project}/experiments/{imported['experiment_id']}"
    send(ev)
    attacks[j] = ["bssignature does not verify"]
    ev = event("experiment-imported", dict(copy.deepcopy(imported), job_id=queued))
    ev["data"]["parameters"]["prefilter"]["p_cutoff"] = 0.5  # a setting changed
    send(ev)
    attacks[queued] = ["bssignature does not verify"]
    # A control after the attacks on the one partition: signed here, in
    # Python, it is processed.
    control = str(uuid.uuid4())
    send(event("experiment-imported", dict(imported, job_id=control)))
    assert d.wait_jobs([control], timeout=300)[control][0] == "COMPLETED"

    dead = []
    deadline = time.time() + 60
    while time.time() < deadline and len(dead) < 2 * len(attacks):
        dead = dead_letters(d)
        time.sleep(1)
    for job, words in attacks.items():
        recs = sorted(r[1:] for r in dead if r[0] == job)
        assert [r[:2] for r in recs] == [("prefilter", "forbidden"), ("tracker", "forbidden")], \
            (job, recs)
        for _, _, msg in recs:
            assert msg.startswith("forbidden: "), msg
            for w in words:
                assert w in msg, (w, msg)
    assert len(dead) == 2 * len(attacks), dead

    # Nothing written: no job made, no result, the QUEUED job as it was.
    after = {t: d.sql(f"SELECT count(*) FROM {t}") for t in counts}
    assert after["jobs"] == str(int(counts["jobs"]) + 1)  # the control's only
    assert after["prefilter_results"] == counts["prefilter_results"]  # same settings: upserted
    assert after["probe_stat_results"] == counts["probe_stat_results"]
    for job in attacks:
        if job != queued:
            assert d.sql(f"SELECT count(*) FROM jobs WHERE id = '{job}'") == "0"
    assert d.sql(f"SELECT status, progress, coalesce(message, '') FROM jobs"
                 f" WHERE id = '{queued}'") == "QUEUED|0|"
    assert d.sql("SELECT count(*) FROM dead_letters WHERE error_class = 'forbidden'") == \
        str(2 * len(attacks))
    # Counted where refused.
    for stage in ("prefilter", "tracker"):
        samples, _ = scrape(d.ports[stage])
        got = sum(get(samples, "bmdstream_messages_failed_total", **{"class": "forbidden"}))
        assert got == len(attacks), (stage, got)


def typed_at_a_terminal(d, env, password, *args):
    """bmdstream-import run on a pseudo-terminal, the password typed at its
    prompt: (exit status, everything the terminal showed)."""
    argv = [os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
            "--matrix", MATRICES[0], *ANALYSIS, *args]
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    shown, sent = b"", False
    deadline = time.time() + 120
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break  # the child closed the terminal
            if not chunk:
                break
            shown += chunk
        if not sent and b"Password for ana: " in shown:
            os.write(fd, password.encode() + b"\n")
            sent = True
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.time() < deadline + 10:
        time.sleep(0.2)
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:  # still waiting for its password: a failure, not a hang
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_password_login(dep, tmp_path):
    d = dep
    env = {k: v for k, v in d.env.items() if k != "BMDSTREAM_SIGNING_KEY"}
    before = {t: d.sql(f"SELECT count(*) FROM {t}")
              for t in ("dose_response_experiments", "user_keys", "jobs")}
    for args, stdin, words in [
            (["--user", "ana"], "wrong-password\n", "wrong username or password"),
            (["--user", "nobody"], "password-ana\n", "wrong username or password"),
            (["--user", "ana"], "", "no password on standard input")]:
        out = d.run(os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
                    "--matrix", MATRICES[0], *ANALYSIS, *args, stdin=stdin, env=env)
        assert out.returncode != 0 and words in out.stderr, (args, out.stderr)
    loose = tmp_path / "loose.pw"
    loose.write_text("password-ana\n")
    os.chmod(loose, 0o644)
    out = importer(d, "--user", "ana", "--password-file", str(loose), env=env)
    assert out.returncode != 0 and "readable by group or others" in out.stderr, out.stderr
    assert {t: d.sql(f"SELECT count(*) FROM {t}") for t in before} == before

    # The right password, from a file: a session key of ana's signs the event.
    pw = tmp_path / "ana.pw"
    pw.write_text("password-ana\n")
    os.chmod(pw, 0o600)
    ok = importer(d, "--user", "ana", "--password-file", str(pw), env=env)
    assert ok.returncode == 0, ok.stderr
    job = ok.stdout.strip()
    assert d.wait_jobs([job], timeout=300)[job][0] == "COMPLETED"
    sessions = d.sql(f"SELECT key_id, round(extract(epoch FROM expires_at - created_at) / 60) "
                     f"FROM user_keys WHERE user_id = {d.ana} AND expires_at IS NOT NULL")
    kid, minutes = sessions.split("|")
    assert minutes == "60", sessions
    imported = [json.loads(r["payload"]) for r in kcat_consume(d.bootstrap,
                                                                d.prefix + "experiment-imported")]
    signed = [e for e in imported if e["data"]["job_id"] == job]
    assert len(signed) == 1 and signed[0]["bskeyid"] == kid, signed
    listed = d.bm("user", "key", "list", "--username", "ana").stdout.splitlines()
    assert any(r.startswith(kid + "\t") and not r.endswith("\t-") for r in listed), listed

    # Typed at a terminal, not echoed.
    code, shown = typed_at_a_terminal(d, env, "password-ana", "--user", "ana")
    assert code == 0, shown
    assert "Password for ana: " in shown and "password-ana" not in shown, shown
    typed_job = [ln.strip() for ln in shown.splitlines()
                 if re.fullmatch(r"[0-9a-f-]{36}", ln.strip())]  # stdout: the job id
    assert len(typed_job) == 1, shown
    typed_job = typed_job[0]
    assert d.wait_jobs([typed_job], timeout=300)[typed_job][0] == "COMPLETED"

    # Once the session key has expired, the same signed event is refused.
    forbidden = {}
    for stage in ("prefilter", "tracker"):
        samples, _ = scrape(d.ports[stage])
        forbidden[stage] = sum(get(samples, "bmdstream_messages_failed_total",
                                   **{"class": "forbidden"}))
    d.sql(f"UPDATE user_keys SET expires_at = '{signed[0]['time']}'::timestamptz"
          f" - interval '1 second' WHERE key_id = '{kid}'")
    results = d.sql("SELECT count(*) FROM prefilter_results")
    kcat_produce(d.bootstrap, d.prefix + "experiment-imported",
                 str(signed[0]["data"]["experiment_id"]), json.dumps(signed[0]))
    deadline = time.time() + 60
    refused = []
    while time.time() < deadline and len(refused) < 2:
        refused = [r for r in dead_letters(d) if r[0] == job]
        time.sleep(1)
    assert sorted(r[1:3] for r in refused) == [("prefilter", "forbidden"),
                                                ("tracker", "forbidden")], refused
    assert all(f"bskeyid {kid} is not an active key" in r[3] for r in refused), refused
    for stage in ("prefilter", "tracker"):
        samples, _ = scrape(d.ports[stage])
        got = sum(get(samples, "bmdstream_messages_failed_total", **{"class": "forbidden"}))
        assert got == forbidden[stage] + 1, (stage, got)
    assert d.sql("SELECT count(*) FROM prefilter_results") == results
