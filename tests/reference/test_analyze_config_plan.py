"""
test_analyze_config_plan.py - `bmdstream analyze --config` runs the five
BMDExpress 3 example analyze configs (tests/data/bmdexpress/analyze-configs)
the way BMDExpress's AnalyzeRunner runs them (docs/bmdexpress-configs.md):

  * a directory as inputFileName: each of its files a data set named after
    the file without extension;
  * each prefilter on every data set (or the one named inputName), each
    bmdsConfigs / maConfigs section on every result of its inputCategory
    (or the one named inputName), each category section on every BMD
    result (or the one named inputName);
  * results named outputName, else as BMDExpress names them;
  * one run per path ending where nothing we run continues it, each in its
    own directory; the sections we do not run (model averaging, and what
    hangs off it) named with the reason in summary.tsv and on stderr, exit
    status 3;
  * a curve-fit prefilter with an inputCategory on that prefilter's
    results (data set > williams > curvefit).

The expected runs are worked out by hand below from those rules. Each
config is a temporary copy with its paths pointed at a directory holding
`example data 1.txt`, `example data 2.txt`, `example data 3.txt`, cut to
their first PROBES probes (same names) to keep the ASan build quick, and
`defined/probes.txt`, `defined/categories.txt` (the S1500+ probe map and
the MSigDB Hallmark category map) for the defined category sections; the go
and pathway sections name the small GO and Reactome files (SECTION_FILES)
and take the S1500+ probe map given beside the config (--probe-map), as
they name none.
"""
import csv
import json
import os
import shutil
import subprocess
import tempfile

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "bmdexpress")
CONFIGS = os.path.join(DATA, "analyze-configs")
PROBE_MAP = os.path.join(DATA, "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = os.path.join(DATA, "Category Map File_ MsigDB Hallmark Gene Sets.txt")
PROBES = 60
# GO and Reactome files for the go / pathway sections (our extension keys
# goOboFile, goAnnotationFile, pathwayAnnotationFile): the hand-made
# ontology and the gene2go / NCBI2Reactome rows over genes of the example
# data (tests/reference/test_go_categories.py, test_pathway_categories.py)
GO_DATA = os.path.join(os.environ.get("BS_TEST_DATA", "tests/data"), "go")
SECTION_FILES = {
    "go": {"goOboFile": os.path.abspath(os.path.join(GO_DATA, "small.obo")),
           "goAnnotationFile": os.path.abspath(os.path.join(GO_DATA, "e2e", "gene2go"))},
    "pathway": {"pathwayAnnotationFile": os.path.abspath(os.path.join(
        os.environ.get("BS_TEST_DATA", "tests/data"), "reactome", "e2e", "NCBI2Reactome.txt"))},
}


def workdir():
    tmp = tempfile.mkdtemp(prefix="analyze_plan_")
    os.makedirs(os.path.join(tmp, "data"))
    for d in (1, 2, 3):
        with open(os.path.join(DATA, f"example data {d}.txt")) as f:
            lines = f.readlines()[:2 + PROBES]  # header, dose row, probes
        with open(os.path.join(tmp, "data", f"example data {d}.txt"), "w") as f:
            f.writelines(lines)
    os.makedirs(os.path.join(tmp, "defined"))
    shutil.copy(PROBE_MAP, os.path.join(tmp, "defined", "probes.txt"))
    shutil.copy(CAT_MAP, os.path.join(tmp, "defined", "categories.txt"))
    return tmp


def copy_config(tmp, name, files=None):
    """The bundled config with its expression paths pointed at tmp/data
    (files: one file name per expressionDataConfigs entry instead) and its
    go and pathway sections at SECTION_FILES."""
    with open(os.path.join(CONFIGS, name)) as f:
        cfg = json.load(f)
    for i, e in enumerate(cfg["expressionDataConfigs"]):
        e["inputFileName"] = "data/" + (files[i] if files else "")
    for k in cfg.get("categoryAnalysisConfigs", []):
        k.update(SECTION_FILES.get(k["@type"], {}))
    cfg["basePath"] = tmp
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def run_config(tmp, name, files=None):
    out = os.path.join(tmp, "out-" + name)
    # the go and pathway sections name no probe map (BMDExpress uses the
    # chip's): the project's, given beside the config
    r = subprocess.run([BIN, "analyze", "--config", copy_config(tmp, name, files), "--out", out,
                        "--probe-map", os.path.join(tmp, "defined", "probes.txt")],
                       capture_output=True, text=True)
    with open(os.path.join(out, "summary.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return r, out, rows


def ran(rows):
    return [r["name"] for r in rows if r["status"] == "ran"]


def skipped(rows):
    return [(r["name"], r["section"], r["reason"]) for r in rows if r["status"] == "skipped"]


def subdirs(out):
    return sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))


D = ["example data 1", "example data 2", "example data 3"]
# CategoryMapTool's filter parts of configs 1-3's category sections:
# removePromiscuousProbes, removeBMDGreaterHighDose, bmdPValueCutoff 0.1,
# bmduBMDLRatioMin 20, nFoldBelowLowestDose 10
CAT = "_true_true_pval0.1_ratio20_nfold10"


def test_config1():
    """Three data sets x {anova, williams, curvefit}; bmdsConfigs[0] takes
    the williams results, [1] the anova ones, and no BMD section takes the
    curvefit results (inputCategory curvefit_prefilter), so each of those is
    a run of its own ending at the prefilter (listed first); three category
    sections (GO universal, REACTOME, defined) on each of the 6 BMD results,
    section after section, williams before anova (bmdsConfigs order). So
    3 + 18 runs, nothing skipped: exit status 0."""
    tmp = workdir()
    r, out, rows = run_config(tmp, "analyze-config1.json")
    assert r.returncode == 0, r.stderr
    pre = {"williams": "_williams_0.05_NOMTC_foldfilter2.0",
           "anova": "_oneway_0.05_NOMTC_foldfilter2.0"}
    curvefit = [d + "_curvefitprefilter_foldfilter2.0" for d in D]
    cats = ("_GO_universal", "_REACTOME", "_DEFINED-categories")
    every = [d + pre[p] + "_BMD_GPL1355" + c + CAT
             for c in cats for p in ("williams", "anova") for d in D]
    want = every[12:]  # the defined ones
    assert ran(rows) == curvefit + every
    assert subdirs(out) == sorted(curvefit + every)
    with open(os.path.join(out, curvefit[0], "settings.json")) as f:
        cs = json.load(f)
    assert cs["last_step"] == "prefilter" and cs["prefilter"]["method"] == "curvefit"
    # the config lists Exp 5 before Exp 3; the settings keep models in the
    # table's order
    assert cs["prefilter"]["curvefit"]["models"] == ["hill", "power", "linear", "poly2", "exp3",
                                                     "exp5"]
    assert os.path.exists(os.path.join(out, curvefit[0], "prefilter.tsv"))
    assert skipped(rows) == []
    # the GO and pathway runs: their settings and files, categories of
    # their kind (GO accessions of small.obo, Reactome stable ids)
    with open(os.path.join(out, every[0], "settings.json")) as f:
        g = json.load(f)
    assert g["category"]["type"] == "go" and g["category"]["go"]["aspect"] == "universal"
    assert g["category"]["go"]["obo"] == SECTION_FILES["go"]["goOboFile"]
    with open(os.path.join(out, every[6], "settings.json")) as f:
        p = json.load(f)
    assert p["category"]["type"] == "pathway"
    assert p["category"]["pathway"]["annotations"] == \
        SECTION_FILES["pathway"]["pathwayAnnotationFile"]
    for run, prefix in ((every[0], "GO:"), (every[6], "R-")):
        with open(os.path.join(out, run, "categories.tsv")) as f:
            ids = [x["GO/Pathway/Gene Set/Gene ID"] for x in csv.DictReader(f, delimiter="\t")]
        assert ids and all(i.startswith(prefix) for i in ids), (run, ids)
    # each run is the settings of its sections: the defined map files and
    # the last step reached
    with open(os.path.join(out, want[3], "settings.json")) as f:
        s = json.load(f)
    assert s["last_step"] == "category" and s["category"]["type"] == "defined"
    assert s["prefilter"]["method"] == "anova"
    assert s["bmd"]["models"] == ["hill", "power", "linear", "poly2", "poly3", "exp3", "exp5"]
    for f in ("prefilter.tsv", "bmd.tsv", "categories.tsv", "report.html"):
        assert os.path.exists(os.path.join(out, want[3], f)), f

    # the same run by flags: byte-identical files, identical settings
    flags_out = os.path.join(tmp, "flags")
    flags = ["--matrix", os.path.join(tmp, "data", "example data 1.txt"),
             "--prefilter", "anova", "--p-cutoff", "0.05", "--fold-filter", "2",
             "--notel-test", "ttest", "--notel-p", "0.05", "--notel-fc", "1.5",
             "--models", "hill,power,linear,poly2,poly3,exp3,exp5", "--bmr", "1.349",
             "--poly-test", "nested_chi2", "--poly-p", "0.05", "--flag-hill", "true",
             "--hill-k-fraction", "1", "--flagged-hill", "1", "--flagged-hill-fraction", "0.05",
             "--permutations", "1000",
             "--probe-map", os.path.join(tmp, "defined", "probes.txt"),
             "--category-map", os.path.join(tmp, "defined", "categories.txt"),
             "--fit-p-min", "0.1", "--r-squared-min", "0.5", "--bmd-bmdl-max", "none",
             "--bmdu-bmdl-max", "20", "--low-dose-fold", "10"]
    p = subprocess.run([BIN, "analyze", *flags, "--print-settings"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == s
    f2 = subprocess.run([BIN, "analyze", *flags, "--out", flags_out], capture_output=True, text=True)
    assert f2.returncode == 0, f2.stderr
    for f in ("prefilter.tsv", "bmd.tsv", "categories.tsv"):
        with open(os.path.join(out, want[3], f), "rb") as x, \
                open(os.path.join(flags_out, f), "rb") as y:
            assert x.read() == y.read(), f


def test_config2():
    """Everything hangs off the curvefit prefilter (one per data set):
    bmdsConfigs[0] and [1] on each (the second named _BMD_1,
    giveBMDAnalysisUniqueName), then maConfigs[0] and [1] (BMDSMATool names
    them _BMD too: _BMD_2, _BMD_3, skipped); three category sections (GO,
    REACTOME, defined) on those 12 BMD results: all three run on the 6
    fitted ones. So 18 runs; skipped: 6 model averages and the 3 x 6
    category sections on them."""
    tmp = workdir()
    r, out, rows = run_config(tmp, "analyze-config2.json")
    assert r.returncode == 3, r.stderr
    cf = "_curvefitprefilter_foldfilter2.0"
    want = [d + cf + bmd + "_GPL1355" + c + CAT
            for c in ("_GO_universal", "_REACTOME", "_DEFINED-categories")
            for bmd in ("_BMD", "_BMD_1") for d in D]
    assert ran(rows) == want and subdirs(out) == sorted(want)
    chain = [x["chain"] for x in rows if x["status"] == "ran"]
    assert chain[15] == (f"example data 1 > example data 1{cf} > example data 1{cf}_BMD_1 > "
                         f"{want[15]}")
    sk = skipped(rows)
    assert len(sk) == 6 + 18
    names = [s[0] for s in sk]
    ma = [s for s in sk if s[1] == "maConfigs[1]"]
    assert ma[0][0] == "example data 1" + cf + "_BMD_3"
    assert sum(s[1] == "maConfigs[1]" and "model averaging" in s[2] for s in sk) == 3
    assert ("example data 1" + cf + "_BMD_2_GPL1355_DEFINED-categories" + CAT) in names
    for k in range(3):
        assert sum(s[1] == f"categoryAnalysisConfigs[{k}]" and "is not run" in s[2]
                   for s in sk) == 6
    with open(os.path.join(out, want[0], "settings.json")) as f:
        s = json.load(f)
    assert s["prefilter"]["method"] == "curvefit" and s["last_step"] == "category"
    assert s["category"]["type"] == "go"


def test_config3():
    """Named links: anova on expression1 -> expression1_anova ->
    bmdsConfigs[0] (inputCategory anova, inputName expression1_anova) ->
    its GO, pathway and defined category sections run. williams on
    expression2 is named expression2_anova but is a williams result, so
    bmdsConfigs[1] (inputCategory anova, inputName expression2_anova)
    matches nothing, as in BMDExpress, and the williams result is a run of
    its own; the category sections on expression2_anova_bmds match
    nothing; the curvefit prefilter expression2_curvefit runs, and as only
    the (skipped) model averages take it, it is a run of its own."""
    tmp = workdir()
    r, out, rows = run_config(tmp, "analyze-config3.json",
                              files=["example data 1.txt", "example data 2.txt"])
    assert r.returncode == 3, r.stderr
    # "expresson1": the config's own spelling of the GO outputName
    assert ran(rows) == ["expression2_anova", "expression2_curvefit",
                         "expresson1_anova_bmds_GOuniversal", "expression1_anova_bmds_REACTOME",
                         "expression1_anova_bmds_DEFINED"]
    assert subdirs(out) == ["expression1_anova_bmds_DEFINED", "expression1_anova_bmds_REACTOME",
                            "expression2_anova", "expression2_curvefit",
                            "expresson1_anova_bmds_GOuniversal"]
    chain = [x["chain"] for x in rows if x["status"] == "ran"]
    assert chain[3] == ("expression1 > expression1_anova > expression1_anova_bmds > "
                        "expression1_anova_bmds_REACTOME")
    sk = skipped(rows)
    assert ("", "bmdsConfigs[1]",
            "matches no result (inputCategory anova, inputName expression2_anova)") in sk
    assert sum("matches no result (inputName expression2_anova_bmds)" in s[2] for s in sk) == 3
    for k, name in ((6, "GOuniversal"), (7, "REACTOME"), (8, "DEFINED")):
        assert (f"expression2_cf_ma_laplace_{name}", f"categoryAnalysisConfigs[{k}]",
                "its input expression2_curvefit_ma_laplace is not run") in sk
    # 1 BMD section and 3 category sections matching nothing, 2 model
    # averages and the 6 category sections on them
    assert len(sk) == 12
    with open(os.path.join(out, "expression2_anova", "settings.json")) as f:
        s = json.load(f)
    assert s["last_step"] == "prefilter" and s["prefilter"]["method"] == "williams"
    assert s["prefilter"]["notel_test"] == "dunnett"  # lotelTest 1


def read_tsv(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_dtt():
    """williams (10000 permutations) on each data set, and the curvefit
    prefilter with "inputCategory": "williams" on each Williams result
    (AnalyzeRunner.doPrefilter), fitting only the probes that passed it and
    named after the data set (PrefilterService.curveFitPrefilterAnalysis):
    3 runs data set > williams > curvefit, the williams step in the run's
    input/ directory. Only the model averaging (skipped) takes the curvefit
    results, so both category sections (GO, with its files named; gene,
    whose step-function filter now runs) are skipped for their input:
    9 skips."""
    tmp = workdir()
    r, out, rows = run_config(tmp, "analyze-DTT.json")
    assert r.returncode == 3, r.stderr
    want = [d + "_curvefitprefilter_nofoldfilter" for d in D]
    assert ran(rows) == want and subdirs(out) == sorted(want)
    chains = [x["chain"] for x in rows if x["status"] == "ran"]
    assert chains == [f"{d} > {d}_williams_0.05_NOMTC_nofoldfilter > {d}_curvefitprefilter_nofoldfilter"
                      for d in D]
    for w in want:
        with open(os.path.join(out, w, "input", "settings.json")) as f:
            s_in = json.load(f)
        with open(os.path.join(out, w, "settings.json")) as f:
            s_run = json.load(f)
        assert s_in["prefilter"]["method"] == "williams" and s_in["last_step"] == "prefilter"
        assert s_in["prefilter"]["permutations"] == 10000
        assert s_run["prefilter"]["method"] == "curvefit" and s_run["last_step"] == "prefilter"
        # the curve fit tests exactly the probes Williams passed, in order
        will = read_tsv(os.path.join(out, w, "input", "prefilter.tsv"))
        assert len(will) == PROBES
        passed = [x["Probe ID"] for x in will if x["Passed"] == "true"]
        cf = read_tsv(os.path.join(out, w, "prefilter.tsv"))
        assert 0 < len(passed) < PROBES and [x["Probe ID"] for x in cf] == passed
    sk = skipped(rows)
    assert len(sk) == 9
    assert sum(s[1] == "maConfigs[0]" and "model averaging" in s[2] for s in sk) == 3
    go = [s for s in sk if s[1] == "categoryAnalysisConfigs[0]"]
    assert [s[0] for s in go] == [d + "_curvefitprefilter_nofoldfilter_BMD_S1500_Plus_Rat"
                                  "_GO_biological_process_true_ratio10_conf0.5" for d in D]
    assert all(s[2] == f"its input {d}_curvefitprefilter_nofoldfilter_BMD is not run"
               for s, d in zip(go, D))
    gene = [s for s in sk if s[1] == "categoryAnalysisConfigs[1]"]
    assert [s[0] for s in gene] == [d + "_curvefitprefilter_nofoldfilter_BMD_S1500_Plus_Rat"
                                    "_true_ratio10_conf0.5" for d in D]
    assert all(s[2] == f"its input {d}_curvefitprefilter_nofoldfilter_BMD is not run"
               for s, d in zip(gene, D))


def test_chained_curvefit_feeds_bmd():
    """A curve fit on the Williams results feeding a BMDS section
    (inputCategory curvefit_prefilter): the BMD step fits exactly the
    probes the curve fit passed, which are among those Williams passed; a
    curve fit whose inputCategory names no result made before it (anova
    here) matches nothing; --print-settings shows the input prefilter's
    settings."""
    tmp = workdir()
    models = [{"@type": "hill"}, {"@type": "power"}, {"@type": "poly", "degree": 1}]
    cfg = {"basePath": tmp,
           "expressionDataConfigs": [{"inputFileName": "data/example data 1.txt",
                                      "platform": "S1500_Plus_Rat"}],
           "preFilterConfigs": [
               {"@type": "williams", "pValueCutoff": 0.05, "useFoldChange": False,
                "numberOfPermutations": 200, "lotelTest": 2},
               {"@type": "curvefit", "inputCategory": "williams", "useFoldChange": False,
                "lotelTest": 2, "modelConfigs": models},
               {"@type": "curvefit", "inputCategory": "anova", "useFoldChange": False,
                "lotelTest": 2, "modelConfigs": models}],
           "bmdsConfigs": [{"inputCategory": "curvefit_prefilter", "modelConfigs": models}]}
    path = os.path.join(tmp, "chain.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    out = os.path.join(tmp, "out")
    r = subprocess.run([BIN, "analyze", "--config", path, "--out", out],
                       capture_output=True, text=True)
    assert r.returncode == 3, r.stderr
    with open(os.path.join(out, "summary.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    name = "example data 1_curvefitprefilter_nofoldfilter_BMD"
    assert ran(rows) == [name]
    assert skipped(rows) == [("", "preFilterConfigs[2]", "matches no result (inputCategory anova)")]
    run = os.path.join(out, name)
    will = read_tsv(os.path.join(run, "input", "prefilter.tsv"))
    cf = read_tsv(os.path.join(run, "prefilter.tsv"))
    w_passed = [x["Probe ID"] for x in will if x["Passed"] == "true"]
    cf_passed = [x["Probe ID"] for x in cf if x["Passed"] == "true"]
    assert [x["Probe ID"] for x in cf] == w_passed and 0 < len(cf_passed) <= len(w_passed)
    bmd = read_tsv(os.path.join(run, "bmd.tsv"))
    assert [x["Probe ID"] for x in bmd] == cf_passed
    p = subprocess.run([BIN, "analyze", "--config", path, "--print-settings"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    line = json.loads(p.stdout.splitlines()[0])
    assert line["input_settings"]["prefilter"]["method"] == "williams"
    assert line["input_settings"]["prefilter"]["permutations"] == 200
    assert line["settings"]["prefilter"]["method"] == "curvefit"
    assert line["settings"]["category"]["type"] == "none"  # as a flags run without maps


def test_etap():
    """williams with fold change 1.5 -> bmdsConfigs[0] on each; its only
    category section, GO biological_process with identifyConflictingProbeSets,
    runs on each: 3 runs, nothing skipped (bm2FileName and
    jsonExportFileName are named as not written)."""
    tmp = workdir()
    r, out, rows = run_config(tmp, "analyze-ETAP.json")
    assert r.returncode == 0, r.stderr
    bmd = [d + "_williams_0.05_NOMTC_foldfilter1.5_BMD" for d in D]
    want = [w + "_S1500_Plus_Human_GO_biological_process_true_true_pval0.1_ratio20_conf0.5"
            for w in bmd]
    assert ran(rows) == want and subdirs(out) == sorted(want)
    assert skipped(rows) == []
    with open(os.path.join(out, want[0], "settings.json")) as f:
        s = json.load(f)
    assert s["category"]["type"] == "go"
    assert s["category"]["go"]["aspect"] == "biological_process"
    assert s["category"]["filters"]["conflicting_probe_r"] == 0.5
    for f in ("bmd.tsv", "categories.tsv", "report.html"):
        assert os.path.exists(os.path.join(out, want[0], f)), f


def test_print_settings_one_line_per_run():
    tmp = workdir()
    cmd = [BIN, "analyze", "--config", copy_config(tmp, "analyze-config1.json"),
           "--print-settings"]
    r = subprocess.run(cmd + ["--probe-map", os.path.join(tmp, "defined", "probes.txt")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 21  # as test_config1: 3 curvefit runs, 6 GO, 6 pathway, 6 defined
    assert lines[0]["matrix"].endswith("data/example data 1.txt")
    assert lines[0]["settings"]["prefilter"]["method"] == "curvefit"
    assert lines[6]["settings"]["prefilter"]["method"] == "anova"
    assert [x["settings"]["category"]["type"] for x in lines[3::6]] == ["go", "pathway", "defined"]
    # the go and pathway sections name no probe map: without --probe-map
    # the config is refused, naming the section and both ways to give one
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2
    assert ("categoryAnalysisConfigs[0]: GO category analysis needs a probe map: name it with "
            "\"probeFilePath\" in the section or give --probe-map beside the config") in r.stderr


def test_bad_expression_paths():
    tmp = workdir()
    os.makedirs(os.path.join(tmp, "empty"))
    with open(os.path.join(tmp, "notes"), "w") as f:
        f.write("not an expression matrix\n")
    os.makedirs(os.path.join(tmp, "mixed"))
    shutil.copy(os.path.join(tmp, "data", "example data 1.txt"), os.path.join(tmp, "mixed"))
    with open(os.path.join(tmp, "mixed", "readme.md"), "w") as f:
        f.write("# notes\n")
    cases = [
        ({"inputFileName": os.path.join(tmp, "missing")}, "No such file or directory"),
        ({"inputFileName": os.path.join(tmp, "empty")}, "holds no expression files"),
        ({"inputFileName": os.path.join(tmp, "mixed")}, "readme.md"),
    ]
    path = os.path.join(tmp, "bad.json")
    for expr, needle in cases:
        with open(path, "w") as f:
            json.dump({"expressionDataConfigs": [expr],
                       "preFilterConfigs": [{"@type": "anova"}]}, f)
        r = subprocess.run([BIN, "analyze", "--config", path, "--out", os.path.join(tmp, "o")],
                           capture_output=True, text=True)
        assert r.returncode == 2, (expr, r.stderr)
        assert "expressionDataConfigs[0].inputFileName" in r.stderr and needle in r.stderr, \
            r.stderr
    # an unknown @type names its section
    with open(path, "w") as f:
        json.dump({"expressionDataConfigs": [{"inputFileName": os.path.join(tmp, "data")}],
                   "preFilterConfigs": [{"@type": "anova"}, {"@type": "ttest"}]}, f)
    r = subprocess.run([BIN, "analyze", "--config", path, "--out", os.path.join(tmp, "o")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "preFilterConfigs[1].@type" in r.stderr, r.stderr
    # a BMDS section without its inputCategory (BMDExpress has no default)
    with open(path, "w") as f:
        json.dump({"expressionDataConfigs": [{"inputFileName": os.path.join(tmp, "data")}],
                   "bmdsConfigs": [{"modelConfigs": [{"@type": "hill"}]}]}, f)
    r = subprocess.run([BIN, "analyze", "--config", path, "--out", os.path.join(tmp, "o")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "bmdsConfigs[0].inputCategory: missing" in r.stderr, r.stderr
