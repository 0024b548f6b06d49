#!/usr/bin/env python3
"""bm2_extract.py - BMDExpress's own per-probe, per-model BMDS results out of a .bm2.

A .bm2 project is a Java serialization stream (magic AC ED 00 05) of a
com.sciome.bmdexpress2.mvp.model.BMDProject. This tool reads it with a generic
Java-serialization reader from PyPI (javaobj-py3, its v2 parser); no
BMDExpress class is needed or used: objects are walked by their serialized
class and field names only.

It writes, for one BMDS (MLE, "Benchmark Dose Analyses") result of the project:

  bmd_models.tsv  one row per probe x model, in the stored order
  bmd_best.tsv    one row per probe: best model, best poly model, Hill flag,
                  chi-square results (when stored), wAUC
  analysis.json   the analysis notes (settings, versions, timeouts) and the
                  prefilter that fed it (notes + the passed probes)

Numbers: every stored Java double is written as Python repr() of the same
IEEE double (round-trips exactly). Java float (32-bit) values are written as
the shortest decimal that parses back to the same 32-bit float. BMDExpress's
"no value" markers (-9999, NaN, +-Infinity) are written as empty cells; the
`sentinels` column names the field and the marker it held.

Usage (javaobj-py3 in a venv, e.g. /tmp/venv-bm2/bin/pip install javaobj-py3):
  /tmp/venv-bm2/bin/python scripts/bm2_extract.py PROJECT.bm2 --out DIR \
      [--analysis NAME]   (default: the only BMDS-models result)
  /tmp/venv-bm2/bin/python scripts/bm2_extract.py PROJECT.bm2 --list
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys

try:
    import javaobj.v2 as javaobj
    from javaobj.v2.beans import JavaArray, JavaEnum, JavaInstance, JavaString
except ImportError:  # pragma: no cover - tells the user what to install
    sys.exit("bm2_extract: needs the PyPI package javaobj-py3 (pip install javaobj-py3)")

SENTINEL = -9999.0
STAT_PKG = "com.sciome.bmdexpress2.mvp.model.stat."
BMDS_MODEL_CLASSES = {
    STAT_PKG + "HillResult",
    STAT_PKG + "PowerResult",
    STAT_PKG + "PolyResult",
    STAT_PKG + "ExponentialResult",
}


# ---------------------------------------------------------------- generic reading


def cls(obj):
    """Serialized class name of a Java object (or None)."""
    if obj is None:
        return None
    return obj.classdesc.name


def field(obj, name):
    """Value of a serialized field, searched over the object's class chain."""
    for fields in obj.field_data.values():
        for f, value in fields.items():
            if f.name == name:
                return value
    raise KeyError("%s has no serialized field %r" % (cls(obj), name))


def has_field(obj, name):
    return any(f.name == name for fields in obj.field_data.values() for f in fields)


def jstr(value):
    if value is None:
        return None
    if isinstance(value, JavaString):
        return value.value
    raise TypeError("not a java.lang.String: %r" % (value,))


def jlist(value):
    """A java.util.ArrayList (parsed by javaobj into a list) or None."""
    if value is None:
        return None
    return list(value)


def jbox(value):
    """(python value, java class) of a boxed java.lang number, or (None, None)."""
    if value is None:
        return None, None
    return field(value, "value"), cls(value)


# ---------------------------------------------------------------- number text


def f32_text(x):
    """Shortest decimal that parses back to the same 32-bit float."""
    if math.isnan(x) or math.isinf(x):
        return repr(x)
    packed = struct.pack(">f", x)
    for digits in range(1, 18):
        text = "%.*g" % (digits, x)
        if struct.pack(">f", float(text)) == packed:
            return repr(float(text))
    return repr(x)


def sentinel_of(x):
    """The BMDExpress no-value marker a stored double holds, or None."""
    if x is None:
        return None
    if isinstance(x, float):
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
    if x == SENTINEL:
        return "-9999"
    return None


def dbl_cell(x):
    """TSV cell of a stored Java double: repr(), or empty for a marker."""
    if x is None or sentinel_of(x) is not None:
        return ""
    return repr(float(x))


