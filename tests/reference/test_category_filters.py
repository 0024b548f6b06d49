"""
test_category_filters.py - BMDExpress 3's conflicting-probe-set column, the
up/down split of the category statistics and gene-set de-duplication on a
real `bmdstream analyze` run (docs/categories.md, "The filters of
BMDExpress 3"), each recomputed here from the input files with numpy/scipy:

  * `example data 1.txt` (2977 probes), S1500+ probe map, Hallmark
    category map, Hill/Power/Linear, ANOVA p < 0.001,
    --conflicting-probe-r 0.5;
  * conflicting probe sets: for every passed gene of every category, the
    lowest scipy.stats.pearsonr over the pairs of the experiment's probes
    that the probe map maps to the gene, promiscuous ones included (float32
    values, as BMDExpress stores them), rounded as NumberManager.numberFormat(4, .) with decimal
    HALF_EVEN, listed as "gene(r)" when r < 0.5;
  * up/down split: gene BMD/BMDL/BMDU = mean over the gene's probes that
    pass analyze's default filters; UP/DOWN from Best adverseDirection;
    numpy mean, median, SD (ddof 1) per direction against the
    "Genes Up/Down ..." columns;
  * step-function filters: `bmdstream categories` on analyze's bmd.tsv
    with --remove-step-function, --remove-step-function-bmd-lower or both;
    each category's passed genes and every filter count column recomputed
    from bmd.tsv's "Best Is Step Function" / "... Less Than Lowest Dose"
    columns and the default filters (a count: the category's input genes
    with a probe passing every filter up to that column);
  * de-duplication: `bmdstream categories` on analyze's bmd.tsv with a
    category map made from the run (a set of one category's passed genes
    first, a copy of another category last), with and without
    --deduplicate-gene-sets; the kept categories recomputed from the
    table without it (same passed genes: the first kept, then those tying
    with it on Percentage and BMD Median, up to the first that does not).
"""
import csv
import math
import os
import subprocess
import tempfile
import warnings
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest
from scipy import stats

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
EXPR = os.path.join(DATA, "example data 1.txt")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
CUTOFF = 0.5


def read_expression():
    with open(EXPR, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if len(r) > 1]
    doses = np.array([float(x) for x in rows[1][1:]], dtype=np.float32).astype(float)
    data = {r[0]: np.array([float(x) for x in r[1:]], dtype=np.float32).astype(float)
            for r in rows[2:]}
    return doses, data


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


def read_table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(s):
    return float(s) if s != "" else math.nan


def bmdx_round(x, decimals=4):
    """NumberManager.numberFormat: more places below 0.1, HALF_EVEN on the exact binary value."""
    if x == 0 or not math.isfinite(x):
        return x
    if abs(x) < 0.1:
        d = 0
        while abs(x) < 1 / 10.0 ** d:
            d += 1
        decimals += d - 1
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(x).quantize(q, rounding=ROUND_HALF_EVEN))


def java_str(x):
    """Double.toString: shortest digits, '.0' for integers, 'E' below 1e-3."""
    if x != 0 and abs(x) < 1e-3:
        m, e = np.format_float_scientific(x, unique=True, trim="k").split("e")
        return (m if "." in m else m + ".0") + "E" + str(int(e))
    s = repr(x)
    return s if "." in s else s + ".0"


def passes(r, highest):
    """analyze's default category filters (docs/categories.md)."""
    bmd, bmdl, bmdu = num(r["Best BMD"]), num(r["Best BMDL"]), num(r["Best BMDU"])
    return (r["Best Model"] not in ("", "none") and math.isfinite(bmd) and not bmd > highest
            and num(r["Best fitPValue"]) >= 0.1 and bmdu / bmdl <= 40 and bmd / bmdl <= 20)


