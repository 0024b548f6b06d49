"""
test_report_html.py - report.html of `bmdstream analyze`, opened in a real
browser: Debian's chromium (scripts/setup.sh installs it), driven by the
playwright package (tests/requirements.txt) with executable_path, never a
browser of playwright's own, headless, no network features, a fresh
profile. The analysis is BMDExpress's `example data 1.txt` with the MSigDB
Hallmark probe and category maps; the page's numbers are checked against
the TSV and JSON files of the same run, which the other reference tests
check against their peers:

  * it loads from file:// with no console message of type error or
    warning, no page error, no failed request and no request other than
    file: and data: (self-contained: nothing fetched);
  * every section is there; the BMD histogram, the two accumulation plots
    and one curve plot per plots/curve_*.svg file are rendered SVG (a
    non-empty box in the laid-out page), each curve with one mean per dose
    group of the matrix and its BMD, BMDL and BMDU markers;
  * the numbers, read from the rendered DOM: probes and passed probes (=
    prefilter.tsv's rows and its Passed = true rows = bmd.tsv's rows),
    probes with a best BMD; the best-model counts = bmd.tsv's Best Model
    column counted; every histogram bin = the Best BMDs of bmd.tsv in
    [lo, hi) counted here; the three tPOD values = tpod.json's exactly;
    each category row's genes, Fisher two-tail p and BMD/BMDL/BMDU
    medians = categories.tsv's exactly; the curve probes = the curve plot
    files, in ascending Best BMD, their BMD/BMDL/BMDU = bmd.tsv's
    exactly; the settings rows = `--print-settings` flattened;
  * clicking "BMD median" sorts the rows ascending with the categories
    without a median last, again descending (still last); "ID" sorts by
    id; the filter text keeps the one matching category, the minimum
    genes keeps those with at least that many genes (from
    categories.tsv), and the "n of m shown" line follows;
  * a full-page screenshot is kept in BS_ARTIFACT_DIR (the test's build
    directory under ctest) with the report beside it.
Small model set and a strict p cut-off keep the run short under ASan.
"""
import collections
import csv
import json
import math
import os
import shutil
import subprocess
import tempfile

import pytest

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
EXPR = os.path.join(DATA, "example data 1.txt")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
ARTIFACTS = os.environ.get("BS_ARTIFACT_DIR") or os.path.join(tempfile.gettempdir(),
                                                              "bmdstream-report-html")
