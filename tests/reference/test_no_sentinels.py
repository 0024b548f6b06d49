"""
test_no_sentinels.py - no sentinel numbers in what `bmdstream analyze` writes.

Where a value is missing (a constant probe's F and p, a t-test level
without replicates, a fit that failed, BMDL/BMDU not computed, a category
statistic of an empty set) BMDExpress writes -9999 or NaN; ours is an empty
cell in TSV and CSV and null in JSON (tests/support/sentinels.py; the
database side is checked by tests/integration/test_pipeline.py). The runs
below are chosen so that every kind of missing value occurs, and the test
asserts that it does, so it cannot pass on files without gaps.
"""
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from sentinels import _is_sentinel_text, file_sentinels, tree_sentinels  # noqa: E402

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
EXAMPLE = os.path.join(DATA, "example data 1.txt")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CATEGORY_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")


def analyze(out, *flags):
    r = subprocess.run([BIN, "analyze", "--out", str(out), *flags], capture_output=True,
                       text=True, timeout=1200)
    assert r.returncode == 0, r.stderr
    return out


def empty_cells(path, column_prefix):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return sum(1 for r in rows for k, v in r.items() if k.startswith(column_prefix) and v == "")


def test_checker_finds_sentinels(tmp_path):
    """the checker itself: each kind of sentinel is found, gaps are not"""
    for cell in ("NaN", "nan", "-9999", "-9999.0", "9999", "Infinity", "-inf"):
        assert _is_sentinel_text(cell), cell
    for cell in ("", "0", "-999", "99990", "1e-9999", "none"):
        assert not _is_sentinel_text(cell), cell
    f = tmp_path / "a.tsv"
    f.write_text("Probe ID\tBMD\tBMDL\nx\t\t-9999\ny\tNaN\t1.5\n")
    assert [(p, v) for _, p, v in file_sentinels(str(f))] == [
        ("line 2, BMDL", "-9999"), ("line 3, BMD", "NaN")]
    j = tmp_path / "a.json"
    j.write_text('{"a": null, "b": [1, -9999], "c": {"d": NaN}}')
    assert [(p, v) for _, p, v in file_sentinels(str(j))][0] == ("$.b[1]", -9999)
    assert len(file_sentinels(str(j))) == 2


def test_example_without_limits(tmp_path):
    """example data 1, BMDL/BMDU not computed (usage 3), categories: the
    prefilter has constant probes (no F, no p) and t-test levels without a
    value; BMDL and BMDU are empty for every probe"""
    out = analyze(tmp_path / "ex", "--matrix", EXAMPLE, "--limit-use", "3",
                  "--probe-map", PROBE_MAP, "--category-map", CATEGORY_MAP)
    assert tree_sentinels(str(out)) == []
    assert empty_cells(out / "prefilter.tsv", "F-Value") > 0
    assert empty_cells(out / "prefilter.tsv", "NOTEL/LOTEL T-Test p-Value") > 0
    assert empty_cells(out / "bmd.tsv", "Best BMDL") > 0


def test_dehp_ten_models(tmp_path):
    """DEHP, ten models with profile limits: failed fits and unbounded
    limits leave gaps in the per-model columns"""
    m = os.path.join(DATA, "dehp", "DEHP_expression.txt")
    out = analyze(tmp_path / "dehp", "--matrix", m,
                  "--models", "hill,power,linear,poly2,poly3,poly4,exp2,exp3,exp4,exp5")
    assert tree_sentinels(str(out)) == []
    assert empty_cells(out / "bmd.tsv", "") > 0
