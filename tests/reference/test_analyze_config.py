"""
test_analyze_config.py - `bmdstream analyze --config FILE.json` with a
BMDExpress 3 analyze config gives the same files as the equivalent flags
(the mapping of expression, prefilter, BMDS and category sections), names
what it does not run on stderr, applies the config's category filters
(their count columns appear in categories.tsv and the numbers differ from
the analyze defaults), and refuses what it cannot run.

Input: BMDExpress's `example data 1.txt` with the S1500+ probe map and
the MSigDB Hallmark category map (tests/data/bmdexpress/).
"""
import csv
import json
import os
import subprocess
import tempfile

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
EXPR = os.path.abspath(os.path.join(DATA, "example data 1.txt"))
PROBE_MAP = os.path.abspath(os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt"))
CAT_MAP = os.path.abspath(os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt"))


def config(tmp):
    cfg = {
        "bm2FileName": "run.bm2",
        "overwrite": True,
        "expressionDataConfigs": [{"inputFileName": EXPR, "hasHeaders": True,
                                   "logTransformation": "BASE2"}],
        "preFilterConfigs": [{"@type": "anova", "pValueCutoff": 0.01,
                              "useMultipleTestingCorrection": False,
                              "filterOutControlGenes": True, "useFoldChange": True,
                              "foldChange": 2.0, "foldChangeLotel": 1.5, "pValueLotel": 0.05,
                              "lotelTest": 1}],
        "bmdsConfigs": [{"modelConfigs": [{"@type": "hill"}, {"@type": "power"},
                                          {"@type": "poly", "degree": 1},
                                          {"@type": "exp", "expModel": 3}],
                         "bmdsBestModelSelection": {"bestPolyTest": 1, "pValueCutoff": 0.05,
                                                    "flagHillWithKParameter": True,
                                                    "kParameterValue": 1,
                                                    "bestModelSelectionWithFlaggedHill": 1},
                         "bmdsInputConfig": {"constantVariance": True, "bmrFactor": 1.349},
                         "inputCategory": "anova"}],
        "maConfigs": [{"inputCategory": "anova"}],
        "categoryAnalysisConfigs": [
            {"@type": "go", "goCategory": "biological_process"},
            {"@type": "defined", "probeFilePath": PROBE_MAP, "categoryFilePath": CAT_MAP,
             "removePromiscuousProbes": True, "removeBMDGreaterHighDose": True,
             "bmdPValueCutoff": 0.1, "bmduBMDLRatioMin": 40.0}],
    }
    path = os.path.join(tmp, "analyze.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def read(path):
    with open(path) as f:
        return f.read()


def test_config_equals_flags():
    tmp = tempfile.mkdtemp(prefix="analyze_cfg_")
    cfg = config(tmp)
    a, b = os.path.join(tmp, "cfg"), os.path.join(tmp, "flags")
    r1 = subprocess.run([BIN, "analyze", "--config", cfg, "--out", a],
                        capture_output=True, text=True)
    # 3: it ran, and sections were skipped (model averaging, GO)
    assert r1.returncode == 3, r1.stderr
    # its one run's directory: BMDExpress's name of the category result
    a = os.path.join(a, "example data 1_oneway_0.01_NOMTC_foldfilter2.0_BMD_Generic"
                        "_DEFINED-Category Map File_ MsigDB Hallmark Gene Sets_true_true_pval0.1"
                        "_ratio40")
    for needle in ["not run: maConfigs: ToxicR model averaging",
                   "not run: categoryAnalysisConfigs[0]: GO category analysis",
                   "not run: bm2FileName"]:
        assert needle in r1.stderr, r1.stderr
    # the same run by flags, without the config's category filters
    r2 = subprocess.run([BIN, "analyze", "--matrix", EXPR, "--out", b, "--prefilter", "anova",
                         "--p-cutoff", "0.01", "--fold-filter", "2", "--notel-fc", "1.5",
                         "--notel-test", "dunnett",
                         "--models", "hill,power,linear,exp3", "--bmr", "1.349",
                         "--probe-map", PROBE_MAP, "--category-map", CAT_MAP],
                        capture_output=True, text=True)
    assert r2.returncode == 0, r2.stderr
    assert read(os.path.join(a, "prefilter.tsv")) == read(os.path.join(b, "prefilter.tsv"))
    # BMD selection settings from the config (Hill k < lowest dose flagged, flagged Hill kept)
    # match the flags run only where no Hill is flagged; compare the fitted models' columns
    with open(os.path.join(a, "bmd.tsv")) as f1, open(os.path.join(b, "bmd.tsv")) as f2:
        ra, rb = list(csv.DictReader(f1, delimiter="\t")), list(csv.DictReader(f2, delimiter="\t"))
    assert len(ra) == len(rb) > 0
    assert [r["Probe ID"] for r in ra] == [r["Probe ID"] for r in rb]
    for x, y in zip(ra, rb):
        for col in ("Hill BMD", "Power BMD", "Linear BMD", "Exp 3 BMD"):
            assert x[col] == y[col], (x["Probe ID"], col)
    # the config's category filters replace the analyze defaults: its filters
    # (fit p, BMDU/BMDL) have count columns, the default BMD/BMDL one is gone
    with open(os.path.join(a, "categories.tsv")) as f1, open(os.path.join(b, "categories.tsv")) as f2:
        ha = f1.readline().rstrip("\n").split("\t")
        hb = f2.readline().rstrip("\n").split("\t")
    filters_a = [h for h in ha if h.startswith("Genes with BMD")]
    filters_b = [h for h in hb if h.startswith("Genes with BMD")]
    assert any(h.startswith("Genes with BMD p-Value >=") for h in filters_a)
    assert any(h.startswith("Genes with BMDU/BMDL <=") for h in filters_a)
    assert not any(h.startswith("Genes with BMD/BMDL <=") for h in filters_a)
    assert any(h.startswith("Genes with BMD/BMDL <=") for h in filters_b)
    assert os.path.exists(os.path.join(a, "tpod.json"))


def test_config_refusals():
    tmp = tempfile.mkdtemp(prefix="analyze_cfg_bad_")
    path = os.path.join(tmp, "bad.json")
    cases = [
        # a directory's files are all expression files (this one holds bad.json)
        ({"expressionDataConfigs": [{"inputFileName": tmp}]},
         "expressionDataConfigs[0].inputFileName"),
        ({"expressionDataConfigs": [{"inputFileName": EXPR}],
          "bmdsConfigs": [{"modelConfigs": [{"@type": "hill"}], "inputCategory": "expression",
                           "bmdsInputConfig": {"bmdUBmdLEstimationMethod": 3}}]},
         "bmdUBmdLEstimationMethod"),
        ({"expressionDataConfigs": [{"inputFileName": EXPR}], "preFilterConfig": []},
         "unknown key"),
        ({"expressionDataConfigs": [{"inputFileName": EXPR}],
          "preFilterConfigs": [{"@type": "anova", "lotelTest": 3}]}, "lotelTest"),
    ]
    for cfg, needle in cases:
        with open(path, "w") as f:
            json.dump(cfg, f)
        r = subprocess.run([BIN, "analyze", "--config", path, "--out", os.path.join(tmp, "o")],
                           capture_output=True, text=True)
        assert r.returncode == 2, (cfg, r.stderr)
        assert needle in r.stderr and path in r.stderr, r.stderr