CHROMIUM = os.environ.get("BS_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--models", "hill,power,linear", "--p-cutoff", "0.001", "--curve-plots", "12"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SECTIONS = ["summary", "models", "bmd", "tpod", "accumulation", "categories", "curves",
            "settings"]


def num(text):
    return float(text) if text not in ("", None) else math.nan


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def same(a, b):
    """equal numbers, or both missing"""
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def run():
    out = tempfile.mkdtemp(prefix="bs-report-")
    res = subprocess.run([BIN, "analyze", "--matrix", EXPR, "--out", out, "--probe-map",
                          PROBE_MAP, "--category-map", CAT_MAP, "--threads", "2", *FLAGS],
                         capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stderr
    settings = subprocess.run([BIN, "analyze", "--print-settings", "--probe-map", PROBE_MAP,
                               "--category-map", CAT_MAP, *FLAGS],
                              capture_output=True, text=True, timeout=60)
    assert settings.returncode == 0, settings.stderr
    yield {"dir": out, "settings": json.loads(settings.stdout),
           "bmd": read_tsv(os.path.join(out, "bmd.tsv")),
           "prefilter": read_tsv(os.path.join(out, "prefilter.tsv")),
           "categories": read_tsv(os.path.join(out, "categories.tsv")),
           "tpod": json.load(open(os.path.join(out, "tpod.json")))}
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def browser_page(run):
    """The report open in chromium, with everything the page said or asked for."""
    from playwright.sync_api import sync_playwright
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} missing: run scripts/setup.sh"
    report = os.path.join(run["dir"], "report.html")
    assert os.path.getsize(report) > 0
    seen = {"console": [], "errors": [], "failed": [], "requests": []}
    profile = tempfile.mkdtemp(prefix="bs-chromium-")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = ctx.new_page()
            page.on("console", lambda m: seen["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("requestfailed", lambda r: seen["failed"].append(r.url))
            page.on("request", lambda r: seen["requests"].append(r.url))
            page.goto("file://" + report, wait_until="load")
            yield page, seen
        finally:
            ctx.close()
            shutil.rmtree(profile, ignore_errors=True)


def test_loads_offline_without_errors(browser_page):
    page, seen = browser_page
    assert page.title() == "BMD analysis report"
    assert [c for c in seen["console"] if c[0] in ("error", "warning")] == []
    assert seen["errors"] == [] and seen["failed"] == []
    assert seen["requests"] and all(u.startswith(("file:", "data:")) for u in seen["requests"])
    # one script, ours; no element carries an inline event handler
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("""Array.from(document.querySelectorAll('*')).filter(
        e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length""") == 0


def rendered(page, selector):
    """the laid-out boxes of the elements selector finds"""
    return page.evaluate("""s => Array.from(document.querySelectorAll(s)).map(e => {
        const r = e.getBoundingClientRect(); return [r.width, r.height]; })""", selector)


def test_sections_and_plots_rendered(browser_page, run):
    page, _ = browser_page
    for s in SECTIONS:
        assert page.locator(f"section#{s}").count() == 1, s
    for plot in ("bmd-histogram", "gene-accumulation", "category-accumulation"):
        boxes = rendered(page, f"svg[data-plot={plot}]")
        assert len(boxes) == 1 and boxes[0][0] > 100 and boxes[0][1] > 100, plot
    curve_files = sorted(f[len("curve_"):-len(".svg")]
                         for f in os.listdir(os.path.join(run["dir"], "plots"))
                         if f.startswith("curve_"))
    assert len(curve_files) == 12
    boxes = rendered(page, "figure.curve svg[data-plot=curve]")
    assert len(boxes) == 12 and all(w > 100 and h > 100 for w, h in boxes)
    # each curve: one mean per dose group of the matrix, the three markers
    with open(EXPR) as f:
        next(f)
        doses = set(float(x) for x in next(f).rstrip("\n").split("\t")[1:])
    counts = page.evaluate("""() => Array.from(document.querySelectorAll('figure.curve')).map(
        f => [f.querySelectorAll('circle.mean').length,
              Array.from(f.querySelectorAll('line.marker')).map(m => m.dataset.kind).sort()])""")
    for means, kinds in counts:
        assert means == len(doses)
        assert kinds == ["BMD", "BMDL", "BMDU"]
    # the gene and category plots have their points
    assert page.locator("svg[data-plot=gene-accumulation] circle.point").count() > 100
    assert page.locator("svg[data-plot=category-accumulation] circle.point").count() > 10


def test_summary_and_model_counts(browser_page, run):
    page, _ = browser_page
    facts = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('#summary tr[data-fact]')).map(
        r => [r.dataset.fact, r.dataset.value]))""")
    passed = [r for r in run["prefilter"] if r["Passed"] == "true"]
    assert int(facts["probes"]) == len(run["prefilter"]) == 2977
    assert int(facts["prefilter-passed"]) == len(passed) == len(run["bmd"])
    finite = [r for r in run["bmd"] if math.isfinite(num(r["Best BMD"]))]
    assert int(facts["best-bmd"]) == len(finite)
    assert int(facts["categories"]) == len(run["categories"])
    assert int(facts["genes"]) == run["tpod"]["genes_with_bmd"]
    counts = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('#models tr[data-model]')).map(
        r => [r.dataset.model, Number(r.dataset.count)]))""")
    assert counts == dict(collections.Counter(r["Best Model"] for r in run["bmd"]))
    assert sum(counts.values()) == len(run["bmd"])


