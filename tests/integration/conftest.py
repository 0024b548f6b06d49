"""Shared fixtures of the integration tests: the real stack's settings.

The tests need the local stack (scripts/stack.sh up). Without it they are
skipped, unless BMDSTREAM_TEST_REQUIRE_STACK is set (scripts/test.sh sets
it), in which case a missing stack is a failure.
"""
import os
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest


def kafka_credentials(principal):
    """The stack's credentials file of a Kafka principal (scripts/stack.sh
    writes one per principal under BMDSTREAM_KAFKA_CREDENTIALS), or None
    when the stack runs without authentication."""
    where = os.environ.get("BMDSTREAM_KAFKA_CREDENTIALS")
    if not where:
        return None
    return os.path.join(where, f"{principal}.properties") if os.path.isdir(where) else where


def java_auth():
    """--command-config for Kafka's Java tools, as the admin principal."""
    path = kafka_credentials("bmdstream-admin")
    return ["--command-config", path.replace(".properties", ".java.properties")] if path else []


def as_principal(env, principal):
    """env with our programs' Kafka credentials those of principal (e.g. a
    test running `bmdstream lag` on a group of its own, which only the
    admin may describe)."""
    path = kafka_credentials(principal)
    return dict(env, BMDSTREAM_KAFKA_CREDENTIALS=path) if path else env


# kcat, the independent client of the tests, acts as the admin principal
# (a super user): it reads and writes any topic the tests look at.
if kafka_credentials("bmdstream-admin"):
    os.environ.setdefault("KCAT_CONFIG", kafka_credentials("bmdstream-admin"))


def require(var):
    value = os.environ.get(var)
    if not value:
        if os.environ.get("BMDSTREAM_TEST_REQUIRE_STACK"):
            pytest.fail(f"{var} is not set but the stack is required")
        pytest.skip(f"{var} not set: start the stack (scripts/stack.sh up)")
    return value


def with_database(url, dbname):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def psql(url, sql):
    out = subprocess.run(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed ({out.returncode}) on {sql!r}: {out.stderr.strip()}")
    return out.stdout


def drop_database(url, name):
    """DROP DATABASE ... WITH (FORCE), retried: it gives up when a backend it
    told to terminate has not exited within 5 s (a loaded CI machine)."""
    import time
    for attempt in range(6):
        try:
            psql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        except RuntimeError:
            if attempt == 5:
                raise
            time.sleep(2)


@pytest.fixture
def bmdstream():
    return os.path.join(os.environ["BS_BIN_DIR"], "bmdstream")


@pytest.fixture
def database_url():
    return require("BMDSTREAM_DATABASE_URL")


@pytest.fixture
def fresh_database(database_url):
    """A new empty database for one test, dropped afterwards."""
    made = []

    def make():
        name = "bs_test_" + uuid.uuid4().hex[:12]
        psql(database_url, f"CREATE DATABASE {name}")
        made.append(name)
        return with_database(database_url, name)

    yield make
    for name in made:
        drop_database(database_url, name)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_key(user_id):
    """The test signing key of a user id: Ed25519 from a fixed seed (test
    keys, no secret; each test's database numbers its users from 1)."""
    import hashlib
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    seed = hashlib.sha256(f"bmdstream test user {user_id}".encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


_KEY_DIR = []


def key_files(user_id):
    """(private, public) PEM files of user_key(user_id), the private one
    mode 0600, for `bmdstream user key add` and `bmdstream-import --key`."""
    import tempfile
    from cryptography.hazmat.primitives import serialization as ser
    if not _KEY_DIR:
        _KEY_DIR.append(tempfile.mkdtemp(prefix="bs-test-keys-"))
    priv, pub = (os.path.join(_KEY_DIR[0], f"user{user_id}.{ext}") for ext in ("key", "pub"))
    if not os.path.exists(priv):
        k = user_key(user_id)
        with open(pub, "wb") as f:
            f.write(k.public_key().public_bytes(ser.Encoding.PEM,
                                                ser.PublicFormat.SubjectPublicKeyInfo))
        fd = os.open(priv + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(k.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8,
                                    ser.NoEncryption()))
        os.replace(priv + ".tmp", priv)
    return priv, pub


def key_id(user_id):
    """bskeyid of user_key(user_id): SHA-256 of the raw public key, first
    16 bytes in hex (docs/security.md)."""
    import hashlib
    from cryptography.hazmat.primitives import serialization as ser
    raw = user_key(user_id).public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:16].hex()


def register_key(bm, username, user_id):
    """Registers user_key(user_id) for username with `bmdstream user key
    add` (bm runs bmdstream with the test's environment); checks the key id
    it prints against key_id's; the private key file, for --key."""
    priv, pub = key_files(user_id)
    out = bm("user", "key", "add", "--username", username, "--public-key", pub)
    assert out.returncode == 0 and out.stdout.strip() == key_id(user_id), out.stderr
    return priv


def sign(envelope, user_id):
    """Signs envelope in place as an upstream system does, with rfc8785
    and cryptography (independent of our C signer): Ed25519 over the RFC
    8785 form of the envelope without bskeyid/bssignature."""
    import base64
    import rfc8785
    envelope.pop("bssignature", None)
    envelope.pop("bskeyid", None)
    sig = user_key(user_id).sign(rfc8785.dumps(envelope))
    envelope.update(bskeyid=key_id(user_id), bssignature=base64.b64encode(sig).decode())
    return envelope


def event(topic, data, event_id=None, signed=True):
    """A CloudEvents envelope built here, independently of our encoder;
    experiment-imported is signed with user_key(data["user_id"]) unless
    signed=False."""
    import datetime
    ev = {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "type": f"bmdstream.{topic}.v1",
        "source": "/tests/integration",
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "subject": f"projects/{data['project_id']}/experiments/{data['experiment_id']}",
        "datacontenttype": "application/json",
        "data": data,
    }
    if signed and topic == "experiment-imported" and isinstance(data.get("user_id"), int):
        sign(ev, data["user_id"])
    return ev


def kcat_produce(bootstrap, topic, key, value):
    """Produces one message with kcat (an independent client)."""
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key, "-c", "1"],
                   input=value.encode() if isinstance(value, str) else value, check=True,
                   timeout=30)


def kcat_consume(bootstrap, topic):
    """All messages of a topic, as kcat's JSON envelopes (with headers)."""
    import json
    out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e",
                          "-J", "-q"], capture_output=True, timeout=60, check=True)
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]


@pytest.fixture
def report(capsys):
    """Prints a measured figure where ctest's log shows it too (ctest runs
    pytest without -s, which would swallow a plain print)."""
    def say(text):
        with capsys.disabled():
            print(f"\n{text}", flush=True)
    return say


@pytest.fixture
def kafka_bootstrap():
    return require("BMDSTREAM_KAFKA_BOOTSTRAP")
