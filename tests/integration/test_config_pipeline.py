"""The five bundled BMDExpress 3 analyze configs through the pipeline
(`bmdstream-import --config`) on the real stack, against `bmdstream analyze
--config` on the same files.

Each config is the copy tests/reference/test_analyze_config_plan.py makes:
its expression paths pointed at a directory holding `example data 1..3.txt`
cut to their first PROBES probes, its defined, GO and pathway sections at
the small files of tests/data (GO and Reactome), the S1500+ probe map given
beside the config. For each config:

  * `analyze --config --print-settings` lists the runs, `analyze --config
    --out` writes one directory per run;
  * `bmdstream-import --config` publishes one job per run, in that order,
    each carrying its run's settings, with the same exit status (3 when a
    section is named as not run, 0 otherwise);
  * every job ends COMPLETED, with a result of each step up to its run's
    last step (job_results), and every file it exported (prefilter.tsv,
    bmd.tsv, categories.tsv) is byte-identical to the offline run's (a run
    whose category type is none writes no categories.tsv, there as here);
  * a run whose curve fit takes another prefilter's result (analyze-DTT:
    inputCategory williams) carries that prefilter's settings as the job's
    input_parameters, and the input prefilter's table (input/prefilter.tsv
    under the prefilter result's prefix) is byte-identical to the offline
    run's OUT/<run>/input/prefilter.tsv.
"""
import json
import os
import subprocess
import sys

import pytest

from test_pipeline import BIN, dep, s3  # noqa: F401  (the deployment fixture)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
import test_analyze_config_plan as plan  # noqa: E402

plan.PROBES = 30  # the ASan build fits every run twice (offline and pipeline)
CONFIGS = ["analyze-config1.json", "analyze-config2.json", "analyze-config3.json",
           "analyze-DTT.json", "analyze-ETAP.json"]
# config3 names two expression files, one per expressionDataConfigs entry
FILES = {"analyze-config3.json": ["example data 1.txt", "example data 2.txt"]}
STEPS = ["prefilter", "bmd", "category"]
EXPORTS = {"prefilter": "prefilter.tsv", "bmd": "bmd.tsv", "category": "categories.tsv"}


def probe_map(tmp):
    """BMDExpress's GO and pathway sections name no probe map (it uses the
    chip's): the S1500+ map is given beside the config, offline and to the
    import alike."""
    return ["--probe-map", os.path.join(tmp, "defined", "probes.txt")]


def offline(tmp, path):
    printed = subprocess.run([plan.BIN, "analyze", "--config", path, "--print-settings",
                              *probe_map(tmp)], capture_output=True, text=True)
    assert printed.returncode == 0, printed.stderr
    runs = [json.loads(x) for x in printed.stdout.splitlines()]
    out = os.path.join(tmp, "offline")
    r = subprocess.run([plan.BIN, "analyze", "--config", path, "--out", out, *probe_map(tmp)],
                       capture_output=True, text=True)
    assert r.returncode in (0, 3), r.stderr
    return runs, out, r.returncode


def exported(d, job, step, local, name=None):
    """The job's export of the step (name: another file under its prefix),
    fetched from S3 into local."""
    prefix = d.sql(f"SELECT export_prefix FROM job_results WHERE job_id = '{job}'"
                   f" AND stage = '{step}'")
    if step == "category":  # the category step's files are under its result's key
        prefix = d.sql("SELECT c.results_s3_key FROM category_results c JOIN job_results j"
                       f" ON c.id = j.result_id WHERE j.job_id = '{job}' AND j.stage = '{step}'")
    assert prefix, (job, step)
    code = s3(d.env, "GET", f"/{d.bucket}/{prefix}/{name or EXPORTS[step]}", local)
    assert code in ("200", "404"), (prefix, code)
    if code == "404":
        return None
    with open(local, "rb") as f:
        return f.read()


def offline_file(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


@pytest.mark.parametrize("name", CONFIGS)
def test_config_through_the_pipeline(dep, tmp_path, name):
    d = dep
    tmp = plan.workdir()
    path = plan.copy_config(tmp, name, FILES.get(name))
    runs, out, status = offline(tmp, path)
    assert runs, name

    imp = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--config", path, *probe_map(tmp))
    assert imp.returncode == status, imp.stderr
    jobs = imp.stdout.split()
    assert len(jobs) == len(runs), (imp.stdout, imp.stderr)
    # "job ID: data set > ... > run name" on stderr, one line per job
    named = {}
    for line in imp.stderr.splitlines():
        if line.startswith("job ") and ": " in line:
            job, chain = line[4:].split(": ", 1)
            named[chain.split(" > ")[-1]] = job
    assert sorted(named.values()) == sorted(jobs), imp.stderr
    done = d.wait_jobs(jobs, timeout=900)
    files = 0
    for run in runs:
        job = named[run["name"]]
        assert done[job][0] == "COMPLETED", (run["name"], done[job])
        carried = json.loads(d.sql(f"SELECT parameters FROM jobs WHERE id = '{job}'"))
        assert carried["parameters"] == run["settings"], run["name"]
        assert carried.get("input_parameters") == run.get("input_settings"), run["name"]
        if "input_settings" in run:  # the input prefilter's table, as analyze writes it
            mine = exported(d, job, "prefilter", str(tmp_path / f"{job}-input.tsv"),
                            "input/prefilter.tsv")
            theirs = offline_file(os.path.join(out, run["name"], "input", "prefilter.tsv"))
            assert mine is not None and mine == theirs, run["name"]
        last = STEPS.index(run["settings"]["last_step"])
        stages = d.sql(f"SELECT stage FROM job_results WHERE job_id = '{job}'").split()
        assert sorted(stages) == sorted(STEPS[:last + 1]), (run["name"], stages)
        for step in STEPS[:last + 1]:
            mine = exported(d, job, step, str(tmp_path / f"{job}-{EXPORTS[step]}"))
            theirs = offline_file(os.path.join(out, run["name"], EXPORTS[step]))
            assert mine == theirs, (run["name"], EXPORTS[step])  # both absent: category none
            files += mine is not None
    assert files >= len(runs), files  # every run exported at least its last step's table
