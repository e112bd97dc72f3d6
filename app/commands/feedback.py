"""`lucky feedback`: review what people marked right or wrong, and approve examples.

A local operator tool: whoever can run it on the server already holds the state database (its
SQLite file or ``LUCKY_STATE_URL``), so it acts as an admin (recorded as ``cli:<user>`` in the
feedback and the audit trail). Over HTTP the same decisions need an admin key
(``POST /v1/feedback/{id}/approve``).
"""

from __future__ import annotations

import getpass
import time
from typing import cast

import typer
from rich.table import Table

from app.commands.common import JsonOpt, console, fail, print_json, settings_with
from app.engine.feedback import STATES, Feedback, FeedbackError, State, feedback_store
from guardrails.principal import Principal

app = typer.Typer(help="Review feedback on answers; approve or reject retrieval examples (acts as admin).",
                  no_args_is_help=True)

_SQL_WIDTH = 70


def _operator() -> Principal:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return Principal(role="admin", name=f"cli:{user}")


def _short(sql: str | None) -> str:
    text = " ".join((sql or "").split())
    return text if len(text) <= _SQL_WIDTH else text[:_SQL_WIDTH - 1] + "…"


def _audit(item: Feedback, principal: Principal, started: float) -> None:
    from app.state.audit import AuditEvent, append

    try:
        append(settings_with().state_database_url, AuditEvent(
            who=principal.name, role=principal.role, surface="cli", kind="feedback", question=item.question,
            sql=item.example_sql, status=item.state, rules=[], rows=0,
            latency_ms=(time.perf_counter() - started) * 1000, engine="feedback"))
    except Exception as err:  # the decision stands; say that the trail missed it
        console.print(f"[yellow]warning:[/yellow] the audit record could not be written: {err}")


@app.command("list")
def list_(
    state: str = typer.Option("pending", "--state", help="pending | approved | rejected | noted | all"),
    as_json: bool = JsonOpt,
) -> None:
    """List feedback (default: pending, waiting for a decision)."""
    if state != "all" and state not in STATES:
        fail(f"Unknown state {state!r}: use pending, approved, rejected, noted or all.")
    chosen = None if state == "all" else cast(State, state)
    items = feedback_store(settings_with()).items(chosen)
    if as_json:
        print_json([i.model_dump() for i in items])
        return
    if not items:
        console.print(f"No {'' if state == 'all' else state + ' '}feedback.")
        return
    table = Table(title=f"feedback ({state})")
    table.add_column("id", no_wrap=True)  # people copy it into `lucky feedback approve`
    for name in ("state", "verdict", "question", "sql to learn", "by", "created"):
        table.add_column(name)
    for i in items:
        table.add_row(i.id, i.state, i.verdict, i.question, _short(i.example_sql), i.user, i.created[:10])
    console.print(table)


def _decide(feedback_id: str, *, approve: bool) -> None:
    principal = _operator()
    started = time.perf_counter()
    try:
        item = feedback_store(settings_with()).decide(feedback_id, principal, approve=approve)
    except FeedbackError as err:
        fail(str(err))
    _audit(item, principal, started)
    if approve:
        from schema_catalog.index import FEEDBACK_CHECK_S

        console.print(f"{item.id} approved: \"{item.question}\" is now a retrieval example. Running services "
                      f"pick it up within {FEEDBACK_CHECK_S:.0f} s.", highlight=False)
    else:
        console.print(f"{item.id} rejected: it will never be used as an example.", highlight=False)


@app.command("approve")
def approve(feedback_id: str = typer.Argument(..., help="The id from `lucky feedback list`.")) -> None:
    """Approve pending feedback: its question and SQL become an example the LLM engine retrieves."""
    _decide(feedback_id, approve=True)


@app.command("reject")
def reject(feedback_id: str = typer.Argument(..., help="The id from `lucky feedback list`.")) -> None:
    """Reject pending feedback: it is kept for the record and never used as an example."""
    _decide(feedback_id, approve=False)
