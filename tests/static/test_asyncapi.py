"""schemas/asyncapi.yaml: valid for the AsyncAPI project's own parser
(@asyncapi/parser, pinned in ci/asyncapi/, installed by scripts/setup.sh),
which must also refuse broken copies of it; and true to the code: the
topics of common/pipeline/topics.c, the payload of each its JSON Schema in
schemas/, the dead-letter and replay headers the producers write, the
consumer groups of the stage table, and the security schemes the brokers'
SASL listeners take."""
import os
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = os.environ.get("BS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMAS = os.path.join(ROOT, "schemas")
DOC = os.path.join(SCHEMAS, "asyncapi.yaml")
STATE = os.environ.get("BMDSTREAM_STATE_DIR", os.path.join(ROOT, ".state"))
MODULES = os.path.join(STATE, "asyncapi", "node_modules")
CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "asyncapi_check.cjs")


def check(path):
    """The parser's verdict on path: (exit status, output)."""
    assert os.path.isdir(os.path.join(MODULES, "@asyncapi", "parser")), \
        f"@asyncapi/parser missing under {MODULES}: run scripts/setup.sh"
    assert shutil.which("node"), "node missing: run scripts/setup.sh"
    out = subprocess.run(["node", CHECK, path], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, BS_ASYNCAPI_MODULES=MODULES))
    return out.returncode, out.stdout + out.stderr


def source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


@pytest.fixture(scope="module")
def doc():
    with open(DOC) as f:
        return yaml.safe_load(f)


def test_the_parser_accepts_the_document():
    rc, out = check(DOC)
    assert rc == 0, out
    assert re.search(r"^valid: .*AsyncAPI 3\.0\.0, 7 channels", out, re.M), out
    assert not re.search(r"^error\t", out, re.M), out


# Each broken copy, and a diagnostic the parser must give for it.
BROKEN = [
    ("an operation's action is not send or receive",
     lambda t: t.replace("action: send", "action: publish", 1), r"\"action\" property"),
    ("a payload refers to a schema file that does not exist",
     lambda t: t.replace("./bmd-done.schema.json", "./no-such.schema.json"), r"no-such\.schema"),
    ("an operation names a message of another channel",
     lambda t: t.replace("- $ref: '#/channels/bmdDone/messages/bmdDone'",
                         "- $ref: '#/channels/jobEvents/messages/jobEvent'", 1),
     r"does not belong to the specified channel"),
    ("a channel without its messages' definitions",
     lambda t: t.replace("        $ref: '#/components/messages/jobEvent'",
                         "        $ref: '#/components/messages/noSuchMessage'"), r"noSuchMessage"),
    ("not an AsyncAPI 3 version",
     lambda t: t.replace("asyncapi: 3.0.0", "asyncapi: 3.0.9"), r"asyncapi"),
]


@pytest.mark.parametrize("what,mutate,diagnostic", BROKEN, ids=[b[0] for b in BROKEN])
def test_the_parser_refuses_a_broken_copy(tmp_path, what, mutate, diagnostic):
    # The copy sits beside copies of the schemas, so its $refs resolve as the original's.
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    text = open(DOC).read()
    broken = mutate(text)
    assert broken != text, what
    path = tmp_path / "schemas" / "asyncapi.yaml"
    path.write_text(broken)
    rc, out = check(str(path))
    assert rc == 1, (what, out)
    assert re.search(r"^invalid: ", out, re.M), out
    errors = [line for line in out.splitlines() if line.startswith("error\t")]
    assert errors and any(re.search(diagnostic, line) for line in errors), (what, out)