def analyze(out, *extra):
    res = subprocess.run([BIN, "analyze", "--matrix", EXPR, "--out", out, "--models",
                          "hill,power,linear", "--p-cutoff", "0.001", "--threads", "2",
                          "--probe-map", PROBE_MAP, "--curve-plots", "0", *extra],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def run():
    out = os.path.join(tempfile.mkdtemp(prefix="bs_catfilters_"), "a")
    analyze(out, "--category-map", CAT_MAP, "--conflicting-probe-r", str(CUTOFF))
    return out


def test_conflicting_probe_sets(run):
    _, data = read_expression()
    pmap = read_probe_map()
    gene_probes = {}
    for probe in data:  # every probe-map probe of the gene in the experiment, promiscuous too
        for g in pmap.get(probe, []):
            gene_probes.setdefault(g, []).append(probe)
    rows = read_table(os.path.join(run, "categories.tsv"))
    assert rows and "Genes with Conflicting Probesets" in rows[0]
    cache, listed, multi = {}, 0, 0
    for row in rows:
        genes = [g for g in row["Entrez Gene IDs"].split(";") if g]
        want = []
        for g in genes:
            if g not in cache:
                probes = gene_probes.get(g, [])
                r_min = 1.0
                for i in range(len(probes)):
                    for j in range(i + 1, len(probes)):
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # constant rows: NaN, skipped
                            r = stats.pearsonr(data[probes[i]], data[probes[j]])[0]
                        if r < r_min:
                            r_min = r
                cache[g] = bmdx_round(float(r_min))
                multi += len(probes) > 1
            if cache[g] < CUTOFF:
                want.append(f"{g}({java_str(cache[g])})")
        listed += len(want)
        assert row["Genes with Conflicting Probesets"] == ";".join(want), row[
            "GO/Pathway/Gene Set/Gene ID"]
    # the check is not empty: genes with several probes, some below 0.5
    assert multi >= 5 and listed >= 2, (multi, listed)


def test_up_down_split(run):
    doses, _ = read_expression()
    highest = max(doses)
    pmap = read_probe_map()
    per_gene = {}
    for r in read_table(os.path.join(run, "bmd.tsv")):
        if len(pmap.get(r["Probe ID"], [])) == 1 and passes(r, highest):
            per_gene.setdefault(pmap[r["Probe ID"]][0], []).append(r)
    gene = {}
    for g, ps in per_gene.items():
        dirs = {int(float(p["Best adverseDirection"])) for p in ps}
        d = "Up" if dirs == {1} else "Down" if dirs == {-1} else None
        vals = [np.mean([num(p[k]) for p in ps]) for k in ("Best BMD", "Best BMDL", "Best BMDU")]
        gene[g] = (d, vals)
    checked = 0
    for row in read_table(os.path.join(run, "categories.tsv")):
        genes = [g for g in row["Entrez Gene IDs"].split(";") if g]
        assert all(g in gene for g in genes)
        for d in ("Up", "Down"):
            sub = [gene[g][1] for g in genes if gene[g][0] == d]
            assert int(row[f"Genes with Adverse Direction {d}"]) == len(sub)
            assert row[f"Genes {d} List"] == ";".join(g for g in genes if gene[g][0] == d)
            for k, label in enumerate(("BMD", "BMDL", "BMDU")):
                x = np.array([s[k] for s in sub])
                sd_col = f"Genes {d} SD" if label == "BMD" else f"Genes {d} {label} SD"
                want = {f"Genes {d} {label} Mean": x.mean() if len(x) else math.nan,
                        f"Genes {d} {label} Median": np.median(x) if len(x) else math.nan,
                        sd_col: x.std(ddof=1) if len(x) > 1 else math.nan}
                for col, w in want.items():
                    got = num(row[col])
                    if math.isnan(w):
                        assert math.isnan(got), (row["GO/Pathway/Gene Set/Gene ID"], col)
                    else:
                        assert got == pytest.approx(w, rel=1e-12, abs=1e-12), col
                        checked += 1
    assert checked > 100


def expected_dedup(rows):
    """CategoryAnalysisResults.deDuplicateGeneSets over rows (file order)."""
    groups = {}
    for row in rows:
        key = ";".join(sorted(g for g in row["Entrez Gene IDs"].split(";") if g))
        groups.setdefault(key, []).append(row)
    keep = set()
    for key, members in groups.items():
        if key == "":
            keep.update(r["GO/Pathway/Gene Set/Gene ID"] for r in members)
            continue
        first = members[0]
        keep.add(first["GO/Pathway/Gene Set/Gene ID"])
        for r in members[1:]:
            if (num(r["Percentage"]) == num(first["Percentage"])
                    and num(r["BMD Median"]) == num(first["BMD Median"])):
                keep.add(r["GO/Pathway/Gene Set/Gene ID"])
            else:
                break
    return [r["GO/Pathway/Gene Set/Gene ID"] for r in rows
            if r["GO/Pathway/Gene Set/Gene ID"] in keep]


def categories(out, bmd_tsv, cat_map, *extra):
    res = subprocess.run([BIN, "categories", "--bmd-tsv", bmd_tsv,
                          "--probe-map", PROBE_MAP, "--category-map", cat_map, "--expression",
                          EXPR, "--out", out, "--curve-plots", "0", *extra],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return read_table(os.path.join(out, "categories.tsv"))


def test_deduplicate_gene_sets(run):
    rows = read_table(os.path.join(run, "categories.tsv"))
    # X: passed genes but not all of its platform genes; Y: another one
    cands = [r for r in rows if int(r["Genes That Passed All Filters"]) >= 3
             and int(r["Genes That Passed All Filters"]) < int(r["All Genes (Platform)"])]
    assert len(cands) >= 2
    x, y = cands[0], cands[1]
    base = os.path.dirname(run)
    cat_map = os.path.join(base, "dedup_categories.txt")
    with open(CAT_MAP) as f:
        hallmark = f.read().splitlines()
    with open(cat_map, "w") as f:
        f.write(hallmark[0] + "\n")
        for g in x["Entrez Gene IDs"].split(";"):  # X's passed genes alone, first: 100%
            f.write(f"ZZ_FIRST\tpassed genes of {x['GO/Pathway/Gene Set/Gene ID']}\t{g}\n")
        for line in hallmark[1:]:
            f.write(line + "\n")
        for line in hallmark[1:]:  # a copy of Y, last: ties with Y
            cid, _, g = line.split("\t")
            if cid == y["GO/Pathway/Gene Set/Gene ID"]:
                f.write(f"ZZ_COPY\tcopy of {cid}\t{g}\n")
    bmd_tsv = os.path.join(run, "bmd.tsv")
    full = categories(os.path.join(base, "full"), bmd_tsv, cat_map)
    dedup = categories(os.path.join(base, "dedup"), bmd_tsv, cat_map, "--deduplicate-gene-sets")
    ids_full = [r["GO/Pathway/Gene Set/Gene ID"] for r in full]
    ids_dedup = [r["GO/Pathway/Gene Set/Gene ID"] for r in dedup]
    assert ids_dedup == expected_dedup(full)
    # the case is not empty: X dropped (ZZ_FIRST comes first and does not tie),
    # ZZ_COPY kept with Y
    assert x["GO/Pathway/Gene Set/Gene ID"] in ids_full
    assert x["GO/Pathway/Gene Set/Gene ID"] not in ids_dedup
    assert "ZZ_FIRST" in ids_dedup and "ZZ_COPY" in ids_dedup
    assert y["GO/Pathway/Gene Set/Gene ID"] in ids_dedup
    # kept rows are unchanged, Fisher's p-values included
    by_id = {r["GO/Pathway/Gene Set/Gene ID"]: r for r in full}
    for r in dedup:
        assert r == by_id[r["GO/Pathway/Gene Set/Gene ID"]]


def read_category_map():
    sets = {}
    with open(CAT_MAP, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for row in rows:
            sets.setdefault(row[0].strip(), set()).add(row[2].strip())
    return sets


# the flag, the column BMDExpress names its count (CategoryAnalysisResult.generateColumnHeader)
STEP_FILTERS = {
    "--remove-step-function": ("Best Is Step Function", "Genes Not Step Function"),
    "--remove-step-function-bmd-lower": ("Best Is Step Function Less Than Lowest Dose",
                                         "Genes Not Step Function with BMD Less Than Lowest Dose"),
}
DEFAULT_COLUMNS = ["Genes with BMD <= Highest Dose", "Genes with BMD p-Value >= ",
                   "Genes with BMD/BMDL <= ", "Genes with BMDU/BMDL <= "]


def default_stages(r, highest):
    """analyze's default filters one by one, in BMDExpress's order."""
    bmd, bmdl, bmdu = num(r["Best BMD"]), num(r["Best BMDL"]), num(r["Best BMDU"])
    if r["Best Model"] in ("", "none") or not math.isfinite(bmd):
        return [False] * 4
    return [not bmd > highest, num(r["Best fitPValue"]) >= 0.1, bmd / bmdl <= 20,
            bmdu / bmdl <= 40]


@pytest.mark.parametrize("flags", [["--remove-step-function"],
                                   ["--remove-step-function-bmd-lower"],
                                   ["--remove-step-function", "--remove-step-function-bmd-lower"]])
def test_step_function_filters(run, flags):
    doses, _ = read_expression()
    highest = max(doses)
    pmap = read_probe_map()
    sets = read_category_map()
    bmd_tsv = os.path.join(run, "bmd.tsv")
    out = os.path.join(os.path.dirname(run), "step" + "".join(f[-5:] for f in flags))
    lower = STEP_FILTERS["--remove-step-function-bmd-lower"][0]
    if "--remove-step-function-bmd-lower" in flags:
        # example data 1 has no probe stepping in the first interval with its
        # BMD below the lowest dose (the flag is false throughout): mark every
        # other step-function probe so in a copy of bmd.tsv
        table = read_table(bmd_tsv)
        assert all(r[lower] in ("false", "") for r in table)
        steps = [r for r in table if r["Best Is Step Function"] == "true"]
        for r in steps[::2]:
            r[lower] = "true"
        os.makedirs(out, exist_ok=True)
        bmd_tsv = os.path.join(out, "bmd-marked.tsv")
        with open(bmd_tsv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(table[0].keys()), delimiter="\t",
                               lineterminator="\n")
            w.writeheader()
            w.writerows(table)
    flag_cols = [STEP_FILTERS[f][0] for f in flags]
    # per gene (probes of one gene only: promiscuous ones are removed), the
    # furthest filter stage any of its probes reaches
    stage, removed = {}, 0
    for r in read_table(bmd_tsv):
        genes = pmap.get(r["Probe ID"], [])
        if len(genes) != 1:
            continue
        passed = default_stages(r, highest)
        if all(passed):
            for col in flag_cols:
                assert r[col] in ("true", "false"), (r["Probe ID"], col, r[col])
            steps = [r[col] == "false" for col in flag_cols]
            removed += not all(steps)
            passed += steps
        else:
            passed += [False] * len(flag_cols)
        reach = next((i for i, ok in enumerate(passed) if not ok), len(passed))
        stage[genes[0]] = max(stage.get(genes[0], 0), reach)
    rows = categories(out, bmd_tsv, CAT_MAP, *flags)
    columns = DEFAULT_COLUMNS + [STEP_FILTERS[f][1] for f in flags]
    head = list(rows[0].keys())
    i = head.index("Input Genes")
    assert head[i + 1:i + 1 + len(columns) + 1] == columns + ["Genes That Passed All Filters"]
    n_all = len(columns)
    want_ids = sorted(cid for cid, genes in sets.items() if any(g in stage for g in genes))
    assert sorted(r["GO/Pathway/Gene Set/Gene ID"] for r in rows) == want_ids
    lost = 0
    for row in rows:
        genes = [g for g in sets[row["GO/Pathway/Gene Set/Gene ID"]] if g in stage]
        assert int(row["Input Genes"]) == len(genes)
        for k, col in enumerate(columns):
            assert int(row[col]) == sum(stage[g] > k for g in genes), (row["GO/Pathway/Gene Set/Gene ID"], col)
        passed = sorted(g for g in genes if stage[g] == n_all)
        assert sorted(g for g in row["Entrez Gene IDs"].split(";") if g) == passed
        assert int(row["Genes That Passed All Filters"]) == len(passed)
        lost += int(row[DEFAULT_COLUMNS[-1]]) - len(passed)
    # the check is not empty: the filters remove probes, and genes from categories
    assert removed >= 1 and lost >= 1, (removed, lost)
