"""Fixtures for the engine tests: a parser over the seed report's names (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.engine.offline.builder import Builder
from app.engine.offline.lexicon import build_lexicon
from app.engine.offline.parser import Parser
from schema_catalog.semantic import SemanticModel, load_semantic_model
from tests.engine.fakes import seed_catalog

TODAY = dt.date(2026, 2, 14)


@pytest.fixture(scope="session")
def model() -> SemanticModel:
    return load_semantic_model()


@pytest.fixture(scope="session")
def parser(model: SemanticModel) -> Parser:
    cat = seed_catalog()
    return Parser(model, build_lexicon(model, cat, dict(model.tools)), cat)


@pytest.fixture(scope="session")
def builder(model: SemanticModel) -> Builder:
    return Builder(model)
