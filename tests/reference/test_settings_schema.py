"""The settings table and the event schema say the same thing.

The analysis settings are defined once, in common/analysis/settings_table.c;
`bmdstream settings --table` prints that table. The published contract for
upstream systems is schemas/envelope.schema.json, $defs/parameters. This
test walks both, independently of our C code's validator:

- every setting of the table is a required property of the schema at its
  path, with the same type, nullability, bounds, choices and default;
- the schema has no setting the table lacks;
- the defaults (`bmdstream settings`) validate against the schema, and so
  do settings the validator normalizes; values the validator refuses are
  refused by the schema too (a few per kind).
"""
import json
import os
import pathlib
import subprocess

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))
ENVELOPE = json.loads((SRC / "schemas" / "envelope.schema.json").read_text())
PARAMETERS = ENVELOPE["$defs"]["parameters"]


def settings(*args, stdin=None):
    r = subprocess.run([str(BIN / "bmdstream"), "settings", *args], input=stdin,
                       capture_output=True, text=True, timeout=60)
    return r


TABLE = json.loads(settings("--table").stdout)


def schema_node(path):
    node = PARAMETERS
    for part in path.split("."):
        assert node.get("type") == "object", f"{path}: {part} is not below an object"
        assert part in node.get("required", []), f"{path}: {part} is not required"
        node = node["properties"][part]
    return node


def schema_leaves(node=PARAMETERS, prefix=""):
    for key, child in node["properties"].items():
        path = prefix + key
        if child.get("type") == "object":
            assert child.get("additionalProperties") is False, path
            yield from schema_leaves(child, path + ".")
        else:
            yield path


def validator():
    registry = Registry().with_resource(ENVELOPE["$id"], Resource.from_contents(ENVELOPE))
    return Draft202012Validator({"$ref": ENVELOPE["$id"] + "#/$defs/parameters"},
                                registry=registry)


def test_table_is_not_empty():
    assert len(TABLE) > 40
    assert PARAMETERS.get("additionalProperties") is False


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r["path"])
def test_setting_in_schema(row):
    node = schema_node(row["path"])
    kind = row["type"]
    types = node.get("type")
    types = [types] if isinstance(types, str) else (types or [])
    assert ("null" in types or None in node.get("enum", [])) == row["nullable"], "nullability"
    if kind in ("boolean", "integer", "number"):
        assert [t for t in types if t != "null"] == [kind]
        for key, schema_key in (("minimum", "minimum"), ("exclusive_minimum", "exclusiveMinimum"),
                                ("maximum", "maximum"), ("exclusive_maximum", "exclusiveMaximum")):
            assert (key in row) == (schema_key in node), f"{schema_key} present in one only"
            if key in row:
                assert float(node[schema_key]) == float(row[key]), schema_key
    elif kind in ("choice", "method"):
        want = list(row["choices"]) + ([None] if row["nullable"] else [])
        assert node["enum"] == want
    elif kind == "models":
        assert node["type"] == "array" and node["minItems"] == 1 and node["uniqueItems"] is True
        assert node["items"]["enum"] == row["choices"]
    elif kind == "string":
        assert [t for t in types if t != "null"] == ["string"] and node["minLength"] == 1
    elif kind == "codes":
        assert node["type"] == "array" and node["uniqueItems"] is True
        assert node["maxItems"] == 32 and node["items"]["pattern"] == "^[^, \t]{1,15}$"
    else:
        pytest.fail(f"unknown type {kind}")
    assert node["default"] == row["default"], "default"
    if row.get("flag"):
        assert f"--{row['flag']}" in node["description"], "the schema names the flag"


def test_schema_has_nothing_the_table_lacks():
    assert sorted(schema_leaves()) == sorted(r["path"] for r in TABLE)


def test_defaults_validate():
    r = settings()
    assert r.returncode == 0, r.stderr
    assert list(validator().iter_errors(json.loads(r.stdout))) == []


@pytest.mark.parametrize("change,ok", [
    ({"prefilter": {"method": "williams", "p_cutoff": None, "mtc": "bh"}}, True),
    ({"prefilter": {"fold_filter": None}}, True),
    ({"bmd": {"models": ["exp5", "hill"], "variance": "nonconstant"}}, True),
    ({"category": {"type": "gmt", "filters": {"remove_direction": "up"}}}, True),
    ({"category": {"type": "go", "go": {"obo": "go-basic.obo", "annotations": "goa.gaf",
                                        "aspect": "universal", "exclude_evidence": ["IEA", "ND"],
                                        "taxon": 9606}}}, True),
    ({"category": {"go": {"exclude_evidence": ["IEA", "IEA"]}}}, False),
    ({"category": {"go": {"exclude_evidence": ["IEA,ND"]}}}, False),
    ({"category": {"go": {"obo": ""}}}, False),
    ({"category": {"go": {"aspect": "all"}}}, False),
    ({"category": {"go": {"taxon": 0}}}, False),
    ({"prefilter": {"p_cutoff": 1.5}}, False),
    ({"prefilter": {"p_cutoff": 0}}, False),
    ({"prefilter": {"fold_filter": 0.5}}, False),
    ({"prefilter": {"method": "dunnett"}}, False),
    ({"bmd": {"models": []}}, False),
    ({"bmd": {"models": ["hill", "hill"]}}, False),
    ({"bmd": {"confidence_level": 1}}, False),
    ({"bmd": {"selection": {"flagged_hill": 0}}}, False),
    ({"category": {"filters": {"min_genes_in_set": 0}}}, False),
    ({"tpod": {"percentile": 1}}, False),
    ({"plots": {"extra": 1}}, False),
])
def test_validator_and_schema_agree(change, ok):
    """What our validator accepts (and normalizes), the schema accepts; what
    it refuses, the schema refuses."""
    r = settings("--check", "-", stdin=json.dumps(change))
    assert (r.returncode == 0) == ok, r.stderr
    if ok:
        assert list(validator().iter_errors(json.loads(r.stdout))) == []
    else:
        assert "parameters." in r.stderr
        full = json.loads(settings().stdout)
        for section, values in change.items():
            for key, value in values.items():
                if isinstance(value, dict) and isinstance(full[section].get(key), dict):
                    full[section][key].update(value)
                else:
                    full[section][key] = value
        assert list(validator().iter_errors(full)) != []
