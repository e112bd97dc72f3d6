"""Property tests: allowed fragments composed in any shape stay allowed; one forbidden fragment anywhere
in the composition gets the composition refused for that fragment's rule; personal data never leaves
unmasked; the row cap always holds; a store manager never sees another shop."""

from __future__ import annotations

import re

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails import ANALYST, Principal, check

ALLOWED_LEAVES = [
    "SELECT shop_id AS v FROM luckyus_sales_order.t_order WHERE status = 90",
    "SELECT id AS v FROM luckyus_opshop.t_shop_info",
    "SELECT COUNT(DISTINCT phone) AS v FROM luckyus_sales_crm.t_user",
    "SELECT channel_id AS v FROM luckyus_sales_payment.t_trade WHERE status IN (1, 2, 3)",
    "SELECT COUNT(*) AS v FROM luckyus_sales_crm.t_user WHERE email IS NOT NULL",
    "SELECT MAX(o.shop_id) AS v FROM luckyus_sales_order.t_order o "
    "JOIN luckyus_opshop.t_shop_info s ON s.id = o.shop_id",
]
FORBIDDEN_LEAVES = [
    ("SELECT SLEEP(1) AS v", "denied_function"),
    ("SELECT LOAD_FILE('/etc/passwd') AS v", "denied_function"),
    ("SELECT BENCHMARK(100000, MD5('x')) AS v", "denied_function"),
    ("SELECT table_rows AS v FROM information_schema.tables", "system_schema"),
    ("SELECT id AS v FROM mysql.user", "system_schema"),
    ("SELECT @@version AS v", "variable"),
    ("SELECT id AS v FROM luckyus_sales_order.t_ordr", "unknown_table"),
    ("SELECT id AS v FROM luckyus_sales_order.t_order FOR UPDATE", "side_effect"),
    ("SELECT my_udf(1) AS v", "unknown_function"),
    ("SELECT id AS v FROM luckyus_sales_crm.t_user WHERE phone = '+1-212-555-0100'", "pii_filter"),
    ("SELECT COUNT(*) AS v FROM luckyus_sales_crm.t_user GROUP BY email", "pii_group_by"),
    ("SELECT u.id AS v FROM luckyus_sales_crm.t_user u JOIN luckyus_scm_purchase.t_supplier s "
     "ON s.contact_phone = u.phone", "pii_join"),
]
WRAPS = [
    "SELECT v FROM ({q}) AS s{n}",
    "WITH c{n} AS ({q}) SELECT v FROM c{n}",
    "SELECT v FROM ({q} UNION ALL SELECT id AS v FROM luckyus_opshop.t_shop_info) AS u{n}",
    "SELECT id AS v FROM luckyus_opshop.t_shop_info WHERE id IN (SELECT v FROM ({q}) AS s{n})",
    "SELECT (SELECT MAX(v) FROM ({q}) AS s{n}) AS v",
    "SELECT v FROM ({q}) AS s{n} WHERE EXISTS (SELECT 1 FROM luckyus_opshop.t_shop_info t{n} WHERE t{n}.id > 0)",
]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


SHOP_LEAVES = [  # every v is a shop id, so a store manager's answer can be read as the shops it shows
    "SELECT shop_id AS v FROM luckyus_sales_order.t_order WHERE status = 90",
    "SELECT id AS v FROM luckyus_opshop.t_shop_info",
    "SELECT shop_id AS v FROM luckyus_opproduction.t_production",
    "SELECT o.shop_id AS v FROM luckyus_sales_order.t_order_item i JOIN luckyus_sales_order.t_order o "
    "ON o.id = i.order_id",
]