def boxed_json(value):
    """JSON value of a boxed java.lang number (Float: shortest text)."""
    v, c = jbox(value)
    if v is None:
        return None
    if c == "java.lang.Float":
        return None if sentinel_of(v) else float(f32_text(v))
    if c == "java.lang.Double":
        return None if sentinel_of(v) else float(v)
    return int(v)


def json_dbl(x):
    return None if x is None or sentinel_of(x) else float(x)


# ---------------------------------------------------------------- BMDExpress naming

# Parameter names as in BMDExpress's exported table headers
# ("<model> Parameter <name>"), with the indices of curveParameters that
# each header shows (StatResult subclasses' getColumnNames()/getRow()).
EXP_PARAMS = {
    2: (("sign", 0), ("a", 1), ("b", 2)),
    3: (("sign", 0), ("a", 1), ("b", 2), ("d", 3)),
    4: (("a", 1), ("b", 2), ("c", 3)),
    5: (("a", 1), ("b", 2), ("c", 3), ("d", 4)),
}


def model_name(stat):
    """The model's name as BMDExpress prints it (StatResult.toString())."""
    c = cls(stat)
    if c == STAT_PKG + "HillResult":
        return "Hill"
    if c == STAT_PKG + "PowerResult":
        return "Power"
    if c == STAT_PKG + "PolyResult":
        degree = field(stat, "degree")
        return "Linear" if degree == 1 else "Poly %d" % degree
    if c == STAT_PKG + "ExponentialResult":
        return "Exp %d" % field(stat, "option")
    raise ValueError("not a BMDS model result: %s" % c)


def named_params(stat):
    """[(name, curveParameters index)] BMDExpress shows for this model."""
    c = cls(stat)
    if c == STAT_PKG + "HillResult":
        return [("intercept", 0), ("v", 1), ("n", 2), ("k", 3)]
    if c == STAT_PKG + "PowerResult":
        return [("control", 0), ("slope", 1), ("power", 2)]
    if c == STAT_PKG + "PolyResult":
        return [("beta_%d" % i, i) for i in range(field(stat, "degree") + 1)]
    return list(EXP_PARAMS[field(stat, "option")])


# ---------------------------------------------------------------- extraction

MODEL_COLUMNS = [
    "probe_id", "model", "model_index", "bmd", "bmdl", "bmdu", "fit_p_value",
    "aic", "fit_log_likelihood", "adverse_direction", "k_flag",
    "execution_complete", "is_best", "is_best_poly", "sentinels",
    "parameter_names", "parameters", "curve_parameters_raw",
]

BEST_COLUMNS = [
    "probe_id", "best_model", "best_model_index", "best_bmd", "best_bmdl",
    "best_bmdu", "best_fit_p_value", "best_aic", "best_fit_log_likelihood",
    "best_adverse_direction", "best_sentinels", "best_poly_model",
    "best_poly_degree", "hill_k_flag", "hill_execution_complete",
    "chi_squared_results", "chi_square", "chi_square_p_value", "wauc",
    "log_wauc",
]

STAT_FIELDS = (
    ("bmd", "BMD"), ("bmdl", "BMDL"), ("bmdu", "BMDU"),
    ("fit_p_value", "fitPValue"), ("aic", "AIC"),
    ("fit_log_likelihood", "fitLogLikelihood"),
)


def stat_cells(stat):
    cells, marks = {}, []
    for col, name in STAT_FIELDS:
        v = field(stat, name)
        cells[col] = dbl_cell(v)
        s = sentinel_of(v)
        if s is not None:
            marks.append("%s=%s" % (col, s))
    cells["sentinels"] = ";".join(marks)
    return cells


def probe_id(psr):
    return jstr(field(field(field(psr, "probeResponse"), "probe"), "id"))


def index_of(items, target):
    for i, item in enumerate(items):
        if item is target:
            return i
    return None


