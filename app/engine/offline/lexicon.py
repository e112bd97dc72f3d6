"""The phrase lexicon: every word or phrase the parser understands, mapped to what it means.

Built once per (semantic model, dataset) from the model's synonyms, the names in the data
(stores, products, categories, payment methods, ...), the departmental tools' keywords, and a
small grammar vocabulary (ranking, comparison, grouping words). Lookups use singular word keys,
so "lattes", "stores" and "weekends" find "latte", "store" and "weekend".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from app.engine.offline.entities import EntityCatalog
from app.engine.offline.text import key, phrase_key, tokenise
from schema_catalog.semantic import SemanticModel

ConceptKind = Literal["metric", "dimension", "segment", "value", "tool", "ambiguous", "word"]


@dataclass(frozen=True)
class Concept:
    """One meaning of a phrase. ``value`` concepts carry the dimension id and the key to filter on."""

    kind: ConceptKind
    id: str
    value: str | int | None = None
    label: str = ""


# Grammar words: id -> phrases. The parser reads these as structure, not as data.
WORDS: dict[str, list[str]] = {
    "group": ["by", "per", "each", "every", "for each", "for every", "across", "broken down by",
              "break down by", "break it down by", "break that down by", "breakdown by", "split by", "grouped by",
              "group by", "by each", "in each", "for all", "at each", "broken out by", "segmented by",
              "sliced by", "by every", "break down", "broken down", "breakdown", "split"],
    "which": ["which", "what", "who", "whose"],
    "rank": ["rank", "ranked", "ranking", "rankings", "sort", "sorted", "sorted by",
             "league table", "leaderboard", "list every", "list all"],
    "slow": ["slowest", "slower", "longest"],
    "fast": ["fastest", "quicker", "quickest", "shortest"],
    "with": ["with", "with their", "with its", "including their", "along with", "plus", "and their", "show"],
    "top": ["top", "best", "most", "highest", "most frequent", "frequent", "biggest", "largest", "max", "maximum",
            "busiest", "leading",
            "greatest", "most popular", "popular", "best selling", "best seller", "bestselling", "bestseller",
            "top selling", "top performing", "best performing", "strongest", "heaviest", "favorite",
            "favourite", "most ordered", "most sold", "highest grossing", "number one", "no 1", "biggest selling",
            "top grossing", "highest selling", "more", "greater", "higher", "bigger", "largest number of"],
    "bottom": ["bottom", "worst", "least", "lowest", "smallest", "fewest", "min", "minimum", "quietest",
               "weakest", "least popular", "worst selling", "worst performing", "slowest selling", "lightest",
               "least ordered", "least sold", "lowest selling", "lowest grossing", "least grossing",
               "less", "fewer", "lower", "smaller"],
    "compare": ["compare", "compared", "comparing", "comparison", "versus", "against", "relative to",
                "side by side", "difference between", "differ", "compare to", "compared to", "compared with",
                "stack up", "stacks up", "than"],
    "share": ["share", "percent", "percentage", "%", "proportion", "fraction", "portion", "mix", "what part",
              "contribution", "percent of total", "share of total", "split of", "account for", "accounted for",
              "accounts for", "make up", "made up", "makes up"],
    "growth": ["growth", "grow", "grew", "growing", "change", "changed", "increase", "increased", "decrease",
               "decreased", "decline", "declined", "delta", "up or down", "percent change", "pct change",
               "% change", "growth rate", "gain", "fell", "rise", "rose", "yoy", "year over year",
               "period over period", "week over week", "month over month", "wow", "mom", "qoq",
               "quarter over quarter", "up", "down", "better", "worse"],
    "trend": ["trend", "trends", "over time", "time series", "history", "historical", "trajectory", "evolution",
              "progression", "chart", "plot", "graph", "curve", "timeline", "trending", "line chart", "moved",
              "move", "moving"],
    "negate": ["not", "excluding", "exclude", "excludes", "except", "without", "other than", "non", "besides",
               "apart from", "ignoring", "ignore", "leave out", "leaving out", "minus", "no"],
    "outliers": ["including the over30min outliers", "including over30min outliers", "over30min outliers included",
                 "with the over30min outliers", "including outliers", "with outliers", "include outliers",
                 "outliers included",
                 "with the outliers", "including the outliers", "all production times", "not excluding outliers"],
    "count": ["how many", "number of", "count of", "count", "total number of", "how much"],
    "average": ["average", "mean", "typical", "on average", "avg"],
    "sell": ["sell", "sold", "selling", "sells", "ordered", "bought", "purchased", "popular"],
    "perform": ["perform", "performance", "performing", "doing", "how was", "how is", "how are", "how did",
                "how do", "how does", "went", "going", "look", "looking", "numbers", "kpi", "kpis", "stats",
                "metrics", "figures", "snapshot", "overview", "summary", "recap", "scorecard"],
    "total": ["total", "overall", "altogether", "in total", "combined", "sum", "all together", "grand total",
              "cumulative", "whole", "entire", "all stores", "company wide", "companywide", "chain wide", "network",
              "across all stores", "across all shops", "across all locations", "across stores", "for all stores",
              "in all stores", "all stores combined", "all locations", "all shops", "across the company",
              "across every store", "across every shop", "across every location", "every store combined"],
    "first": ["first"],
    "show_sql": ["show the sql", "show sql", "the sql", "show me the sql", "sql", "query", "show the query",
                 "what sql", "which query"],
    "only": ["only", "just", "solely", "exclusively", "only the"],
    "over": ["over", "above", "more than", "greater than", "at least", "exceeding", "bigger than", "larger than",
             "higher than"],
    "under": ["under", "below", "less than", "smaller than", "lower than", "at most", "cheaper than"],
    "list": ["list", "list of", "show all", "all the", "every single", "name the", "names of"],
}

# Words that carry no meaning for the query (never flagged as "not understood").
_FILLER_TEXT = """
a an the of for in on at to from with and or but so as is are was were be been being am it its this that these
those there here what whats which who whom whose how why when where do does did done doing have has had having
me my mine i we us our ours you your yours they them their he she his her please pls plz can could would will
shall should may might must tell show give list get got find display report see let know want need like just
also about around approximately roughly currently current right now today data figure figures number numbers
stat stats statistic statistics value values level levels info information detail details quick quickly some
any all total overall kind sort type lot lots much many more most very really actually each every one ones
thing things stuff hey hi hello thanks thank okay ok yes yeah sure again then than happen happened happening
look looking seeing compute calculate calculated calculation giving provide getting pull pulling run fetch
bring brought generate generated generating make made making take took taking come came coming go went going
result results answer answers question out up down over under into onto via per vs versus between among across
within during throughout luckin lucky company business team we've i'd exactly precisely approx nearly almost
basically far yet still already ever even only same similar other another else both either neither whole
entire by amount count sum place placed receive received process processed handle handled record recorded
register customers's store's do's gross net worth spend spent pay paid cost date dates day days period periods
time times new old recent latest last first next previous prior past wanted needed wondering wonder curious
interested compared compare comparison sales-wise overall-wise top bottom best worst cafe cafes coffee-shop
break broken breakdown split rank ranked ranking rankings order ordered sorted highest lowest | taken
contribute contributed contributes size seconds second minutes minute hours dollars dollar bucks usd percent
meant mean means i'm im sorry instead thx cheers completed complete successful through using before after
paying charged charging comes places counting counted include included including until till quite everything
anything something whatever
used use uses
serve served serving collect collected collecting away gave given giving
newest newer newly recently youngest oldest older original main flagship usual
"""
FILLER: frozenset[str] = frozenset(_FILLER_TEXT.split())


@dataclass
class Lexicon:
    """Phrase key -> meanings, plus alias strings per entity kind for fuzzy linking."""

    phrases: dict[tuple[str, ...], list[Concept]] = field(default_factory=lambda: defaultdict(list))
    fuzzy: dict[str, list[Concept]] = field(default_factory=lambda: defaultdict(list))
    vocabulary: set[str] = field(default_factory=set)
    max_len: int = 1
    areas: dict[str, list[str]] = field(default_factory=dict)  # area phrase -> neighbourhood labels it covers
    families: dict[str, list[str]] = field(default_factory=dict)  # product word -> menu items named with it

    def add(self, phrase: str | tuple[str, ...], concept: Concept, *, fuzzy: bool = False) -> None:
        k = phrase if isinstance(phrase, tuple) else phrase_key(phrase)
        if not k:
            return
        if concept not in self.phrases[k]:
            self.phrases[k].append(concept)
        self.max_len = max(self.max_len, len(k))
        self.vocabulary.update(k)
        if isinstance(phrase, str):
            self.vocabulary.update(tokenise(phrase))
        if fuzzy and len(" ".join(k)) >= 5:
            text = " ".join(k)
            if concept not in self.fuzzy[text]:
                self.fuzzy[text].append(concept)

    def lookup(self, words: list[str] | tuple[str, ...]) -> list[Concept]:
        return self.phrases.get(key(words), [])


_STREET = {"st", "ave", "ln", "and", "the", "street", "avenue", "lane", "rd", "blvd", "pl", "ny", "nyc"}
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$")
# Words in store names that mean something else in a question ("winter sales" is not the Winter Village kiosk).
_NOT_A_PLACE = {"winter", "summer", "spring", "fall", "autumn", "holiday", "holidays", "express", "grand"}


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def area_index(cat: EntityCatalog) -> dict[str, list[str]]:
    """Area phrases people say -> the neighbourhood labels that contain them as whole words.

    A label such as "Hell's Kitchen/Midtown West" names several areas; each part ("Midtown West", and
    "Midtown" where another label has it as a part of its own) is an area, and an area covers every label
    that mentions it: "midtown" is Midtown, Garment District/Midtown and Hell's Kitchen/Midtown West."""
    labels = {n: tokenise(n) for n in cat.neighbourhoods}
    phrases: set[str] = set()
    for n in cat.neighbourhoods:
        phrases.add(" ".join(tokenise(n)))
        for part in n.split("/"):
            if tokenise(part):
                phrases.add(" ".join(tokenise(part)))
    return {p: sorted(n for n, toks in labels.items() if _contains(toks, p.split())) for p in sorted(phrases)}


