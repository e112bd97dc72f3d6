"""Checks on the raw text, before and after parsing fails.

MySQL executes the body of ``/*! ... */`` (and MariaDB of ``/*M! ... */``) while sqlglot drops it
as a comment, so such text is refused before parsing, whatever it hides. When parsing fails, the
tokens still tell *why* the text is not a plain query (``LOAD DATA``, ``HANDLER``, ``INTO OUTFILE``
and ``DO`` are not in sqlglot's MySQL grammar), so the refusal names the right rule.
"""

from __future__ import annotations

import re

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from guardrails.codes import Code
from guardrails.verdict import RuleHit

_EXEC_COMMENT = re.compile(r"/\*[Mm]?!")
QUERY_STARTERS = frozenset({"SELECT", "WITH", "(", "VALUES", "TABLE", "FROM"})
# Words that open a statement other than a query (MySQL, MariaDB, DuckDB, PostgreSQL, SQLite).
STATEMENT_WORDS = frozenset([
    "INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "SET", "CALL", "DO",
    "HANDLER", "LOAD", "GRANT", "REVOKE", "LOCK", "UNLOCK", "PREPARE", "EXECUTE", "DEALLOCATE", "START", "BEGIN",
    "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "XA", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "USE", "KILL",
    "FLUSH", "RESET", "PURGE", "CHANGE", "INSTALL", "UNINSTALL", "OPTIMIZE", "ANALYZE", "REPAIR", "CHECK",
    "CHECKSUM", "CACHE", "SHUTDOWN", "RESTART", "CLONE", "IMPORT", "EXPORT", "HELP", "BINLOG", "SIGNAL",
    "RESIGNAL", "GET", "MERGE", "ATTACH", "DETACH", "COPY", "PRAGMA", "CHECKPOINT", "VACUUM", "SUMMARIZE",
    "COMMENT", "DECLARE", "REINDEX", "LISTEN", "NOTIFY", "UNLISTEN", "DISCARD", "REFRESH", "CLUSTER", "SECURITY",
    "ABORT", "END",
])
# Keywords that only a writing statement uses (a query starting with SELECT that fails to parse and
# holds one of these is refused as a hidden write, not as a typo).
_WRITE_TOKENS = frozenset({TokenType.INSERT, TokenType.UPDATE, TokenType.DELETE, TokenType.DROP, TokenType.CREATE,
                           TokenType.ALTER, TokenType.TRUNCATE, TokenType.MERGE, TokenType.GRANT})


def executable_comment(sql: str) -> RuleHit | None:
    m = _EXEC_COMMENT.search(sql)
    if not m:
        return None
    return RuleHit(code=Code.EXECUTABLE_COMMENT, message=(
        f"The text contains a MySQL executable comment ('{m.group(0)}' at character {m.start() + 1}); "
        "the database would run what is inside it, so the statement is refused whatever it hides."))


def _statements(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            out.append([])
        else:
            out[-1].append(tok)
    return [s for s in out if s]


def statement_verb(tokens: list[Token]) -> str:
    """The leading keywords of a statement, e.g. 'LOAD DATA', 'DROP TABLE', 'HANDLER'."""
    words = [t.text.upper() for t in tokens[:3]]
    if not words:
        return "an empty statement"
    two = {"LOAD", "DROP", "CREATE", "ALTER", "RENAME", "LOCK", "UNLOCK", "START", "EXPORT", "IMPORT",
           "INSERT", "REPLACE", "SHOW", "FLUSH", "RESET", "PURGE", "CHANGE", "INSTALL", "UNINSTALL"}
    if words[0] in two and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def explain_failure(sql: str, read: str, error: Exception) -> RuleHit:
    """Why unparsable text is refused: the token-level reason when there is one, else the parser's position."""
    try:
        tokens = Dialect.get_or_raise(read).tokenize(sql)
    except Exception:  # the tokenizer failed too (e.g. an unterminated string): report the parser error
        tokens = []
    stmts = _statements(tokens)
    if len(stmts) > 1:
        verbs = ", then ".join(statement_verb(s) for s in stmts[:4])
        return RuleHit(code=Code.MULTIPLE_STATEMENTS, message=(
            f"Only one question at a time is allowed: this text holds {len(stmts)} statements ({verbs})."))
    if stmts:
        first = stmts[0][0].text.upper()
        if first in STATEMENT_WORDS:
            return not_query_hit(statement_verb(stmts[0]))
        for tok in stmts[0][1:]:
            if tok.token_type in _WRITE_TOKENS:
                return not_query_hit(tok.text.upper(), " (hidden inside the query)")
        texts = [t.text.upper() for t in stmts[0]]
        for i, word in enumerate(texts[:-1]):
            if word == "INTO" and (texts[i + 1] in {"OUTFILE", "DUMPFILE"} or texts[i + 1].startswith("@")):
                return RuleHit(code=Code.SIDE_EFFECT, message=(
                    f"Only questions that read data are allowed: this query writes its result with "
                    f"INTO {texts[i + 1]}."))
    return RuleHit(code=Code.PARSE, message=f"The SQL could not be read: {_position(error)}")


def not_query_hit(verb: str, where: str = "", target: str = "") -> RuleHit:
    what = f"{verb} {target}".strip()
    return RuleHit(code=Code.NOT_QUERY, message=(
        f"Only questions that read data are allowed: this query tries to {what}{where}."))


def _position(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if errors:
        e = errors[0]
        line, col = e.get("line"), e.get("col")
        desc = str(e.get("description") or "invalid SQL")
        hl = str(e.get("highlight") or "").strip()
        near = f" near '{hl}'" if hl else ""
        return f"{desc} at line {line}, column {col}{near}."
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    if first.startswith("Error tokenizing"):
        near = first.removeprefix("Error tokenizing").strip().strip("'")[-40:]
        return f"a quoted text or comment is not closed (near '{near}')." if near else \
            "a quoted text or comment is not closed."
    return first[:200].rstrip(".") + "."
