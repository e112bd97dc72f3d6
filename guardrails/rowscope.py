"""Rule 7: a store manager sees only their shops, however the query is written.

Every reference to a table with a shop key (or a path to one, ``shop_scope_via``) is replaced by
a derived table that keeps only the allowed shops, under the same alias::

    luckyus_sales_order.t_order AS o
      -> (SELECT * FROM luckyus_sales_order.t_order WHERE shop_id IN (1, 2)) AS o
    luckyus_sales_order.t_order_item
      -> (SELECT * FROM luckyus_sales_order.t_order_item WHERE order_id IN
            (SELECT id FROM luckyus_sales_order.t_order WHERE shop_id IN (1, 2))) AS t_order_item

Wrapping each reference (rather than adding to WHERE) holds in every CTE, subquery, UNION branch
and outer join, and keeps LEFT JOIN semantics.
"""

from __future__ import annotations

from sqlglot import exp

from guardrails.policy import CatalogPolicy, TablePolicy


def _table(tp: TablePolicy) -> exp.Table:
    return exp.table_(tp.name, db=tp.database)


def scoped_select(tp: TablePolicy, shops: tuple[int, ...], policy: CatalogPolicy,
                  columns: str = "*", depth: int = 0) -> exp.Select | None:
    """``SELECT columns FROM tp WHERE <reaches an allowed shop>``; None when tp has no shop path."""
    ids = [exp.Literal.number(s) for s in shops]
    if tp.shop_key:
        cond: exp.Expr = exp.In(this=exp.column(tp.shop_key), expressions=ids)
    elif tp.shop_via and depth < 8:
        via = tp.shop_via
        target = policy.lookup(via.database, via.table)
        if target is None:
            return None
        inner = scoped_select(target, shops, policy, via.target_column, depth + 1)
        if inner is None:
            return None
        cond = exp.In(this=exp.column(via.column), query=exp.Subquery(this=inner))
    else:
        return None
    proj: exp.Expr = exp.Star() if columns == "*" else exp.column(columns)
    return exp.select(proj).from_(_table(tp)).where(cond)


def is_scoped(tp: TablePolicy) -> bool:
    return bool(tp.shop_key or tp.shop_via)


def apply_scope(tree: exp.Expr, table_of: dict[int, TablePolicy], nodes: list[exp.Table],
                shops: tuple[int, ...], policy: CatalogPolicy) -> list[str]:
    """Wrap every scoped table reference in ``nodes`` (in place); returns the scoped tables' names."""
    scoped: set[str] = set()
    renamed: dict[tuple[str, str], str] = {}
    todo = [(n, table_of[id(n)]) for n in nodes if id(n) in table_of and is_scoped(table_of[id(n)])]
    names = [n.name.lower() for n, _ in todo if not n.alias]
    for node, tp in todo:
        inner = scoped_select(tp, shops, policy)
        if inner is None:
            continue
        alias = node.alias
        if not alias:
            alias = tp.name
            if names.count(tp.name.lower()) > 1:  # same table name from two databases, no aliases
                alias = f"{tp.database}_{tp.name}"
            renamed[(tp.database.lower(), tp.name.lower())] = alias
        wrapped = exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias)))
        for key in ("joins", "pivots", "laterals"):
            if node.args.get(key):
                wrapped.set(key, node.args[key])
        node.replace(wrapped)
        scoped.add(tp.qualified)
    if renamed:
        _fix_db_qualified_columns(tree, renamed)
    return sorted(scoped)


def _fix_db_qualified_columns(tree: exp.Expr, renamed: dict[tuple[str, str], str]) -> None:
    """``db.t_order.shop_id`` must now say ``t_order.shop_id`` (the wrapped reference's alias)."""
    for col in tree.find_all(exp.Column):
        db = col.text("db")
        if not db:
            continue
        alias = renamed.get((db.lower(), col.table.lower()))
        if alias:
            col.set("db", None)
            col.set("catalog", None)
            col.set("table", exp.to_identifier(alias))
