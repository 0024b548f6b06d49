"""Dunnett's many-to-one test (core/src/dunnett.c, run through the
dunnett_cli helper) against SciPy, over random designs drawn here: 1 to 6
treated groups, equal and unequal group sizes (2 to 9), null and shifted
means, the three alternatives.

Peers and tolerances:
- the statistics against scipy.stats.dunnett's, 1e-9 relative;
- the p-values against scipy.stats.dunnett, absolute 1e-3. SciPy computes
  them with multivariate_t.cdf, a randomized quasi-Monte Carlo integration
  with its default 1000 * k points (its documented method; its error is of
  the order 1e-4, so the rng is fixed only to make a failure reproducible);
- the p-values against multivariate_t.cdf itself (the same distribution,
  rho_ij = lambda_i lambda_j) with 200,000 points, absolute 5e-5 (its QMC
  error there is ~5e-6), on every fifth design: a check 20 times tighter
  than SciPy's default allows;
- with one treated group Dunnett's test is the pooled-variance t-test:
  scipy.stats.ttest_ind(equal_var=True), absolute 1e-9.

Then NOTEL/LOTEL through `bmdstream analyze --notel-test dunnett` on the
three BMDExpress example matrices (matrix parsing and fold changes as
test_prefilter.py recomputes them): the p-values of every 12th probe
against scipy.stats.dunnett (absolute 1e-3, as above; all of them would
take SciPy minutes), and NOTEL/LOTEL of every probe recomputed from the
printed p-values and fold changes, and on the sampled probes from SciPy's
p-values wherever no p lies within SciPy's error of the threshold.
"""
import csv
import math
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import pytest
from scipy import stats

from test_prefilter import FILES, fold_changes, read_matrix

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))
CLI = BIN / "dunnett_cli"
ALTERNATIVES = ("two-sided", "greater", "less")
MVT_POINTS = 200_000  # multivariate_t.cdf's error at this size is ~5e-6
MVT_TOL = 5e-5


def designs(n, seed):
    """n random designs: (alternative, [control, group 1, ...])."""
    rng = np.random.default_rng(seed)
    out = []
    for d in range(n):
        k = int(rng.integers(1, 7))
        n0 = int(rng.integers(2, 10))
        equal = d % 2 == 0
        sizes = [n0] + [n0 if equal else int(rng.integers(2, 10)) for _ in range(k)]
        shift = rng.choice([0.0, 0.5, 1.5]) * rng.normal(size=k + 1)
        shift[0] = 0.0
        scale = 10.0 ** rng.uniform(-2, 2)
        groups = [10 + scale * rng.normal(shift[g], 1.0, sizes[g]) for g in range(k + 1)]
        out.append((ALTERNATIVES[d % 3], groups))
    return out


def run_cli(cases):
    text = "".join(
        alt + "\t" + "\t".join(",".join(repr(float(x)) for x in g) for g in groups) + "\n"
        for alt, groups in cases)
    res = subprocess.run([str(CLI)], input=text, capture_output=True, text=True, check=True)
    rows = []
    for line in res.stdout.splitlines():
        t, p = line.split("\t")
        rows.append((np.array(t.split(","), float), np.array(p.split(","), float)))
    assert len(rows) == len(cases)
    return rows


@pytest.fixture(scope="module")
def random_cases():
    cases = designs(180, seed=20261206)
    return cases, run_cli(cases)


def test_against_scipy_dunnett(random_cases):
    cases, rows = random_cases
    bad = []
    for i, ((alt, groups), (t, p)) in enumerate(zip(cases, rows)):
        ref = stats.dunnett(*groups[1:], control=groups[0], alternative=alt,
                            rng=np.random.default_rng(i))
        if not np.allclose(t, ref.statistic, rtol=1e-9, atol=0):
            bad.append((i, alt, "t", t, ref.statistic))
        if not np.all(np.abs(p - ref.pvalue) <= 1e-3):
            bad.append((i, alt, "p", p, ref.pvalue))
    assert not bad, bad[:5]
    # the designs cover what they claim
    ks = {len(g) - 1 for _, g in cases}
    assert ks == set(range(1, 7))
    ps = np.concatenate([p for _, p in rows])
    assert np.sum(ps < 0.05) > 20 and np.sum(ps > 0.5) > 20


def mvt_pvalue(sizes, t, alt):
    """The adjusted p-values from multivariate_t directly."""
    n0, ni = sizes[0], np.array(sizes[1:], float)
    lam = np.sqrt(ni / (ni + n0))
    rho = np.outer(lam, lam)
    np.fill_diagonal(rho, 1.0)
    df = sum(sizes) - len(sizes)
    mvt = stats.multivariate_t(shape=rho, df=df, seed=np.random.default_rng(7))
    k = len(ni)
    out = []
    for ti in t:
        if alt == "two-sided":
            c = np.full(k, abs(ti))
            out.append(1 - mvt.cdf(c, lower_limit=-c, maxpts=MVT_POINTS))
        elif alt == "greater":
            out.append(1 - mvt.cdf(np.full(k, ti), maxpts=MVT_POINTS))
        else:
            out.append(1 - mvt.cdf(np.full(k, np.inf), lower_limit=np.full(k, ti),
                                   maxpts=MVT_POINTS))
    return np.array(out)