def test_every_topic_is_a_channel_with_its_schema(doc):
    table = re.search(r"topic_names\[BS_TOPIC_COUNT\] = \{(.*?)\};",
                      source("common/pipeline/topics.c"), re.S).group(1)
    topics = re.findall(r'"([a-z-]+)"', table)
    assert len(topics) == 7
    channels = {c["address"]: c for c in doc["channels"].values()}
    assert sorted(channels) == sorted(topics)
    messages = doc["components"]["messages"]
    for topic, channel in channels.items():
        assert channel["bindings"]["kafka"]["topic"] == topic
        (ref,) = [m["$ref"] for m in channel["messages"].values()]
        message = messages[ref.rsplit("/", 1)[1]]
        assert message["name"] == topic
        if topic == "dead-letter":
            continue
        assert message["payload"] == {"$ref": f"./{topic}.schema.json"}
        assert os.path.isfile(os.path.join(SCHEMAS, f"{topic}.schema.json"))
        key = message["bindings"]["kafka"]["key"]["$ref"].rsplit("/", 1)[1]
        assert key == "experimentKey"
        for example in message.get("examples", []):
            assert os.path.isfile(os.path.join(SCHEMAS, example["payload"]["$ref"]))
    # Every channel is sent by someone and received by someone (dead-letter:
    # by operators, outside the pipeline).
    ops = doc["operations"].values()
    for name, channel in doc["channels"].items():
        actions = {o["action"] for o in ops if o["channel"]["$ref"] == f"#/channels/{name}"}
        assert actions == ({"send"} if channel["address"] == "dead-letter"
                           else {"send", "receive"}), name


def test_headers_are_the_ones_the_code_writes(doc):
    schemas = doc["components"]["schemas"]
    dlq = re.findall(r'rd_kafka_header_add\(hdrs, "(dlq\.[a-z.]+)"',
                     source("common/services/bus_producer.c"))
    assert len(dlq) == 7
    assert sorted(schemas["deadLetterHeaders"]["required"]) == sorted(dlq)
    assert sorted(schemas["deadLetterHeaders"]["properties"]) == sorted(dlq)
    replay = re.findall(r'\(bs_bus_header\)\{"(replay\.[a-z]+)"', source("common/pipeline/replay.c"))
    assert len(replay) == 3
    assert sorted(schemas["eventHeaders"]["properties"]) == sorted(replay)
    # Our events carry no other header: every other producer call passes none.
    calls = []
    for folder in ("common", "producers", "consumers"):
        for base, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                rel = os.path.relpath(os.path.join(base, name), ROOT)
                if name.endswith(".c") and rel not in ("common/services/bus_producer.c",
                                                       "common/pipeline/replay.c"):
                    calls += [(rel, call) for call in
                              re.findall(r"bs_producer_send\((.{0,160})", source(rel), re.S)]
    assert len(calls) >= 3, calls
    for rel, call in calls:
        assert re.search(r"strlen\(text\),\s*NULL,\s*0,", call), (rel, call)


def test_consumer_groups_are_the_stages(doc):
    stages = re.findall(r'^\s*\{"([a-z]+)", BS_TOPIC_', source("common/pipeline/stages.c"), re.M)
    assert stages == ["prefilter", "bmd", "category"]
    groups = set()
    for op in doc["operations"].values():
        binding = op.get("bindings", {}).get("kafka", {})
        if op["action"] == "receive":
            ref = binding["groupId"]["$ref"].rsplit("/", 1)[1]
            groups.add(doc["components"]["schemas"][ref]["const"])
    assert groups == {f"bmdstream-{s}" for s in stages + ["tracker"]}


def test_security_schemes_are_the_brokers(doc):
    """The servers name the SASL mechanisms the brokers' client listeners
    take (scripts/stack.sh, docker/compose.yaml)."""
    stack = source("scripts/stack.sh")
    assert "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENTS:SASL_PLAINTEXT" in stack
    assert "listener.name.clients.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512" in stack
    assert "KAFKA_LISTENER_NAME_CLIENTS_SASL_ENABLED_MECHANISMS: PLAIN" in \
        source("docker/compose.yaml")
    schemes = doc["components"]["securitySchemes"]
    assert {k: v["type"] for k, v in schemes.items()} == {"saslPlain": "plain",
                                                          "saslScram512": "scramSha512"}
    for name, server in doc["servers"].items():
        assert server["protocol"] == "kafka"  # kafka-secure would be TLS
        assert "SASL_PLAINTEXT" in server["description"]
        assert server["security"][0]["$ref"] == "#/components/securitySchemes/saslPlain"