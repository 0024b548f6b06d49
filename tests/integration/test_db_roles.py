"""Least privilege in PostgreSQL (issue 15 item 4; docs/security.md,
"PostgreSQL roles"), on the real stack:

- every program logs in as its own role: the four consumers, started with
  the database URL stripped of the owner's login (as scripts/pipeline.sh
  starts them), run a job to COMPLETED, and pg_stat_activity shows their
  connections as bmdstream_tracker, _prefilter, _bmd and _category; the
  importer with a wrong password in its credentials file is refused as
  bmdstream_import, and a missing or malformed file is named (never its
  text);
- what each role may do is exactly the grants of sql/0005_roles.sql,
  read back from PostgreSQL's catalogue;
- the attacks a stage's stolen credentials allow are refused: no stage
  reads users.password_hash or writes users, user_keys or bmd_projects;
  no stage writes another stage's results; none changes the schema; the
  importer cannot un-revoke a key.
"""
import os
import re
import subprocess
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import psql
from deploy import BIN, MATRICES, Deployment

STAGES = ("tracker", "prefilter", "bmd", "category")
PROGRAMS = ("import", "prefilter", "bmd", "category", "tracker")


def credentials_dir():
    where = os.environ.get("BMDSTREAM_DATABASE_CREDENTIALS")
    if not where:
        pytest.fail("BMDSTREAM_DATABASE_CREDENTIALS is not set: the stack runs without "
                    "per-program database roles")
    return where


def without_login(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))


def as_role(url, program):
    """url logged in as program's role, from its credentials file."""
    text = open(os.path.join(credentials_dir(), f"bmdstream-{program}.conninfo")).read()
    kw = dict(re.findall(r"(\w+)=(\S+)", text))
    parts = urlsplit(without_login(url))
    return urlunsplit(parts._replace(netloc=f"{kw['user']}:{kw['password']}@{parts.netloc}"))


def refused(url, sql):
    """psql's error for sql run at url; fails the test if it ran or failed
    for another reason than a missing privilege."""
    out = subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True)
    assert out.returncode != 0, f"allowed: {sql}"
    assert "permission denied" in out.stderr or "must be owner" in out.stderr, (sql, out.stderr)
    return out.stderr


@pytest.fixture
def dep(fresh_database, kafka_bootstrap):
    d = Deployment(fresh_database(), kafka_bootstrap).setup(partitions=1)
    try:
        yield d
    finally:
        d.kill_all()


def test_each_program_logs_in_as_its_role(dep, tmp_path):
    d = dep
    d.env["BMDSTREAM_DATABASE_URL"] = without_login(d.url)  # the owner's password stays out
    for s in STAGES:
        d.start(s)
    d.wait_healthy(list(STAGES))
    job = d.import_matrix(MATRICES[0])  # ANOVA, then the BMD and category stages
    assert d.wait_jobs([job], timeout=600)[job][0] == "COMPLETED"
    dbname = urlsplit(d.url).path.lstrip("/")
    users = set(psql(d.url, f"SELECT DISTINCT usename FROM pg_stat_activity "
                            f"WHERE datname = '{dbname}'").split())
    assert {f"bmdstream_{s}" for s in STAGES} <= users, users

    # The importer logs in as bmdstream_import: a wrong password there is
    # refused, whatever the URL says.
    bad = tmp_path / "creds"
    bad.mkdir()
    (bad / "bmdstream-import.conninfo").write_text("user=bmdstream_import password=wrong\n")
    env = dict(d.env, BMDSTREAM_DATABASE_URL=d.url, BMDSTREAM_DATABASE_CREDENTIALS=str(bad))
    out = d.run(os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
                "--matrix", MATRICES[0], env=env)
    assert out.returncode != 0, out.stderr
    assert 'password authentication failed for user "bmdstream_import"' in out.stderr, out.stderr
    # A missing file and a malformed one are named; the text never shows.
    out = d.run(os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
                "--matrix", MATRICES[0], env=dict(env, BMDSTREAM_DATABASE_CREDENTIALS=str(
                    tmp_path / "none")))
    assert out.returncode != 0 and "database_credentials: " in out.stderr, out.stderr
    assert str(tmp_path / "none") in out.stderr, out.stderr
    (bad / "bmdstream-import.conninfo").write_text("s3cr3t-hunter2\n")
    out = d.run(os.path.join(BIN, "bmdstream-import"), "--project", str(d.project),
                "--matrix", MATRICES[0], env=env)
    assert out.returncode != 0 and "not libpq connection keywords" in out.stderr, out.stderr
    assert "hunter2" not in out.stderr