def model_rows(psr):
    pid = probe_id(psr)
    stats = jlist(field(psr, "statResults")) or []
    best = field(psr, "bestStatResult")
    best_poly = field(psr, "bestPolyStatResult")
    rows = []
    for i, stat in enumerate(stats):
        row = {"probe_id": pid, "model": model_name(stat), "model_index": str(i)}
        row.update(stat_cells(stat))
        row["adverse_direction"] = str(field(stat, "adverseDirection"))
        row["k_flag"] = str(field(stat, "kFlag")) if has_field(stat, "kFlag") else ""
        row["execution_complete"] = jstr(field(stat, "success")) or ""
        row["is_best"] = "1" if stat is best else "0"
        row["is_best_poly"] = "1" if stat is best_poly else "0"
        raw = field(stat, "curveParameters")
        raw = [] if raw is None else [float(x) for x in raw]
        names, values = [], []
        for name, idx in named_params(stat):
            names.append(name)
            values.append(dbl_cell(raw[idx]) if idx < len(raw) else "")
        row["parameter_names"] = ";".join(names)
        row["parameters"] = ";".join(values)
        row["curve_parameters_raw"] = ";".join(repr(x) for x in raw)
        rows.append(row)
    return rows


def chi_cells(psr):
    chis = jlist(field(psr, "chiSquaredResults"))
    if chis is None:
        return {"chi_squared_results": "null", "chi_square": "", "chi_square_p_value": ""}
    vals, ps = [], []
    for c in chis:
        tag = "%dvs%d" % (field(c, "degree1"), field(c, "degree2"))
        vals.append("%s=%s" % (tag, dbl_cell(field(c, "value"))))
        ps.append("%s=%s" % (tag, dbl_cell(field(c, "pValue"))))
    return {"chi_squared_results": "list:%d" % len(chis),
            "chi_square": ";".join(vals), "chi_square_p_value": ";".join(ps)}


def best_row(psr, wauc, log_wauc):
    stats = jlist(field(psr, "statResults")) or []
    best = field(psr, "bestStatResult")
    best_poly = field(psr, "bestPolyStatResult")
    row = {"probe_id": probe_id(psr)}
    if best is None:
        row.update({"best_model": "none", "best_model_index": "", "best_bmd": "",
                    "best_bmdl": "", "best_bmdu": "", "best_fit_p_value": "",
                    "best_aic": "", "best_fit_log_likelihood": "",
                    "best_adverse_direction": "", "best_sentinels": ""})
    else:
        idx = index_of(stats, best)
        row["best_model"] = model_name(best)
        row["best_model_index"] = "" if idx is None else str(idx)
        cells = stat_cells(best)
        for col, _ in STAT_FIELDS:
            row["best_" + col] = cells[col]
        row["best_sentinels"] = cells["sentinels"]
        row["best_adverse_direction"] = str(field(best, "adverseDirection"))
    if best_poly is None:
        row["best_poly_model"], row["best_poly_degree"] = "", ""
    else:
        row["best_poly_model"] = model_name(best_poly)
        row["best_poly_degree"] = str(field(best_poly, "degree"))
    hills = [s for s in stats if cls(s) == STAT_PKG + "HillResult"]
    row["hill_k_flag"] = str(field(hills[0], "kFlag")) if hills else ""
    row["hill_execution_complete"] = (jstr(field(hills[0], "success")) or "") if hills else ""
    row.update(chi_cells(psr))
    row["wauc"] = wauc
    row["log_wauc"] = log_wauc
    return row


def boxed_list_cells(values, n):
    if values is None:
        return [""] * n
    out = []
    for v in values:
        x, c = jbox(v)
        if x is None or sentinel_of(x):
            out.append("")
        elif c == "java.lang.Float":
            out.append(f32_text(x))
        else:
            out.append(repr(x))
    if len(out) != n:
        raise ValueError("per-probe list has %d entries for %d probes" % (len(out), n))
    return out


def notes_of(result):
    info = field(result, "analysisInfo")
    if info is None:
        return []
    return [jstr(n) for n in (jlist(field(info, "notes")) or [])]


def notes_by_key(notes):
    out = {}
    for n in notes:
        if ": " in n:
            key, value = n.split(": ", 1)
            out[key] = value
    return out


