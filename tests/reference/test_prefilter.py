"""
test_prefilter.py - `bmdstream analyze` prefilter numbers against peers
computed in this test on the three BMDExpress example matrices
(tests/data/bmdexpress, provenance in its SOURCES.md):

* one-way ANOVA F and p (groups with one replicate left out, as
  BMDExpress): scipy.stats.f_oneway, relative 1e-9;
* NOTEL/LOTEL Welch t-test p per dose level: scipy.stats.ttest_ind(control,
  level, equal_var=False), relative 1e-9;
* Benjamini-Hochberg adjusted p: statsmodels multipletests(method='fdr_bh')
  over the finite p-values, relative 1e-9;
* fold changes: a numpy float32 recomputation of BMDExpress's
  FoldChange.java (float sums, float means, b^(hi-lo) rounded to float),
  relative 1e-7 (the file prints floats with 9 digits);
* the filter flow (p cutoff raw or adjusted, AFFX controls, fold filter)
  and NOTEL/LOTEL doses, recomputed from the peer values.

The matrix is parsed here independently (values rounded to float32 as
BMDExpress stores them). Probes whose values are all equal have no F; they
must come out NaN on both sides.
"""
import csv
import math
import os
import subprocess
import tempfile
import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.environ.get("BS_TEST_DATA", "tests/data")
FILES = [os.path.join(DATA, "bmdexpress", f"example data {i}.txt") for i in (1, 2, 3)]
REL = 1e-9


