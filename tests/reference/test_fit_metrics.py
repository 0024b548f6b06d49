"""
test_fit_metrics.py - every per-model metric of bmd.tsv recomputed here from
the matrix and the exported parameters, independently of our C code.

BMDExpress 3 defines the metrics in BMDAnalysisService.calculateExtraStatistics,
BMDStatisticsService and CurvePProcessor (docs/fitting.md "Per-model
metrics", where our deliberate differences are listed). This test reads the
matrix itself (values as float32, as BMDExpress stores them), computes the
dose-group means, evaluates each model's curve from its exported
parameters, and recomputes:

- the log-likelihood (which proves the curve and the parameters are read
  as ours means them): within 1e-6;
- residuals, R^2, BMR multiples, model fold change, BMD / low and high
  dose, BMD responses, BMD/BMDL, BMDU/BMDL, BMDU/BMD, the step-function
  flags, wAUC (the 1,000-point trapezoid on log10 dose) and log wAUC:
  within 1e-9 relative (1e-12 absolute);
- the Z-score from its own covariance: the inverse of the negative Hessian
  of its own log-likelihood, differentiated exactly by SymPy in the
  user-facing parameters (ln alpha, ln c), where ours takes central
  differences of its analytic gradient in its scaled parameters (linear
  maps of these, so Z is the same even where a fit stops just short of
  the maximum). So
  they agree within 1e-4 relative where the information matrix is well
  conditioned (condition number below 1e8 in correlation form, no
  parameter all but uninformed); where it is not positive definite ours
  must be empty, and in between (a near-ridge) the fit is counted as
  ill-conditioned and not compared. Parameters ours reports on a bound are
  held fixed (docs/fitting.md); that none is missing is checked by the
  stationarity of the others. At least 90% of the converged fits must be
  compared.

Empty cells are checked too: a metric must be empty exactly where this
computation says it is undefined. The Best block must equal its model's
columns. Runs: the DEHP study (ten models, constant and non-constant
variance).
"""
import csv
import math
import os
import subprocess

import numpy as np
import pytest
import sympy as sp

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
DEHP = os.path.join(DATA, "dehp", "DEHP_expression.txt")
MODELS = ["Hill", "Power", "Linear", "Poly 2", "Poly 3", "Poly 4", "Exp 2", "Exp 3", "Exp 4",
          "Exp 5"]
ALL = "hill,power,linear,poly2,poly3,poly4,exp2,exp3,exp4,exp5"
STEP_THRESHOLD = 0.75
REL = 1e-9
Z_REL = 1e-4


def read_matrix(path):
    """{probe: (doses of the groups, [values of each group])}, float32 values"""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\r\n").split("\t") for line in f if line.strip()]
    doses = np.array([np.float32(x) for x in rows[1][1:]], dtype=np.float64)
    levels = sorted(set(doses.tolist()))
    out = {}
    for r in rows[2:]:
        v = np.array([np.float32(x) for x in r[1:]], dtype=np.float64)
        out[r[0]] = (np.array(levels), [v[doses == d] for d in levels])
    return out


def num(s):
    return float(s) if s != "" else math.nan


# ---- the models, from their formulas (pybmds / BMDS names) ----

def mean_fn(model, p, direction):
    """m(d) of a model from its parameter dict; direction +1 up, -1 down"""
    if model == "Hill":
        g, v, k, n = p["g"], p["v"], p["k"], p["n"]
        return lambda d: g + v * d ** n / (k ** n + d ** n)
    if model == "Power":
        return lambda d: p["g"] + p["v"] * d ** p["n"]
    if model == "Linear" or model.startswith("Poly"):
        deg = 1 if model == "Linear" else int(model[-1])
        b = [p["g"]] + [p[f"b{j}"] for j in range(1, deg + 1)]
        return lambda d: sum(bj * d ** j for j, bj in enumerate(b))
    a, b = p["a"], p["b"]
    dd = p.get("d", 1.0)
    if model in ("Exp 2", "Exp 3"):
        return lambda d: a * np.exp(direction * (b * d) ** dd)
    c = p["c"]
    # a (c - (c - 1) e^-t) written as a (1 + (c - 1)(1 - e^-t)): c may be 1e8
    return lambda d: a * (1 + (c - 1) * -np.expm1(-((b * d) ** dd)))


