"""
test_analyze_plots.py - the SVG plots of `bmdstream analyze` (DIR/plots/)
against values computed here, independently, from the inputs and from the
run's own tables (bmd.tsv holds every fitted model's parameters):

  * each curve_<probe>.svg parses as XML (SVG namespace) and is the probe
    it names;
  * its points (<circle class="mean">) are the dose groups of that probe in
    BMDExpress's sense (samples grouped by dose, doses ascending), with the
    group mean and the sample SD (ddof 1) that numpy computes from the
    expression file (values read as float32, as the importer stores them);
    rel. tolerance 1e-12 (mean) and 1e-9 (SD), dose exact;
  * the drawn curve (<path class="model">) is the best model of bmd.tsv:
    its name, and every vertex on the model's published formula (EPA BMDS:
    Hill g + v d^n / (k^n + d^n), Power g + v d^n, Linear g + b1 d) with
    the parameters of bmd.tsv, the axes recovered from the points'
    positions; within the 0.01 px rounding of the coordinates;
  * the BMD, BMDL and BMDU markers equal the Best BMD/BMDL/BMDU of the
    probe's bmd.tsv row exactly (both are written with %.17g);
  * the probes plotted are exactly the N with the lowest Best BMD among
    those that pass the category filters (analyze's defaults: best model,
    BMD <= highest dose, fit p >= 0.1, BMDU/BMDL <= 40, BMD/BMDL <= 20;
    probes of one gene only), worked out here from bmd.tsv and the probe
    map; without annotation, among all probes with a Best BMD; the title
    names the probe's gene;
  * the accumulation plots: one point per gene at the mean Best BMD of its
    passing probes, ascending; one point per Hallmark category with >= 3
    passing genes at the median gene BMD, with median BMDL/BMDU ranges;
  * --curve-plots 0 draws none.
Small model set and a strict p cut-off keep the run short under ASan.
"""
import csv
import math
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pytest

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
EXPR = os.path.join(DATA, "example data 1.txt")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
NS = "{http://www.w3.org/2000/svg}"
MODELS = ["--models", "hill,power,linear"]
FAST = ["--p-cutoff", "0.001", "--threads", "2"]


def read_expression(path):
    """BMDExpress expression file: sample row, dose row, probe rows (float32, as stored)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if len(r) > 1]
    doses = np.array([float(x) for x in rows[1][1:]], dtype=np.float32).astype(float)
    data = {r[0]: np.array([float(x) for x in r[1:]], dtype=np.float32).astype(float)
            for r in rows[2:]}
    return rows, doses, data


def read_probe_map():
    genes = {}
    with open(PROBE_MAP, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for row in rows:
            for g in row[1].split(";"):
                g = g.strip()
                if g and g not in genes.setdefault(row[0].strip(), []):
                    genes[row[0].strip()].append(g)
    return genes


def read_category_map():
    cats = {}
    with open(CAT_MAP, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for cid, _name, gene in rows:
            if gene.strip() not in cats.setdefault(cid, []):
                cats[cid].append(gene.strip())
    return cats


def read_bmd(out):
    with open(os.path.join(out, "bmd.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        for k in ("Best BMD", "Best BMDL", "Best BMDU", "Best fitPValue"):
            r[k] = float(r[k]) if r[k] != "" else math.nan
    return rows


def passes(r, highest):
    """analyze's default category filters (bs_params_category_json)."""
    return (r["Best Model"] not in ("", "none") and math.isfinite(r["Best BMD"])
            and not r["Best BMD"] > highest and r["Best fitPValue"] >= 0.1
            and r["Best BMDU"] / r["Best BMDL"] <= 40 and r["Best BMD"] / r["Best BMDL"] <= 20)


