"""False-block suite written by others: a deterministic sample of Spider's 8,563 gold SELECTs.

Each must be allowed against a policy introspected from its SQLite database and return the same rows
through the rewrite. The full run (with the bug list) is ``python -m tests.guardrails.spider_check``.
"""

from __future__ import annotations

import pytest

from tests.guardrails.spider_check import CORPUS, load_gold, run, sample_indices

SAMPLE = 800

pytestmark = pytest.mark.skipif(not (CORPUS / "gold.jsonl").exists(), reason=f"Spider corpus not at {CORPUS}")


def test_spider_sample_passes_through_the_guard_unchanged():
    total = len(load_gold())
    assert total == 8563
    report = run(sample_indices(total, SAMPLE))
    assert len(report.outcomes) == SAMPLE
    failures = [f"#{o.index} [{o.db_id}] {o.status}: {o.detail}\n  {o.sql}" for o in report.failures()]
    assert not failures, "\n".join(failures[:20])
    assert report.judged >= SAMPLE - 3  # only the known-bad upstream statements are not judged


def test_known_bad_upstream_statements_are_reported_not_hidden():
    gold = load_gold()
    bad = [i for i, g in enumerate(gold) if "Ref_Company_Types" in g["sql"] and g["db_id"] == "assets_maintenance"]
    report = run(bad)
    assert report.outcomes and all(o.status == "upstream_error" for o in report.outcomes)
    assert "no such table" in report.outcomes[0].detail and "the guard: refused (unknown_table" in \
        report.outcomes[0].detail
