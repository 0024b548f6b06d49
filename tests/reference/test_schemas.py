"""The event contract, checked with an independent JSON Schema validator.

- every schema in schemas/ is a valid draft 2020-12 schema;
- every example in schemas/examples/ validates against its topic's schema
  (format assertions on), and not against another topic's;
- every event our encoder produces (`bmdstream topics --print-example`)
  validates;
- malformed events are rejected by the schema, and the envelope-level ones
  by our own strict decoder too (`bmdstream topics --check-event`), so the
  C codec and the published schema agree.
"""
import copy
import json
import os
import pathlib
import subprocess
import uuid

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))
SCHEMAS = SRC / "schemas"
TOPICS = ["experiment-imported", "prefilter-done", "bmd-done", "bmd-chunks", "category-done",
          "job-events"]


def _load_all():
    docs = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")}
    registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs.values()
    )
    return docs, registry


DOCS, REGISTRY = _load_all()


def validator(topic):
    return Draft202012Validator(
        DOCS[f"{topic}.schema.json"], registry=REGISTRY, format_checker=FormatChecker()
    )


def errors(topic, event):
    return [e.message for e in validator(topic).iter_errors(event)]


def bmdstream(*args, stdin=None):
    return subprocess.run(
        [str(BIN / "bmdstream"), "topics", *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )


def encoder_event(topic):
    r = bmdstream("--print-example", topic)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def decoder_accepts(topic, event):
    text = event if isinstance(event, str) else json.dumps(event)
    r = bmdstream("--check-event", topic, stdin=text)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode == 0, r.stdout.strip()


def test_all_topic_schemas_present():
    assert sorted(DOCS) == sorted(["envelope.schema.json"] + [f"{t}.schema.json" for t in TOPICS])


@pytest.mark.parametrize("name", sorted(DOCS))
def test_schema_is_valid_2020_12(name):
    Draft202012Validator.check_schema(DOCS[name])
    assert DOCS[name]["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def examples():
    out = []
    for p in sorted((SCHEMAS / "examples").glob("*.json")):
        out.append((p.name.split(".")[0], p))
    return out


def test_every_topic_has_an_example():
    assert {t for t, _ in examples()} == set(TOPICS)


@pytest.mark.parametrize("topic,path", examples(), ids=lambda x: getattr(x, "name", x))
def test_example_validates(topic, path):
    event = json.loads(path.read_text())
    assert errors(topic, event) == []
    ok, out = decoder_accepts(topic, event)
    assert ok, out
    for other in TOPICS:
        if other != topic:
            assert errors(other, event), f"{path.name} also validates as {other}"


@pytest.mark.parametrize("topic", TOPICS)
def test_encoder_output_validates(topic):
    event = encoder_event(topic)
    assert errors(topic, event) == []
    assert errors("envelope", event) == []
    ok, out = decoder_accepts(topic, event)
    assert ok, out


def test_encoder_refuses_dead_letter_example():
    r = bmdstream("--print-example", "dead-letter")
    assert r.returncode == 2


def _set(event, path, value):
    obj = event
    keys = path.split(".")
    for k in keys[:-1]:
        obj = obj[k]
    if value is DELETE:
        del obj[keys[-1]]
    else:
        obj[keys[-1]] = value


DELETE = object()

# (path, value, also rejected by our C decoder?)
ENVELOPE_MUTATIONS = [
    ("specversion", DELETE), ("specversion", "0.3"), ("specversion", 1.0),
    ("id", DELETE), ("id", 5), ("id", "abc"), ("id", ""),
    ("type", DELETE), ("type", "bmdstream.unknown.v1"), ("type", "bmdstream.bmd-done.v2"),
    ("type", "bmdstream.dead-letter.v1"),
    ("source", DELETE), ("source", ""), ("source", []),
    ("time", DELETE), ("time", 123), ("time", "2026-13-01T00:00:00Z"),
    ("time", "2026-01-01 00:00:00Z"), ("time", "2026-01-01T00:00:00"),
    ("time", "2026-01-01T24:00:00Z"), ("time", "2026-01-01T00:00:00+0100"),
    ("subject", DELETE), ("subject", "projects/12"), ("subject", "projects/012/experiments/345"),
    ("subject", "projects/12/experiments/345/x"),
    ("datacontenttype", DELETE), ("datacontenttype", "text/plain"),
    ("data", DELETE), ("data", "x"), ("data", None),
    ("data.job_id", DELETE), ("data.job_id", "job-1"),
    ("data.user_id", DELETE), ("data.user_id", "7"), ("data.project_id", 0),
    ("data.experiment_id", 3.5), ("data.experiment_id", 10**18),
    ("data_base64", "AA=="), ("Foo_Bar", 1), ("averyveryverylongextension", 1),
]


@pytest.mark.parametrize("path,value", ENVELOPE_MUTATIONS,
                         ids=[f"{p}={'<del>' if v is DELETE else v!r}" for p, v in ENVELOPE_MUTATIONS])
def test_malformed_envelope_rejected_by_both(path, value):
    event = encoder_event("bmd-done")
    _set(event, path, value)
    assert errors("bmd-done", event), "schema accepted a malformed event"
    ok, out = decoder_accepts("bmd-done", event)
    assert not ok, "decoder accepted a malformed event"
    field = path.split(".")[-1]
    assert field in out, out


def test_subject_mismatch_rejected_by_decoder():
    # Cross-field equality is beyond JSON Schema; the decoders enforce it.
    event = encoder_event("bmd-done")
    event["subject"] = "projects/12/experiments/346"
    ok, out = decoder_accepts("bmd-done", event)
    assert not ok and "does not match" in out


def test_extension_attribute_accepted_by_both():
    event = encoder_event("bmd-done")
    event["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert errors("bmd-done", event) == []
    assert decoder_accepts("bmd-done", event)[0]


DATA_MUTATIONS = [
    ("experiment-imported", "data.matrix_key", "projects/12/experiments/345/other.bin"),
    ("experiment-imported", "data.parameters.prefilter", DELETE),
    ("experiment-imported", "data.parameters.prefilter.method", "t-test"),
    ("experiment-imported", "data.parameters.prefilter.p_cutoff", 0),
    ("experiment-imported", "data.parameters.prefilter.p_cutoff", 1.5),
    ("experiment-imported", "data.parameters.prefilter.mtc", "bonferroni"),
    ("experiment-imported", "data.parameters.prefilter.fold_filter", 0.5),
    ("experiment-imported", "data.parameters.prefilter.permutations", -1),
    ("experiment-imported", "data.parameters.prefilter.log_base", 2),
    ("experiment-imported", "data.parameters.prefilter.p_cutof", 0.05),
    ("experiment-imported", "data.parameters.bmd.models", []),
    ("experiment-imported", "data.parameters.bmd.models", ["hill", "hill"]),
    ("experiment-imported", "data.parameters.bmd.models", ["gamma"]),
    ("experiment-imported", "data.parameters.bmd.variance", "modeled"),
    ("experiment-imported", "data.parameters.bmd.bmr_type", "hybrid"),
    ("experiment-imported", "data.parameters.bmd.bmr", 0),
    ("experiment-imported", "data.parameters.bmd.selection.flagged_hill", 6),
    ("experiment-imported", "data.num_samples", 1),
    ("prefilter-done", "data.prefilter_result_id", DELETE),
    ("prefilter-done", "data.parameters.bmd", DELETE),
    ("bmd-done", "data.bmd_result_id", -3),
    ("bmd-done", "data.parameters.category.type", "kegg"),
    ("bmd-done", "data.parameters.category.gmt_key", "sets.gmt"),
    ("bmd-done", "data.parameters.category.category_map_key", None),
    ("bmd-done", "data.parameters.category.filters.min_genes", 0),
    ("category-done", "data.category_result_id", DELETE),
    ("category-done", "data.num_categories", "many"),
    ("job-events", "data.status", "DONE"),
    ("job-events", "data.progress", 1.5),
    ("job-events", "data.progress", -0.1),
    ("job-events", "data.stage", DELETE),
    ("job-events", "data.error", {"class": "permanent", "message": "x"}),  # RUNNING with error
    ("job-events", "data.error.class", "oops"),
]


@pytest.mark.parametrize("topic,path,value", DATA_MUTATIONS,
                         ids=[f"{t}:{p}={'<del>' if v is DELETE else v!r}" for t, p, v in DATA_MUTATIONS])
def test_malformed_data_rejected_by_schema(topic, path, value):
    event = encoder_event(topic)
    if path == "data.error.class":
        event["data"]["status"] = "FAILED"
        event["data"]["error"] = {"class": "permanent", "message": "m"}
        assert errors(topic, event) == []
    _set(event, path, value)
    assert errors(topic, event), "schema accepted malformed data"


def test_failed_and_completed_job_events():
    event = encoder_event("job-events")
    event["data"].update(status="FAILED", error=None)
    assert errors("job-events", event)  # FAILED needs an error
    event["data"]["error"] = {"class": "permanent", "message": "bad matrix"}
    assert errors("job-events", event) == []
    event["data"].update(status="COMPLETED", progress=0.9, error=None)
    assert errors("job-events", event)  # COMPLETED means progress 1
    event["data"]["progress"] = 1
    assert errors("job-events", event) == []


def test_gmt_category_settings():
    event = encoder_event("bmd-done")
    event["data"]["parameters"]["category"]["type"] = "gmt"
    event["data"]["annotation"].update(gmt_key="projects/12/experiments/345/gene_sets.gmt",
                                       category_map_key=None)
    assert errors("bmd-done", event) == []
    event["data"]["parameters"]["category"]["type"] = "go_bp"  # not a type we run
    assert errors("bmd-done", event)


EVENT_ID_NAMESPACE = uuid.UUID("5b0c3c1e-8f0e-4d6a-9a52-3f1d2e7c9b40")


@pytest.mark.parametrize("topic,key", [
    ("bmd-done", "bmd_result=99"),
    ("prefilter-done", "prefilter_result=81"),
    ("job-events", "job=6f1c2b1e-7d1a-4c2e-9a3b-1e2f3a4b5c6d/status=RUNNING/progress=0.5"),
    ("category-done", "category_result=120 \u00e9\u00e8"),
])
def test_event_id_is_uuid5_as_documented(topic, key):
    # Python's uuid.uuid5 is the independent implementation of RFC 4122 §4.3.
    r = bmdstream("--event-id", topic, key)
    assert r.returncode == 0, r.stderr
    want = uuid.uuid5(EVENT_ID_NAMESPACE, f"bmdstream.{topic}.v1\n{key}")
    assert r.stdout.strip() == str(want)


def test_integral_real_ids_accepted_by_both():
    # JSON Schema's "integer" includes 12.0; the decoder agrees.
    event = encoder_event("bmd-done")
    event["data"]["project_id"] = 12.0
    assert errors("bmd-done", event) == []
    assert decoder_accepts("bmd-done", event)[0]