def variance_of(p, mu, floor):
    """alpha, or alpha |m|^rho with |m| at least floor (fit_internal.h,
    bmd_ncv_log_abs_mean: 1e-12 times the response divisor max(1, |control mean|))"""
    alpha = math.exp(p["log-alpha"]) if "log-alpha" in p else p["alpha"]
    if "rho" in p:
        return alpha * max(abs(mu), floor) ** p["rho"]
    return alpha


def loglik(model, p, direction, doses, groups):
    """sum over samples of log N(y; m(d), sigma^2(d)), the 2 pi term included"""
    m = mean_fn(model, p, direction)
    floor = 1e-12 * max(1.0, abs(groups[0].mean()))
    total = 0.0
    for d, y in zip(doses, groups):
        mu = m(d)
        s2 = variance_of(p, mu, floor)
        if not s2 > 0:
            return math.nan
        total += -0.5 * len(y) * math.log(2 * math.pi * s2) - ((y - mu) ** 2).sum() / (2 * s2)
    return total


LOGGED = ("alpha", "c")  # taken as ln alpha and ln c, as ToxicR and ours do
_SYMBOLIC = {}


def symbolic(model, names, direction, at_zero):
    """the Hessian of one dose group's log-likelihood in the parameters
    (ln alpha and ln c for alpha and c) and the gradient of the mean,
    differentiated exactly by SymPy and compiled; at_zero: the group at
    dose 0, where d^n and (b d)^d are 0 (substituted before
    differentiating, as their derivatives in n and d hold ln d)"""
    key = (model, tuple(names), direction, at_zero)
    if key in _SYMBOLIC:
        return _SYMBOLIC[key]
    x = sp.symbols(f"x0:{len(names)}", real=True)
    d, n, yb, s2 = sp.symbols("d n yb s2", positive=True)
    pos = {"n", "d", "k", "b"}  # shapes and scales inside powers: positive in every fit
    q = {}
    for name, sym in zip(names, x):
        if name in LOGGED:
            q[name] = sp.exp(sym)
        elif name in pos:
            q[name] = sp.Symbol(sym.name, positive=True)
        else:
            q[name] = sym
    x = [sp.Symbol(v.name, positive=True) if names[i] in pos else v for i, v in enumerate(x)]
    if model == "Hill":
        mu = q["g"] + q["v"] * d ** q["n"] / (q["k"] ** q["n"] + d ** q["n"])
    elif model == "Power":
        mu = q["g"] + q["v"] * d ** q["n"]
    elif model == "Linear" or model.startswith("Poly"):
        deg = 1 if model == "Linear" else int(model[-1])
        mu = q["g"] + sum(q[f"b{j}"] * d ** j for j in range(1, deg + 1))
    elif model in ("Exp 2", "Exp 3"):
        mu = q["a"] * sp.exp(direction * (q["b"] * d) ** q.get("d", 1))
    else:
        mu = q["a"] * (1 + (q["c"] - 1) * (1 - sp.exp(-((q["b"] * d) ** q.get("d", 1)))))
    if at_zero:
        mu = sp.simplify(mu.subs(d, 0))
    alpha = sp.exp(q["log-alpha"]) if "log-alpha" in q else q["alpha"]
    var = alpha * (mu ** 2) ** (q["rho"] / 2) if "rho" in q else alpha
    ell = -n / 2 * sp.log(2 * sp.pi * var) - ((n - 1) * s2 + n * (yb - mu) ** 2) / (2 * var)
    H = sp.hessian(ell, x)
    g = [sp.diff(mu, v) for v in x]
    # |m|^rho differentiates to sign(m) terms and a DiracDelta(m), 0 where m != 0
    mods = [{"DiracDelta": lambda *a: 0.0}, "numpy"]
    out = (sp.lambdify((x, d, n, yb, s2), H, mods), sp.lambdify((x, d), g, mods))
    _SYMBOLIC[key] = out
    return out


