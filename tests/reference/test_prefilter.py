"""Prefilter numbers of `bmdstream analyze` checked against independent peers.

For each BMDExpress example matrix the test reads the file itself (numpy,
values rounded to float32 as BMDExpress stores them), runs
`$BS_BIN_DIR/bmdstream analyze` and compares prefilter.tsv with:
  * ANOVA F and p: scipy.stats.f_oneway over dose groups with >= 2 samples,
    1e-9 relative;
  * NOTEL/LOTEL Welch p: scipy.stats.ttest_ind(equal_var=False), 1e-9 relative;
  * adjusted p: statsmodels multipletests(method="fdr_bh"), 1e-9 relative;
  * fold changes: a numpy recomputation of notes/bmdexpress.md §2.1 in
    BMDExpress's float32 arithmetic (group means summed in sample order) for
    the log bases base2, base10, natural and none, 1e-12 relative;
  * the pass/fail column: the filter flow recomputed here.
"""
import csv
import math
import os
import subprocess

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
FILES = ["example data 1.txt", "example data 2.txt", "example data 3.txt"]
RTOL = 1e-9


def read_matrix(path):
    """BMDExpress layout: header row, dose row, probe rows (tab-delimited)."""
    rows = []
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if "\t" in line and line.strip():
                rows.append(line.split("\t"))
    doses = np.array([float(x) for x in rows[1][1:]], dtype=np.float32).astype(np.float64)
    ids = [r[0] for r in rows[2:]]
    vals = np.array([[float(x) for x in r[1:]] for r in rows[2:]], dtype=np.float32)
    vals = vals.astype(np.float64)
    order = np.argsort(doses, kind="stable")
    doses, vals = doses[order], vals[:, order]
    levels = np.unique(doses)
    groups = [np.nonzero(doses == d)[0] for d in levels]
    return ids, levels, groups, vals


