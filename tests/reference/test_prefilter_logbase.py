"""Fold changes of `bmdstream analyze` under every --log flag.

BMDExpress never transforms the data; the log flag only changes the
fold-change arithmetic (notes/bmdexpress.md §1.2, §2.1). test_prefilter.py
checks base2; this checks base10, natural and none, plus the fold filter
with --prefilter none, on example data 1. Peer: a numpy float32
recomputation of FoldChange.java (float sums in sample order, float means,
b^(hi-lo) in double rounded to float; unlogged: hi/lo in float), relative
1e-7 since the file prints floats with 9 significant digits.
"""
import csv
import math
import os
import subprocess

import numpy as np
import pytest

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.environ.get("BS_TEST_DATA", "tests/data")
MATRIX = os.path.join(DATA, "bmdexpress", "example data 1.txt")
BASES = {"base10": 10.0, "natural": math.e, "none": None}


def read_matrix(path):
    rows = []
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if "\t" in line and line.strip():
                rows.append(line.split("\t"))
    doses = np.array([float(x) for x in rows[1][1:]], dtype=np.float32)
    ids = [r[0] for r in rows[2:]]
    vals = np.array([[float(x) for x in r[1:]] for r in rows[2:]], dtype=np.float32)
    order = np.argsort(doses, kind="stable")
    doses, vals = doses[order], vals[:, order]
    groups = [np.nonzero(doses == d)[0] for d in np.unique(doses)]
    return ids, groups, vals


def fmean(y):
    acc = np.float32(0)
    for v in y:
        acc = np.float32(acc + v)
    return np.float32(acc / np.float32(len(y)))


def fold(a0, ag, b):
    hi, lo = max(ag, a0), min(ag, a0)
    s = np.float32(-1.0 if a0 > ag else 1.0)
    if b is None:
        return float(np.float32(s * hi / lo))
    return float(np.float32(float(s) * b ** float(np.float32(hi - lo))))


def close(got, want, rel):
    return abs(got - want) <= rel * max(abs(got), abs(want))


@pytest.mark.parametrize("base", sorted(BASES))
def test_fold_change_log_flag(tmp_path, base):
    ids, groups, vals = read_matrix(MATRIX)
    out = tmp_path / "out"
    subprocess.run([BIN, "analyze", "--matrix", MATRIX, "--out", str(out), "--prefilter",
                    "none", "--log", base, "--fold-filter", "1.5", "--no-bmd"],
                   check=True, capture_output=True, text=True)
    with open(out / "prefilter.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert [r["Probe ID"] for r in rows] == ids
    bad = []
    for i, r in enumerate(rows):
        a0 = fmean(vals[i][groups[0]])
        fcs = [fold(a0, fmean(vals[i][g]), BASES[base]) for g in groups[1:]]
        for lv, want in enumerate(fcs, 1):
            if not close(float(r[f"FC Dose Level {lv}"]), want, 1e-7):
                bad.append((r["Probe ID"], lv, r[f"FC Dose Level {lv}"], want))
        best = max(fcs, key=abs)  # first of the largest |FC|
        if not close(float(r["Max Fold Change"]), best, 1e-7):
            bad.append((r["Probe ID"], "max", r["Max Fold Change"], best))
        keep = abs(best) >= 1.5 and not r["Probe ID"].startswith("AFFX")
        if (r["Passed"] == "true") != keep:
            bad.append((r["Probe ID"], "passed", r["Passed"], keep))
    assert not bad, bad[:5]