def test_against_multivariate_t(random_cases):
    cases, rows = random_cases
    bad = []
    checked = 0
    for i, ((alt, groups), (t, p)) in enumerate(zip(cases, rows)):
        if len(groups) < 3 or i % 5 != 0:
            continue
        checked += 1
        ref = mvt_pvalue([len(g) for g in groups], t, alt)
        if not np.all(np.abs(p - ref) <= MVT_TOL):
            bad.append((i, alt, [len(g) for g in groups], p, ref))
    assert not bad, bad[:5]
    assert checked >= 25  # i % 5 == 0: every alternative, equal and unequal sizes


def test_one_group_is_the_pooled_t_test():
    rng = np.random.default_rng(3)
    cases = []
    for d in range(30):
        n0, n1 = int(rng.integers(2, 12)), int(rng.integers(2, 12))
        cases.append((ALTERNATIVES[d % 3],
                      [rng.normal(0, 1, n0), rng.normal(rng.choice([0, 1, 3]), 1, n1)]))
    for (alt, (c, x)), (t, p) in zip(cases, run_cli(cases)):
        ref = stats.ttest_ind(x, c, equal_var=True, alternative=alt)
        assert t[0] == pytest.approx(ref.statistic, rel=1e-12)
        assert abs(p[0] - ref.pvalue) <= 1e-9, (alt, p[0], ref.pvalue)


def test_no_variance_or_no_df_gives_nan():
    cases = [("two-sided", [np.array([1.0, 1.0]), np.array([2.0, 2.0])]),
             ("two-sided", [np.array([1.0]), np.array([2.0]), np.array([3.0])])]
    for t, p in run_cli(cases):
        assert np.all(np.isnan(t)) and np.all(np.isnan(p))


def test_bad_input_is_refused():
    res = subprocess.run([str(CLI)], input="sideways\t1,2\t3,4\n", capture_output=True, text=True)
    assert res.returncode != 0 and "line 1" in res.stderr


def analyze_dunnett(path, out):
    cmd = [os.path.join(BIN, "bmdstream"), "analyze", "--matrix", path, "--out", out, "--no-bmd",
           "--notel-test", "dunnett", "--notel-fc", "1.5", "--notel-p", "0.05"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    with open(os.path.join(out, "prefilter.tsv"), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def lotel_of(fc, p, fc_min=1.5, p_max=0.05):
    """BMDExpress's scan: the first level with |FC| > fc_min and p < p_max."""
    for lvl, (f, q) in enumerate(zip(fc, p), 1):
        if abs(f) > fc_min and q < p_max:
            return lvl
    return None


def cell(s):
    return float(s) if s != "" else math.nan


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_notel_lotel_against_scipy(path):
    ids, levels, groups, vals = read_matrix(path)
    with tempfile.TemporaryDirectory() as out:
        rows = analyze_dunnett(path, out)
    assert [r["Probe ID"] for r in rows] == ids
    k = len(levels) - 1
    _, fc = fold_changes(vals, groups, 2.0)
    bad, sampled, decided = [], 0, 0
    for i, r in enumerate(rows):
        p = np.array([cell(r[f"NOTEL/LOTEL T-Test p-Value Level {lvl}"]) for lvl in range(1, k + 1)])
        lotel = lotel_of(fc[i], p)
        want = ("", "") if lotel is None else (levels[lotel - 1], levels[lotel])
        got = tuple(cell(r[c]) if r[c] else "" for c in ("NOTEL", "LOTEL"))
        if lotel is None and got != ("", ""):
            bad.append((r["Probe ID"], "LOTEL from our p", got, want))
        if lotel is not None and not np.allclose(got, want, rtol=1e-7):
            bad.append((r["Probe ID"], "LOTEL from our p", got, want))
        if i % 12:
            continue
        x = [vals[i, g].astype(np.float64) for g in groups]
        if all(np.all(g == g[0]) for g in x):  # no within-group variance
            if not np.all(np.isnan(p)):
                bad.append((r["Probe ID"], "NaN p expected", p))
            continue
        sampled += 1
        ref = stats.dunnett(*x[1:], control=x[0], rng=np.random.default_rng(i)).pvalue
        if not np.all(np.abs(p - ref) <= 1e-3):
            bad.append((r["Probe ID"], "p", p, ref))
        if np.all(np.abs(ref - 0.05) > 1e-3):
            decided += 1
            if lotel_of(fc[i], ref) != lotel:
                bad.append((r["Probe ID"], "LOTEL from SciPy p", lotel_of(fc[i], ref), lotel))
    assert not bad, bad[:5]
    assert sampled > 150 and decided > 0.9 * sampled
    lotels = sum(1 for r in rows if r["LOTEL"])
    assert 50 < lotels < len(rows)
