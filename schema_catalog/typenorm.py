"""Column types spelled the same way whichever engine reported them, for drift comparison.

MySQL says ``tinyint(4)`` and ``decimal(10,2)``, DuckDB says ``TINYINT`` and ``DECIMAL(10,2)``, the
catalog says ``TINYINT`` and ``DECIMAL(10,2)``; ``VARCHAR(32)`` is plain ``VARCHAR`` in DuckDB and
``DATETIME`` is ``TIMESTAMP``. Each function below is idempotent, so a catalog written in either
spelling compares cleanly.
"""

from __future__ import annotations

import re

_INT_WIDTH = re.compile(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)\s*\(\s*\d+\s*\)")

_MYSQL_ALIASES = {"INTEGER": "INT", "BOOL": "TINYINT", "BOOLEAN": "TINYINT", "DEC": "DECIMAL",
                  "NUMERIC": "DECIMAL", "REAL": "DOUBLE", "CHARACTER VARYING": "VARCHAR"}

_DUCK = {
    "TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "MEDIUMINT": "INTEGER", "INT": "INTEGER",
    "INTEGER": "INTEGER", "BIGINT": "BIGINT", "DATETIME": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP",
    "DATE": "DATE", "TIME": "TIME", "DOUBLE": "DOUBLE", "FLOAT": "FLOAT", "REAL": "FLOAT",
    "VARCHAR": "VARCHAR", "CHAR": "VARCHAR", "TEXT": "VARCHAR", "MEDIUMTEXT": "VARCHAR",
    "LONGTEXT": "VARCHAR", "TINYTEXT": "VARCHAR", "JSON": "JSON", "BLOB": "BLOB", "BOOLEAN": "BOOLEAN",
    "BOOL": "BOOLEAN", "TINYINT UNSIGNED": "UTINYINT", "SMALLINT UNSIGNED": "USMALLINT",
    "INT UNSIGNED": "UINTEGER", "BIGINT UNSIGNED": "UBIGINT",
}


def _squash(type_: str) -> str:
    t = re.sub(r"\s+", " ", type_.strip().upper())
    t = re.sub(r"\s*\(\s*", "(", t)
    t = re.sub(r"\s*,\s*", ",", t)
    return re.sub(r"\s*\)", ")", t)


def mysql_canonical(type_: str) -> str:
    """MySQL/MariaDB spelling without display widths: ``int(11) unsigned`` -> ``INT UNSIGNED``."""
    t = _INT_WIDTH.sub(lambda m: m.group(1), _squash(type_))
    head, sep, rest = t.partition("(")
    words = head.split(" ")
    words[0] = _MYSQL_ALIASES.get(words[0], words[0])
    return " ".join(words) + sep + rest


def duckdb_canonical(type_: str) -> str:
    """The DuckDB type a column of this (MySQL or DuckDB) type is stored as."""
    t = mysql_canonical(type_)
    head = t.partition("(")[0]
    if head == "DECIMAL":
        return t
    if head in _DUCK:
        return _DUCK[head]
    return t.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")


def same_type(catalog_type: str, live_type: str, target: str) -> bool:
    """Whether a live column's type is the one the catalog documents, on ``target``."""
    if target == "duckdb":
        return duckdb_canonical(catalog_type) == duckdb_canonical(live_type)
    return mysql_canonical(catalog_type) == mysql_canonical(live_type)
