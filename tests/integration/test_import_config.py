"""`bmdstream-import --config FILE.json` on the real stack: a BMDExpress 3
analyze config with one expression file (a directory holding it, cut to its
first 40 probes to stay quick) and two prefilters (ANOVA and Williams),
each feeding its own bmdsConfigs section (inputCategory anova / williams),
is one experiment named after the file and two jobs, one per run, each
carrying the settings `bmdstream analyze --config --print-settings` prints
for that run; both jobs complete and each makes its prefilter and BMD
result. Then a curve fit chained on two Williams results (two jobs, each
as `analyze --config` runs it), and GO and pathway sections whose files
travel as objects.
"""
import json
import os
import shutil

from test_pipeline import BIN, DATA, PROBE_MAP, dep, s3  # noqa: F401  (the deployment fixture)

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
    prefilter settings are equal, have two prefilter results; a replay of
    the experiment keeps its chain."""
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
    # `bmdstream replay experiment` re-sends the last job's data: the input
    # prefilter's settings too, so the new job lands on that chain's result
    last = d.sql("SELECT id FROM jobs ORDER BY created_at DESC, id LIMIT 1")
    experiment = d.sql(f"SELECT parameters->>'experiment_id' FROM jobs WHERE id = '{last}'")
    again = d.bm("replay", "experiment", "--project", str(d.project), "--experiment", experiment)
    assert again.returncode == 0, again.stderr
    job = again.stdout.split()[-1]
    assert d.wait_jobs([job])[job][0] == "COMPLETED"
    before, after = (json.loads(d.sql(f"SELECT parameters FROM jobs WHERE id = '{j}'"))
                     for j in (last, job))
    assert after["input_parameters"] == before["input_parameters"]
    assert d.sql(f"SELECT result_id FROM job_results WHERE job_id = '{job}' AND stage = "
                 f"'prefilter'") == d.sql(f"SELECT result_id FROM job_results WHERE job_id = "
                                          f"'{last}' AND stage = 'prefilter'")
    assert d.sql("SELECT count(*) FROM prefilter_results") == "2"


def ontology_config(tmp):
    """One ANOVA prefilter and BMD section, a GO and a pathway category
    section whose files (the small ontology, gene2go and NCBI2Reactome rows
    of tests/data) are copies in tmp/ontology, which the test removes once
    the import has returned: two runs, go and pathway."""
    path = config(tmp)
    with open(path) as f:
        cfg = json.load(f)
    test_data = os.path.dirname(DATA)
    os.makedirs(os.path.join(tmp, "ontology"))
    files = {"goOboFile": os.path.join(test_data, "go", "small.obo"),
             "goAnnotationFile": os.path.join(test_data, "go", "e2e", "gene2go"),
             "pathwayAnnotationFile": os.path.join(test_data, "reactome", "e2e",
                                                   "NCBI2Reactome.txt")}
    for k, src in files.items():
        files[k] = os.path.join(tmp, "ontology", k)
        shutil.copy(src, files[k])
    cfg["preFilterConfigs"] = cfg["preFilterConfigs"][:1]
    cfg["bmdsConfigs"] = cfg["bmdsConfigs"][:1]
    cfg["categoryAnalysisConfigs"] = [
        {"@type": "go", "goCategory": "universal", "goOboFile": files["goOboFile"],
         "goAnnotationFile": files["goAnnotationFile"]},
        {"@type": "pathway", "signalingPathway": "REACTOME",
         "pathwayAnnotationFile": files["pathwayAnnotationFile"]}]
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path, files


def test_config_go_and_pathway_files_travel_as_objects(dep, tmp_path):
    """The GO and Reactome files a config names are uploaded next to the
    experiment (data.annotation.go_obo_key, go_annotations_key,
    pathway_annotations_key, each under the project's prefix, each object
    the file's bytes) and the category stage reads those copies: with the
    local files removed as soon as the import has returned, both jobs
    complete and their categories.tsv is byte-identical to `analyze
    --config`'s on the files."""
    d = dep
    tmp = str(tmp_path)
    path, files = ontology_config(tmp)
    probe_map = ["--probe-map", PROBE_MAP]
    printed = d.bm("analyze", "--config", path, "--print-settings", *probe_map)
    assert printed.returncode == 0, printed.stderr
    runs = [json.loads(x) for x in printed.stdout.splitlines()]
    assert [r["settings"]["category"]["type"] for r in runs] == ["go", "pathway"]
    out = os.path.join(tmp, "offline")
    offline = d.bm("analyze", "--config", path, "--out", out, *probe_map)
    assert offline.returncode == 0, offline.stderr
    original = {}
    for k, p in files.items():
        with open(p, "rb") as f:
            original[k] = f.read()

    imp = d.run(os.path.join(BIN, "bmdstream-import"), "--user", "ana", "--project",
                str(d.project), "--config", path, *probe_map)
    shutil.rmtree(os.path.join(tmp, "ontology"))  # the consumers must not need them
    assert imp.returncode == 0, imp.stderr
    jobs = imp.stdout.split()
    assert len(jobs) == 2, (imp.stdout, imp.stderr)
    done = d.wait_jobs(jobs, timeout=300)
    wanted = {"go": {"go_obo_key": "goOboFile", "go_annotations_key": "goAnnotationFile"},
              "pathway": {"pathway_annotations_key": "pathwayAnnotationFile"}}
    for j, r in zip(jobs, runs):
        assert done[j][0] == "COMPLETED", done[j]
        carried = json.loads(d.sql(f"SELECT parameters FROM jobs WHERE id = '{j}'"))
        assert carried["parameters"] == r["settings"], j
        keys = {k: v for k, v in carried["annotation"].items()
                if k.startswith(("go_", "pathway_"))}
        kind = r["settings"]["category"]["type"]
        assert sorted(keys) == sorted(wanted[kind]), keys
        for field, key in keys.items():
            assert key.startswith(f"projects/{d.project}/experiments/"), key
            local = str(tmp_path / f"{j}-{field}")
            assert s3(d.env, "GET", f"/{d.bucket}/{key}", local) == "200", key
            with open(local, "rb") as f:
                assert f.read() == original[wanted[kind][field]], field
        prefix = d.sql("SELECT c.results_s3_key FROM category_results c JOIN job_results j"
                       f" ON c.id = j.result_id WHERE j.job_id = '{j}' AND j.stage = 'category'")
        local = str(tmp_path / f"{j}-categories.tsv")
        assert s3(d.env, "GET", f"/{d.bucket}/{prefix}/categories.tsv", local) == "200", prefix
        with open(local, "rb") as f, open(os.path.join(out, r["name"], "categories.tsv"),
                                          "rb") as g:
            mine, theirs = f.read(), g.read()
        assert mine == theirs, r["name"]
        assert mine.count(b"\n") > 1, (r["name"], mine)  # some category, not just the header
