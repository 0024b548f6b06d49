"""
event_schemas.py - the published event contract (schemas/*.schema.json)
as independent validators (the jsonschema package, draft 2020-12, format
assertions on), for tests that capture the events our programs really
emit.
"""
import json
import pathlib

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas"
TOPICS = ["experiment-imported", "prefilter-done", "bmd-done", "category-done", "job-events"]


def _validators():
    docs = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")}
    registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs.values())
    return {t: Draft202012Validator(docs[f"{t}.schema.json"], registry=registry,
                                    format_checker=FormatChecker()) for t in TOPICS}


VALIDATORS = _validators()


def event_errors(topic, payload):
    """the schema's complaints about one event of `topic` (its JSON text or
    object); [] when it validates"""
    event = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATORS[topic].iter_errors(event)]
