"""Williams trend test against an independent numpy/SciPy computation.

The reference here shares no code with core/src/williams*.c:
- isotonic means by scipy.optimize.isotonic_regression (PAVA) for the observed
  statistic, and by the min-max formula of numerics.md §4.3
  (M_i = max_{u<=i} min_{v>=i} mean(u..v)) for the permutations, the two
  cross-checked on every probe;
- pooled variance two-pass, direct;
- permutations drawn by numpy's PCG64 (not our splitmix64 stream), 100,000
  per probe.

Checked on ~50 probes of a synthetic matrix (unequal group sizes, samples in
shuffled dose order, increasing / decreasing / umbrella / null probes):
- T = max(t_k up, t_k down) to 1e-9 relative;
- p within Monte-Carlo error: |p_ours - p_ref| <= 4 sqrt(p (1 - p) / B) + 2 / B
  with B = 10,000 our permutations (p = p_ref; the reference's own error,
  B_ref = 100,000, adds ~5% to the standard deviation).
The reference is first checked against the published PMCMRplus statistics.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from scipy.optimize import isotonic_regression

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))
DATA = pathlib.Path(os.environ.get("BS_TEST_DATA", SRC / "tests" / "data")) / "williams"
CLI = BIN / "williams_cli"

B_OURS = 10_000
B_REF = 100_000
TIE = 1e-9  # T_b >= T_obs (1 - TIE) counts as ">=" (rounding of tied labellings)


def groups_of(doses):
    """Sorted distinct doses and, per sample, its group index."""
    levels = np.unique(doses)
    return levels, np.searchsorted(levels, doses)


def tbar_ref(y, g, direction):
    """t_i for i = 1..k by PAVA (scipy), pooled two-pass variance."""
    k1 = g.max() + 1
    n = np.bincount(g, minlength=k1).astype(float)
    means = np.array([y[g == j].mean() for j in range(k1)])
    ss = sum(((y[g == j] - means[j]) ** 2).sum() for j in range(k1))
    s2 = ss / (len(y) - k1)
    iso = isotonic_regression(means[1:], weights=n[1:], increasing=(direction > 0)).x
    t = direction * (iso - means[0]) / np.sqrt(s2 * (1 / n[1:] + 1 / n[0]))
    return iso, t


def stat_ref(y, g):
    if np.all(y == y[0]):
        return 0.0
    return max(tbar_ref(y, g, +1)[1][-1], tbar_ref(y, g, -1)[1][-1])


def minmax_top(means, n, increasing):
    """M_k by the min-max formula, vectorised over rows of `means` (B x k).
    For i = k: max (increasing) or min over u of mean(u..k)."""
    k = means.shape[1]
    sums = means * n
    out = None
    for u in range(k):
        m = sums[:, u:].sum(axis=1) / n[u:].sum()
        out = m if out is None else (np.maximum(out, m) if increasing else np.minimum(out, m))
    return out


def perm_stats_ref(y, g, rng, b):
    """T for b random relabellings (numpy permutations of the responses)."""
    k1 = g.max() + 1
    n = np.bincount(g, minlength=k1).astype(float)
    ys = rng.permuted(np.tile(y, (b, 1)), axis=1)  # b x N
    onehot = (g[:, None] == np.arange(k1)[None, :]).astype(float)  # N x G
    means = ys @ onehot / n  # b x G
    resid = ys - means @ onehot.T
    s2 = (resid**2).sum(axis=1) / (len(y) - k1)
    se = np.sqrt(s2 * (1 / n[-1] + 1 / n[0]))
    up = minmax_top(means[:, 1:], n[1:], True) - means[:, 0]
    dn = means[:, 0] - minmax_top(means[:, 1:], n[1:], False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(up, dn) / se


def synthetic(seed=20241125, n_probes=50):
    rng = np.random.default_rng(seed)
    sizes = [6, 4, 5, 3, 4, 5]  # control + 5 doses, unequal
    dose_levels = [0.0, 0.1, 0.3, 1.0, 3.0, 10.0]
    doses = np.repeat(dose_levels, sizes)
    order = rng.permutation(len(doses))  # the file lists samples in shuffled order
    doses = doses[order]
    _, g = groups_of(doses)
    rows = []
    for p in range(n_probes):
        kind = p % 5
        effect = rng.uniform(0.2, 2.0)
        shape = {
            0: np.zeros(6),                              # null
            1: effect * np.array([0, 0, 0.2, 0.5, 0.9, 1.0]),   # increasing
            2: -effect * np.array([0, 0.1, 0.3, 0.6, 0.8, 1.0]),  # decreasing
            3: effect * np.array([0, 0.6, 1.0, 0.7, 0.2, -0.1]),  # umbrella
            4: 0.3 * effect * rng.standard_normal(6),     # noise in the means
        }[kind]
        y = 7.0 + shape[g] + rng.standard_normal(len(doses)) * rng.uniform(0.3, 1.5)
        rows.append(y)
    y = np.array(rows)
    y[7, :] = 4.25  # a flat probe: T = 0, p = 1
    return doses, g, y


def run_cli(tmp_path, doses, y, perms, seed, threads):
    path = tmp_path / "matrix.tsv"
    with open(path, "w") as f:
        f.write("dose\t" + "\t".join(repr(float(d)) for d in doses) + "\n")
        for i, row in enumerate(y):
            f.write(f"probe{i}\t" + "\t".join(repr(float(v)) for v in row) + "\n")
    out = subprocess.run(
        [str(CLI), str(path), str(perms), str(seed), str(threads)],
        check=True, capture_output=True, text=True,
    ).stdout
    ids, stats, ps = [], [], []
    for line in out.splitlines():
        i, t, p = line.split("\t")
        ids.append(i)
        stats.append(float(t))
        ps.append(float(p))
    assert ids == [f"probe{i}" for i in range(len(y))]
    return np.array(stats), np.array(ps)


def test_reference_reproduces_published_values():
    """The reference itself against PMCMRplus (3 decimals) on drcHelper's data."""
    rows = (DATA / "drchelper_williams_response.csv").read_text().split()[1:]
    rate = np.array([float(r.split(",")[0]) for r in rows])
    y = np.array([float(r.split(",")[1]) for r in rows])
    levels, g = groups_of(rate)
    expected = json.loads((DATA / "expected_williams.json").read_text())
    tb = expected["PMCMRplus_williamsTest_less"]["statistic_t_bar"]
    _, t = tbar_ref(y, g, -1)
    for lev, ti in zip(levels[1:], t):
        assert abs(ti - tb[f"{lev:g}"]) <= 0.0005 + 1e-9


