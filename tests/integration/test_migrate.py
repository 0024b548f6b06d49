"""`bmdstream migrate` against the real PostgreSQL: the seed's tables with
the seed's columns and indexes, safe twice and concurrently, and an edited
applied migration refused."""
import os
import re
import shutil
import subprocess

from conftest import psql

SOURCE = os.environ["BS_SOURCE_DIR"]
SQL_DIR = os.path.join(SOURCE, "sql")
SEED = os.path.join(SOURCE, "docs", "data-model.md")


def migrate(bmdstream, url, *extra):
    return subprocess.run([bmdstream, "migrate", "--database-url", url, *extra],
                          capture_output=True, text=True)


def seed_tables():
    """Parses the seed's CREATE TABLE / CREATE INDEX statements."""
    text = open(SEED).read()
    tables = {}
    for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", text, re.S):
        cols = {}
        for line in body.strip().splitlines():
            line = line.strip().rstrip(",")
            m = re.match(r"(\w+) (BIGSERIAL|BIGINT|VARCHAR\((\d+)\)|TEXT|BOOLEAN|TIMESTAMP|"
                         r"INTEGER|JSONB|DOUBLE PRECISION)(.*)", line)
            assert m, f"unparsed seed line: {line}"
            cols[m.group(1)] = (m.group(2), m.group(3), m.group(4))
        tables[name] = cols
    indexes = dict(re.findall(r"CREATE INDEX (\w+) ON (\w+)\(", text))
    return tables, indexes


PG_TYPES = {"BIGSERIAL": "bigint", "BIGINT": "bigint", "TEXT": "text", "BOOLEAN": "boolean",
            "TIMESTAMP": "timestamp without time zone", "INTEGER": "integer", "JSONB": "jsonb",
            "DOUBLE PRECISION": "double precision"}


def test_seed_tables_and_indexes(bmdstream, fresh_database):
    url = fresh_database()
    first = migrate(bmdstream, url)
    assert first.returncode == 0, first.stderr
    tables, indexes = seed_tables()
    assert set(tables) == {"users", "bmd_projects", "dose_response_experiments",
                           "bmd_results", "jobs"}
    for table, cols in tables.items():
        rows = psql(url, "SELECT column_name, data_type, coalesce(character_maximum_length, 0),"
                         " is_nullable, coalesce(column_default, '') FROM"
                         f" information_schema.columns WHERE table_name = '{table}'")
        got = {r.split("|")[0]: r.split("|")[1:] for r in rows.strip().splitlines()}
        assert set(got) == set(cols), f"{table}: columns differ from the seed"
        for col, (sqltype, length, rest) in cols.items():
            data_type, maxlen, nullable, default = got[col]
            if length:
                assert data_type == "character varying" and int(maxlen) == int(length), col
            else:
                assert data_type == PG_TYPES[sqltype], f"{table}.{col}: {data_type}"
            not_null = "NOT NULL" in rest or "PRIMARY KEY" in rest or sqltype == "BIGSERIAL"
            assert (nullable == "NO") == not_null, f"{table}.{col} nullability"
            if "DEFAULT" in rest:
                assert default, f"{table}.{col} lacks its default"
    have = psql(url, "SELECT indexname || '|' || tablename FROM pg_indexes"
                     " WHERE schemaname = 'public'").split()
    for index, table in indexes.items():
        assert f"{index}|{table}" in have, f"index {index} missing"
    # The tables the seed names without DDL, each with its natural key.
    for table in ["chip_info", "treatments", "probe_responses", "prefilter_results",
                  "prefilter_result_details", "probe_stat_results", "category_results",
                  "category_result_details", "schema_migrations"]:
        assert psql(url, f"SELECT to_regclass('{table}') IS NOT NULL").strip() == "t", table
    natural = psql(url, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ux_%'").strip()
    assert int(natural) >= 9


def test_probe_models_compressed_with_lz4(bmdstream, fresh_database):
    """0008: a probe's models (about 4 KB of JSON, compressed by TOAST) use
    lz4 where the server has it (Debian's PostgreSQL does)."""
    url = fresh_database()
    assert migrate(bmdstream, url).returncode == 0
    has_lz4 = psql(url, "SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
                        " WHERE name = 'default_toast_compression'").strip()
    assert has_lz4 == "t", "the test stack's PostgreSQL is built with lz4"
    method = psql(url, "SELECT attcompression FROM pg_attribute WHERE attname = 'models'"
                       " AND attrelid = 'probe_stat_results'::regclass").strip()
    assert method == "l"


def test_twice_is_a_no_op(bmdstream, fresh_database):
    url = fresh_database()
    count = len([f for f in os.listdir(SQL_DIR) if re.match(r"\d{4}_.*\.sql$", f)])
    first = migrate(bmdstream, url)
    assert first.returncode == 0, first.stderr
    assert f"{count} applied now, 0 already applied" in first.stdout
    second = migrate(bmdstream, url)
    assert second.returncode == 0, second.stderr
    assert f"0 applied now, {count} already applied" in second.stdout


def test_concurrent_runs_apply_each_migration_once(bmdstream, fresh_database):
    url = fresh_database()
    count = len([f for f in os.listdir(SQL_DIR) if re.match(r"\d{4}_.*\.sql$", f)])
    procs = [subprocess.Popen([bmdstream, "migrate", "--database-url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    applied = 0
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        applied += int(re.search(r"(\d+) applied now", out).group(1))
    assert applied == count
    assert int(psql(url, "SELECT count(*) FROM schema_migrations").strip()) == count


def test_edited_migration_is_refused(bmdstream, fresh_database, tmp_path):
    url = fresh_database()
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    assert migrate(bmdstream, url, "--sql-dir", str(sql)).returncode == 0
    first = sorted(sql.iterdir())[0]
    first.write_text(first.read_text() + "\n-- edited after it was applied\n")
    again = migrate(bmdstream, url, "--sql-dir", str(sql))
    assert again.returncode != 0
    assert "was changed after it was applied" in again.stderr
    assert first.name in again.stderr


def test_unreachable_database_is_reported(bmdstream):
    out = migrate(bmdstream, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert out.returncode != 0
    assert "database connection failed" in out.stderr
