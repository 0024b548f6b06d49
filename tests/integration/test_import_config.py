"""`bmdstream-import --config FILE.json` on the real stack: a BMDExpress 3
analyze config with one expression file (a directory holding it, cut to its
first 40 probes to stay quick) and two prefilters (ANOVA and Williams),
each feeding its own bmdsConfigs section (inputCategory anova / williams),
is one experiment named after the file and two jobs, one per run, each
carrying the settings `bmdstream analyze --config --print-settings` prints
for that run; both jobs complete and each makes its prefilter and BMD
result.
"""
import json
import os

from test_pipeline import BIN, DATA, dep, s3  # noqa: F401  (the deployment fixture)

PROBES = 40


def config(tmp):
    os.makedirs(os.path.join(tmp, "data"))
    with open(os.path.join(DATA, "example data 1.txt")) as f:
        lines = f.readlines()[:2 + PROBES]
    with open(os.path.join(tmp, "data", "example data 1.txt"), "w") as f:
        f.writelines(lines)
    models = [{"@type": "hill"}, {"@type": "poly", "degree": 1}, {"@type": "exp", "expModel": 3}]
    cfg = {
        "bm2FileName": "run.bm2",
        "expressionDataConfigs": [{"inputFileName": "data/", "logTransformation": "BASE2"}],
        "preFilterConfigs": [
            {"@type": "anova", "pValueCutoff": 0.05, "useFoldChange": True, "foldChange": 1.5},
            {"@type": "williams", "pValueCutoff": 0.05, "useFoldChange": True,
             "foldChange": 1.5, "numberOfPermutations": 200}],
        "bmdsConfigs": [{"modelConfigs": models, "inputCategory": "anova"},
                        {"modelConfigs": models, "inputCategory": "williams"}],
    }
    path = os.path.join(tmp, "analyze.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def test_config_publishes_one_job_per_run(dep, tmp_path):
    d = dep
    path = config(str(tmp_path))
    printed = d.bm("analyze", "--config", path, "--print-settings")
    assert printed.returncode == 0, printed.stderr
    runs = [json.loads(x) for x in printed.stdout.splitlines()]
    assert [r["name"] for r in runs] == [
        "example data 1_oneway_0.05_NOMTC_foldfilter1.5_BMD",
        "example data 1_williams_0.05_NOMTC_foldfilter1.5_BMD"]

    out = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--config", path)
    assert out.returncode == 0, out.stderr  # nothing skipped: exit 0
    jobs = out.stdout.split()
    assert len(jobs) == 2, out.stdout
    assert "not run: bm2FileName" in out.stderr
    done = d.wait_jobs(jobs, timeout=300)
    for j in jobs:
        assert done[j][0] == "COMPLETED", done[j]
    assert d.sql("SELECT name FROM dose_response_experiments") == "example data 1"
    methods = d.sql("SELECT method FROM prefilter_results ORDER BY id").split()
    assert sorted(methods) == ["anova", "williams"]
    assert d.sql("SELECT count(*) FROM bmd_results") == "2"
    # each job carries its run's settings
    for j, r in zip(jobs, runs):
        carried = json.loads(d.sql(f"SELECT parameters FROM jobs WHERE id = '{j}'"))
        assert carried["parameters"] == r["settings"], j
        assert carried["experiment_id"] == 1


def chained_config(tmp):
    """Two Williams prefilters (p 0.05 and 0.5) and one curve-fit prefilter
    on the Williams results (inputCategory williams, as analyze-DTT.json):
    two runs data set > williams > curve fit, whose curve-fit settings are
    the same and whose input prefilters differ."""
    path = config(tmp)
    with open(path) as f:
        cfg = json.load(f)
    williams = {"@type": "williams", "useFoldChange": False, "numberOfPermutations": 200}
    cfg["preFilterConfigs"] = [
        dict(williams, pValueCutoff=0.05), dict(williams, pValueCutoff=0.5),
        {"@type": "curvefit", "inputCategory": "williams", "pValueCutoff": 0.05,
         "useFoldChange": False, "bmrFactor": 1.581, "constantVariance": True,
         "modelConfigs": [{"@type": "poly", "degree": 1}, {"@type": "exp", "expModel": 3}]}]
    del cfg["bmdsConfigs"]
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def test_config_chained_prefilter_runs_as_analyze(dep, tmp_path):
    """Each chained run is one job carrying its input prefilter's settings
    (input_parameters); the job's prefilter.tsv and input/prefilter.tsv are
    byte-identical to `analyze --config`'s; the two chains, whose own
    prefilter settings are equal, have two prefilter results."""
    d = dep
    path = chained_config(str(tmp_path))
    printed = d.bm("analyze", "--config", path, "--print-settings")
    assert printed.returncode == 0, printed.stderr
    runs = [json.loads(x) for x in printed.stdout.splitlines()]
    assert len(runs) == 2 and all("input_settings" in r for r in runs), printed.stdout
    assert runs[0]["settings"]["prefilter"] == runs[1]["settings"]["prefilter"]
    out = str(tmp_path / "offline")
    offline = d.bm("analyze", "--config", path, "--out", out)
    assert offline.returncode == 0, offline.stderr

    imp = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--config", path)
    assert imp.returncode == 0, imp.stderr
    jobs = imp.stdout.split()
    assert len(jobs) == 2, (imp.stdout, imp.stderr)
    done = d.wait_jobs(jobs, timeout=300)
    results = set()
    for j, r in zip(jobs, runs):
        assert done[j][0] == "COMPLETED", done[j]
        carried = json.loads(d.sql(f"SELECT parameters FROM jobs WHERE id = '{j}'"))
        assert carried["parameters"] == r["settings"], j
        assert carried["input_parameters"] == r["input_settings"], j
        result, prefix = d.sql("SELECT j.result_id || ' ' || p.results_s3_key FROM job_results j"
                               " JOIN prefilter_results p ON p.id = j.result_id"
                               f" WHERE j.job_id = '{j}' AND j.stage = 'prefilter'").split()
        results.add(result)
        for name in ("prefilter.tsv", "input/prefilter.tsv"):
            local = str(tmp_path / f"{j}-{name.replace('/', '-')}")
            assert s3(d.env, "GET", f"/{d.bucket}/{prefix}/{name}", local) == "200", name
            with open(local, "rb") as f, open(os.path.join(out, r["name"], name), "rb") as g:
                assert f.read() == g.read(), (r["name"], name)
    assert len(results) == 2, results
