"""Seed tool 2, multi-tenant data isolation auditor: tenants, currencies and test shops across core tables.

Every core table carries a ``tenant``; the Cook Islands NZD test shops (tenant LKCK, ``test_flag = 1``)
share the tables with the USD production tenant (LKUS). The audit counts rows per tenant in every
table of the schema contract that has a tenant column, flags tenant values that are not configured,
rows whose tenant or currency disagrees with their shop (or parent row), and the test-shop rows a
currency-only filter would let into a USD report, with the size of that contamination.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlglot import exp

from app.dataset.schema import TABLES
from tools.base import Finding, Severity, ToolContext, ToolInput, ToolOutput
from tools.common import all_shops, bind, cents, chart, clean, fetch, num, pct, table
from tools.registry import tool

SHOP = ("luckyus_opshop", "t_shop_info")


@dataclass(frozen=True)
class Link:
    """A child table checked against its owner: ``child.fk = owner.id`` and a column that must agree."""

    child: str  # db.table
    owner: str  # db.table
    fk: str
    column: str  # tenant or currency_code
    owner_column: str


# Which rows must agree with which owner (constant: the schema's relationships, not user input).
LINKS: tuple[Link, ...] = (
    Link("luckyus_sales_order.t_order", "luckyus_opshop.t_shop_info", "shop_id", "tenant", "tenant"),
    Link("luckyus_sales_payment.t_trade", "luckyus_opshop.t_shop_info", "shop_id", "tenant", "tenant"),
    Link("luckyus_ifiaccounting.t_acc_income_bill", "luckyus_opshop.t_shop_info", "shop_id", "tenant", "tenant"),
    Link("luckyus_sales_order.t_order_item", "luckyus_sales_order.t_order", "order_id", "tenant", "tenant"),
    Link("luckyus_sales_order.t_order_amount", "luckyus_sales_order.t_order", "order_id", "tenant", "tenant"),
    Link("luckyus_sales_payment.t_channel_fee", "luckyus_sales_payment.t_trade", "trade_id", "tenant", "tenant"),
    Link("luckyus_sales_order.t_order", "luckyus_opshop.t_shop_info", "shop_id", "currency_code", "currency_code"),
    Link("luckyus_sales_payment.t_trade", "luckyus_opshop.t_shop_info", "shop_id", "currency_code", "currency_code"),
    Link("luckyus_ifiaccounting.t_acc_income_bill", "luckyus_opshop.t_shop_info", "shop_id", "currency_code",
         "currency_code"),
    Link("luckyus_sales_order.t_order_item", "luckyus_sales_order.t_order", "order_id", "currency_code",
         "currency_code"),
    Link("luckyus_sales_payment.t_channel_fee", "luckyus_sales_payment.t_trade", "trade_id", "currency_code",
         "currency_code"),
)

_TEST_SHOP_ORDERS = """
SELECT o.shop_id AS shop_id, o.currency_code AS currency, COUNT(*) AS n, SUM(o.pay_money) AS amount
FROM luckyus_sales_order.t_order AS o
WHERE o.status = 90 AND o.shop_id IN (:test_shops)
GROUP BY o.shop_id, o.currency_code
ORDER BY o.shop_id, o.currency_code
"""
_COMPLETED_BY_CURRENCY = """
SELECT o.currency_code AS currency, COUNT(*) AS n, SUM(o.pay_money) AS amount
FROM luckyus_sales_order.t_order AS o WHERE o.status = 90 GROUP BY o.currency_code ORDER BY o.currency_code
"""


class TenantAuditInput(ToolInput):
    known_tenants: str = Field("LKUS,LKCK", description="Comma-separated tenant codes that are configured.")
    max_ids: int = Field(50, ge=1, le=1000, description="Most row ids listed as evidence per finding.")


def _tbl(qualified: str, alias: str) -> exp.Table:
    db, name = qualified.split(".")
    return exp.table_(name, db=db, alias=alias)


def tenant_counts(ctx: ToolContext) -> list[dict[str, Any]]:
    """Rows per tenant in every table of the schema contract that has a tenant column."""
    out = []
    for t in TABLES.values():
        if "tenant" not in t.column_names:
            continue
        q = (exp.select("x.tenant AS tenant", "COUNT(*) AS n", dialect="mysql").from_(_tbl(t.qualified, "x"))
             .group_by("x.tenant", dialect="mysql").order_by("x.tenant", dialect="mysql"))
        for r in ctx.records(q):
            out.append({"table": t.qualified, "tenant": r["tenant"], "rows": int(r["n"])})
    return out


def link_mismatches(ctx: ToolContext, link: Link, max_ids: int) -> list[dict[str, Any]]:
    """Groups of child rows whose column disagrees with the owner's, by (child value, owner value, shop)."""
    shop_expr = "x.shop_id" if "shop_id" in TABLES[link.child].column_names else "o.shop_id"
    cond = f"x.{link.column} <> o.{link.owner_column}"
    q = (exp.select(f"{shop_expr} AS shop_id", f"x.{link.column} AS value", f"o.{link.owner_column} AS owner_value",
                    "COUNT(*) AS n", "MIN(x.id) AS first_id", dialect="mysql")
         .from_(_tbl(link.child, "x"))
         .join(_tbl(link.owner, "o"), on=f"o.id = x.{link.fk}", dialect="mysql")
         .where(cond, dialect="mysql")
         .group_by(shop_expr, f"x.{link.column}", f"o.{link.owner_column}", dialect="mysql")
         .order_by("n DESC", dialect="mysql"))
    groups = fetch(ctx, q, "mismatch groups")
    for g in groups:
        ids_q = (exp.select("x.id AS id", dialect="mysql").from_(_tbl(link.child, "x"))
                 .join(_tbl(link.owner, "o"), on=f"o.id = x.{link.fk}", dialect="mysql")
                 .where(cond, dialect="mysql")
                 .where(exp.EQ(this=exp.column("shop_id", table=shop_expr.split(".")[0]), expression=exp.Literal.number(
                     int(g["shop_id"]))))
                 .where(exp.EQ(this=exp.column(link.column, table="x"), expression=exp.Literal.string(g["value"])))
                 .order_by("x.id", dialect="mysql").limit(max_ids))
        g["ids"] = [int(r["id"]) for r in ctx.records(ids_q)]
    return groups


