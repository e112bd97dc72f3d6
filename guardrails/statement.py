"""Rules 3-4: one walk over the whole tree against an allow-list of expression types.

Every node must be of a type the guard models: query clauses, operators, literals and built-in
functions. Statement types (DML, DDL, SET, commands) are refused wherever they sit, so DML hidden
in a CTE or subquery is caught; ``INTO``, locking clauses, variables, hints and denied or unknown
functions are refused with their own codes. The walk also drops comments, so nothing the input
hid in a comment reaches the rendered SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from guardrails import functions
from guardrails.codes import Code
from guardrails.lexical import not_query_hit
from guardrails.verdict import RuleHit

_ALLOWED_NAMES = [
    "Select", "Union", "Intersect", "Except", "Subquery", "With", "CTE", "From", "Join", "Where", "Group",
    "Having", "Order", "Ordered", "Limit", "Offset", "Fetch", "LimitOptions", "Qualify", "Window", "WindowSpec",
    "Filter", "WithinGroup", "IgnoreNulls", "RespectNulls", "HavingMax", "Distinct", "Lateral", "Values", "Tuple",
    "Table", "TableAlias", "Alias", "Aliases", "Column", "Identifier", "Star", "Dot", "Literal", "Null", "Boolean",
    "DataType", "DataTypeParam", "Interval", "IntervalSpan", "Var", "Cube", "Rollup", "GroupingSets", "Paren",
    "Neg", "Not", "BitwiseNot", "Add", "Sub", "Mul", "Div", "IntDiv", "Mod", "DPipe", "And", "Or", "Xor", "EQ",
    "NEQ", "NullSafeEQ", "NullSafeNEQ", "GT", "GTE", "LT", "LTE", "Like", "ILike", "Glob", "SimilarTo", "In",
    "Between", "Is", "Escape", "Any", "All", "Bracket", "Slice", "Lambda", "Kwarg", "Introducer", "National",
    "HexString", "BitString", "ByteString", "RawString", "UnicodeString", "Heredoc", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "BitwiseLeftShift", "BitwiseRightShift", "AtTimeZone", "FromTimeZone", "Overlaps", "JSONPath",
    "JSONPathRoot", "JSONPathKey", "JSONPathSubscript", "JSONPathWildcard", "JSONPathSlice", "JSONPathUnion",
    "JSONPathFilter", "JSONPathScript", "JSONPathRecursive", "JSONPathSelector", "JSONPathPart", "IndexTableHint",
    "CharacterSet",
]
ALLOWED: frozenset[type] = frozenset(c for n in _ALLOWED_NAMES if isinstance(c := getattr(exp, n, None), type))

_STATEMENT_NAMES = [
    "Command", "Set", "SetItem", "Use", "Show", "Describe", "Transaction", "Commit", "Rollback", "Grant", "Revoke",
    "Copy", "Attach", "Detach", "Install", "Pragma", "Export", "LoadData", "Kill", "Analyze", "Cache", "Uncache",
    "Refresh", "Execute", "ExecuteSql", "Declare", "DeclareItem", "Summarize", "LockingStatement", "Put", "Get",
    "Drop", "TruncateTable", "Alter", "AlterRename", "AlterSet", "AlterColumn", "Merge", "Return",
    "StoredProcedure", "Block", "IfBlock", "WhileBlock", "LoopBlock", "RepeatBlock", "Leave", "Iterate", "Comment",
    "SwapTable", "Undrop", "AlterSession", "Clone", "MultitableInserts", "ConditionalInsert",
]
_STATEMENTS: tuple[type, ...] = (exp.DDL, exp.DML, *(c for n in _STATEMENT_NAMES
                                                  if isinstance(c := getattr(exp, n, None), type)))

_VERBS = {"Insert": "INSERT into", "Update": "UPDATE", "Delete": "DELETE from", "Merge": "MERGE into",
          "Copy": "COPY", "TruncateTable": "TRUNCATE", "Set": "change a setting with SET",
          "SetItem": "change a setting with SET", "Use": "switch database with USE",
          "Transaction": "start a transaction", "Commit": "COMMIT a transaction",
          "Rollback": "ROLL BACK a transaction", "Describe": "DESCRIBE or EXPLAIN", "Show": "run SHOW",
          "Attach": "ATTACH a database", "Detach": "DETACH a database", "Install": "INSTALL an extension",
          "Pragma": "run a PRAGMA", "Export": "EXPORT data", "LoadData": "LOAD DATA", "Kill": "KILL a session",
          "Grant": "GRANT privileges", "Revoke": "REVOKE privileges", "Summarize": "SUMMARIZE a table"}

_cache: dict[type, str] = {}


def _category(cls: type) -> str:
    cat = _cache.get(cls)
    if cat is None:
        if cls in ALLOWED:
            cat = "ok"
        elif issubclass(cls, _STATEMENTS):
            cat = "statement"
        elif issubclass(cls, exp.Func):
            cat = "func"
        elif cls is exp.Into:
            cat = "into"
        elif cls is exp.Lock:
            cat = "lock"
        elif cls in (exp.Parameter, exp.SessionParameter, exp.PropertyEQ):
            cat = "variable"
        elif cls is exp.Hint:
            cat = "hint"
        else:
            cat = "unsupported"
        _cache[cls] = cat
    return cat


@dataclass
class WalkResult:
    hits: list[RuleHit] = field(default_factory=list)
    tables: list[exp.Table] = field(default_factory=list)
    windows: list[exp.Window] = field(default_factory=list)


def _target_name(node: exp.Expr) -> str:
    this = node.this if isinstance(node.this, exp.Expr) else None
    table = node.find(exp.Table) if this is None or not isinstance(this, exp.Table) else this
    if isinstance(this, exp.Schema):
        table = this.this if isinstance(this.this, exp.Table) else table
    return table.name if isinstance(table, exp.Table) and table.name else ""


def describe_statement(node: exp.Expr) -> str:
    """A verb phrase for a statement node: 'DELETE from t_order', 'DROP TABLE t', 'GRANT'."""
    name = type(node).__name__
    if isinstance(node, exp.Command):
        rest = node.expression.name if isinstance(node.expression, exp.Expr) else str(node.expression or "")
        words = [str(node.this).upper(), *rest.split()[:1]]
        return "run " + " ".join(w for w in words if w)
    if isinstance(node, exp.Create | exp.Drop | exp.Alter):
        kind = str(node.args.get("kind") or "").upper()
        return f"{name.upper()} {kind} {_target_name(node)}".replace("  ", " ").strip()
    verb = _VERBS.get(name, name.upper())
    target = _target_name(node) if name in {"Insert", "Update", "Delete", "Merge", "TruncateTable"} else ""
    return f"{verb} {target}".strip()


def _where(node: exp.Expr, root: exp.Expr) -> str:
    if node is root:
        return ""
    if node.find_ancestor(exp.CTE):
        return " (hidden inside a WITH clause)"
    if node.find_ancestor(exp.Subquery):
        return " (hidden inside a subquery)"
    return " (hidden inside the query)"


def walk(tree: exp.Expr) -> WalkResult:
    """Check every node of ``tree``; collect table nodes; drop comments."""
    out = WalkResult()
    seen: set[str] = set()

    def hit(code: Code, message: str, key: str) -> None:
        if key not in seen:
            seen.add(key)
            out.hits.append(RuleHit(code=code, message=message))

    if not isinstance(tree, exp.Query):
        if isinstance(tree, _STATEMENTS):
            out.hits.append(not_query_hit(describe_statement(tree)))
        else:
            out.hits.append(not_query_hit(f"run {type(tree).__name__.upper()}",
                                          "; only SELECT questions are answered"))
        return out
    for node in tree.walk():
        if node.comments:
            node.comments = None
        cls = type(node)
        cat = _category(cls)
        if cat == "ok":
            if cls is exp.Table:
                out.tables.append(node)  # type: ignore[arg-type]
            elif cls is exp.Window:
                out.windows.append(node)  # type: ignore[arg-type]
            continue
        if cat == "func":
            kind = functions.denial(node)  # type: ignore[arg-type]
            fname = functions.function_name(node).upper()  # type: ignore[arg-type]
            if kind:
                hit(Code.DENIED_FUNCTION, f"Ask Lucky does not run {fname}: it {functions.why(kind)}.", fname)
            elif not functions.is_known(node):  # type: ignore[arg-type]
                hit(Code.UNKNOWN_FUNCTION, f"The function {fname} is not a known built-in, so it could be "
                    "a server-side program; only built-in functions are allowed.", fname)
        elif cat == "statement":
            hit(Code.NOT_QUERY, not_query_hit(describe_statement(node), _where(node, tree)).message,
                f"stmt{id(node)}")
        elif cat == "into":
            hit(Code.SIDE_EFFECT, "Only questions that read data are allowed: this query writes its result "
                f"somewhere ({node.sql('mysql')[:60]}).", "into")
        elif cat == "lock":
            hit(Code.SIDE_EFFECT, "Only questions that read data are allowed: this query locks the rows it "
                "reads (FOR UPDATE / LOCK IN SHARE MODE).", "lock")
        elif cat == "variable":
            hit(Code.VARIABLE, f"Server and session variables ({node.sql('mysql')[:40]}) are not allowed: "
                "they reveal or change settings, not business data.", f"var{node.sql('mysql')}")
        elif cat == "hint":
            hit(Code.OPTIMIZER_HINT, "Optimizer hints (/*+ ... */) are not allowed in questions: some of "
                "them change server settings.", "hint")
        else:
            hit(Code.UNSUPPORTED_SYNTAX, f"This query uses syntax the guard does not check ({cls.__name__}), "
                "so it is refused to be safe.", f"uns{cls.__name__}")
    return out
