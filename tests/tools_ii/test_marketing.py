"""Customer 360, campaigns and acquisition: planted facts found, figures checked by independent SQL."""

from __future__ import annotations

from typing import Any

import pytest

from app.executor import Executor
from guardrails.principal import ADMIN, ANALYST
from tests.tools_ii.conftest import Runner
from tests.tools_ii.helpers import planted, rows, run, scalar
from tools.common import ToolInputError
from tools.common2 import mask_user

FILTER = ("o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN "
          "(SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")


# ----------------------------------------------------------------------------- customer 360
def _churn(facts: dict[str, Any]) -> dict[str, Any]:
    (churn,) = planted(facts, "churn_cohort")
    return churn


def _planted_cohort(facts: dict[str, Any]) -> str:
    churn = _churn(facts)
    if not churn.get("applied", True):
        pytest.fail("the dataset's churn_cohort says applied = false: the generator did not plant it")
    return str(churn["register_month"])


def test_churned_cohort_is_the_planted_one(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("customer360")
    found = out.findings_of("churn_cohort")
    assert {f.keys["register_month"] for f in found} == {_planted_cohort(facts)}
    shop = _churn(facts).get("favorite_shop")
    if shop:
        assert found[0].keys.get("favorite_shop") == shop
    collapse_from = _churn(facts).get("collapse_from") or _churn(facts).get("cutoff_date")
    if collapse_from:
        assert found[0].keys["from_month"] == collapse_from[:7]


def test_planted_churners_are_flagged_on_their_cards(duck: Executor, facts: dict[str, Any]) -> None:
    sample = _churn(facts).get("user_nos_sample") or _churn(facts).get("sample_user_nos") or []
    assert sample, "manifest lists no sample churned users"
    card = run(duck, "customer360", user=mask_user(sample[0]), top=0).headline["card"]
    assert card["churn"] is not None and card["churn"]["recent_orders"] <= 1
    orders = scalar(duck, f"SELECT COUNT(*) FROM luckyus_sales_order.t_order o WHERE {FILTER} "
                          f"AND o.user_no = '{sample[0]}' AND o.create_time < '2026-02-14 05:00:00'")
    assert card["orders"] == orders


def test_card_masks_pii_for_non_admins_and_resolves_the_masked_id(duck: Executor, facts: dict[str, Any]) -> None:
    user = (_churn(facts).get("user_nos_sample") or _churn(facts)["sample_user_nos"])[0]
    masked = mask_user(user)
    analyst = run(duck, "customer360", principal=ANALYST, user=masked, top=5).headline["card"]
    admin = run(duck, "customer360", principal=ADMIN, user=masked, top=5).headline["card"]
    assert analyst["user"] == masked and admin["user"] == user
    phone = scalar(duck, f"SELECT phone FROM luckyus_sales_crm.t_user WHERE user_no = '{user}'")
    if phone:
        assert admin["phone"] == phone and analyst["phone"] != phone and analyst["phone"].startswith("***")
    assert {k: v for k, v in analyst.items() if k not in {"user", "masked_id", "phone", "email", "nick_name"}} == \
        {k: v for k, v in admin.items() if k not in {"user", "masked_id", "phone", "email", "nick_name"}}
    top = rows(run(duck, "customer360", principal=ANALYST, top=5), "top_customers")
    assert all(str(r["user"]).startswith("u_") for r in top)
    with pytest.raises(ToolInputError):
        run(duck, "customer360", principal=ANALYST, user=user, top=0)  # raw numbers are for admins only
    with pytest.raises(ToolInputError):
        run(duck, "customer360", user="u_00000000", top=0)


def test_rfm_counts_every_customer_and_matches_the_cdp(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("customer360")
    customers = scalar(duck, f"SELECT COUNT(DISTINCT o.user_no) FROM luckyus_sales_order.t_order o WHERE {FILTER} "
                             "AND o.create_time < '2026-02-14 05:00:00'")
    assert sum(r["users"] for r in rows(out, "rfm_segments")) == customers == out.headline["customers"]
    assert out.headline["rfm_agreement_with_cdp"] >= 0.9


def test_cohort_retention_month_one_matches_sql(duck_tool: Runner, duck: Executor) -> None:
    row = next(r for r in rows(duck_tool("customer360"), "cohort_retention") if r["cohort"] == "2025-08")
    ny = "CONVERT_TZ({}, 'UTC', 'America/New_York')"
    size = scalar(duck, "SELECT COUNT(*) FROM luckyus_sales_crm.t_user u WHERE u.origin <> 6 AND "
                        f"YEAR({ny.format('u.register_time')}) = 2025 AND MONTH({ny.format('u.register_time')}) = 8")
    active = scalar(duck, f"""SELECT COUNT(DISTINCT o.user_no) FROM luckyus_sales_order.t_order o
        JOIN luckyus_sales_crm.t_user u ON u.user_no = o.user_no WHERE {FILTER} AND u.origin <> 6
        AND YEAR({ny.format('u.register_time')}) = 2025 AND MONTH({ny.format('u.register_time')}) = 8
        AND YEAR({ny.format('o.create_time')}) = 2025 AND MONTH({ny.format('o.create_time')}) = 9""")
    assert row["users"] == size and row["M1"] == pytest.approx(active / size, abs=1e-6)


# ----------------------------------------------------------------------------- campaigns
def test_losing_and_winning_campaigns_are_the_planted_ones(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("campaigns")
    (lose,), (win,) = planted(facts, "coupon_template_loser"), planted(facts, "coupon_template_winner")
    assert {f.keys["template_id"] for f in out.findings_of("campaign_losing")} == {lose["template_id"]}
    assert {f.keys["template_id"] for f in out.findings_of("campaign_winning")} == {win["template_id"]}
    board = {r["template_id"]: r for r in rows(out, "leaderboard")}
    assert board[win["template_id"]]["rank"] == 1
    assert board[win["template_id"]]["distributed"] == win["distributed"]
    assert board[win["template_id"]]["redeemed"] == win["redeemed"]


def test_campaign_figures_match_independent_sql(duck_tool: Runner, duck: Executor, facts: dict[str, Any]) -> None:
    loser = planted(facts, "coupon_template_loser")[0]["template_id"]
    row = next(r for r in rows(duck_tool("campaigns"), "losing") if r["template_id"] == loser)
    revenue = scalar(duck, f"""SELECT SUM(o.pay_money) FROM luckyus_sales_marketing.t_coupon_record r
        JOIN luckyus_sales_order.t_order o ON o.id = r.order_id WHERE r.status = 2 AND r.template_id = {loser}
        AND {FILTER}""")
    cost = scalar(duck, f"SELECT marketing_cost FROM luckyus_sales_marketing.t_coupon_template "
                        f"WHERE template_id = {loser}")
    assert row["revenue"] == pytest.approx(float(revenue or 0), abs=0.005)
    assert row["roi"] == pytest.approx(float(revenue or 0) / float(cost), abs=1e-6)


def test_ab_readout_finds_the_real_effect_not_the_null(duck_tool: Runner, facts: dict[str, Any]) -> None:
    out = duck_tool("campaigns")
    (effect,), (null,) = planted(facts, "ab_experiment_effect"), planted(facts, "ab_experiment_null")
    significant = {f.keys["experiment_id"] for f in out.findings_of("ab_effect")}
    assert effect["experiment_id"] in significant and null["experiment_id"] not in significant
    exps = {(r["experiment_id"], r["arm"]): r for r in rows(out, "experiments")}
    for fact in (effect, null):
        r = exps[(fact["experiment_id"], "B")]
        assert (r["users_a"], r["users_b"]) == (fact["A"]["users"], fact["B"]["users"])
        assert r["rate_b"] == pytest.approx(fact["B"]["rate"], abs=1e-4)
        assert r["p_value"] == pytest.approx(fact["p_value"], rel=0.01)
        assert "converts" in r["verdict"] and "two-proportion z-test" in r["verdict"]


# ----------------------------------------------------------------------------- acquisition
def test_acquisition_figures_match_sql(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("acquisition")
    ios = next(r for r in rows(out, "channels") if r["name"] == "iOS app")
    users = scalar(duck, "SELECT COUNT(*) FROM luckyus_sales_crm.t_user u WHERE u.origin <> 6 "
                         "AND u.register_channel = 2 AND u.register_time < '2026-02-14 05:00:00'")
    assert ios["users"] == users
    ret = duck.run(f"""SELECT SUM(CASE WHEN s.last_t >= s.first_t + INTERVAL 30 DAY THEN 1 ELSE 0 END), COUNT(*)
        FROM (SELECT o.user_no, MIN(o.create_time) first_t, MAX(o.create_time) last_t
              FROM luckyus_sales_order.t_order o WHERE {FILTER} AND o.create_time < '2026-02-14 05:00:00'
              GROUP BY o.user_no) s JOIN luckyus_sales_crm.t_user u ON u.user_no = s.user_no
        WHERE u.origin <> 6 AND u.register_channel = 2 AND s.first_t < '2026-01-15 05:00:00'""").rows[0]
    assert ios["retention_30d"] == pytest.approx(ret[0] / ret[1], abs=1e-6)
    assert sum(r["registered"] for r in rows(out, "funnel")) == out.headline["users"]
    assert out.findings == []  # nothing is planted here, so nothing may be claimed
