"""Rule 6: personal data follows every path to the output, is masked there, and never picks rows."""

from __future__ import annotations

import pytest

from guardrails import ADMIN, ANALYST, SYSTEM, Principal, check

U = "luckyus_sales_crm.t_user"
ORD = "luckyus_sales_order.t_order"
SUP = "luckyus_scm_purchase.t_supplier"


def plan(sql: str, principal: Principal = ANALYST) -> list[tuple[str | None, str | None]]:
    v = check(sql, principal)
    assert v.allowed, v.reason
    return list(zip(v.output_pii, v.output_mask, strict=True))


# ---------------------------------------------------------------- lineage to the output
@pytest.mark.parametrize("sql, expected", [
    (f"SELECT phone FROM {U}", [("phone", "partial")]),
    (f"SELECT u.phone AS tel, u.id FROM {U} u", [("phone", "partial"), (None, None)]),
    (f"SELECT CONCAT('tel:', phone) AS x FROM {U}", [("phone", "redact")]),
    (f"SELECT SUBSTRING(phone, 1, 6) FROM {U}", [("phone", "redact")]),
    (f"SELECT UPPER(email) FROM {U}", [("email", "redact")]),
    (f"SELECT MIN(phone), MAX(email) FROM {U}", [("phone", "redact"), ("email", "redact")]),
    (f"SELECT GROUP_CONCAT(nick_name) FROM {U}", [("name", "redact")]),
    (f"SELECT CASE WHEN phone IS NULL THEN 'none' ELSE phone END FROM {U}", [("phone", "redact")]),
    (f"WITH c AS (SELECT phone AS p FROM {U}) SELECT p FROM c", [("phone", "partial")]),
    (f"WITH c (p) AS (SELECT phone FROM {U}) SELECT x.p FROM c x", [("phone", "partial")]),
    (f"SELECT s.e FROM (SELECT email AS e FROM {U}) s", [("email", "partial")]),
    (f"SELECT s.e FROM (SELECT LOWER(email) AS e FROM {U}) s", [("email", "redact")]),
    (f"SELECT (SELECT MAX(phone) FROM {U}) AS leaked", [("phone", "redact")]),
    (f"SELECT o.id, (SELECT u.email FROM {U} u WHERE u.user_no = o.user_no LIMIT 1) FROM {ORD} o",
     [(None, None), ("email", "redact")]),
    (f"SELECT shop_name FROM {ORD} UNION SELECT phone FROM {U}", [("phone", "redact")]),
    (f"SELECT phone FROM {U} UNION ALL SELECT contact_phone FROM {SUP}", [("phone", "partial")]),
    (f"SELECT v FROM (SELECT id AS v FROM {ORD} UNION ALL SELECT email FROM {U}) x", [("email", "redact")]),
    (f"SELECT user_no, COUNT(*) FROM {ORD} GROUP BY user_no", [("user_id", "hash"), (None, None)]),
    (f"SELECT CONCAT(user_no, phone) FROM {U}", [("phone", "redact")]),
    (f"SELECT COUNT(CASE WHEN phone LIKE '212%' THEN 1 END) FROM {U}", [("phone", "redact")]),
    (f"SELECT SUM(phone = '+1-212-555-0100') FROM {U}", [("phone", "redact")]),
    (f"SELECT FIRST_VALUE(email) OVER (ORDER BY id) FROM {U}", [("email", "redact")]),
])
def test_pii_reaches_the_output_through_every_path(sql, expected):
    assert plan(sql) == expected


def test_select_star_expands_positionally():
    v = check(f"SELECT * FROM {U}")
    cols = ["id", "user_no", "tenant", "phone", "email", "nick_name"]
    assert v.output_pii[: len(cols)] == [None, "user_id", None, "phone", "email", "name"]
    v = check(f"SELECT x.* FROM (SELECT * FROM {U}) x JOIN {ORD} o ON o.user_no = x.user_no")
    assert v.output_pii[3] == "phone" and len(v.output_pii) == 14


def test_star_with_using_puts_the_join_column_first_once():
    v = check(f"SELECT * FROM {U} JOIN luckyus_sales_payment.t_user p USING (user_no)")
    assert v.output_pii[0] == "user_id"
    assert v.output_pii.count("user_id") == 1 and len(v.output_pii) == 14 + 6 - 1


