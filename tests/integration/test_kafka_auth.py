"""Kafka authentication and authorization on the real stack
(docs/security.md "Kafka principals"): every client must authenticate
(SASL) as a principal of the stack, and each principal may do only what
`bmdstream acl apply` granted it for the deployment's prefix.

The clients here are kcat (an independent client) with each principal's
credentials file, and our own programs. For each refusal the test checks
the broker's answer (authentication failed, or topic/group authorization
failed) and that nothing reached the topic (its end offsets stay 0).
The grants themselves are compared with what Kafka's own AclCommand lists,
and the refusals are counted where Kafka counts them: the broker's own
metrics (JMX, read with Kafka's JmxTool as the stack's read-only
"monitor" user) count more failed authentications after a refused login
and more TOPIC_AUTHORIZATION_FAILED answers after a refused write.
"""
import glob
import os
import re
import subprocess
import time
import uuid

import pytest

from conftest import java_auth, kafka_credentials, require

ROOT = os.environ["BS_SOURCE_DIR"]
BIN = os.environ["BS_BIN_DIR"]
JARS = os.path.join(os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state")),
                    "jars", "kafka")
PRINCIPALS = ["bmdstream-import", "bmdstream-prefilter", "bmdstream-bmd", "bmdstream-category",
              "bmdstream-tracker", "bmdstream-operator"]


