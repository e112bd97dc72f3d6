"""What a plain statement-type check lets through, measured on the same attack suite as the guard.

Two peer-style checks: (a) parse, and allow when the first statement is a SELECT; (b) allow when the
text starts with SELECT or WITH. Neither knows about masking, so for PII rows "lets through" means
the raw value leaves the database. ``--write`` refreshes the table in README.md
(``test_attacks.py`` fails when it is stale).
"""

from __future__ import annotations

import argparse
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp

from guardrails import Principal, check

HERE = Path(__file__).parent
ATTACKS = HERE / "attacks.yaml"
README = HERE.parents[1] / "README.md"
BEGIN, END = "<!-- attack-table:begin -->", "<!-- attack-table:end -->"


def load_attacks() -> list[dict[str, Any]]:
    return list(yaml.safe_load(ATTACKS.read_text(encoding="utf-8")))


def first_statement_is_select(sql: str, read: str = "mysql") -> bool:
    """Peer check (a): allowed when sqlglot parses it and the first statement is a SELECT."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return False
    return bool(statements) and isinstance(statements[0], exp.Select | exp.SetOperation)


def starts_with_select(sql: str, read: str = "mysql") -> bool:
    """Peer check (b): allowed when the text starts with SELECT or WITH."""
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def guard_refuses(item: dict[str, Any]) -> bool:
    v = check(item["sql"], Principal(role=item.get("role", "analyst")), read=item.get("read", "mysql"))
    return not v.allowed


def comparison() -> tuple[list[tuple[str, int, int, int, int]], tuple[int, int, int, int]]:
    """Per attack group: (group, statements, guard refused, (a) let through, (b) let through)."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    rows: OrderedDict[str, list[int]] = OrderedDict()
    for item in load_attacks():
        read = item.get("read", "mysql")
        r = rows.setdefault(item["group"], [0, 0, 0, 0])
        r[0] += 1
        r[1] += int(guard_refuses(item))
        r[2] += int(first_statement_is_select(item["sql"], read))
        r[3] += int(starts_with_select(item["sql"], read))
    table = [(g, v[0], v[1], v[2], v[3]) for g, v in rows.items()]
    totals = (sum(r[1] for r in table), sum(r[2] for r in table), sum(r[3] for r in table), sum(r[4] for r in table))
    return table, totals


def markdown() -> str:
    table, (n, refused, a, b) = comparison()
    lines = ["| attack group | statements | Ask Lucky refuses | first-statement-is-SELECT lets through "
             "| starts-with-SELECT lets through |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {g} | {n_} | {r} | {a_} | {b_} |" for g, n_, r, a_, b_ in table]
    lines.append(f"| **all** | **{n}** | **{refused} ({100 * refused / n:.0f} %)** | **{a} ({100 * a / n:.0f} %)** "
                 f"| **{b} ({100 * b / n:.0f} %)** |")
    return "\n".join(lines)


def write_readme() -> None:
    text = README.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(f"{head}{BEGIN}\n{markdown()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="refresh the table in README.md")
    if parser.parse_args().write:
        write_readme()
    print(markdown())
