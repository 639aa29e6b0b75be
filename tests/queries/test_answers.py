"""Each named query answers its question on the real graph as the sources say."""

from __future__ import annotations

from collections import Counter

ID = "https://w3id.org/ccai/id/"
VOCAB = "https://w3id.org/ccai/vocab/"
SOURCE = "https://w3id.org/ccai/source/"


def local_name(iri: str) -> str:
    return iri.replace("#", "/").rsplit("/", 1)[1]


def test_source_documents_lists_the_five_sources(run) -> None:
    rows = run("source-documents")
    assert {r["source"] for r in rows} == {
        SOURCE + s
        for s in (
            "mesoc-ai-ccs-slides-2023",
            "nemo-museums-ai-conference-2024",
            "ai-culturele-ontwikkeling",
            "nemo-apply-ai-workshop",
            "ekip-policy-lab-1",
        )
    }
    by_source = {r["source"]: r for r in rows}
    assert by_source[SOURCE + "ai-culturele-ontwikkeling"]["language"] == "nl"
    assert (
        by_source[SOURCE + "ekip-policy-lab-1"]["license"]
        == "https://creativecommons.org/licenses/by/4.0/"
    )
    assert all(int(r["entities"]) > 5 for r in rows)


def test_event_participants_of_the_nemo_conference(run) -> None:
    rows = run("event-participants", event=ID + "event/nemo-conference-2024")
    roles = {(r["name"], r["roleLabel"]) for r in rows}
    assert ("Paul Keller", "keynote speaker") in roles
    assert ("Sergio Servellón", "moderator") in roles
    assert ("Lars Ebert", "moderator") in roles
    assert ("Peter Bary", "moderator") in roles
    assert ("Guido Gerrichhauzen", "moderator") in roles
    keller = next(r for r in rows if r["name"] == "Paul Keller")
    assert keller["title"] == "Director of Policy"
    assert keller["organisationLabel"] == "Open Future Foundation"
    speakers = {r["name"] for r in rows}
    for name in (
        "Oonagh Murphy",
        "Thierry Dutoit",
        "Nico Verplancke",
        "Johan Oomen",
        "Veerle Vanden Daelen",
        "Marion Carré",
        "Hans van der Linden",
        "Jean-Louis Blanchart",
        "Giuliana De Francesco",
        "Iliana Ivanova",
        "Sabine Verheyen",
        "Julia Pagel",
        "Olga Van Oost",
        "Johannes Bernhardt",
    ):
        assert name in speakers, name


def test_events_lists_the_conference_with_its_five_organisers(run) -> None:
    rows = run("events", organiser=ID + "organisation/faro")
    assert [r["event"] for r in rows] == [ID + "event/nemo-conference-2024"]
    (conference,) = rows
    assert conference["start"] == "2024-03-20"
    assert len(conference["organisers"].split("; ")) == 5
    assert "Brussels" in conference["venueLabel"]


def test_events_include_the_policy_lab_with_its_dates(run) -> None:
    rows = {r["event"]: r for r in run("events")}
    lab = next(r for iri, r in rows.items() if "policy-lab" in iri)
    assert (lab["start"], lab["end"]) == ("2024-01-25", "2024-01-26")


def test_projects_and_funding_give_grant_numbers(run) -> None:
    rows = {r["project"]: r for r in run("projects-and-funding")}
    assert rows[ID + "project/mesoc"]["grant"] == "870935"
    assert rows[ID + "project/ekip"]["grant"] == "101112111"
    assert "Horizon 2020" in rows[ID + "project/mesoc"]["programmeLabel"]
    assert "Horizon Europe" in rows[ID + "project/ekip"]["programmeLabel"]
    assert len(rows[ID + "project/mesoc"]["partners"].split("; ")) == 5


def test_statistics_carry_values_and_sources(run) -> None:
    rows = run("statistics")
    values = {(r["source"].rsplit("/", 1)[1], float(r["value"])) for r in rows}
    assert ("mesoc-ai-ccs-slides-2023", 7_400_000.0) in values
    assert ("mesoc-ai-ccs-slides-2023", 3.7) in values
    assert ("ekip-policy-lab-1", 5.3) in values
    assert ("ekip-policy-lab-1", 7.5) in values
    assert ("ekip-policy-lab-1", 12_000_000.0) in values
    assert all(r.get("locator") and r.get("unitLabel") for r in rows)


