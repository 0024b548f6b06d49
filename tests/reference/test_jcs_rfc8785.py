"""Our RFC 8785 canonicaliser (common/pipeline/jcs.c, through `bmdstream
event canonical`) against an independent one, the PyPI package rfc8785
(Trail of Bits): byte equality on many values, and the same refusals.

The values: RFC 8785's own number examples (Appendix B and §3.2.2.3: 0.05,
1e-7, 1e21, -0, 5e-324, the largest double), numbers at every ECMAScript
format boundary (1e-6/1e-7, 1e20/1e21), 20000 doubles of random bit
patterns (subnormals included), powers of two (where the interval that
rounds to a double is wider above than below), strings with every control
character, quotes, backslashes, U+007F, U+2028, non-ASCII and astral
characters, member names that UTF-16 orders differently from code points
(U+E000 vs U+1F600), nested envelopes with settings. Then signatures:
`bmdstream event sign` output verifies with the `cryptography` package
over rfc8785's bytes, the key id is SHA-256 of the raw key's first 16
bytes, and a changed field fails.
"""
import base64
import hashlib
import json
import math
import os
import pathlib
import random
import struct
import subprocess
import uuid

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))


def canonical_c(values):
    """Our canonical text of each value (one JSON line each)."""
    text = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values)
    out = subprocess.run([str(BIN / "bmdstream"), "event", "canonical"], input=text.encode(),
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.split(b"\n")[:-1]


def check_all(values):
    ours = canonical_c(values)
    assert len(ours) == len(values)
    for v, got in zip(values, ours):
        assert got == rfc8785.dumps(v), (v, got)


def test_rfc8785_number_examples():
    # RFC 8785 §3.2.2.3 / Appendix B, written out (expected text in the RFC):
    check_all([0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
               9007199254740992.0, -9007199254740992.0, 295147905179352830000.0, 1e21, 1e20,
               999999999999999900000.0, 1e-6, 1e-7, 0.000001, 0.0000001, 0.05, 1e23, 1.5e300,
               3.0e-5, 333333333.3333333, 1e-323, 1.0, 12.0, -1.5, 0.1 + 0.2])
    assert canonical_c([1e21, 1e-7, -0.0, 0.05, 1e20]) == [b"1e+21", b"1e-7", b"0", b"0.05",
                                                           b"100000000000000000000"]


def test_random_doubles():
    rnd = random.Random(8785)
    values = []
    while len(values) < 20000:
        (v,) = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))
        if math.isfinite(v):
            values.append(v)
    values += [rnd.uniform(-1e6, 1e6) for _ in range(3000)]
    values += [round(rnd.uniform(0, 10), rnd.randint(0, 6)) for _ in range(3000)]
    check_all(values)


def test_powers_of_two_and_integers():
    values = [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    values += [-v for v in values[::7]]
    values += [2 ** 53 - 1, -(2 ** 53 - 1), 0, 1, -1, 123456789]
    check_all(values)


def test_strings_and_member_order():
    rnd = random.Random(15)
    # U+0000 is left out: our decoder refuses it (test_nul_is_refused)
    controls = "".join(chr(c) for c in range(1, 0x20))
    strings = [controls, '"\\/', "\x7f\u2028\u2029", "é€😀𝄞", "\ue000\uffff", ""]
    alphabet = [chr(c) for c in (0x1, 0x1f, 0x22, 0x5c, 0x41, 0x7f, 0xe9, 0x2028, 0xe000,
                                 0xfffd, 0x1f600, 0x10ffff)]
    strings += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
                for _ in range(500)]
    names = {"\ue000": 1, "😀": 2, "a": 3, "A": 4, "\u20ac": 5, "\r": 6, "1": 7, "10": 8,
             "€😀": 9, "€": 10}
    values = strings + [names, {s: i for i, s in enumerate(strings[:200])}]
    check_all(values)


def test_nul_is_refused():
    """U+0000 in a string: rfc8785 would write \\u0000, but the pipeline's
    decoder (jansson without JSON_ALLOW_NUL, common/pipeline/envelope.c)
    refuses such an event before any signature is checked, and so does
    `event canonical`, naming the line."""
    out = subprocess.run([str(BIN / "bmdstream"), "event", "canonical"],
                         input=b'["a\\u0000b"]\n', capture_output=True, timeout=60)
    assert out.returncode == 1 and b"stdin line 1" in out.stderr, out.stderr


