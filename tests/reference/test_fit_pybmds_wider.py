"""
test_fit_pybmds_wider.py - `bmdstream fit` against pybmds (the PyPI wheel,
EPA BMDS 3 core) beyond test_fit_pybmds.py's 1 SD BMR on summary data:

- relative deviation (BMR 0.1: s (m(BMD) - m(0)) = 0.1 |m(0)|) and
  absolute deviation (BMR = the SD observed in the control group, the
  lowest dose, as an absolute change in response units) on the 12 upstream
  datasets and the first BS_WIDE_TOX (default 8) ToxRefDB datasets;
- individual (per-sample) data: BS_WIDE_PROBES (default 10) probes of each
  of BMDExpress's three example matrices (tests/data/bmdexpress/example
  data {1,2,3}.txt), the half of largest one-way ANOVA F across the dose
  groups (most responsive first, ties by row) and the rest spread evenly
  over the rows (row floor((j + 1/2) R / (k // 2)) of R rows, or the next
  one that qualifies), probes with a dose group without spread (values at
  a detection floor; pybmds refuses them) left out; one `dose,response`
  row per sample for ours and a
  ContinuousIndividualDataset for pybmds, with the 1 SD, relative 0.1 and
  absolute BMRs;
- the goodness-of-fit p-value (`fit_p`, BMDS' Test 4: the fitted model
  against A1 for constant variance, A3 for non-constant) against pybmds'
  Test 4 p-value; and always against chi2.sf(2 (LL_A - LL), d.f.) with
  LL_A computed here (A1 in closed form, A3 by SciPy).

Models Hill, Power, Linear, Poly 2, Exp 3, Exp 5; variances from
BS_WIDE_VARIANCES (default constant: ctest's run; constant,nonconstant
by hand, about 8 more minutes on 2 cores). Each (dataset, model,
variance, BMR) comparison falls in exactly one of four classes:

- agree: log-likelihood within 0.01, BMD within 1%, BMDL and BMDU within
  2% or adjudicated in our favour by SciPy's profile (the rules of
  test_fit_pybmds.py, with the BMR of the case); also where pybmds returns
  no fit and ours is verified on its own (likelihood at least SciPy's,
  BMD on the BMR equation, limits certified): listed as "verified";
- better optimum: our log-likelihood higher by more than 1e-4;
- equal-likelihood ridge: log-likelihoods within 1e-5 but the BMDs differ,
  or within 1e-4 with each BMD inside the other's BMDL-BMDU interval, or
  one side's equally likely curve checked never to reach the BMR;
- worse: everything else, including ours failing where pybmds converged.

On top of test_fit_pybmds.py's rules, a case is worse when our BMD does
not solve the BMR equation of its type for our own parameters (checked
here: |s (m(BMD) - m(0)) - Delta| < 1e-6 Delta), when ours has no BMD
although our curve reaches the BMR, or when our fit_p is off: it must
equal the independent chi2.sf(2 (LL_A - LL_ours), fit_df), and, when the
likelihoods agree (agree or ridge), pybmds' Test 4 p-value (and d.f.),
both within 1e-3 absolute or 1% relative. Where pybmds' A1/A3 likelihood
is below SciPy's (pybmds' fit of A3 stopped short), pybmds' p is not
the reference and ours is held to the independent value only (listed).

The test prints a table per data kind, BMR and variance with the counts
per model, lists every case not in "agree" with a one-line reason, and
fails when "worse" exceeds 1% of all comparisons or of any model's.
BS_FIT_WORKERS (default: the number of CPUs) processes share the
datasets; BS_PYBMDS_CACHE=DIR keeps pybmds' results (development only).
"""
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
import os

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import logsumexp
from scipy.stats import chi2, f_oneway

from pybmds_compare import (BIN, MODELS, N_MEAN, SD1, Bmr, bmr_unreached, bounds_of, compare,
                            feasible_at, run_ours, run_pybmds, summary_of, to_internal,
                            toxrefdb_datasets, upstream_datasets)

N_TOX = int(os.environ.get("BS_WIDE_TOX", "8"))
N_PROBES = int(os.environ.get("BS_WIDE_PROBES", "10"))
VARIANCES = [v for v in os.environ.get("BS_WIDE_VARIANCES", "constant").split(",") if v]
MATRICES = [os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress",
                         f"example data {i}.txt") for i in (1, 2, 3)]
