"""The one thing the runner needs from an engine: ``ask`` a question, get an ``Answer``.

The offline, LLM and routing engines (``app.engine``) and the HTTP client for a running service
(``evals.http_engine``) all satisfy it, so the same suite scores any of them.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Protocol, runtime_checkable

from app.answer import Answer
from app.settings import Settings
from guardrails.principal import Principal

ENGINE_NAMES = ("offline", "llm", "auto")


class EngineUnavailable(Exception):
    """The requested engine cannot be built in this checkout or configuration."""


@runtime_checkable
class AskEngine(Protocol):
    def ask(self, question: str, *, conversation_id: str | None, principal: Principal,
            today: dt.date) -> Answer:
        """Answer ``question`` for ``principal``; relative dates resolve against ``today``."""
        ...


def load_engine(name: str, settings: Settings) -> AskEngine:
    """``app.engine.get_engine(name, settings)``, imported lazily so evals work without it."""
    if name not in ENGINE_NAMES:
        raise EngineUnavailable(f"Unknown engine {name!r}: use one of {', '.join(ENGINE_NAMES)}.")
    try:
        module = importlib.import_module("app.engine")
    except ModuleNotFoundError as err:
        if err.name not in {"app.engine", "app"}:
            raise
        raise EngineUnavailable(
            "The ask engine (app.engine) is not part of this checkout, so there is nothing to run "
            "in-process. Evaluate a running service with --url instead.") from None
    factory = getattr(module, "get_engine", None)
    if factory is None:
        raise EngineUnavailable("app.engine has no get_engine(name, settings); cannot build an engine.")
    engine = factory(name, settings)
    if not isinstance(engine, AskEngine):
        raise EngineUnavailable(f"app.engine.get_engine({name!r}) returned {type(engine).__name__}, "
                                "which has no ask() method.")
    return engine
