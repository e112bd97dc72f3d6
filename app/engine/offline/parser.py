"""Question -> Intent: the offline semantic parser.

Pipeline: refuse unsafe or out-of-scope questions; tokenise; correct obvious typos against the
lexicon's vocabulary; find date and time expressions; match the longest known phrases (metrics,
dimensions, segments, names from the data, tools, grammar words); link what is left with fuzzy
matching; then read the sequence of meanings into an ``Intent``. Every step records what it
assumed, and anything left unexplained lowers the confidence: a word the parser could not place
makes it ask rather than answer, because a confident wrong number is worse than a question.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

from dateutil.relativedelta import relativedelta
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from app.engine.intent import Comparison, Condition, Intent, Period
from app.engine.offline import dates as D
from app.engine.offline import safety
from app.engine.offline.entities import EntityCatalog
from app.engine.offline.lexicon import FAMILY, FILLER, Concept, Lexicon
from app.engine.offline.text import singular, tokenise
from schema_catalog.semantic import SemanticModel, parse_fragment

Status = Literal["answer", "clarify", "refuse", "tool", "show_sql"]

_DATE_WORDS = set(D.MONTHS) | set(D.WEEKDAYS) | {
    "today", "yesterday", "tonight", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years",
    "day", "days", "ytd", "mtd", "wtd", "qtd", "since", "until", "through", "ago", "last", "past", "previous",
    "this", "next", "christmas", "thanksgiving", "halloween", "valentines", "weekend", "weekends", "morning",
    "afternoon", "evening", "noon", "lunch", "am", "pm", "mondays", "tuesdays", "wednesdays", "thursdays",
    "fridays", "saturdays", "sundays", "period", "date", "launch", "opening"}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "twelve": 12, "dozen": 12}
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")
_FOLLOW_UP_START = ("and", "what about", "how about", "same", "now", "only", "just", "also", "but", "ok", "okay",
                    "then", "what if", "break", "split", "by", "for", "at", "in", "show", "instead", "vs",
                    "versus", "compare", "compared", "exclude", "excluding", "without", "with", "include",
                    "including", "drill", "zoom", "narrow", "filter", "limit", "sort", "rank", "top", "bottom",
                    "as", "per", "each", "make", "do", "give", "over")
_PAIRS = [("weekday", "weekend"), ("iced", "hot"), ("drink", "food")]
_PREFER_DEFAULT = ("value", "segment", "metric", "dimension", "ambiguous", "tool", "word")
_PREFER_GROUP = ("dimension", "segment", "metric", "value", "ambiguous", "tool", "word")
_TRIGGER_STOP = {"the", "a", "an", "of", "is", "was", "were", "for", "to", "and", "are", "our", "my", "your", "their"}
_PREFER_COUNT = ("metric", "value", "segment", "dimension", "ambiguous", "tool", "word")
# Words that pick out one member of a dimension without naming it ("the new store", "our oldest shop"):
# the parser cannot place them, so it asks rather than drop them.
_NEWEST = {"new", "newest", "newer", "newly", "latest", "recent", "recently", "youngest"}
_OLDEST = {"old", "oldest", "older", "original"}
_QUALIFIERS = _NEWEST | _OLDEST | {"main", "flagship", "usual"}
_DETERMINERS = {"the", "our", "that", "this", "my", "your", "their"}


@dataclass
class Item:
    """One span of the question and what it was read as."""

    start: int
    end: int
    words: list[str]
    kind: Literal["lex", "date", "number", "money", "unknown", "filler"]
    concepts: list[Concept] = field(default_factory=list)
    date: D.DateHit | None = None
    number: float | None = None
    score: float = 100.0

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def has(self, kind: str, cid: str | None = None) -> bool:
        return any(c.kind == kind and (cid is None or c.id == cid) for c in self.concepts)

    def of(self, kind: str) -> list[Concept]:
        return [c for c in self.concepts if c.kind == kind]


@dataclass
class ParseResult:
    status: Status
    intent: Intent | None = None
    reason: str | None = None
    clarification: str | None = None
    options: list[str] = field(default_factory=list)
    tool: str | None = None
    tool_period: Period | None = None
    tool_store: str | None = None
    confidence: float = 0.0
    explanation: str = ""
    unknown: list[str] = field(default_factory=list)


class NeedClarification(Exception):
    def __init__(self, question: str, options: list[str] | None = None, confidence: float = 0.3) -> None:
        super().__init__(question)
        self.question = question
        self.options = options or []
        self.confidence = confidence


class CannotAnswer(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _State:
    metrics: list[str] = field(default_factory=list)
    rank_metric: str | None = None
    group_by: list[str] = field(default_factory=list)
    values: dict[str, list[tuple[str | int, str, bool]]] = field(default_factory=dict)
    segments: list[tuple[str, str, bool]] = field(default_factory=list)
    order: Literal["desc", "asc"] | None = None
    limit: int | None = None
    plural: bool | None = None
    periods: list[Period] = field(default_factory=list)
    previous_ref: bool = False
    last_year_ref: bool = False
    all_time: bool = False
    since_open: bool = False
    hours: list[tuple[int, int]] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    amounts: list[tuple[str, float]] = field(default_factory=list)
    last_cmp: str | None = None
    rank_dim: str | None = None
    partition_dim: str | None = None
    cues: set[str] = field(default_factory=set)
    assumptions: list[str] = field(default_factory=list)
    confidence: float = 1.0
    text: str = ""
    weak_metrics: list[str] = field(default_factory=list)
    deictic: list[str] = field(default_factory=list)
    my_store: bool = False
    per_words: set[str] = field(default_factory=set)
    range_parts: list[Period] = field(default_factory=list)
    soft_dims: set[str] = field(default_factory=set)
    counted: list[str] = field(default_factory=list)
    shift: relativedelta | None = None
    shift_label: str = ""
    back_periods: list[Period] = field(default_factory=list)
    back_unit: str | None = None
    noun_metrics: set[str] = field(default_factory=set)


class Parser:
    """Reads questions against one semantic model and one dataset's names."""

    def __init__(self, model: SemanticModel, lexicon: Lexicon, catalog: EntityCatalog,
                 tools: dict[str, list[str]] | None = None) -> None:
        self.model = model
        self.tools = tools if tools is not None else dict(model.tools)
        self._triggers = [(tuple(singular(w) for w in tokenise(p) if w not in _TRIGGER_STOP), name)
                          for name, phrases in self.tools.items() for p in phrases]
        self._triggers = [(need, name) for need, name in self._triggers if need]
        self.lex = lexicon
        self.cat = catalog
        self._fuzzy_keys = list(lexicon.fuzzy)
        self._vocab = sorted(w for w in lexicon.vocabulary | _DATE_WORDS if w.isalpha() and len(w) >= 3)
        self._additive = {mid for mid, m in model.metrics.items() if m.percentile is None and _additive(m.sql)}

    # ------------------------------------------------------------------ entry point
    def parse(self, question: str, today: dt.date, previous: Intent | None = None,
              ignore: frozenset[str] = frozenset()) -> ParseResult:
        """``ignore``: words that are not to be read (a clarification reply has explained them)."""
        refusal = safety.check(question, today)
        if refusal is not None:
            return ParseResult("refuse", reason=refusal.reason, confidence=0.95,
                               explanation=f"refused: {refusal.code}")
        tokens = tokenise(question)
        if not tokens:
            return ParseResult("clarify", clarification="What would you like to know?", confidence=0.0)
        tokens, corrections = self._correct(tokens)
        items = self._segment(tokens, today)
        for it in items:
            if it.kind == "unknown" and it.text in ignore:
                it.kind = "filler"
        self._fuzzy(items)
        try:
            return self._interpret(items, tokens, today, previous, corrections)
        except NeedClarification as c:
            return ParseResult("clarify", clarification=c.question, options=c.options, confidence=c.confidence,
                               explanation=c.question)
        except CannotAnswer as r:
            return ParseResult("refuse", reason=r.reason, confidence=0.9, explanation=r.reason)

    # ------------------------------------------------------------------ lexical steps
    def _correct(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        """Fix single-word typos ('revnue', 'fultn', 'yesterady') against the known vocabulary."""
        out, notes = [], []
        known = self.lex.vocabulary | _DATE_WORDS | FILLER
        for tok in tokens:
            if tok not in _DATE_WORDS and singular(tok) in _DATE_WORDS:
                out.append(singular(tok))  # "yesterdays takings", "todays orders"
                continue
            if (not tok.isalpha() or len(tok) < 5 or tok in known or singular(tok) in known):
                out.append(tok)
                continue
            limit = 1 if len(tok) < 8 else 2
            best = process.extract(tok, self._vocab, scorer=Levenshtein.distance, score_cutoff=limit, limit=3)
            # typos keep their first letter; a different first letter is another word ('newest' is not 'fewest')
            best = [b for b in best if b[1] <= limit and b[0][0] == tok[0]]
            if best and (len(best) == 1 or best[0][1] < best[1][1]):
                out.append(best[0][0])
                notes.append(f"read '{tok}' as '{best[0][0]}'")
            else:
                out.append(tok)
        return out, notes

    def _segment(self, tokens: list[str], today: dt.date) -> list[Item]:
        hits = {h.start: h for h in D.find_dates(tokens, today)}
        items: list[Item] = []
        i = 0
        while i < len(tokens):
            if i in hits:
                h = hits[i]
                items.append(Item(h.start, h.end, tokens[h.start:h.end], "date", date=h))
                i = h.end
                continue
            matched = False
            for n in range(min(self.lex.max_len, len(tokens) - i), 0, -1):
                if any(k in hits for k in range(i + 1, i + n)):
                    continue
                concepts = self.lex.lookup(tokens[i:i + n])
                if concepts:
                    items.append(Item(i, i + n, tokens[i:i + n], "lex", list(concepts)))
                    i += n
                    matched = True
                    break
            if matched:
                continue
            tok = tokens[i]
            money = re.fullmatch(r"\$(\d+(?:\.\d+)?)", tok.replace(",", ""))
            if money:
                items.append(Item(i, i + 1, [tok], "money", number=float(money.group(1))))
            elif re.fullmatch(r"\d+(?:\.\d+)?", tok.replace(",", "")):
                items.append(Item(i, i + 1, [tok], "number", number=float(tok.replace(",", ""))))
            elif tok in _NUMBER_WORDS:
                items.append(Item(i, i + 1, [tok], "number", number=float(_NUMBER_WORDS[tok])))
            elif tok in FILLER or singular(tok) in FILLER:
                items.append(Item(i, i + 1, [tok], "filler"))
            else:
                items.append(Item(i, i + 1, [tok], "unknown"))
            i += 1
        return items

    def _fuzzy(self, items: list[Item]) -> None:
        """Link spans around unknown words to names and synonyms by similarity ('iced coconut late')."""
        changed = True
        while changed:
            changed = False
            for idx, it in enumerate(items):
                if it.kind != "unknown" or _ORDINAL.fullmatch(it.text):
                    continue  # an ordinal alone ("1st") names no store, however close '21st & 3rd' looks
                best: tuple[float, int, int, str] | None = None
                for lo in range(max(0, idx - 3), idx + 1):
                    for hi in range(idx + 1, min(len(items), idx + 4) + 1):
                        span = items[lo:hi]
                        if any(s.kind in ("date", "number", "money") or s.text == "|" for s in span):
                            continue
                        if any(s.kind == "lex" and s.has("word") and not s.has("value") for s in span) and hi - lo > 1:
                            continue
                        text = " ".join(s.text for s in span)
                        if len(text) < 4:
                            continue
                        n_words = sum(len(s.words) for s in span)
                        cutoff = 86.0 if n_words > 1 else (84.0 if len(text) >= 6 else 88.0)
                        m = process.extractOne(text, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
                        if m is None:
                            continue
                        cand = (m[1] + 2 * n_words, lo, hi, m[0])
                        if best is None or cand[0] > best[0]:
                            best = cand
                if best is not None:
                    _, lo, hi, alias = best
                    words = [w for s in items[lo:hi] for w in s.words]
                    score = fuzz.ratio(" ".join(words), alias)
                    items[lo:hi] = [Item(items[lo].start, items[hi - 1].end, words, "lex",
                                         list(self.lex.fuzzy[alias]), score=score)]
                    changed = True
                    break

    # ------------------------------------------------------------------ interpretation
    def _interpret(self, items: list[Item], tokens: list[str], today: dt.date, previous: Intent | None,
                   corrections: list[str]) -> ParseResult:
        text = " ".join(tokens)
        tool = self._tool(tokens)
        if tool is not None:
            period = next((it.date.period for it in items if it.date and it.date.period), None)
            stores = {str(c.value) for it in items for c in it.of("value") if c.id == "store"}
            return ParseResult("tool", tool=tool, tool_period=period, confidence=0.9,
                               tool_store=next(iter(stores)) if len(stores) == 1 else None,
                               explanation=f"routed to the departmental tool '{tool}'")
        if any(it.has("word", "show_sql") for it in items) and len(tokens) <= 7:
            return ParseResult("show_sql", confidence=0.95, explanation="show the SQL of the previous answer")
        self._check_ambiguity(items)
        self._absorb_lifts(items, tokens)
        self._families(items, tokens)
        self._place_refs(items, tokens, today)

        st = _State(text=text)
        st.confidence *= 0.95 ** len(corrections)
        st.assumptions.extend(corrections)
        self._walk(items, tokens, st)

        unknown = [it.text for it in items if it.kind == "unknown"]
        is_follow_up = previous is not None and (text.startswith(_FOLLOW_UP_START) or not (
            st.metrics or st.weak_metrics) or len(tokens) <= 4)
        if unknown:
            qualified = self._unknown_qualifier(items)
            if qualified is not None:
                return qualified
            return self._unknown(unknown, st)
        st.deictic = [d for d in st.deictic if self._splits(d, st.metrics)]
        if st.deictic and not (is_follow_up and previous is not None):
            did = st.deictic[0]
            if did != "store" or not st.my_store:
                names = self._options_for(did)
                raise NeedClarification(f"Which {self.model.dimensions[did].label} do you mean?", names)
        intent = self._build(st, today, previous if is_follow_up else None)
        intent.explanation = self.explain(intent, st.assumptions)
        return ParseResult("answer", intent=intent, confidence=intent.confidence, explanation=intent.explanation)

    def _splits(self, did: str, metrics: list[str]) -> bool:
        """Whether one of the question's measures can be split by ``did``: 'signed up for the app' names no
        channel to ask about, because sign-ups have no channel."""
        m = self.model
        mids = [x for x in metrics if not any(x in m.metrics[o].replaces for o in metrics if o != x)]
        if not mids:
            return True
        have = set(m.dimension_sources(did))
        return any(have & (set(m.metrics[x].sql) | set(m.metrics[x].alternates)) for x in mids)

    def _absorb_lifts(self, items: list[Item], tokens: list[str]) -> None:
        """Words of a filter-lifting phrase ('all currencies', 'including test shops') are not data words."""
        text = " ".join(tokens)
        starts = [0]
        for tok in tokens[:-1]:
            starts.append(starts[-1] + len(tok) + 1)
        for src in self.model.sources.values():
            for f in src.filters:
                for rx in f.lifted_by:
                    for m in re.finditer(rx, text):
                        lo = max(i for i, s0 in enumerate(starts) if s0 <= m.start())
                        hi = max(i for i, s0 in enumerate(starts) if s0 < m.end())
                        for it in items:
                            if it.kind != "date" and it.start <= hi and it.end > lo:
                                it.kind, it.concepts = "filler", []

    def _families(self, items: list[Item], tokens: list[str]) -> None:
        """'the Latte' / 'a latte' is the menu item; 'lattes' or 'latte sales' may be it or every latte (the
        parser asks). A word that is only a kind of item ('croissants') means all of them."""
        for it in items:
            vals = it.of("value")
            fam = [c for c in vals if str(c.value).startswith(FAMILY)]
            det = tokens[it.start - 1] if it.start > 0 else ""
            if fam and len(vals) > len(fam) and all(w == singular(w) for w in it.words) and \
                    det in _DETERMINERS | {"a", "an", "one", "each", "per"}:
                it.concepts = [c for c in it.concepts if c not in fam]

    def _place_refs(self, items: list[Item], tokens: list[str], today: dt.date) -> None:
        """'the midtown store', 'the new store', 'the downtown store': a word before a store (or product) noun
        that picks out one member. An area with one store is that store; an area with several, a word such as
        'new', or a word the parser does not know makes it ask which one, listing the candidates. A store named
        elsewhere in the question ('the midtown one, 37th & Broadway') settles it."""
        named = any(it.kind == "lex" and len([c for c in it.of("value") if c.id == "store"]) == 1 for it in items)
        for k, it in enumerate(items):
            if k == 0 or it.kind != "lex" or not it.has("dimension") or it.has("value") or it.has("metric"):
                continue
            did = it.of("dimension")[0].id
            if not self.model.dimensions[did].entity:
                continue
            prev = items[k - 1]
            det = tokens[prev.start - 1] if prev.start > 0 else ""
            noun = it.words[-1]
            phrase = " ".join(w for w in (det if det in _DETERMINERS else "", prev.text, it.text) if w)
            stores = [s for s in self.cat.stores if s.has_orders]
            if did == "store" and noun == singular(noun) and prev.kind == "lex" and prev.has("value") and all(
                    c.id == "neighbourhood" for c in prev.of("value")):
                area = prev.of("value")[0]
                labels = self.lex.areas.get(str(area.value), [str(area.value)])
                inside = [s for s in self.cat.stores if s.neighbourhood in labels]
                if named:  # "the midtown store | 37th & Broadway": the name settles it
                    prev.kind, prev.concepts = "filler", []
                    it.kind, it.concepts = "filler", []
                    continue
                if not inside:
                    continue
                if len(inside) == 1:
                    prev.concepts = [Concept("value", "store", inside[0].name, inside[0].name)]
                    it.kind, it.concepts = "filler", []
                    continue
                listed = ", ".join(f"{s.name} ({s.neighbourhood})" for s in inside)
                raise NeedClarification(f"Which store do you mean by '{phrase}'? {len(inside)} stores are in "
                                        f"{area.label}: {listed}.", [s.name for s in inside])
            qualifier = prev.kind == "filler" and prev.text in _QUALIFIERS
            unknown = did == "store" and prev.kind == "unknown" and det in _DETERMINERS and prev.text.isalpha()
            if not (qualifier or unknown):
                continue
            if named and did == "store":
                prev.kind, prev.concepts = "filler", []
                it.kind, it.concepts = "filler", []
                continue
            label = self.model.dimensions[did].label
            if did != "store":
                raise NeedClarification(f"Which {label} do you mean by '{phrase}'? I can't tell from the data "
                                        f"which one '{prev.text}' picks out; please name it.")
            dated = [s for s in stores if s.opened is not None and s.opened <= today]
            if prev.text in _NEWEST | _OLDEST and dated:
                dated.sort(key=lambda s: (s.opened or today, s.name), reverse=prev.text in _NEWEST)
                which = "most recently" if prev.text in _NEWEST else "first"
                listed = ", ".join(f"{s.name} (opened {s.opened:%b %-d, %Y})" for s in dated[:3])
                raise NeedClarification(f"Which store do you mean by '{phrase}'? The {which} opened stores are "
                                        f"{listed}.", [s.name for s in dated[:3]])
            raise NeedClarification(f"Which store do you mean by '{phrase}'?", [s.name for s in stores])

    def _options_for(self, did: str) -> list[str]:
        if did == "store":
            return [s.name for s in self.cat.stores if s.has_orders]
        if did == "product":
            return [p.name for p in self.cat.products[:10]]
        return []

    def _tool(self, tokens: list[str]) -> str | None:
        """A departmental tool named by one of its trigger phrases, said as a phrase: its words next to each
        other and in order (articles aside). Words scattered over the question do not count: 'run the
        recon ... tie out' does not say 'run out'. The longest phrase wins."""
        words = [singular(t) for t in tokens if t not in _TRIGGER_STOP]
        best: tuple[int, str] | None = None
        for need, name in self._triggers:
            if (best is None or len(need) > best[0]) and _contains(words, need):
                best = (len(need), name)
        return best[1] if best else None

    def _check_ambiguity(self, items: list[Item]) -> None:
        periods = [it for it in items if it.date and it.date.kind in ("period", "previous")]
        for it in items:
            if it.date and it.date.kind == "ambiguous" and not periods:
                raise NeedClarification(f"Which period do you mean by '{it.text}'?", it.date.options)
            for c in it.of("ambiguous"):
                amb = self.model.ambiguous[c.id]
                if not any(o.kind != "ambiguous" for o in it.concepts):
                    raise NeedClarification(amb.question, amb.options)

    def _unknown_qualifier(self, items: list[Item]) -> ParseResult | None:
        """'walk-in customers', 'loyal customers': an unknown word that qualifies a measure asks for a kind of
        customer (order, ...) the data does not record. Say so, rather than answer for all of them or ask
        what the word means."""
        for k, it in enumerate(items):
            if it.kind != "unknown" or not it.text.isalpha():
                continue
            j = k + 1
            while j < len(items) and items[j].kind == "filler" and items[j].text in ("in", "up", "out", "on"):
                j += 1
            if j < len(items) and items[j].kind == "lex" and items[j].has("metric") and not items[j].has("value"):
                counted = [c for c in items[j].of("metric") if self.model.metrics[c.id].format == "integer"]
                if not counted:
                    continue
                words = " ".join(x.text for x in items[k:j])
                label = counted[0].label
                return ParseResult("refuse", reason=f"The data has no way to tell '{words}' {label} apart from "
                                                    f"the others, so I can't count them separately. "
                                                    + safety.CAN_ANSWER,
                                   confidence=0.3, unknown=[it.text],
                                   explanation=f"no data on '{words}' {label}")
        return None

    def _unknown(self, unknown: list[str], st: _State) -> ParseResult:
        words = ", ".join(f"'{u}'" for u in unknown)
        suggestions: list[str] = []
        for u in unknown:
            if _ORDINAL.fullmatch(u):
                continue  # "1st" is a day, not a store: '21st & 3rd' is no suggestion for it
            for alias, score, _ in process.extract(u, self._fuzzy_keys, scorer=fuzz.WRatio, limit=3):
                if score >= 70:
                    for c in self.lex.fuzzy[alias]:
                        label = c.label or alias
                        if label not in suggestions:
                            suggestions.append(label)
        if not st.metrics:
            return ParseResult("refuse", reason=f"I don't know how to answer about {words}. " + safety.CAN_ANSWER,
                               confidence=0.2, unknown=unknown,
                               explanation=f"no known measure; did not understand {words}")
        hint = f" Did you mean {', '.join(suggestions[:3])}?" if suggestions else ""
        return ParseResult("clarify", clarification=f"I'm not sure what {words} means here.{hint}",
                           options=suggestions[:5], confidence=0.3, unknown=unknown,
                           explanation=f"did not understand {words}")

    def _walk(self, items: list[Item], tokens: list[str], st: _State) -> None:
        """Read the items left to right; each grammar word changes how the next item is read."""
        cue: str | None = None  # the grammar cue in force for the next content item
        negate = False
        present_segments = {c.id for it in items for c in it.of("segment")}
        resolved_values = {(c.id, c.value) for it in items if len(it.of("value")) == 1 for c in it.of("value")}
        for k, it in enumerate(items):
            det = tokens[it.start - 1] if it.start > 0 else ""
            if it.kind == "filler":
                continue
            if it.kind == "date":
                self._date(it, st)
                negate = False
                continue
            if it.kind in ("number", "money"):
                self._number(it, items, k, st, cue)
                continue
            if it.kind != "lex":
                continue
            if it.score < 100:
                st.confidence *= max(0.7, it.score / 100)
                label = it.concepts[0].label or it.concepts[0].id
                st.assumptions.append(f"read '{it.text}' as '{label}'")
            for c in it.of("metric"):
                if c.value == "weak" and c.id not in st.weak_metrics:
                    st.weak_metrics.append(c.id)
            concepts = [c for c in it.concepts if not (c.kind == "metric" and c.value == "weak")]
            words = [c for c in concepts if c.kind == "word"]
            content = [c for c in concepts if c.kind != "word"]
            if not concepts:
                continue
            if words and not content:
                wid = words[0].id
                cue, negate = self._word(wid, it, st, cue, negate)
                continue
            kind = self._choose(it, cue, st, det, present_segments)
            if kind == "dimension":
                did = it.of("dimension")[0].id
                prev = items[k - 1] if k > 0 else None
                if prev is not None and prev.kind == "lex" and prev.has("value") and (
                        any(c.id == did for c in prev.of("value")) or (did == "user" and cue not in ("rank", "which"))):
                    continue  # "the 8th & Broadway store", "iPhone users", "the Matcha category"
                if prev is not None and prev.kind == "lex" and prev.has("segment") and did in ("user", "product"):
                    pass
                if (det in ("my", "that", "this") or (det == "the" and cue not in ("group", "rank", "which", "with"))) \
                        and self.model.dimensions[did].entity and not any(v[0] == did for v in resolved_values):
                    if det == "my":
                        st.my_store = st.my_store or did == "store"
                    st.deictic.append(did)
                    continue
                if (det in ("a", "an", "per", "each", "every") or it.words[0] in ("per", "a", "each")) and \
                        did not in st.group_by:
                    st.per_words.add(did)
                if cue == "count" and not it.has("segment"):
                    st.counted.append(did)  # "how many coupons were redeemed": the thing counted, not a grouping
                    continue
                if cue in ("rank", "which") and st.rank_dim is None and st.order is not None:
                    st.rank_dim = did
                elif st.rank_dim is not None and did != st.rank_dim and (
                        det in ("each", "every", "per") or it.words[0] in ("each", "every", "per")):
                    st.partition_dim = did  # "the top product in each store"
                self._dimension(did, it, st, cue)
                if any(self.model.segments[c.id].optional_for for c in it.of("segment")):
                    st.soft_dims.add(did)  # "slowest to make drinks": 'drinks' names no grouping for production
                for seg in it.of("segment"):
                    if self.model.segments[seg.id].dimension == did and cue in ("rank", "which", "group", "count",
                                                                                  "with"):
                        st.segments.append((seg.id, seg.label, negate))
                if cue in ("rank", "which") and st.plural is None:
                    last = it.words[-1]
                    st.plural = last.endswith("s") and last != singular(last)
            elif kind == "metric":
                mid = next(c.id for c in content if c.kind == "metric")
                if k > 0 and items[k - 1].kind == "lex" and items[k - 1].has("value"):
                    st.noun_metrics.add(mid)  # "credit card payments": may only name the rows
                if negate:
                    label = self.model.metrics[mid].label
                    raise NeedClarification(f"I can't take {label} out of another measure. Do you want the figures "
                                            f"side by side, e.g. 'revenue and {label}'?")
                if st.rank_metric is None and ((cue == "group" and st.order is not None) or cue == "rank_by"):
                    st.rank_metric = mid
                if mid not in st.metrics:
                    st.metrics.append(mid)
            elif kind == "value":
                self._value(it, st, negate, resolved_values, items[k + 1] if k + 1 < len(items) else None)
            elif kind == "segment":
                seg = it.of("segment")[0]
                st.segments.append((seg.id, seg.label, negate))
                seg_dim = self.model.segments[seg.id].dimension
                if seg_dim and cue in ("rank", "which") and seg_dim not in st.group_by:
                    st.group_by.append(seg_dim)
                    if st.plural is None:
                        last = it.words[-1]
                        st.plural = last.endswith("s") and last != singular(last)
            negate = False
            if cue == "rank" and kind != "dimension":
                continue
            if cue == "group" and kind == "metric" and st.order is not None:
                cue = None
                continue
            cue = None

    def _word(self, wid: str, it: Item, st: _State, cue: str | None, negate: bool) -> tuple[str | None, bool]:
        text = it.text
        if wid in ("group", "which", "with"):
            if (wid == "group" and cue == "rank") or (wid == "group" and st.order is not None and not st.group_by):
                return "rank_by" if st.group_by else "group", negate
            if wid == "group" and st.order is not None and st.group_by:
                return "rank_by", negate
            return wid, negate
        if wid == "rank":
            st.order = st.order or "desc"
            st.cues.add("rank")
            return ("rank_by" if text in ("sorted by", "order by", "ordered by") or st.group_by else "rank"), negate
        if wid in ("top", "bottom"):
            if text in ("more", "greater", "higher", "bigger", "less", "fewer", "lower", "smaller"):
                st.cues.add("comparative")
                return cue, negate
            st.order = "desc" if wid == "top" else "asc"
            st.cues.add("top")
            if text in ("busiest", "quietest"):
                st.cues.add("busy")
            if text in ("most popular", "popular", "best selling", "bestselling", "best seller", "bestseller",
                        "top selling", "most ordered", "most sold", "least popular", "worst selling",
                        "least ordered", "least sold", "biggest selling", "highest selling", "lowest selling"):
                st.cues.add("sell")
            if text.endswith("grossing"):
                st.cues.add("gross")  # "highest-grossing": gross = revenue, not the count of order lines
            return "rank", negate
        if wid in ("slow", "fast"):
            st.cues.add(wid)
            return "rank", negate
        if wid == "negate":
            return cue, True
        if wid == "count":
            st.cues.add("count")
            return "count", negate
        if wid in ("over", "under"):
            st.last_cmp = wid
        if wid == "first" and "busy" in st.cues:
            return cue, negate
        st.cues.add(wid)
        return cue, negate

    def _choose(self, it: Item, cue: str | None, st: _State, det: str, present_segments: set[str]) -> str:
        kinds = {c.kind for c in it.concepts if not (c.kind == "metric" and c.value == "weak")}
        segs = it.of("segment")
        if segs and any(_partner(s.id) in present_segments for s in segs):
            return "segment"
        prefer = _PREFER_DEFAULT
        if cue in ("group", "which", "rank", "with"):
            prefer = _PREFER_GROUP
            if cue == "rank" and st.group_by and "metric" in kinds:
                prefer = _PREFER_COUNT
        elif cue in ("count", "rank_by"):
            prefer = _PREFER_COUNT
        elif det in ("a", "an", "per", "each", "every") and "dimension" in kinds:
            prefer = _PREFER_GROUP
        return next((p for p in prefer if p in kinds), "word")

    def _dimension(self, did: str, it: Item, st: _State, cue: str | None) -> None:
        if did not in st.group_by:
            st.group_by.append(did)

    def _value(self, it: Item, st: _State, negate: bool, resolved: set[tuple[str, str | int | None]],
               nxt: Item | None = None) -> None:
        values = it.of("value")
        dims = {c.id for c in values}
        if len(dims) > 1 and nxt is not None and nxt.kind == "lex":
            named = [c for c in values if nxt.has("dimension", c.id)]  # "Cold Brew category", "the Latte product"
            if named:
                values, dims = named, {named[0].id}
        if len(dims) > 1:
            values = self._resolve_value_clash(it, values)
            dims = {c.id for c in values}
        if len(values) > 1 and len(dims) == 1:
            chosen = [c for c in values if (c.id, c.value) in resolved]
            if chosen:
                return  # "Broadway ... I meant 37th & Broadway": the explicit name wins
            did = values[0].id
            names = [str(c.label) for c in values]
            fam = [c for c in values if str(c.value).startswith(FAMILY)]
            if fam and did == "product":
                items_ = self.lex.families[str(fam[0].value)[len(FAMILY):]]
                single = next(c for c in values if c not in fam)
                raise NeedClarification(
                    f"By '{it.text}', do you mean the menu item '{single.label}' or {fam[0].label} ({len(items_)} "
                    f"items: {', '.join(items_[:4])}, ...)?", [f"the {single.label} menu item", str(fam[0].label)])
            raise NeedClarification(
                f"'{it.text}' could mean more than one {self.model.dimensions[did].label}: {', '.join(names)}. "
                f"Which one?", names)
        c = values[0]
        st.values.setdefault(c.id, [])
        key = c.value if c.value is not None else c.label
        if all(v[0] != key for v in st.values[c.id]):
            st.values[c.id].append((key, c.label, negate))

    def _resolve_value_clash(self, it: Item, values: list[Concept]) -> list[Concept]:
        """A name that is both a product and a category ('Cold Brew'): the same rows -> product; else ask."""
        prods = [c for c in values if c.id == "product"]
        cats = [c for c in values if c.id == "category"]
        if prods and cats:
            members = {p.name for p in self.cat.products if p.category == cats[0].label}
            if members == {prods[0].label}:
                return prods
            raise NeedClarification(
                f"Do you mean the product '{prods[0].label}' or the whole '{cats[0].label}' category?",
                [f"{prods[0].label} (product)", f"{cats[0].label} (category)"])
        order = ["store", "product", "category", "payment_method", "channel", "order_type", "neighbourhood",
                 "machine_type", "device_status", "ingredient"]
        first = min(values, key=lambda c: order.index(c.id) if c.id in order else 99)
        return [c for c in values if c.id == first.id]

    def _date(self, it: Item, st: _State) -> None:
        h = it.date
        assert h is not None
        if h.kind == "period" and h.period is not None:
            st.periods.append(h.period)
            if h.parts:
                st.range_parts = list(h.parts)
            if h.back:  # "the previous week": last week on its own, the week before in a follow-up
                st.back_periods.append(h.period)
                st.back_unit = st.back_unit or h.back
        elif h.kind == "previous" and h.shift is not None:
            st.shift, st.shift_label = h.shift, h.text
        elif h.kind == "previous":
            st.previous_ref = True
            st.back_unit = st.back_unit or h.back
        elif h.kind == "all_time":
            st.all_time = True
        elif h.kind == "since_open":
            st.since_open = True
        elif h.kind == "hours" and h.hours is not None:
            st.hours.append(h.hours)
        elif h.kind == "weekday" and h.weekday is not None:
            st.weekdays.append(h.weekday)

    def _number(self, it: Item, items: list[Item], k: int, st: _State, cue: str | None) -> None:
        assert it.number is not None
        prev = items[k - 1] if k > 0 else None
        nxt = items[k + 1] if k + 1 < len(items) else None
        if nxt is not None and nxt.kind == "number" and it.number in (20, 30, 40, 50) and nxt.number is not None \
                and nxt.number < 10:
            nxt.number += it.number  # "twenty five"
            it.kind = "filler"
            return
        if it.kind == "money" or (nxt is not None and nxt.text in ("dollars", "dollar", "usd", "bucks")):
            if nxt is not None and nxt.text in ("dollars", "dollar", "usd", "bucks"):
                nxt.kind, nxt.concepts = "filler", []
            op = {"over": ">", "under": "<"}.get(st.last_cmp or "")
            if op is None:
                raise NeedClarification(f"What should {it.text} be compared with (orders over or under it)?")
            st.amounts.append((op, it.number))
            return
        if prev is not None and prev.kind == "lex" and (prev.has("word", "top") or prev.has("word", "bottom")
                                                        or prev.has("word", "rank")):
            st.limit = int(it.number)
            return
        if nxt is not None and nxt.kind == "lex" and (nxt.has("word", "top") or nxt.has("word", "bottom")):
            st.limit = int(it.number)
            return
        if nxt is not None and nxt.kind == "lex" and (nxt.has("dimension") or nxt.has("segment")) and cue in (
                "which", "rank", None):
            st.limit = int(it.number)
            return
        if "top" in st.cues and st.limit is None and it.number <= 100:
            st.limit = int(it.number)  # "biggest spenders, top five"
            return
        it.kind = "filler" if it.text in _NUMBER_WORDS else "unknown"

    # ------------------------------------------------------------------ assembling the intent
    def _build(self, st: _State, today: dt.date, previous: Intent | None) -> Intent:
        conditions: list[Condition] = []
        for did, vals in st.values.items():
            for neg in (False, True):
                chosen = [v for v in vals if v[2] == neg]
                if not chosen:
                    continue
                keys: list[str | int] = []
                labels: list[str] = []
                for v in chosen:
                    expanded = self._expand_code(did, v[0], v[1])
                    keys.extend(expanded)
                    # an area that covers several neighbourhoods says which ("Midtown (..., Midtown West)")
                    wide = did == "neighbourhood" and [str(x) for x in expanded] != [v[1]]
                    labels.append(f"{v[1]} ({', '.join(str(x) for x in expanded)})" if wide else v[1])
                conditions.append(Condition(kind="dim", dimension=did, values=keys, labels=labels, negate=neg))
        seg_conds = [Condition(kind="segment", segment=s, labels=[label], negate=n) for s, label, n in st.segments]
        hour_conds = [Condition(kind="hours", hours=h, labels=[D.describe_hours(h)]) for h in st.hours]
        if len(hour_conds) < 2:
            conditions.extend(hour_conds)
        if st.weekdays:
            names = [D.WEEKDAY_NAMES[w] for w in st.weekdays]
            if sorted(st.weekdays) == [5, 6]:
                seg_conds.append(Condition(kind="segment", segment="weekend", labels=["weekends"]))
            else:
                conditions.append(Condition(kind="dim", dimension="weekday", values=list(names),
                                            labels=[n + "s" for n in names]))
        for amount in st.amounts:
            conditions.append(Condition(kind="amount", amount=amount, labels=[f"orders {amount[0]} ${amount[1]:g}"]))

        intent = Intent(confidence=st.confidence)
        if previous is not None:
            intent = self._merge(previous, st, conditions, seg_conds, today)
        else:
            intent.metrics = list(st.metrics)
            intent.group_by = list(st.group_by)
            intent.conditions = conditions
            intent.order = st.order
            intent.limit = st.limit
            self._pair_segments(intent, seg_conds, st)
            if len(hour_conds) >= 2:  # "revenue in the morning vs the afternoon"
                intent.compare = Comparison(kind="members", members=hour_conds)
            self._periods(intent, st)
        if st.since_open:
            self._since_opening(intent, today)
        self._default_metric(intent, st)
        for mid in list(intent.metrics):
            for r in self.model.metrics[mid].replaces:
                if r in intent.metrics:
                    intent.metrics.remove(r)
        nouns = [x for x in intent.metrics if x in st.noun_metrics]
        rest = [x for x in intent.metrics if x not in st.noun_metrics]
        if nouns and rest and not self._common_source(intent.metrics) and self._common_source(rest):
            # "fee rate on credit card payments": 'payments' names what the rate is of, not a second measure
            intent.metrics = rest
            st.assumptions.append(f"'{', '.join(self.model.metrics[x].label for x in nouns)}' read as what is "
                                  "measured, not as a second measure")
        if st.rank_metric and st.rank_metric in intent.metrics:
            intent.metrics = [st.rank_metric] + [m for m in intent.metrics if m != st.rank_metric]
        self._time_ambiguity(intent, st)
        self._shape(intent, st)
        intent.include_outliers = intent.include_outliers or self._lifts(st.text, "no_outliers")
        intent.lifted = sorted({f.id for src in self.model.sources.values() for f in src.filters
                                if f.lifted_by and self._lifts(st.text, f.id)} | set(intent.lifted))
        intent.source = self._source(intent, st.soft_dims)
        self._alternates(intent)
        intent.confidence = round(min(intent.confidence, st.confidence), 3)
        intent.notes = list(st.assumptions)
        return intent

    def _common_source(self, metrics: list[str]) -> bool:
        """Whether one source defines all of ``metrics`` (directly or through an alternate)."""
        m = self.model
        sets = [set(m.metrics[x].sql) | set(m.metrics[x].alternates) for x in metrics]
        return bool(set.intersection(*sets)) if sets else True

    def _lifts(self, text: str, fid: str) -> bool:
        for src in self.model.sources.values():
            f = src.filter(fid)
            if f is not None and any(re.search(rx, text) for rx in f.lifted_by):
                return True
        return False

    def _expand_code(self, did: str, key: str | int, label: str) -> list[str | int]:
        if did == "neighbourhood" and str(key) in self.lex.areas:
            return list(self.lex.areas[str(key)]) or [key]  # "midtown": every label that mentions it
        if did == "product" and str(key).startswith(FAMILY):
            return list(self.lex.families[str(key)[len(FAMILY):]])  # "croissants": every croissant
        dim = self.model.dimensions.get(did)
        if dim is not None and dim.codes and isinstance(key, int):
            same = [c for c, lab in dim.codes.items() if lab == dim.codes.get(key)]
            return list(same) or [key]
        return [key]

    def _merge(self, prev: Intent, st: _State, conditions: list[Condition], segs: list[Condition],
               today: dt.date) -> Intent:
        """A follow-up: start from the previous intent and apply what this question changes."""
        intent = prev.model_copy(deep=True)
        intent.confidence = min(prev.confidence, st.confidence) * 0.95
        st.assumptions.append("follow-up to the previous question")
        if st.metrics and not (set(st.metrics) <= st.noun_metrics and set(st.metrics) <= set(prev.metrics)):
            # "pickup orders only" after "orders and revenue by store": 'orders' names the rows being
            # filtered, which the previous answer already counts, so its measures stay
            intent.metrics = list(st.metrics)
        elif st.weak_metrics and not intent.metrics:
            intent.metrics = list(st.weak_metrics)
        if intent.share_of is not None:
            # "Android share of orders" -> "how about iOS?": the new value on the share's axis is the new part
            axis = self._axis(intent.share_of)
            part = next((c for c in conditions + segs if c.kind in ("dim", "segment") and (
                c.dimension == intent.share_of.dimension or self._axis(c) == axis)), None)
            if part is not None:
                intent.share_of = part
                conditions = [c for c in conditions if c is not part]
                segs = [c for c in segs if c is not part]
        new_dims = {c.dimension for c in conditions if c.kind == "dim"}
        # a new filter replaces the old ones on the same axis: "iced drinks" -> "and food?" is food, not
        # iced food (which is nothing); "Latte" -> "and the Matcha category?" is the category
        new_axes = {self._axis(c) for c in conditions + segs if c.kind in ("dim", "segment")}
        kept = [c for c in intent.conditions if not (c.kind in ("dim", "segment") and (
            c.dimension in new_dims or self._axis(c) in new_axes))]
        if any(c.kind == "hours" for c in conditions):
            kept = [c for c in kept if c.kind != "hours"]
        intent.conditions = kept + conditions
        for did in st.group_by:
            if did not in intent.group_by:
                intent.group_by.append(did)
        for nd in new_dims:
            if nd and nd in intent.group_by and nd not in st.group_by:
                intent.group_by.remove(nd)
        if st.order:
            intent.order = st.order
        if st.limit:
            intent.limit = st.limit
        self._pair_segments(intent, segs, st)
        if self._step_back(intent, prev, st):
            pass
        elif st.periods or st.previous_ref or st.all_time:
            if intent.compare and intent.compare.kind == "periods":
                intent.compare = None
            intent.period = None
            intent.growth = False
            self._periods(intent, st)
        return intent

    def _axis(self, c: Condition) -> str:
        """What a filter narrows: products (product and category names, 'iced', 'food'), the kind of day
        ('weekends', 'on Mondays'), or its own dimension."""
        if c.kind == "segment" and c.segment in self.model.segments:
            seg = self.model.segments[c.segment]
            if seg.time:
                return "day_type"
            return "product" if seg.dimension == "category" else (seg.dimension or str(c.segment))
        if c.dimension == "weekday":
            return "day_type"
        if c.dimension in ("neighbourhood", "store_number"):
            return "store"  # "102 Fulton" -> "and the FiDi stores?": the area replaces the store
        return "product" if c.dimension == "category" else str(c.dimension)

    def _step_back(self, intent: Intent, prev: Intent, st: _State) -> bool:
        """'what about the week before?' / 'the previous month?' in a follow-up: counted back from the
        previous answer's period, not from today (on its own, 'the previous week' is last week)."""
        base = prev.period
        others = [p for p in st.periods if p not in st.back_periods]
        if not (st.previous_ref or st.back_periods) or others or st.all_time or base is None or base.start is None:
            return False
        other = D.unit_before(base, st.back_unit)
        intent.period, intent.growth = None, False
        if intent.compare and intent.compare.kind == "periods":
            intent.compare = None
        if st.cues & {"compare", "growth"}:
            intent.compare = Comparison(kind="periods", periods=[other, base])
            intent.growth = "growth" in st.cues
        else:
            intent.period = other
        st.assumptions.append(f"counted back from {base.describe()}")
        return True

    def _pair_segments(self, intent: Intent, segs: list[Condition], st: _State) -> None:
        ids = [s.segment for s in segs if not s.negate]
        for a, b in _PAIRS:
            if a in ids and b in ids:
                members = [s for s in segs if s.segment in (a, b) and not s.negate]
                members.sort(key=lambda s: ids.index(s.segment))
                intent.compare = Comparison(kind="members", members=members)
                segs = [s for s in segs if s not in members]
                break
        intent.conditions = intent.conditions + segs

    def _periods(self, intent: Intent, st: _State) -> None:
        periods = list(st.periods)
        growth = bool(st.cues & {"growth"})
        if len(periods) == 1 and st.range_parts and (growth or "compare" in st.cues):
            periods = list(st.range_parts)  # "grow from December to January": the two ends
        if len(periods) >= 2:
            intent.compare = Comparison(kind="periods", periods=periods)
            intent.growth = growth
            return
        if len(periods) == 1 and st.shift is not None:
            p = periods[0]
            if p.start is None:
                raise NeedClarification("Compare the whole history with which period?")
            other = Period(start=p.start - st.shift, end=p.end - st.shift, label=st.shift_label,
                           grain=p.grain)
            intent.compare = Comparison(kind="periods", periods=[p, other])
            intent.growth = growth
            return
        if len(periods) == 1:
            p = periods[0]
            wants_other = st.previous_ref or (growth and not self._trend_requested(intent, st)) or (
                "compare" in st.cues and intent.compare is None and not self._has_members(intent, st))
            if wants_other:
                if p.start is None:
                    raise NeedClarification("Compare the whole history with which period?")
                yoy = bool(re.search(r"\b(?:yoy|year over year|last year|same period last year)\b", st.text))
                other = D.same_period_last_year(p) if yoy else D.previous_period(p)
                intent.compare = Comparison(kind="periods", periods=[other, p])
                intent.growth = growth
                for d in ("day", "week", "month", "quarter"):
                    if d in intent.group_by and growth:
                        intent.group_by.remove(d)  # "week-over-week growth last week": not a trend
                return
            intent.period = p
            return
        if st.previous_ref:
            raise NeedClarification("The previous period before which one? Name a period, e.g. 'this month'.")

    def _since_opening(self, intent: Intent, today: dt.date) -> None:
        """'since it opened': from the named store's opening day (t_shop_info.set_up_time) to today."""
        names = [str(v) for c in intent.conditions if c.kind == "dim" and c.dimension == "store" and not c.negate
                 for v in c.values]
        if len(names) != 1:
            raise NeedClarification("Since which store opened? Name the store, e.g. 'revenue at 102 Fulton since "
                                    "it opened'.", [s.name for s in sorted(
                                        (s for s in self.cat.stores if s.opened), key=lambda s: s.opened or today,
                                        reverse=True)[:5]])
        store = self.cat.store(names[0])
        if store is None or store.opened is None:
            raise NeedClarification(f"I don't know when {names[0]} opened. Which period do you mean?")
        if store.opened > today:
            raise CannotAnswer(f"{store.name} opens on {store.opened:%b %-d, %Y}, after today, so it has no data yet.")
        intent.compare = None if intent.compare and intent.compare.kind == "periods" else intent.compare
        intent.period = Period(start=store.opened, end=today, label=f"since {store.name} opened", grain="custom")

    def _trend_requested(self, intent: Intent, st: _State) -> bool:
        return bool(_time_dims(self.model, intent.group_by)) and not re.search(
            r"\b(?:week over week|month over month|quarter over quarter|year over year|wow|mom|qoq|yoy)\b",
            st.text)

    def _has_members(self, intent: Intent, st: _State) -> bool:
        return any(c.kind == "dim" and len(c.values) > 1 for c in intent.conditions) or bool(
            intent.compare and intent.compare.kind == "members") or sum(len(v) for v in st.values.values()) > 1

    def _product_like(self, intent: Intent) -> bool:
        return any(d in ("product", "category") for d in intent.group_by) or any(
            c.dimension in ("product", "category") for c in intent.conditions) or any(
            c.segment in ("iced", "hot", "drink", "food") for c in intent.conditions if c.kind == "segment")

    def _default_metric(self, intent: Intent, st: _State) -> None:
        if not intent.metrics and "gross" in st.cues:
            intent.metrics = ["revenue"]
            st.assumptions.append("grossing = revenue")
        if not intent.metrics:
            product_like = self._product_like(intent) or any(d in ("product", "category") for d in st.counted)
            sold = bool(re.search(r"\b(?:sold|sell|sells)\b", st.text))
            if product_like and ("count" in st.cues or sold) and not st.order:
                intent.metrics = ["items_sold"]  # "how many iced lattes did we sell", "hot drinks sold"
            elif product_like and ("sell" in st.cues or st.order):
                intent.metrics = ["orders"]
                st.assumptions.append("best selling = most order lines, as the seed report counts")
            elif product_like and not st.weak_metrics:
                intent.metrics = ["items_sold", "orders", "revenue"]
                st.assumptions.append("no measure named: showing items sold, order lines and revenue")
                intent.confidence *= 0.9
            elif st.weak_metrics and (st.order or "count" in st.cues or "comparative" in st.cues or
                                      st.values or st.group_by or st.periods or "compare" in st.cues):
                intent.metrics = [st.weak_metrics[0]]
            elif "busy" in st.cues or (st.order and any(d in ("day", "hour", "weekday", "week", "month")
                                                        for d in intent.group_by)):
                intent.metrics = ["orders"]
                st.assumptions.append("'busiest' means most orders")
                intent.confidence *= 0.95
            elif "count" in st.cues and (st.values or st.segments) and "how much" not in st.text:
                intent.metrics = ["orders"]
            elif (st.values or intent.conditions) and (st.periods or "perform" in st.cues):
                intent.metrics = ["orders", "revenue", "aov"]
                st.assumptions.append("no measure named: showing orders, revenue and average order value")
                intent.confidence *= 0.85
            elif st.counted:
                label = self.model.dimensions[st.counted[0]].label
                raise NeedClarification(f"Counting {label}s is not something I can do directly. Do you mean orders "
                                        f"or revenue by {label}?", [f"orders by {label}", f"revenue by {label}"])
            else:
                raise NeedClarification("Which measure would you like: orders, revenue, or average order value?",
                                        ["orders", "revenue", "average order value"])
        elif "sell" in st.cues and st.order and self._product_like(intent) and not st.rank_metric:
            st.rank_metric = "orders"
            if "orders" not in intent.metrics:
                intent.metrics.insert(0, "orders")
        self._how_much(intent, st)
        if "slow" in st.cues or "fast" in st.cues:
            timed = self.model.metrics[intent.metrics[0]].format == "seconds"
            if not timed:
                raise NeedClarification("Slowest by production time, or by number of orders?",
                                        ["by production time", "by number of orders"])
            slow = "slow" in st.cues
            intent.order = ("desc" if slow else "asc") if timed else ("asc" if slow else "desc")
        self._average(intent, st)

    def _how_much(self, intent: Intent, st: _State) -> None:
        """'how much did pickup orders bring in': money, even though 'orders' names the rows."""
        if "how much" in st.text and "revenue" in st.weak_metrics and intent.metrics and all(
                self.model.metrics[m].format == "integer" for m in intent.metrics) and "revenue" not in intent.metrics:
            intent.metrics = ["revenue"]

    def _average(self, intent: Intent, st: _State) -> None:
        """'average daily orders', 'orders per day, weekends vs weekdays', 'orders a customer places on average'."""
        mid = intent.metrics[0]
        additive = mid in self._additive
        tdims = [d for d in _time_dims(self.model, intent.group_by) if d in ("hour", "day", "week", "month")]
        if "average" in st.cues and additive:
            if tdims:
                intent.per = tdims[0]
                intent.group_by.remove(tdims[0])
                return
            entity = [d for d in st.per_words if d in ("user", "store") and d in intent.group_by]
            if not entity and "user" in st.per_words and "user" in intent.group_by:
                entity = ["user"]
            if entity:
                intent.per = entity[0]
                intent.group_by.remove(entity[0])
                if "customers" in intent.metrics and entity[0] == "user":
                    intent.metrics.remove("customers")
                return
            if "customers" in intent.metrics and mid == "orders":
                intent.metrics = ["orders_per_customer"]
                return
            day_types = {"weekday", "weekend"}
            members = intent.compare.members if intent.compare and intent.compare.kind == "members" else []
            if any(c.segment in day_types for c in intent.conditions + members if c.kind == "segment"):
                intent.per = "day"  # "how many orders did we average per weekday vs per weekend day"
                return
            label = self.model.metrics[mid].label
            opts = [f"average {label} per day", f"average {label} per week"]
            if mid == "revenue":
                opts.insert(0, "average order value")
            raise NeedClarification(f"Average {label} per what?", opts)
        if additive and "user" in st.per_words and "user" in intent.group_by and not st.order:
            intent.per = "user"  # "revenue per customer": an average over customers, not 10,000 rows
            intent.group_by.remove("user")
            return
        if additive and tdims and st.per_words & set(tdims) and (
                intent.compare is not None or any(not self.model.dimensions[d].time for d in intent.group_by)):
            d = next(x for x in tdims if x in st.per_words)
            intent.per = d
            intent.group_by.remove(d)

    def _time_ambiguity(self, intent: Intent, st: _State) -> None:
        for mid in intent.metrics:
            alts = self.model.metrics[mid].ambiguous_with_time
            if alts and (intent.period or intent.compare):
                labels = [self.model.metrics[a].label for a in alts]
                raise NeedClarification(f"For a period, do you mean {' or '.join(labels)}?", labels)

    def _shape(self, intent: Intent, st: _State) -> None:
        tdims = _time_dims(self.model, intent.group_by)
        if "trend" in st.cues and not tdims and intent.compare is None and not intent.per:
            grain = "month"
            days = intent.period.days if intent.period else None
            if days is not None:
                grain = "day" if days <= 35 else "week" if days <= 120 else "month"
            intent.group_by.append(grain)
            st.assumptions.append(f"trend by {grain}")
        if "growth" in st.cues and _time_dims(self.model, intent.group_by) and intent.compare is None:
            intent.growth = True
        if "share" in st.cues and not intent.growth:
            if intent.group_by:
                intent.share = True
            else:
                parts = [c for c in intent.conditions if c.kind in ("dim", "segment") and not c.negate]
                if len(parts) == 1:
                    intent.share_of = parts[0]
                    intent.conditions = [c for c in intent.conditions if c is not parts[0]]
                elif intent.compare is not None and intent.compare.kind == "members":
                    intent.share = True
                else:
                    raise NeedClarification("Share of what? For example 'share of orders by store' or "
                                            "'what % of orders were delivery'.")
            mid = intent.metrics[0]
            if mid not in self._additive:
                raise CannotAnswer(f"A share of {self.model.metrics[mid].label} doesn't add up; ask for the share "
                                   "of orders, revenue or items instead.")
        for c in list(intent.conditions):
            if c.kind == "dim" and c.dimension in intent.group_by and len(c.labels) >= 3 and not c.negate:
                intent.conditions.remove(c)  # "by channel (iOS, Android, delivery, other)": a description
                st.assumptions.append(f"listing {', '.join(c.labels)} describes the breakdown, not a filter")
        for c in intent.conditions:
            if c.kind == "dim" and len(c.labels) > 1 and not c.negate and c.dimension not in intent.group_by:
                intent.group_by.insert(0, str(c.dimension))  # "Fulton vs Maiden Lane": one row each
        if intent.order is not None and not intent.group_by and not intent.per:
            if intent.compare is not None or "comparative" in st.cues:
                intent.order = None
                return
            raise NeedClarification("Top what? For example 'top stores', 'best selling products' or 'busiest days'.",
                                    ["stores", "products", "days", "hours"])
        first = re.search(r"\b(?:busiest|biggest|highest|largest|most|best) first\b", st.text)
        if st.partition_dim and st.partition_dim in intent.group_by and intent.order is not None:
            intent.top_per = st.partition_dim
        if intent.order is not None and intent.limit is None and "top" in st.cues and not first and \
                "rank" not in st.cues:
            intent.limit = 10 if st.plural else 1
            if not st.plural:
                st.assumptions.append("the single top result")
        if ("comparative" in st.cues or "compare" in st.cues) and intent.compare is None and not intent.group_by:
            raise NeedClarification("What should I compare? For example 'this week vs last week' or "
                                    "'8th & Broadway vs 102 Fulton'.")

    def _source(self, intent: Intent, soft: set[str] | None = None) -> str:
        m = self.model
        for d in soft or set():
            if d in intent.group_by and not any(
                    s in m.dimension_sources(d) for mid in intent.metrics for s in m.metrics[mid].sql):
                intent.group_by.remove(d)
        members = intent.compare.members if intent.compare and intent.compare.kind == "members" else []
        needs_dims = set(intent.group_by) | {c.dimension for c in intent.conditions + members if c.dimension}
        if intent.share_of and intent.share_of.dimension:
            needs_dims.add(intent.share_of.dimension)
        if intent.per and intent.per in m.dimensions:
            needs_dims.add(intent.per)
        seg_conds = [c for c in intent.conditions + members + ([intent.share_of] if intent.share_of else [])
                     if c.kind == "segment" and c.segment]
        needs_time = bool(intent.period or (intent.compare and intent.compare.kind == "periods")
                          or _time_dims(m, [d for d in needs_dims if d]) or intent.per
                          or any(c.kind == "hours" for c in intent.conditions))
        candidates: list[str] = []
        for mid in intent.metrics:
            for s in list(m.metrics[mid].sql) + list(m.metrics[mid].alternates):
                if s not in candidates:
                    candidates.append(s)
        for s in candidates:
            segs = {c.segment for c in seg_conds if s not in m.segments[str(c.segment)].optional_for}
            ok = all(s in m.metrics[x].sql or s in m.metrics[x].alternates for x in intent.metrics)
            ok = ok and all(d is not None and s in m.dimension_sources(d) for d in needs_dims)
            ok = ok and all(seg is not None and s in m.segment_sources(seg) for seg in segs)
            ok = ok and (not needs_time or m.sources[s].time is not None)
            if ok and any(c.kind == "amount" for c in intent.conditions) and s != "orders":
                ok = False
            if ok:
                dropped = [c for c in seg_conds if s in m.segments[str(c.segment)].optional_for]
                if dropped:
                    intent.conditions = [c for c in intent.conditions if c not in dropped]
                return s
        what = ", ".join(m.metrics[x].label for x in intent.metrics)
        by = [m.dimensions[d].label for d in needs_dims if d] + [
            m.segments[str(c.segment)].label for c in seg_conds]
        if needs_time and not any(m.sources[s].time for s in candidates):
            raise CannotAnswer(f"{what.capitalize()} is a current snapshot: I can't answer it for a past period. "
                               f"Ask for the current {what}.")
        raise CannotAnswer(f"I can't combine {what} with {', '.join(by) or 'that filter'}: the data doesn't "
                           "connect them. " + safety.CAN_ANSWER)

    def _alternates(self, intent: Intent) -> None:
        m = self.model
        out = []
        for mid in intent.metrics:
            if intent.source not in m.metrics[mid].sql:
                alt = m.metrics[mid].alternates[intent.source]
                intent.notes.append(f"{m.metrics[mid].label} here means {m.metrics[alt].label}")
                out.append(alt)
            else:
                out.append(mid)
        intent.metrics = list(dict.fromkeys(out))

    # ------------------------------------------------------------------ explanation
    def explain(self, intent: Intent, notes: list[str] | None = None) -> str:
        m = self.model
        parts = [" and ".join(m.metrics[x].label for x in intent.metrics)]
        if intent.share_of:
            parts = [f"share of {parts[0]} that is {intent.share_of.describe()}"]
        if intent.per:
            parts[0] = f"average {parts[0]} per {intent.per}"
        for c in intent.conditions:
            if c.kind == "dim" and c.dimension:
                parts.append(f"{m.dimensions[c.dimension].label} {'is not' if c.negate else '='} "
                             f"{' or '.join(c.labels)}")
            else:
                parts.append(c.describe())
        if intent.group_by:
            parts.append("by " + ", ".join(m.dimensions[d].label for d in intent.group_by))
        if intent.compare:
            parts.append("comparing " + " vs ".join(intent.compare.labels()))
        if intent.growth:
            parts.append("% change")
        if intent.share:
            parts.append("with each row's share of the total")
        if intent.lifted or intent.include_outliers:
            parts.append("lifting the default filters " + ", ".join(intent.lifted or ["no_outliers"]))
        if intent.period:
            parts.append(intent.period.describe())
        elif not (intent.compare and intent.compare.kind == "periods"):
            parts.append("all time")
        if intent.order:
            parts.append(f"{'top' if intent.order == 'desc' else 'bottom'} {intent.limit or ''}".strip()
                         + (f" in each {m.dimensions[intent.top_per].label}" if intent.top_per else ""))
        text = "; ".join(parts)
        if notes:
            text += f" ({'; '.join(notes)})"
        return text


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    """``phrase`` occurs in ``words`` as a contiguous run."""
    n = len(phrase)
    first = phrase[0]
    return any(words[i] == first and tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


def _partner(seg: str) -> str:
    for a, b in _PAIRS:
        if seg == a:
            return b
        if seg == b:
            return a
    return ""


def _time_dims(model: SemanticModel, dims: list[str]) -> list[str]:
    return [d for d in dims if d in model.dimensions and model.dimensions[d].time]


def _additive(sql: dict[str, str]) -> bool:
    """SUM/COUNT metrics add up across rows (shares and 'average per day' make sense for them)."""
    from sqlglot import exp

    tree = parse_fragment(next(iter(sql.values())))
    while isinstance(tree, exp.Round):
        tree = tree.this
    if isinstance(tree, exp.Div):
        inner = tree.this
        return isinstance(inner, exp.Sum | exp.Count) and isinstance(tree.expression, exp.Literal)
    if isinstance(tree, exp.Count) and isinstance(tree.this, exp.Distinct):
        return False
    return isinstance(tree, exp.Sum | exp.Count)