@pytest.mark.parametrize("sql", [
    f"SELECT COUNT(DISTINCT phone) FROM {U}",
    f"SELECT COUNT(email), COUNT(*) FROM {U}",
    f"SELECT COUNT(*) FROM {U} WHERE email IS NULL",
    f"SELECT COUNT(*) FROM {U} WHERE phone IS NOT NULL AND email IS NOT NULL",
    f"SELECT register_channel, COUNT(DISTINCT email) FROM {U} GROUP BY register_channel",
    f"SELECT COUNT(*) FROM {U} HAVING COUNT(DISTINCT phone) > 1",
    f"SELECT COUNT(*) FROM (SELECT phone FROM {U}) x",
])
def test_counts_of_personal_data_are_not_masked(sql):
    v = check(sql)
    assert v.allowed and not v.masked, (v.reason, v.masked)


def test_user_numbers_may_be_grouped_joined_and_ranked():
    sql = (f"SELECT o.user_no, COUNT(*) AS n FROM {ORD} o JOIN {U} u ON u.user_no = o.user_no "
           "GROUP BY o.user_no ORDER BY n DESC, o.user_no LIMIT 10")
    v = check(sql)
    assert v.allowed and v.masked == {"user_no": "user_id"} and v.mask_modes == {"user_no": "hash"}


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("sql, code, column", [
    (f"SELECT COUNT(*) FROM {U} WHERE email = 'a@b.c'", "pii_filter", "email"),
    (f"SELECT id FROM {U} WHERE phone LIKE '212%'", "pii_filter", "phone"),
    (f"SELECT COUNT(*) FROM (SELECT phone AS p FROM {U}) x WHERE x.p = '1'", "pii_filter", "phone"),
    (f"SELECT COUNT(*) FROM {ORD} WHERE user_no IN (SELECT user_no FROM {U} WHERE nick_name = 'Jo')",
     "pii_filter", "nick_name"),
    (f"SELECT id FROM {U} GROUP BY id HAVING MAX(email) > 'm'", "pii_filter", "email"),
    (f"SELECT phone, COUNT(*) FROM {U} GROUP BY phone", "pii_group_by", "phone"),
    (f"SELECT email, COUNT(*) FROM {U} GROUP BY 1", "pii_group_by", "email"),
    (f"SELECT e FROM (SELECT email AS e FROM {U}) x GROUP BY e", "pii_group_by", "email"),
    (f"SELECT ROW_NUMBER() OVER (PARTITION BY phone) FROM {U}", "pii_group_by", "phone"),
    (f"SELECT COUNT(*) FROM {U} u JOIN {SUP} s ON s.contact_phone = u.phone", "pii_join", "phone"),
    (f"SELECT id FROM {U} ORDER BY email", "pii_order_by", "email"),
    (f"SELECT phone FROM {U} ORDER BY 1", "pii_order_by", "phone"),
    (f"SELECT phone AS p FROM {U} UNION SELECT contact_phone FROM {SUP} ORDER BY p", "pii_order_by", "phone"),
])
def test_raw_pii_may_not_pick_group_join_or_order_rows(sql, code, column):
    v = check(sql)
    assert v.code == code and column in v.reason


def test_refusal_message_is_plain_language():
    v = check(f"SELECT COUNT(*) FROM {U} WHERE phone = '1'")
    assert v.reason.startswith("Questions may count people but not pick them out")
    assert "phone (a phone number)" in v.reason


def test_admin_sees_raw_values_and_the_verdict_says_so():
    sql = f"SELECT phone, email FROM {U} WHERE email LIKE '%@example.com' ORDER BY phone"
    assert check(sql).code == "pii_filter"
    v = check(sql, ADMIN)
    assert v.allowed and not v.masked and not v.output_pii
    assert v.unmasked == {"phone": "phone", "email": "email"}
    assert "pii_unmasked" in v.codes and "logged" in v.rules[0].message


def test_system_and_store_managers_are_masked_like_analysts():
    for p in (SYSTEM, Principal(role="store_manager", shops=(1,))):
        v = check(f"SELECT phone FROM {U}", p)
        assert v.masked == {"phone": "phone"}
        assert check(f"SELECT COUNT(*) FROM {U} WHERE phone = '1'", p).code == "pii_filter"
