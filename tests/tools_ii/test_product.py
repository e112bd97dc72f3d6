"""Menu engineering and recommendations: the planted basket pair, the quadrant rule, figures vs SQL."""

from __future__ import annotations

from typing import Any

import pytest

from app.executor import Executor
from guardrails.principal import ANALYST
from tests.tools_ii.conftest import Runner
from tests.tools_ii.helpers import planted, rows, run, scalar
from tools.common import ToolInputError

FILTER = ("o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN "
          "(SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1)")


def test_menu_scorecard_matches_sql_and_follows_the_stated_rule(duck_tool: Runner, duck: Executor) -> None:
    out = duck_tool("menu", top=200)
    card = rows(out, "scorecard")
    top = card[0]
    revenue = scalar(duck, f"""SELECT SUM(i.pay_money) FROM luckyus_sales_order.t_order_item i
        JOIN luckyus_sales_order.t_order o ON o.id = i.order_id WHERE {FILTER} AND i.spu_name = '{top['spu_name']}'
        AND o.create_time < '2026-02-14 05:00:00'""")
    total = scalar(duck, f"""SELECT SUM(i.pay_money) FROM luckyus_sales_order.t_order_item i
        JOIN luckyus_sales_order.t_order o ON o.id = i.order_id WHERE {FILTER}
        AND o.create_time < '2026-02-14 05:00:00'""")
    assert top["revenue"] == pytest.approx(float(revenue), abs=0.005)
    assert top["revenue_share"] == pytest.approx(float(revenue) / float(total), abs=1e-6)
    assert top["spu_name"] == "Iced Coconut Latte"  # the seed's number one (section 2.3)
    quad = rows(out, "quadrant")
    pop, margin = out.headline["popularity_threshold_share"], out.headline["margin_threshold"]
    for r in quad:
        assert r["popular"] == (r["items_share"] >= pop - 1e-6)
        assert r["profitable"] == (r["unit_margin"] >= margin - 1e-4)
        expected = {(True, True): "star", (True, False): "plow horse", (False, True): "puzzle",
                    (False, False): "dog"}[(r["popular"], r["profitable"])]
        assert r["quadrant"] == expected
    assert sum(out.headline[q] for q in ("star", "plow horse", "puzzle", "dog")) == out.headline["products"]


def test_planted_basket_pair_is_the_only_significant_pair(duck_tool: Runner, duck: Executor,
                                                          facts: dict[str, Any]) -> None:
    out = duck_tool("recommend", eval_users=0)
    (pair,) = planted(facts, "basket_pair")
    found = [{f.keys["spu_a"], f.keys["spu_b"]} for f in out.findings_of("product_affinity")]
    assert found == [{pair["spu_code_a"], pair["spu_code_b"]}]
    a, b = sorted([pair["spu_code_a"], pair["spu_code_b"]])
    together = scalar(duck, f"""SELECT COUNT(DISTINCT x.order_id) FROM luckyus_sales_order.t_order_item x
        JOIN luckyus_sales_order.t_order_item y ON y.order_id = x.order_id
        JOIN luckyus_sales_order.t_order o ON o.id = x.order_id
        WHERE x.spu_code = '{a}' AND y.spu_code = '{b}' AND {FILTER} AND o.create_time < '2026-02-14 05:00:00'""")
    row = next(r for r in rows(out, "pairs") if {r["name_a"], r["name_b"]} == {pair["product_a"], pair["product_b"]})
    assert row["together"] == together >= pair["orders_with_both"] * 0.9


def test_also_ordered_and_offline_evaluation_report_both_numbers(duck_tool: Runner, facts: dict[str, Any]) -> None:
    (pair,) = planted(facts, "basket_pair")
    out = duck_tool("recommend", product=pair["product_a"], eval_users=1000)
    also = rows(out, "also_ordered")
    assert also[0]["also_ordered"] == pair["product_b"]
    ev = rows(out, "offline_evaluation")[0]
    assert ev["users_with_new_products"] > 50
    assert 0 <= ev["hit_rate_model"] <= 1 and 0 <= ev["hit_rate_popularity"] <= 1
    assert out.headline["hit_rate_model"] == pytest.approx(ev["hit_rate_model"], abs=1e-4)
    assert "popularity baseline" in out.summary and "McNemar" in out.summary


def test_user_profile_by_masked_id(duck: Executor, facts: dict[str, Any]) -> None:
    top = rows(run(duck, "customer360", principal=ANALYST, top=1), "top_customers")[0]
    out = run(duck, "recommend", principal=ANALYST, user=top["user"], eval_users=0)
    profile = rows(out, "taste_profile")[0]
    assert profile["user"] == top["user"] and profile["orders"] == top["orders"]
    recs = rows(out, "next_best_products")
    assert len(recs) == 5 and len({r["product"] for r in recs}) == 5
    with pytest.raises(ToolInputError):
        run(duck, "recommend", product="No Such Drink", eval_users=0)
