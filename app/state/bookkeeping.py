"""What the service owes after every answer, written in one transaction: the chart, the turn, the audit record.

One commit instead of three per request (the state database is shared by every worker and replica,
so its commits are the service's serial part), and the turn never exists without its audit record.
"""

from __future__ import annotations

from app.answer import Answer
from app.state.audit import AuditEvent, append_on, writing
from app.state.history import record_turn_on, store_chart_on


def record_answer(url: str, who: str, answer: Answer, event: AuditEvent) -> None:
    """Store the answer's chart (if any) and conversation turn, and append its audit record."""
    with writing(url) as conn:
        if answer.chart:
            answer.chart_id = store_chart_on(conn, answer.chart)
        record_turn_on(conn, who, answer)
        append_on(conn, event)