def read_matrix(path):
    """Header, dose row, probes; samples stable-sorted by dose."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if "\t" in line and line.strip():
                rows.append(line.split("\t"))
    try:
        [float(x) for x in rows[0][1:]]
        header = False
    except ValueError:
        header = True
    doses = np.array([np.float32(x) for x in rows[1 if header else 0][1:]], dtype=np.float64)
    body = rows[2 if header else 1:]
    ids = [r[0] for r in body]
    vals = np.array([[np.float32(x) for x in r[1:]] for r in body], dtype=np.float32)
    order = np.argsort(doses, kind="stable")
    doses = doses[order]
    vals = vals[:, order]
    levels = sorted(set(doses.tolist()))
    groups = [np.nonzero(doses == d)[0] for d in levels]
    return ids, levels, groups, vals


def run(path, out, *flags):
    cmd = [BIN, "analyze", "--matrix", path, "--out", out, "--no-bmd", *flags]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    with open(os.path.join(out, "prefilter.tsv"), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(s):
    return float(s) if s != "" else math.nan  # no value: an empty cell


def close(got, want, rel):
    if math.isnan(want):
        return math.isnan(got)
    return abs(got - want) <= rel * abs(want)


def fold_changes(vals, groups, base):
    """BMDExpress FoldChange.java in float32, vectorised over probes:
    float sums in sample order, float means, sign * b^(hi - lo) rounded to
    float; the max is the first largest |FC|. Returns (best[n], fc[n, k])."""
    def mean(g):
        s = np.zeros(vals.shape[0], dtype=np.float32)
        for j in g:
            s = (s + vals[:, j]).astype(np.float32)
        return (s / np.float32(len(g))).astype(np.float32)

    a0 = mean(groups[0])
    fc = np.empty((vals.shape[0], len(groups) - 1))
    for i, g in enumerate(groups[1:]):
        a = mean(g)
        sign = np.where(a0 > a, -1.0, 1.0)
        diff = (np.maximum(a, a0) - np.minimum(a, a0)).astype(np.float32)
        fc[:, i] = (sign * np.power(base, diff.astype(np.float64))).astype(np.float32)
    best = np.zeros(vals.shape[0])
    for i in range(fc.shape[1]):
        better = np.abs(fc[:, i]) > np.abs(best)
        best[better] = fc[better, i]
    return best, fc


def welch_p(vals, groups):
    """Welch p of control vs each level: scipy, NaN where both are constant."""
    c = vals[:, groups[0]].astype(np.float64)
    out = np.empty((vals.shape[0], len(groups) - 1))
    for i, g in enumerate(groups[1:]):
        x = vals[:, g].astype(np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = stats.ttest_ind(c, x, axis=1, equal_var=False).pvalue
        const = (np.var(c, axis=1) == 0) & (np.var(x, axis=1) == 0)
        out[:, i] = np.where(const, math.nan, p)
    return out


def anova(vals, groups):
    """scipy f_oneway over the groups with >= 2 replicates; NaN for probes
    whose values are all equal."""
    gs = [vals[:, g].astype(np.float64) for g in groups if len(g) >= 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = stats.f_oneway(*gs, axis=1)
    allv = np.concatenate(gs, axis=1)
    const = np.all(allv == allv[:, :1], axis=1)
    return np.where(const, math.nan, r.statistic), np.where(const, math.nan, r.pvalue)


@pytest.fixture(scope="module", params=FILES, ids=lambda p: os.path.basename(p))
def case(request):
    path = request.param
    ids, levels, groups, vals = read_matrix(path)
    with tempfile.TemporaryDirectory() as out:
        everything = run(path, out, "--prefilter", "anova", "--p-cutoff", "none",
                         "--fold-filter", "0", "--keep-controls")
        default = run(path, out)
        mtc = run(path, out, "--mtc", "--p-cutoff", "0.1", "--fold-filter", "1.5")
    best, fc = fold_changes(vals, groups, 2.0)
    f, p = anova(vals, groups)
    return dict(ids=ids, levels=levels, groups=groups, vals=vals, everything=everything,
                default=default, mtc=mtc, best=best, fc=fc, f=f, p=p,
                welch=welch_p(vals, groups))


def test_rows_and_columns(case):
    rows = case["everything"]
    assert [r["Probe ID"] for r in rows] == case["ids"]
    k = len(case["levels"]) - 1
    cols = list(rows[0].keys())
    assert cols[:8] == ["Probe ID", "Df1", "Df2", "F-Value", "Unadjusted P-Value",
                        "Adjusted P-Value", "Max Fold Change", "Max Fold Change Unsigned"]
    assert [f"FC Dose Level {i}" for i in range(1, k + 1)] == cols[8:8 + k]
    assert "NOTEL" in cols and "LOTEL" in cols and "Passed" in cols


def test_anova_against_scipy(case):
    df1 = sum(1 for g in case["groups"] if len(g) >= 2) - 1
    df2 = sum(len(g) for g in case["groups"] if len(g) >= 2) - df1 - 1
    bad = []
    for r, f, p in zip(case["everything"], case["f"], case["p"]):
        assert int(r["Df1"]) == df1 and int(r["Df2"]) == df2
        if not (close(num(r["F-Value"]), f, REL) and close(num(r["Unadjusted P-Value"]), p, REL)):
            bad.append((r["Probe ID"], r["F-Value"], f, r["Unadjusted P-Value"], p))
    assert not bad, bad[:5]
    assert np.sum(~np.isnan(case["f"])) > 2000


def test_bh_against_statsmodels(case):
    rows = case["everything"]
    p = np.array([num(r["Unadjusted P-Value"]) for r in rows])
    ok = ~np.isnan(p)
    q = np.full(len(p), math.nan)
    q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    bad = [(r["Probe ID"], r["Adjusted P-Value"], want) for r, want in zip(rows, q)
           if not close(num(r["Adjusted P-Value"]), want, REL)]
    assert not bad, bad[:5]


def test_welch_against_scipy(case):
    k = len(case["groups"]) - 1
    bad = []
    for r, want in zip(case["everything"], case["welch"]):
        for lvl in range(1, k + 1):
            got = num(r[f"NOTEL/LOTEL T-Test p-Value Level {lvl}"])
            if not close(got, want[lvl - 1], REL):
                bad.append((r["Probe ID"], lvl, got, want[lvl - 1]))
    assert not bad, bad[:5]


def test_fold_changes_against_numpy(case):
    bad = []
    for r, best, per in zip(case["everything"], case["best"], case["fc"]):
        if not close(num(r["Max Fold Change"]), best, 1e-7):
            bad.append((r["Probe ID"], r["Max Fold Change"], best))
        if not close(num(r["Max Fold Change Unsigned"]), abs(best), 1e-7):
            bad.append((r["Probe ID"], "unsigned"))
        for i, want in enumerate(per, 1):
            if not close(num(r[f"FC Dose Level {i}"]), want, 1e-7):
                bad.append((r["Probe ID"], i, r[f"FC Dose Level {i}"], want))
    assert not bad, bad[:5]


def expected_flow(case, p_used, cutoff, fold):
    out = []
    for pid, p, best in zip(case["ids"], p_used, case["best"]):
        keep = (not math.isnan(p)) and p < cutoff and not pid.startswith("AFFX")
        out.append(bool(keep and abs(best) >= fold))
    return out


def test_filter_flow_default(case):
    want = expected_flow(case, case["p"], 0.05, 2.0)
    got = [r["Passed"] == "true" for r in case["default"]]
    assert got == want
    assert 0 < sum(got) < len(got)


def test_filter_flow_mtc(case):
    p = case["p"]
    ok = ~np.isnan(p)
    q = np.full(len(p), math.nan)
    q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    want = expected_flow(case, q, 0.1, 1.5)
    got = [r["Passed"] == "true" for r in case["mtc"]]
    assert got == want


def test_notel_lotel(case):
    levels = case["levels"]
    for r, per, pw in zip(case["everything"], case["fc"], case["welch"]):
        lotel = None
        for lvl in range(1, len(levels)):
            if abs(per[lvl - 1]) > 2.0 and pw[lvl - 1] < 0.05:
                lotel = lvl
                break
        if lotel is None:
            assert r["NOTEL"] == "" and r["LOTEL"] == "", r["Probe ID"]
        else:
            assert close(num(r["LOTEL"]), levels[lotel], 1e-7), r["Probe ID"]
            assert close(num(r["NOTEL"]), levels[lotel - 1], 1e-7), r["Probe ID"]


def test_williams_flow():
    """With --prefilter williams (when built in): p-values are permutation
    p-values in [1/(B+1), 1], the adjusted ones statsmodels' fdr_bh of them,
    and Passed follows the flow. Skipped while the build lacks Williams."""
    path = FILES[0]
    with tempfile.TemporaryDirectory() as out:
        cmd = [BIN, "analyze", "--matrix", path, "--out", out, "--prefilter", "williams",
               "--permutations", "199", "--threads", "2", "--no-bmd"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode == 2 and "not available" in r.stderr:
            pytest.skip("Williams trend test not in this build")
        assert r.returncode == 0, r.stderr
        with open(os.path.join(out, "prefilter.tsv"), encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    ids, levels, groups, vals = read_matrix(path)
    best, _ = fold_changes(vals, groups, 2.0)
    p = np.array([num(r["Unadjusted P-Value"]) for r in rows])
    assert np.all((p >= 1 / 200 - 1e-12) & (p <= 1))
    q = multipletests(p, method="fdr_bh")[1]
    assert np.allclose([num(r["Adjusted P-Value"]) for r in rows], q, rtol=REL, atol=0)
    want = [bool(pi < 0.05 and not pid.startswith("AFFX") and abs(b) >= 2.0)
            for pid, pi, b in zip(ids, p, best)]
    assert [r["Passed"] == "true" for r in rows] == want


@pytest.mark.parametrize("flags,named", [
    (["--p-cutoff", "x"], "--p-cutoff"),
    (["--prefilter", "dunnett"], "--prefilter"),
    (["--log", "base3"], "--log"),
    (["--fold-filter", "-1"], "--fold-filter"),
    (["--threads", "0"], "--threads"),
    (["--seed", "-5"], "--seed"),
    (["--permutations", "1e3"], "--permutations"),
    (["--bogus"], "--bogus"),
])
def test_bad_flags_are_named(flags, named):
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([BIN, "analyze", "--matrix", FILES[0], "--out", out, *flags],
                           capture_output=True, text=True)
    assert r.returncode == 2
    assert named in r.stderr


def test_bad_matrix_is_named(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("SampleID\ta\tb\tc\td\nDose\t0\t0\t1\t1\nP1\t1\t2\tzz\t4\n")
    r = subprocess.run([BIN, "analyze", "--matrix", str(bad), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "bad.txt:3" in r.stderr and "column 4" in r.stderr
