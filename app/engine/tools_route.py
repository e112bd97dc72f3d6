"""Questions that name a departmental tool ('run the reconciliation for yesterday') are run by it.

The tool registry is built elsewhere (``tools/``); this module only maps what the parser read
(the tool's name, a period, a store) onto the tool's typed input and turns its output into an
``Answer``. A tool that is not installed, or a registry that cannot be imported, gives an honest
refusal rather than an error.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from app.answer import Answer
from app.engine.intent import Period
from app.errors import LuckyError
from app.executor import Executor
from guardrails.principal import Principal

NOT_AVAILABLE = "that analysis is not available yet"


def _registry() -> Any | None:
    try:
        return importlib.import_module("tools.registry")
    except ImportError:
        return None


def available_tools() -> set[str]:
    reg = _registry()
    if reg is None:
        return set()
    try:
        return {t.name for t in reg.all_tools()}
    except Exception:
        return set()


def tool_params(fields: dict[str, Any], period: Period | None, store: str | None) -> dict[str, Any]:
    """The tool input the question supplies: its period as start/end, its store as shop/store."""
    params: dict[str, Any] = {}
    if period is not None and period.start is not None:
        if "start" in fields and "end" in fields:
            params["start"], params["end"] = period.start, period.end
        elif "since" in fields and "until" in fields:
            params["since"], params["until"] = period.start, period.end
        elif "as_of" in fields:
            params["as_of"] = period.end
        elif "date" in fields and period.start == period.end:
            params["date"] = period.start
        elif "week_start" in fields and period.grain == "week":  # a named week, planned from its Monday
            params["week_start"] = period.start - dt.timedelta(days=period.start.weekday())
    if store:
        for name in ("shop", "store"):
            if name in fields:
                params[name] = store
                break
    return params


def _describe(params: dict[str, Any]) -> str:
    if not params:
        return "its defaults"
    return ", ".join(f"{k}={v.isoformat() if isinstance(v, dt.date) else v}" for k, v in params.items())


def run_tool(name: str, *, period: Period | None, store: str | None, executor: Executor, target: str,
             principal: Principal, today: dt.date, question: str = "") -> Answer:
    reg = _registry()
    if reg is None:
        return Answer(status="refuse", question=question, reason=NOT_AVAILABLE, tool=name, engine="offline")
    try:
        spec = reg.get(name)
    except KeyError:
        return Answer(status="refuse", question=question, tool=name, engine="offline",
                      reason=f"{NOT_AVAILABLE}: the '{name}' tool is not installed.")
    from tools.base import ToolContext

    ctx = ToolContext(executor=executor, target=target, principal=principal, today=today)
    params = tool_params(spec.input_model.model_fields, period, store)
    try:
        out = spec.run(ctx, params)
    except LuckyError as err:
        return Answer(status="error", question=question, tool=spec.name, reason=err.message, engine="offline")
    except (ValueError, TypeError) as err:
        return Answer(status="error", question=question, tool=spec.name, engine="offline",
                      reason=f"The {spec.title} could not run: {err}")
    table = out.tables[0] if out.tables else None
    return Answer(
        status="answer", question=question, tool=spec.name, engine="offline",
        columns=list(table.columns) if table else list(out.headline),
        rows=[list(r) for r in table.rows] if table else ([list(out.headline.values())] if out.headline else []),
        summary=out.summary or out.title, filters=list(out.filters), chart=out.chart,
        sql=out.sql[0] if len(out.sql) == 1 else None,
        understood=f"ran the {spec.title} ({spec.name}) with {_describe(params)}",
        confidence=0.9, timings={"tool_ms": round(out.elapsed_ms, 2)},
    )
