"""Every link shape of ``shapes/linkset/`` passes a right link and fails a wrong one.

For each ``:LinksetShape-<property>`` the allowed classes and concept schemes
are read from its SPARQL constraint; a right value (an IRI of the graph of an
allowed class or scheme) and a wrong one (of none of them) are chosen from the
graph. All right links are validated in one file, all wrong links in another:
the right file conforms, and the wrong file fails exactly once per shape, on
its own subject, property and value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from api.resources import shapes_dir
from api.validate import validate_paths
from api.validate.background import Background

NEMO = "https://w3id.org/ccai/id/organisation/nemo"

SHAPES = Graph()
for _path in sorted((shapes_dir() / "linkset").glob("*.ttl")):
    SHAPES.parse(_path)
LINK_SHAPES = sorted(
    s
    for s in SHAPES.subjects(RDF.type, SH.NodeShape)
    if isinstance(s, URIRef) and s != URIRef("https://w3id.org/ccai/shapes#LinksetShape-exists")
)


def _constraint(shape: URIRef) -> str:
    [constraint] = SHAPES.objects(shape, SH.sparql)
    return str(SHAPES.value(constraint, SH.select))


def _is(background: Background, iri: str, classes: set[str], schemes: set[str]) -> bool:
    supers = {sub: set() for sub, _ in background.subclass}
    for sub, sup in background.subclass:
        supers[sub].add(sup)
    seen, stack = set(), list(background.types.get(iri, ()))
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.add(cls)
            stack.extend(supers.get(cls, ()))
    return bool(seen & classes) or bool(background.schemes.get(iri, set()) & schemes)


def _cases() -> list[tuple[URIRef, str, str, str]]:
    """(shape, property, right value, wrong value) per link shape."""
    background = Background.from_package()
    candidates = sorted(background.known)
    cases = []
    for shape in LINK_SHAPES:
        query = _constraint(shape)
        prop = re.search(r"\$this <([^>]+)> \?value", query).group(1)
        classes = set(re.findall(r"subClassOf>\* <([^>]+)>", query))
        schemes = set(re.findall(r"inScheme> <([^>]+)>", query))
        if "#Concept>" in query and not classes and not schemes:  # dct:subject: any concept
            schemes = {s for values in background.schemes.values() for s in values}
        if prop.endswith("sameAs"):
            right, wrong = (
                "https://w3id.org/ccai/id/organisation/nemo",
                "https://w3id.org/ccai/vocab/sectors/museums",
            )
        elif prop.endswith(("exactMatch", "closeMatch")):
            right, wrong = (
                "https://w3id.org/ccai/vocab/sectors/museums",
                "https://w3id.org/ccai/vocab/sectors",
            )
        else:
            right = next(c for c in candidates if _is(background, c, classes, schemes))
            wrong = next(
                c
                for c in candidates
                if c in background.types and not _is(background, c, classes, schemes)
            )
        cases.append((shape, prop, right, wrong))
    return cases


@pytest.fixture(scope="module")
def cases() -> list[tuple[URIRef, str, str, str]]:
    return _cases()


def _file(folder: Path, name: str, links: list[tuple[int, str, str]]) -> Path:
    path = folder / name
    path.write_text(
        "".join(f"<https://e.org/record/{n}> <{p}> <{v}> .\n" for n, p, v in links),
        encoding="utf-8",
    )
    return path


def test_there_is_a_link_shape_per_property(cases) -> None:
    properties = [prop for _shape, prop, _right, _wrong in cases]
    assert len(properties) == len(set(properties)) >= 50
    for prop in (
        "https://w3id.org/ccai/ontology#memberOf",
        "https://w3id.org/ccai/ontology#sector",
        "https://w3id.org/ccai/ontology#theme",
        "http://www.w3.org/2002/07/owl#sameAs",
        "http://www.w3.org/2004/02/skos/core#exactMatch",
        "http://www.w3.org/2004/02/skos/core#closeMatch",
    ):
        assert prop in properties


def test_right_links_conform(tmp_path: Path, cases) -> None:
    path = _file(tmp_path, "right.ttl", [(n, p, r) for n, (_s, p, r, _w) in enumerate(cases)])
    report = validate_paths([str(path)], profile="linkset").report
    assert report.results == []


def test_each_wrong_link_fails_its_shape_once(tmp_path: Path, cases) -> None:
    path = _file(tmp_path, "wrong.ttl", [(n, p, w) for n, (_s, p, _r, w) in enumerate(cases)])
    report = validate_paths([str(path)], profile="linkset").report
    found = sorted(
        (str(r.focus_node), str(r.path), str(r.value), str(r.source_shape)) for r in report.results
    )
    expected = sorted(
        (f"https://e.org/record/{n}", p, w, str(s)) for n, (s, p, _r, w) in enumerate(cases)
    )
    assert found == expected
    assert all(r.severity == "Violation" for r in report.results)


def test_both_engines_agree_on_the_linkset_profile(
    tmp_path: Path, cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast engine and pySHACL (the oracle) report the same results."""
    import functools

    import api.validate as validate_module
    from api.validation import run_engine

    links = [(n, p, w) for n, (_s, p, _r, w) in enumerate(cases)]
    links.append((len(links), "https://w3id.org/ccai/ontology#memberOf", NEMO + "-collectionz"))
    path = _file(tmp_path, "wrong.ttl", links)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"<{NEMO}-x> <https://schema.org/name> 'ours?' .\n")
        stream.write(
            '<https://e.org/d> <https://schema.org/startDate> "2025-06-31"^^'
            "<http://www.w3.org/2001/XMLSchema#date> .\n"
        )
    seen = {}
    for engine in ("fast", "pyshacl"):
        monkeypatch.setattr(
            validate_module, "run_engine", functools.partial(run_engine, engine=engine)
        )
        report = validate_paths([str(path)], profile="linkset").report
        seen[engine] = sorted(
            (
                str(r.focus_node),
                r.path_text,
                str(r.value),
                str(r.source_shape),
                r.severity,
                r.suggestions,
            )
            for r in report.results
        )
    assert seen["fast"] == seen["pyshacl"]
    assert len(seen["fast"]) == len(cases) + 3
