"""Block Kit for an answer: summary, a table (first rows, "N more"), buttons; a pure function of the answer."""

from __future__ import annotations

import json
from typing import Any

from app.answer import Answer

MAX_ROWS = 10
MAX_TABLE_COLUMNS = 20  # Slack's table block limit


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def table_block(answer: Answer) -> dict[str, Any]:
    """Slack's ``table`` block where it fits, else a monospaced section."""
    rows = answer.rows[:MAX_ROWS]
    if 0 < len(answer.columns) <= MAX_TABLE_COLUMNS:
        return {"type": "table",
                "rows": [[{"type": "raw_text", "text": str(c)} for c in answer.columns]]
                + [[{"type": "raw_text", "text": _cell(v)} for v in r] for r in rows]}
    widths = [max(len(str(c)), *(len(_cell(r[i])) for r in rows)) for i, c in enumerate(answer.columns)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(answer.columns, widths, strict=True))]
    lines += ["  ".join(_cell(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(lines)[:2900] + "```"}}


def _button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def answer_blocks(answer: Answer, ref: str) -> list[dict[str, Any]]:
    """The message for one answer; ``ref`` identifies the answer for the buttons."""
    if answer.status == "clarify":
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f":thinking_face: {answer.clarification}"}}]
        if answer.options:
            blocks.append({"type": "actions", "elements": [
                _button(o[:75], f"clarify_{i}", json.dumps({"ref": ref, "choice": o})[:2000])
                for i, o in enumerate(answer.options[:5])]})
        return blocks
    if answer.status in {"refuse", "error"}:
        text = f":no_entry: {answer.reason or answer.summary}"
        return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": answer.summary or "Here is what I found."}}]
    if answer.columns and answer.rows and not (len(answer.rows) == 1 and len(answer.columns) == 1):
        blocks.append(table_block(answer))
    notes = []
    if len(answer.rows) > MAX_ROWS:
        notes.append(f"{len(answer.rows) - MAX_ROWS} more rows")
    if answer.filters:
        notes.append("Filters: " + ", ".join(answer.filters))
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(notes)}]})
    blocks.append({"type": "actions", "elements": [
        _button("Show SQL", "show_sql", ref), _button("Save query", "save_query", ref),
        _button("Explain this data", "explain", ref)]})
    return blocks


def explain_text(answer: Answer) -> str:
    """What was counted, the filters applied and the tables used — for the Explain button."""
    from schema_catalog.documents import sql_tables

    tables = ", ".join(sql_tables(answer.sql)) if answer.sql else "none"
    parts = [f"*What I understood:* {answer.understood or answer.question}",
             f"*Filters applied:* {', '.join(answer.filters) or 'none'}", f"*Tables used:* {tables}",
             f"*Engine:* {answer.engine}"]
    return "\n".join(parts)