def test_bmd_histogram(browser_page, run):
    page, _ = browser_page
    bins = page.evaluate("""() => Array.from(document.querySelectorAll(
        'svg[data-plot=bmd-histogram] rect.bin')).map(
        b => [b.dataset.lo, b.dataset.hi, Number(b.dataset.count)])""")
    values = [num(r["Best BMD"]) for r in run["bmd"]]
    values = [v for v in values if math.isfinite(v) and v > 0]
    assert sum(c for _, _, c in bins) == len(values) > 100
    for i, (lo, hi, count) in enumerate(bins):
        lo, hi = float(lo), float(hi)
        last = i == len(bins) - 1
        assert count == sum(lo <= v < hi or (last and v == hi) for v in values), (lo, hi)
        # quarter-decade bins
        assert math.isclose(math.log10(hi) - math.log10(lo), 0.25, abs_tol=1e-9) or \
            i in (0, len(bins) - 1)


def test_tpod(browser_page, run):
    page, _ = browser_page
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('#tpod tr[data-tpod]')).map(
        r => [r.dataset.tpod, r.dataset.available, r.dataset.bmd, r.dataset.bmdl, r.innerText])""")
    assert [r[0] for r in rows] == ["gene_set", "rank", "percentile"]
    for key, available, bmd, bmdl, text in rows:
        want = run["tpod"][key]
        assert (available == "true") == want["available"], key
        if want["available"]:
            assert float(bmd) == want["bmd"] and float(bmdl) == want["bmdl"], key
    # the definitions name their options
    assert "25th most sensitive gene" in rows[1][4]
    assert "10th percentile" in rows[2][4]
    assert run["tpod"]["gene_set"]["set_name"] in rows[0][4]
    # the tPOD values are marked on the BMD distribution
    marks = page.evaluate("""() => Array.from(document.querySelectorAll(
        'svg[data-plot=bmd-histogram] line.marker')).map(m => Number(m.dataset.dose))""")
    assert sorted(marks) == sorted(run["tpod"][k]["bmd"] for k in ("gene_set", "rank",
                                                                    "percentile"))


TABLE_JS = """() => Array.from(document.querySelectorAll('#category-table tbody tr')).map(r => ({
    id: r.dataset.category, hidden: r.hidden,
    cells: Object.fromEntries(Array.from(r.cells).map((c, i) => [
        document.querySelectorAll('#category-table thead th')[i].dataset.key,
        c.dataset.value !== undefined ? c.dataset.value : c.textContent]))}))"""


def test_category_table_numbers(browser_page, run):
    page, _ = browser_page
    rows = page.evaluate(TABLE_JS)
    tsv = run["categories"]
    assert [r["id"] for r in rows] == [t["GO/Pathway/Gene Set/Gene ID"] for t in tsv]
    for r, t in zip(rows, tsv):
        c = r["cells"]
        assert c["name"] == t["GO/Pathway/Gene Set/Gene Name"]
        assert int(c["genes"]) == int(t["Genes That Passed All Filters"])
        assert int(c["platform"]) == int(t["All Genes (Platform)"])
        for key, col in (("fisher_two", "Fisher's Exact Two Tail"), ("bmd_median", "BMD Median"),
                         ("bmdl_median", "BMDL Median"), ("bmdu_median", "BMDU Median"),
                         ("bmd_mean", "BMD Mean"), ("bmd_min", "BMD Minimum"),
                         ("percentage", "Percentage")):
            assert same(num(c[key]), num(t[col])), (r["id"], key)
        assert c["direction"] == t["Overall Direction"]


def test_curves_are_the_most_sensitive_probes(browser_page, run):
    page, _ = browser_page
    figs = page.evaluate("""() => Array.from(document.querySelectorAll('figure.curve')).map(
        f => [f.dataset.probe, f.dataset.bmd, f.dataset.bmdl, f.dataset.bmdu, f.dataset.model])""")
    by_probe = {r["Probe ID"]: r for r in run["bmd"]}
    files = {f[len("curve_"):-len(".svg")] for f in os.listdir(os.path.join(run["dir"], "plots"))
             if f.startswith("curve_")}
    assert {p for p, *_ in figs} == files
    bmds = [float(b) for _, b, *_ in figs]
    assert bmds == sorted(bmds)
    for probe, bmd, bmdl, bmdu, model in figs:
        r = by_probe[probe]
        assert float(bmd) == num(r["Best BMD"]) and float(bmdl) == num(r["Best BMDL"])
        assert float(bmdu) == num(r["Best BMDU"]) and model == r["Best Model"]


def flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    return {prefix: value}


def test_settings(browser_page, run):
    page, _ = browser_page
    shown = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('#settings tr[data-setting]')).map(
        r => [r.dataset.setting, r.cells[1].textContent]))""")
    want = flatten(run["settings"])
    assert set(shown) == set(want)
    for path, v in want.items():
        if isinstance(v, bool):
            assert shown[path] == str(v).lower(), path
        elif isinstance(v, (int, float)):
            assert float(shown[path]) == pytest.approx(v, rel=1e-9), path
        elif isinstance(v, list):
            assert shown[path] == ", ".join(v), path
        elif v is None:
            assert shown[path] == "off", path
        else:
            assert shown[path] == v, path
    assert shown["prefilter.p_cutoff"] == "0.001"


