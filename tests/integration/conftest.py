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


def event(topic, data, event_id=None):
    """A CloudEvents envelope built here, independently of our encoder."""
    import datetime
    return {
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
