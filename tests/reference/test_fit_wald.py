"""
test_fit_wald.py - Wald BMDL/BMDU (`--limits wald`, core/src/fit_wald.c)
recomputed here from the matrix and the exported parameters, independently
of our C code.

BMDExpress 3's "Wald" limits are ToxicR's bmd_fast_BMD_cont: the delta
method on ln BMD at the maximum (docs/fitting.md, "Wald limits"):

    se(ln BMD) = sqrt(g' S g) / BMD,   g = dBMD/dtheta,
    S = the inverse observed information,
    BMDL, BMDU = BMD exp(-/+ z se(ln BMD)),   z = Phi^-1(0.95).

This test writes each model's log-likelihood itself (test_fit_metrics.py's,
user-facing parameters, ln alpha and ln c) and takes
- S as the inverse of its Hessian differentiated exactly by SymPy
  (test_fit_metrics.symbolic, as its Z-score check does);
- the BMD by its own root finding (the first crossing of
  s (m(d) - m(0)) = BMRF sigma(0) on a grid, then brentq), and g
  numerically: central differences of that root in the parameters;
- the parameters ours reports on a bound held fixed, as ours does.
Ours takes central differences of an analytic gradient in scaled
parameters, and the implicit-function gradient of the BMD. (A Hessian by
second differences of the log-likelihood was tried first: its step error
on the steep non-constant-variance fits, 1e-3, hid the comparison.) BMD, BMDL and
BMDU must agree within 1e-4 relative where the information is well
conditioned (condition number below 1e8 in correlation form); where it is
not positive definite ours must be empty; at least 90% of the fits with a
BMD are compared. Runs the DEHP study, ten models, both variances.
"""
import csv
import math
import subprocess

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from test_fit_metrics import (ALL, BIN, DEHP, LOGGED, MODELS, at_variance_floor, mean_fn, num,
                              read_matrix, symbolic)

TOL = 1e-4
Z = norm.ppf(0.95)


