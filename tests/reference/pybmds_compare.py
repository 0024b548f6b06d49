"""
pybmds_compare.py - what the pybmds comparisons share (test_fit_pybmds.py,
test_fit_pybmds_wider.py): running `bmdstream fit` and pybmds on one
dataset, the independent SciPy likelihood, profile and BMR equation, and
the classification of one (dataset, model) comparison. test_fit_pybmds.py's
docstring states the rules. The BMR is a Bmr (kind, value): kind "sd"
(standard deviations, the default, 1.0), "rel" (relative deviation from
m(0)) or "abs" (absolute change, response units).
"""
import collections
import csv
import hashlib
import json
import math
import os
import subprocess
import tempfile

import numpy as np
import pybmds
from pybmds.models import continuous as pc
from scipy.optimize import minimize

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmds")
CHI2 = 2.705543454095404

Bmr = collections.namedtuple("Bmr", "kind value")
SD1 = Bmr("sd", 1.0)
# pybmds' ContinuousRiskType for each BMR kind
PYBMDS_BMR_TYPE = {"abs": 1, "sd": 2, "rel": 3}

MODELS = {
    "hill": (pc.Hill, {}),
    "power": (pc.Power, {}),
    "linear": (pc.Linear, {}),
    "poly2": (pc.Polynomial, {"degree": 2}),
    "exp3": (pc.ExponentialM3, {}),
    "exp5": (pc.ExponentialM5, {}),
}


