"""The report: headline figures, per-tag accuracy, latency, and every case that was not correct.

Definitions (also in ``evals/README.md``):
* scored cases exclude ``skipped`` (``--url`` cannot ask as that role) and ``gold_error``
  (the suite's own SQL failed: a suite bug, shown loudly, never blamed on the engine);
* accuracy = correct / scored; execution accuracy = the same over ``expect: answer`` cases;
  clarify / refuse accuracy over those cases;
* confidently wrong = answered but not correct, or answered a clarify/refuse case;
* latency = wall time of each scored ``ask`` (p50/p95, nearest rank on the sorted times).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from evals.runner import CaseResult


class Rate(BaseModel):
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.correct / self.total if self.total else None

    def text(self) -> str:
        v = self.value
        return "n/a" if v is None else f"{v:.1%} ({self.correct}/{self.total})"


class Summary(BaseModel):
    suite: str
    engine: str
    target: str
    url: str | None = None
    today: dt.date
    started: str
    total: int
    scored: int
    skipped: int
    gold_errors: int
    accuracy: Rate
    execution: Rate
    clarify: Rate
    refuse: Rate
    clarify_refuse: Rate
    confidently_wrong: int
    outcomes: dict[str, int]
    per_tag: dict[str, Rate]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cases: list[CaseResult] = Field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for key in ("accuracy", "execution", "clarify", "refuse", "clarify_refuse"):
            data[key]["value"] = getattr(self, key).value
        for tag, rate in self.per_tag.items():
            data["per_tag"][tag]["value"] = rate.value
        return data


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) — a latency some case actually had."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(results: list[CaseResult], *, suite: str, engine: str, target: str, today: dt.date,
              url: str | None = None, started: str = "") -> Summary:
    scored = [r for r in results if r.outcome not in {"skipped", "gold_error"}]

    def rate(rs: list[CaseResult]) -> Rate:
        return Rate(correct=sum(r.outcome == "correct" for r in rs), total=len(rs))

    tags: dict[str, list[CaseResult]] = defaultdict(list)
    for r in scored:
        for t in r.tags:
            tags[t].append(r)
    latencies = [r.latency_ms for r in scored if r.latency_ms is not None]
    return Summary(
        suite=suite, engine=engine, target=target, url=url, today=today, started=started,
        total=len(results), scored=len(scored),
        skipped=sum(r.outcome == "skipped" for r in results),
        gold_errors=sum(r.outcome == "gold_error" for r in results),
        accuracy=rate(scored),
        execution=rate([r for r in scored if r.expect == "answer"]),
        clarify=rate([r for r in scored if r.expect == "clarify"]),
        refuse=rate([r for r in scored if r.expect == "refuse"]),
        clarify_refuse=rate([r for r in scored if r.expect in {"clarify", "refuse"}]),
        confidently_wrong=sum(r.confidently_wrong for r in scored),
        outcomes=dict(Counter(r.outcome for r in results)),
        per_tag={t: rate(rs) for t, rs in sorted(tags.items())},
        latency_p50_ms=percentile(latencies, 50), latency_p95_ms=percentile(latencies, 95),
        cases=results,
    )


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f} ms"


def headline_rows(s: Summary) -> list[tuple[str, str]]:
    return [
        ("cases", f"{s.total} ({s.scored} scored, {s.skipped} skipped, {s.gold_errors} gold errors)"),
        ("accuracy", s.accuracy.text()),
        ("execution accuracy (answer cases)", s.execution.text()),
        ("clarify accuracy", s.clarify.text()),
        ("refuse accuracy", s.refuse.text()),
        ("clarify/refuse accuracy", s.clarify_refuse.text()),
        ("confidently wrong", str(s.confidently_wrong)),
        ("latency p50 / p95", f"{_ms(s.latency_p50_ms)} / {_ms(s.latency_p95_ms)}"),
    ]


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def markdown(s: Summary) -> str:
    """The report as Markdown, for ``--report FILE.md``."""
    where = s.url or f"in-process on {s.target}"
    out = [f"# Eval report: {s.suite}", "",
           f"Engine `{s.engine}`, {where}, today {s.today}, run {s.started}.", "",
           "| figure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in headline_rows(s)]
    out += ["", "## Per tag", "", "| tag | accuracy |", "|---|---|"]
    out += [f"| {t} | {r.text()} |" for t, r in s.per_tag.items()]
    bad = [r for r in s.cases if r.outcome != "correct"]
    out += ["", f"## Cases not correct ({len(bad)})", ""]
    if not bad:
        out.append("None.")
    for r in bad:
        flag = " **confidently wrong**" if r.confidently_wrong else ""
        out += [f"### `{r.id}` — {r.outcome}{flag}", "",
                f"- question: {_cell(r.question)}",
                f"- expected: {r.expect}" + (f" via tool `{r.expected_tool}`" if r.expected_tool else ""),
                f"- got: {r.status or '-'}" + (f" (tool `{r.tool}`)" if r.tool else "")
                + (f", {r.latency_ms:.0f} ms" if r.latency_ms is not None else ""),
                f"- why: {_cell(r.why)}"]
        if r.sql:
            out += ["- engine SQL:", "", "```sql", r.sql.strip(), "```"]
        if r.gold_sql:
            out += ["- gold SQL:", "", "```sql", r.gold_sql.strip(), "```"]
        out.append("")
    out += ["## All cases", "", "| id | expect | outcome | status | ms |", "|---|---|---|---|---|"]
    out += [f"| {r.id} | {r.expect} | {r.outcome} | {r.status or '-'} | "
            f"{'' if r.latency_ms is None else f'{r.latency_ms:.0f}'} |" for r in s.cases]
    return "\n".join(out) + "\n"


def threshold_failures(s: Summary, min_accuracy: float | None, max_wrong: int | None) -> list[str]:
    """Why the run is below the thresholds (empty when it passes)."""
    problems = []
    if min_accuracy is not None and (s.accuracy.value or 0.0) < min_accuracy:
        problems.append(f"accuracy {s.accuracy.text()} is below --min-accuracy {min_accuracy:.1%}")
    if max_wrong is not None and s.confidently_wrong > max_wrong:
        problems.append(f"{s.confidently_wrong} confidently wrong answers exceed --max-wrong {max_wrong}")
    return problems


class Baseline(BaseModel):
    """The figures a suite last reached with one engine and target; CI fails on a drop below them."""

    suite: str
    engine: str
    target: str
    accuracy: float
    execution: float | None = None
    clarify_refuse: float | None = None
    confidently_wrong: int

    @classmethod
    def of(cls, s: Summary) -> Baseline:
        return cls(suite=s.suite, engine=s.engine, target=s.target, accuracy=s.accuracy.value or 0.0,
                   execution=s.execution.value, clarify_refuse=s.clarify_refuse.value,
                   confidently_wrong=s.confidently_wrong)


def baseline_failures(s: Summary, base: Baseline, slack: float = 1e-9) -> list[str]:
    """Drops below ``base`` (any figure lower, or more confidently wrong answers)."""
    now = Baseline.of(s)
    problems = []
    for name in ("accuracy", "execution", "clarify_refuse"):
        before, after = getattr(base, name), getattr(now, name)
        if before is not None and (after is None or after < before - slack):
            problems.append(f"{name} dropped from {before:.1%} to "
                            f"{'n/a' if after is None else f'{after:.1%}'} (baseline)")
    if now.confidently_wrong > base.confidently_wrong:
        problems.append(f"confidently wrong rose from {base.confidently_wrong} to {now.confidently_wrong} (baseline)")
    return problems
