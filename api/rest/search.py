"""Full-text search over labels: an in-memory index built once from the store.

:func:`build_label_index` runs one SELECT (``sparql/labels.rq``): every
``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` and ``dct:title`` of an
entity (``…/id/``), a concept or scheme (``…/vocab/``) or a source document
(``…/source/{slug}``, not its locators), with the subject's ``rdf:type`` values
and every class it belongs to through ``rdfs:subClassOf*`` (so a type filter
finds the instances of subclasses even without the inferred graph).

Matching is on *folded* text: Unicode NFKD, combining marks dropped, case
folded, so ``musee`` finds "Musée" and ``SERVELLON`` finds "Servellón". Each
label of a resource is scored; the resource keeps its best label:

======  ===========  ==============================================================
score   match        the folded label …
======  ===========  ==============================================================
1.0     exact        equals the query (spaces collapsed)
0.8     prefix       starts with the query
0.6     word-prefix  has the query at the start of a word
0.4     words        has every word of the query at the start of one of its words
0.2     substring    contains the query
======  ===========  ==============================================================

Ties go to the shorter label, then alphabetical order, then the IRI.

>>> index = LabelIndex([
...     LabelEntry("https://w3id.org/ccai/id/organisation/nemo", "NEMO", "en"),
...     LabelEntry("https://w3id.org/ccai/id/event/c", "NEMO conference", "en"),
...     LabelEntry("https://w3id.org/ccai/id/organisation/m", "Musée du Louvre", "fr"),
... ], {})
>>> [(h.label, h.match) for h in index.search("nemo").hits]
[('NEMO', 'exact'), ('NEMO conference', 'prefix')]
>>> index.search("MUSEE").hits[0].iri
'https://w3id.org/ccai/id/organisation/m'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.search.index import at_word_start, fold  # one folding for both indexes
from api.settings import Settings
from api.store.base import Store

from .queries import internal_query
from .results import select

BASE = "https://w3id.org/ccai/"
_WORD_RE = re.compile(r"\w+")
SCORES = {"exact": 1.0, "prefix": 0.8, "word-prefix": 0.6, "words": 0.4, "substring": 0.2}
MAX_QUERY_LENGTH = 200


def match_kind(query: str, words: list[str], label: str, label_words: list[str]) -> str | None:
    """How the folded ``label`` matches the folded ``query`` (a key of :data:`SCORES`)."""
    if label == query:
        return "exact"
    if label.startswith(query):
        return "prefix"
    best = "substring" if query in label else None
    if at_word_start(label, query):
        return "word-prefix"
    if words and all(any(lw.startswith(w) for lw in label_words) for w in words):
        return "words"
    return best


@dataclass(frozen=True)
class LabelEntry:
    iri: str
    label: str
    language: str | None
    folded: str = ""
    words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        folded = fold(self.label)
        object.__setattr__(self, "folded", folded)
        object.__setattr__(self, "words", tuple(_WORD_RE.findall(folded)))


@dataclass(frozen=True)
class Subject:
    """What the index knows of a resource besides its labels."""

    types: tuple[str, ...] = ()
    classes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    matched_label: str
    language: str | None
    types: tuple[str, ...]
    match: str
    score: float


@dataclass(frozen=True)
class Result:
    total: int
    hits: list[Hit] = field(default_factory=list)


def _language_matches(label_language: str | None, wanted: str) -> bool:
    if not label_language:
        return False
    label_language = label_language.lower()
    return label_language == wanted or label_language.startswith(wanted + "-")


class LabelIndex:
    """Labels of the graph's resources, searchable in memory (immutable once built)."""

    def __init__(self, entries: list[LabelEntry], subjects: dict[str, Subject]) -> None:
        self.entries = entries
        self.subjects = subjects
        self._display: dict[str, str] = {}
        for entry in sorted(entries, key=lambda e: (e.language not in ("en", None), e.label)):
            self._display.setdefault(entry.iri, entry.label)
        self._iris = sorted(self._display)

    def __len__(self) -> int:
        return len(self.entries)

    def display_label(self, iri: str) -> str:
        """The resource's English label, else a language-neutral one, else any."""
        return self._display.get(iri, iri)

    def iris(self) -> list[str]:
        """The indexed IRIs, each once, sorted."""
        return self._iris

    def search(
        self,
        q: str,
        *,
        language: str | None = None,
        class_iri: str | None = None,
        start: int = 0,
        count: int = 20,
    ) -> Result:
        """Rank the resources whose labels match ``q``; return ``count`` hits from ``start``.

        ``language`` keeps only labels in that language (``nl`` also matches
        ``nl-BE``; labels without a language tag are left out); ``class_iri``
        keeps only resources of that class or a subclass.
        """
        query = fold(q)
        words = _WORD_RE.findall(query)
        wanted = language.lower() if language else None
        best: dict[str, tuple[float, int, str, LabelEntry, str]] = {}
        for entry in self.entries:
            if wanted and not _language_matches(entry.language, wanted):
                continue
            if class_iri and class_iri not in self.subjects.get(entry.iri, Subject()).classes:
                continue
            kind = match_kind(query, words, entry.folded, list(entry.words))
            if kind is None:
                continue
            key = (-SCORES[kind], len(entry.label), entry.folded, entry, kind)
            if entry.iri not in best or key[:3] < best[entry.iri][:3]:
                best[entry.iri] = key
        ranked = sorted(best.values(), key=lambda k: (k[0], k[1], k[2], k[3].iri))
        hits = [
            Hit(
                iri=entry.iri,
                label=self.display_label(entry.iri) if wanted is None else entry.label,
                matched_label=entry.label,
                language=entry.language,
                types=self.subjects.get(entry.iri, Subject()).types,
                match=kind,
                score=-neg_score,
            )
            for neg_score, _, _, entry, kind in ranked[start : start + count]
        ]
        return Result(total=len(ranked), hits=hits)


def _searchable(iri: str) -> bool:
    if not iri.startswith(BASE):
        return False
    rest = iri[len(BASE) :]
    if rest.startswith("source/"):
        return "/" not in rest[len("source/") :]  # a source document, not a locator
    return rest.startswith(("id/", "vocab/"))


async def build_label_index(
    store: Store, settings: Settings, *, timeout: float | None = None
) -> LabelIndex:
    """Read every label of the store (one SELECT) into a :class:`LabelIndex`."""
    sparql = internal_query("labels").render({})
    _columns, rows = await select(store, settings, sparql, timeout=timeout)
    entries: list[LabelEntry] = []
    subjects: dict[str, Subject] = {}
    for row in rows:
        iri = row["s"].value
        if "label" not in row or not _searchable(iri):
            continue
        label = row["label"]
        entries.append(LabelEntry(iri, label.value, label.lang))
        if iri not in subjects:
            types = tuple(sorted(set(row["types"].value.split()))) if "types" in row else ()
            classes = frozenset(row["classes"].value.split()) if "classes" in row else frozenset()
            subjects[iri] = Subject(types=types, classes=classes | frozenset(types))
    return LabelIndex(entries, subjects)
