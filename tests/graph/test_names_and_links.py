"""Names as labels and the links the sources state, across the source graphs (issue 13)."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from api.namespaces import CCAI, ID


def iri(path: str) -> URIRef:
    return ID[path]


#: the six labels the audit found to be sentences, and their names now
RENAMED = {
    "opportunity/nl-ai-possibilities-cultural-sector": "Possibilities of AI in the cultural sector",
    "recommendation/vanden-daelen-museums-reliable-resource": (
        "Museums as a reliable resource against misinformation"
    ),
    "challenge/keller-scale-of-museum-collections": (
        "Small scale of museum collections compared with AI training data"
    ),
    "recommendation/verplancke-transparency-in-decisions": "Transparency in decision-making",
    "challenge/mesoc-ai-energy-demand": "High energy demand of AI",
    "recommendation/mesoc-question-need-for-big-data-big-models": (
        "Questioning the need for big data and big models"
    ),
}


@pytest.mark.parametrize("path", sorted(RENAMED))
def test_sentence_labels_became_names(asserted_union: Graph, path: str) -> None:
    labels = {str(label) for label in asserted_union.objects(iri(path), RDFS.label)}
    assert RENAMED[path] in labels


#: full names a source prints beside the acronym: (entity, acronym, full name)
PRINTED_PAIRS = [
    ("organisation/european-investment-fund", "EIF", "European Investment Fund"),
    ("organisation/cwi", "CWI", "Centrum Wiskunde & Informatica"),
    ("project/mesoc", "MESOC", "Measuring the Social Dimension of Culture"),
    (
        "organisation/european-parliament-committee-on-culture-and-education",
        "CULT",
        "Committee on Culture and Education (CULT)",
    ),
    ("organisation/dg-rtd", "DG RTD", "Directorate-General Research and Innovation (DG RTD)"),
    ("organisation/meemoo", "meemoo", "Flemish Institute for Archives"),
]


@pytest.mark.parametrize("path,acronym,full", PRINTED_PAIRS, ids=[p[1] for p in PRINTED_PAIRS])
def test_acronym_and_full_name_are_both_labels(
    asserted_union: Graph, path: str, acronym: str, full: str
) -> None:
    g = asserted_union
    names = {str(n) for p in (RDFS.label, SKOS.altLabel) for n in g.objects(iri(path), p)}
    assert acronym in names and full in names, names


def test_nemo_2024_links_stated_by_the_summary(asserted_union: Graph) -> None:
    g = asserted_union
    stated = {
        "recommendation/verplancke-transparency-in-decisions": (
            "challenge/nemo-conference-2024-bias-in-own-metadata-sets",
            "therefore the transparency in how decisions are made is key",
        ),
        "recommendation/bernhardt-trust-and-transparency": (
            "challenge/nemo-conference-2024-lack-of-transparency-commercial-ai",
            "especially considering the lack of transparency",
        ),
    }
    for rec, (challenge, words) in stated.items():
        assert (iri(rec), CCAI.addresses, iri(challenge)) in g
        assert any(words in str(q) for q in g.objects(iri(rec), CCAI.linkQuote)), rec


def test_wrap_up_discusses_the_three_recommendations(asserted_union: Graph) -> None:
    g = asserted_union
    wrap = iri("event/nemo-conference-2024-wrap-up")
    assert set(g.objects(wrap, CCAI.discusses)) == {
        iri("recommendation/nemo-political-vision"),
        iri("recommendation/nemo-financial-investments"),
        iri("recommendation/nemo-ai-innovation-hub"),
    }
    # and the day's discussion of each stays related to the recommendation it discusses
    vision = iri("recommendation/nemo-conference-2024-need-for-political-vision")
    assert (vision, CCAI.relatedFinding, iri("recommendation/nemo-political-vision")) in g


def test_mesoc_machine_learning_definition_and_culture_as_enabler(asserted_union: Graph) -> None:
    g = asserted_union
    ml = URIRef("https://w3id.org/ccai/vocab/ai-techniques/machine-learning")
    assert any("make predictions" in str(q) for q in g.objects(ml, CCAI.quote))
    enabler = iri("opportunity/mesoc-culture-as-enabler-for-ai")
    assert (enabler, RDFS.label, Literal("Culture as an enabler for AI", lang="en")) in g