def parse_settings(by_key):
    """Typed view of the BMDS analysis notes (only what the notes state)."""

    def num(key, kind):
        v = by_key.get(key)
        if v is None:
            return None
        try:
            return kind(v.split()[0])
        except ValueError:
            return None

    models = by_key.get("Models fit")
    return {
        "models": None if models is None else models.split(", "),
        "bmr_type": by_key.get("BMR Type"),
        "bmr_factor": num("BMR Factor", float),
        "constant_variance": num("Constant Variance", int),
        "restrict_power": num("Restrict Power", int),
        "maximum_iterations": num("Maximum Iterations", int),
        "confidence_level": num("Confidence Level", float),
        "highest_dose": num("Highest Dose", float),
        "lowest_positive_dose": num("Lowest Positive Dose", float),
        "best_model_selection": by_key.get("Best Model Selection"),
        "bmdl_bmdu_model_selection": by_key.get("BMDL and BMDU Model Selection"),
        "flag_hill_k_below": by_key.get("Flag Hill Model with 'k' Parameter <"),
        "best_model_selection_with_flagged_hill":
            by_key.get("Best Model Selection with Flagged Hill Model"),
        "kill_time_ms": num("Destory Model Processes If Run More Than", int),
        "threads": num("Fit Selected Models with Multiple Threads", int),
        "total_run_time_s": num("Total Run Time", int),
        "model_timeouts": {k[: -len(" # of model timeouts")]: int(v)
                           for k, v in by_key.items()
                           if k.endswith(" # of model timeouts")},
        "flagged_hill_best": {
            "min_bmd_of_best_models_excl_flagged_hill":
                num("Minimum BMD of Best Models (excluding flagged Hill models)", float),
            "bmd_assigned": num("BMD assigned to flagged Hill as Best Models", float),
            "min_bmdl_of_best_models_excl_flagged_hill":
                num("Minimum BMDL of Best Models (excluding flagged Hill models)", float),
            "bmdl_assigned": num("BMDL assigned to flagged Hill as Best Models", float),
        },
        "not_in_notes": [
            "polynomial coefficient restriction (BMDS poly 'restrict' flag)",
            "Hill 'n' restriction",
            "nested chi-square p-value cutoff (only noted when that test is used)",
        ],
    }


def prefilter_json(pre):
    if pre is None:
        return None
    out = {"class": cls(pre), "name": jstr(field(pre, "name"))}
    notes = notes_of(pre)
    out["notes"] = notes
    out["notes_by_key"] = notes_by_key(notes)
    rows = None
    for fname in ("williamsTrendResults", "oneWayANOVAResults", "oriogenResults",
                  "curveFitPrefilterResults"):
        if has_field(pre, fname):
            rows = jlist(field(pre, fname)) or []
            break
    probes = []
    for r in rows or []:
        p = {"probe_id": jstr(field(field(field(r, "probeResponse"), "probe"), "id"))}
        for key, name in (("p_value", "pValue"), ("adjusted_p_value", "adjustedPValue")):
            if has_field(r, name):
                p[key] = json_dbl(field(r, name))
        for key, name in (("best_fold_change", "bestFoldChange"),
                          ("noel_dose", "noelDose"), ("loel_dose", "loelDose")):
            if has_field(r, name):
                p[key] = boxed_json(field(r, name))
        probes.append(p)
    out["n_probes_passed"] = len(probes)
    out["probes"] = probes
    return out


def enum_name(value):
    if not isinstance(value, JavaEnum):
        return None
    v = value.value
    return jstr(v) if isinstance(v, JavaString) else str(v)


def experiment_json(exp):
    if exp is None:
        return None
    chip = field(exp, "chip")
    treatments = jlist(field(exp, "treatments")) or []
    lt = field(exp, "logTransformation")
    return {
        "name": jstr(field(exp, "name")),
        "log_transformation": enum_name(lt),
        "chip": None if chip is None else {
            k: jstr(field(chip, k))
            for k in ("chipId", "chipName", "geoID", "geoName", "provider", "species")
        },
        "n_probes": len(jlist(field(exp, "probeResponses")) or []),
        "treatments": [jstr(field(t, "name")) for t in treatments],
        "doses": [boxed_json(field(t, "dose")) for t in treatments],
    }


def is_bmds_result(result):
    psrs = jlist(field(result, "probeStatResults")) or []
    stats = [s for p in psrs for s in (jlist(field(p, "statResults")) or [])]
    return bool(stats) and all(cls(s) in BMDS_MODEL_CLASSES for s in stats)


