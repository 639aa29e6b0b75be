"""The ekip Policy Lab 1 graph (graph/ekip-policy-lab-1.ttl) against its source.

Source: ../shared/sources/004_b2638ed03d48c8b0.txt, "Artificial Intelligence for
the Culture and Creative Industries — Policy Recommendations from Policy Lab 1",
ekip project (Horizon Europe grant 101112111), CC BY 4.0, 2024.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, Namespace

from api.namespaces import CCAI, ID, PROV, SCHEMA, SOURCE, VOCAB

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SRC = SOURCE["ekip-policy-lab-1"]
LOC = Namespace(str(SRC) + "/")
THEMES = Namespace(str(VOCAB) + "themes/")
LEVELS = Namespace(str(VOCAB) + "levels/")
POLICY_LEVELS = Namespace(str(VOCAB) + "policy-levels/")
TARGET_GROUPS = Namespace(str(VOCAB) + "target-groups/")

SOURCE_FILE = "004_b2638ed03d48c8b0.txt"  # in ../shared/sources (fixture shared_sources)

IE, SKILLS, INFLUENCE = (
    THEMES["innovation-ecosystems"],
    THEMES["skills"],
    THEMES["cci-influence-on-ai"],
)
PLAYERS, ECOSYSTEM, FRAMEWORK = (
    LEVELS["ai-and-cci-players"],
    LEVELS["ecosystem-structure"],
    LEVELS["key-framework-conditions"],
)
POLICY_LAB = ID["event/ekip-policy-lab-1"]


def iri(kind: str, slug: str) -> URIRef:
    return ID[f"{kind}/{slug}"]


def from_source(g: Graph, cls: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, cls) if (s, DCTERMS.source, SRC) in g}


def derived_from(g: Graph, cls: URIRef, locator: str) -> set[URIRef]:
    return {s for s in from_source(g, cls) if (s, PROV.wasDerivedFrom, LOC[locator]) in g}


def listed(g: Graph, items: set[URIRef]) -> set[URIRef]:
    """The items of a numbered list (with ``ccai:order``), not the sub-items listed inside one."""
    return {s for s in items if (s, CCAI.order, None) in g}


def count_by_area_level(g: Graph, items: set[URIRef]) -> Counter:
    return Counter((g.value(s, CCAI.area), g.value(s, CCAI.level)) for s in items)


# --- source


def test_source_document(asserted_union: Graph) -> None:
    g = asserted_union
    assert (SRC, RDF.type, CCAI.SourceDocument) in g
    assert (SRC, RDF.type, CCAI.Report) in g
    assert (SRC, DCTERMS.publisher, iri("project", "ekip")) in g
    assert (SRC, DCTERMS.issued, Literal("2024", datatype=XSD.gYear)) in g
    assert (SRC, DCTERMS.language, Literal("en", datatype=XSD.language)) in g
    assert (SRC, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (SRC, CCAI.about, POLICY_LAB) in g
    assert str(g.value(SRC, DCTERMS.title)).startswith(
        "Artificial Intelligence for the Culture and Creative Industries"
    )


@pytest.mark.parametrize(
    "locator",
    [
        "key-recommendations",
        "section-1",
        "section-2",
        "section-3",
        "section-4-1",
        "section-5-1",
        "section-5-1-1",
        "section-5-3-3",
        "section-6-1",
        "section-6-2",
        "methodological-note",
        "table-1",
        "box-1",
        "box-2",
        "footnote-2",
        "footnote-39",
    ],
)
def test_locators_are_part_of_the_source(asserted_union: Graph, locator: str) -> None:
    assert (LOC[locator], RDF.type, CCAI.Locator) in asserted_union
    assert (LOC[locator], DCTERMS.isPartOf, SRC) in asserted_union


# --- ekip and the Policy Lab


def test_ekip_project(asserted_union: Graph) -> None:
    g = asserted_union
    ekip = iri("project", "ekip")
    assert (ekip, RDF.type, CCAI.Project) in g
    assert (ekip, CCAI.grantNumber, Literal("101112111")) in g
    assert (ekip, CCAI.fundingProgramme, iri("programme", "horizon-europe")) in g
    assert (ekip, CCAI.funder, iri("organisation", "european-union")) in g
    assert (ekip, RDFS.seeAlso, URIRef("https://cordis.europa.eu/project/id/101112111")) in g


def test_policy_lab(asserted_union: Graph) -> None:
    g = asserted_union
    assert (POLICY_LAB, RDF.type, CCAI.PolicyLab) in g
    assert (POLICY_LAB, CCAI.startDate, Literal("2024-01-25", datatype=XSD.date)) in g
    assert (POLICY_LAB, CCAI.endDate, Literal("2024-01-26", datatype=XSD.date)) in g
    assert (POLICY_LAB, CCAI.venue, iri("place", "brussels")) in g
    assert (POLICY_LAB, CCAI.partOfInitiative, iri("project", "ekip")) in g
    assert (
        POLICY_LAB,
        DCTERMS.title,
        Literal("Artificial Intelligence in the Cultural and Creative Industries (CCI)", lang="en"),
    ) in g


def test_policy_corner_at_delft_symposium(asserted_union: Graph) -> None:
    g = asserted_union
    symposium = iri("event", "design-and-ai-symposium-2023")
    corner = iri("event", "ekip-policy-corner-design-ai-2023")
    assert (symposium, RDF.type, CCAI.Symposium) in g
    assert (symposium, CCAI.organiser, iri("organisation", "university-of-delft")) in g
    assert (symposium, CCAI.startDate, Literal("2023-10-18", datatype=XSD.date)) in g
    assert (symposium, CCAI.endDate, Literal("2023-10-19", datatype=XSD.date)) in g
    assert (corner, CCAI.partOfEvent, symposium) in g
    assert (corner, CCAI.partOfInitiative, iri("project", "ekip")) in g


# --- Table 1 and chapter 2

TABLE_1_CHALLENGES = [
    "Upholding human creators' rights.",
    "Implementing copyright laws effectively.",
    "Reducing unemployment in sectors traditionally reliant on manual labour.",
    "Streamlining the adaptation of AI technologies across different industries.",
    "Ethical utilization of third-party content.",
    "Enhancing skills and navigating complex information and resources efficiently.",
    "Ensuring transparency in AI data sets.",
    "Managing the inundation of AI-generated content in the market.",
]
TABLE_1_OPPORTUNITIES = [
    "Enabling the creation of creative content by individuals without technical expertise.",
    "Augmenting human creativity with AI tools.",
    "Serving as an ethical watchdog for AI's impact on society and law.",
    "Improving accuracy in market forecasting.",
    "Digitizing and restoring archival content, including old films and damaged records.",
    "Reducing entry barriers for new creators.",
    "Fostering cross-disciplinary collaborations between science and art.",
    "Reducing costs associated with non-creative services.",
    "Broadening creative possibilities and uncovering new revenue streams.",
    "Lowering entry thresholds for creative endeavours.",
]


@pytest.mark.parametrize(
    ("cls", "expected"),
    [(CCAI.Challenge, TABLE_1_CHALLENGES), (CCAI.Opportunity, TABLE_1_OPPORTUNITIES)],
    ids=["challenges", "opportunities"],
)
def test_table_1_in_order(asserted_union: Graph, cls: URIRef, expected: list[str]) -> None:
    g = asserted_union
    items = derived_from(g, cls, "table-1")
    assert len(items) == len(expected)
    ordered = sorted(items, key=lambda s: int(g.value(s, CCAI.order)))
    assert [int(g.value(s, CCAI.order)) for s in ordered] == list(range(1, len(expected) + 1))
    assert [str(g.value(s, CCAI.quote)) for s in ordered] == expected
    for s in items:
        assert (s, CCAI.raisedBy, POLICY_LAB) in g


def test_three_selected_challenge_areas(asserted_union: Graph) -> None:
    g = asserted_union
    areas = {
        iri("challenge", "ekip-area-innovation-ecosystems"): (IE, 1, "section-5-1"),
        iri("challenge", "ekip-area-skills"): (SKILLS, 2, "section-5-2"),
        iri("challenge", "ekip-area-cci-influence-on-ai"): (INFLUENCE, 3, "section-5-3"),
    }
    for challenge, (area, order, chapter_5_section) in areas.items():
        assert (challenge, RDF.type, CCAI.Challenge) in g
        assert (challenge, CCAI.area, area) in g
        assert (challenge, CCAI.order, Literal(order)) in g
        # one resource for the chapter 2 text and its chapter 5 restatement
        for locator in ("section-2", chapter_5_section, "key-recommendations"):
            assert (challenge, PROV.wasDerivedFrom, LOC[locator]) in g


def test_chapter_2_bullets(asserted_union: Graph) -> None:
    g = asserted_union
    bullets = {
        s
        for s in derived_from(g, CCAI.Challenge, "section-2")
        if g.value(s, CCAI.area) is None and g.value(s, CCAI.order) is not None
    }
    assert len(bullets) == 4
    copyright_challenge = iri("challenge", "ekip-copyright-protected-content-input")
    assert copyright_challenge in bullets
    assert (copyright_challenge, CCAI.theme, THEMES["copyright-and-ip"]) in g
    assert (copyright_challenge, CCAI.mentions, iri("document", "eu-ai-act")) in g


# --- chapter 5

CHAPTER_5_CHALLENGES = {
    "section-5-1-1": (IE, PLAYERS, 5),
    "section-5-1-2": (IE, ECOSYSTEM, 5),
    "section-5-1-3": (IE, FRAMEWORK, 4),
    "section-5-2-1": (SKILLS, PLAYERS, 3),
    "section-5-2-2": (SKILLS, ECOSYSTEM, 2),
    "section-5-2-3": (SKILLS, FRAMEWORK, 1),
    "section-5-3-1": (INFLUENCE, PLAYERS, 2),
    "section-5-3-2": (INFLUENCE, ECOSYSTEM, 4),
    "section-5-3-3": (INFLUENCE, FRAMEWORK, 3),
}


@pytest.mark.parametrize("locator", sorted(CHAPTER_5_CHALLENGES))
def test_chapter_5_challenges_per_area_and_level(asserted_union: Graph, locator: str) -> None:
    g = asserted_union
    area, level, expected = CHAPTER_5_CHALLENGES[locator]
    items = derived_from(g, CCAI.Challenge, locator)
    assert len(items) == expected
    for s in items:
        assert (s, CCAI.area, area) in g
        assert (s, CCAI.level, level) in g
        assert (s, CCAI.raisedBy, POLICY_LAB) in g
        assert g.value(s, CCAI.quote) is not None
    assert sorted(int(g.value(s, CCAI.order)) for s in items) == list(range(1, expected + 1))


def test_chapter_6_2_challenge_statements(asserted_union: Graph) -> None:
    g = asserted_union
    items = derived_from(g, CCAI.Challenge, "section-6-2")
    assert count_by_area_level(g, items) == Counter(
        {(SKILLS, PLAYERS): 1, (SKILLS, ECOSYSTEM): 1, (SKILLS, FRAMEWORK): 2}
    )
    for s in items:
        assert str(g.value(s, CCAI.quote)).startswith("The challenge ")


# --- recommendations

KEY_COUNTS = Counter(
    {
        (IE, PLAYERS): 3,
        (IE, ECOSYSTEM): 4,
        (IE, FRAMEWORK): 3,
        (SKILLS, PLAYERS): 3,
        (SKILLS, ECOSYSTEM): 2,
        (SKILLS, FRAMEWORK): 6,
    }
)
CHAPTER_6_COUNTS = {
    "section-6-1": Counter({(IE, PLAYERS): 3, (IE, ECOSYSTEM): 4, (IE, FRAMEWORK): 2}),
    "section-6-2": Counter({(SKILLS, PLAYERS): 3, (SKILLS, ECOSYSTEM): 3, (SKILLS, FRAMEWORK): 8}),
}


def test_key_recommendations_per_area_and_level(asserted_union: Graph) -> None:
    g = asserted_union
    items = derived_from(g, CCAI.Recommendation, "key-recommendations")
    assert count_by_area_level(g, items) == KEY_COUNTS
    # "At European level, ekip Policy Lab participants have identified several recommendations"
    for s in items:
        assert (s, CCAI.policyLevel, POLICY_LEVELS["eu"]) in g


@pytest.mark.parametrize("locator", sorted(CHAPTER_6_COUNTS))
def test_chapter_6_recommendations_per_area_and_level(asserted_union: Graph, locator: str) -> None:
    g = asserted_union
    items = listed(g, derived_from(g, CCAI.Recommendation, locator))
    assert count_by_area_level(g, items) == CHAPTER_6_COUNTS[locator]


@pytest.mark.parametrize("locator", ["key-recommendations", "section-6-1", "section-6-2"])
def test_recommendation_lists_are_ordered(asserted_union: Graph, locator: str) -> None:
    """Each list is numbered 1..n; an item of both lists keeps its place in chapter 6.

    On the key page it then sits where its description says (one item, issue 13:
    the non-creative aspects recommendation is the opening of its 6.1 text).
    """
    g = asserted_union
    items = listed(g, derived_from(g, CCAI.Recommendation, locator))
    if locator == "key-recommendations":
        chapter = {LOC["section-6-1"], LOC["section-6-2"]}
        items = {s for s in items if not chapter & set(g.objects(s, PROV.wasDerivedFrom))}
    lists: dict[tuple, list[int]] = {}
    for s in items:
        lists.setdefault((g.value(s, CCAI.area), g.value(s, CCAI.level)), []).append(
            int(g.value(s, CCAI.order))
        )
    for key, orders in lists.items():
        assert len(set(orders)) == len(orders), key
        if locator != "key-recommendations":
            assert sorted(orders) == list(range(1, len(orders) + 1)), key


def test_every_recommendation_is_complete(asserted_union: Graph) -> None:
    g = asserted_union
    recommendations = from_source(g, CCAI.Recommendation)
    # 34 before issue 13 merged the identical key item; + 5 solutions of 5.2.3 and
    # + 5 funding instruments of 6.2, items of their own since issue 13
    assert len(recommendations) == 43
    for rec in recommendations:
        area, level = g.value(rec, CCAI.area), g.value(rec, CCAI.level)
        assert area in {IE, SKILLS}, rec
        assert level in {PLAYERS, ECOSYSTEM, FRAMEWORK}, rec
        assert (rec, CCAI.proposedBy, POLICY_LAB) in g, rec
        assert g.value(rec, RDFS.label) is not None, rec
        assert g.value(rec, CCAI.quote) is not None, rec
        challenges = set(g.objects(rec, CCAI.addresses))
        assert challenges, rec
        for challenge in challenges:
            assert (challenge, RDF.type, CCAI.Challenge) in g
            assert (challenge, CCAI.area, area) in g, (rec, challenge)
        assert g.value(rec, CCAI.linkQuote) is not None, rec


def test_addresses_only_what_the_report_states(asserted_union: Graph) -> None:
    """Issue 13: no n x m links by level; 6.2 follows its "The challenge on ..." sentences.

    Chapter 6.1 pairs no recommendation with a chapter 5 challenge: its items address
    only their area ("... recommendations to overcome these challenges"); the level is
    a property, not a link. In 6.2 each item addresses the challenge its paragraph names.
    """
    g = asserted_union
    for rec in from_source(g, CCAI.Recommendation):
        for challenge in g.objects(rec, CCAI.addresses):
            if (challenge, CCAI.level, None) in g:  # a challenge of one level, not an area
                assert {LOC["section-6-2"], LOC["section-5-2-3"]} & set(
                    g.objects(rec, PROV.wasDerivedFrom)
                ), (rec, challenge)
                assert (challenge, CCAI.level, g.value(rec, CCAI.level)) in g, (rec, challenge)
    for rec in derived_from(g, CCAI.Recommendation, "section-6-1"):
        assert set(g.objects(rec, CCAI.addresses)) == {
            iri("challenge", "ekip-area-innovation-ecosystems")
        }
    guiding = iri("recommendation", "ekip-skills-players-guiding-framework")
    assert set(g.objects(guiding, CCAI.addresses)) == {
        iri("challenge", "ekip-area-skills"),
        iri("challenge", "ekip-skills-players-co-creative-access"),
    }
    detect = iri("recommendation", "ekip-skills-framework-detect-barriers")
    assert iri("challenge", "ekip-skills-framework-lack-of-resources") not in set(
        g.objects(detect, CCAI.addresses)
    )


def test_identical_key_recommendation_is_one_entity(asserted_union: Graph) -> None:
    g = asserted_union
    merged = iri("recommendation", "ekip-ie-framework-specialisation-creative-production")
    assert (iri("recommendation", "ekip-ie-framework-non-creative-aspects"), None, None) not in g
    assert (None, None, iri("recommendation", "ekip-ie-framework-non-creative-aspects")) not in g
    for locator in ("key-recommendations", "section-6-1"):
        assert (merged, PROV.wasDerivedFrom, LOC[locator]) in g
    assert (merged, CCAI.policyLevel, POLICY_LEVELS["eu"]) in g


def test_initiatives_working_on_the_influence_challenge(asserted_union: Graph) -> None:
    """5.3: "several initiatives already working on the topic. The initiatives are: ..."."""
    g = asserted_union
    challenge = iri("challenge", "ekip-area-cci-influence-on-ai")
    assert set(g.subjects(CCAI.worksOn, challenge)) == {
        iri("network", "nl-ai-coalition"),
        iri("network", "starts"),
    }
    for initiative in g.subjects(CCAI.worksOn, challenge):
        assert "already working on the topic" in str(g.value(initiative, CCAI.linkQuote))


def test_shared_and_split_recommendations(asserted_union: Graph) -> None:
    g = asserted_union
    literacy = iri("recommendation", "ekip-ie-players-ai-literacy-policies")
    for locator in ("key-recommendations", "section-6-1"):
        assert (literacy, PROV.wasDerivedFrom, LOC[locator]) in g
    assert (literacy, CCAI.addressedTo, TARGET_GROUPS["cci-startups"]) in g
    assert (literacy, CCAI.order, Literal(1)) in g
    # the key page splits "Policy articulation for better CCI inclusion" into two items
    articulation = iri("recommendation", "ekip-ie-framework-policy-articulation")
    for part in ("ekip-ie-framework-leverage-horizon-europe", "ekip-ie-framework-monitoring-body"):
        assert (iri("recommendation", part), CCAI.relatedFinding, articulation) in g
    assert (articulation, CCAI.policyLevel, POLICY_LEVELS["national"]) in g
    assert (articulation, CCAI.addressedTo, TARGET_GROUPS["member-states"]) in g
    # and the 6.2 targeted funding and tax incentives bullet into two
    funding = iri("recommendation", "ekip-skills-framework-funding-and-tax-incentives")
    for part in ("ekip-skills-framework-targeted-funding", "ekip-skills-framework-tax-incentives"):
        assert (iri("recommendation", part), CCAI.relatedFinding, funding) in g


def test_no_recommendations_for_the_third_area(asserted_union: Graph) -> None:
    g = asserted_union
    assert not {r for r in from_source(g, CCAI.Recommendation) if (r, CCAI.area, INFLUENCE) in g}


# --- policies and documents

BOX_1 = {
    "ec-communication-boosting-startups-trustworthy-ai-2024": (
        CCAI.Communication,
        "european-commission",
        "2024",
    ),
    "ec-communication-european-approach-ai-2021": (
        CCAI.Communication,
        "european-commission",
        "2021",
    ),
    "unesco-ai-skills-development-2021": (CCAI.Report, "unesco", "2021"),
    "unesco-recommendation-ethics-ai-2021": (CCAI.PolicyRecommendation, "unesco", "2021"),
    "oecd-recommendation-ai-2019": (CCAI.PolicyRecommendation, "oecd", "2019"),
    "unesco-ethical-principles-ai-cultural-expressions-2018": (CCAI.Report, "unesco", "2018"),
}


@pytest.mark.parametrize("slug", sorted(BOX_1))
def test_box_1_documents(asserted_union: Graph, slug: str) -> None:
    g = asserted_union
    doc = iri("document", slug)
    cls, issuer, year = BOX_1[slug]
    assert (doc, RDF.type, cls) in g
    assert (doc, DCTERMS.publisher, iri("organisation", issuer)) in g
    assert (doc, DCTERMS.issued, Literal(year, datatype=XSD.gYear)) in g
    assert (doc, PROV.wasDerivedFrom, LOC["box-1"]) in g
    assert (SRC, CCAI.cites, doc) in g
    assert g.value(doc, SCHEMA.url) is not None


def test_document_identifiers(asserted_union: Graph) -> None:
    g = asserted_union
    assert (
        iri("document", "oecd-recommendation-ai-2019"),
        DCTERMS.identifier,
        Literal("OECD/LEGAL/0449"),
    ) in g
    assert (
        iri("document", "ec-communication-european-approach-ai-2021"),
        DCTERMS.identifier,
        Literal("COM(2021) 205 final"),
    ) in g
    assert (
        iri("document", "ep-report-music-streaming-2023"),
        DCTERMS.identifier,
        Literal("A-9-2023-0388"),
    ) in g
    hodgson = iri("document", "hodgson-spotify-democratisation-music-2021")
    assert (hodgson, DCTERMS.identifier, Literal("doi:10.1017/S0261143021000064")) in g
    assert (hodgson, DCTERMS.creator, iri("person", "t-hodgson")) in g


def test_ai_act(asserted_union: Graph) -> None:
    g = asserted_union
    act = iri("document", "eu-ai-act")
    assert (act, RDF.type, CCAI.Regulation) in g
    assert (act, SKOS.exactMatch, URIRef("http://data.europa.eu/eli/reg/2024/1689/oj")) in g
    assert (act, SCHEMA.legislationIdentifier, Literal("32024R1689")) in g
    quotes = " ".join(str(q) for q in g.objects(act, CCAI.quote))
    agreement = "In December 2023, the European Parliament and the Council of the EU reached"
    assert agreement + " a political agreement on the AI Act" in quotes


def test_technopolis_study_keeps_both_years(asserted_union: Graph) -> None:
    g = asserted_union
    study = iri("document", "study-ai-opportunities-challenges-ccs-2022")
    assert (study, DCTERMS.creator, iri("organisation", "technopolis-group")) in g
    assert (study, DCTERMS.issued, Literal("2022", datatype=XSD.gYear)) in g
    quotes = {str(q) for q in g.objects(study, CCAI.quote)}
    assert any("The study (2021)" in q for q in quotes)
    assert any("Technopolis Group, (2022)" in q for q in quotes)


def test_national_ai_strategies(asserted_union: Graph) -> None:
    g = asserted_union
    finland = iri("document", "national-ai-strategy-finland")
    belgium = iri("document", "national-ai-strategy-belgium")
    assert (finland, DCTERMS.issued, Literal("2017-10", datatype=XSD.gYearMonth)) in g
    assert (belgium, DCTERMS.issued, Literal("2022-11", datatype=XSD.gYearMonth)) in g
    ai_watch = iri("document", "ai-watch-national-ai-strategies-2022")
    for country in ("belgium", "croatia", "greece", "romania"):
        assert (ai_watch, CCAI.mentions, iri("place", country)) in g


# --- Box 2 and skills initiatives


def test_nl_ai_coalition_is_one_entity(asserted_union: Graph) -> None:
    g = asserted_union
    coalition = iri("network", "nl-ai-coalition")
    for locator in ("box-2", "footnote-23", "section-5-3", "footnote-36"):
        assert (coalition, PROV.wasDerivedFrom, LOC[locator]) in g
    assert (coalition, FOAF.homepage, URIRef("https://nlaic.com/en/")) in g
    assert len(list(g.subjects(FOAF.homepage, URIRef("https://nlaic.com/en/")))) == 1


def test_data_space_and_guarantee_facility(asserted_union: Graph) -> None:
    g = asserted_union
    space = iri("platform", "common-european-data-space-cultural-heritage")
    reco = iri("document", "commission-recommendation-2021-1970")
    assert (space, CCAI.hasLegalBasis, reco) in g
    assert (reco, SKOS.exactMatch, URIRef("http://data.europa.eu/eli/reco/2021/1970/oj")) in g
    guarantee = iri("funding", "eif-guarantee-finora-capital-2020")
    assert (guarantee, CCAI.funder, iri("organisation", "european-investment-fund")) in g
    assert (guarantee, CCAI.beneficiary, iri("organisation", "finora-capital")) in g
    assert int(g.value(guarantee, CCAI.amount)) == 6_000_000
    assert (
        guarantee,
        CCAI.partOfInitiative,
        iri("funding", "cultural-creative-sectors-guarantee-facility"),
    ) in g


def test_blueprint_alliances(asserted_union: Graph) -> None:
    g = asserted_union
    for slug, start, end in (("cyanotypes", "2022", "2026"), ("charter-alliance", "2022", "2025")):
        alliance = iri("alliance", slug)
        assert (alliance, RDF.type, CCAI.SkillsAlliance) in g
        assert (alliance, CCAI.startDate, Literal(start, datatype=XSD.gYear)) in g
        assert (alliance, CCAI.endDate, Literal(end, datatype=XSD.gYear)) in g


def test_statistics(asserted_union: Graph) -> None:
    g = asserted_union
    expected = {
        "cci-share-eu-gva": 5.3,
        "cci-employment-eu-persons": 12_000_000,
        "cci-share-eu-workforce": 7.5,
        "eu-industrial-ecosystems-count": 14,
        "creative-pact-for-skills-working-group-size": 60,
    }
    for slug, value in expected.items():
        stat = iri("statistic", slug)
        assert (stat, RDF.type, CCAI.Statistic) in g
        assert float(g.value(stat, CCAI.value)) == pytest.approx(value)
        assert g.value(stat, CCAI.unit) is not None
        assert g.value(stat, CCAI.quote) is not None
    # "more than 12 million": the figure is a lower bound (issue 13)
    employment = iri("statistic", "cci-employment-eu-persons")
    assert (employment, CCAI.isLowerBound, Literal(True)) in g
    assert not [s for s in g.subjects(CCAI.isLowerBound, Literal(True)) if s != employment]
    # one fact, one place: the EIF guarantee is a funding measure, not also a statistic
    assert (iri("statistic", "eif-guarantee-finora-capital-2020"), None, None) not in g


def test_actors_with_places(asserted_union: Graph) -> None:
    g = asserted_union
    assert (iri("organisation", "de-effenaar"), CCAI.location, iri("place", "eindhoven")) in g
    assert (iri("organisation", "lorentz-centre"), CCAI.location, iri("place", "leiden")) in g
    assert (iri("organisation", "small-french-company"), CCAI.location, iri("place", "france")) in g
    post = iri("post", "iban-garcia-de-blanco-european-parliament")
    assert (post, CCAI.postIn, iri("organisation", "european-parliament")) in g
    assert (
        iri("document", "ep-report-music-streaming-2023"),
        DCTERMS.creator,
        iri("person", "iban-garcia-de-blanco"),
    ) in g


# --- faithfulness


GRAPH_FILE = Path(__file__).resolve().parents[2] / "graph" / "ekip-policy-lab-1.ttl"


@pytest.fixture(scope="module")
def own_graph() -> Graph:
    """This source's file alone: shared entities carry other sources' quotes in the union."""
    graph = Graph()
    graph.parse(GRAPH_FILE, format="turtle")
    return graph


def test_web_addresses_are_printed_in_the_source(own_graph: Graph, shared_sources: Path) -> None:
    raw = (shared_sources / SOURCE_FILE).read_text(encoding="utf-8")
    for prop in (SCHEMA.url, FOAF.homepage):
        for s, address in own_graph.subject_objects(prop):
            assert str(address) in raw, (s, address)


def test_every_entity_has_provenance_in_this_source(own_graph: Graph) -> None:
    for entity in set(own_graph.subjects(RDF.type, None)):
        if not str(entity).startswith(str(ID)):
            continue
        assert (entity, DCTERMS.source, SRC) in own_graph, entity
        locators = set(own_graph.objects(entity, PROV.wasDerivedFrom))
        assert locators, entity
        for locator in locators:
            assert (locator, RDF.type, CCAI.Locator) in own_graph
            assert (locator, DCTERMS.isPartOf, SRC) in own_graph


def test_labels_are_short_and_english(own_graph: Graph) -> None:
    for entity, label in own_graph.subject_objects(RDFS.label):
        assert isinstance(label, Literal) and label.language == "en", entity
        assert len(str(label)) <= 140, entity


def test_proposed_solutions_and_funding_instruments_are_items(asserted_union: Graph) -> None:
    """5.2.3 "... were proposed by the participants to overcome this challenge" and the
    6.2 funding instruments "the participants brought to the table" (issue 13)."""
    g = asserted_union
    lack = iri("challenge", "ekip-skills-framework-lack-of-resources")
    solutions = derived_from(g, CCAI.Recommendation, "section-5-2-3")
    assert {str(g.value(s, RDFS.label)) for s in solutions} == {
        "Pathways to trainings",
        "An R&D mechanism as driver for implementation",
        "Open-sourcing tools",
        "Living labs",
        "Investment in skills",
    }
    assert all((s, CCAI.addresses, lack) in g for s in solutions)
    parent = iri("recommendation", "ekip-skills-framework-funding-and-tax-incentives")
    instruments = set(g.subjects(CCAI.relatedFinding, parent)) - {
        iri("recommendation", "ekip-skills-framework-targeted-funding"),
        iri("recommendation", "ekip-skills-framework-tax-incentives"),
    }
    assert len(instruments) == 5
    assert all(str(g.value(s, CCAI.quote)).startswith("funding for ") for s in instruments)


def test_report_lists_sub_sectors_and_techniques(asserted_union: Graph) -> None:
    """Section 1's CCI sub-sectors and footnote 1's AI techniques, attached to the report."""
    g = asserted_union
    sectors = {str(s).rsplit("/", 1)[-1] for s in g.objects(SRC, CCAI.sector)}
    assert {"architecture", "artistic-crafts", "festivals", "radio", "visual-arts"} <= sectors
    techniques = {str(t).rsplit("/", 1)[-1] for t in g.objects(SRC, CCAI.technique)}
    assert {"machine-learning", "machine-reasoning", "robotics", "speech-recognition"} <= techniques