def analyze(out, matrix, *extra):
    res = subprocess.run([BIN, "analyze", "--matrix", matrix, "--out", out, *MODELS, *FAST,
                          *extra], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    return res


def model_mean(model, p, d):
    """EPA BMDS continuous model means, from bmd.tsv's parameter columns."""
    if model == "Hill":
        g, v, k, n = (p[f"Hill Parameter {x}"] for x in "gvkn")
        return g + v * d ** n / (k ** n + d ** n)
    if model == "Power":
        g, v, n = (p[f"Power Parameter {x}"] for x in "gvn")
        return g + v * d ** n
    if model == "Linear":
        return p["Linear Parameter g"] + p["Linear Parameter b1"] * d
    raise AssertionError(f"model {model} not in the test's set")


def check_curve(path, row, data, doses, gene=None):
    root = ET.parse(path).getroot()
    assert root.tag == f"{NS}svg" and root.get("data-plot") == "curve"
    probe = root.get("data-probe")
    assert probe == row["Probe ID"]
    assert os.path.basename(path) == "curve_" + re.sub(r"[^A-Za-z0-9._-]", "_", probe) + ".svg"
    title = root.find(f"{NS}text").text
    assert title.startswith(probe) and title.endswith(row["Best Model"])
    if gene:
        assert f"({gene})" in title
    # points: BMDExpress's dose groups of this probe, numpy's mean and SD
    y = data[probe]
    levels = sorted(set(doses))
    pts = root.findall(f".//{NS}circle[@class='mean']")
    assert len(pts) == len(levels) == 7
    for c, d in zip(pts, levels):
        grp = y[doses == d]
        assert float(c.get("data-dose")) == d
        assert int(float(c.get("data-n"))) == len(grp)
        assert math.isclose(float(c.get("data-mean")), grp.mean(), rel_tol=1e-12)
        assert math.isclose(float(c.get("data-sd")), grp.std(ddof=1), rel_tol=1e-9, abs_tol=1e-15)
    assert len(root.findall(f".//{NS}line[@class='sd']")) == len(levels)
    # markers: the bmd.tsv row
    marks = {m.get("data-kind"): float(m.get("data-dose"))
             for m in root.findall(f".//{NS}line[@class='marker']")}
    want = {k: row[f"Best {k}"] for k in ("BMD", "BMDL", "BMDU")
            if math.isfinite(row[f"Best {k}"]) and row[f"Best {k}"] > 0}
    assert marks == want, (probe, marks, want)
    # the curve: the best model's formula with bmd.tsv's parameters; axes
    # from the points (x affine in log10 dose over positive doses, y affine)
    params = {k: float(v) for k, v in row.items()
              if " Parameter " in k and isinstance(v, str) and v != ""}
    path_el = root.find(f".//{NS}path[@class='model']")
    assert path_el.get("data-model") == row["Best Model"].lower().replace(" ", "")
    pos = [(math.log10(float(c.get("data-dose"))), float(c.get("cx"))) for c in pts
           if float(c.get("data-dose")) > 0]
    ax, bx = np.polyfit([p[0] for p in pos], [p[1] for p in pos], 1)
    ay, by = np.polyfit([float(c.get("data-mean")) for c in pts],
                        [float(c.get("cy")) for c in pts], 1)
    verts = [tuple(float(v) for v in s[1:].split(","))
             for s in path_el.get("d").split() if s[0] in "ML"]
    assert len(verts) >= 100
    for vx, vy in verts:
        # the vertex's dose is known to 0.005 px: the model over that span
        ys = [ay * model_mean(row["Best Model"], params, 10 ** ((vx + e - bx) / ax)) + by
              for e in (-0.006, 0, 0.006)]
        assert min(ys) - 0.02 <= vy <= max(ys) + 0.02, (probe, vx, vy, ys)


@pytest.fixture(scope="module")
def with_categories():
    out = os.path.join(tempfile.mkdtemp(prefix="bs_plots_"), "cat")
    analyze(out, EXPR, "--probe-map", PROBE_MAP, "--category-map", CAT_MAP, "--curve-plots", "6")
    return out


def test_curves_with_categories(with_categories):
    out = with_categories
    _, doses, data = read_expression(EXPR)
    highest = max(doses)
    pmap = read_probe_map()
    rows = read_bmd(out)
    # the N lowest Best BMD among the probes the category filters keep
    # (mapped to exactly one gene); ties by bmd.tsv row
    keep = [(r["Best BMD"], i) for i, r in enumerate(rows)
            if len(pmap.get(r["Probe ID"], [])) == 1 and passes(r, highest)]
    assert len(keep) > 6
    want = [rows[i] for _, i in sorted(keep)[:6]]
    files = sorted(f for f in os.listdir(os.path.join(out, "plots")) if f.startswith("curve_"))
    names = {"curve_" + re.sub(r"[^A-Za-z0-9._-]", "_", r["Probe ID"]) + ".svg": r for r in want}
    assert files == sorted(names)
    for f, r in names.items():
        check_curve(os.path.join(out, "plots", f), r, data, doses, pmap[r["Probe ID"]][0])


def test_accumulation_plots(with_categories):
    out = with_categories
    _, doses, _ = read_expression(EXPR)
    pmap = read_probe_map()
    rows = read_bmd(out)
    genes = {}
    for r in rows:
        g = pmap.get(r["Probe ID"], [])
        if len(g) == 1 and passes(r, max(doses)):
            genes.setdefault(g[0], []).append(r)
    gene_bmd = {g: np.mean([r["Best BMD"] for r in rs]) for g, rs in genes.items()}
    root = ET.parse(os.path.join(out, "plots", "gene_accumulation.svg")).getroot()
    pts = root.findall(f".//{NS}circle[@class='point']")
    got = [(float(p.get("data-bmd")), p.get("data-gene")) for p in pts]
    assert len(got) == len(gene_bmd) > 20
    for (b, g), (wb, wg) in zip(got, sorted((v, g) for g, v in gene_bmd.items())):
        assert math.isclose(b, wb, rel_tol=1e-12) and g == wg
    assert [int(p.get("data-rank")) for p in pts] == list(range(1, len(pts) + 1))

    def gene_mean(g, key):
        return np.mean([r[key] for r in genes[g]])

    cats = read_category_map()
    want = []
    for cid, gs in cats.items():
        passed = [g for g in gs if g in genes]
        if len(passed) >= 3:
            want.append((np.median([gene_mean(g, "Best BMD") for g in passed]), cid,
                         np.median([gene_mean(g, "Best BMDL") for g in passed]),
                         np.median([gene_mean(g, "Best BMDU") for g in passed]), len(passed)))
    want.sort()
    root = ET.parse(os.path.join(out, "plots", "category_accumulation.svg")).getroot()
    pts = root.findall(f".//{NS}circle[@class='point']")
    assert [p.get("data-category") for p in pts] == [w[1] for w in want] and len(want) >= 5
    for p, (med, _, lo, hi, n) in zip(pts, want):
        assert int(p.get("data-genes")) == n
        assert math.isclose(float(p.get("data-median")), med, rel_tol=1e-12)
        assert math.isclose(float(p.get("data-bmdl")), lo, rel_tol=1e-12)
        assert math.isclose(float(p.get("data-bmdu")), hi, rel_tol=1e-12)
    assert len(root.findall(f".//{NS}line[@class='range']")) == len(want)


def subset_matrix(d, n_probes):
    """The first n_probes probe rows of example data 1, as a new matrix file."""
    rows, _, _ = read_expression(EXPR)
    path = os.path.join(d, f"first{n_probes}.txt")
    with open(path, "w") as f:
        for r in rows[:2 + n_probes]:
            f.write("\t".join(r) + "\n")
    return path


def test_curves_without_annotation():
    d = tempfile.mkdtemp(prefix="bs_plots_")
    matrix = subset_matrix(d, 600)
    out = os.path.join(d, "plain")
    analyze(out, matrix, "--curve-plots", "3")
    _, doses, data = read_expression(matrix)
    rows = read_bmd(out)
    fitted = sorted((r["Best BMD"], i) for i, r in enumerate(rows)
                    if r["Best Model"] not in ("", "none") and math.isfinite(r["Best BMD"]))
    assert len(fitted) > 3
    want = [rows[i] for _, i in fitted[:3]]
    files = sorted(os.listdir(os.path.join(out, "plots")))
    names = {"curve_" + re.sub(r"[^A-Za-z0-9._-]", "_", r["Probe ID"]) + ".svg": r for r in want}
    assert files == sorted(names), "no accumulation plots without categories"
    for f, r in names.items():
        check_curve(os.path.join(out, "plots", f), r, data, doses)
    # --curve-plots 0: none
    none = os.path.join(d, "none")
    analyze(none, subset_matrix(d, 60), "--curve-plots", "0")
    assert not os.path.exists(os.path.join(none, "plots"))
    bad = subprocess.run([BIN, "analyze", "--matrix", matrix, "--out", none, "--curve-plots",
                          "x"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--curve-plots" in bad.stderr
