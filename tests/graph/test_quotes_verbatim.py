"""Every ``ccai:quote`` in ``graph/<slug>.ttl`` is the source document's own words.

The five source documents live in ``../shared/sources`` beside the checkout (the
``shared_sources`` fixture: skipped when absent locally, a failure under CI). Each
graph file names its document with ``source:<slug> dct:identifier "<file>.txt"``.

The documents are plain-text extractions of slides, web pages and a PDF, so the
comparison forgives what the extraction added, on both sides: runs of whitespace
(line breaks included), a word hyphenated at a line end (read both as one word and
as a hyphenated compound), footnote markers (superscript digits, and footnote lines
that interrupt a sentence at a page break), Markdown emphasis (``**``) and link
targets (``[text](url)`` reads as ``text``).

Every property for the source's words is checked: ``ccai:quote`` and its
sub-properties (``ccai:linkQuote``, the words that state a link). The identifier
register (``graph/external-identifiers.ttl``, ``../shared/sources/external-identifiers.md``)
is checked the same way, and a quoted entity in a file is credited to that file's
document only (so its provenance points to the text that holds the quote).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from api.namespaces import CCAI, SOURCE
from api.resources import graph_dir

GRAPH_FILES = sorted(graph_dir().glob("*.ttl"))
#: the register of verified external identifiers: its own named graph, not a source document
REGISTER = "external-identifiers"
#: the properties whose values are the source's own words
QUOTE_PROPERTIES = (CCAI.quote, CCAI.linkQuote)
SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
#: at least this many quotes per file (default 1), so a lost block of quotes shows
MIN_QUOTES = {"nemo-museums-ai-conference-2024": 101, "nemo-apply-ai-workshop": 11}


def _clean(text: str) -> str:
    """Markup and footnote markers out, whitespace runs to one space."""
    text = text.replace("*", "")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(f"[{SUPERSCRIPTS}]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


@cache
def readings(path: Path) -> tuple[str, ...]:
    """The normalised readings of a source document that a quote may be found in."""
    raw = path.read_text(encoding="utf-8")
    # without footnote lines, so that a quote running over a page break matches
    body = "\n".join(line for line in raw.splitlines() if not re.match(f"^[{SUPERSCRIPTS}]", line))
    out = []
    for text in (raw, body):
        out.append(_clean(re.sub(r"(\w)-[ \t]*\r?\n\s*(\w)", r"\1\2", text)))  # infor-|mation
        out.append(_clean(re.sub(r"(\w)-[ \t]*\r?\n\s*(\w)", r"\1-\2", text)))  # data-|driven
    return tuple(dict.fromkeys(out))


@cache
def own_graph(path: Path) -> Graph:
    """``graph/<slug>.ttl`` alone: shared entities carry other sources' quotes in the union."""
    return Graph().parse(path, format="turtle")


def _source_file(graph: Graph, slug: str) -> str:
    identifiers = [str(i) for i in graph.objects(SOURCE[slug], DCTERMS.identifier)]
    assert len(identifiers) == 1, f"source:{slug} needs one dct:identifier, has {identifiers}"
    return identifiers[0]


def test_every_source_document_has_a_graph(shared_sources: Path) -> None:
    """The five documents, and only they, are described by the five graph files."""
    documents = {p.name for p in shared_sources.glob("*.txt")}
    described = {_source_file(own_graph(p), p.stem) for p in GRAPH_FILES if p.stem != REGISTER}
    assert len(documents) == 5, documents
    assert described == documents
    register = [p for p in GRAPH_FILES if p.stem == REGISTER]
    assert [_source_file(own_graph(p), p.stem) for p in register] == ["external-identifiers.md"]
    assert (SOURCE[REGISTER], RDF.type, CCAI.IdentifierRegister) in own_graph(register[0])


@pytest.mark.parametrize("graph_file", GRAPH_FILES, ids=[p.stem for p in GRAPH_FILES])
def test_quotes_are_verbatim(graph_file: Path, shared_sources: Path) -> None:
    graph = own_graph(graph_file)
    document = shared_sources / _source_file(graph, graph_file.stem)
    assert document.is_file(), f"{graph_file.name} cites {document.name}, not in {shared_sources}"
    texts = readings(document)
    quotes = [(s, q) for prop in QUOTE_PROPERTIES for s, q in graph.subject_objects(prop)]
    assert len(quotes) >= MIN_QUOTES.get(graph_file.stem, 1), len(quotes)
    missing = [
        (str(subject), str(quote)[:80])
        for subject, quote in quotes
        if not any(_clean(str(quote)) in text for text in texts)
    ]
    assert not missing, (
        f"{len(missing)} of {len(quotes)} quotes are not in {document.name}: {missing}"
    )


@pytest.mark.parametrize("graph_file", GRAPH_FILES, ids=[p.stem for p in GRAPH_FILES])
def test_quoted_entities_are_credited_to_the_quoted_document(graph_file: Path) -> None:
    """An entity quoted in ``graph/<slug>.ttl`` names ``source:<slug>`` there, and no other."""
    graph = own_graph(graph_file)
    wrong = [
        (str(subject), sorted(str(d) for d in graph.objects(subject, DCTERMS.source)))
        for prop in QUOTE_PROPERTIES
        for subject in set(graph.subjects(prop, None))
        if set(graph.objects(subject, DCTERMS.source)) != {SOURCE[graph_file.stem]}
    ]
    assert not wrong, wrong


def test_clean_removes_extraction_artefacts() -> None:
    """The normalisation the comparison relies on (so that a real difference still fails)."""
    assert _clean("**Leverage** [text](http://x)  a\n b¹²") == "Leverage text a b"
    assert _clean("adopted 2024") != _clean("adopted 2025")