def _store_aliases(cat: EntityCatalog, areas: dict[str, list[str]]
                   ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Full-name variants per store, and words of store names -> the stores they may mean.

    A word (or a hyphenated pair such as "pop-up") means every store whose name or neighbourhood has it:
    "broadway" and "pop-up" name two stores each and make the parser ask, "columbia" names one. Area
    phrases are left to the neighbourhood index."""
    variants: dict[str, list[str]] = {}
    words: dict[str, set[str]] = defaultdict(set)
    hoods = {s.name: tokenise(s.neighbourhood or "") for s in cat.stores}
    for s in cat.stores:
        toks = tokenise(s.name)
        v = {" ".join(toks), " ".join(t for t in toks if t != "and")}
        if s.address:
            v.add(" ".join(tokenise(s.address.split(",")[0])))
        variants[s.name] = sorted(x for x in v if x)
        for t in toks:
            if _ORDINAL.match(t) and " and " in " ".join(toks):
                for suffix in ("", " ave", " st", " avenue", " street"):
                    words[t + suffix].add(s.name)
                continue
            if t in _STREET or t.isdigit() or _ORDINAL.match(t) or len(t) < 4 or t in areas:
                continue
            words[t].add(s.name)
            words[t] |= {o.name for o in cat.stores if t in hoods[o.name]}
        for part in re.findall(r"[A-Za-z]+-[A-Za-z]+", s.name):  # "Pop-up": "pop up", "popup"
            for form in (" ".join(tokenise(part)), part.lower().replace("-", "")):
                words[form] |= {o.name for o in cat.stores if part.lower() in o.name.lower()}
    return variants, words


FAMILY = "family:"


def _add_families(lex: Lexicon, cat: EntityCatalog) -> None:
    """Kinds of menu item named by the last word of several items ("croissants": Almond Croissant, Butter
    Croissant, ...). The word means all of them; where one item is called just that ("Latte"), the plural
    "lattes" is ambiguous and the parser asks. "all lattes" / "every latte" always mean the family. Words
    with another meaning (a category, a segment, a grammar word) are left alone."""
    heads: dict[str, list[str]] = defaultdict(list)
    for prod in cat.products:
        toks = tokenise(prod.name)
        if toks and toks[-1].isalpha() and len(toks[-1]) >= 3:
            heads[key(toks[-1:])[0]].append(prod.name)
    for word, names in sorted(heads.items()):
        if len(names) < 2 or any(not (c.kind == "value" and c.id == "product") for c in lex.lookup((word,))):
            continue
        lex.families[word] = sorted(set(names))
        fam = Concept("value", "product", FAMILY + word, f"all {word}s")
        lex.add((word,), fam)
        for lead in ("all", "every", "any", "all the"):
            lex.add((*lead.split(), word), fam)
        lex.add((word, "family"), fam)


def build_lexicon(model: SemanticModel, cat: EntityCatalog, tools: dict[str, list[str]]) -> Lexicon:
    """Every phrase the parser knows, from the model, the data and the tool registry."""
    lex = Lexicon()
    for wid, phrases in WORDS.items():
        for p in phrases:
            lex.add(p, Concept("word", wid))
    for m in model.metrics.values():
        lex.add(m.id.replace("_", " "), Concept("metric", m.id, label=m.label), fuzzy=True)
        for syn in m.synonyms:
            lex.add(syn, Concept("metric", m.id, label=m.label), fuzzy=len(syn) >= 5)
        for syn in m.weak_synonyms:
            lex.add(syn, Concept("metric", m.id, value="weak", label=m.label))
    for d in model.dimensions.values():
        lex.add(d.id.replace("_", " "), Concept("dimension", d.id, label=d.label))
        for syn in d.synonyms:
            lex.add(syn, Concept("dimension", d.id, label=d.label), fuzzy=len(syn) >= 6)
    for s in model.segments.values():
        for syn in s.synonyms:
            lex.add(syn, Concept("segment", s.id, label=s.label), fuzzy=len(syn) >= 6)
    for amb in model.ambiguous:
        lex.add(amb, Concept("ambiguous", amb))
    # code dimensions: labels from the model's code lists, synonyms from its values section
    for did in ("channel", "order_type", "device_status"):
        dim = model.dimensions[did]
        for code, label in dim.codes.items():
            if label == "Other" and code != 8:
                continue
            for syn in model.code_synonyms(did).get(code, []):
                lex.add(syn, Concept("value", did, code, label), fuzzy=len(syn) >= 6)
    # data-backed names
    lex.areas = area_index(cat)
    variants, words = _store_aliases(cat, lex.areas)
    for store in cat.stores:
        c = Concept("value", "store", store.name, store.name)
        for v in variants[store.name]:
            lex.add(tuple(v.split()), c, fuzzy=True)
        for syn in model.code_synonyms("store").get(store.name, []):
            lex.add(syn, c, fuzzy=len(syn) >= 6)
        lex.add(tuple(tokenise(store.shop_no)), c)
    for word, names in words.items():
        k = tuple(tokenise(word))
        if len(names) > 1 or (_ORDINAL.match(k[0]) and not lex.lookup(k)):
            for n in sorted(names):
                lex.add(k, Concept("value", "store", n, n))
        elif len(k[0]) >= 5 and k[0] not in _NOT_A_PLACE and not lex.lookup(k) and k[0] not in FILLER:
            lex.add(k, Concept("value", "store", next(iter(names)), next(iter(names))))  # "the Columbia one"
    for prod in cat.products:
        lex.add(prod.name, Concept("value", "product", prod.name, prod.name), fuzzy=True)
    for c_name in cat.categories:
        lex.add(c_name, Concept("value", "category", c_name, c_name), fuzzy=True)
    pay_syn = model.code_synonyms("payment_method")
    for cid, name in cat.pay_channels.items():
        c = Concept("value", "payment_method", cid, name)
        lex.add(name, c, fuzzy=True)
        for syn in pay_syn.get(cid, []):
            lex.add(syn, c, fuzzy=len(syn) >= 6)
    parts = {" ".join(tokenise(p)): p.strip() for n in cat.neighbourhoods for p in [n, *n.split("/")]}
    for phrase, labels in lex.areas.items():
        if labels:
            lex.add(tuple(phrase.split()), Concept("value", "neighbourhood", phrase, parts.get(phrase, phrase)),
                    fuzzy=len(phrase) >= 6)
    for area, syns in model.code_synonyms("neighbourhood").items():
        phrase = " ".join(tokenise(str(area)))
        covered = [n for n in cat.neighbourhoods if _contains(tokenise(n), phrase.split())]
        if covered:  # "FiDi" for the Financial District, when the data has one
            lex.areas.setdefault(phrase, sorted(covered))
            for syn in syns:
                lex.add(syn, Concept("value", "neighbourhood", phrase, str(area)), fuzzy=len(syn) >= 6)
    for mt in cat.machine_types:
        lex.add(mt, Concept("value", "machine_type", mt, mt), fuzzy=True)
        if mt.lower().endswith("s") is False:
            lex.add(mt + "s", Concept("value", "machine_type", mt, mt))
    for g in cat.ingredients:
        lex.add(g, Concept("value", "ingredient", g, g))
    _add_families(lex, cat)
    for phrases in tools.values():
        for p in phrases:
            lex.vocabulary.update(phrase_key(p))
    lex.vocabulary.update(FILLER)
    return lex
