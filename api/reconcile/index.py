"""The matching index of the reconciliation service: built once, searched in memory.

:func:`read_rows` reads, through the :class:`~api.store.reader.Reader`, every
name of the reconcilable resources (``sparql/names.rq``: ``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``, ``skos:hiddenLabel``, ``dct:title``,
``dct:alternative``, ``foaf:name``, ``schema:name``, ``schema:alternateName``,
every language), their types and descriptions (``sparql/types.rq``), the
classes with their superclasses (``sparql/classes.rq``) and the properties
each type uses (``sparql/properties.rq``); :func:`build_index` makes the
index of them. The app builds it once; a request never reads the store to
match a name.

**Normalisation.** :func:`normalise`: Unicode NFKD, combining marks dropped
(``Musée`` → ``musee``), case folded, ``&`` read as ``and``, every other
non-alphanumeric character a word break.

**Scores** (0–1 here; the API reports them ×100). A query is compared with
every name of a resource; the resource keeps its best name:

=====  ===========================================================================
score  the normalised query …
=====  ===========================================================================
1.00   equals the name
0.96   has the same words in another order
0.92   is the acronym of the name (initials of its words, with or without
       ``of``/``the``/``van``/…: ``NEMO`` ↔ "Network of European Museum
       Organisations"), or the name is the query's acronym of 3+ letters
       (so "ekip consortium" is not "EC")
≤0.95  fuzzy: 0.95 × the larger of (a) the length-weighted F1 of word matches,
       two words matching with similarity 1 − d/len (``d`` the optimal string
       alignment distance, allowed up to 1 edit for words of 4–7 letters and 2
       from 8; a query word of 4+ letters that starts a name word counts 0.9),
       and (b) the similarity of the two strings without spaces (when their
       lengths are within 30 % and at most 40 characters)
=====  ===========================================================================

Names are found through an exact table, a word-order table, an acronym table
and a word index (with every indexed word within the allowed edits of a
query word, through their character trigrams), so a query scores only the
names that share something with it: the 150 with the most evidence (exact
name, same words, acronym, then the rarity of the shared words). Only the
first :data:`MAX_QUERY_WORDS` (16) words of a query are matched.

The rows come from the store's folder when the build recorded them
(:mod:`api.reconcile.recorded`: no store read at start-up), else from the
four SELECTs; the service builds the index in a background thread either way.

**The match rule** (:func:`is_match`): the top candidate is a match when its
score is at least :data:`MATCH_THRESHOLD` (0.85) and it leads the second
candidate by at least :data:`MATCH_MARGIN` (0.10). Two resources with the same
name (the European Union as an organisation and as a place) are therefore
never matched automatically, unless a type filter keeps one.

>>> index = ReconIndex.from_rows(
...     names=[("https://w3id.org/ccai/id/organisation/nemo", "rdfs:label", "NEMO", "en"),
...            ("https://w3id.org/ccai/id/organisation/cwi", "rdfs:label",
...             "Centrum Wiskunde & Informatica", "en")],
...     types=[("https://w3id.org/ccai/id/organisation/nemo",
...             "https://w3id.org/ccai/ontology#Organisation", None, None)],
... )
>>> [(c.id, round(c.score, 2)) for c in index.search("Network of European Museum Organisations")]
[('id/organisation/nemo', 0.92)]
>>> index.search("informatica centrum wiskunde")[0].id
'id/organisation/cwi'
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from api.errors import ResultTooLarge
from api.store.reader import Reader, Row

from .queries import render
from .recorded import QUERIES, Rows, rows_of

BASE = "https://w3id.org/ccai/"
CCAI = BASE + "ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

MATCH_THRESHOLD = 0.85
MATCH_MARGIN = 0.10
FUZZY_WEIGHT = 0.95
#: Words left out of the shorter acronym (``Network of European Museum Organisations`` → NEMO).
_STOPWORDS_TEXT = """
    a an and the of for in on at to by with de het een van voor en der die das des du la le
    les et y e da do dos della di el
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
#: Predicates whose values make the display name, best first (the others are alternatives).
PREFERRED = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
)
_SPLIT_RE = re.compile(r"[^0-9a-z]+")
#: Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans(
    {"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}
)
_MAX_CANDIDATE_NAMES = 150  # names scored per query, the most promising first
_MAX_COMPACT = 40  # longer strings are compared word by word only
#: Words of a query that are matched (a name is rarely longer; bounds the work per query).
MAX_QUERY_WORDS = 16


