"""Stable rule codes: what a Verdict names when a rule fires (tests, the audit log and the README key on them)."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """One code per rule. Refusing codes first, then the informational ones (the statement still runs)."""

    # --- refusals
    PARSE = "parse"                          # 1. not valid SQL in the input dialect
    EXECUTABLE_COMMENT = "executable_comment"  # 2. /*! ... */ or /*M! ... */ anywhere in the text
    MULTIPLE_STATEMENTS = "multiple_statements"  # 3. more than one statement
    NOT_QUERY = "not_query"                  # 3. DML, DDL, SET, CALL, ... at the top or hidden inside
    SIDE_EFFECT = "side_effect"              # 4. INTO OUTFILE/DUMPFILE/@var, FOR UPDATE, LOCK IN SHARE MODE
    DENIED_FUNCTION = "denied_function"      # 4. SLEEP, LOAD_FILE, read_csv, getenv, ...
    VARIABLE = "variable"                    # 4. @@system and @user variables, := assignments
    OPTIMIZER_HINT = "optimizer_hint"        # 4. /*+ ... */ hints in the input (SET_VAR can change settings)
    UNKNOWN_FUNCTION = "unknown_function"    # 4. a function that is not a known built-in (a UDF)
    UNSUPPORTED_SYNTAX = "unsupported_syntax"  # allow-list: an expression type the guard does not model
    SYSTEM_SCHEMA = "system_schema"          # 5. information_schema, mysql, performance_schema, sys, ...
    UNKNOWN_TABLE = "unknown_table"          # 5. not in the catalog (with nearest names)
    TABLE_FUNCTION = "table_function"        # 5. FROM a function instead of a catalog table
    UNKNOWN_COLUMN = "unknown_column"        # 5. a column no source provides (with nearest names)
    PII_FILTER = "pii_filter"                # 6. WHERE/HAVING/QUALIFY on a raw personal value
    PII_GROUP_BY = "pii_group_by"            # 6. GROUP BY / PARTITION BY a raw personal value
    PII_JOIN = "pii_join"                    # 6. JOIN ON / USING a raw personal value
    PII_ORDER_BY = "pii_order_by"            # 6. ORDER BY a raw personal value
    NO_SHOPS = "no_shops"                    # 7. a store manager with no shops assigned
    COST = "cost_cross_join"                 # 8. cartesian product of large tables
    # --- informational (refused=False)
    PII_MASKED = "pii_masked"                # 6. output columns masked for this principal
    PII_UNMASKED = "pii_unmasked"            # 6. an admin sees raw personal data (logged)
    SHOP_SCOPE = "shop_scope"                # 7. shop predicate added to scoped tables
    ROW_LIMIT = "row_limit"                  # 8. outer LIMIT added or clamped
    TIME_LIMIT = "time_limit"                # 8. MAX_EXECUTION_TIME hint added (MySQL)


REFUSING = frozenset(c for c in Code if c not in {Code.PII_MASKED, Code.PII_UNMASKED, Code.SHOP_SCOPE,
                                                   Code.ROW_LIMIT, Code.TIME_LIMIT})
