"""OWL 2 DL: the ontology + the asserted graph are consistent for HermiT (issue 9).

What is checked: ontology + vocabularies + every ``graph/*.ttl`` (the
``asserted_union`` fixture, the same merge the build validates) are loaded into
owlready2 and HermiT (``owlready2.sync_reasoner_hermit``) must find them
consistent. Negative controls add one triple that breaks a declared data-property
range to the same data and assert that HermiT reports the inconsistency: the
first one (``ccai:quote 42``) passed unnoticed while the text properties had
``rdfs:range rdf:langString`` (OWL 2 has no such datatype; OWLAPI read the range
as a class and punned the property), so it guards the ``rdf:PlainLiteral`` fix.

What the test changes in its copy (never in the files), and why:

* **Dates.** ``xsd:gYear``, ``xsd:gYearMonth`` and ``xsd:date`` are not in the
  OWL 2 datatype map and HermiT refuses to load them (``UnsupportedDatatype-
  Exception``). Every literal whose datatype is outside the map is rewritten as
  an ``xsd:string`` literal with the same lexical form: the assertion stays (a
  property still has its value), only the value is compared as a string. No
  property carrying such literals declares a range (``ccai:startDate``,
  ``ccai:endDate``, ``ccai:referencePeriod``, ``dct:issued``), so no axiom is
  weakened; whether the lexical forms are valid dates is checked by the SHACL
  shapes (``sh:datatype``), not here.
* **Declarations of external super-properties.** The ontology aligns its
  properties with schema.org, DCTERMS, ORG, PROV-O and FOAF terms through
  ``rdfs:subPropertyOf`` without importing those vocabularies, so the external
  terms are undeclared. OWLAPI (inside HermiT) then guesses whether e.g.
  ``schema:startDate`` is an annotation, object or data property from the order
  of the triples, punning some ccai properties at random. The copy declares
  each undeclared super-property with the kind of its ccai sub-property (what
  importing the vocabulary would give), so the reasoner sees the same axioms on
  every run.

Java: HermiT runs on a JVM (``make test`` installs Debian's
``default-jre-headless`` when it can). Without a ``java`` binary the tests skip,
except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef

from api.namespaces import CCAI, ID

pytestmark = pytest.mark.slow

# plain strings, not rdflib's XSD namespace object: pytest's collection probes
# module globals for attributes and rdflib's closed XSD namespace warns on those
_XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = URIRef(_XSD + "string")
XSD_DATES = frozenset(URIRef(_XSD + name) for name in ("date", "gYear", "gYearMonth"))

#: The OWL 2 datatype map (OWL 2 Structural Specification, section 4), which is
#: what HermiT accepts. RDF 1.1's rdf:langString is not in it (OWL 2 predates it):
#: language-tagged literals are rdf:PlainLiteral values for OWL 2 tools.
OWL2_DATATYPES = frozenset(
    {
        OWL.real,
        OWL.rational,
        RDF.PlainLiteral,
        RDF.XMLLiteral,
        RDFS.Literal,
        *(
            URIRef(_XSD + name)
            for name in (
                "decimal",
                "integer",
                "nonNegativeInteger",
                "nonPositiveInteger",
                "positiveInteger",
                "negativeInteger",
                "long",
                "int",
                "short",
                "byte",
                "unsignedLong",
                "unsignedInt",
                "unsignedShort",
                "unsignedByte",
                "double",
                "float",
                "string",
                "normalizedString",
                "token",
                "language",
                "Name",
                "NCName",
                "NMTOKEN",
                "boolean",
                "hexBinary",
                "base64Binary",
                "anyURI",
                "dateTime",
                "dateTimeStamp",
            )
        ),
    }
)
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        reason = (
            "no `java` binary on PATH: HermiT needs a Java runtime "
            "(`make test` installs Debian's default-jre-headless when run as root)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    return java


def reasoner_copy(source: Graph) -> Graph:
    """The copy HermiT gets: dates as strings, external super-properties declared."""
    graph = Graph()
    for s, p, o in source:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o), datatype=XSD_STRING)
        graph.add((s, p, o))
    changed = True
    while changed:  # to a fixpoint: a declared property may itself be a super-property
        changed = False
        for sub, sup in list(graph.subject_objects(RDFS.subPropertyOf)):
            kinds = [k for k in PROPERTY_KINDS if (sub, RDF.type, k) in graph]
            if len(kinds) == 1 and not any((sup, RDF.type, k) in graph for k in PROPERTY_KINDS):
                graph.add((sup, RDF.type, kinds[0]))
                changed = True
    return graph


def hermit_consistent(graph: Graph, workdir: Path) -> bool:
    """Run HermiT on ``graph``: True if consistent, False if it reports an inconsistency.

    Any other failure of the reasoner (unsupported datatype, Java error) is raised.
    """
    owlready2.JAVA_EXE = _java()
    path = workdir / "ccai-owl-dl.nt"
    # sorted N-Triples: the same input, in the same order, on every run
    lines = sorted(
        line for line in graph.serialize(format="nt", encoding="utf-8").decode().splitlines()
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    finally:
        world.close()
    return True


@pytest.fixture(scope="module")
def prepared(asserted_union: Graph) -> Graph:
    return reasoner_copy(asserted_union)


def test_copy_rewrites_only_date_literals_of_range_free_properties(
    asserted_union: Graph, prepared: Graph
) -> None:
    rewritten = {
        o.datatype
        for o in asserted_union.objects()
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES
    }
    # what the docstring promises: only the date types are rewritten
    assert rewritten <= XSD_DATES
    assert len(prepared) >= len(asserted_union)
    # none of the rewritten properties has a declared range that the rewrite would weaken
    for p, o in asserted_union.predicate_objects():
        if isinstance(o, Literal) and o.datatype in rewritten:
            assert not list(asserted_union.objects(p, RDFS.range)), p


def test_data_property_ranges_are_in_the_owl2_datatype_map(asserted_union: Graph) -> None:
    # the SHACL shapes may use rdf:langString (sh:datatype checks the RDF 1.1 literal);
    # an OWL range may not: OWLAPI reads it as a class and puns the property
    for name in ("measure", "postTitle", "purpose", "quote"):
        assert (CCAI[name], RDF.type, OWL.DatatypeProperty) in asserted_union
        assert set(asserted_union.objects(CCAI[name], RDFS.range)) == {RDF.PlainLiteral}
    outside = {
        (prop, rng)
        for prop in asserted_union.subjects(RDF.type, OWL.DatatypeProperty)
        for rng in asserted_union.objects(prop, RDFS.range)
        if rng not in OWL2_DATATYPES
    }
    assert not outside, f"data-property ranges outside the OWL 2 datatype map: {outside}"


def test_ontology_and_graph_are_consistent_for_hermit(prepared: Graph, tmp_path: Path) -> None:
    assert hermit_consistent(prepared, tmp_path), "HermiT: ontology + graph are inconsistent"


@pytest.mark.parametrize(
    ("subject", "prop", "value"),
    [
        # rdfs:range rdf:PlainLiteral: an integer is not a plain literal
        (ID["recommendation/nemo-political-vision"], CCAI.quote, Literal(42)),
        # rdfs:range xsd:decimal: a string is not a number
        (ID["statistic/eu-cultural-employment-persons"], CCAI.value, Literal("many")),
    ],
    ids=["quote-integer", "value-string"],
)
def test_negative_control_hermit_reports_a_range_violation(
    prepared: Graph,
    tmp_path: Path,
    subject: URIRef,
    prop: URIRef,
    value: Literal,
) -> None:
    assert (subject, None, None) in prepared, f"{subject} is no longer in the graph"
    _java()  # skip (or fail under CI) before copying the graph
    broken = Graph()
    for triple in prepared:
        broken.add(triple)
    broken.add((subject, prop, value))
    assert not hermit_consistent(broken, tmp_path), (
        f"HermiT did not report `{subject} {prop} {value.n3()}` as inconsistent"
    )