def write_tsv(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(columns) + "\n")
        for row in rows:
            cells = [row[c] for c in columns]
            for c in cells:
                if "\t" in c or "\n" in c:
                    raise ValueError("tab/newline in a cell: %r" % c)
            f.write("\t".join(cells) + "\n")


def decoder_version():
    try:
        from importlib.metadata import version

        return version("javaobj-py3")
    except Exception:  # pragma: no cover
        return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bm2", help="BMDExpress project file (.bm2)")
    ap.add_argument("--out", help="output directory")
    ap.add_argument("--analysis", help="name of the BMD result to extract")
    ap.add_argument("--list", action="store_true", help="list the project's BMD results")
    args = ap.parse_args(argv)

    with open(args.bm2, "rb") as f:
        data = f.read()
    if data[:4] != b"\xac\xed\x00\x05":
        sys.exit("bm2_extract: %s is not a Java serialization stream" % args.bm2)
    root = javaobj.loads(data)
    if cls(root) != "com.sciome.bmdexpress2.mvp.model.BMDProject":
        sys.exit("bm2_extract: root object is %s, not a BMDProject" % cls(root))

    results = jlist(field(root, "bMDResult")) or []
    if args.list:
        for r in results:
            notes = notes_of(r)
            print("%s\t%s\t%d probes\t%s" % (
                jstr(field(r, "name")), notes[0] if notes else "",
                len(jlist(field(r, "probeStatResults")) or []),
                "bmds-models" if is_bmds_result(r) else "other"))
        return 0
    if not args.out:
        ap.error("--out is required (or --list)")

    if args.analysis:
        chosen = [r for r in results if jstr(field(r, "name")) == args.analysis]
    else:
        chosen = [r for r in results if is_bmds_result(r)]
    if len(chosen) != 1:
        sys.exit("bm2_extract: %d matching BMD results; name one with --analysis (see --list)"
                 % len(chosen))
    result = chosen[0]

    psrs = jlist(field(result, "probeStatResults")) or []
    n = len(psrs)
    wauc = boxed_list_cells(jlist(field(result, "wAUCList")), n) \
        if has_field(result, "wAUCList") else [""] * n
    log_wauc = boxed_list_cells(jlist(field(result, "logwAUCList")), n) \
        if has_field(result, "logwAUCList") else [""] * n

    model_table, best_table = [], []
    for i, psr in enumerate(psrs):
        model_table.extend(model_rows(psr))
        best_table.append(best_row(psr, wauc[i], log_wauc[i]))

    notes = notes_of(result)
    by_key = notes_by_key(notes)
    order = []
    for psr in psrs[:1]:
        order = [model_name(s) for s in jlist(field(psr, "statResults")) or []]
    analysis = {
        "source": {
            "file": os.path.basename(args.bm2),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "root_class": cls(root),
            "project_name": jstr(field(root, "name")),
        },
        "decoder": {"package": "javaobj-py3", "version": decoder_version()},
        "experiment": experiment_json(field(result, "doseResponseExperiment")),
        "bmd_analysis": {
            "class": cls(result),
            "name": jstr(field(result, "name")),
            "n_probes": n,
            "model_order_in_results": order,
            "notes": notes,
            "notes_by_key": by_key,
            "settings_from_notes": parse_settings(by_key),
        },
        "prefilter": prefilter_json(field(result, "prefilterResults")),
        "probes_in_bmd_analysis": [probe_id(p) for p in psrs],
    }

    os.makedirs(args.out, exist_ok=True)
    write_tsv(os.path.join(args.out, "bmd_models.tsv"), MODEL_COLUMNS, model_table)
    write_tsv(os.path.join(args.out, "bmd_best.tsv"), BEST_COLUMNS, best_table)
    with open(os.path.join(args.out, "analysis.json"), "w", encoding="utf-8") as f:
        json.dump(analysis, f, indent=1, allow_nan=False, ensure_ascii=False)
        f.write("\n")
    print("bm2_extract: %s: %d probes, %d model rows -> %s"
          % (analysis["bmd_analysis"]["name"], n, len(model_table), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
