"""Masking values, and the executor applying it: what a non-admin actually receives."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import Refused
from app.executor import Executor, Result
from guardrails import ADMIN, ANALYST, Principal, check
from guardrails.masking import REDACTED, apply, mask_value, pseudonym

U = "luckyus_sales_crm.t_user"
ORD = "luckyus_sales_order.t_order"
KEY = b"test-key"


@pytest.mark.parametrize("value, cls, expected", [
    ("+1 (212) 555-1234", "phone", "***-***-1234"),
    ("212.555.9876", "phone", "***-***-9876"),
    ("12", "phone", REDACTED),
    ("jane.doe@example.com", "email", "j***@example.com"),
    ("not-an-email", "email", REDACTED),
    ("Jane", "name", "J***"),
    ("pi_3Nk2LmAbCdEf4242", "payment_ref", "***4242"),
    (dt.date(1990, 5, 17), "birthdate", "1990-**-**"),
    ("4242", "card", REDACTED),
    ("12 Main St", "address", REDACTED),
])
def test_partial_masks(value, cls, expected):
    assert mask_value(value, cls, "partial", KEY) == expected


def test_redact_and_null():
    assert mask_value("+1-212-555-1234", "phone", "redact", KEY) == REDACTED
    assert mask_value(None, "phone", "partial", KEY) is None
    assert mask_value(None, "user_id", "hash", KEY) is None


def test_pseudonyms_are_stable_keyed_and_distinct():
    a, b = pseudonym("U000001", key=KEY), pseudonym("U000002", key=KEY)
    assert a == pseudonym("U000001", key=KEY) and a != b
    assert a.startswith("u_") and len(a) == 10
    assert pseudonym("U000001", key=b"other-key") != a
    assert "U000001" not in a


def _result(columns: list[str], rows: list[list[object]]) -> Result:
    return Result(columns=columns, rows=rows, truncated=False, elapsed_ms=1.0, sql="", target="duckdb")


def test_apply_masks_by_position_even_with_duplicate_names():
    v = check(f"SELECT u.phone, p.email, u.email FROM {U} u JOIN luckyus_sales_payment.t_user p "
              "ON p.user_no = u.user_no")
    res = apply(_result(["phone", "email", "email"], [["+1-212-555-0101", "a@x.com", "b@y.com"]]), v, key=KEY)
    assert res.rows == [["***-***-0101", "a***@x.com", "b***@y.com"]]
    assert res.masked == {"phone": "phone", "email": "email"}


def test_apply_redacts_everything_when_a_planned_column_is_missing():
    v = check(f"SELECT phone FROM {U}")
    v = v.model_copy(update={"output_pii": [], "output_mask": []})
    res = apply(_result(["tel", "n"], [["+1-212-555-0101", 3]]), v, key=KEY)
    assert res.rows == [[REDACTED, REDACTED]]


# ---------------------------------------------------------------- through the executor
def test_executor_masks_for_analysts(synth_exec: Executor):
    res = synth_exec.run(f"SELECT user_no, phone, email, nick_name FROM {U} ORDER BY id LIMIT 3")
    for user_no, phone, email, name in res.rows:
        assert user_no.startswith("u_") and phone.startswith("***-***-") and "***@" in email
        assert name.endswith("***") and len(name) == 4


def test_executor_admin_gets_raw_values(synth_exec: Executor):
    res = synth_exec.run(f"SELECT user_no, phone FROM {U} ORDER BY id LIMIT 1", principal=ADMIN)
    assert res.rows[0][0].startswith("U0") and res.rows[0][1].startswith("+1-212-555-")
    assert res.verdict is not None and res.verdict.unmasked == {"user_no": "user_id", "phone": "phone"}


def test_top_users_still_rank_after_hashing(synth_exec: Executor):
    sql = f"SELECT user_no, COUNT(*) AS n FROM {ORD} GROUP BY user_no ORDER BY n DESC, user_no LIMIT 5"
    raw = synth_exec.run(sql, principal=ADMIN).rows
    masked = synth_exec.run(sql, principal=ANALYST).rows
    assert [r[1] for r in raw] == [r[1] for r in masked]
    assert [r[0] for r in masked] == [pseudonym(r[0]) for r in raw]


def test_executor_refuses_before_running(synth_exec: Executor):
    with pytest.raises(Refused) as err:
        synth_exec.run(f"SELECT COUNT(*) FROM {U} WHERE phone = '+1-212-555-1001'")
    assert err.value.rules[0]["code"] == "pii_filter"


def test_truncation_is_reported(synth_exec: Executor):
    res = synth_exec.run(f"SELECT id FROM {ORD}", row_cap=10)
    assert len(res.rows) == 10 and res.truncated
    res = synth_exec.run(f"SELECT id FROM {ORD} LIMIT 10", row_cap=10)
    assert len(res.rows) == 10 and not res.truncated


def test_store_manager_rows_through_the_executor(synth_exec: Executor):
    res = synth_exec.run(f"SELECT DISTINCT shop_id FROM {ORD}", principal=Principal(role="store_manager", shops=(2,)))
    assert res.rows == [[2]]


def test_database_errors_do_not_leak_masked_values(synth_exec: Executor):
    from app.errors import QueryFailed

    with pytest.raises(QueryFailed) as err:  # DuckDB quotes the value it could not convert
        synth_exec.run(f"SELECT CAST(phone AS BIGINT) FROM {U}")
    assert "555" not in err.value.message and "hidden" in err.value.message
    with pytest.raises(QueryFailed) as err:  # no personal data: the database's words are kept
        synth_exec.run(f"SELECT CAST(shop_name AS BIGINT) FROM {ORD}")
    assert "Broadway" in err.value.message or "Fulton" in err.value.message or "Grand" in err.value.message \
        or "6th" in err.value.message
