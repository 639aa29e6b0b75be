"""The NEMO Apply AI workshop graph (graph/nemo-apply-ai-workshop.ttl) against its source.

Source: ../shared/sources/003_f29512269da019dd.txt, NEMO news item on a European
Commission workshop with the cultural and creative sectors in the preparation of the
Apply AI Strategy (undated).
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from api.namespaces import CCAI, ID, SOURCE, VOCAB

SRC = SOURCE["nemo-apply-ai-workshop"]
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
WORKSHOP = ID["event/apply-ai-strategy-ccs-workshop"]
STRATEGY = ID["document/apply-ai-strategy"]
NEMO = ID["organisation/nemo"]


def iri(kind: str, slug: str) -> URIRef:
    return ID[f"{kind}/{slug}"]


def test_source_document(asserted_union: Graph) -> None:
    g = asserted_union
    assert (SRC, RDF.type, CCAI.SourceDocument) in g
    assert (SRC, DCTERMS.publisher, NEMO) in g
    assert (SRC, CCAI.about, WORKSHOP) in g
    assert (SRC, DCTERMS.language, Literal("en", datatype=XSD.language)) in g
    assert g.value(SRC, DCTERMS.issued) is None  # undated


def test_workshop_and_strategy(asserted_union: Graph) -> None:
    g = asserted_union
    assert (WORKSHOP, RDF.type, CCAI.Workshop) in g
    assert (WORKSHOP, CCAI.organiser, iri("organisation", "european-commission")) in g
    # part of the preparation of the strategy (a document, not an initiative: dct:relation)
    assert (WORKSHOP, DCTERMS.relation, STRATEGY) in g
    assert g.value(WORKSHOP, CCAI.startDate) is None  # no date is printed
    aims = {str(a) for a in g.objects(WORKSHOP, CCAI.purpose)}
    assert len(aims) == 3
    assert any(a.startswith("Share real-world examples") for a in aims)
    assert any(a.startswith("Assess the impact, scalability") for a in aims)
    assert any(a.startswith("Discuss ongoing challenges") for a in aims)
    assert (STRATEGY, RDF.type, CCAI.Strategy) in g
    assert (STRATEGY, DCTERMS.publisher, iri("organisation", "european-commission")) in g
    assert any("'European AI Continent'" in str(p) for p in g.objects(STRATEGY, CCAI.purpose))


def test_julia_pagel_speaks_for_nemo(asserted_union: Graph) -> None:
    g = asserted_union
    part = iri("participation", "apply-ai-strategy-ccs-workshop-julia-pagel")
    assert (part, CCAI.participant, iri("person", "julia-pagel")) in g
    assert (part, CCAI.inEvent, WORKSHOP) in g
    assert (part, CCAI.participantRole, VOCAB["participant-roles/speaker"]) in g
    post = iri("post", "julia-pagel-nemo")
    assert (part, CCAI.inCapacityOf, post) in g
    assert (post, CCAI.postTitle, Literal("Secretary General", lang="en")) in g
    assert (post, CCAI.postIn, NEMO) in g
    assert (post, DCTERMS.source, SRC) in g
    # the link to the 2024 conference
    assert (part, DCTERMS.relation, iri("event", "nemo-conference-2024")) in g
    assert (iri("event", "nemo-conference-2024"), DCTERMS.source, SRC) in g


CONCERNS = {
    "nemo-data-privacy": (1, "Data Privacy", "themes/privacy"),
    "nemo-bias-and-representation": (
        2,
        "Bias and Representation",
        "themes/bias-and-representation",
    ),
    "nemo-impact-on-employment": (3, "Impact on Employment", "themes/employment"),
}
OPPORTUNITIES = {
    "nemo-enhanced-visitor-engagement": (
        1,
        "Enhanced Visitor Engagement",
        "themes/audience-engagement",
    ),
    "nemo-efficient-collections-management": (
        2,
        "Efficient Collections Management",
        "themes/collections-management",
    ),
    "nemo-innovative-educational-tools": (
        3,
        "Innovative Educational Tools",
        "themes/education-and-literacy",
    ),
}


@pytest.mark.parametrize(
    ("kind", "cls", "items"),
    [("challenge", CCAI.Challenge, CONCERNS), ("opportunity", CCAI.Opportunity, OPPORTUNITIES)],
    ids=["concerns", "opportunities"],
)
def test_concerns_and_opportunities(asserted_union: Graph, kind: str, cls, items: dict) -> None:
    g = asserted_union
    for slug, (order, label, theme) in items.items():
        f = iri(kind, slug)
        assert (f, RDF.type, cls) in g
        assert (f, RDFS.label, Literal(label, lang="en")) in g
        assert (f, CCAI.order, Literal(order)) in g
        assert (f, CCAI.raisedBy, NEMO) in g
        assert (f, CCAI.theme, VOCAB[theme]) in g
        assert (f, CCAI.sector, VOCAB["sectors/museums"]) in g
        assert any(str(q).startswith(f"{label}:") for q in g.objects(f, CCAI.quote))
        assert (f, DCTERMS.source, SRC) in g
        assert (f, PROV_DERIVED, URIRef(f"{SRC}/para-{3 if kind == 'challenge' else 4}")) in g


@pytest.mark.parametrize(
    "slug", ["nemo-political-vision", "nemo-financial-investments", "nemo-ai-innovation-hub"]
)
def test_recommendations_again_with_this_provenance(asserted_union: Graph, slug: str) -> None:
    g = asserted_union
    rec = iri("recommendation", slug)
    assert (rec, DCTERMS.source, SRC) in g
    assert (rec, PROV_DERIVED, URIRef(f"{SRC}/para-5")) in g
    assert (rec, CCAI.proposedBy, NEMO) in g
    for target in ["national-policy-makers", "european-policy-makers"]:
        assert (rec, CCAI.addressedTo, VOCAB[f"target-groups/{target}"]) in g
    assert (rec, DCTERMS.relation, iri("event", "nemo-conference-2024")) in g