def orphan_shop_rows(ctx: ToolContext) -> list[dict[str, Any]]:
    """Orders and trades whose shop_id is not in t_shop_info at all."""
    out: list[dict[str, Any]] = []
    for qualified in ("luckyus_sales_order.t_order", "luckyus_sales_payment.t_trade"):
        q = (exp.select("x.shop_id AS shop_id", "COUNT(*) AS n", dialect="mysql").from_(_tbl(qualified, "x"))
             .join(exp.table_(SHOP[1], db=SHOP[0], alias="s"), on="s.id = x.shop_id", join_type="left",
                   dialect="mysql")
             .where("s.id IS NULL", dialect="mysql").group_by("x.shop_id", dialect="mysql"))
        out.extend({"table": qualified, "shop_id": int(r["shop_id"]), "rows": int(r["n"])} for r in ctx.records(q))
    return out


@tool(name="tenant_audit", title="Multi-tenant data isolation auditor", department="IT / DevOps", seed_tool=2,
      input_model=TenantAuditInput,
      examples=("are test orders mixed into production", "tenant audit", "orders whose currency does not match "
                                                                         "the store"),
      keywords=("tenant", "isolation", "test shops", "NZD", "currency mismatch", "contamination", "Cook Islands",
                "data leakage"))
def tenant_audit(ctx: ToolContext, args: TenantAuditInput) -> ToolOutput:
    """Tenant distribution across every core table with a tenant column; unknown tenant values; rows whose
    tenant or currency disagrees with their store or parent row (e.g. Cook Islands orders labelled USD);
    and the test-shop rows a currency-only filter lets into USD reports, with the size of that contamination."""
    known = {t.strip() for t in args.known_tenants.split(",") if t.strip()}
    counts = tenant_counts(ctx)
    findings: list[Finding] = []
    for c in counts:
        if c["tenant"] not in known:
            findings.append(Finding(
                severity=Severity.critical, kind="unknown_tenant",
                title=f"{c['rows']:,} rows of {c['table']} have tenant {c['tenant']!r}, which is not configured.",
                where=c["table"], evidence=[c], keys={"table": c["table"], "tenant": c["tenant"]}))
    shops = {s.id: s for s in all_shops(ctx)}
    mismatches = []
    for link in LINKS:
        for g in link_mismatches(ctx, link, args.max_ids):
            shop = shops.get(int(g["shop_id"]))
            row = {"table": link.child, "column": link.column, "against": link.owner, "shop_id": int(g["shop_id"]),
                   "shop_name": shop.name if shop else None, "value": g["value"], "expected": g["owner_value"],
                   "rows": int(g["n"]), "ids": g["ids"]}
            mismatches.append(row)
            kind = "currency_mismatch" if link.column == "currency_code" else "tenant_mismatch"
            findings.append(Finding(
                severity=Severity.critical, kind=kind,
                title=f"{row['rows']:,} rows of {link.child} at {row['shop_name'] or row['shop_id']} have "
                      f"{link.column} {row['value']!r} but their {link.owner.split('.')[1]} says {row['expected']!r}.",
                where=f"{link.child} shop {row['shop_id']}", evidence=[{k: clean(v) for k, v in row.items()}],
                keys={"table": link.child, "column": link.column, "shop_id": row["shop_id"], "ids": row["ids"],
                      "rows": row["rows"]}))
    for o in orphan_shop_rows(ctx):
        findings.append(Finding(severity=Severity.warning, kind="unknown_shop",
                                title=f"{o['rows']:,} rows of {o['table']} point to shop {o['shop_id']}, "
                                      "which is not in t_shop_info.",
                                where=o["table"], evidence=[o], keys={"table": o["table"], "shop_id": o["shop_id"]}))
    test_ids = [s.id for s in shops.values() if s.test_flag == 1]
    test_rows = fetch(ctx, bind(_TEST_SHOP_ORDERS, test_shops=test_ids), "test shop groups")
    by_cur = {r["currency"]: r for r in ctx.records(bind(_COMPLETED_BY_CURRENCY))}
    usd = by_cur.get("USD", {"n": 0, "amount": 0})
    contamination = [r for r in test_rows if r["currency"] == "USD"]
    cont_n = sum(int(r["n"]) for r in contamination)
    cont_amt = sum(cents(r["amount"]) for r in contamination) / 100
    if cont_n:
        findings.append(Finding(
            severity=Severity.warning, kind="test_shop_rows_in_usd",
            title=f"{cont_n:,} completed orders ({cont_amt:,.2f} USD) from test shops are labelled USD: a report "
                  f"filtering only on currency would include them ({pct(cont_n, int(usd['n']))} % of USD orders).",
            where="luckyus_sales_order.t_order",
            evidence=[{"shop_id": int(r["shop_id"]), "shop_name": shops[int(r["shop_id"])].name, "orders": int(r["n"]),
                       "amount": num(r["amount"])} for r in contamination],
            keys={"shop_ids": sorted({int(r["shop_id"]) for r in contamination}), "orders": cont_n}))
    total_completed = sum(int(r["n"]) for r in by_cur.values())
    nzd = by_cur.get("NZD")
    if nzd:
        findings.append(Finding(
            severity=Severity.info, kind="nzd_share",
            title=f"{int(nzd['n']):,} completed NZD orders (NZ$ {float(nzd['amount']):,.2f}) share t_order with USD: "
                  f"counting all currencies inflates order counts by {pct(int(nzd['n']), int(usd['n']))} %.",
            where="luckyus_sales_order.t_order", keys={"currency": "NZD", "orders": int(nzd["n"])}))
    dist_rows = sorted(counts, key=lambda c: (c["table"], c["tenant"]))
    headline = {"tables_checked": len({c["table"] for c in counts}),
                "tenants_seen": sorted({c["tenant"] for c in counts}),
                "unknown_tenant_rows": sum(c["rows"] for c in counts if c["tenant"] not in known),
                "tenant_mismatch_rows": sum(m["rows"] for m in mismatches if m["column"] == "tenant"),
                "currency_mismatch_rows": sum(m["rows"] for m in mismatches if m["column"] == "currency_code"),
                "test_shop_usd_orders": cont_n, "test_shop_usd_amount": num(cont_amt),
                "usd_completed_orders": int(usd["n"]),
                "contamination_pct_of_usd_orders": pct(cont_n, int(usd["n"])),
                "nzd_completed_orders": int(nzd["n"]) if nzd else 0,
                "nzd_pct_of_completed": pct(int(nzd["n"]), total_completed) if nzd else 0.0}
    status = "FAIL" if any(f.severity == Severity.critical for f in findings) else "PASS"
    headline["status"] = status
    return ToolOutput(
        tool="tenant_audit", title="Multi-tenant isolation audit",
        summary=f"{status}: {headline['tables_checked']} tables, tenants {', '.join(headline['tenants_seen'])}; "
                f"{headline['currency_mismatch_rows']} rows with a currency that disagrees with their store or parent; "
                f"{cont_n} USD-labelled test-shop orders.",
        headline=headline,
        tables=[table("tenant_distribution", dist_rows),
                table("mismatches", [{k: clean(v) if k != "ids" else v[:10] for k, v in m.items()}
                                     for m in mismatches]),
                table("test_shop_orders", [{"shop_id": int(r["shop_id"]), "shop_name": shops[int(r["shop_id"])].name,
                                            "currency": r["currency"], "orders": int(r["n"]),
                                            "amount": num(r["amount"])} for r in test_rows])],
        findings=findings,
        chart=chart("bar", dist_rows, "table", "rows", title="Rows per tenant", color="tenant"),
        filters=[f"known tenants: {', '.join(sorted(known))}", "orders: completed (status 90) for contamination sizes",
                 "test shops: t_shop_info.test_flag = 1"],
    )