def envelope(rnd):
    data = {"job_id": str(uuid.UUID(int=rnd.getrandbits(128))), "user_id": rnd.randint(1, 99),
            "project_id": rnd.randint(1, 999), "experiment_id": rnd.randint(1, 999),
            "matrix_key": "projects/1/experiments/2/matrix.bin",
            "parameters": {"prefilter": {"method": rnd.choice(["anova", "williams"]),
                                         "p_cutoff": rnd.choice([0.05, 0.01, 1e-7]),
                                         "fold_filter": rnd.uniform(1, 3),
                                         "log_base": "2"},
                           "bmd": {"bmr": rnd.uniform(0.5, 2), "models": ["hill", "exp5"],
                                   "restrict_power": True, "seed": None},
                           "name": "Ünïcode \"quoted\"\n\ttab 😀"}}
    return {"specversion": "1.0", "id": str(uuid.uuid4()),
            "type": "bmdstream.experiment-imported.v1", "source": "/tests/reference",
            "time": "2026-01-02T03:04:05.678Z",
            "subject": f"projects/{data['project_id']}/experiments/{data['experiment_id']}",
            "datacontenttype": "application/json", "data": data}


def test_nested_envelopes():
    rnd = random.Random(2)
    check_all([envelope(rnd) for _ in range(300)])


def test_same_refusals():
    """2^53 has no exact double twin: both refuse it (rfc8785 raises)."""
    for bad in (2 ** 53, -(2 ** 53), 2 ** 62):
        with pytest.raises(rfc8785.IntegerDomainError):
            rfc8785.dumps(bad)
        out = subprocess.run([str(BIN / "bmdstream"), "event", "canonical"],
                             input=f"[{bad}]\n".encode(), capture_output=True, timeout=60)
        assert out.returncode == 1 and b"outside +-(2^53 - 1)" in out.stderr, out.stderr


def test_signed_by_us_verifies_in_python(tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "k.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    rnd = random.Random(3)
    events = [envelope(rnd) for _ in range(50)]
    out = subprocess.run([str(BIN / "bmdstream"), "event", "sign", "--signing-key", str(path)],
                         input="".join(json.dumps(e) + "\n" for e in events).encode(),
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    kid = hashlib.sha256(raw).digest()[:16].hex()
    pub = Ed25519PublicKey.from_public_bytes(raw)
    signed = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(signed) == len(events)
    for original, s in zip(events, signed):
        assert s.pop("bskeyid") == kid
        sig = base64.b64decode(s.pop("bssignature"), validate=True)
        assert s == original
        pub.verify(sig, rfc8785.dumps(original))  # raises InvalidSignature if wrong
        changed = dict(original, data=dict(original["data"], project_id=999999))
        with pytest.raises(Exception):
            pub.verify(sig, rfc8785.dumps(changed))


def test_group_readable_key_is_refused(tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "k.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o640)
    out = subprocess.run([str(BIN / "bmdstream"), "event", "sign", "--signing-key", str(path)],
                         input=b"{}\n", capture_output=True, timeout=60)
    assert out.returncode == 2 and b"readable by group or others" in out.stderr, out.stderr


def test_published_examples_verify():
    """schemas/examples/experiment-imported.json and `bmdstream topics
    --print-example experiment-imported` are signed with RFC 8032 §7.1
    TEST 1's key; its public key d75a9801...511a verifies both."""
    pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
    printed = subprocess.run([str(BIN / "bmdstream"), "topics", "--print-example",
                              "experiment-imported"], capture_output=True, timeout=60, check=True)
    for text in ((SRC / "schemas" / "examples" / "experiment-imported.json").read_text(),
                 printed.stdout.decode()):
        ev = json.loads(text)
        assert ev.pop("bskeyid") == "21fe31dfa154a261626bf854046fd227"
        pub.verify(base64.b64decode(ev.pop("bssignature")), rfc8785.dumps(ev))