def normalise(text: str) -> str:
    """Accent- and case-insensitive words of ``text``, single spaces.

    >>> normalise("  Musée  d'Orsay & Co. "), normalise("Ærø")
    ('musee d orsay and co', 'aero')
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w for w in _SPLIT_RE.split(stripped.casefold().translate(_LETTERS)) if w)


def acronyms(words: Sequence[str]) -> frozenset[str]:
    """The acronyms of a name of 2+ words: initials of all words, and of its non-stopwords.

    ``words`` are normalised words, or the normalised whitespace-separated parts
    of a name (so that ``Co-operation`` gives one initial).

    >>> sorted(acronyms("network of european museum organisations".split()))
    ['nemo', 'noemo']
    """
    words = [w for w in words if w]
    if len(words) < 2:
        return frozenset()
    full = "".join(w[0] for w in words)
    content = "".join(w[0] for w in words if w not in STOPWORDS)
    return frozenset(a for a in (full, content) if len(a) >= 2)


def distance(a: str, b: str, bound: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b`` (``bound + 1`` once above ``bound``).

    >>> distance("europaen", "european", 2), distance("museum", "museum", 1)
    (1, 0)
    """
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_edits(word: str) -> int:
    """Typos tolerated in a word: none up to 3 letters, 1 up to 7, then 2."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2


@lru_cache(maxsize=262_144)
def word_similarity(query_word: str, name_word: str) -> float:
    """1 for equal words, 1 − d/len within the allowed edits, 0.9 for a prefix of 4+ letters."""
    if query_word == name_word:
        return 1.0
    bound = allowed_edits(max(query_word, name_word, key=len))
    if bound:
        d = distance(query_word, name_word, bound)
        if d <= bound:
            return 1.0 - d / max(len(query_word), len(name_word))
    if len(query_word) >= 4 and name_word.startswith(query_word):
        return 0.9
    return 0.0


def _trigrams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class Text:
    """A normalised name or query: its text, words, sorted words and acronyms."""

    text: str
    words: tuple[str, ...]
    key: tuple[str, ...]
    acronyms: frozenset[str]
    compact: str

    @classmethod
    def of(cls, raw: str) -> Text:
        """``raw`` normalised; acronyms from its words and from its hyphenated parts.

        >>> sorted(Text.of("Organisation for Economic Co-operation and Development").acronyms)
        ['oecd', 'oecod', 'ofecad', 'ofecoad']
        """
        text = normalise(raw)
        words = tuple(text.split())
        parts = [normalise(p).replace(" ", "") for p in raw.split()]
        found = acronyms(words) | acronyms(parts)
        return cls(text, words, tuple(sorted(words)), found, "".join(words))


def _weight(word: str) -> float:
    return 1.0 if word in STOPWORDS else float(len(word))


def _soft_f1(query: Text, name: Text) -> float:
    if not query.words or not name.words:
        return 0.0
    sims = [[word_similarity(q, n) for n in name.words] for q in query.words]
    precision = sum(_weight(q) * max(row) for q, row in zip(query.words, sims, strict=True))
    precision /= sum(_weight(q) for q in query.words)
    recall = sum(
        _weight(n) * max(sims[i][j] for i in range(len(query.words)))
        for j, n in enumerate(name.words)
    )
    recall /= sum(_weight(n) for n in name.words)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def score(query: Text, name: Text) -> float:
    """How well ``name`` matches ``query``, 0–1 (the table of the module docstring).

    >>> round(score(Text.of("Europaen Commission"), Text.of("European Commission")), 2)
    0.9
    """
    if not query.text or not name.text:
        return 0.0
    if query.text == name.text:
        return 1.0
    if query.key == name.key:
        return 0.96
    if (len(query.words) == 1 and query.text in name.acronyms) or (
        len(name.words) == 1 and len(name.text) >= 3 and name.text in query.acronyms
    ):
        return 0.92
    best = _soft_f1(query, name)
    a, b = query.compact, name.compact
    longest = max(len(a), len(b))
    if abs(len(a) - len(b)) <= 0.3 * longest and 4 <= longest <= _MAX_COMPACT:
        bound = max(1, longest // 4)
        d = distance(a, b, bound)
        if d <= bound:
            best = max(best, 1.0 - d / longest)
    return FUZZY_WEIGHT * best


@dataclass(frozen=True)
class Name:
    """One name of a resource."""

    resource: int  # index into ReconIndex.resources
    label: str
    language: str | None
    text: Text


@dataclass
class Resource:
    """A reconcilable resource: its id (its IRI below ``https://w3id.org/ccai/``), what we show."""

    id: str
    iri: str
    name: str = ""
    names: list[Name] = field(default_factory=list)
    types: tuple[str, ...] = ()  # rdf:type IRIs (asserted and inferred)
    classes: frozenset[str] = frozenset()  # the types and all their superclasses
    description: str | None = None


@dataclass(frozen=True)
class ClassInfo:
    iri: str
    id: str  # local name for ccai classes, the IRI otherwise
    name: str
    labels: tuple[tuple[str, str | None], ...]
    description: str | None
    supers: frozenset[str]
    instances: int = 0


@dataclass(frozen=True)
class PropertyInfo:
    iri: str
    id: str
    name: str
    uses: dict[str, int]  # type IRI -> entities of that type using it


@dataclass(frozen=True)
class Candidate:
    id: str
    iri: str
    name: str
    matched: str
    score: float
    types: tuple[str, ...]
    description: str | None = None
    match: bool = False


def short_id(iri: str) -> str:
    """The reconciliation id of a class or property: the local name in ccai's namespace."""
    return iri[len(CCAI) :] if iri.startswith(CCAI) else iri


def is_match(ranked: Sequence[Candidate]) -> bool:
    """The documented match rule (module docstring) for the top of ``ranked``."""
    if not ranked or ranked[0].score < MATCH_THRESHOLD:
        return False
    return len(ranked) == 1 or ranked[0].score - ranked[1].score >= MATCH_MARGIN - 1e-9


class ReconIndex:
    """Names, types, classes and properties of the graph, searchable in memory (immutable)."""

    def __init__(
        self,
        resources: list[Resource],
        classes: dict[str, ClassInfo],
        properties: dict[str, PropertyInfo],
    ) -> None:
        self.resources = resources
        self.classes = classes
        self.properties = properties
        self.by_id = {r.id: i for i, r in enumerate(resources)}
        self.names: list[Name] = [n for r in resources for n in r.names]
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._key: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self._acronym: dict[str, list[int]] = defaultdict(list)
        self._word: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self.names):
            self._exact[name.text.text].append(i)
            self._key[name.text.key].append(i)
            for acronym in name.text.acronyms:
                self._acronym[acronym].append(i)
            for word in set(name.text.words):
                self._word[word].append(i)
        self._words_sorted = sorted(self._word)
        self._trigram: dict[str, set[str]] = defaultdict(set)
        for word in self._words_sorted:
            for gram in _trigrams(word):
                self._trigram[gram].add(word)
        self.class_ids = {c.id: iri for iri, c in classes.items()}
        self.property_ids = {p.id: iri for iri, p in properties.items()}

    def __len__(self) -> int:
        return len(self.resources)

    # --- lookup ------------------------------------------------------------------------

    def resource(self, id_or_iri: str) -> Resource | None:
        """The resource with this id (``id/organisation/nemo``) or IRI, else None."""
        key = id_or_iri[len(BASE) :] if id_or_iri.startswith(BASE) else id_or_iri
        position = self.by_id.get(key)
        return None if position is None else self.resources[position]

    def class_iri(self, type_id: str) -> str | None:
        """The class IRI of a type id (``Organisation``, ``ccai:Organisation``, or an IRI)."""
        if type_id.startswith("ccai:"):
            type_id = type_id[5:]
        elif type_id.startswith("skos:"):
            type_id = SKOS + type_id[5:]
        if type_id in self.class_ids:
            return self.class_ids[type_id]
        return type_id if type_id in self.classes else None

    def property_iri(self, pid: str) -> str | None:
        """The predicate IRI of a property id (``memberOf``, ``ccai:memberOf`` or an IRI)."""
        if pid.startswith("ccai:"):
            pid = pid[5:]
        if pid in self.property_ids:
            return self.property_ids[pid]
        return pid if pid in self.properties else None

    def type_refs(self, resource: Resource) -> tuple[str, ...]:
        """The most specific ccai classes (or SKOS classes) of a resource, as type ids."""
        own = [t for t in resource.types if t in self.classes]
        specific = [t for t in own if not any(t in self.classes[o].supers for o in own if o != t)]
        return tuple(sorted(self.classes[t].id for t in specific))

    # --- matching ----------------------------------------------------------------------

    def _similar_words(self, word: str) -> set[str]:
        out = {word} if word in self._word else set()
        bound = allowed_edits(word)
        if bound:
            grams = _trigrams(word)
            counts: dict[str, int] = defaultdict(int)
            for gram in grams:
                for other in self._trigram.get(gram, ()):
                    counts[other] += 1
            needed = max(1, len(grams) - 4 * bound)  # an edit changes 3 trigrams, a swap 4
            for other, shared in counts.items():
                if shared >= needed and distance(word, other, bound) <= bound:
                    out.add(other)
        if len(word) >= 4:  # words that start with it
            start = bisect.bisect_left(self._words_sorted, word)
            for other in self._words_sorted[start : start + 50]:
                if not other.startswith(word):
                    break
                out.add(other)
        return out

    def _candidate_names(self, query: Text) -> list[int]:
        found: dict[int, float] = defaultdict(float)  # name -> evidence
        for i in self._exact.get(query.text, ()):
            found[i] += 100
        for i in self._key.get(query.key, ()):
            found[i] += 50
        for acronym in query.acronyms:  # the query's initials are a name (3+ letters)
            for i in self._exact.get(acronym, ()) if len(acronym) >= 3 else ():
                found[i] += 40
        if len(query.words) == 1:  # the query is a name's initials
            for i in self._acronym.get(query.text, ()):
                found[i] += 40
        total = len(self.names) + 1
        for word in set(query.words):
            for similar in self._similar_words(word):
                postings = self._word[similar]
                weight = math.log(total / len(postings))  # rare words say more
                for i in postings:
                    found[i] += weight
        ranked = sorted(found, key=lambda i: -found[i])
        return ranked[:_MAX_CANDIDATE_NAMES]

    def search(
        self,
        query: str,
        *,
        classes: Sequence[str] = (),
        require_all: bool = False,
        limit: int = 10,
        min_score: float = 0.3,
    ) -> list[Candidate]:
        """The resources whose names match ``query``, best first, at most ``limit``.

        ``classes``: class IRIs; a resource must belong to one of them (or to
        all, with ``require_all``), directly or through a subclass.
        """
        text = Text.of(" ".join(query.split()[:MAX_QUERY_WORDS]))
        if not text.text:
            return []
        best: dict[int, tuple[float, Name]] = {}
        for i in self._candidate_names(text):
            name = self.names[i]
            resource = self.resources[name.resource]
            if classes:
                inside = [c in resource.classes for c in classes]
                if not (all(inside) if require_all else any(inside)):
                    continue
            value = score(text, name.text)
            if value >= min_score and (name.resource not in best or value > best[name.resource][0]):
                best[name.resource] = (value, name)
        ranked = sorted(
            best.items(), key=lambda kv: (-kv[1][0], len(self.resources[kv[0]].name), kv[0])
        )
        return [self.candidate(position, value, name.label) for position, (value, name) in ranked][
            :limit
        ]

    def candidate(self, position: int, value: float, matched: str) -> Candidate:
        resource = self.resources[position]
        return Candidate(
            id=resource.id,
            iri=resource.iri,
            name=resource.name,
            matched=matched,
            score=value,
            types=self.type_refs(resource),
            description=resource.description,
        )

    def suggest(
        self, prefix: str, *, classes: Sequence[str] = (), limit: int = 10
    ) -> list[Candidate]:
        """Auto-completion: resources with a name whose words start with ``prefix``'s words."""
        text = Text.of(prefix)
        if not text.text:
            return []
        *complete, last = text.words
        start = bisect.bisect_left(self._words_sorted, last)
        names: set[int] = set()
        for word in self._words_sorted[start:]:
            if not word.startswith(last):
                break
            names.update(self._word[word])
        best: dict[int, tuple[float, Name]] = {}
        for i in names:
            name = self.names[i]
            resource = self.resources[name.resource]
            if classes and not any(c in resource.classes for c in classes):
                continue
            if not all(w in name.text.words for w in complete):
                continue
            value = 1.0 if name.text.text.startswith(text.text) else 0.8
            value -= min(len(name.text.text), 200) / 1000  # shorter first
            if name.resource not in best or value > best[name.resource][0]:
                best[name.resource] = (value, name)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [self.candidate(p, v, n.label) for p, (v, n) in ranked]

    # --- construction --------------------------------------------------------------------

    @classmethod
    def from_recorded(cls, rows: Rows) -> ReconIndex:
        """Build from the rows of the four start-up queries (:mod:`api.reconcile.recorded`)."""
        return cls.from_rows(rows.names, rows.types, rows.classes, rows.properties)

    @classmethod
    def from_rows(
        cls,
        names: Iterable[tuple[str, str, str, str | None]],
        types: Iterable[tuple[str, str | None, str | None, str | None]] = (),
        class_rows: Iterable[tuple[str, str | None, str | None, str | None, str | None]] = (),
        property_rows: Iterable[tuple[str, str, int, str | None]] = (),
    ) -> ReconIndex:
        """Build from plain rows (what the queries of :func:`build_index` return).

        ``names``: (subject, predicate, name, language); ``types``: (subject,
        type, description, description language); ``class_rows``: (class,
        label, label language, definition, superclass); ``property_rows``:
        (type, predicate, uses, label).
        """
        resources: dict[str, Resource] = {}
        display: dict[str, tuple[tuple[int, int, str], str]] = {}

        def resource(iri: str) -> Resource:
            if iri not in resources:
                resources[iri] = Resource(id=iri[len(BASE) :], iri=iri)
            return resources[iri]

        raw_names: list[tuple[str, str, str | None]] = []
        for iri, predicate, label, language in names:
            if not iri.startswith(BASE) or not label.strip():
                continue
            resource(iri)
            raw_names.append((iri, label, language))
            rank = PREFERRED.index(predicate) if predicate in PREFERRED else len(PREFERRED)
            lang_rank = 0 if language in ("en", None, "") else 1
            key = (lang_rank, rank, label)
            if iri not in display or key < display[iri][0]:
                display[iri] = (key, label)
        type_sets: dict[str, set[str]] = defaultdict(set)
        descriptions: dict[str, tuple[int, str]] = {}
        for iri, type_iri, description, language in types:
            if iri not in resources:
                continue
            if type_iri:
                type_sets[iri].add(type_iri)
            if description:
                lang_rank = 0 if language in ("en", None, "") else 1
                if iri not in descriptions or lang_rank < descriptions[iri][0]:
                    descriptions[iri] = (lang_rank, description)
        class_labels: dict[str, dict[tuple[str, str | None], None]] = defaultdict(dict)
        class_defs: dict[str, str] = {}
        supers: dict[str, set[str]] = defaultdict(set)
        for class_iri, class_label, label_language, definition, super_iri in class_rows:
            supers.setdefault(class_iri, set())  # every class gets an entry
            if class_label:
                class_labels[class_iri][(class_label, label_language or None)] = None
            if definition:
                class_defs[class_iri] = definition
            if super_iri:
                supers[class_iri].add(super_iri)
        ordered = sorted(resources.values(), key=lambda r: r.id)
        position = {r.iri: i for i, r in enumerate(ordered)}
        for r in ordered:
            r.name = display[r.iri][1]
            r.types = tuple(sorted(type_sets.get(r.iri, ())))
            closure = set(r.types)
            for t in r.types:
                closure |= supers.get(t, set())
            r.classes = frozenset(closure)
            if r.iri in descriptions:
                text = " ".join(descriptions[r.iri][1].split())
                r.description = text if len(text) <= 300 else text[:299] + "…"
        for iri, label, language in raw_names:
            r = ordered[position[iri]]
            r.names.append(Name(position[iri], label, language or None, Text.of(label)))
        instances: dict[str, int] = defaultdict(int)
        for r in ordered:
            for c in r.classes:
                instances[c] += 1
        classes: dict[str, ClassInfo] = {}
        for class_iri in supers:
            labels = tuple(class_labels.get(class_iri, {}))
            english = [lbl for lbl, lang in labels if lang in ("en", None)]
            local = class_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            classes[class_iri] = ClassInfo(
                iri=class_iri,
                id=short_id(class_iri),
                name=english[0] if english else local,
                labels=labels,
                description=class_defs.get(class_iri),
                supers=frozenset(supers[class_iri]),
                instances=instances.get(class_iri, 0),
            )
        uses: dict[str, dict[str, int]] = defaultdict(dict)
        property_labels: dict[str, str] = {}
        for type_iri, predicate, count, property_label in property_rows:
            for c in {type_iri} | supers.get(type_iri, set()):
                uses[predicate][c] = max(uses[predicate].get(c, 0), int(count))
            if property_label:
                property_labels[predicate] = property_label
        properties = {
            p: PropertyInfo(
                iri=p,
                id=short_id(p),
                name=property_labels.get(p) or _local_name(p),
                uses=dict(u),
            )
            for p, u in sorted(uses.items())
        }
        return cls(ordered, classes, properties)


