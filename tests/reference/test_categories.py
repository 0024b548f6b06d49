"""
test_categories.py - `bmdstream categories` against an independent
computation written here with numpy and SciPy, on a fixed synthetic
per-probe BMD table for every probe of the BMDExpress S1500+ probe map
with the MSigDB Hallmark category map (tests/data/bmdexpress/).

Checked (shared/notes/bmdexpress.md §4):
  * Fisher's exact left / right / two-sided p of every category against
    scipy.stats.fisher_exact (alternative 'less', 'greater', 'two-sided'),
    rel. tolerance 1e-9 (+1e-15 absolute); also in gene-level mode, where
    every gene is a category (thousands of tables);
  * the counts, gene lists and every BMD/BMDL/BMDU statistic of §4.4
    (mean, median, min, SD, weighted mean/SD, percentiles "of Total Genes",
    95% intervals, fold-change statistics, directions, model counts)
    against numpy, rel. tolerance 1e-9;
  * tpod.json against the same definitions computed here (numpy.percentile
    linear for the 10th percentile);
  * each SVG parses as XML and holds one point per gene / category with the
    plotted values;
  * the same sets given as a gzip GMT file give identical rows.
Three option sets run: the settings' defaults (BMD > highest dose, fit p >=
0.1, BMD/BMDL <= 20, BMDU/BMDL <= 40), the BMD > highest dose filter alone,
and the "minimum recommended" filters (fit p >= 0.1, BMDU/BMDL <= 40) plus
R2 >= 0.5 and |FC| >= 1.5.
"""
import csv
import json
import math
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from scipy.stats import fisher_exact, gmean

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
HIGHEST, LOWEST = 1499.723265, 4.742541  # doses of BMDExpress's `example data 1.txt`
RTOL = 1e-9
MODELS = ["Hill", "Power", "Linear", "Poly 2", "Exp 3", "Exp 5"]
BMD_COLUMNS = ["Probe ID", "Best Model", "Best BMD", "Best BMDL", "Best BMDU",
               "Best fitPValue", "Best RSquared", "Best adverseDirection",
               "Max Fold Change", "Unused Column"]


