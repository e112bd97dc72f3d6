"""The registry of departmental tools. Tool modules register themselves with ``@tool(...)``."""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections.abc import Callable
from typing import Any

from rapidfuzz import fuzz, process

from tools.base import REGISTRY, ToolContext, ToolInput, ToolOutput, ToolRegistryError, ToolSpec

_loaded = False
LOAD_ERRORS: dict[str, str] = {}
"""Tool modules that failed to import (module -> error): one broken module must not hide the other tools."""


def tool(*, name: str, title: str, department: str, seed_tool: int, input_model: type[ToolInput],
         examples: tuple[str, ...] = (), keywords: tuple[str, ...] = ()
         ) -> Callable[[Callable[[ToolContext, Any], ToolOutput]], Callable[[ToolContext, Any], ToolOutput]]:
    """Register a tool function; its docstring is the description people and LLMs read."""

    def wrap(fn: Callable[[ToolContext, Any], ToolOutput]) -> Callable[[ToolContext, Any], ToolOutput]:
        if name in REGISTRY:
            raise ValueError(f"tool {name!r} registered twice")
        REGISTRY[name] = ToolSpec(name=name, title=title, description=(fn.__doc__ or title).strip(),
                                  department=department, seed_tool=seed_tool, input_model=input_model,
                                  fn=fn, examples=examples, keywords=keywords)
        return fn

    return wrap


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    import tools

    for info in pkgutil.iter_modules(tools.__path__):
        if info.name.startswith("t") and info.name[1:3].isdigit():
            try:
                importlib.import_module(f"tools.{info.name}")
            except Exception as err:  # recorded; the module's own tests still fail on its import error
                LOAD_ERRORS[info.name] = f"{type(err).__name__}: {err}"
                warnings.warn(f"tool module tools.{info.name} failed to load: {err}", stacklevel=2)
    _loaded = True


def all_tools() -> list[ToolSpec]:
    _load_all()
    return sorted(REGISTRY.values(), key=lambda t: (t.seed_tool, t.name))


def get(name: str) -> ToolSpec:
    _load_all()
    if name in REGISTRY:
        return REGISTRY[name]
    near = process.extractOne(name, list(REGISTRY), scorer=fuzz.WRatio)
    hint = f" Did you mean {near[0]!r}?" if near and near[1] >= 70 else ""
    raise ToolRegistryError(f"There is no tool named {name!r}.{hint}")
