"""--print-settings: the same flags give the same settings JSON from every
front end, and a BMDExpress config gives the JSON of the flags that say the
same. No services are needed: each front end prints before it connects.

- `bmdstream analyze`, `bmdstream-import` and `bmdstream categories` (for
  the category, tPOD and plot flags it takes) print identical text;
- the text is the settings JSON events carry: it validates against
  schemas/envelope.schema.json ($defs/parameters) and `bmdstream settings
  --check` leaves it unchanged (normalized already);
- `analyze --config FILE.json --print-settings` equals the flags that set
  the same values, and flags given beside --config override it;
- a bad value is refused by every front end alike, naming the flag.
"""
import json
import os
import pathlib
import subprocess
import tempfile

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SRC = pathlib.Path(os.environ.get("BS_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BIN = pathlib.Path(os.environ.get("BS_BIN_DIR", SRC / "build" / "bin"))
DATA = pathlib.Path(os.environ.get("BS_TEST_DATA", SRC / "tests" / "data")) / "bmdexpress"
EXPR = str(DATA / "example data 1.txt")
PROBE_MAP = str(DATA / "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
CAT_MAP = str(DATA / "Category Map File_ MsigDB Hallmark Gene Sets.txt")
ENVELOPE = json.loads((SRC / "schemas" / "envelope.schema.json").read_text())


def run(program, *args, stdin=None):
    cmd = [str(BIN / "bmdstream"), *program.split()[1:]] if program.startswith("bmdstream ") \
        else [str(BIN / program)]
    # no service settings at all: printing must not need them
    env = {k: v for k, v in os.environ.items() if not k.startswith("BMDSTREAM_")}
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True,
                          timeout=60, env=env)


def printed(program, *args):
    r = run(program, "--print-settings", *args)
    assert r.returncode == 0, (program, args, r.stderr)
    return r.stdout


FLAG_SETS = [
    [],
    ["--prefilter", "williams", "--permutations", "1000", "--seed", "7", "--p-cutoff", "0.01",
     "--mtc", "--fold-filter", "1.5", "--keep-controls", "--notel-test", "dunnett", "--notel-p",
     "0.1", "--notel-fc", "1.5"],
    ["--prefilter", "none", "--log", "base10", "--models", "exp5,hill,poly4",
     "--variance", "nonconstant", "--bmr-type", "rel", "--bmr", "0.1",
     "--confidence-level", "0.9", "--poly-fit", "bmdexpress2", "--poly-test", "lowest_aic",
     "--limit-use", "2", "--flagged-hill", "3", "--hill-k-fraction", "0.3333"],
    ["--p-cutoff", "none", "--fold-filter", "0", "--no-bmd"],
    ["--probe-map", PROBE_MAP, "--category-map", CAT_MAP, "--fit-p-min", "none",
     "--r-squared-min", "0.6", "--remove-direction", "down", "--min-genes", "5",
     "--tpod-rank", "20", "--tpod-percentile", "0.05", "--curve-plots", "3",
     "--plot-min-genes", "2", "--keep-promiscuous"],
    ["--probe-map", PROBE_MAP, "--gene-level", "--curve-plots", "0"],
    ["--probe-map", PROBE_MAP, "--gmt", CAT_MAP],
    ["--prefilter", "curvefit", "--curvefit-models", "exp5,linear", "--curvefit-bmr", "2",
     "--curvefit-poly2-bmr", "1.5", "--curvefit-constant-variance", "false"],
]


def validator():
    registry = Registry().with_resource(ENVELOPE["$id"], Resource.from_contents(ENVELOPE))
    return Draft202012Validator({"$ref": ENVELOPE["$id"] + "#/$defs/parameters"},
                                registry=registry)


@pytest.mark.parametrize("flags", FLAG_SETS, ids=lambda f: " ".join(f)[:40] or "defaults")
def test_analyze_and_import_print_the_same(flags):
    a = printed("bmdstream analyze", *flags)
    i = printed("bmdstream-import", *flags)
    assert a == i
    settings = json.loads(a)
    assert list(validator().iter_errors(settings)) == []
    check = run("bmdstream settings", "--check", "-", stdin=a)
    assert check.returncode == 0 and check.stdout == a, check.stderr


def test_what_the_flags_set():
    s = json.loads(printed("bmdstream analyze", *FLAG_SETS[1]))["prefilter"]
    assert s == {"method": "williams", "p_cutoff": 0.01, "mtc": "bh", "fold_filter": 1.5,
                 "filter_controls": False, "notel_test": "dunnett", "notel_p": 0.1,
                 "notel_fc": 1.5,
                 "permutations": 1000, "seed": 7, "log_base": "2",
                 "curvefit": {"models": ["hill", "power", "linear", "poly2", "exp3", "exp5"],
                              "bmr_factor": 1.021, "poly2_bmr_factor": None,
                              "constant_variance": True}}
    s = json.loads(printed("bmdstream analyze", *FLAG_SETS[7]))["prefilter"]
    assert s["curvefit"] == {"models": ["linear", "exp5"], "bmr_factor": 2.0,
                             "poly2_bmr_factor": 1.5, "constant_variance": False}
    assert s["filter_controls"] is False  # BMDExpress's curve fit keeps control probes
    s = json.loads(printed("bmdstream analyze", *FLAG_SETS[2]))
    assert s["prefilter"]["fold_filter"] is None  # off by default without a test
    assert s["bmd"]["models"] == ["hill", "poly4", "exp5"]  # model order
    assert s["category"]["type"] == "none"
    s = json.loads(printed("bmdstream analyze", *FLAG_SETS[3]))
    assert s["last_step"] == "prefilter" and s["prefilter"]["p_cutoff"] is None
    assert json.loads(printed("bmdstream analyze", *FLAG_SETS[4]))["category"]["type"] == "defined"
    assert json.loads(printed("bmdstream analyze", *FLAG_SETS[5]))["category"]["type"] == "gene"
    assert json.loads(printed("bmdstream analyze", *FLAG_SETS[6]))["category"]["type"] == "gmt"


@pytest.mark.parametrize("flags", [FLAG_SETS[4], FLAG_SETS[5], FLAG_SETS[6]],
                         ids=["defined", "gene", "gmt"])
def test_categories_prints_the_same(flags):
    files = ["--bmd-tsv", "unused.tsv", "--out", "unused"]
    assert printed("bmdstream categories", *files, *flags) == printed("bmdstream analyze", *flags)


@pytest.mark.parametrize("flags,needle", [
    (["--p-cutoff", "2"], "--p-cutoff"),
    (["--fold-filter", "0.5"], "--fold-filter"),
    (["--prefilter", "dunnett"], "--prefilter"),
    (["--models", "hill,poly9"], "--models"),
    (["--seed", "-1"], "--seed"),
    (["--category-map", CAT_MAP], "needs a probe map"),
    (["--no-bmd", "--probe-map", PROBE_MAP], "need the BMD and category steps"),
])
def test_refused_alike(flags, needle):
    for program in ("bmdstream analyze", "bmdstream-import"):
        r = run(program, "--print-settings", *flags)
        assert r.returncode == 2 and needle in r.stderr, (program, r.stderr)


def bmdexpress_config(tmp):
    cfg = {
        "expressionDataConfigs": [{"inputFileName": EXPR, "logTransformation": "BASE2"}],
        "preFilterConfigs": [{"@type": "williams", "pValueCutoff": 0.01,
                              "useMultipleTestingCorrection": True,
                              "filterOutControlGenes": False, "useFoldChange": True,
                              "foldChange": 1.5, "foldChangeLotel": 1.5, "pValueLotel": 0.05,
                              "lotelTest": 1, "numberOfPermutations": 500}],
        "bmdsConfigs": [{"modelConfigs": [{"@type": "hill"}, {"@type": "poly", "degree": 2},
                                          {"@type": "exp", "expModel": 5}],
                         "bmdsBestModelSelection": {"bestPolyTest": 2, "pValueCutoff": 0.1,
                                                    "flagHillWithKParameter": True,
                                                    "kParameterValue": 1,
                                                    "bestModelSelectionWithFlaggedHill": 3,
                                                    "bmdlBMDUUse": 2},
                         "bmdsInputConfig": {"constantVariance": False, "bmrFactor": 1.349,
                                             "bmdUBmdLEstimationMethod": 2},
                         "inputCategory": "williams"}],
        "categoryAnalysisConfigs": [
            {"@type": "defined", "probeFilePath": PROBE_MAP, "categoryFilePath": CAT_MAP,
             "removePromiscuousProbes": True, "removeBMDGreaterHighDose": True,
             "bmdPValueCutoff": 0.1, "bmduBMDLRatioMin": 40.0, "bmdRSquaredCutoff": 0.6,
             "removeStepFunction": False, "removeStepFunctionWithBMDLower": True}],
    }
    path = os.path.join(tmp, "analyze.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


# the same values as flags
CONFIG_FLAGS = ["--prefilter", "williams", "--p-cutoff", "0.01", "--mtc", "--keep-controls",
                "--fold-filter", "1.5", "--notel-test", "dunnett", "--notel-fc", "1.5",
                "--permutations", "500",
                "--models", "hill,poly2,exp5", "--poly-test", "lowest_aic", "--poly-p", "0.1",
                "--hill-k-fraction", "1", "--flagged-hill", "3", "--limit-use", "2",
                "--variance", "nonconstant", "--bmr", "1.349", "--limits", "wald",
                "--bmd-bmdl-max", "none", "--r-squared-min", "0.6",
                "--remove-step-function-bmd-lower",
                "--probe-map", PROBE_MAP, "--category-map", CAT_MAP]


def test_config_equals_flags():
    cfg = bmdexpress_config(tempfile.mkdtemp(prefix="print_settings_"))
    # with --config: one line per run, {"name", "matrix", "chain", "settings"}
    lines = printed("bmdstream analyze", "--config", cfg).splitlines()
    assert len(lines) == 1
    by_config = json.loads(lines[0])["settings"]
    assert by_config == json.loads(printed("bmdstream analyze", *CONFIG_FLAGS))
    assert by_config == json.loads(printed("bmdstream-import", *CONFIG_FLAGS))
    # flags beside --config override it, wherever they stand
    over = json.loads(printed("bmdstream analyze", "--bmr", "2", "--config", cfg))["settings"]
    assert over["bmd"]["bmr"] == 2.0 and over["prefilter"]["method"] == "williams"


def test_curvefit_config_equals_flags():
    """A BMDExpress "curvefit" prefilter section: its models (Poly 2 listed
    twice, as analyze-config3.json does, is one model), BMR factors and
    variance; its filterOutControlGenes and pValueCutoff are not BMDExpress's
    curve-fit parameters (AnalyzeRunner passes neither), so controls stay."""
    tmp = tempfile.mkdtemp(prefix="print_settings_")
    cfg = {
        "expressionDataConfigs": [{"inputFileName": EXPR, "logTransformation": "BASE2"}],
        "preFilterConfigs": [{"@type": "curvefit", "pValueCutoff": 0.05,
                              "filterOutControlGenes": True, "useFoldChange": True,
                              "foldChange": 1.5, "foldChangeLotel": 2.0, "pValueLotel": 0.05,
                              "lotelTest": 2, "bmrFactor": 1.581, "poly2BmrFactor": None,
                              "constantVariance": False,
                              "modelConfigs": [{"@type": "hill"}, {"@type": "poly", "degree": 2},
                                               {"@type": "poly", "degree": 2},
                                               {"@type": "exp", "expModel": 3}]}],
    }
    path = os.path.join(tmp, "analyze.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    flags = ["--prefilter", "curvefit", "--fold-filter", "1.5", "--notel-fc", "2",
             "--notel-test", "ttest", "--curvefit-models", "hill,poly2,exp3",
             "--curvefit-bmr", "1.581", "--curvefit-poly2-bmr", "none",
             "--curvefit-constant-variance", "false", "--keep-controls", "--no-bmd",
             "--permutations", "1000"]  # the config parser's numberOfPermutations default
    # with --config: one line per run, {"name", "matrix", "chain", "settings"}
    (line,) = printed("bmdstream analyze", "--config", path).splitlines()
    assert json.loads(line)["settings"] == json.loads(printed("bmdstream analyze", *flags))
    cfg["preFilterConfigs"][0].pop("poly2BmrFactor")  # absent: the config field's 1.021
    with open(path, "w") as f:
        json.dump(cfg, f)
    s = json.loads(printed("bmdstream analyze", "--config", path))["settings"]["prefilter"][
        "curvefit"]
    assert s["poly2_bmr_factor"] == 1.021


def test_import_prints_chained_curvefit_as_analyze():
    """A curve fit on the Williams results (inputCategory) is a run of two
    prefilters: bmdstream-import prints both runs as analyze does, the
    chained one with the Williams settings (input_settings, which its job
    carries as data.input_parameters), and names nothing as not
    published."""
    tmp = tempfile.mkdtemp(prefix="print_settings_")
    models = [{"@type": "hill"}, {"@type": "power"}]
    cfg = {"expressionDataConfigs": [{"inputFileName": EXPR}],
           "preFilterConfigs": [
               {"@type": "williams", "numberOfPermutations": 100},
               {"@type": "curvefit", "inputCategory": "williams", "modelConfigs": models},
               {"@type": "anova"}]}
    path = os.path.join(tmp, "chained.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    r = run("bmdstream-import", "--print-settings", "--config", path)
    assert r.returncode == 0, r.stderr
    assert "not published" not in r.stderr
    lines = [json.loads(x) for x in printed("bmdstream analyze", "--config", path).splitlines()]
    assert [json.loads(x) for x in r.stdout.splitlines()] == lines
    assert [x["name"] for x in lines] == ["example data 1_curvefitprefilter_foldfilter2.0",
                                          "example data 1_oneway_0.05_NOMTC_foldfilter2.0"]
    assert lines[0]["input_settings"]["prefilter"]["method"] == "williams"
    assert lines[0]["input_settings"]["prefilter"]["permutations"] == 100
    assert "input_settings" not in lines[1]