@st.composite
def composed(draw: st.DrawFn, leaf: str | None = None, leaves: list[str] = ALLOWED_LEAVES) -> str:
    """A query built by wrapping leaves; ``leaf`` (if given) replaces one allowed leaf somewhere."""
    depth = draw(st.integers(min_value=0, max_value=4))
    plant_at = draw(st.integers(min_value=0, max_value=depth))
    q = leaf if (leaf is not None and plant_at == 0) else draw(st.sampled_from(leaves))
    for n in range(1, depth + 1):
        wrap = draw(st.sampled_from(WRAPS))
        q = wrap.format(q=q, n=n)
        if leaf is not None and n == plant_at:
            # a sibling branch holding the planted leaf, so it need not be the innermost one
            q = f"SELECT v FROM ({q} UNION ALL {leaf}) AS p{n}"
    return q


@SETTINGS
@given(composed())
def test_compositions_of_allowed_fragments_are_allowed(sql: str):
    v = check(sql)
    assert v.allowed, (v.reason, sql)


@SETTINGS
@given(st.data())
def test_one_forbidden_fragment_anywhere_refuses_the_whole(data: st.DataObject):
    leaf, code = data.draw(st.sampled_from(FORBIDDEN_LEAVES))
    sql = data.draw(composed(leaf))
    v = check(sql)
    assert not v.allowed and v.code == code, (v.code, v.reason, sql)


@SETTINGS
@given(composed(), st.sampled_from([
    ("DROP TABLE luckyus_sales_order.t_order", "multiple_statements"),
    ("DELETE FROM luckyus_sales_order.t_order", "multiple_statements"),
    ("SET GLOBAL read_only = 0", "multiple_statements"),
]), st.integers(min_value=0, max_value=3))
def test_stacked_statements_are_refused_whatever_comes_first(sql: str, tail: tuple[str, str], spaces: int):
    v = check(sql + ";" + " " * spaces + tail[0])
    assert v.code == tail[1]


@SETTINGS
@given(composed(), st.data())
def test_an_executable_comment_anywhere_is_refused(sql: str, data: st.DataObject):
    gaps = [m.start() for m in re.finditer(" ", sql)]
    at = data.draw(st.sampled_from(gaps))
    body = data.draw(st.sampled_from(["", "50000 ", "M! ", "40101 UNION SELECT 1 "]))
    v = check(f"{sql[:at]} /*!{body}*/{sql[at:]}")
    assert v.code == "executable_comment"


@SETTINGS
@given(st.data())
def test_personal_data_never_leaves_unmasked(data: st.DataObject):
    leaf = data.draw(st.sampled_from(["SELECT phone AS v FROM luckyus_sales_crm.t_user",
                                      "SELECT email AS v FROM luckyus_sales_crm.t_user",
                                      "SELECT CONCAT(nick_name, '') AS v FROM luckyus_sales_crm.t_user"]))
    sql = data.draw(composed(leaf))
    v = check(sql)
    if v.allowed:
        assert v.output_pii and v.output_pii[0] in {"phone", "email", "name"}, sql
    else:
        assert v.code and v.code.startswith("pii_"), (v.reason, sql)


@SETTINGS
@given(composed(), st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
       st.integers(min_value=1, max_value=5_000))
def test_the_row_cap_always_holds(sql: str, limit: int | None, cap: int):
    text = f"SELECT v FROM ({sql}) AS capped" + (f" LIMIT {limit}" if limit is not None else "")
    v = check(text, ANALYST, row_cap=cap)
    assert v.allowed and v.sql is not None
    final = int(re.findall(r"LIMIT (\d+)$", v.sql)[0])
    assert final == (limit if limit is not None and limit <= cap else cap + 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(sql=composed(leaves=SHOP_LEAVES), shops=st.sampled_from([(1,), (2,), (3, 4)]))
def test_store_manager_never_sees_another_shop(sql: str, shops: tuple[int, ...],
                                               synth_con: duckdb.DuckDBPyConnection):
    v = check(sql, Principal(role="store_manager", shops=shops))
    assert v.allowed, v.reason
    got = {r[0] for r in synth_con.execute(v.sql).fetchall()}  # type: ignore[arg-type]
    assert got <= {*shops, None}, (got, v.sql)
