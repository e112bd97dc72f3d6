"""Rules 1-5 and 8: parse, executable comments, one query, no side effects, allow-list, limits and cost."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from guardrails import ADMIN, ANALYST, Principal, check
from guardrails.policy import CatalogPolicy, TablePolicy

ORD = "luckyus_sales_order.t_order"


# ---------------------------------------------------------------- 1. parse
def test_unparsable_sql_is_refused_with_the_parser_position():
    v = check(f"SELECT id FROM {ORD} WHERE (status = 90")
    assert not v.allowed and v.code == "parse"
    assert "line 1" in v.reason and "column" in v.reason


def test_empty_text_is_refused():
    assert check("   ;  ").code == "parse"


def test_input_dialect_is_a_parameter():
    sql = 'SELECT "id" FROM t'  # an identifier in SQLite and DuckDB, a string in MySQL
    policy = CatalogPolicy(tables=(TablePolicy("main", "t", ("id",)),), default_db="main")
    assert check(sql, read="sqlite", target="sqlite", policy=policy).sql == 'SELECT "id" FROM t LIMIT 5001'
    assert check(sql, read="mysql", target="sqlite", policy=policy).sql == "SELECT 'id' FROM t LIMIT 5001"


# ---------------------------------------------------------------- 2. executable comments
def test_executable_comment_is_refused_before_parsing_even_if_harmless():
    for sql in ["SELECT 1 /*!50000 , 2 */", "/*! SELECT 1 */", "SELECT /*M!100000 1, */ 2"]:
        v = check(sql)
        assert v.code == "executable_comment", sql


def test_sqlglot_would_have_dropped_the_executable_body():
    # Why rule 2 exists: parsed naively, the DROP inside the version comment disappears.
    tree = sqlglot.parse_one(f"SELECT 1 /*!50000 ; DROP TABLE {ORD} */", read="mysql")
    assert "DROP" not in tree.sql("mysql", comments=False)


# ---------------------------------------------------------------- 3. one statement, a query
def test_second_statement_is_refused_and_named():
    v = check(f"SELECT 1; DELETE FROM {ORD}")
    assert v.code == "multiple_statements"
    assert "2 statements" in v.reason and "DELETE" in v.reason


def test_trailing_semicolons_are_one_statement():
    assert check(f"SELECT COUNT(*) FROM {ORD};").allowed
    assert check(f"SELECT COUNT(*) FROM {ORD};;").allowed


def test_dml_message_is_a_sentence_naming_the_table():
    v = check(f"DELETE FROM {ORD} WHERE id = 1")
    assert v.reason == "Only questions that read data are allowed: this query tries to DELETE from t_order."


def test_dml_hidden_in_a_cte_is_refused():
    v = check(f"WITH x AS (DELETE FROM {ORD} RETURNING id) SELECT * FROM x")
    assert v.code == "not_query" and "WITH" in v.reason


def test_statements_sqlglot_cannot_parse_are_named_by_their_keyword():
    assert check(f"LOAD DATA INFILE '/etc/passwd' INTO TABLE {ORD}").code == "not_query"
    assert "HANDLER" in check(f"HANDLER {ORD} OPEN").reason
    assert check(f"SELECT * FROM {ORD} INTO OUTFILE '/tmp/x'").code == "side_effect"


def test_query_shapes_that_are_allowed():
    for sql in ["SELECT 1", f"WITH a AS (SELECT id FROM {ORD}) SELECT id FROM a",
                f"SELECT id FROM {ORD} UNION SELECT id FROM {ORD}", f"(SELECT id FROM {ORD}) EXCEPT (SELECT 1)",
                f"SELECT id FROM {ORD} INTERSECT SELECT id FROM {ORD}"]:
        assert check(sql).allowed, sql


# ---------------------------------------------------------------- 4. side effects and functions
def test_locking_reads_and_into_are_refused():
    for sql in [f"SELECT * FROM {ORD} FOR UPDATE", f"SELECT * FROM {ORD} LOCK IN SHARE MODE",
                f"SELECT id INTO @x FROM {ORD} LIMIT 1"]:
        assert check(sql).code == "side_effect", sql


def test_denied_functions_anywhere_in_the_tree():
    for sql in ["SELECT SLEEP(1)", f"SELECT id FROM {ORD} WHERE id IN (SELECT BENCHMARK(1, 1))",
                f"SELECT id FROM {ORD} ORDER BY (SELECT LOAD_FILE('/etc/passwd'))"]:
        v = check(sql)
        assert v.code == "denied_function", sql
    assert "SLEEP" in check("SELECT SLEEP(1)").reason


def test_variables_and_hints_are_refused():
    assert check("SELECT @@version").code == "variable"
    assert check(f"SELECT id FROM {ORD} WHERE id = @x").code == "variable"
    assert check(f"SELECT /*+ SET_VAR(sort_buffer_size=1) */ id FROM {ORD}").code == "optimizer_hint"


def test_builtin_functions_allowed_udfs_refused():
    ok = (f"SELECT CONVERT_TZ(create_time, 'UTC', 'America/New_York'), NOW(), DATE_FORMAT(create_time, '%Y'),"
          f" TIMESTAMPDIFF(SECOND, create_time, pay_time), IFNULL(coupon_no, ''), WEEKDAY(create_time) FROM {ORD}")
    assert check(ok).allowed
    assert check(f"SELECT my_udf(id) FROM {ORD}").code == "unknown_function"


def test_comments_never_reach_the_rendered_sql():
    v = check(f"SELECT id -- */ ; DROP TABLE x; /*\n FROM {ORD}")
    assert v.allowed and v.sql is not None
    assert "DROP" not in v.sql and "/*" not in v.sql


def test_trees_are_checked_like_text_and_not_mutated():
    tree = sqlglot.parse_one(f"SELECT id FROM {ORD}", read="mysql")
    before = tree.sql("mysql")
    v = check(tree)
    assert v.allowed and "LIMIT 5001" in (v.sql or "")
    assert tree.sql("mysql") == before
    assert check(exp.delete(ORD)).code == "not_query"


# ---------------------------------------------------------------- 5. allow-list
def test_system_schemas_are_refused():
    for sql in ["SELECT * FROM information_schema.tables", "SELECT user FROM mysql.user",
                "SELECT * FROM performance_schema.threads", "SELECT * FROM sys.session"]:
        assert check(sql).code == "system_schema", sql


def test_typos_get_the_nearest_catalog_names():
    v = check("SELECT * FROM luckyus_sales_order.t_ordr")
    assert v.code == "unknown_table" and "luckyus_sales_order.t_order" in v.reason
    v = check(f"SELECT shop_nme FROM {ORD}")
    assert v.code == "unknown_column" and "shop_name" in v.reason


def test_unqualified_table_is_qualified_when_unique_and_refused_when_ambiguous():
    v = check("SELECT COUNT(*) FROM t_order")
    assert v.allowed and f"FROM {ORD}" in (v.sql or "")
    v = check("SELECT COUNT(*) FROM t_user")
    assert v.code == "unknown_table"
    assert "luckyus_sales_crm.t_user" in v.reason and "luckyus_sales_payment.t_user" in v.reason


def test_cte_names_are_not_catalog_tables():
    assert check(f"WITH t_fake AS (SELECT id FROM {ORD}) SELECT id FROM t_fake").allowed
    assert check("WITH a AS (SELECT id FROM nowhere.x) SELECT id FROM a").code == "unknown_table"


def test_verdict_lists_tables_and_columns_read():
    v = check(f"SELECT o.shop_name, COUNT(*) FROM {ORD} o JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id "
              "GROUP BY o.shop_name")
    assert v.tables == ["luckyus_opshop.t_shop_info", ORD]
    assert {f"{ORD}.shop_name", f"{ORD}.shop_id", "luckyus_opshop.t_shop_info.id"} <= set(v.columns)


# ---------------------------------------------------------------- 8. limits
def _limit(sql: str) -> exp.Expr | None:
    return sqlglot.parse_one(sql, read="duckdb").args.get("limit")


def test_limit_is_added_with_a_probe_row():
    v = check(f"SELECT id FROM {ORD}", row_cap=100)
    assert v.limited and v.limit == 100
    assert v.sql is not None and v.sql.endswith("LIMIT 101")
    assert "row_limit" in v.codes


def test_bigger_limit_is_clamped_smaller_kept_offset_kept():
    assert check(f"SELECT id FROM {ORD} LIMIT 100000", row_cap=50).sql.endswith("LIMIT 51")
    v = check(f"SELECT id FROM {ORD} ORDER BY id LIMIT 10 OFFSET 20", row_cap=50)
    assert not v.limited and v.sql is not None and v.sql.endswith("LIMIT 10 OFFSET 20")
    v = check(f"SELECT id FROM {ORD} LIMIT 20, 10", target="mysql", row_cap=50)
    assert v.sql is not None and v.sql.endswith("LIMIT 10 OFFSET 20")  # MySQL "LIMIT 20, 10"


def test_limit_caps_the_whole_compound_query():
    v = check(f"SELECT id FROM {ORD} UNION ALL SELECT id FROM {ORD}", row_cap=10)
    tree = sqlglot.parse_one(v.sql or "", read="duckdb")
    assert isinstance(tree, exp.Union) and tree.args["limit"].expression.name == "11"
    assert tree.this.args.get("limit") is None and tree.expression.args.get("limit") is None
    v = check(f"SELECT id FROM {ORD} UNION SELECT id FROM {ORD} ORDER BY 1 LIMIT 5 OFFSET 3", row_cap=10)
    assert v.sql is not None and v.sql.endswith("LIMIT 5 OFFSET 3") and not v.limited


def test_non_literal_limit_is_wrapped():
    policy = CatalogPolicy(tables=(TablePolicy("main", "t", ("id",)),), default_db="main")
    v = check("SELECT id FROM t LIMIT -1", read="sqlite", target="sqlite", policy=policy, row_cap=7)
    assert v.sql == "SELECT * FROM (SELECT id FROM t LIMIT -1) AS _lucky_q LIMIT 8"


def test_mysql_gets_a_time_hint_on_the_first_select():
    v = check(f"SELECT id FROM {ORD} UNION SELECT id FROM {ORD}", target="mysql", timeout_ms=2500)
    assert v.sql is not None and v.sql.startswith("SELECT /*+ MAX_EXECUTION_TIME(2500) */ id")
    assert v.sql.count("MAX_EXECUTION_TIME") == 1 and v.timeout_ms == 2500
    assert "MAX_EXECUTION_TIME" not in (check(f"SELECT id FROM {ORD}").sql or "")


def test_cost_check_refuses_unconditioned_large_products_only():
    assert check(f"SELECT COUNT(*) FROM {ORD} a, luckyus_sales_payment.t_trade b").code == "cost_cross_join"
    assert check(f"SELECT COUNT(*) FROM {ORD} a JOIN luckyus_sales_payment.t_trade b ON b.order_id = a.id").allowed
    assert check(f"SELECT COUNT(*) FROM {ORD} a, luckyus_sales_payment.t_trade b WHERE b.order_id = a.id").allowed
    # a large table against a small one is a plain shape (517 shops)
    assert check(f"SELECT COUNT(*) FROM {ORD} a CROSS JOIN luckyus_opshop.t_shop_info s").allowed


def test_cost_check_uses_the_policy_row_counts():
    small = CatalogPolicy(tables=(TablePolicy("d", "a", ("x",), rows=10), TablePolicy("d", "b", ("y",), rows=10)))
    big = CatalogPolicy(tables=(TablePolicy("d", "a", ("x",), rows=10**6), TablePolicy("d", "b", ("y",), rows=10**6)))
    sql = "SELECT COUNT(*) FROM d.a, d.b"
    assert check(sql, policy=small).allowed
    assert check(sql, policy=big).code == "cost_cross_join"


# ---------------------------------------------------------------- principals
def test_store_manager_without_shops_is_refused():
    assert check(f"SELECT 1 FROM {ORD}", Principal(role="store_manager")).code == "no_shops"


def test_admin_and_analyst_share_every_non_pii_rule():
    for p in (ANALYST, ADMIN):
        assert check(f"DROP TABLE {ORD}", p).code == "not_query"
        assert check("SELECT * FROM information_schema.tables", p).code == "system_schema"


def test_the_guard_fails_closed(monkeypatch):
    import guardrails.checker as module

    def boom(*_args, **_kwargs):
        raise RuntimeError("a sqlglot shape nobody foresaw")

    monkeypatch.setattr(module, "check_pii", boom)
    v = check(f"SELECT id FROM {ORD}")
    assert not v.allowed and v.code == "unsupported_syntax" and v.sql is None
