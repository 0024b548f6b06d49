"""
sentinels.py - finds sentinel numbers where a value is missing.

BMDExpress writes -9999 (and 9999 for "not applicable") where a value is
missing, and Java prints NaN; users' filters then treat them as numbers.
Our exports say "no value" with an empty cell (TSV, CSV), null (JSON) and
SQL NULL (database). These helpers list every place that breaks the rule:
a cell or JSON number equal to +-9999, a NaN or Infinity anywhere.
"""
import csv
import json
import math
import os

NAN_WORDS = {"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"}


def _is_sentinel_text(cell):
    c = cell.strip().lower()
    if c in NAN_WORDS:
        return True
    try:
        return abs(float(c)) == 9999.0
    except ValueError:
        return False


def _json_sentinels(value, where, out):
    if isinstance(value, dict):
        for k, v in value.items():
            _json_sentinels(v, f"{where}.{k}", out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _json_sentinels(v, f"{where}[{i}]", out)
    elif isinstance(value, float) and (not math.isfinite(value) or abs(value) == 9999.0):
        out.append((where, value))
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) == 9999:
        out.append((where, value))


def file_sentinels(path):
    """[(path, place, value)] for every sentinel in a .tsv, .csv or .json file"""
    out = []
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            found = []
            # NaN / Infinity are not JSON; Python's reader takes them as floats
            _json_sentinels(json.load(f), "$", found)
        return [(path, w, v) for w, v in found]
    delim = "\t" if path.endswith(".tsv") else ","
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter=delim)
        header = next(rows, [])
        for line, row in enumerate(rows, start=2):
            for col, cell in enumerate(row):
                if _is_sentinel_text(cell):
                    name = header[col] if col < len(header) else f"column {col + 1}"
                    out.append((path, f"line {line}, {name}", cell))
    return out


def tree_sentinels(root):
    """file_sentinels over every .tsv, .csv and .json file under root"""
    out = []
    for d, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith((".tsv", ".csv", ".json")):
                out += file_sentinels(os.path.join(d, name))
    return out


# Every numeric column of the schema (scalars and arrays), each checked for
# NaN, +-Infinity and +-9999; JSON columns for a +-9999 value.
NUMERIC_COLUMNS_SQL = (
    "SELECT string_agg(table_name || '.' || column_name || '.' || udt_name, ' ') "
    "FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND udt_name IN ('float4', 'float8', 'numeric', '_float4', '_float8', 'json', 'jsonb')")


def db_sentinels(sql):
    """[(table.column, rows)] with a sentinel value; sql(text) returns the
    single value of a query as text"""
    out = []
    for spec in (sql(NUMERIC_COLUMNS_SQL) or "").split():
        table, column, udt = spec.split(".")
        c = f'"{column}"'
        if udt.startswith("_"):
            cond = (f"'NaN' = ANY({c}) OR 'Infinity' = ANY({c}) OR '-Infinity' = ANY({c}) "
                    f"OR 9999 = ANY({c}) OR -9999 = ANY({c})")
        elif udt.startswith("json"):
            cond = f"{c}::text ~ '[:,\\[]\\s*-?9999(\\.0*)?\\s*[,}}\\]]'"
        else:
            cond = f"{c} IN ('NaN', 'Infinity', '-Infinity', 9999, -9999)"
        n = int(sql(f'SELECT count(*) FROM "{table}" WHERE {cond}'))
        if n:
            out.append((f"{table}.{column}", n))
    return out
