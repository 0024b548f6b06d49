"""Users and projects against the real PostgreSQL: the stored password is an
Argon2id hash that an independent implementation (argon2-cffi) verifies,
never the password itself; duplicates and wrong passwords are refused."""
import subprocess
import uuid

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError

from conftest import psql


def run(bmdstream, url, *args, stdin=""):
    return subprocess.run([bmdstream, *args, "--database-url", url], input=stdin,
                          capture_output=True, text=True)


@pytest.fixture
def url(bmdstream, fresh_database):
    u = fresh_database()
    assert run(bmdstream, u, "migrate").returncode == 0
    return u


def test_user_password_is_argon2id(bmdstream, url):
    password = "s3cret-" + uuid.uuid4().hex
    out = run(bmdstream, url, "user", "add", "--username", "ana", "--email", "ana@lab.example",
              "--full-name", "Ana Lab", stdin=password + "\n")
    assert out.returncode == 0, out.stderr
    user_id = int(out.stdout)
    stored = psql(url, f"SELECT password_hash FROM users WHERE id = {user_id}").strip()
    assert password not in stored
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, password)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, password + "x")

    assert run(bmdstream, url, "user", "check", "--username", "ana",
               stdin=password + "\n").returncode == 0
    wrong = run(bmdstream, url, "user", "check", "--username", "ana", stdin="nope-nope\n")
    assert wrong.returncode != 0 and "wrong username or password" in wrong.stderr
    assert password not in wrong.stderr


def test_duplicates_and_short_passwords_refused(bmdstream, url):
    args = ["user", "add", "--username", "bo", "--email", "bo@lab.example"]
    assert run(bmdstream, url, *args, stdin="long enough\n").returncode == 0
    again = run(bmdstream, url, *args, stdin="long enough\n")
    assert again.returncode != 0 and "exists already" in again.stderr
    short = run(bmdstream, url, "user", "add", "--username", "cy", "--email", "cy@x",
                stdin="short\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    assert psql(url, "SELECT count(*) FROM users").strip() == "1"


def test_projects_belong_to_their_user(bmdstream, url):
    assert run(bmdstream, url, "user", "add", "--username", "di", "--email", "di@x",
               stdin="password-di\n").returncode == 0
    made = run(bmdstream, url, "project", "add", "--user", "di", "--name", "DEHP liver",
               "--description", "rat liver S1500+")
    assert made.returncode == 0, made.stderr
    pid = int(made.stdout)
    listed = run(bmdstream, url, "project", "list", "--user", "di")
    assert listed.stdout == f"{pid}\tDEHP liver\n"
    nobody = run(bmdstream, url, "project", "add", "--user", "ghost", "--name", "x")
    assert nobody.returncode != 0 and "no user 'ghost'" in nobody.stderr


def test_password_rotation(bmdstream, url):
    old, new = "old-" + uuid.uuid4().hex, "new-" + uuid.uuid4().hex
    assert run(bmdstream, url, "user", "add", "--username", "ed", "--email", "ed@x",
               stdin=old + "\n").returncode == 0
    changed = run(bmdstream, url, "user", "passwd", "--username", "ed", stdin=new + "\n")
    assert changed.returncode == 0, changed.stderr
    stored = psql(url, "SELECT password_hash FROM users WHERE username = 'ed'").strip()
    assert stored.startswith("$argon2id$") and PasswordHasher().verify(stored, new)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, old)
    assert run(bmdstream, url, "user", "check", "--username", "ed",
               stdin=new + "\n").returncode == 0
    assert run(bmdstream, url, "user", "check", "--username", "ed",
               stdin=old + "\n").returncode != 0
    ghost = run(bmdstream, url, "user", "passwd", "--username", "ghost", stdin=new + "\n")
    assert ghost.returncode != 0 and "no user 'ghost'" in ghost.stderr
    short = run(bmdstream, url, "user", "passwd", "--username", "ed", stdin="short\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    assert PasswordHasher().verify(
        psql(url, "SELECT password_hash FROM users WHERE username = 'ed'").strip(), new)
