"""Canonical Turtle: the one textual form of every ``.ttl`` file the project keeps.

Canonical means: what rdflib's ``longturtle`` serializer writes for the file's
triples, with the project's prefixes bound. It is deterministic (subjects and
predicates sorted, one statement per line), so diffs show real changes only.
``ccai fmt`` rewrites files into it; ``ccai fmt --check`` and a test enforce it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from api.namespaces import PREFIXES


def canonical_turtle(text: str, *, source: str = "<string>") -> str:
    """Return the canonical form of Turtle ``text``.

    Raises:
        rdflib parser errors for text that is not Turtle (callers report them
        with the file name; see :mod:`api.rdf.parsing`).

    >>> label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    >>> text = f'<https://w3id.org/ccai/id/person/x> {label} "X"@en .'
    >>> print(canonical_turtle(text), end="")
    PREFIX person: <https://w3id.org/ccai/id/person/>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    <BLANKLINE>
    person:x
        rdfs:label "X"@en ;
    .
    """
    graph = Graph(bind_namespaces="none")
    graph.parse(data=text, format="turtle")
    declared = dict(graph.namespaces())
    out = Graph(bind_namespaces="none")
    for prefix, ns in {**PREFIXES, **declared}.items():
        out.bind(prefix, ns, override=True, replace=True)
    for triple in graph:
        out.add(triple)
    result = out.serialize(format="longturtle")
    return result if result.endswith("\n") else result + "\n"


@dataclass(frozen=True)
class FormatResult:
    path: Path
    changed: bool


def format_file(path: Path, *, check: bool = False) -> FormatResult:
    """Rewrite ``path`` in canonical form (or, with ``check``, only report)."""
    text = path.read_text(encoding="utf-8")
    canonical = canonical_turtle(text, source=str(path))
    changed = canonical != text
    if changed and not check:
        path.write_text(canonical, encoding="utf-8")
    return FormatResult(path=path, changed=changed)


def turtle_files(paths: list[Path]) -> list[Path]:
    """Expand files and directories into the sorted list of ``.ttl`` files."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.ttl")))
        else:
            found.append(path)
    return found
