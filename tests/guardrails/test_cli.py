"""`lucky guard` and `lucky bench guard` from the outside: JSON fields, exit codes, batch mode, --catalog."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()
ORD = "luckyus_sales_order.t_order"


def test_allowed_statement_exits_0_with_the_verdict_as_json():
    res = runner.invoke(app, ["guard", f"SELECT COUNT(*) FROM {ORD}", "--json", "--target", "mysql"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["allowed"] is True and "MAX_EXECUTION_TIME" in out["sql"]
    assert {"allowed", "sql", "rules", "tables", "masked"} <= set(out) and out["tables"] == [ORD]


def test_refused_statement_exits_3():
    res = runner.invoke(app, ["guard", f"SELECT 1; DROP TABLE {ORD}", "--json"])
    assert res.exit_code == 3
    out = json.loads(res.stdout)
    assert out["allowed"] is False and out["rules"][0]["code"] == "multiple_statements"


def test_role_and_shops_options():
    res = runner.invoke(app, ["guard", f"SELECT COUNT(*) FROM {ORD}", "--role", "store_manager", "--shops", "3,4",
                              "--json"])
    out = json.loads(res.stdout)
    assert "shop_id IN (3, 4)" in out["sql"] and out["scoped_tables"] == [ORD]
    res = runner.invoke(app, ["guard", "SELECT phone FROM luckyus_sales_crm.t_user", "--role", "admin", "--json"])
    assert json.loads(res.stdout)["unmasked"] == {"phone": "phone"}


def test_text_output_names_the_rule():
    res = runner.invoke(app, ["guard", "SELECT SLEEP(5)"])
    assert res.exit_code == 3 and "denied_function" in res.stdout and "SLEEP" in res.stdout


def test_batch_plain_lines_and_jsonl(tmp_path: Path):
    plain = tmp_path / "q.sql"
    plain.write_text(f"SELECT COUNT(*) FROM {ORD}\nSELECT @@version\n\n")
    res = runner.invoke(app, ["guard", "--batch", str(plain), "--json"])
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert [x["allowed"] for x in lines] == [True, False] and res.exit_code == 3
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text(json.dumps({"id": 7, "sql": f"SELECT id FROM {ORD} LIMIT 3"}) + "\n")
    res = runner.invoke(app, ["guard", "--batch", str(jsonl), "--json"])
    out = json.loads(res.stdout)
    assert res.exit_code == 0 and out["id"] == 7 and out["allowed"]


def test_sqlite_input_against_a_live_database(tmp_path: Path):
    db = tmp_path / "shop.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (id INTEGER, phone_number TEXT, city TEXT)")
    con.commit()
    con.close()
    url = f"sqlite:///{db}"
    res = runner.invoke(app, ["guard", 'SELECT city FROM customers WHERE city = "Paris"', "--read", "sqlite",
                              "--target", "sqlite", "--url", url, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["sql"] == "SELECT city FROM customers WHERE city = 'Paris' LIMIT 5001"
    res = runner.invoke(app, ["guard", "SELECT * FROM customrs", "--read", "sqlite", "--url", url, "--json"])
    assert res.exit_code == 3 and "customers" in json.loads(res.stdout)["rules"][0]["message"]


def test_catalog_option_reads_another_catalog(tmp_path: Path):
    (tmp_path / "shopdb.yaml").write_text(
        "name: shopdb\ndescription: A tiny catalog for the guard test.\ntables:\n"
        "  - name: customers\n    description: People who buy.\n    primary_key: id\n    columns:\n"
        "      - {name: id, type: BIGINT, nullable: false, description: Key.}\n"
        "      - {name: email, type: VARCHAR(96), description: Their email., pii: email}\n")
    res = runner.invoke(app, ["guard", "SELECT email FROM customers", "--catalog", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["masked"] == {"email": "email"} and out["policy"] == f"catalog:{tmp_path}"
    res = runner.invoke(app, ["guard", "SELECT COUNT(*) FROM customers WHERE email = 'x'", "--catalog",
                              str(tmp_path), "--json"])
    assert res.exit_code == 3 and json.loads(res.stdout)["code"] == "pii_filter"
    res = runner.invoke(app, ["guard", "SELECT COUNT(*) FROM luckyus_sales_order.t_order", "--catalog",
                              str(tmp_path), "--json"])
    assert res.exit_code == 3 and json.loads(res.stdout)["code"] == "unknown_table"


def test_missing_catalog_is_a_usage_error(tmp_path: Path):
    res = runner.invoke(app, ["guard", "SELECT 1", "--catalog", str(tmp_path / "nope")])
    assert res.exit_code == 2


def test_bench_guard_prints_percentiles(tmp_path: Path):
    corpus = tmp_path / "c.sql"
    corpus.write_text(f"SELECT COUNT(*) FROM {ORD};\nSELECT shop_name FROM {ORD} GROUP BY shop_name;\n")
    res = runner.invoke(app, ["bench", "guard", "--corpus", str(corpus), "--repeat", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["statements"] == 2 and out["runs"] == 6 and 0 < out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]