REL = Bmr("rel", 0.1)
CLASSES = ("agree", "better", "ridge", "worse")
# the existing comparison's kinds in the four classes
CLASS_OF = {"agree": "agree", "verified": "agree", "better": "better", "ridge": "ridge",
            "disagree": "worse"}
WORSE_MAX = 0.01
STATS = ("adjudicated", "limit_ours_exact", "gof_df_differs", "gof_peer_df_inconsistent",
         "gof_peer_a_low", "gof_peer_a3_outside_box")


def abs_bmr(ds):
    """the absolute BMR of a dataset: the SD of its control group (lowest
    dose), in response units"""
    return Bmr("abs", float(ds["stdevs"][int(np.argmin(ds["doses"]))]))


def read_matrix(path):
    """a BMDExpress expression matrix: a SampleID row, a Dose row, then one
    row per probe (name, one value per sample)"""
    with open(path) as f:
        rows = [line.rstrip("\r\n").split("\t") for line in f if line.strip()]
    dose_row = next(r for r in rows[:3] if r[0].lower() == "dose")
    doses = [float(v) for v in dose_row[1:]]
    start = rows.index(dose_row) + 1
    return doses, [(r[0], [float(v) for v in r[1:]]) for r in rows[start:]]


def chosen_probes(path, k):
    """k probes of a matrix, among those with spread in every dose group:
    the k // 2 + k % 2 of largest ANOVA F (ties by row), then the rest
    spread evenly over the rows (row floor((j + 1/2) R / (k // 2)), or the
    next one that qualifies)"""
    doses, probes = read_matrix(path)
    d = np.array(doses)
    groups = [d == u for u in sorted(set(doses))]
    R = len(probes)
    ok = []
    for _, y in probes:
        y = np.array(y)
        # a group without spread (values at a detection floor) has no
        # finite-variance A2, F = inf, and pybmds refuses it (SD 0)
        ok.append(min(np.ptp(y[g]) for g in groups) > 1e-9 * max(1.0, np.max(np.abs(y))))
    fs = sorted((-f_oneway(*[np.array(y)[g] for g in groups]).statistic, i)
                for i, (_, y) in enumerate(probes) if ok[i])
    chosen = [i for _, i in fs[:k - k // 2]]
    for j in range(k // 2):
        i = int((j + 0.5) * R / (k // 2))
        while i < R and (not ok[i] or i in chosen):
            i += 1
        chosen.append(i)
    return [(probes[i][0], {"doses": doses, "responses": probes[i][1]}) for i in chosen]


def individual_datasets():
    out = []
    for m, path in enumerate(MATRICES, 1):
        for probe, raw in chosen_probes(path, N_PROBES):
            out.append((f"ex{m}:{probe}", raw))
    return out


def ll_a(ds, ncv, rho_max=18.0):
    """LL of A1 (one mean per group, common variance; closed form) or A3
    (one mean per group, variance alpha |mu_i|^rho; SciPy):
      A1: sigma^2 = sum (n_i - 1) s_i^2 / N, LL = -N/2 (ln(2 pi sigma^2) + 1)
      A3: max over mu_i, rho, ln alpha of
          sum -n_i/2 (ln 2pi + lsig_i) - q_i / (2 e^lsig_i),
          lsig_i = ln alpha + rho ln|mu_i|, q_i = (n_i - 1) s_i^2 + n_i (ybar_i - mu_i)^2
    A3 nests A1 (rho = 0), so it is never below it. rho_max is the box of
    rho: 18, the fitted models' box, for the A3 of the test; wider to
    check where pybmds' A3 lies."""
    n = np.array(ds["ns"], float)
    y = np.array(ds["means"], float)
    sd = np.array(ds["stdevs"], float)
    N = n.sum()
    ssq = np.sum((n - 1) * sd**2)
    a1 = -0.5 * N * (math.log(2 * math.pi * ssq / N) + 1)
    if not ncv:
        return a1
    G = len(y)
    sc = max(1.0, abs(y[0]))  # responses scaled for the optimiser

    def nll(t):
        mu, rho, la = t[:G], t[G], t[G + 1]
        lam = np.log(np.maximum(np.abs(mu * sc), 1e-300))
        lsig = la + rho * lam
        q = (n - 1) * sd**2 + n * (y - mu * sc) ** 2
        return float(np.sum(0.5 * n * (math.log(2 * math.pi) + lsig) + 0.5 * q / np.exp(lsig)))

    best = a1
    lam = np.log(np.maximum(np.abs(y), 1e-300))
    s2 = np.maximum(sd**2, 1e-300)
    rho0 = np.polyfit(lam, np.log(s2), 1)[0] if np.ptp(lam) > 0 else 0.0
    for rho in {0.0, float(np.clip(rho0, -rho_max, rho_max)), -18.0, 18.0, -rho_max, rho_max}:
        # alpha's maximum given rho at the group means, in logs
        la = float(logsumexp(np.log((n - 1) * s2) - rho * lam) - math.log(N))
        x0 = np.concatenate([y / sc, [rho, la]])
        bnds = [(None, None)] * G + [(-rho_max, rho_max), (None, None)]
        with np.errstate(all="ignore"):
            r = minimize(nll, x0, method="L-BFGS-B", bounds=bnds,
                         options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
            r = minimize(nll, r.x, method="L-BFGS-B", bounds=bnds,
                         options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10})
        if np.isfinite(r.fun) and -rho_max <= r.x[G] <= rho_max:
            best = max(best, -r.fun)
    return best


def p_close(a, b):
    """two p-values equal within 1e-3 absolute or 1% relative"""
    return abs(a - b) <= 1e-3 or abs(a - b) <= 0.01 * max(abs(a), abs(b))


# optimiser-vector entries in response units (divided by D when the C code
# compares them with a bound): Hill and Power g, v; every polynomial
# coefficient; Exp a
RESPONSE_UNITS = {"hill": (0, 1), "power": (0, 1), "linear": (0, 1), "poly2": (0, 1, 2),
                  "exp3": (0,), "exp5": (0,)}
SHAPE = {"hill": 3, "power": 2, "exp3": 2, "exp5": 3}


def n_bounded(name, o, ncv, ds):
    """the parameters of our fit that sit on a bound, counted as BMDS 3
    counts them and numerics.md says for ours: within 1e-6 of a bound of
    the model's box, on the scaled problem (doses / M, responses / D), and
    only where the bound does not move with the scaling (a 0 bound, or the
    shape parameter's and rho's fixed bounds)"""
    M = max(ds["doses"])
    D = max(1.0, abs(ds["means"][int(np.argmin(ds["doses"]))]))
    th = to_internal(name, list(o["parameters"].values()), ncv, M)
    box = bounds_of(name, ds, ncv, o["increasing"])
    free_scale = {SHAPE.get(name), N_MEAN[name] if ncv else None} - {None}
    count = 0
    for j, (lo, hi) in enumerate(box):
        f = D if j in RESPONSE_UNITS[name] else 1.0
        for bound in (lo, hi):
            if (bound == 0 or j in free_scale) and abs(th[j] / f - bound / f) < 1e-6:
                count += 1
                break
    return count


def check_gof(o, peer, kind, lla, ncv, name, ds, stats):
    """our fit_p against the independent value and (when the likelihoods
    agree) pybmds' Test 4: (reason it is wrong or None, note or None)"""
    k_a = len(ds["doses"]) + (2 if ncv else 1)
    nb = n_bounded(name, o, ncv, ds)
    if o["n_free"] != len(o["parameters"]) - nb or o["fit_df"] != k_a - o["n_free"]:
        return (f"fit_df {o['fit_df']}, n_free {o['n_free']}: A has {k_a} parameters, the fit "
                f"{len(o['parameters'])} with {nb} on a bound"), None
    df = o["fit_df"]
    p_ind = chi2.sf(max(0.0, 2 * (lla - o["loglik"])), df) if df > 0 else None
    if (p_ind is None) != (o["fit_p"] is None) or \
            (p_ind is not None and not p_close(o["fit_p"], p_ind)):
        return f"fit_p {o['fit_p']}, independent chi2.sf {p_ind} (LL_A {lla:.6f})", None
    if kind not in ("agree", "ridge") or peer["loglik"] is None:
        return None, None
    peer_a = peer["ll_a3" if ncv else "ll_a1"]
    if peer_a is None or peer_a < lla - 1e-3:
        stats["gof_peer_a_low"] += 1
        return None, (f"pybmds' LL_A {peer_a} below SciPy's {lla:.6f}: its p {peer['fit_p']} "
                      f"not the reference, ours {o['fit_p']} checked independently")
    if ncv and peer_a > lla + 1e-3:
        # pybmds' A3 above the maximum over rho in [-18, 18] (the box of
        # every fitted model, and of our A3): its optimiser left that box
        # (ln|mu| spans little, so rho of -70 or so buys a group variance
        # each). Shown here with rho free to +-1000; then pybmds' Test 4
        # compares with an A3 of another variance model and ours is held to
        # the independent value only. Not shown: ours is wrong.
        free = ll_a(ds, True, 1000.0)
        if peer_a > free + 1e-3:
            return f"pybmds' LL_A3 {peer_a} above SciPy's {lla:.6f} (rho free: {free:.6f})", None
        stats["gof_peer_a3_outside_box"] += 1
        return None, (f"pybmds' LL_A3 {peer_a:.6f} needs |rho| > 18 (SciPy: {lla:.6f} within "
                      f"the box, {free:.6f} with rho free): ours {o['fit_p']} checked "
                      f"independently, pybmds' {peer['fit_p']} not the reference")
    # pybmds' d.f. is its Test 4's, unless that is not A's parameters less
    # those its AIC counts: pybmds 25.2 counts Exp 3's parameters for Test 4
    # differently from one run to the next on the same data (2 or 3 for the
    # same fit), while its AIC count stays put
    notes = []
    k_py = round((peer["aic"] + 2 * peer["loglik"]) / 2)
    df_py = peer["fit_df"]
    if df_py != k_a - k_py:
        stats["gof_peer_df_inconsistent"] += 1
        notes.append(f"pybmds' Test 4 d.f. {df_py} is not {k_a} - its AIC's {k_py} parameters")
        df_py = k_a - k_py
    pp = peer["fit_p"] if df_py > 0 else None
    if df_py != df:
        # a parameter on a bound counted differently: pybmds takes
        # |value - bound| < 1e-6 in user units for any bound (a Poly b2 of
        # 2.6e-7 counts as on its 0 bound), ours the rule of n_bounded; the
        # fitted curves may also differ along a ridge (Power n at 18 or
        # 17.995 with v = 0): pybmds' likelihoods at our d.f. compared
        stats["gof_df_differs"] += 1
        notes.append(f"d.f. ours {df} ({nb} on a bound) pybmds {df_py} (bounded "
                     f"{peer['bounded']}): pybmds' LL_A and LL at our d.f.")
        pp = chi2.sf(max(0.0, 2 * (peer_a - peer["loglik"])), df) if df > 0 else None
    elif notes:
        pp = chi2.sf(max(0.0, 2 * (peer_a - peer["loglik"])), df) if df > 0 else None
    note = "; ".join(notes) if notes else None
    if (pp is None) != (o["fit_p"] is None) or (pp is not None and not p_close(o["fit_p"], pp)):
        return f"fit_p ours {o['fit_p']} pybmds {pp}" + (f" ({note})" if note else ""), None
    return None, note


def check_bmd(name, ds, ncv, o, bmr):
    """our BMD on the BMR equation for our own parameters, or our curve
    never reaching the BMR where we report none: None when right"""
    if o["loglik"] is None:
        return None
    s = 1.0 if o["increasing"] else -1.0
    M = max(ds["doses"])
    th = to_internal(name, list(o["parameters"].values()), ncv, M)
    if o["bmd"] is not None and not feasible_at(name, th, ncv, s, o["bmd"] / M, bmr):
        return f"BMD {o['bmd']} off the {bmr.kind} BMR equation"
    if o["bmd"] is None and not bmr_unreached(name, ds, ncv, s, o["parameters"], bmr):
        return f"no BMD although our curve reaches the {bmr.kind} BMR"
    return None


def compare_job(job):
    """one dataset, one variance, its BMRs: a list of
    (bmr kind, model, class, message)"""
    data_kind, tag, ds, raw, variance, bmrs = job
    ncv = variance == "nonconstant"
    stats = dict.fromkeys(STATS, 0)
    lla = ll_a(ds, ncv)
    out = []
    for bmr in bmrs:
        extra = ["--bmr-type", bmr.kind, "--bmr", repr(bmr.value)]
        ours = run_ours(ds, variance, list(MODELS), extra, raw=raw)
        for name in MODELS:
            o = ours[name]
            if o["status"] == "too_few_dose_groups":
                continue
            peer = run_pybmds(ds, name, variance, o["increasing"], bmr, raw)
            label = f"{tag} {bmr.kind}={bmr.value:.4g} {variance}"
            kind, msg = compare(label, ds, name, ncv, o, peer, stats, bmr)
            cls = CLASS_OF[kind]
            if kind == "verified":
                msg = "verified: " + msg
            why = check_bmd(name, ds, ncv, o, bmr)
            note = None
            if why is None and o["loglik"] is not None:
                why, note = check_gof(o, peer, kind, lla, ncv, name, ds, stats)
            if why is not None:
                cls, msg = "worse", f"{label} {name}: {why}" + (f" [{msg}]" if msg else "")
            elif note:
                msg = (msg + "; " if msg else f"{label} {name}: ") + note
            out.append((data_kind, bmr.kind, variance, name, cls, msg))
    return out, stats


def jobs():
    out = []
    for variance in VARIANCES:
        for tag, ds in upstream_datasets() + toxrefdb_datasets(N_TOX):
            out.append(("summary", tag, ds, None, variance, [REL, abs_bmr(ds)]))
        for tag, raw in individual_datasets():
            ds = summary_of(dict(raw, type="individual"))
            out.append(("individual", tag, ds, raw, variance, [SD1, REL, abs_bmr(ds)]))
    return out


def test_probe_choice_is_fixed():
    """the probes compared: per matrix the N_PROBES // 2 + N_PROBES % 2 of
    largest ANOVA F and the rest spread over the rows, no repeats"""
    for path in MATRICES:
        got = chosen_probes(path, N_PROBES)
        names = [p for p, _ in got]
        assert len(set(names)) == len(names) == N_PROBES, names
        for _, raw in got:
            assert len(raw["doses"]) == len(raw["responses"]) and len(set(raw["doses"])) >= 4


def test_wider_against_pybmds():
    assert os.access(BIN, os.X_OK), f"{BIN} is missing: build it first (scripts/build.sh)"
    workers = int(os.environ.get("BS_FIT_WORKERS", str(os.cpu_count() or 1)))
    work = jobs()
    # the slow individual-data jobs first, so that the pool ends together
    order = sorted(range(len(work)), key=lambda i: work[i][0] != "individual")
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = dict(zip(order, pool.map(compare_job, [work[i] for i in order], chunksize=1)))
    rows = [r for i in range(len(work)) for r in results[i][0]]
    stats = {k: sum(results[i][1][k] for i in results) for k in STATS}
    table = {}
    notes = []
    for data_kind, bkind, variance, name, cls, msg in rows:
        table.setdefault((data_kind, bkind, variance), {}).setdefault(
            name, dict.fromkeys(CLASSES, 0))[cls] += 1
        if msg:
            notes.append(f"[{cls}] {msg}")
    for n in notes:
        print(n)
    print("\nadjudicated limits {adjudicated}, ours exact root where pybmds' was not "
          "{limit_ours_exact}; goodness of fit: d.f. counted differently {gof_df_differs}, "
          "pybmds' Test 4 d.f. not its AIC's {gof_peer_df_inconsistent}, pybmds' A below "
          "SciPy's {gof_peer_a_low}, pybmds' A3 outside rho's box {gof_peer_a3_outside_box}"
          .format(**stats))
    per_model = {m: dict.fromkeys(CLASSES, 0) for m in MODELS}
    for (data_kind, bkind, variance), by_model in table.items():
        print(f"\n{data_kind} data, {bkind} BMR, {variance} variance")
        print(f"{'model':7s} {'n':>4s} " + " ".join(f"{c:>6s}" for c in CLASSES))
        for name, c in by_model.items():
            print(f"{name:7s} {sum(c.values()):4d} " + " ".join(f"{c[k]:6d}" for k in CLASSES))
            for k in CLASSES:
                per_model[name][k] += c[k]
    total = {k: sum(c[k] for c in per_model.values()) for k in CLASSES}
    n_all = sum(total.values())
    print("\nall: n=%d " % n_all + " ".join(f"{k}={total[k]}" for k in CLASSES))
    assert n_all > 0
    bad = [m for m, c in per_model.items() if c["worse"] > WORSE_MAX * sum(c.values())]
    assert total["worse"] <= WORSE_MAX * n_all, f"worse {total['worse']} of {n_all}"
    assert not bad, f"worse above {WORSE_MAX:.0%} for {bad}"


if __name__ == "__main__":
    pytest.main([__file__, "-q", "-s"])
