"""
test_pathway_categories.py - Reactome pathway categories (`--category-type
pathway`, docs/categories.md "Pathway categories") end to end on
BMDExpress's "example data 1.txt" with the S1500+ probe map, against an
independent reading of the same Reactome file written here in plain Python:

    tests/data/reactome/e2e/NCBI2Reactome.txt  153 rows in Reactome's
        NCBI2Reactome.txt layout (gene, pathway stable id, URL, name,
        evidence, species) over 95 Entrez genes of the example data: 7 human
        pathways, 4 pairs repeated under a second evidence code, 5 mouse
        rows naming platform genes (R-MMU-1640170), a gene off the platform.

For every category written, the test checks the pathway name, "All Genes
(Platform)" (the pathway's genes among the platform genes: genes of the
probe map's non-promiscuous probes), "Input Genes" (those mapped by a probe
of bmd.tsv), that the genes that passed are among the pathway's genes, and
that exactly the pathways with an input gene are written; with and without
the species filter.
"""
import csv
import os
import subprocess
import tempfile

import pytest

BIN = os.path.join(os.environ.get("BS_BIN_DIR", "build/bin"), "bmdstream")
DATA = os.environ.get("BS_TEST_DATA", "tests/data")
EXPR = os.path.join(DATA, "bmdexpress", "example data 1.txt")
PROBE_MAP = os.path.join(DATA, "bmdexpress", "Probe Map File_Human_S1500+ Probe to Entrez Gene.txt")
REACTOME = os.path.join(DATA, "reactome", "e2e", "NCBI2Reactome.txt")


def read_reactome(path, species=None):
    """{pathway id: (name, {genes})} of the rows of the species (any: None)."""
    pathways = {}
    with open(path) as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if len(r) != 6 or (species and r[5] != species):
                continue
            name, genes = pathways.setdefault(r[1], (r[3], set()))
            genes.add(r[0])
    return pathways


def platform_genes():
    genes = {}
    for r in list(csv.reader(open(PROBE_MAP), delimiter="\t"))[1:]:
        genes.setdefault(r[0].strip(), set()).update(
            g.strip() for g in r[1].split(";") if g.strip())
    return {p: next(iter(g)) for p, g in genes.items() if len(g) == 1}  # promiscuous removed


def run(*args):
    res = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    return res


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def analyzed():
    out = os.path.join(tempfile.mkdtemp(prefix="bs_reactome_"), "a")
    run("analyze", "--matrix", EXPR, "--out", out, "--models", "hill,power,linear",
        "--p-cutoff", "0.001", "--threads", "2", "--curve-plots", "0", "--probe-map", PROBE_MAP,
        "--category-type", "pathway", "--pathway-annotations", REACTOME)
    return out


def check(rows, bmd_dir, species=None):
    pathways = read_reactome(REACTOME, species)
    probe_gene = platform_genes()
    platform = set(probe_gene.values())
    bmd_probes = [r["Probe ID"] for r in read_tsv(os.path.join(bmd_dir, "bmd.tsv"))]
    inputs = {probe_gene[p] for p in bmd_probes if p in probe_gene}
    expected = {p for p, (_, g) in pathways.items() if g & inputs}
    assert len(expected) >= 5, "the test data must give categories"
    got = {r["GO/Pathway/Gene Set/Gene ID"]: r for r in rows}
    assert set(got) == expected
    for p, r in got.items():
        name, genes = pathways[p]
        assert r["GO/Pathway/Gene Set/Gene Name"] == name
        assert int(r["All Genes (Platform)"]) == len(genes & platform), p
        assert int(r["Input Genes"]) == len(genes & inputs), p
        passed = {g for g in r["Entrez Gene IDs"].replace(",", ";").split(";") if g}
        assert len(passed) == int(r["Genes That Passed All Filters"])
        assert passed <= genes, p
    return got


def test_analyze_any_species(analyzed):
    got = check(read_tsv(os.path.join(analyzed, "categories.tsv")), analyzed)
    # Cell Cycle: 25 platform genes; the off-platform gene and the 4 rows
    # repeated under IEA add none
    assert int(got["R-HSA-1640170"]["All Genes (Platform)"]) == 25
    assert "R-HSA-9999999" not in got  # its only gene is off the platform
    assert os.path.exists(os.path.join(analyzed, "report.html"))


def test_categories_species(analyzed):
    out = os.path.join(os.path.dirname(analyzed), "human")
    bmd = os.path.join(analyzed, "bmd.tsv")
    run("categories", "--bmd-tsv", bmd, "--expression", EXPR, "--probe-map", PROBE_MAP,
        "--out", out, "--curve-plots", "0", "--category-type", "pathway",
        "--pathway-annotations", REACTOME, "--pathway-species", "Homo sapiens")
    got = check(read_tsv(os.path.join(out, "categories.tsv")), analyzed, "Homo sapiens")
    assert not any(p.startswith("R-MMU-") for p in got)


def test_refused():
    tmp = tempfile.mkdtemp()
    base = ["analyze", "--matrix", EXPR, "--out", os.path.join(tmp, "o"), "--probe-map",
            PROBE_MAP, "--category-type", "pathway"]
    res = subprocess.run([BIN, *base], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "category.pathway.annotations" in res.stderr and "--pathway-annotations" in res.stderr
    bad = os.path.join(tmp, "bad.txt")
    with open(bad, "w") as f:
        f.write("16\tR-HSA-1\turl\tA\tTAS\tHomo sapiens\n16\tR-HSA-2\turl\tB\n")
    res = subprocess.run([BIN, *base, "--pathway-annotations", bad, "--models", "linear",
                          "--p-cutoff", "0.001"], capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    assert f"{bad}:2: expected 6 tab-separated columns" in res.stderr, res.stderr