def test_minmax_formula_equals_pava():
    doses, g, y = synthetic()
    n = np.bincount(g).astype(float)
    for row in y:
        means = np.array([row[g == j].mean() for j in range(g.max() + 1)])
        for inc in (True, False):
            iso = isotonic_regression(means[1:], weights=n[1:], increasing=inc).x
            mm = minmax_top(means[None, 1:], n[1:], inc)[0]
            assert abs(iso[-1] - mm) <= 1e-12 * (1 + abs(mm))


@pytest.mark.skipif(not CLI.exists(), reason="williams_cli not built")
def test_statistic_and_pvalue_against_reference(tmp_path):
    doses, g, y = synthetic()
    stats, ps = run_cli(tmp_path, doses, y, B_OURS, 23524, 2)
    rng = np.random.default_rng(777)
    worst = 0.0
    for i, row in enumerate(y):
        t_obs = stat_ref(row, g)
        assert stats[i] == pytest.approx(t_obs, rel=1e-9, abs=1e-12), f"probe{i}"
        if t_obs == 0.0:
            assert ps[i] == 1.0
            continue
        t_perm = perm_stats_ref(row, g, rng, B_REF)
        p_ref = (1 + np.count_nonzero(t_perm >= t_obs * (1 - TIE))) / (1 + B_REF)
        tol = 4 * np.sqrt(p_ref * (1 - p_ref) / B_OURS) + 2 / B_OURS
        worst = max(worst, abs(ps[i] - p_ref) / tol)
        assert abs(ps[i] - p_ref) <= tol, f"probe{i}: p {ps[i]} vs reference {p_ref} (tol {tol})"
    # the test must be able to discriminate: a spread of p-values, not all 1 or all minimal
    mid = np.count_nonzero((ps > 0.001) & (ps < 0.2))
    assert np.count_nonzero(ps < 0.01) >= 10 and np.count_nonzero(ps > 0.2) >= 5 and mid >= 5
    print(f"worst |p - p_ref| / tol = {worst:.3f}")


@pytest.mark.skipif(not CLI.exists(), reason="williams_cli not built")
def test_cli_thread_count_and_seed(tmp_path):
    doses, _, y = synthetic(seed=5, n_probes=40)
    s1, p1 = run_cli(tmp_path, doses, y, 2000, 9, 1)
    s3, p3 = run_cli(tmp_path, doses, y, 2000, 9, 3)
    assert np.array_equal(s1, s3) and np.array_equal(p1, p3)
    s4, p4 = run_cli(tmp_path, doses, y, 2000, 10, 1)
    assert np.array_equal(s1, s4) and not np.array_equal(p1, p4)