def zscore(model, names, values, direction, doses, groups, bottom, top, fixed):
    """(Z, condition number of the information of the free parameters, the
    names in `fixed` held at their values); Z None when it is not positive
    definite, NaN when it is ill-conditioned. The information is taken in
    ln alpha and ln c: at an exact maximum Z does not depend on the
    parameters' form, but a fit stops a little short of it (most of all
    with non-constant variance), and there the Hessian does."""
    x0 = [math.log(v) if n in LOGGED else v for n, v in zip(names, values)]
    free = [i for i, n in enumerate(names) if n not in fixed]
    H = np.zeros((len(names), len(names)))
    for dose, y in zip(doses, groups):
        h, _ = symbolic(model, names, direction, dose == 0)
        s2 = y.var(ddof=1) if len(y) > 1 else 0.0
        H += np.array(h(x0, dose, len(y), y.mean(), s2), dtype=float)
    info = -H[np.ix_(free, free)]
    if not np.all(np.isfinite(info)):
        return None, math.inf
    # the condition number of the correlation form S I S, S = diag(I)^-1/2,
    # which does not depend on the parameters' units
    dg = np.sqrt(np.abs(np.diag(info)))
    if not np.all(dg > 0):
        return None, math.inf
    w = np.linalg.eigvalsh(info / np.outer(dg, dg))
    cond = w[-1] / w[0] if w[0] > 0 else math.inf
    # a parameter the data hardly inform (information per relative change,
    # I_ii x_i^2, below 1e-14 of the largest: Hill k far below the lowest
    # dose) leaves the information singular to double precision
    rel = np.abs(np.diag(info)) * np.array([x0[i] ** 2 if x0[i] else 1.0 for i in free])
    if rel.min() < 1e-14 * rel.max():
        return math.nan, math.inf
    if w[0] < -1e-8 * abs(w[-1]):
        return None, math.inf  # clearly not positive definite
    if cond > 1e8:
        return math.nan, cond  # a near-ridge: not compared
    cov = np.linalg.inv(info)

    def grad(dose):
        _, g = symbolic(model, names, direction, dose == 0)
        return np.array([float(v) for v in g(x0, dose)])[free]

    m = mean_fn(model, dict(zip(names, values)), direction)
    gb, gt = grad(bottom), grad(top)
    var = gb @ cov @ gb + gt @ cov @ gt
    return (m(top) - m(bottom)) / math.sqrt(var), w[-1] / w[0]


# ---- the metrics, from docs/fitting.md "Per-model metrics" ----

def ratio(a, b):
    return a / b if math.isfinite(a) and math.isfinite(b) and b != 0 else math.nan


def fold(a0, a1, base=2.0):
    hi, lo = max(a0, a1), min(a0, a1)
    return (-1 if a0 > a1 else 1) * base ** (hi - lo)


def wauc(m, doses, bmd):
    if len(doses) < 3 or not math.isfinite(bmd):
        return math.nan
    u = math.log10(doses[0]) if doses[0] > 0 else -24.0
    lo, hi = math.log10(doses[1]), math.log10(doses[-1])
    xs = np.concatenate([[u], lo + np.arange(-1, 998) * (hi - lo) / 997])
    ys = np.array([m(0.0)] + [m(10 ** x) for x in xs[1:]])
    auc = np.sum((ys[1:] + ys[:-1]) * np.diff(xs) / 2) - (xs[-1] - xs[0]) * ys[0]
    pod = math.log10(bmd) if bmd > 0 else -math.inf
    if pod > hi or pod < u:
        return 0.0
    return auc / (hi - u) * (lo - u) / (pod - u)


def expected(model, p, direction, bmd, bmdl, bmdu, doses, groups):
    m = mean_fn(model, p, direction)
    means = np.array([g.mean() for g in groups])
    fitted = np.array([m(d) for d in doses])
    res = means - fitted
    sst = ((means - means.mean()) ** 2).sum()
    out = {"residuals": list(res), "RSquared": 1 - (res ** 2).sum() / sst if sst > 0 else math.nan}
    d0, d1, dl = doses[0], doses[1], doses[-1]
    v = -p["b1"] / (2 * p["b2"]) if model == "Poly 2" and p["b2"] != 0 else math.nan
    bottom, top = d0, dl
    if math.isfinite(v) and d0 < v < dl:
        bottom, top = (v, dl) if bmd > v else (d0, v)
    out["window"] = (bottom, top)
    mb, mt = m(bottom), m(top)
    out["BMR Multiples"] = ratio(mt - mb, abs(m(bmd) - mb)) if math.isfinite(bmd) else math.nan
    out["Fold Change"] = fold(mb, mt)
    low, high = d1, dl
    if math.isfinite(v) and d0 < v <= dl:
        high = v
        if bmd > v:
            low, high = max(v, d1), dl
            if low == high:
                low = d1
    out["BMD/Low Dose"] = ratio(bmd, low)
    out["BMD/High Dose"] = ratio(bmd, high)
    mbmd = m(bmd) if math.isfinite(bmd) else math.nan
    out["BMD Response/Low Dose Response"] = ratio(mbmd, m(low))
    out["BMD Response/High Dose Response"] = ratio(mbmd, m(high))
    out["BMD/BMDL"] = ratio(bmd, bmdl)
    out["BMDU/BMDL"] = ratio(bmdu, bmdl)
    out["BMDU/BMD"] = ratio(bmdu, bmd)
    total = abs(fitted[-1] - fitted[0])
    step = 0
    for i in range(1, len(doses)):
        change = abs(fitted[i] - fitted[i - 1])
        if (change >= STEP_THRESHOLD * total) if total > 0 else change > 0:
            step = i
            break
    out["Is Step Function"] = "true" if step else "false"
    out["Is Step Function Less Than Lowest Dose"] = \
        "true" if step == 1 and math.isfinite(bmd) and bmd < d1 else "false"
    w = wauc(m, doses, bmd)
    out["wAUC"] = w
    out["log wAUC"] = (math.nan if not math.isfinite(w) else 0.0 if abs(w) < 1
                       else math.copysign(math.log2(abs(w)), w))
    return out