def load_json(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def summary_of(d):
    if d.get("type") == "individual":
        doses = np.array(d["doses"], float)
        y = np.array(d["responses"], float)
        out = {"doses": [], "ns": [], "means": [], "stdevs": []}
        for u in sorted(set(doses)):
            v = y[doses == u]
            out["doses"].append(u)
            out["ns"].append(len(v))
            out["means"].append(v.mean())
            out["stdevs"].append(v.std(ddof=1) if len(v) > 1 else 0.0)
        return out
    sd = d.get("stdevs") or [math.sqrt(v) for v in d["variances"]]
    return {"doses": d["doses"], "ns": d["ns"], "means": d["means"], "stdevs": sd}


def run_ours(ds, variance, models, extra=(), raw=None):
    """`bmdstream fit` on the summary ds, or on the individual data raw
    ({"doses": [...], "responses": [...]}, one row per sample) if given"""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        if raw is not None:
            f.write("dose,response\n")
            rows = zip(raw["doses"], raw["responses"])
        else:
            f.write("dose,n,mean,sd\n")
            rows = zip(ds["doses"], ds["ns"], ds["means"], ds["stdevs"])
        for row in rows:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
        path = f.name
    try:
        out = subprocess.run(
            [BIN, "fit", "--data", path, "--models", ",".join(models), "--variance", variance,
             *extra],
            check=True, capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    return {m["model"]: m for m in json.loads(out.stdout)["models"]}


def run_pybmds(ds, name, variance, increasing, bmr=None, raw=None):
    """pybmds' fit (BMR bmr, default 1 SD; on the individual data raw if
    given); with BS_PYBMDS_CACHE=DIR (for development: pybmds is
    deterministic and takes most of the time) results are kept there,
    one JSON file per dataset, model, variance, direction and BMR"""
    bmr = bmr or SD1
    cache = os.environ.get("BS_PYBMDS_CACHE")
    if cache:
        key = json.dumps([ds, name, variance, increasing, pybmds.__version__]
                         + ([list(bmr), raw] if bmr != SD1 or raw else []), sort_keys=True)
        path = os.path.join(cache, hashlib.sha256(key.encode()).hexdigest() + ".json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    r = run_pybmds_uncached(ds, name, variance, increasing, bmr, raw)
    if cache:
        os.makedirs(cache, exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(r, f)
        os.replace(path + ".tmp", path)
    return r


def run_pybmds_uncached(ds, name, variance, increasing, bmr, raw):
    cls, kw = MODELS[name]
    if raw is not None:
        dataset = pybmds.ContinuousIndividualDataset(doses=list(map(float, raw["doses"])),
                                                     responses=list(map(float, raw["responses"])))
    else:
        dataset = pybmds.ContinuousDataset(doses=list(ds["doses"]), ns=list(ds["ns"]),
                                           means=list(ds["means"]), stdevs=list(ds["stdevs"]))
    settings = dict(disttype=1 if variance == "constant" else 2,
                    bmr_type=PYBMDS_BMR_TYPE[bmr.kind], bmr=bmr.value,
                    is_increasing=increasing, **kw)
    m = cls(dataset, settings=settings)
    r = m.execute()

    def val(x):
        return None if x is None or x == -9999 or not np.isfinite(x) else float(x)

    # BMDS' Test 4 (fitted model against A1, constant variance, or A3):
    # the goodness-of-fit p-value, its d.f., and the A1 and A3 likelihoods
    return {"loglik": val(r.fit.loglikelihood), "bmd": val(r.bmd), "bmdl": val(r.bmdl),
            "bmdu": val(r.bmdu), "params": list(map(float, r.parameters.values)),
            "completed": bool(r.has_completed), "fit_p": val(r.tests.p_values[3]),
            "fit_df": val(r.tests.dfs[3]), "ll_a1": val(r.deviance.loglikelihoods[0]),
            "ll_a3": val(r.deviance.loglikelihoods[2]), "aic": val(r.fit.aic),
            "bounded": [r.parameters.names[j] for j, b in enumerate(r.parameters.bounded) if b]}


# ---- independent profile likelihood (SciPy) for adjudication ----
def mean_fn(name, p, d, s):
    if name == "hill":
        g, v, k, n = p[:4]
        # d^n / (k^n + d^n) taken as 0 at dose 0 also when k = 0 (its
        # bound: a step at dose 0), as the model is defined
        d = np.asarray(d, float)
        dn = np.power(d, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(d > 0, dn / (np.power(k, n) + dn), 0.0)
        return g + v * (r if r.ndim else float(r))
    if name == "power":
        return p[0] + p[1] * np.power(d, p[2])
    if name in ("linear", "poly2"):
        k = 2 if name == "linear" else 3
        return sum(p[j] * np.power(d, j) for j in range(k))
    if name == "exp3":
        a, b, dd = p[:3]
        return a * np.exp(s * np.power(b * d, dd))
    a, b, lc, dd = p[:4]
    # c - (c - 1) e^-t as 1 + (c - 1)(1 - e^-t), both by expm1: without
    # cancellation when c is large and t small
    return a * (1.0 + np.expm1(lc) * -np.expm1(-np.power(b * d, dd)))


N_MEAN = {"hill": 4, "power": 3, "linear": 2, "poly2": 3, "exp3": 3, "exp5": 4}


def to_internal(name, params, ncv, M):
    """user-facing -> optimiser vector on doses x = d / M (well conditioned):
    mean params (Hill k/M, Power v M^n, b_j M^j, Exp b M, ln c), [rho], ln alpha"""
    p = [float(v) for v in params]
    if name == "hill":
        p[2] /= M
    elif name == "power":
        p[1] *= M ** p[2]
    elif name in ("linear", "poly2"):
        for j in range(1, N_MEAN[name]):
            p[j] *= M ** j
    else:
        p[1] *= M
        if name == "exp5":
            p[2] = math.log(p[2])
    if name not in ("exp3", "exp5"):
        p[-1] = math.log(p[-1])
    return np.array(p, float)


def bounds_of(name, ds, ncv, inc):
    """The model's box on the optimiser vector (doses / M, responses in
    original units): pybmds' frequentist priors as bmdscore applies them to
    its final fit on the original data, the response bounds times
    D = |mean at the lowest dose| (1 if below 1). Power's v bound is taken
    at n as it is (bmdscore fixes it at its initial n). SciPy searching
    outside this box would "refute" limits with curves outside the model."""
    D = max(1.0, abs(ds["means"][int(np.argmin(ds["doses"]))]))
    up = lambda lim: (0.0, lim) if inc else (-lim, 0.0)  # noqa: E731
    sym = lambda lim: (-lim * D, lim * D)  # noqa: E731
    if name in ("linear", "poly2"):
        k = N_MEAN[name]
        if ncv:
            b = [(0.0, 1000 * D), (-18 * D, 18 * D)] + [sym(1e6)] * (k - 2)
        else:
            b = [sym(1e6)] * k
        if name == "poly2":  # restricted: every b_j in the direction of the data
            b = [b[0]] + [(max(lo, 0.0), hi) if inc else (lo, min(hi, 0.0)) for lo, hi in b[1:]]
    else:
        b = {"hill": [sym(100), sym(100), (0, 5), (1, 18)],
             "power": [sym(100), sym(1e4 if ncv else 100), (1, 18)],
             "exp3": [(0, 100 * D), (0, 100), (1, 18)],
             "exp5": [(0, 100 * D), (0, 100), up(20), (1, 18)]}[name]
    if ncv:
        b = b + [(-18, 18)]  # pybmds 25.2: rho in [-18, 18] for every model
    # ln alpha in [-18, 18] in original response units for both variances
    return b + [(-18, 18)]


def loglik(name, th, ds, ncv, s):
    d = np.array(ds["doses"], float) / max(ds["doses"])
    n = np.array(ds["ns"], float)
    y = np.array(ds["means"], float)
    sd = np.array(ds["stdevs"], float)
    m = mean_fn(name, th, d, s)
    lsig = th[-1] + (th[-2] * np.log(np.maximum(np.abs(m), 1e-300)) if ncv else 0.0)
    q = (n - 1) * sd**2 + n * (y - m) ** 2
    return float(np.sum(-0.5 * n * (np.log(2 * np.pi) + lsig) - 0.5 * q / np.exp(lsig)))


def bmr_delta(name, th, ncv, s, bmr):
    """the change Delta the BMD solves s (m(BMD) - m(0)) = Delta for, from
    the optimiser vector th (responses in original units):
      sd:  Delta = BMR sigma(0) = BMR exp((ln alpha + rho ln|m(0)|) / 2)
      rel: Delta = BMR |m(0)|
      abs: Delta = BMR"""
    m0 = mean_fn(name, th, 0.0, s)
    if bmr.kind == "abs":
        return bmr.value
    if bmr.kind == "rel":
        return bmr.value * abs(m0)
    lsig = th[-1] + (th[-2] * math.log(max(abs(m0), 1e-300)) if ncv else 0.0)
    return bmr.value * math.exp(min(0.5 * lsig, 700.0))


def profile_2dll(name, ds, ncv, s, ll_hat, B, starts, bmr=None):
    """2 (LL_hat - max LL subject to the BMR at B), SciPy SLSQP, several
    starts; it stops early once a start proves B inside the region (a value
    below CHI2 - MARGIN), the only use made of a value that low."""
    bmr = bmr or SD1
    xb = B / max(ds["doses"])

    def con(th):
        m0 = mean_fn(name, th, 0.0, s)
        mb = mean_fn(name, th, xb, s)
        return s * (mb - m0) - bmr_delta(name, th, ncv, s, bmr)

    bnds = bounds_of(name, ds, ncv, s > 0)
    best = -np.inf
    for st in starts:
        for shape in (None, 1.0, 1.5, 2.5, 5.0, 10.0, 18.0):
            x0 = np.array(st, float)
            si = {"hill": 3, "power": 2, "exp3": 2, "exp5": 3}.get(name)
            if shape is not None:
                if si is None:
                    continue
                x0[si] = shape
            x0 = np.clip(x0, [b[0] for b in bnds], [b[1] for b in bnds])
            with np.errstate(all="ignore"):
                r = minimize(lambda t: -loglik(name, t, ds, ncv, s), x0, method="SLSQP",
                             bounds=bnds, constraints=[{"type": "eq", "fun": con}],
                             options={"maxiter": 3000, "ftol": 1e-13})
            if np.all(np.isfinite(r.x)) and abs(con(r.x)) < 1e-6 * max(1, abs(r.x[0])):
                best = max(best, loglik(name, r.x, ds, ncv, s))
                if 2 * (ll_hat - best) < CHI2 - MARGIN:
                    return 2 * (ll_hat - best)
    return 2 * (ll_hat - best)


# SciPy's constrained optimum is a feasible point, so its 2*dLL at a dose
# is an upper bound of the true profile there (for the common LL_hat): a
# value below chi^2 - MARGIN proves that dose lies inside the confidence
# region, so it cannot be a limit. MARGIN covers the constraint tolerance
# (1e-6 relative) and SLSQP's stopping rule, both far below it.
MARGIN = 1e-3


def limit_solutions(name, ours, ncv, M):
    """our profile solutions at the limits, and the witnesses of unbounded
    limits, as optimiser starts"""
    out = []
    for key in ("bmdl", "bmdu"):
        if ours.get(key + "_parameters"):
            out.append(to_internal(name, list(ours[key + "_parameters"].values()), ncv, M))
        if ours.get(key + "_unbounded"):
            w = ours[key + "_unbounded"]["parameters"]
            out.append(to_internal(name, list(w.values()), ncv, M))
    return out


def feasible_at(name, c, ncv, s, x, bmr=None):
    """the BMR constraint s (m(x) - m(0)) = Delta holds for internal c"""
    bmr = bmr or SD1
    m0 = mean_fn(name, c, 0.0, s)
    mb = mean_fn(name, c, x, s)
    delta = bmr_delta(name, c, ncv, s, bmr)
    return abs(s * (mb - m0) - delta) < 1e-6 * delta


def certificate_ok(name, ds, ncv, s, ll_hat, ours, key, bmr=None):
    """Our limit is backed by its profile solution: feasible at the limit
    with 2*dLL within 0.01 of chi^2. An unbounded limit (null) is backed by
    its witness: feasible at the farthest dose reached and inside the
    region (2*dLL < chi^2) there."""
    M = max(ds["doses"])
    if ours[key] is not None:
        cert = ours.get(key + "_parameters")
        if not cert:
            return False
        c = to_internal(name, list(cert.values()), ncv, M)
        q = 2 * (ll_hat - loglik(name, c, ds, ncv, s))
        return feasible_at(name, c, ncv, s, ours[key] / M, bmr) and abs(q - CHI2) < 0.01
    w = ours.get(key + "_unbounded")
    if not w:
        return False
    c = to_internal(name, list(w["parameters"].values()), ncv, M)
    q = 2 * (ll_hat - loglik(name, c, ds, ncv, s))
    return feasible_at(name, c, ncv, s, w["profile_dose"] / M, bmr) and q < CHI2


def bmr_unreached(name, ds, ncv, s, params, bmr=None):
    """s (m(x) - m(0)) < Delta for every dose up to 2^10 x max dose:
    the BMR is never reached"""
    return bmr_unreached_internal(name, ds, ncv, s,
                                  to_internal(name, list(params.values()), ncv, max(ds["doses"])),
                                  bmr)


def bmr_unreached_internal(name, ds, ncv, s, th, bmr=None):
    """bmr_unreached for an optimiser vector (doses scaled by the maximum)"""
    x = np.geomspace(1e-6, 1024.0 * 1.2, 4000)
    with np.errstate(all="ignore"):
        m = mean_fn(name, th, x, s)
    m0 = mean_fn(name, th, 0.0, s)
    delta = bmr_delta(name, th, ncv, s, bmr or SD1)
    return bool(np.all(np.isfinite(m)) and np.max(s * (m - m0)) < delta)


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def within(x, lo, hi):
    """x inside [lo, hi], a missing limit being unbounded"""
    return (lo is None or lo <= x) and (hi is None or x <= hi)


def compare(tag, ds, name, ncv, ours, peer, stats, bmr=None):
    """returns (kind, message); kind in agree, better, ridge, verified, disagree"""
    bmr = bmr or SD1
    inc = ours["increasing"]
    s = 1.0 if inc else -1.0
    if ours["loglik"] is None or peer["loglik"] is None:
        if ours["loglik"] is None and peer["loglik"] is None:
            return "agree", ""
        if peer["loglik"] is None:
            return verify_alone(tag, ds, name, ncv, ours, s, stats, bmr)
        return "disagree", f"{tag} {name}: ours has no fit, pybmds LL {peer['loglik']}"
    dll = ours["loglik"] - peer["loglik"]
    if dll < -0.01:
        return "disagree", f"{tag} {name}: LL ours {ours['loglik']} pybmds {peer['loglik']}"
    better = dll > 1e-4
    M = max(ds["doses"])
    for key, tol in (("bmd", 0.01), ("bmdl", 0.02), ("bmdu", 0.02)):
        a, b = ours[key], peer[key]
        if a is None and b is None:
            continue
        if a is not None and b is not None and rel(a, b) <= tol:
            continue
        if better:
            return "better", f"{tag} {name}: ours LL higher by {dll:.4g}; {key} ours {a} pybmds {b}"
        if key == "bmd":
            if a is not None and b is not None and abs(dll) <= 1e-5:
                # both parameter sets reach the maximum: a likelihood ridge
                # (e.g. Hill through 4 group means) leaves the BMD unidentified
                return "ridge", f"{tag} {name}: equal LL (dLL {dll:.2g}), bmd ours {a} pybmds {b}"
            if a is not None and b is not None and abs(dll) <= 1e-4 and \
                    within(a, peer["bmdl"], peer["bmdu"]) and \
                    within(b, ours["bmdl"], ours["bmdu"]):
                # nearly flat (2 dLL below 2e-4, where the better-optimum
                # rule starts) and each BMD inside the other's confidence
                # interval: the data do not tell the two BMDs apart
                return "ridge", (f"{tag} {name}: nearly equal LL (dLL {dll:.2g}), bmd ours {a} "
                                 f"pybmds {b}, each inside the other's interval")
            if a is None and b is not None and abs(dll) <= 1e-5 and \
                    bmr_unreached(name, ds, ncv, s, ours["parameters"], bmr):
                # the same ridge where our curve levels off before the BMR
                # (checked here): the BMD of that equally likely fit does not exist
                return "ridge", (f"{tag} {name}: equal LL (dLL {dll:.2g}), our curve never "
                                 f"reaches the BMR, bmd pybmds {b}")
            if a is not None and b is None and abs(dll) <= 1e-5 and peer["params"] and \
                    bmr_unreached_internal(name, ds, ncv, s,
                                           to_internal(name, peer["params"], ncv, M), bmr):
                # the opposite side of the same ridge: pybmds' equally
                # likely curve levels off before the BMR (checked here)
                return "ridge", (f"{tag} {name}: equal LL (dLL {dll:.2g}), pybmds' curve never "
                                 f"reaches the BMR, bmd ours {a}")
            return "disagree", f"{tag} {name}: bmd ours {a} pybmds {b} (dLL {dll:.2g})"
        # adjudicate with an independent profile, started also from our
        # profile solutions at the limits (the certificates)
        M = max(ds["doses"])
        th_o = to_internal(name, list(ours["parameters"].values()), ncv, M)
        starts = [th_o]
        if peer["params"]:
            starts.append(to_internal(name, peer["params"], ncv, M))
        starts += limit_solutions(name, ours, ncv, M)
        ll_hat = max(ours["loglik"], peer["loglik"])
        q_o = profile_2dll(name, ds, ncv, s, ll_hat, a, starts, bmr) if a is not None else None
        q_p = profile_2dll(name, ds, ncv, s, ll_hat, b, starts, bmr) if b else None
        cert_ok = certificate_ok(name, ds, ncv, s, ll_hat, ours, key, bmr)
        stats["adjudicated"] += 1
        # a BMDL of 0 (pybmds' value when its profile fails) is never a
        # root: at dose 0 the BMR equation s (m(0) - m(0)) = Delta > 0
        # has no solution
        peer_wrong = (q_p is not None and q_p < CHI2 - MARGIN) or (key == "bmdl" and b == 0)
        ours_wrong = q_o is not None and q_o < CHI2 - MARGIN
        if (peer_wrong or (b is None and q_o is not None and abs(q_o - CHI2) < 0.03)) \
                and not ours_wrong and cert_ok:
            stats["limit_ours_exact"] += 1
            continue
        return "disagree", (f"{tag} {name}: {key} ours {a} pybmds {b} "
                            f"(scipy 2dLL at ours {q_o} at pybmds {q_p}, certificate {cert_ok})")
    if better:
        return "better", f"{tag} {name}: ours LL higher by {dll:.4g}"
    return "agree", ""


def scipy_mle(name, ds, ncv, s, starts):
    """the highest log-likelihood SciPy's bounded SLSQP reaches from the
    starts and from restarts of the shape parameter"""
    bnds = bounds_of(name, ds, ncv, s > 0)
    si = {"hill": 3, "power": 2, "exp3": 2, "exp5": 3}.get(name)
    best = -np.inf
    for st in starts:
        for shape in (None, 1.0, 1.5, 2.5, 5.0, 10.0, 18.0):
            if shape is not None and si is None:
                continue
            x0 = np.array(st, float)
            if shape is not None:
                x0[si] = shape
            x0 = np.clip(x0, [b[0] for b in bnds], [b[1] for b in bnds])
            with np.errstate(all="ignore"):
                r = minimize(lambda t: -loglik(name, t, ds, ncv, s), x0, method="SLSQP",
                             bounds=bnds, options={"maxiter": 3000, "ftol": 1e-13})
                ll = loglik(name, r.x, ds, ncv, s)
            if np.all(np.isfinite(r.x)) and np.isfinite(ll):
                best = max(best, ll)
    return best


def verify_alone(tag, ds, name, ncv, ours, s, stats, bmr=None):
    """pybmds returned no fit (no likelihood) while ours has one: ours is
    checked on its own. Its likelihood must be at least SciPy's best
    (within 0.01) from our parameters and shape restarts; its BMD must
    meet the BMR equation; each limit must carry a valid certificate (or
    witness) that SciPy's profile does not refute. Counted as agreement
    ("verified"), listed."""
    M = max(ds["doses"])
    th_o = to_internal(name, list(ours["parameters"].values()), ncv, M)
    ll_sc = scipy_mle(name, ds, ncv, s, [th_o])
    if ours["loglik"] < ll_sc - 0.01:
        return "disagree", (f"{tag} {name}: pybmds has no fit; SciPy LL {ll_sc} above ours "
                            f"{ours['loglik']}")
    ll_hat = max(ours["loglik"], ll_sc)
    if ours["bmd"] is not None and not feasible_at(name, th_o, ncv, s, ours["bmd"] / M, bmr):
        return "disagree", f"{tag} {name}: pybmds has no fit; our BMD {ours['bmd']} off the BMR"
    if ours["bmd"] is None and not bmr_unreached(name, ds, ncv, s, ours["parameters"], bmr):
        return "disagree", f"{tag} {name}: pybmds has no fit; our BMD missing, BMR reached"
    starts = [th_o] + limit_solutions(name, ours, ncv, M)
    for key in ("bmdl", "bmdu"):
        if ours["bmd"] is None:
            break
        stats["adjudicated"] += 1
        q_o = profile_2dll(name, ds, ncv, s, ll_hat, ours[key], starts, bmr) \
            if ours[key] is not None else None
        if not certificate_ok(name, ds, ncv, s, ll_hat, ours, key, bmr) or \
                (q_o is not None and q_o < CHI2 - MARGIN):
            return "disagree", (f"{tag} {name}: pybmds has no fit; our {key} {ours[key]} "
                                f"(scipy 2dLL {q_o}) not certified")
    return "verified", (f"{tag} {name}: pybmds has no fit; ours LL {ours['loglik']} "
                        f"(SciPy {ll_sc:.6g}), limits certified")


UPSTREAM = ("cdataset", "cdataset2", "negative_cdataset", "cidataset", "anova_dataset",
            "reduced_cdataset", "decreasing_lognormal", "linear_boundary", "quickstart",
            "bmdscore_exp5", "bmds_server_power", "toxicr_single")


def upstream_datasets():
    """the 12 datasets of the upstream pybmds tests, as (tag, summary)"""
    ref = load_json("continuous_test_datasets.json")["datasets"]
    return [(key, summary_of(ref[key])) for key in UPSTREAM]


def toxrefdb_datasets(n):
    """the first n datasets of the fixed ToxRefDB v2 sample, as (tag, summary)"""
    out = []
    with open(os.path.join(DATA, "toxrefdb_v2_continuous_sample.csv")) as f:
        for i, r in enumerate(csv.DictReader(f)):
            if i >= n:
                break
            out.append((r["id"], {k: [float(v) for v in r[k].split(",")]
                                  for k in ("doses", "ns", "means", "stdevs")}))
    return out
