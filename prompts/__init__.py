"""LLM prompt templates, versioned as files: ``<name>.v<N>.md``.

A prompt change is a new file (``sql_system.v2.md``), never an edit in place, so an answer can
always say which prompt produced it and an old prompt can be re-run for comparison.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent
_NAME = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.md$")


def versions(name: str) -> list[int]:
    """The versions of prompt ``name`` that exist, ascending."""
    out = []
    for path in PROMPT_DIR.glob(f"{name}.v*.md"):
        m = _NAME.match(path.name)
        if m and m.group("name") == name:
            out.append(int(m.group("version")))
    return sorted(out)


@lru_cache(maxsize=32)
def load_prompt(name: str, version: int | None = None) -> tuple[str, int]:
    """(template text, version): the given version, or the newest one."""
    found = versions(name)
    if not found:
        raise FileNotFoundError(f"no prompt named {name!r} in {PROMPT_DIR}")
    v = version if version is not None else found[-1]
    path = PROMPT_DIR / f"{name}.v{v}.md"
    if not path.exists():
        raise FileNotFoundError(f"prompt {name!r} has no version {v} (have {found})")
    return path.read_text(encoding="utf-8"), v


def render(name: str, version: int | None = None, **values: str) -> tuple[str, int]:
    """The template with ``{{key}}`` placeholders filled; an unfilled placeholder is an error."""
    text, v = load_prompt(name, version)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{(\w+)\}\}", text)
    if left:
        raise KeyError(f"prompt {name}.v{v} needs values for {sorted(set(left))}")
    return text, v
