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

from test_pipeline import BIN, DATA, dep  # noqa: F401  (the deployment fixture)

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
