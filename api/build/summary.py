"""What is in the graph: counts per source and per class, from a finished build.

:func:`graph_summary` reads ``report.json`` and asks the build's store (through
the read facade, :func:`api.store.reader.reader_over`) how many
entities of each class every source document describes (an entity described
by two sources counts in both columns, once in the total).
:func:`render_markdown` prints the table that the README's "What is in the
graph" section holds; ``ccai stats`` prints it and a test keeps the README in
step with the real build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from api.namespaces import CCAI
from api.store.reader import reader_over

# Classes reported, in the order of the README table (asserted types only;
# abstract super-classes such as ccai:Finding are filled in by inference).
SUMMARY_CLASSES = (
    "Organisation",
    "Person",
    "Post",
    "Participation",
    "Event",
    "Project",
    "Network",
    "Programme",
    "FundingMeasure",
    "Platform",
    "SkillsAlliance",
    "Document",
    "Challenge",
    "Opportunity",
    "Recommendation",
    "AIApplication",
    "Artwork",
    "Statistic",
    "Place",
    "Locator",
)

# Types may be asserted or inferred (super-classes): both queries read the
# service's default graph (asserted ∪ inferred, each triple once).
_PER_SOURCE = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?class ?source (COUNT(DISTINCT ?entity) AS ?n) WHERE {
  ?entity rdf:type ?class .
  { ?entity dct:source ?source } UNION { ?entity dct:isPartOf ?source }
}
GROUP BY ?class ?source
"""

_TOTAL = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?class (COUNT(DISTINCT ?entity) AS ?n) WHERE {
  ?entity rdf:type ?class .
  FILTER(STRSTARTS(STR(?entity), "https://w3id.org/ccai/id/")
      || STRSTARTS(STR(?entity), "https://w3id.org/ccai/source/"))
}
GROUP BY ?class
"""


@dataclass(frozen=True)
class GraphSummary:
    sources: dict[str, int]  # source slug -> triples in its named graph
    asserted: int
    inferred: int
    total: int
    counts: dict[str, dict[str, int]]  # class local name -> source slug -> entities
    totals: dict[str, int]  # class local name -> distinct entities


def graph_summary(build_dir: Path) -> GraphSummary:
    """Summarise the build in ``build_dir`` (``report.json`` + ``oxigraph/``).

    Raises:
        FileNotFoundError: the directory holds no finished build.
    """
    report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
    reader = reader_over(ox.Store.read_only(str(build_dir / "oxigraph")))
    try:
        per_source = reader.rows(_PER_SOURCE)
        total = reader.rows(_TOTAL)
    finally:
        reader.close()
    wanted = {str(CCAI[name]): name for name in SUMMARY_CLASSES}
    source_prefix = "https://w3id.org/ccai/source/"
    counts: dict[str, dict[str, int]] = {name: {} for name in SUMMARY_CLASSES}
    for row in per_source:
        name = wanted.get(row["class"].value)
        source = row["source"].value
        if name and source.startswith(source_prefix):
            counts[name][source[len(source_prefix) :]] = int(row["n"].value)
    totals = {name: 0 for name in SUMMARY_CLASSES}
    for row in total:
        name = wanted.get(row["class"].value)
        if name:
            totals[name] = int(row["n"].value)
    return GraphSummary(
        sources=dict(sorted(report["sources"].items())),
        asserted=int(report["triples"]["asserted"]),
        inferred=int(report["triples"]["inferred"]),
        total=int(report["triples"]["total"]),
        counts=counts,
        totals=totals,
    )


# graph/external-identifiers.ttl: the register of external identifiers (its own named
# graph and source, docs/modelling.md), which is not one of the source documents.
IDENTIFIER_REGISTER = "external-identifiers"


def render_markdown(summary: GraphSummary) -> str:
    """The README table: one row per class, one column per source, and a total."""
    slugs = list(summary.sources)
    documents = [s for s in slugs if s != IDENTIFIER_REGISTER]
    register = " and the identifier register" if IDENTIFIER_REGISTER in slugs else ""
    lines = [
        f"{summary.total:,} triples: {summary.asserted:,} asserted (the ontology, the "
        f"vocabularies, {len(documents)} source documents{register}, each triple once) plus "
        f"{summary.inferred:,} inferred (OWL RL).",
        "",
        "| class | " + " | ".join(f"`{s}`" for s in slugs) + " | total |",
        "|---|" + "---:|" * (len(slugs) + 1),
    ]
    triples = " | ".join(f"{summary.sources[s]:,}" for s in slugs)
    lines.append(f"| *triples in its graph* | {triples} | {sum(summary.sources.values()):,} |")
    for name in SUMMARY_CLASSES:
        row = " | ".join(str(summary.counts[name].get(s, 0)) for s in slugs)
        lines.append(f"| {name} | {row} | {summary.totals[name]} |")
    return "\n".join(lines) + "\n"
