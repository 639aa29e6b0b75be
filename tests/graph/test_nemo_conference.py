"""The NEMO conference graph (graph/nemo-museums-ai-conference-2024.ttl) against its source.

Source: ../shared/sources/001_deb1183425c66ce8.txt, NEMO web page "Museums and
Artificial Intelligence" summarising the conference "Innovation and Integrity: Museums
paving the way in an AI-driven society", 20 March 2024, Brussels.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from api.namespaces import CCAI, ID, SCHEMA, SOURCE, VOCAB

SRC = SOURCE["nemo-museums-ai-conference-2024"]
SRC_WORKSHOP = SOURCE["nemo-apply-ai-workshop"]
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
CONF = ID["event/nemo-conference-2024"]


def iri(kind: str, slug: str) -> URIRef:
    return ID[f"{kind}/{slug}"]


def role(slug: str) -> URIRef:
    return VOCAB[f"participant-roles/{slug}"]


def test_source_document(asserted_union: Graph) -> None:
    g = asserted_union
    assert (SRC, RDF.type, CCAI.SourceDocument) in g
    assert (SRC, RDF.type, CCAI.WebPage) in g
    assert (SRC, DCTERMS.publisher, iri("organisation", "nemo")) in g
    assert (SRC, CCAI.about, CONF) in g
    assert (SRC, DCTERMS.language, Literal("en", datatype=XSD.language)) in g
    assert g.value(SRC, DCTERMS.issued) is None  # the page prints no publication date
    locators = set(g.subjects(DCTERMS.isPartOf, SRC))
    for name in [
        "section-results-and-recommendations",
        "section-welcome",
        "section-introduction-by-the-partners",
        "section-keynote-speech",
        "section-policy-perspectives",
        "section-panel-1",
        "section-panel-2",
        "section-wrap-up",
    ]:
        loc = URIRef(f"{SRC}/{name}")
        assert loc in locators
        assert (loc, RDF.type, CCAI.Locator) in g


def test_conference_date_place_and_organisers(asserted_union: Graph) -> None:
    g = asserted_union
    assert (CONF, RDF.type, CCAI.Conference) in g
    assert (CONF, CCAI.startDate, Literal("2024-03-20", datatype=XSD.date)) in g
    assert (CONF, CCAI.endDate, Literal("2024-03-20", datatype=XSD.date)) in g
    assert (CONF, CCAI.venue, iri("place", "brussels")) in g
    assert (iri("place", "brussels"), CCAI.locatedIn, iri("place", "belgium")) in g
    organisers = set(g.objects(CONF, CCAI.organiser))
    assert organisers == {
        iri("organisation", slug)
        for slug in [
            "nemo",
            "faro",
            "icom-wallonie-brussels",
            "icom-flanders",
            "house-of-european-history",
        ]
    }
    icom_wb = iri("organisation", "icom-wallonie-brussels")
    assert (icom_wb, SKOS.altLabel, Literal("ICOM Wallonia-Brussels", lang="en")) in g


SESSIONS = {
    "welcome": (1, "Welcome"),
    "introduction": (2, "Introduction by the partners"),
    "keynote": (3, "Keynote speech"),
    "policy-perspectives": (
        4,
        "Policy perspectives: EU, Belgian Federal, French and Flemish Community",
    ),
    "panel-1": (5, "Panel 1: Critical technology discourse in the museum"),
    "panel-2": (6, "Panel 2: Museums and democracy in an increasingly AI driven world"),
    "wrap-up": (7, "Wrap-up by organising partners"),
}


def test_sessions_in_order(asserted_union: Graph) -> None:
    g = asserted_union
    sessions = set(g.objects(CONF, CCAI.hasSession))
    assert sessions == {iri("event", f"nemo-conference-2024-{key}") for key in SESSIONS}
    for key, (order, label) in SESSIONS.items():
        s = iri("event", f"nemo-conference-2024-{key}")
        assert (s, RDF.type, CCAI.Session) in g
        assert (s, CCAI.order, Literal(order)) in g
        assert (s, RDFS.label, Literal(label, lang="en")) in g
        assert (s, CCAI.partOfEvent, CONF) in g


# session, person, role, {(post title, organisation)}
SPEAKERS = [
    (
        "welcome",
        "iliana-ivanova",
        "welcome-speaker",
        {
            (
                "European Commissioner for Innovation, Research, Culture, Education and Youth",
                "european-commission",
            )
        },
    ),
    (
        "welcome",
        "sabine-verheyen",
        "welcome-speaker",
        {
            ("Member of the European Parliament", "european-parliament"),
            ("Chair", "european-parliament-committee-on-culture-and-education"),
        },
    ),
    ("introduction", "olga-van-oost", "panellist", {("Director", "faro")}),
    ("introduction", "julia-pagel", "panellist", {("Secretary General", "nemo")}),
    ("introduction", "alexandre-chevalier", "panellist", {("Chair", "icom-wallonie-brussels")}),
    ("introduction", "isabelle-vanhoonacker", "panellist", {("Chair", "icom-flanders")}),
    ("introduction", "johannes-bernhardt", "moderator", {("Lecturer", "university-of-konstanz")}),
    (
        "keynote",
        "paul-keller",
        "keynote-speaker",
        {("Director of Policy", "open-future-foundation")},
    ),
    ("keynote", "sergio-servellon", "moderator", {("Director", "felix-art-and-eco-museum")}),
    (
        "policy-perspectives",
        "hans-van-der-linden",
        "speaker",
        {("Policy Advisor", "department-of-culture-youth-and-media")},
    ),
    (
        "policy-perspectives",
        "jean-louis-blanchart",
        "speaker",
        {("Acting adjunct General Director", "heritage-service-french-community")},
    ),
    ("policy-perspectives", "giuliana-de-francesco", "speaker", {("Policy Officer", "dg-rtd")}),
    (
        "policy-perspectives",
        "lars-ebert",
        "moderator",
        {("Secretary General", "culture-action-europe")},
    ),
    (
        "panel-1",
        "oonagh-murphy",
        "panellist",
        {
            (
                "Senior Lecturer in Digital Culture and Society",
                "institute-for-creative-and-cultural-entrepreneurship",
            )
        },
    ),
    ("panel-1", "thierry-dutoit", "panellist", {("Professor", "umons"), ("Director", "numediart")}),
    ("panel-1", "nico-verplancke", "panellist", {("Director", "meemoo")}),
    ("panel-1", "peter-bary", "moderator", {("General Director", "museum-m-leuven")}),
    (
        "panel-2",
        "johan-oomen",
        "panellist",
        {
            (
                "Head of The Netherlands Institute for Sound and Vision R&D Department",
                "sound-and-vision-rd-department",
            ),
            ("researcher", "vu-web-and-media-group"),
        },
    ),
    (
        "panel-2",
        "veerle-vanden-daelen",
        "panellist",
        {("Curator and director of collections & research", "kazerne-dossin")},
    ),
    ("panel-2", "marion-carre", "panellist", {("CEO", "ask-mona")}),
    (
        "panel-2",
        "guido-gerrichhauzen",
        "moderator",
        {("Head of Learning and Outreach", "house-of-european-history")},
    ),
    ("wrap-up", "olga-van-oost", "panellist", {("Director", "faro")}),
    ("wrap-up", "julia-pagel", "panellist", {("Secretary General", "nemo")}),
    ("wrap-up", "alexandre-chevalier", "panellist", {("Chair", "icom-wallonie-brussels")}),
    ("wrap-up", "isabelle-vanhoonacker", "panellist", {("Chair", "icom-flanders")}),
    ("wrap-up", "johannes-bernhardt", "moderator", {("Lecturer", "university-of-konstanz")}),
]


@pytest.mark.parametrize(
    ("session", "person", "role_slug", "posts"),
    SPEAKERS,
    ids=[f"{s}-{p}" for s, p, *_ in SPEAKERS],
)
def test_speaker_role_session_and_post(
    asserted_union: Graph, session: str, person: str, role_slug: str, posts: set
) -> None:
    g = asserted_union
    part = iri("participation", f"nemo-conference-2024-{session}-{person}")
    assert (part, RDF.type, CCAI.Participation) in g
    assert (part, CCAI.participant, iri("person", person)) in g
    assert (part, CCAI.inEvent, iri("event", f"nemo-conference-2024-{session}")) in g
    assert set(g.objects(part, CCAI.participantRole)) == {role(role_slug)}
    assert (part, DCTERMS.source, SRC) in g
    held = set(g.objects(iri("person", person), CCAI.holdsPost))
    found = {(str(g.value(post, CCAI.postTitle)), g.value(post, CCAI.postIn)) for post in held}
    assert found == {(title, iri("organisation", org)) for title, org in posts}
    for post in held:
        assert (post, CCAI.postHolder, iri("person", person)) in g
    # the participation is in the capacity of every post the source prints beside the
    # name (two for Verheyen, Dutoit and Oomen, issue 13)
    assert set(g.objects(part, CCAI.inCapacityOf)) == held


def test_ivanova_welcome_by_video_message(asserted_union: Graph) -> None:
    part = iri("participation", "nemo-conference-2024-welcome-iliana-ivanova")
    quotes = " ".join(str(q) for q in asserted_union.objects(part, CCAI.quote))
    assert "video message" in quotes


def test_sub_organisations(asserted_union: Graph) -> None:
    g = asserted_union
    for child, parent in [
        ("european-parliament-committee-on-culture-and-education", "european-parliament"),
        ("dg-rtd", "european-commission"),
        ("ai-office", "european-commission"),
        ("department-of-culture-youth-and-media", "flemish-government"),
        ("heritage-service-french-community", "french-community-of-wallonia-and-brussels"),
        ("institute-for-creative-and-cultural-entrepreneurship", "goldsmiths-university-of-london"),
        ("sound-and-vision-rd-department", "netherlands-institute-for-sound-and-vision"),
        ("vu-web-and-media-group", "vu-university-amsterdam"),
    ]:
        assert (
            iri("organisation", child),
            CCAI.subOrganisationOf,
            iri("organisation", parent),
        ) in g


RECS = {
    "nemo-political-vision": (1, "A political vision for museums and cultural heritage"),
    "nemo-financial-investments": (2, "Financial resources must be allocated for infrastructure"),
    "nemo-ai-innovation-hub": (3, "there is a need for a dedicated competency centre in Europe"),
}


@pytest.mark.parametrize("slug", list(RECS))
def test_nemo_recommendations_from_both_sources(asserted_union: Graph, slug: str) -> None:
    g = asserted_union
    rec = iri("recommendation", slug)
    order, words = RECS[slug]
    assert (rec, RDF.type, CCAI.Recommendation) in g
    assert (rec, CCAI.order, Literal(order)) in g
    assert (rec, CCAI.proposedBy, iri("organisation", "nemo")) in g
    assert any(words in str(q) for q in g.objects(rec, CCAI.quote)) or words in str(
        g.value(rec, RDFS.label)
    )
    # provenance from both NEMO sources, each with a locator of that source
    assert {SRC, SRC_WORKSHOP} <= set(g.objects(rec, DCTERMS.source))
    docs = {g.value(loc, DCTERMS.isPartOf) for loc in g.objects(rec, PROV_DERIVED)}
    assert {SRC, SRC_WORKSHOP} <= docs
    # listed twice on the conference page: one IRI, both locators
    locs = set(g.objects(rec, PROV_DERIVED))
    assert URIRef(f"{SRC}/section-results-and-recommendations") in locs
    assert URIRef(f"{SRC}/section-wrap-up") in locs
    assert (rec, CCAI.addressedTo, VOCAB["target-groups/policy-makers"]) in g


def test_financial_investments_challenges_and_platforms(asserted_union: Graph) -> None:
    g = asserted_union
    rec = iri("recommendation", "nemo-financial-investments")
    addressed = set(g.objects(rec, CCAI.addresses))
    assert {
        iri("challenge", c)
        for c in [
            "nemo-copyright-issues",
            "nemo-museum-professionals-skills",
            "nemo-data-quality-for-ai",
            "nemo-digitalisation-quality-quantity",
        ]
    } <= addressed
    for platform in [
        "cultural-heritage-data-spaces",
        "european-collaborative-cultural-heritage-cloud",
    ]:
        assert (rec, CCAI.mentions, iri("platform", platform)) in g
        assert (iri("platform", platform), RDF.type, CCAI.Platform) in g


SOURCE_COUNT_DOWNLOADS = 8  # "(download presentation)" occurs eight times on the page
PRESENTERS = {
    "paul-keller": "keynote",
    "hans-van-der-linden": "policy-perspectives",
    "jean-louis-blanchart": "policy-perspectives",
    "giuliana-de-francesco": "policy-perspectives",
    "oonagh-murphy": "panel-1",
    "thierry-dutoit": "panel-1",
    "nico-verplancke": "panel-1",
    "johan-oomen": "panel-2",
}


def test_presentations(asserted_union: Graph) -> None:
    g = asserted_union
    presentations = {
        s for s in g.subjects(RDF.type, CCAI.Presentation) if (s, DCTERMS.source, SRC) in g
    }
    assert len(presentations) == SOURCE_COUNT_DOWNLOADS
    for person, session in PRESENTERS.items():
        doc = iri("document", f"nemo-conference-2024-presentation-{person}")
        assert (doc, CCAI.creator, iri("person", person)) in g
        assert (doc, CCAI.presentedAt, iri("event", f"nemo-conference-2024-{session}")) in g
        assert g.value(doc, SCHEMA.url) is None  # no address is printed


def test_speakers_claims_are_attributed(asserted_union: Graph) -> None:
    g = asserted_union
    stated_by = {
        g.value(f, CCAI.raisedBy) or g.value(f, CCAI.proposedBy)
        for cls in (CCAI.Challenge, CCAI.Opportunity, CCAI.Recommendation)
        for f in g.subjects(RDF.type, cls)
        if (f, DCTERMS.source, SRC) in g
    }
    for person in [
        "iliana-ivanova",
        "sabine-verheyen",
        "johannes-bernhardt",
        "paul-keller",
        "hans-van-der-linden",
        "jean-louis-blanchart",
        "giuliana-de-francesco",
        "oonagh-murphy",
        "thierry-dutoit",
        "nico-verplancke",
        "johan-oomen",
        "veerle-vanden-daelen",
        "marion-carre",
    ]:
        assert iri("person", person) in stated_by, person
    # a few specific claims with their themes
    keller_bias = iri("challenge", "keller-bias-in-ai-datasets")
    assert (keller_bias, CCAI.theme, VOCAB["themes/bias-and-representation"]) in g
    gdpr = iri("challenge", "vanden-daelen-gdpr-and-data-privacy")
    assert (gdpr, CCAI.theme, VOCAB["themes/privacy"]) in g
    assert (gdpr, CCAI.raisedBy, iri("person", "veerle-vanden-daelen")) in g


def test_documents_initiatives_and_works(asserted_union: Graph) -> None:
    g = asserted_union
    act = iri("document", "eu-ai-act")
    assert (act, RDF.type, CCAI.Regulation) in g
    assert (act, SKOS.exactMatch, URIRef("http://data.europa.eu/eli/reg/2024/1689/oj")) in g
    assert any("world's first AI act" in str(q) for q in g.objects(act, CCAI.quote))
    zizi = iri("work", "zizi-show")
    assert (zizi, CCAI.creator, iri("person", "jake-elwes")) in g
    assert (zizi, CCAI.exhibitedAt, iri("organisation", "v-and-a")) in g
    assert (iri("event", "nemo-conference-2024-wrap-up"), SCHEMA.workFeatured, zizi) in g
    fr = iri("application", "meemoo-facial-recognition")
    assert (fr, CCAI.developedBy, iri("organisation", "meemoo")) in g
    assert (fr, CCAI.technique, VOCAB["ai-techniques/facial-recognition"]) in g
    for curie, cls in [
        (("document", "ghent-manifesto"), CCAI.Manifesto),
        (("document", "digital-transformation-position-paper"), CCAI.PositionPaper),
        (("document", "museums-and-ai-toolkit"), CCAI.Toolkit),
        (("document", "ai-for-media-white-paper"), CCAI.PositionPaper),
        (("document", "digital-deal-podcast"), CCAI.Podcast),
        (("platform", "ai-4-culture"), CCAI.Platform),
        (("project", "ai-for-media"), CCAI.Project),
        (("programme", "european-year-of-cultural-heritage"), CCAI.Programme),
        (("application", "chatgpt"), CCAI.AIApplication),
        (("event", "ai-parade"), CCAI.Event),
    ]:
        assert (iri(*curie), RDF.type, cls) in g
        assert (iri(*curie), DCTERMS.source, SRC) in g