def close(got, want, rel=REL, absolute=1e-12):
    if not math.isfinite(want):
        return not math.isfinite(got)
    return math.isfinite(got) and abs(got - want) <= max(rel * abs(want), absolute)


# The per-model column of each metric (PolyResult's spelling for polynomials)
def column(label, metric):
    poly = label == "Linear" or label.startswith("Poly")
    names = {
        "RSquared": f"{label} RSquared",
        "BMR Multiples": f"{label} {'Power ' if poly else ''}Modelled Response BMR Multiples",
        "Fold Change": f"{label} Fold Change Top To Bottom (Model)",
        "Is Step Function Less Than Lowest Dose":
            f"{label}{'  ' if poly else ' '}Is Step Function Less Than Lowest Dose",
    }
    return names.get(metric, f"{label} {metric}")


def run(tmp_path, *flags):
    out = tmp_path / "out"
    r = subprocess.run([BIN, "analyze", "--matrix", DEHP, "--out", str(out), "--models", ALL,
                        *flags], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr
    with open(out / "bmd.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.mark.parametrize("variance", ["constant", "nonconstant"])
def test_metrics_recomputed(tmp_path, variance):
    rows = run(tmp_path, "--variance", variance)
    data = read_matrix(DEHP)
    header = list(rows[0])
    bad, counts = [], {"fits": 0, "z_compared": 0, "z_not_pd": 0, "z_ill": 0}
    for r in rows:
        probe = r["Probe ID"]
        doses, groups = data[probe]
        for label in MODELS:
            prefix = f"{label} Parameter "
            names = [h[len(prefix):] for h in header if h.startswith(prefix)]
            if r[f"{label} fitLogLikelihood"] == "":
                for metric in ("RSquared", "Z-Score", "BMR Multiples", "wAUC"):
                    assert r[column(label, metric)] == "", (probe, label, metric)
                continue
            counts["fits"] += 1
            values = [num(r[prefix + n]) for n in names]
            p = dict(zip(names, values))
            direction = int(r[f"{label} adverseDirection"])
            bmd, bmdl, bmdu = (num(r[f"{label} {k}"]) for k in ("BMD", "BMDL", "BMDU"))
            ll = loglik(label, p, direction, doses, groups)
            if not close(num(r[f"{label} fitLogLikelihood"]), ll, 1e-6, 1e-6):
                bad.append((probe, label, "loglik", r[f"{label} fitLogLikelihood"], ll))
                continue
            want = expected(label, p, direction, bmd, bmdl, bmdu, doses, groups)
            for i, v in enumerate(want.pop("residuals")):
                got = num(r[f"{label} Residual  {i + 1}"])
                if not close(got, v, REL, 1e-12):
                    bad.append((probe, label, f"Residual {i + 1}", got, v))
            window = want.pop("window")
            for metric, v in want.items():
                got = r[column(label, metric)]
                if isinstance(v, str):
                    ok = got == v
                else:
                    ok = close(num(got), v)
                if not ok:
                    bad.append((probe, label, metric, got, v))
            for metric in ("BMR Multiples", "Fold Change"):
                a = num(r[column(label, metric).replace(f"{label} ", f"{label} ABS ", 1)])
                if not close(a, abs(num(r[column(label, metric)]))):
                    bad.append((probe, label, "ABS " + metric, a))
            fixed = set(filter(None, r[f"{label} Parameters At Bound"].split(",")))
            if "rho" in p and at_variance_floor(label, p, direction, doses, groups):
                counts["variance_floor"] = counts.get("variance_floor", 0) + 1
                continue
            check_stationary(label, names, values, direction, doses, groups, fixed, probe, bad)
            z, cond = zscore(label, names, values, direction, doses, groups, *window, fixed)
            got = num(r[f"{label} Z-Score"])
            if z is None:
                counts["z_not_pd"] += 1
                if math.isfinite(got):
                    bad.append((probe, label, "Z-Score (information not positive definite)", got))
            elif not math.isfinite(z):
                counts["z_ill"] += 1
            else:
                counts["z_compared"] += 1
                if math.isfinite(got):
                    counts["z_max_rel"] = max(counts.get("z_max_rel", 0.0),
                                              abs(got - z) / max(abs(z), 1e-300))
                if not close(got, z, Z_REL):
                    bad.append((probe, label, "Z-Score", got, z, f"cond {cond:.3g}"))
            if not close(num(r[f"{label} ABS Z-Score"]), abs(got)):
                bad.append((probe, label, "ABS Z-Score", r[f"{label} ABS Z-Score"]))
        check_best(r, bad)
    print(f"\n{variance}: {counts}")
    for b in bad[:40]:
        print(b)
    assert not bad, f"{len(bad)} metrics differ"
    assert counts["z_compared"] >= 0.9 * counts["fits"], counts
    assert counts.get("variance_floor", 0) <= 0.01 * counts["fits"], counts
    assert counts["fits"] >= 0.9 * len(rows) * len(MODELS), counts


def at_variance_floor(model, p, direction, doses, groups):
    """a non-constant variance fit whose mean is 0 at a dose (within 1e-9 of
    the floor): the likelihood has a kink there, so neither stationarity
    nor a Hessian is defined; such fits are counted, not compared"""
    m = mean_fn(model, p, direction)
    floor = 1e-12 * max(1.0, abs(groups[0].mean()))
    return any(abs(m(d)) < 1e3 * floor for d in doses)


def check_stationary(model, names, values, direction, doses, groups, fixed, probe, bad):
    """KKT for the parameters ours calls free: the log-likelihood is flat
    in each of them (|dLL/d ln x| = |x dLL/dx| below 1e-3: a 1% change of
    x moves it by less than 1e-5), so no active bound is missing from
    "Parameters At Bound" (which would change Z)"""
    for i, n in enumerate(names):
        if n in fixed:
            continue
        if values[i] == 0:
            continue  # exactly 0 and free: a polynomial term the fit left out
        h = 1e-6 * abs(values[i])
        up, dn = list(values), list(values)
        up[i] += h
        dn[i] -= h
        g = (loglik(model, dict(zip(names, up)), direction, doses, groups)
             - loglik(model, dict(zip(names, dn)), direction, doses, groups)) / (2 * h)
        if not abs(g * values[i]) < 1e-3:
            bad.append((probe, model, f"free parameter {n} not stationary", g))


def check_best(r, bad):
    """the Best block is its model's columns (the BMD values themselves
    may be replaced by the flagged-Hill options, so only when they are not)"""
    label = r["Best Model"]
    if label == "none":
        return
    if r["Best BMD"] != r[f"{label} BMD"]:
        return
    pairs = {"Best RSquared": column(label, "RSquared"), "Best Z-Score": f"{label} Z-Score",
             "Best Modelled Response BMR Multiples": column(label, "BMR Multiples"),
             "Best Model Fold Change": column(label, "Fold Change"),
             "Best BMD/Low Dose": f"{label} BMD/Low Dose",
             "Best BMD/High Dose": f"{label} BMD/High Dose",
             "Best BMD/BMDL": f"{label} BMD/BMDL", "Best BMDU/BMDL": f"{label} BMDU/BMDL",
             "Best BMDU/BMD": f"{label} BMDU/BMD",
             "Best Is Step Function": f"{label} Is Step Function",
             "Best Is Step Function Less Than Lowest Dose":
                 column(label, "Is Step Function Less Than Lowest Dose"),
             "Best BMD Response/Low Dose Response": f"{label} BMD Response/Low Dose Response",
             "Best BMD Response/High Dose Response": f"{label} BMD Response/High Dose Response",
             "wAUC": f"{label} wAUC", "log wAUC": f"{label} log wAUC"}
    for best, own in pairs.items():
        if r[best] != r[own]:
            bad.append((r["Probe ID"], "Best", best, r[best], own, r[own]))