def run_analyze(tmp_path, matrix, *args):
    out = tmp_path / "out"
    subprocess.run([BIN, "analyze", "--matrix", matrix, "--out", str(out), *args],
                   check=True, capture_output=True, text=True)
    with open(out / "prefilter.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return rows


def num(s):
    return float("nan") if s == "" else float(s)


def close(a, b, rtol=RTOL):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rtol * max(abs(a), abs(b)) or a == b


def fmean(y):
    """Float32 mean, summed in sample order, as BMDExpress (Java float)."""
    acc = np.float32(0)
    for v in y:
        acc = np.float32(acc + np.float32(v))
    return np.float32(acc / np.float32(len(y)))


def fold(a0, ag, base):
    """§2.1 on float32 means: the power in double, rounded back to float."""
    a0, ag = np.float32(a0), np.float32(ag)
    hi, lo = max(ag, a0), min(ag, a0)
    s = np.float32(-1.0 if a0 > ag else 1.0)
    if base == "none":
        return float(np.float32(s * hi / lo))
    b = {"base2": 2.0, "base10": 10.0, "natural": math.e}[base]
    return float(np.float32(float(s) * b ** float(np.float32(hi - lo))))


@pytest.mark.parametrize("name", FILES)
def test_anova_welch_bh_fold(tmp_path, name):
    path = os.path.join(DATA, name)
    ids, levels, groups, vals = read_matrix(path)
    rows = run_analyze(tmp_path, path, "--prefilter", "anova")
    assert [r["Probe ID"] for r in rows] == ids
    k = len(levels) - 1
    used = [g for g in groups if len(g) >= 2]
    # SciPy vectorised over the non-constant probes (constant ones give no F)
    const = np.ptp(vals, axis=1) == 0
    live = ~const
    f_ref, p_live = stats.f_oneway(*[vals[live][:, g] for g in used], axis=1)
    p_ref = np.full(len(ids), np.nan)
    p_ref[live] = p_live
    f_all = np.full(len(ids), np.nan)
    f_all[live] = f_ref
    ctl = vals[:, groups[0]]
    t_ref = [None] + [stats.ttest_ind(ctl, vals[:, groups[lv]], axis=1, equal_var=False).pvalue
                      for lv in range(1, k + 1)]
    n_checked = 0
    for i, r in enumerate(rows):
        if const[i]:
            assert r["F-Value"] == "" and r["Unadjusted P-Value"] == ""
            continue
        assert num(r["Df1"]) == len(used) - 1
        assert num(r["Df2"]) == sum(len(g) for g in used) - len(used)
        assert close(num(r["F-Value"]), f_all[i]), (r["Probe ID"], r["F-Value"], f_all[i])
        assert close(num(r["Unadjusted P-Value"]), p_ref[i]), (r["Probe ID"], p_ref[i])
        n_checked += 1
        y = vals[i]
        a0 = fmean(y[groups[0]])
        fcs = []
        for lv in range(1, k + 1):
            fc = fold(a0, fmean(y[groups[lv]]), "base2")
            fcs.append(fc)
            assert close(num(r[f"FC Dose Level {lv}"]), fc, 1e-12)
            got = num(r[f"NOTEL/LOTEL T-Test p-Value Level {lv}"])
            assert close(got, t_ref[lv][i]), (r["Probe ID"], lv, got, t_ref[lv][i])
        best = max(fcs, key=abs)  # first of the largest |FC|
        assert close(num(r["Max Fold Change"]), best, 1e-12)
    assert n_checked > 2000

    ok = ~np.isnan(p_ref)
    q_ref = multipletests(p_ref[ok], method="fdr_bh")[1]
    q_got = np.array([num(r["Adjusted P-Value"]) for r in rows])[ok]
    np.testing.assert_allclose(q_got, q_ref, rtol=RTOL, atol=0)

    # the flow: p < 0.05 (raw), |max FC| >= 2, AFFX controls dropped
    for i, r in enumerate(rows):
        p = num(r["Unadjusted P-Value"])
        want = (not math.isnan(p) and p < 0.05 and abs(num(r["Max Fold Change"])) >= 2.0
                and not r["Probe ID"].startswith("AFFX"))
        assert (r["Passed Prefilter"] == "true") == want, r["Probe ID"]


@pytest.mark.parametrize("base", ["base10", "natural", "none"])
def test_fold_change_log_bases(tmp_path, base):
    path = os.path.join(DATA, FILES[0])
    ids, levels, groups, vals = read_matrix(path)
    rows = run_analyze(tmp_path, path, "--prefilter", "none", "--log", base)
    assert "F-Value" not in rows[0]
    for i, r in enumerate(rows):
        a0 = fmean(vals[i][groups[0]])
        for lv in range(1, len(levels)):
            fc = fold(a0, fmean(vals[i][groups[lv]]), base)
            assert close(num(r[f"FC Dose Level {lv}"]), fc, 1e-12), (r["Probe ID"], lv)
        # no test: only the fold filter decides
        want = abs(num(r["Max Fold Change"])) >= 2.0
        assert (r["Passed Prefilter"] == "true") == want


def test_mtc_and_fold_threshold(tmp_path):
    path = os.path.join(DATA, FILES[1])
    rows = run_analyze(tmp_path, path, "--prefilter", "anova", "--mtc", "--p-cutoff", "0.01",
                       "--fold-filter", "1.5")
    n_pass = 0
    for r in rows:
        q = num(r["Adjusted P-Value"])
        want = not math.isnan(q) and q < 0.01 and abs(num(r["Max Fold Change"])) >= 1.5
        assert (r["Passed Prefilter"] == "true") == want
        n_pass += want
    assert n_pass > 0


def test_notel_lotel(tmp_path):
    """NOTEL/LOTEL: first dose with |FC| > 1.5 and Welch p < 0.05 (strict)."""
    path = os.path.join(DATA, FILES[0])
    ids, levels, groups, vals = read_matrix(path)
    rows = run_analyze(tmp_path, path, "--prefilter", "none", "--no-fold-filter",
                       "--notel-fc", "1.5", "--notel-p", "0.05")
    ctl_all = vals[:, groups[0]]
    t_ref = [None] + [stats.ttest_ind(ctl_all, vals[:, groups[lv]], axis=1,
                                      equal_var=False).pvalue for lv in range(1, len(levels))]
    found = 0
    for i, r in enumerate(rows):
        y = vals[i]
        ctl = y[groups[0]]
        lotel = None
        for lv in range(1, len(levels)):
            fc = fold(fmean(ctl), fmean(y[groups[lv]]), "base2")
            if abs(fc) > 1.5 and t_ref[lv][i] < 0.05:
                lotel = lv
                break
        if lotel is None:
            assert r["LOTEL"] == "" and r["NOTEL"] == ""
        else:
            found += 1
            assert close(num(r["LOTEL"]), levels[lotel], 1e-15)
            assert close(num(r["NOTEL"]), levels[lotel - 1], 1e-15)
        assert r["Passed Prefilter"] == "true" or r["Probe ID"].startswith("AFFX")
    assert found > 10


def test_williams_table(tmp_path):
    """--prefilter williams writes the table; its BH column matches statsmodels
    and the flow holds. (Williams statistics and permutation p-values are
    checked against an independent computation in test_williams.py.)"""
    path = os.path.join(DATA, FILES[0])
    ids, levels, groups, vals = read_matrix(path)
    rows = run_analyze(tmp_path, path, "--prefilter", "williams", "--permutations", "999",
                       "--seed", "7", "--threads", "2")
    assert [r["Probe ID"] for r in rows] == ids
    p = np.array([num(r["Unadjusted P-Value"]) for r in rows])
    ok = ~np.isnan(p)
    assert ok.sum() > 2500
    assert np.all((p[ok] >= 1.0 / 1000) & (p[ok] <= 1.0))
    q_ref = multipletests(p[ok], method="fdr_bh")[1]
    q_got = np.array([num(r["Adjusted P-Value"]) for r in rows])[ok]
    np.testing.assert_allclose(q_got, q_ref, rtol=RTOL, atol=0)
    for r in rows:
        pv = num(r["Unadjusted P-Value"])
        want = (not math.isnan(pv) and pv < 0.05 and abs(num(r["Max Fold Change"])) >= 2.0
                and not r["Probe ID"].startswith("AFFX"))
        assert (r["Passed Prefilter"] == "true") == want, r["Probe ID"]


def test_cli_errors(tmp_path):
    """Bad input and bad options: non-zero exit, message naming the problem."""
    bad = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bad", "non_numeric.txt")
    r = subprocess.run([BIN, "analyze", "--matrix", bad, "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "non_numeric.txt:3" in r.stderr and "column 4" in r.stderr
    r = subprocess.run([BIN, "analyze", "--matrix", bad, "--out", str(tmp_path / "o"),
                        "--prefilter", "oriogen"], capture_output=True, text=True)
    assert r.returncode == 2 and "oriogen" in r.stderr
    r = subprocess.run([BIN, "analyze", "--out", str(tmp_path / "o")], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "--matrix" in r.stderr
    r = subprocess.run([BIN, "analyze", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--prefilter" in r.stdout and "--p-cutoff" in r.stdout
