"""
test_curve_plots.py - the curve plots of the most sensitive probes and the
BMDExpress 3 config path of `bmdstream categories`, checked against an
independent computation written here.

Input: BMDExpress's `example data 1.txt` and a synthetic bmd.tsv giving
12 of its probes a best model (Hill, Power or Linear, constant variance)
with known parameters and BMDs; every other probe has none.

Checked:
  * one SVG per most sensitive probe (ascending BMD, --curves N of them),
    each valid XML with data-plot="curve" and the right probe id;
  * per dose group, data-dose / data-mean / data-sd / data-n against
    numpy on the float32-rounded responses (BMDExpress stores float; the
    importer does the same), rel. tolerance 1e-12;
  * the drawn curve's samples (data-samples) against the model mean
    functions written here (Hill g + v x^n/(k^n + x^n), Power g + v x^n,
    Linear g + b1 x), rel. tolerance 1e-12, at 200 log-spaced doses from
    a tenth of the lowest positive dose to the highest dose;
  * the BMD, BMDL and BMDU markers carry the table's values;
  * --config with a BMDExpress analyze config: the unsupported sections
    are named on stderr, and its filter adds its count column.
"""
import json
import math
import os
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
SVG = "{http://www.w3.org/2000/svg}"
RTOL = 1e-12

PARAM_COLS = {"Hill": ["g", "v", "k", "n", "alpha"], "Power": ["g", "v", "n", "alpha"],
              "Linear": ["g", "b1", "alpha"]}


def mean_fn(model, p, x):
    x = np.asarray(x, dtype=float)
    if model == "Hill":
        g, v, k, n = p[:4]
        return g + v * x ** n / (k ** n + x ** n)
    if model == "Power":
        g, v, n = p[:3]
        return g + v * x ** n
    g, b1 = p[:2]
    return g + b1 * x


def read_expression():
    with open(EXPR) as f:
        rows = [line.rstrip("\r\n").split("\t") for line in f if "\t" in line]
    doses = np.array([float(np.float32(v)) for v in rows[1][1:]])
    probes = {r[0]: np.array([float(np.float32(v)) for v in r[1:]]) for r in rows[2:]}
    return doses, probes


