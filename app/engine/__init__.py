"""Engines that turn a question into an Answer: offline (semantic parser), llm, and auto (router).

``get_engine(name, settings)`` is the one entry point surfaces and the eval runner use. Engines are
cached per dataset and target: building one reads names from the data and builds the lexicon, which
must not happen on every request.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol, runtime_checkable

from app.answer import Answer
from app.settings import Settings
from guardrails.principal import Principal

ENGINE_NAMES = ("offline", "llm", "auto")


@runtime_checkable
class Engine(Protocol):
    name: str

    def ask(self, question: str, *, conversation_id: str | None, principal: Principal,
            today: dt.date) -> Answer: ...


_ENGINES: dict[tuple[str, ...], Engine] = {}
_LOCK = threading.Lock()


def _key(name: str, settings: Settings) -> tuple[str, ...]:
    return (name, str(settings.data_dir.resolve()), settings.target,
            settings.mysql_url.get_secret_value() if settings.target == "mysql" else "",
            settings.redis_url or "")


def get_engine(name: str, settings: Settings) -> Engine:
    """The engine called ``name`` (offline | llm | auto) for these settings, built once."""
    if name not in ENGINE_NAMES:
        raise ValueError(f"Unknown engine {name!r}: use one of {', '.join(ENGINE_NAMES)}.")
    key = _key(name, settings)
    with _LOCK:
        if key in _ENGINES:
            return _ENGINES[key]
    engine = _build(name, settings)
    with _LOCK:
        _ENGINES.setdefault(key, engine)
        return _ENGINES[key]


def _build(name: str, settings: Settings) -> Engine:
    from app.engine.offline.engine import OfflineEngine

    if name == "offline":
        return OfflineEngine(settings)
    from app.engine.router import RouterEngine, llm_engine

    if name == "llm":
        return llm_engine(settings)
    offline = get_engine("offline", settings)
    assert isinstance(offline, OfflineEngine)
    return RouterEngine(offline, settings)


def clear_engines() -> None:
    with _LOCK:
        _ENGINES.clear()