def run(tmp_path, variance):
    out = tmp_path / variance
    r = subprocess.run([BIN, "analyze", "--matrix", DEHP, "--out", str(out), "--models", ALL,
                        "--variance", variance, "--limits", "wald"],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr
    with open(out / "bmd.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def user_params(names, x):
    return {n: (math.exp(v) if n in LOGGED else v) for n, v in zip(names, x)}


def bmd_of(model, p, direction, max_dose):
    """the smallest d > 0 with direction (m(d) - m(0)) = sigma(0) (BMRF 1,
    SD), searched up to 1024 x the highest dose as ours; NaN if none"""
    m = mean_fn(model, p, direction)
    m0 = m(0.0)
    alpha = math.exp(p["log-alpha"]) if "log-alpha" in p else p["alpha"]
    var0 = alpha * abs(m0) ** p["rho"] if "rho" in p else alpha
    target = math.sqrt(var0)

    def f(d):
        return direction * (m(d) - m0) - target

    grid = np.concatenate([[0.0], max_dose * np.logspace(-8, math.log10(1024), 4000)])
    vals = np.array([f(d) for d in grid])
    cross = np.nonzero((vals[:-1] < 0) & (vals[1:] >= 0))[0]
    if len(cross) == 0:
        return math.nan
    i = cross[0]
    return brentq(f, grid[i], grid[i + 1], xtol=1e-15 * max_dose, rtol=1e-15, maxiter=500)


def step(x, scale, logged):
    """a step relative to the parameter itself: polynomial coefficients in
    raw dose units can be 1e-7 (b2 with doses up to 1000), where a floor
    such as 1e-2 would move the curve by several SD; ln alpha and ln c are
    relative changes already: at least scale itself"""
    if logged:
        return scale * max(abs(x), 1.0)
    return scale * (abs(x) if x != 0 else 1.0)


def information(model, names, x0, direction, doses, groups, free):
    """minus the Hessian of the log-likelihood over the free parameters:
    exact, by SymPy (test_fit_metrics.symbolic), summed over dose groups"""
    H = np.zeros((len(names), len(names)))
    for dose, y in zip(doses, groups):
        h, _ = symbolic(model, names, direction, dose == 0)
        s2 = y.var(ddof=1) if len(y) > 1 else 0.0
        H += np.array(h(x0, dose, len(y), y.mean(), s2), dtype=float)
    return -H[np.ix_(free, free)]


def wald(model, names, values, direction, doses, groups, fixed):
    """(BMD, BMDL, BMDU, condition number); BMDL None when the information
    is not positive definite, NaN when it is ill-conditioned"""
    x0 = [math.log(v) if n in LOGGED else v for n, v in zip(names, values)]
    free = [i for i, n in enumerate(names) if n not in fixed]
    max_dose = doses[-1]

    def bmd(x):
        return bmd_of(model, user_params(names, x), direction, max_dose)

    b = bmd(x0)
    if not math.isfinite(b):
        return b, math.nan, math.nan, math.inf
    info = information(model, names, x0, direction, doses, groups, free)
    if not np.all(np.isfinite(info)):
        return b, None, None, math.inf
    dg = np.sqrt(np.abs(np.diag(info)))
    if not np.all(dg > 0):
        return b, None, None, math.inf
    w = np.linalg.eigvalsh(info / np.outer(dg, dg))
    rel = np.abs(np.diag(info)) * np.array([x0[i] ** 2 if x0[i] else 1.0 for i in free])
    if rel.min() < 1e-14 * rel.max():
        return b, math.nan, math.nan, math.inf  # a parameter the data hardly inform
    if w[0] < -1e-8 * abs(w[-1]):
        return b, None, None, math.inf
    cond = w[-1] / w[0] if w[0] > 0 else math.inf
    if cond > 1e8:
        return b, math.nan, math.nan, cond
    g = []
    for i in free:
        h = step(x0[i], 1e-6, names[i] in LOGGED)
        up, dn = list(x0), list(x0)
        up[i] += h
        dn[i] -= h
        g.append((bmd(up) - bmd(dn)) / (2 * h))
    g = np.array(g)
    se = math.sqrt(g @ np.linalg.solve(info, g)) / b
    return b, b * math.exp(-Z * se), b * math.exp(Z * se), cond


def close(got, want, rel):
    return math.isfinite(got) and abs(got - want) <= rel * abs(want)


@pytest.mark.parametrize("variance", ["constant", "nonconstant"])
def test_wald_limits_recomputed(tmp_path, variance):
    rows = run(tmp_path, variance)
    data = read_matrix(DEHP)
    header = list(rows[0])
    bad, counts = [], {"with_bmd": 0, "compared": 0, "not_pd": 0, "ill": 0, "floor": 0}
    worst = 0.0
    for r in rows:
        probe = r["Probe ID"]
        doses, groups = data[probe]
        for label in MODELS:
            prefix = f"{label} Parameter "
            names = [h[len(prefix):] for h in header if h.startswith(prefix)]
            bmd, bmdl, bmdu = (num(r[f"{label} {k}"]) for k in ("BMD", "BMDL", "BMDU"))
            if r[f"{label} fitLogLikelihood"] == "" or not math.isfinite(bmd):
                continue
            counts["with_bmd"] += 1
            values = [num(r[prefix + n]) for n in names]
            p = dict(zip(names, values))
            direction = int(r[f"{label} adverseDirection"])
            if "rho" in p and at_variance_floor(label, p, direction, doses, groups):
                counts["floor"] += 1
                continue
            fixed = set(filter(None, r[f"{label} Parameters At Bound"].split(",")))
            b, lo, hi, cond = wald(label, names, values, direction, doses, groups, fixed)
            if not close(bmd, b, 1e-6):
                bad.append((probe, label, "BMD", bmd, b))
                continue
            if lo is None:
                counts["not_pd"] += 1
                if math.isfinite(bmdl) or math.isfinite(bmdu):
                    bad.append((probe, label, "limits (information not positive definite)",
                                bmdl, bmdu))
                continue
            if not math.isfinite(lo):
                counts["ill"] += 1
                continue
            counts["compared"] += 1
            for name, got, want in (("BMDL", bmdl, lo), ("BMDU", bmdu, hi)):
                if math.isfinite(got):
                    worst = max(worst, abs(got - want) / want)
                if not close(got, want, TOL):
                    bad.append((probe, label, name, got, want, f"cond {cond:.3g}"))
            if not bmdl < bmd < bmdu:
                bad.append((probe, label, "order", bmdl, bmd, bmdu))
    print(f"\n{variance}: {counts}, worst relative difference {worst:.2e}")
    for x in bad[:40]:
        print(x)
    assert not bad, f"{len(bad)} limits differ"
    assert counts["compared"] >= 0.9 * counts["with_bmd"], counts
    assert counts["with_bmd"] >= 0.8 * len(rows) * len(MODELS), counts