def read_probe_map():
    genes = {}
    with open(PROBE_MAP, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for row in rows:
            probe = row[0].strip()
            for g in row[1].split(";"):
                g = g.strip()
                if g:
                    genes.setdefault(probe, [])
                    if g not in genes[probe]:
                        genes[probe].append(g)
    return genes


def read_category_map():
    cats, names = {}, {}
    with open(CAT_MAP, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for cid, name, gene in rows:
            gene = gene.strip()
            names.setdefault(cid, name)
            cats.setdefault(cid, [])
            if gene not in cats[cid]:
                cats[cid].append(gene)
    return cats, names


def synthetic_table(probes):
    """Fixed random best-model results, ~8% of probes without a best model."""
    rng = np.random.RandomState(20261125)
    rows = []
    for p in probes + ["NOT_IN_MAP_1", "NOT_IN_MAP_2"]:
        if rng.uniform() < 0.08:
            rows.append([p, "none", "", "", "", "", "", "", f"{rng.normal():.6f}", "x"])
            continue
        bmd = float(np.exp(rng.uniform(np.log(0.5), np.log(4000))))
        bmdl = bmd / rng.uniform(1.05, 8)
        bmdu = bmd * rng.uniform(1.05, 8)
        fc = (1 + rng.exponential(0.8)) * (1 if rng.uniform() < 0.5 else -1)
        rows.append([p, MODELS[rng.randint(len(MODELS))], repr(bmd), repr(bmdl), repr(bmdu),
                     repr(rng.uniform()), repr(rng.uniform()), "1" if rng.uniform() < 0.55 else "-1",
                     repr(fc), "x"])
    return rows


def expected(table, pmap, cats, names, opts):
    """BMDExpress's category statistics, written out independently."""
    rm_prom = True
    mapped = {p: g for p, g in pmap.items() if not (rm_prom and len(g) > 1)}
    platform = set(g for gs in mapped.values() for g in gs)
    probes = []
    for r in table:
        rec = {"id": r[0], "model": None if r[1] == "none" else r[1]}
        for k, col in [("bmd", 2), ("bmdl", 3), ("bmdu", 4), ("p", 5), ("r2", 6), ("dir", 7),
                       ("fc", 8)]:
            rec[k] = float(r[col]) if r[col] != "" else math.nan
        probes.append(rec)

    def passes(q):
        if rec_none(q):
            return False
        if q["bmd"] > HIGHEST:
            return False
        if "fit_p" in opts and not q["p"] >= opts["fit_p"]:
            return False
        if "r2" in opts and not q["r2"] >= opts["r2"]:
            return False
        if "bb" in opts and not q["bmd"] / q["bmdl"] <= opts["bb"]:
            return False
        if "ul" in opts and not q["bmdu"] / q["bmdl"] <= opts["ul"]:
            return False
        if "fc" in opts and not abs(q["fc"]) >= opts["fc"]:
            return False
        return True

    def rec_none(q):
        return q["model"] is None or not math.isfinite(q["bmd"])

    input_genes, gene_probes = set(), {}
    for i, q in enumerate(probes):
        for g in mapped.get(q["id"], []):
            input_genes.add(g)
            if passes(q):
                gene_probes.setdefault(g, []).append(i)
    gene = {}
    for g, idx in gene_probes.items():
        ups = sum(probes[i]["dir"] > 0 for i in idx)
        downs = sum(probes[i]["dir"] < 0 for i in idx)
        gene[g] = dict(
            bmd=np.mean([probes[i]["bmd"] for i in idx]),
            bmdl=np.mean([probes[i]["bmdl"] for i in idx]),
            bmdu=np.mean([probes[i]["bmdu"] for i in idx]),
            w=np.mean([probes[i]["p"] for i in idx]),
            dir=1 if ups and not downs else -1 if downs and not ups else 0,
            probes=idx)
    universe = set(g for gs in cats.values() for g in gs if g in platform)
    out = {}
    for cid, gs in cats.items():
        n_input = sum(g in input_genes for g in gs)
        if n_input == 0:
            continue
        A = sum(g in platform for g in gs)
        passed = sorted((g for g in gs if g in gene), key=lambda g: (gene[g]["bmd"], g))
        out[cid] = dict(name=names[cid], A=A, n_input=n_input, genes=passed)
    P = len(set(g for c in out.values() for g in c["genes"]))
    for cid, c in out.items():
        n, A = len(c["genes"]), c["A"]
        c["fisher"] = (n, P - n, A - n, len(universe) - P - A + n)
        c["percentage"] = math.floor(10000.0 * n / A + 0.5) / 100  # half up, as Java
        if n == 0:
            continue
        w = np.array([gene[g]["w"] for g in c["genes"]])
        for key in ("bmd", "bmdl", "bmdu"):
            x = np.array([gene[g][key] for g in c["genes"]])
            s = {"mean": x.mean(), "median": np.median(x), "min": x.min(),
                 "sd": x.std(ddof=1) if n > 1 else math.nan}
            wm = (w * x).sum() / w.sum()
            ss = (w * x * x).sum() - (w * x).sum() ** 2 / w.sum()
            if ss < 0:
                ss = (w * (x - wm) ** 2).sum()
            s["wmean"] = wm
            s["wsd"] = math.sqrt(ss / ((n - 1) * w.sum() / n)) if n > 1 else math.nan
            half = 1.96 * s["sd"] / math.sqrt(n)
            s["lo"], s["hi"] = s["mean"] - half, s["mean"] + half
            for pct, p in (("5th", 0.05), ("10th", 0.10)):
                s[pct], s[pct + "_index"] = total_percentile(x, A, p)
            c[key] = s
        idx = sorted(set(i for g in c["genes"] for i in gene[g]["probes"]))
        fc = np.abs([probes[i]["fc"] for i in idx])
        c["fc"] = dict(mean=gmean(fc), total=fc.sum(), min=fc.min(), max=fc.max(),
                       sd=fc.std(ddof=1) if len(fc) > 1 else math.nan, median=np.median(fc))
        c["probes_up"] = sum(probes[i]["dir"] > 0 for i in idx)
        c["probes_down"] = sum(probes[i]["dir"] < 0 for i in idx)
        dirs = [gene[g]["dir"] for g in c["genes"]]
        c["up"], c["down"], c["conflict"] = dirs.count(1), dirs.count(-1), dirs.count(0)
        c["overall"] = ("UP" if c["up"] / n >= 0.6 else "DOWN" if c["down"] / n >= 0.6
                        else "CONFLICT")
        models = {}
        for i in idx:
            models[probes[i]["model"]] = models.get(probes[i]["model"], 0) + 1
        c["models"] = ";".join(f"{m},{k}({math.ceil(round(100 * k / len(idx), 9)) / 100:.2f})"
                               for m, k in sorted(models.items()))
        c["probe_ids"] = ";".join(",".join(probes[i]["id"] for i in gene[g]["probes"])
                                  for g in c["genes"])
    return out, gene, P, universe


def total_percentile(x_sorted_by_bmd, A, p):
    n = len(x_sorted_by_bmd)
    if n / A < p:
        return math.nan, math.nan
    for i in range(n):
        q = (i + 1) / A
        if q >= p:
            if q == p or i == 0:
                return x_sorted_by_bmd[i], float(i)
            return (x_sorted_by_bmd[i - 1] + x_sorted_by_bmd[i]) / 2, i - 0.5
    return math.nan, math.nan


def close(got, want, rtol=RTOL, atol=1e-15):
    if isinstance(want, float) and math.isnan(want):
        return got == ""
    return got != "" and math.isclose(float(got), float(want), rel_tol=rtol, abs_tol=atol)


@pytest.fixture(scope="module")
def inputs():
    pmap = read_probe_map()
    cats, names = read_category_map()
    table = synthetic_table(sorted(pmap))
    d = tempfile.mkdtemp(prefix="bs_cat_")
    path = os.path.join(d, "bmd.tsv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(BMD_COLUMNS)
        w.writerows(table)
    return dict(pmap=pmap, cats=cats, names=names, table=table, bmd=path, dir=d)


def run(inputs, name, extra, mode=("--category-map", CAT_MAP)):
    out = os.path.join(inputs["dir"], name)
    # every category with a gene in the category plot
    cmd = [BIN, "categories", "--bmd-tsv", inputs["bmd"], "--probe-map", PROBE_MAP, *mode,
           "--out", out, "--highest-dose", str(HIGHEST), "--lowest-dose", str(LOWEST),
           "--plot-min-genes", "1", *extra]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    with open(os.path.join(out, "categories.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return out, rows, res.stdout


# The settings' default filters (fit p >= 0.1, BMD/BMDL <= 20, BMDU/BMDL <=
# 40) are turned off where a set does not name them.
OPTION_SETS = [
    ("defaults", [], {"fit_p": 0.1, "bb": 20, "ul": 40}),
    ("high_dose_only", ["--fit-p-min", "none", "--bmd-bmdl-max", "none", "--bmdu-bmdl-max",
                        "none"], {}),
    ("recommended", ["--fit-p-min", "0.1", "--bmdu-bmdl-max", "40", "--r-squared-min", "0.5",
                     "--fold-change-min", "1.5", "--bmd-bmdl-max", "none"],
     {"fit_p": 0.1, "ul": 40, "r2": 0.5, "fc": 1.5}),
]


def check_fisher(row):
    a, b, c, d = (int(row[f"Fisher's {k} Parameter"]) for k in "ABCD")
    table = [[a, b], [c, d]]
    for col, alt in (("Fisher's Exact Left P-Value", "less"),
                     ("Fisher's Exact Right P-Value", "greater"),
                     ("Fisher's Exact Two Tail", "two-sided")):
        want = fisher_exact(table, alternative=alt)[1]
        assert close(row[col], min(want, 1.0)), (row["GO/Pathway/Gene Set/Gene ID"], col,
                                                 row[col], want)


@pytest.mark.parametrize("name,flags,opts", OPTION_SETS)
def test_categories_against_numpy(inputs, name, flags, opts):
    out, rows, stdout = run(inputs, name, flags)
    exp, gene, P, universe = expected(inputs["table"], inputs["pmap"], inputs["cats"],
                                      inputs["names"], opts)
    assert [r["GO/Pathway/Gene Set/Gene ID"] for r in rows] == list(exp), "category set/order"
    checked = 0
    for row in rows:
        c = exp[row["GO/Pathway/Gene Set/Gene ID"]]
        assert row["GO/Pathway/Gene Set/Gene Name"] == c["name"]
        assert int(row["All Genes (Platform)"]) == c["A"]
        assert int(row["Input Genes"]) == c["n_input"]
        assert int(row["Genes That Passed All Filters"]) == len(c["genes"])
        assert tuple(int(row[f"Fisher's {k} Parameter"]) for k in "ABCD") == c["fisher"]
        check_fisher(row)
        assert close(row["Percentage"], c["percentage"])
        assert row["Entrez Gene IDs"] == ";".join(c["genes"])
        if not c["genes"]:
            continue
        assert row["Probe IDs"] == c["probe_ids"]
        for key, label in (("bmd", "BMD"), ("bmdl", "BMDL"), ("bmdu", "BMDU")):
            s = c[key]
            for stat, col in (("mean", "Mean"), ("median", "Median"), ("min", "Minimum"),
                              ("sd", "Standard Deviation"), ("wmean", "wMean"), ("wsd", "wSD")):
                assert close(row[f"{label} {col}"], s[stat]), (row["GO/Pathway/Gene Set/Gene ID"],
                                                               label, col, row[f"{label} {col}"],
                                                               s[stat])
            for pct in ("5th", "10th"):
                assert close(row[f"{label} at {pct} Percentile of Total Genes"], s[pct])
            assert close(row[f"Lower bound of the 95% confidence interval -  {label}"], s["lo"])
            assert close(row[f"Upper bound of the 95% confidence interval -  {label}"], s["hi"])
        assert close(row["5th Percentile Index"], c["bmd"]["5th_index"])
        assert close(row["10th Percentile Index"], c["bmd"]["10th_index"])
        for stat, col in (("mean", "Mean"), ("total", "Total"), ("min", "Min"), ("max", "Max"),
                          ("sd", "Standard Deviation"), ("median", "Median")):
            assert close(row[f"{col} Fold Change"], c["fc"][stat]), col
        assert int(row["Probes with Adverse Direction Up"]) == c["probes_up"]
        assert int(row["Probes with Adverse Direction Down"]) == c["probes_down"]
        assert int(row["Genes with Adverse Direction Up"]) == c["up"]
        assert int(row["Genes with Adverse Direction Down"]) == c["down"]
        assert int(row["Genes with Adverse Conflict Count"]) == c["conflict"]
        assert row["Overall Direction"] == c["overall"]
        assert row["Model Counts"] == c["models"]
        checked += 1
    assert checked >= 30, f"only {checked} categories with passing genes"

    # tPOD, from the same gene table
    tp = json.load(open(os.path.join(out, "tpod.json")))
    active = [(np.median([gene[g]["bmd"] for g in c["genes"]]),
               np.median([gene[g]["bmdl"] for g in c["genes"]]), cid)
              for cid, c in exp.items() if len(c["genes"]) >= 3 and len(c["genes"]) / c["A"] >= 0.05]
    best = min(active)
    gs = tp["gene_set"]
    assert gs["available"] and gs["set_id"] == best[2] and gs["active_sets"] == len(active)
    assert math.isclose(gs["bmd"], best[0], rel_tol=RTOL)
    assert math.isclose(gs["bmdl"], best[1], rel_tol=RTOL)
    ranked = sorted((v["bmd"], v["bmdl"]) for v in gene.values())
    assert tp["genes_with_bmd"] == len(gene)
    assert math.isclose(tp["rank"]["bmd"], ranked[24][0], rel_tol=RTOL)
    assert math.isclose(tp["rank"]["bmdl"], ranked[24][1], rel_tol=RTOL)
    assert math.isclose(tp["percentile"]["bmd"],
                        np.percentile([v["bmd"] for v in gene.values()], 10), rel_tol=RTOL)
    assert math.isclose(tp["percentile"]["bmdl"],
                        np.percentile([v["bmdl"] for v in gene.values()], 10), rel_tol=RTOL)
    assert "tPOD gene set median:" in stdout

    # plots: valid XML, one point per gene / category, values as plotted
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(os.path.join(out, "plots", "gene_accumulation.svg")).getroot()
    pts = root.findall(f".//{ns}circle[@class='point']")
    assert [float(p.get("data-bmd")) for p in pts] == sorted(v["bmd"] for v in gene.values())
    ys = [float(p.get("cy")) for p in pts]
    assert all(y1 >= y2 for y1, y2 in zip(ys, ys[1:])), "accumulation must rise"
    inside(root, pts)
    root = ET.parse(os.path.join(out, "plots", "category_accumulation.svg")).getroot()
    pts = root.findall(f".//{ns}circle[@class='point']")
    want = sorted((np.median([gene[g]["bmd"] for g in c["genes"]]), cid)
                  for cid, c in exp.items() if c["genes"])
    assert [p.get("data-category") for p in pts] == [w[1] for w in want]
    for p, w in zip(pts, want):
        assert math.isclose(float(p.get("data-median")), w[0], rel_tol=RTOL)
    assert len(root.findall(f".//{ns}line[@class='range']")) == len(want)
    inside(root, pts)


def inside(root, pts):
    """Every point lies in the plot area within the viewBox."""
    x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
    for p in pts:
        assert x0 < float(p.get("cx")) < x0 + w and y0 < float(p.get("cy")) < y0 + h


def test_fisher_gene_level(inputs):
    """Every gene its own category: thousands of small tables against SciPy."""
    out, rows, _ = run(inputs, "gene_level", [], mode=("--gene-level",))
    assert len(rows) > 2000
    for row in rows:
        check_fisher(row)


def test_bad_bmd_table(inputs):
    bad = os.path.join(inputs["dir"], "bad.tsv")
    with open(bad, "w") as f:
        f.write("\t".join(BMD_COLUMNS) + "\n")
        f.write("\t".join(["A2M_12371", "Hill", "12x", "1", "2", "0.5", "0.9", "1", "2", "x"])
                + "\n")
    res = subprocess.run([BIN, "categories", "--bmd-tsv", bad, "--probe-map", PROBE_MAP,
                          "--category-map", CAT_MAP, "--out", inputs["dir"] + "/bad",
                          "--highest-dose", "100"], capture_output=True, text=True)
    assert res.returncode == 1
    assert 'bad.tsv:2: column "Best BMD": not a number: "12x"' in res.stderr


def test_gmt_same_as_category_map(inputs):
    """The Hallmark sets as a gzip GMT file give the same rows (names as ids)."""
    import gzip
    gmt = os.path.join(inputs["dir"], "hallmark.gmt.gz")
    with gzip.open(gmt, "wt") as f:
        for cid, genes in inputs["cats"].items():
            f.write("\t".join([inputs["names"][cid], "http://example/" + cid, *genes]) + "\n")
    _, by_map, _ = run(inputs, "by_map", [])
    _, by_gmt, _ = run(inputs, "by_gmt", [], mode=("--gmt", gmt))
    assert len(by_map) == len(by_gmt) == 50
    for a, b in zip(by_map, by_gmt):
        assert b["GO/Pathway/Gene Set/Gene ID"] == a["GO/Pathway/Gene Set/Gene Name"]
        for k in a:
            if not k.startswith("GO/Pathway"):
                assert a[k] == b[k], k


def read_expression(path):
    """BMDExpress expression file: sample row, dose row, probe rows (values as float32)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if len(r) > 1]
    doses = np.array([float(x) for x in rows[1][1:]], dtype=np.float32).astype(float)
    data = {r[0]: np.array([float(x) for x in r[1:]], dtype=np.float32).astype(float)
            for r in rows[2:]}
    return doses, data


def test_expression_universe_and_curves(inputs):
    """--expression: the experiment's probes give All Genes (Expression Data); curve plots
    hold the group means and SDs of the experiment's values."""
    expr = os.path.join(DATA, "example data 1.txt")
    doses, data = read_expression(expr)
    out = os.path.join(inputs["dir"], "with_expression")
    res = subprocess.run([BIN, "categories", "--bmd-tsv", inputs["bmd"], "--probe-map", PROBE_MAP,
                          "--category-map", CAT_MAP, "--out", out, "--expression", expr,
                          "--curves", "3"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(open(os.path.join(out, "categories.tsv"), newline=""),
                               delimiter="\t"))
    mapped = {p: g for p, g in inputs["pmap"].items() if len(g) == 1}
    expr_genes = set(mapped[p][0] for p in data if p in mapped)
    for row in rows:
        genes = inputs["cats"][row["GO/Pathway/Gene Set/Gene ID"]]
        assert int(row["All Genes (Expression Data)"]) == sum(g in expr_genes for g in genes)
    curves = [f for f in os.listdir(os.path.join(out, "plots")) if f.startswith("curve_")]
    assert 1 <= len(curves) <= 3
    ns = "{http://www.w3.org/2000/svg}"
    levels = sorted(set(doses))
    for name in curves:
        root = ET.parse(os.path.join(out, "plots", name)).getroot()
        y = data[root.get("data-probe")]
        means = root.findall(f".//{ns}circle[@class='mean']")
        assert len(means) == len(levels)
        for c, d in zip(means, levels):
            grp = y[doses == d]
            assert float(c.get("data-dose")) == d
            assert math.isclose(float(c.get("data-mean")), grp.mean(), rel_tol=1e-12)
            assert math.isclose(float(c.get("data-sd")), grp.std(ddof=1), rel_tol=1e-9)
        assert root.find(f".//{ns}path[@class='model']") is not None
        assert {m.get("data-kind") for m in root.findall(f".//{ns}line[@class='marker']")} \
            <= {"BMD", "BMDL", "BMDU"}