@pytest.fixture(scope="module")
def deployment():
    """A topic prefix of its own, with its ACLs and topics made as a
    deployment makes them (admin: acl apply; operator: topics)."""
    bootstrap = require("BMDSTREAM_KAFKA_BOOTSTRAP")
    if not kafka_credentials("bmdstream-admin"):
        pytest.fail("BMDSTREAM_KAFKA_CREDENTIALS is not set: the stack runs with authentication")
    prefix = f"auth{uuid.uuid4().hex[:8]}."
    env = dict(os.environ, BMDSTREAM_TOPIC_PREFIX=prefix)
    for args in (["acl", "apply"], ["topics", "--partitions", "1"]):
        out = subprocess.run([os.path.join(BIN, "bmdstream"), *args], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    return bootstrap, prefix


def produce(bootstrap, topic, principal=None, extra=()):
    """kcat -P of one record as principal (None: no credentials at all)."""
    auth = ["-F", kafka_credentials(principal)] if principal else ["-F", "/dev/null"]
    return subprocess.run(["kcat", *auth, *extra, "-P", "-b", bootstrap, "-t", topic, "-k", "1",
                           "-c", "1", "-m", "10"], input=b'{"probe": 1}', capture_output=True,
                          timeout=60)


def consume(bootstrap, topic, principal, group=None):
    args = ["-G", group, topic] if group else ["-C", "-t", topic, "-o", "beginning"]
    return subprocess.run(["kcat", "-F", kafka_credentials(principal), "-b", bootstrap, "-e", "-q",
                           "-m", "10", "-X", "auto.offset.reset=earliest", *args],
                          capture_output=True, timeout=60)


def end_offsets(bootstrap, topic):
    """The topic's end offsets, read as the admin."""
    out = subprocess.run(["kcat", "-F", kafka_credentials("bmdstream-admin"), "-Q", "-b",
                          bootstrap, "-t", f"{topic}:0:-1"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [int(line.split()[-1]) for line in out.stdout.splitlines() if "offset" in line]


def test_unauthenticated_and_wrong_password_are_refused(deployment, tmp_path):
    bootstrap, prefix = deployment
    topic = prefix + "experiment-imported"
    # no SASL at all: the broker's only client listener speaks SASL
    plain = produce(bootstrap, topic, None, ["-X", "security.protocol=plaintext"])
    assert plain.returncode != 0 or b"Delivery failed" in plain.stderr, plain.stderr
    # the importer's name with a wrong password
    bad = tmp_path / "bad.properties"
    good = open(kafka_credentials("bmdstream-import")).read()
    bad.write_text("\n".join(line if not line.startswith("sasl.password=") else
                             "sasl.password=not-the-password" for line in good.splitlines()))
    wrong = subprocess.run(["kcat", "-F", str(bad), "-P", "-b", bootstrap, "-t", topic, "-k",
                            "1", "-c", "1", "-m", "10"], input=b"{}", capture_output=True,
                           timeout=60)
    assert b"Authentication failed" in wrong.stderr, wrong.stderr
    assert end_offsets(bootstrap, topic) == [0]


@pytest.mark.parametrize("principal,topic,allowed", [
    ("bmdstream-import", "experiment-imported", True),
    ("bmdstream-import", "prefilter-done", False),
    ("bmdstream-import", "job-events", False),
    ("bmdstream-prefilter", "prefilter-done", True),
    ("bmdstream-prefilter", "bmd-done", False),
    ("bmdstream-prefilter", "experiment-imported", False),
    ("bmdstream-bmd", "job-events", True),
    ("bmdstream-bmd", "category-done", False),
    ("bmdstream-bmd", "bmd-chunks", True),  # its work items (12 partitions)
    ("bmdstream-prefilter", "bmd-chunks", False),
    ("bmdstream-category", "category-done", True),
    ("bmdstream-tracker", "job-events", False),
    ("bmdstream-tracker", "dead-letter", True),
    ("bmdstream-operator", "experiment-imported", False),
    ("bmdstream-operator", "dead-letter", False),
])
def test_write_only_where_granted(deployment, principal, topic, allowed):
    bootstrap, prefix = deployment
    before = end_offsets(bootstrap, prefix + topic)
    out = produce(bootstrap, prefix + topic, principal, ["-p", "0"])  # the partition counted
    after = end_offsets(bootstrap, prefix + topic)
    if allowed:
        assert after == [before[0] + 1], out.stderr
    else:
        assert b"Topic authorization failed" in out.stderr, out.stderr
        assert after == before


@pytest.mark.parametrize("principal,topic,group,allowed", [
    ("bmdstream-bmd", "prefilter-done", "bmdstream-bmd", True),
    ("bmdstream-bmd", "experiment-imported", None, False),
    ("bmdstream-bmd", "prefilter-done", "bmdstream-category", False),
    ("bmdstream-bmd", "bmd-chunks", "bmdstream-bmd", True),
    ("bmdstream-category", "bmd-chunks", "bmdstream-category", False),
    ("bmdstream-import", "experiment-imported", None, False),
    ("bmdstream-tracker", "category-done", "bmdstream-tracker", True),
    ("bmdstream-operator", "dead-letter", None, True),
    ("bmdstream-operator", "job-events", None, False),
])
def test_read_only_where_granted(deployment, principal, topic, group, allowed):
    bootstrap, prefix = deployment
    out = consume(bootstrap, prefix + topic, principal, group and prefix + group)
    err = out.stderr.decode()
    if allowed:
        assert out.returncode == 0 and "authorization failed" not in err.lower(), err
    else:
        assert "authorization failed" in err.lower(), err


def test_grants_are_what_kafka_lists(deployment):
    """`bmdstream acl print` against Kafka's own AclCommand --list of the
    deployment's topics and groups (the same bindings, nothing more)."""
    bootstrap, prefix = deployment
    printed = subprocess.run([os.path.join(BIN, "bmdstream"), "acl", "print", "--prefix", prefix],
                             capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    ours = {tuple(line.split("\t")) for line in printed.stdout.splitlines()}
    assert glob.glob(os.path.join(JARS, "*.jar")), "Kafka jars missing (scripts/setup.sh)"
    listed = subprocess.run(["java", "-Xmx256m", "-cp", os.path.join(JARS, "*"),
                             "org.apache.kafka.tools.AclCommand", "--bootstrap-server", bootstrap,
                             *java_auth(), "--list"],
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    theirs = set()
    resource = None
    for line in listed.stdout.splitlines():
        if "ResourcePattern(" in line:
            kind = line.split("resourceType=")[1].split(",")[0].lower()
            name = line.split("name=")[1].split(",")[0]
            resource = (kind, name)
        elif "(principal=" in line and resource:
            who = line.split("principal=")[1].split(",")[0]
            op = line.split("operation=")[1].split(",")[0]
            theirs.add((who, op, *resource))
    assert len(ours) > 30
    assert {a for a in theirs if a[3].startswith(prefix)} == \
        {a for a in ours if a[2] != "cluster"}
    assert not any(a[2] == "cluster" for a in ours)


def broker_counts():
    """{(metric, labels): value} of the broker's refusal counters."""
    where = require("BMDSTREAM_KAFKA_JMX")
    password = open(require("BMDSTREAM_KAFKA_JMX_PASSWORD_FILE")).read().strip()
    out = {}
    for name, attr in [("kafka.server:type=socket-server-metrics,listener=CLIENTS,"
                        "networkProcessor=*", "failed-authentication-total"),
                       ("kafka.network:type=RequestMetrics,name=ErrorsPerSec,request=*,"
                        "error=TOPIC_AUTHORIZATION_FAILED", "Count")]:
        run = subprocess.run(
            ["java", "-Xmx128m", "-cp", os.path.join(JARS, "*"), "org.apache.kafka.tools.JmxTool",
             "--jmx-url", f"service:jmx:rmi:///jndi/rmi://{where}/jmxrmi",
             "--jmx-auth-prop", f"monitor={password}", "--object-name", name,
             "--attributes", attr, "--one-time", "true", "--report-format", "properties"],
            capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        for line in run.stdout.splitlines():
            m = re.match(r"(.+):([\w-]+)=([0-9.E+-]+)$", line)
            if m:
                out[(m.group(1), m.group(2))] = float(m.group(3))
    return out


def failed_logins(c):
    return sum(v for (k, a), v in c.items() if a == "failed-authentication-total")


def denied(c, request):
    return sum(v for (k, a), v in c.items() if f"request={request}," in k)


def test_refusals_are_counted_by_the_broker(deployment, tmp_path):
    bootstrap, prefix = deployment
    before = broker_counts()
    offsets = end_offsets(bootstrap, prefix + "experiment-imported")
    bad = tmp_path / "bad.properties"
    good = open(kafka_credentials("bmdstream-bmd")).read()
    bad.write_text("\n".join(line if not line.startswith("sasl.password=") else
                             "sasl.password=not-the-password" for line in good.splitlines()))
    wrong = subprocess.run(["kcat", "-F", str(bad), "-L", "-b", bootstrap, "-m", "10"],
                           capture_output=True, timeout=60)
    assert b"Authentication failed" in wrong.stderr, wrong.stderr
    # the BMD stage's principal writing the importer's topic
    out = produce(bootstrap, prefix + "experiment-imported", "bmdstream-bmd")
    assert b"Topic authorization failed" in out.stderr, out.stderr
    deadline = time.time() + 30
    while True:  # the broker updates its meters as it answers
        after = broker_counts()
        done = failed_logins(after) > failed_logins(before) and \
            denied(after, "Produce") + denied(after, "Metadata") > \
            denied(before, "Produce") + denied(before, "Metadata")
        if done or time.time() > deadline:
            break
        time.sleep(1)
    # (kcat tries again while its -m 10 lasts: one refusal or more each)
    assert failed_logins(after) > failed_logins(before), (before, after)
    assert denied(after, "Produce") + denied(after, "Metadata") > \
        denied(before, "Produce") + denied(before, "Metadata"), (before, after)
    assert end_offsets(bootstrap, prefix + "experiment-imported") == offsets