def column(page, key):
    return [r["cells"][key] for r in page.evaluate(TABLE_JS)]


def test_sort_and_filter(browser_page, run):
    page, _ = browser_page
    tsv = run["categories"]
    medians = [num(t["BMD Median"]) for t in tsv]
    known = [m for m in medians if not math.isnan(m)]
    missing = len(medians) - len(known)
    assert missing > 0 and known  # the example has categories without genes: they go last
    head = page.locator("#category-table th[data-key=bmd_median]")
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "ascending"
    got = [num(v) for v in column(page, "bmd_median")]
    assert got[:len(known)] == sorted(known) and all(math.isnan(v) for v in got[len(known):])
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "descending"
    got = [num(v) for v in column(page, "bmd_median")]
    assert got[:len(known)] == sorted(known, reverse=True)
    assert all(math.isnan(v) for v in got[len(known):])
    ids = page.locator("#category-table th[data-key=id]")
    ids.locator("button").click()
    assert ids.get_attribute("aria-sort") == "ascending" and head.get_attribute("aria-sort") is None
    assert column(page, "id") == sorted(t["GO/Pathway/Gene Set/Gene ID"] for t in tsv)

    count = page.locator("#category-count")
    assert count.inner_text() == f"{len(tsv)} of {len(tsv)} categories shown"
    page.fill("#category-filter", "hypoxia")
    visible = [r["id"] for r in page.evaluate(TABLE_JS) if not r["hidden"]]
    assert visible == [t["GO/Pathway/Gene Set/Gene ID"] for t in tsv
                       if "hypoxia" in t["GO/Pathway/Gene Set/Gene Name"].lower()]
    assert len(visible) == 1 and page.locator("#category-table tbody tr:visible").count() == 1
    assert count.inner_text() == f"1 of {len(tsv)} categories shown"
    page.fill("#category-filter", "")
    page.fill("#category-min-genes", "10")
    want = sorted(t["GO/Pathway/Gene Set/Gene ID"] for t in tsv
                  if int(t["Genes That Passed All Filters"]) >= 10)
    visible = sorted(r["id"] for r in page.evaluate(TABLE_JS) if not r["hidden"])
    assert visible == want and 0 < len(want) < len(tsv)
    assert count.inner_text() == f"{len(want)} of {len(tsv)} categories shown"
    page.fill("#category-min-genes", "0")
    assert page.locator("#category-table tbody tr:visible").count() == len(tsv)


def test_screenshot_kept(browser_page, run):
    page, _ = browser_page
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "report.png")
    page.screenshot(path=shot, full_page=True)
    shutil.copy(os.path.join(run["dir"], "report.html"), os.path.join(ARTIFACTS, "report.html"))
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width >= 1000 and height > 3000  # the whole page, not the first screen
