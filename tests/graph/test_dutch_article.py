"""The Dutch article graph (graph/ai-culturele-ontwikkeling.ttl) against its source.

Source: ../shared/sources/002_96888ac2a808d208.txt, "Welke invloed heeft AI
op culturele ontwikkeling?", undated, no author, publisher not named.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, Namespace

from api.namespaces import CCAI, ID, SOURCE, VOCAB

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SRC = SOURCE["ai-culturele-ontwikkeling"]


def iri(kind: str, slug: str) -> URIRef:
    return ID[f"{kind}/{slug}"]


def from_source(g: Graph, cls: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, cls) if (s, DCTERMS.source, SRC) in g}


def languages(g: Graph, subject: URIRef, prop: URIRef = RDFS.label) -> set[str]:
    return {o.language for o in g.objects(subject, prop) if isinstance(o, Literal)}


def test_source_document(asserted_union: Graph) -> None:
    g = asserted_union
    assert (SRC, RDF.type, CCAI.SourceDocument) in g
    assert (SRC, RDF.type, CCAI.WebPage) in g
    assert (SRC, DCTERMS.language, Literal("nl", datatype=XSD.language)) in g
    assert (
        SRC,
        DCTERMS.title,
        Literal("Welke invloed heeft AI op culturele ontwikkeling?", lang="nl"),
    ) in g
    # the text gives no date, no author and does not name the publisher
    for prop in (DCTERMS.issued, DCTERMS.date, DCTERMS.created, DCTERMS.creator, DCTERMS.publisher):
        assert g.value(SRC, prop) is None, prop


CATEGORIES = {
    "add-value": {
        "nl-subtitles",
        "nl-automatic-translations",
        "nl-visitor-number-estimation-staffing",
    },
    "automate-work": {
        "nl-translating-flyers",
        "nl-editing-videos-photos",
        "nl-chatbot-customer-questions",
    },
    "new-products": {
        "nl-inspiration-new-music",
        "nl-digital-painting-restoration",
        "nl-new-connections-within-collection",
    },
    "improve-audience-experience": {
        "nl-personalised-interactive-tours",
        "nl-personalised-offers-platforms",
    },
}


def test_four_categories_with_their_examples(asserted_union: Graph) -> None:
    g = asserted_union
    found: dict[str, set[str]] = {}
    for opp in from_source(g, CCAI.Opportunity):
        category = g.value(opp, CCAI.opportunityCategory)
        if category is None:
            continue
        found.setdefault(str(category).rsplit("/", 1)[-1], set()).add(str(opp).rsplit("/", 1)[-1])
    assert found == CATEGORIES


def test_heritage_applications(asserted_union: Graph) -> None:
    g = asserted_union
    apps = from_source(g, CCAI.AIApplication)
    assert apps == {
        iri("application", "heritage-searchable-handwritten-letters"),
        iri("application", "heritage-facial-recognition-audiovisual"),
        iri("application", "heritage-linking-european-archives"),
    }
    for app in apps:
        assert (app, CCAI.sector, VOCAB["sectors/cultural-heritage"]) in g


THREE_RISKS = {
    "nl-ai-output-quality": "themes/misinformation",
    "nl-copyright-for-makers": "themes/copyright-and-ip",
    "nl-ai-bias": "themes/bias-and-representation",
}


def test_three_risks_with_themes(asserted_union: Graph) -> None:
    g = asserted_union
    challenges = from_source(g, CCAI.Challenge)
    for slug, theme in THREE_RISKS.items():
        challenge = iri("challenge", slug)
        assert challenge in challenges
        assert (challenge, CCAI.theme, VOCAB[theme]) in g
        assert "nl" in languages(g, challenge, CCAI.quote)
    ordered = sorted(
        (int(g.value(c, CCAI.order)), str(c).rsplit("/", 1)[-1])
        for c in challenges
        if g.value(c, CCAI.order) is not None
    )
    assert [slug for _, slug in ordered] == list(THREE_RISKS)
    # the bias examples hang off the bias challenge
    for slug in (
        "nl-american-european-bias-generative-ai",
        "nl-discrimination-race-gender",
        "nl-companies-hesitant-ai-recruitment",
    ):
        assert (iri("challenge", slug), CCAI.relatedFinding, iri("challenge", "nl-ai-bias")) in g


def test_mitigation(asserted_union: Graph) -> None:
    """Training AI with more diverse information sets: no proposer is named, so it is an
    opportunity related to the bias challenge, not a recommendation."""
    g = asserted_union
    step = iri("opportunity", "nl-bias-free-ai-diverse-training-data")
    assert (step, RDF.type, CCAI.Opportunity) in g
    assert (step, CCAI.relatedFinding, iri("challenge", "nl-ai-bias")) in g
    assert not from_source(g, CCAI.Recommendation)


def test_every_entity_has_dutch_and_english_labels(asserted_union: Graph) -> None:
    g = asserted_union
    entities = [e for e in g.subjects(DCTERMS.source, SRC) if str(e).startswith(str(ID))]
    assert len(entities) == 22  # 3 applications, 13 opportunities, 6 challenges
    for entity in entities:
        assert {"nl", "en"} <= languages(g, entity), entity
        for quote in g.objects(entity, CCAI.quote):
            assert quote.language == "nl", entity
        locators = set(g.objects(entity, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
        assert any((loc, DCTERMS.isPartOf, SRC) in g for loc in locators), entity