def _local_name(iri: str) -> str:
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()
    return spaced or iri


#: The variables that order each start-up query when it has to be read in pages.
_PAGE_ORDER = {
    "names": "?s ?p ?name",
    "types": "?s ?type ?description",
    "classes": "?class ?label ?definition ?super",
    "properties": "?type ?p",
}


async def _all_rows(reader: Reader, name: str, page: int, timeout: float | None) -> list[Row]:
    """Every row of start-up query ``name``: at once, or in ordered pages of ``page`` rows
    when the store's row cap refuses the whole (a graph with more names than the cap)."""
    sparql = render(name)
    try:
        return await reader.rows(sparql, timeout=timeout)
    except ResultTooLarge:
        pass
    rows: list[Row] = []
    while True:
        paged = f"{sparql}\nORDER BY {_PAGE_ORDER[name]} LIMIT {page} OFFSET {len(rows)}"
        batch = await reader.rows(paged, timeout=timeout)
        rows.extend(batch)
        if len(batch) < page:
            return rows


async def read_rows(reader: Reader, *, timeout: float | None = None, page: int = 50_000) -> Rows:
    """Read the graph's names, types, classes and properties (four SELECTs) through ``reader``.

    ``page``: rows per page when a query's result is over the store's row cap.
    """
    return rows_of({name: await _all_rows(reader, name, page, timeout) for name in QUERIES})


async def build_index(
    reader: Reader, *, timeout: float | None = None, page: int = 50_000
) -> ReconIndex:
    """Read the four SELECTs (:func:`read_rows`) and build the index from their rows."""
    return ReconIndex.from_recorded(await read_rows(reader, timeout=timeout, page=page))