@pytest.fixture(scope="module")
def run():
    doses, probes = read_expression()
    ids = list(probes)[:200]
    chosen = ids[5:17]
    models = ["Hill", "Power", "Linear"]
    spec = {}
    for i, pid in enumerate(chosen):
        model = models[i % 3]
        y0 = float(np.mean(probes[pid][doses == 0]))
        params = {"Hill": [y0, 1.5 + 0.1 * i, 40.0 + 5 * i, 1.0 + 0.25 * i, 0.04],
                  "Power": [y0, 0.02 + 0.001 * i, 1.1 + 0.05 * i, 0.05],
                  "Linear": [y0, -0.001 * (i + 1), 0.03]}[model]
        bmd = 7.5 * (12 - i)  # descending in file order: rank differs from row order
        spec[pid] = (model, params, bmd, bmd / 2.5, bmd * 3.0)
    header = ["Probe ID"]
    for m in PARAM_COLS:
        header += [f"{m} Parameter {n}" for n in PARAM_COLS[m]]
    header += ["Best Model", "Best BMD", "Best BMDL", "Best BMDU", "Best fitPValue",
               "Best RSquared", "Best adverseDirection", "Max Fold Change"]
    tmp = tempfile.mkdtemp(prefix="curves_")
    bmd_tsv = os.path.join(tmp, "bmd.tsv")
    with open(bmd_tsv, "w") as f:
        f.write("\t".join(header) + "\n")
        for pid in ids:
            row = [pid]
            s = spec.get(pid)
            for m in PARAM_COLS:
                row += ([repr(v) for v in s[1]] if s and s[0] == m
                        else [""] * len(PARAM_COLS[m]))
            if s:
                direction = 1 if mean_fn(s[0], s[1], doses.max()) >= s[1][0] else -1
                row += [s[0], repr(s[2]), repr(s[3]), repr(s[4]), "0.5", "0.9",
                        str(direction), "2.0"]
            else:
                row += ["none", "", "", "", "", "", "", ""]
            f.write("\t".join(row) + "\n")
    out = os.path.join(tmp, "out")
    n_curves = 5
    res = subprocess.run([BIN, "categories", "--bmd-tsv", bmd_tsv, "--probe-map", PROBE_MAP,
                          "--category-map", CAT_MAP, "--out", out, "--expression", EXPR,
                          "--curves", str(n_curves)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return dict(doses=doses, probes=probes, spec=spec, out=out, n=n_curves,
                bmd_tsv=bmd_tsv, tmp=tmp, stdout=res.stdout)


def test_curve_files(run):
    plots = os.path.join(run["out"], "plots")
    files = sorted(f for f in os.listdir(plots) if f.startswith("curve_"))
    assert len(files) == run["n"]
    expected = sorted(run["spec"], key=lambda p: run["spec"][p][2])[:run["n"]]
    doses, probes = run["doses"], run["probes"]
    levels = np.unique(doses)
    lowest = levels[levels > 0].min()
    for rank, (fname, pid) in enumerate(zip(files, expected), start=1):
        assert fname.startswith(f"curve_{rank:02d}_")
        root = ET.parse(os.path.join(plots, fname)).getroot()
        assert root.tag == SVG + "svg"
        assert root.get("data-plot") == "curve"
        assert root.get("data-probe") == pid
        model, params, bmd, bmdl, bmdu = run["spec"][pid]
        # dose groups
        pts = [c for c in root.iter(SVG + "circle") if c.get("class") == "point"]
        assert len(pts) == len(levels)
        y = probes[pid]
        for c, d in zip(pts, levels):
            g = y[doses == d]
            assert float(c.get("data-dose")) == pytest.approx(d, rel=RTOL)
            assert float(c.get("data-mean")) == pytest.approx(g.mean(), rel=RTOL)
            assert float(c.get("data-sd")) == pytest.approx(g.std(ddof=1), rel=RTOL, abs=1e-15)
            assert float(c.get("data-n")) == len(g)
        bars = [e for e in root.iter(SVG + "line") if e.get("class") == "sd-bar"]
        assert len(bars) == sum(1 for d in levels if y[doses == d].std(ddof=1) > 0)
        # the curve
        curves = [e for e in root.iter(SVG + "polyline") if e.get("class") == "curve"]
        assert len(curves) == 1 and curves[0].get("data-model") == model
        samples = np.array([[float(v) for v in s.split(",")]
                            for s in curves[0].get("data-samples").split()])
        assert samples.shape == (200, 2)
        grid = np.logspace(math.log10(lowest / 10), math.log10(levels.max()), 200)
        np.testing.assert_allclose(samples[:, 0], grid, rtol=RTOL)
        np.testing.assert_allclose(samples[:, 1], mean_fn(model, params, grid), rtol=RTOL)
        assert len(curves[0].get("points").split()) == 200
        # markers
        marks = {e.get("data-kind"): float(e.get("data-value"))
                 for e in root.iter(SVG + "line") if e.get("class") == "marker"}
        assert marks == {"BMD": pytest.approx(bmd, rel=RTOL), "BMDL": pytest.approx(bmdl, rel=RTOL),
                         "BMDU": pytest.approx(bmdu, rel=RTOL)}
    assert f"{run['n']} curve plots" in run["stdout"]


def test_config(run):
    cfg = {
        "bm2FileName": "x.bm2",
        "expressionDataConfigs": [{"inputFileName": EXPR, "hasHeaders": True,
                                   "logTransformation": "BASE2"}],
        "maConfigs": [{"inputCategory": "williams"}],
        "categoryAnalysisConfigs": [
            {"@type": "go", "goCategory": "biological_process"},
            {"@type": "defined", "probeFilePath": os.path.abspath(PROBE_MAP),
             "categoryFilePath": os.path.abspath(CAT_MAP), "removeBMDGreaterHighDose": True,
             "bmdPValueCutoff": 0.1, "removeStepFunction": True}],
    }
    path = os.path.join(run["tmp"], "analyze.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    out = os.path.join(run["tmp"], "out_cfg")
    res = subprocess.run([BIN, "categories", "--config", path, "--bmd-tsv", run["bmd_tsv"],
                          "--expression", EXPR, "--out", out, "--curves", "0"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for needle in ["maConfigs: ToxicR model averaging", "categoryAnalysisConfigs[0]: GO",
                   "categoryAnalysisConfigs[1].removeStepFunction", "bm2FileName"]:
        assert needle in res.stderr, res.stderr
    with open(os.path.join(out, "categories.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
    assert any(h.startswith("Genes with BMD p-Value >=") for h in header), header
    # a bad config is refused naming the key
    with open(path, "w") as f:
        json.dump({"expressionDataConfigs": [{"inputFileName": "x"}],
                   "categoryAnalysisConfigs": [{"@type": "gene", "bmdPValueCutof": 1}]}, f)
    res = subprocess.run([BIN, "categories", "--config", path, "--bmd-tsv", run["bmd_tsv"],
                          "--probe-map", PROBE_MAP, "--out", out], capture_output=True, text=True)
    assert res.returncode == 2
    assert "categoryAnalysisConfigs[0].bmdPValueCutof: unknown key" in res.stderr