# What each role may do: table -> privileges (a tuple of columns for a
# column grant), as sql/0005_roles.sql grants it. USAGE on sequences is
# checked by the job above (every insert draws an id).
EXPECTED = {
    "bmdstream_import": {
        "users": {"SELECT": ("enabled", "id", "password_hash", "username")},
        "user_keys": {"SELECT": None,
                      "INSERT": ("expires_at", "key_id", "public_key", "user_id")},
        "bmd_projects": {"SELECT": ("id", "user_id")},
        "dose_response_experiments": {"SELECT": None, "INSERT": None, "UPDATE": None},
        "treatments": {"INSERT": None},
        "probe_responses": {"INSERT": None},
        "jobs": {"SELECT": None, "INSERT": None, "UPDATE": None},
    },
    "bmdstream_prefilter": {
        "users": {"SELECT": ("enabled", "id", "username")},
        "user_keys": {"SELECT": None},
        "bmd_projects": {"SELECT": ("id", "user_id")},
        "dose_response_experiments": {"SELECT": None},
        "jobs": {"SELECT": None, "INSERT": None},
        "job_results": {"SELECT": None, "INSERT": None},
        "dead_letters": {"INSERT": None},
        "prefilter_results": {"SELECT": None, "INSERT": None, "UPDATE": None},
        "prefilter_result_details": {"SELECT": None, "INSERT": None},
    },
    "bmdstream_bmd": {
        "bmd_projects": {"SELECT": ("id", "user_id")},
        "dose_response_experiments": {"SELECT": None},
        "jobs": {"SELECT": None},
        "job_results": {"SELECT": None, "INSERT": None},
        "dead_letters": {"INSERT": None},
        "prefilter_results": {"SELECT": None},
        "prefilter_result_details": {"SELECT": None},
        "bmd_results": {"SELECT": None, "INSERT": None, "UPDATE": None},
        "probe_stat_results": {"SELECT": None, "INSERT": None},
        "bmd_chunks": {"SELECT": None, "INSERT": None, "UPDATE": None},
    },
    "bmdstream_category": {
        "bmd_projects": {"SELECT": ("id", "user_id")},
        "dose_response_experiments": {"SELECT": None},
        "jobs": {"SELECT": None},
        "job_results": {"SELECT": None, "INSERT": None},
        "dead_letters": {"INSERT": None},
        "bmd_results": {"SELECT": None},
        "category_results": {"SELECT": None, "INSERT": None, "UPDATE": None},
        "category_result_details": {"SELECT": None, "INSERT": None},
    },
    "bmdstream_tracker": {
        "users": {"SELECT": ("enabled", "id", "username")},
        "user_keys": {"SELECT": None},
        "bmd_projects": {"SELECT": ("id", "user_id")},
        "jobs": {"SELECT": None, "INSERT": None, "UPDATE": None},
        "dead_letters": {"INSERT": None},
    },
}


def granted(url, role):
    """{table: {privilege: None (whole table) or sorted column tuple}}."""
    out = {}
    for line in psql(url, f"SELECT table_name, privilege_type FROM "
                          f"information_schema.role_table_grants WHERE grantee = '{role}'"
                     ).split():
        table, priv = line.split("|")
        out.setdefault(table, {})[priv] = None
    cols = {}
    for line in psql(url, f"SELECT table_name, privilege_type, column_name FROM "
                          f"information_schema.column_privileges WHERE grantee = '{role}'"
                     ).split():
        table, priv, col = line.split("|")
        cols.setdefault((table, priv), []).append(col)
    for (table, priv), names in cols.items():
        if priv not in out.get(table, {}):  # a table grant lists every column too
            out.setdefault(table, {})[priv] = tuple(sorted(names))
    return out


def test_grants_are_exactly_the_documented_ones(dep):
    for role, expected in EXPECTED.items():
        assert granted(dep.url, role) == expected, role


def test_stolen_stage_credentials_do_little(dep):
    d = dep
    before = psql(d.url, "SELECT password_hash FROM users WHERE username = 'ana'").strip()
    for program in PROGRAMS:
        url = as_role(d.url, program)
        assert psql(url, "SELECT current_user").strip() == f"bmdstream_{program}"
        for sql in ["INSERT INTO users (username, email, password_hash) VALUES ('x', 'x', 'x')",
                    "UPDATE users SET password_hash = 'x'",
                    "DELETE FROM users",
                    "INSERT INTO bmd_projects (user_id, name) VALUES (1, 'x')",
                    "UPDATE bmd_projects SET user_id = user_id",
                    "UPDATE user_keys SET revoked_at = NULL",
                    "DELETE FROM user_keys",
                    "DELETE FROM jobs",
                    "CREATE TABLE stolen (x int)",
                    "DROP TABLE jobs",
                    "ALTER TABLE jobs ADD COLUMN x int",
                    "TRUNCATE dead_letters",
                    "SELECT * FROM schema_migrations"]:
            refused(url, sql)
        if program != "import":
            refused(url, "SELECT password_hash FROM users")
            refused(url, "SELECT * FROM users")
            refused(url, "INSERT INTO user_keys (user_id, key_id, public_key) VALUES (1, 'k', 'p')")
    # Each stage writes only its own results.
    for program, table in [("bmd", "prefilter_results"), ("category", "bmd_results"),
                           ("prefilter", "bmd_results"), ("tracker", "category_results"),
                           ("import", "prefilter_results")]:
        refused(as_role(d.url, program), f"UPDATE {table} SET name = name")
    assert psql(d.url, "SELECT password_hash FROM users WHERE username = 'ana'").strip() == before
