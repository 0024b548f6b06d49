"""
test_go_categories.py - GO categories (`--category-type go`, docs/categories.md
"GO categories") end to end on BMDExpress's "example data 1.txt" with the
S1500+ probe map, against an independent propagation written here in plain
Python over the same files:

    tests/data/go/small.obo        the hand-made ontology of tests/unit/test_go.c
    tests/data/go/e2e/gene2go      79 rows over 60 Entrez genes of the example
                                   data (+ a NOT row, 5 mouse rows, an obsolete
                                   term, an unknown term, an off-platform gene)
    tests/data/go/e2e/annotations.gaf  the same rows as GAF 2.2 (DB NCBIGene)

For every category written, the test checks the term name, "All Genes
(Platform)" (the term's propagated genes among the platform genes: genes of
the probe map's non-promiscuous probes), "Input Genes" (those mapped by a
probe of bmd.tsv) and that the genes that passed are among the term's genes;
and that exactly the terms with an input gene are written. The GAF gives the
same categories.tsv bytes as gene2go.
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
OBO = os.path.join(DATA, "go", "small.obo")
GENE2GO = os.path.join(DATA, "go", "e2e", "gene2go")
GAF = os.path.join(DATA, "go", "e2e", "annotations.gaf")
ASPECTS = {"biological_process", "molecular_function", "cellular_component"}


# ---- the independent propagation ---------------------------------------------

def read_obo(path):
    """{id: {name, namespace, parents, obsolete}} and {alt_id: id}."""
    terms, alt, cur = {}, {}, None
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            cur = {"parents": [], "obsolete": False} if line == "[Term]" else None
            continue
        if cur is None or ":" not in line or line.startswith("!"):
            continue
        tag, value = line.split(":", 1)
        value = value.strip()
        if tag == "id":
            terms[value] = cur
        elif tag in ("name", "namespace"):
            cur[tag] = value
        elif tag == "alt_id":
            alt[value.split()[0]] = next(k for k, v in terms.items() if v is cur)
        elif tag == "is_a":
            cur["parents"].append(value.split()[0])
        elif tag == "relationship" and value.split()[0] == "part_of":
            cur["parents"].append(value.split()[1])
        elif tag == "is_obsolete":
            cur["obsolete"] = value == "true"
    return terms, alt


def read_gene2go(path, exclude=(), taxon=None):
    """[(gene, term)] of the rows that count: no NOT, evidence kept, taxon."""
    rows = []
    for r in csv.reader(open(path), delimiter="\t"):
        if r[0].startswith("#"):
            continue
        if "NOT" in r[4].split() or r[3] in exclude or (taxon and r[0] != taxon):
            continue
        rows.append((r[1], r[2]))
    return rows


def propagate(terms, alt, rows, aspect):
    members = {}
    for gene, go in rows:
        go = alt.get(go, go)
        if go not in terms or terms[go]["obsolete"]:
            continue
        todo, seen = [go], set()
        while todo:
            t = todo.pop()
            if t in seen:
                continue
            seen.add(t)
            todo.extend(terms[t]["parents"])
        for t in seen:
            if aspect == "universal" or terms[t]["namespace"] == aspect:
                members.setdefault(t, set()).add(gene)
    return members


def platform_genes():
    genes = {}
    for r in list(csv.reader(open(PROBE_MAP), delimiter="\t"))[1:]:
        genes.setdefault(r[0].strip(), set()).update(
            g.strip() for g in r[1].split(";") if g.strip())
    return {p: next(iter(g)) for p, g in genes.items() if len(g) == 1}  # promiscuous removed


# ---- the runs ----------------------------------------------------------------

def run(*args):
    res = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    return res


@pytest.fixture(scope="module")
def analyzed():
    out = os.path.join(tempfile.mkdtemp(prefix="bs_go_"), "a")
    run("analyze", "--matrix", EXPR, "--out", out, "--models", "hill,power,linear",
        "--p-cutoff", "0.001", "--threads", "2", "--curve-plots", "0", "--probe-map", PROBE_MAP,
        "--category-type", "go", "--go-obo", OBO, "--go-annotations", GENE2GO)
    return out


def categories(out, annotations, *extra):
    bmd = os.path.join(os.path.dirname(out), "a", "bmd.tsv")  # analyzed's
    run("categories", "--bmd-tsv", bmd, "--expression", EXPR,
        "--probe-map", PROBE_MAP, "--out", out, "--curve-plots", "0", "--category-type", "go",
        "--go-obo", OBO, "--go-annotations", annotations, *extra)
    return read_tsv(os.path.join(out, "categories.tsv"))


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def check(rows, bmd_dir, aspect, exclude=(), taxon=None):
    terms, alt = read_obo(OBO)
    members = propagate(terms, alt, read_gene2go(GENE2GO, exclude, taxon), aspect)
    probe_gene = platform_genes()
    platform = set(probe_gene.values())
    bmd_probes = [r["Probe ID"] for r in read_tsv(os.path.join(bmd_dir, "bmd.tsv"))]
    inputs = {probe_gene[p] for p in bmd_probes if p in probe_gene}
    expected = {t for t, g in members.items() if g & inputs}
    assert expected, "the test data must give categories"
    got = {r["GO/Pathway/Gene Set/Gene ID"]: r for r in rows}
    assert set(got) == expected
    for t, r in got.items():
        assert r["GO/Pathway/Gene Set/Gene Name"] == terms[t]["name"]
        assert int(r["All Genes (Platform)"]) == len(members[t] & platform), t
        assert int(r["Input Genes"]) == len(members[t] & inputs), t
        passed = {g for g in r["Entrez Gene IDs"].replace(",", ";").split(";") if g}
        assert len(passed) == int(r["Genes That Passed All Filters"])
        assert passed <= members[t], t
    return got


def test_analyze_gene2go(analyzed):
    got = check(read_tsv(os.path.join(analyzed, "categories.tsv")), analyzed,
                "biological_process")
    # the root holds every annotated BP gene: 55 genes, less the NOT-only ones (none)
    assert int(got["GO:0000001"]["All Genes (Platform)"]) == 55
    assert os.path.exists(os.path.join(analyzed, "report.html"))


def test_gaf_equals_gene2go(analyzed):
    base = os.path.dirname(analyzed)
    a = os.path.join(base, "g2g")
    b = os.path.join(base, "gaf")
    categories(a, GENE2GO)
    categories(b, GAF)
    assert open(os.path.join(a, "categories.tsv"), "rb").read() == \
        open(os.path.join(b, "categories.tsv"), "rb").read()


@pytest.mark.parametrize("aspect", ["molecular_function", "cellular_component", "universal"])
def test_aspects_evidence_taxon(analyzed, aspect):
    out = os.path.join(os.path.dirname(analyzed), "u_" + aspect)
    rows = categories(out, GENE2GO, "--go-aspect", aspect, "--go-exclude-evidence", "IEA,ND",
                      "--go-taxon", "9606")
    check(rows, analyzed, aspect, exclude=("IEA", "ND"), taxon="9606")


def test_missing_files_refused():
    res = subprocess.run([BIN, "analyze", "--matrix", EXPR, "--out", tempfile.mkdtemp(),
                          "--probe-map", PROBE_MAP, "--category-type", "go", "--go-obo", OBO],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "category.go.annotations" in res.stderr and "--go-annotations" in res.stderr


def test_set_size_filters(analyzed):
    """--min-genes / --max-genes bound "All Genes (Platform)" as for the other
    types: of the BP sizes 55, 35, 30, 15, 10 only 30 and 35 are in [16, 40]."""
    out = os.path.join(os.path.dirname(analyzed), "sizes")
    rows = categories(out, GENE2GO, "--min-genes", "16", "--max-genes", "40")
    assert sorted(int(r["All Genes (Platform)"]) for r in rows) == [30, 35]
    assert {r["GO/Pathway/Gene Set/Gene ID"] for r in rows} == {"GO:0000002", "GO:0000003"}