def test_nemo_recommendations_come_from_both_nemo_sources(run) -> None:
    rows = run("entity-provenance", entity=ID + "recommendation/nemo-political-vision")
    assert {r["source"] for r in rows} == {
        SOURCE + "nemo-museums-ai-conference-2024",
        SOURCE + "nemo-apply-ai-workshop",
    }
    assert all(r.get("locator") for r in rows)


def test_recommendations_to_policy_makers_include_nemos_three(run) -> None:
    rows = run("recommendations-by-target-group")
    found = {r["recommendation"] for r in rows}
    for slug in ("nemo-political-vision", "nemo-financial-investments", "nemo-ai-innovation-hub"):
        assert ID + "recommendation/" + slug in found


def test_skills_recommendations_come_from_mesoc_and_ekip(run) -> None:
    rows = run("recommendations-by-theme", theme=VOCAB + "themes/skills")
    per_source = Counter(
        r["source"].rsplit("/", 1)[1] for r in {r["recommendation"]: r for r in rows}.values()
    )
    assert per_source["mesoc-ai-ccs-slides-2023"] == 3
    assert per_source["ekip-policy-lab-1"] >= 9
    assert all(r.get("proposerLabel") for r in rows)


def test_mesoc_data_recommendations_address_data_challenges(run) -> None:
    rows = run("challenges-and-recommendations")
    data = {
        (r["challengeLabel"], r["recommendationLabel"])
        for r in rows
        if r["source"].endswith("mesoc-ai-ccs-slides-2023")
    }
    challenges = {c for c, _ in data}
    assert "Data copyrights" in challenges or any("copyright" in c.lower() for c in challenges)
    assert len({rec for _, rec in data}) == 10  # 3 data + 3 skills + 4 innovation


def test_policies_by_issuer_finds_the_oecd_recommendation(run) -> None:
    rows = run("policies-by-issuer", issuer=ID + "organisation/oecd")
    assert any(r.get("identifier") == "OECD/LEGAL/0449" and r.get("issued") == "2019" for r in rows)
    all_rows = run("policies-by-issuer")
    assert any(r["document"] == ID + "document/eu-ai-act" for r in all_rows)


def test_people_and_posts_in_nemo(run) -> None:
    rows = run("people-and-posts", organisation=ID + "organisation/nemo")
    assert {(r["name"], r.get("title")) for r in rows} >= {("Julia Pagel", "Secretary General")}


def test_organisation_involvement_of_nemo(run) -> None:
    rows = run("organisation-involvement", organisation=ID + "organisation/nemo")
    relations = {(local_name(r["relation"]), r["thing"]) for r in rows}
    assert ("organiser", ID + "event/nemo-conference-2024") in relations
    assert ("proposedBy", ID + "recommendation/nemo-ai-innovation-hub") in relations


def test_ai_applications_include_national_gallery_with_dexibit(run) -> None:
    rows = run("ai-applications")
    assert any(
        r.get("deployerLabel", "").startswith("National Gallery")
        and r.get("developerLabel") == "Dexibit"
        for r in rows
    )


def test_opportunities_by_category_on_the_mesoc_slides(run) -> None:
    rows = run("opportunities-by-sector-and-stage")
    mesoc = {
        r["opportunity"]: r["categoryLabel"]
        for r in rows
        if r["source"].endswith("slides-2023") and "categoryLabel" in r
    }
    assert Counter(mesoc.values()) == Counter(
        {
            "reduce costs": 4,
            "make decisions": 4,
            "discover and engage new audiences": 3,
            "inspire human creation": 4,
        }
    )


def test_artworks_the_zizi_show_is_cited_by_two_sources(run) -> None:
    rows = {r["work"]: r for r in run("artworks")}
    zizi = rows[ID + "work/zizi-show"]
    assert zizi["sources"] == "2"
    assert zizi["creatorLabel"] == "Jake Elwes"


def test_themes_raised_by_several_sources(run) -> None:
    rows = run("themes-across-sources", min_sources="2")
    themes = {r["theme"] for r in rows}
    assert VOCAB + "themes/bias-and-representation" in themes
    assert all(int(r["sources"]) >= 2 for r in rows)


def test_recommendations_per_area_and_level_for_mesoc(run) -> None:
    rows = run("recommendations-per-area-and-level", source=SOURCE + "mesoc-ai-ccs-slides-2023")
    counts = {r["areaLabel"]: int(r["recommendations"]) for r in rows}
    assert counts == {"data": 3, "skills": 3, "innovation": 4}


def test_challenges_in_several_sources_only_lists_shared_challenges(run) -> None:
    for row in run("challenges-in-several-sources"):
        assert int(row["sources"]) > 1
        assert len(row["sourceList"].split()) == int(row["sources"])
