"""The interface languages of the web pages: English and Dutch.

The language of a page is, in order: ``?lang=`` (which the page also remembers
in a ``lang`` cookie), the ``lang`` cookie, the best ``Accept-Language``
match, English. Interface strings live in :data:`STRINGS`; labels of the data
follow the same language with a fallback (:func:`pick`).

>>> choose_language("nl", None, None)
'nl'
>>> choose_language(None, None, "de-DE,nl;q=0.8,en;q=0.5")
'nl'
>>> translator("nl")("nav.search")
'Zoeken'
>>> pick({"en": "conference", "nl": "conferentie"}, "nl")
'conferentie'
>>> pick({"": "NEMO"}, "nl")
'NEMO'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGUAGES: tuple[str, ...] = ("en", "nl")
DEFAULT = "en"
COOKIE = "lang"

#: Interface strings: key -> {language: text}. A missing key shows the key itself.
STRINGS: dict[str, dict[str, str]] = {
    "site.name": {"en": "CCAI knowledge graph", "nl": "CCAI-kennisgraaf"},
    "site.tagline": {
        "en": "A linked-data knowledge graph of AI in the cultural and creative sectors.",
        "nl": "Een linked-data-kennisgraaf over AI in de culturele en creatieve sector.",
    },
    "skip": {"en": "Skip to content", "nl": "Naar de inhoud"},
    "nav.main": {"en": "Main", "nl": "Hoofdmenu"},
    "nav.home": {"en": "Home", "nl": "Home"},
    "nav.search": {"en": "Search", "nl": "Zoeken"},
    "nav.browse": {"en": "Browse", "nl": "Bladeren"},
    "nav.challenges": {"en": "Challenges", "nl": "Uitdagingen"},
    "nav.sparql": {"en": "SPARQL", "nl": "SPARQL"},
    "nav.ontology": {"en": "Ontology", "nl": "Ontologie"},
    "nav.vocab": {"en": "Vocabularies", "nl": "Vocabulaires"},
    "nav.download": {"en": "Download", "nl": "Downloaden"},
    "nav.api": {"en": "API", "nl": "API"},
    "lang.switch": {"en": "Language", "nl": "Taal"},
    "search.label": {"en": "Search the graph", "nl": "Zoek in de graaf"},
    "search.placeholder": {
        "en": "museum, data literacy, AI Act",
        "nl": "museum, datageletterdheid, AI-verordening",
    },
    "search.button": {"en": "Search", "nl": "Zoeken"},
    "search.title": {"en": "Search", "nl": "Zoeken"},
    "search.results": {"en": "results for", "nl": "resultaten voor"},
    "search.none": {"en": "Nothing matches.", "nl": "Niets gevonden."},
    "search.suggestions": {"en": "Suggestions", "nl": "Suggesties"},
    "search.language": {"en": "Labels in", "nl": "Labels in"},
    "search.any": {"en": "any language", "nl": "elke taal"},
    "home.use": {"en": "Use the data", "nl": "De data gebruiken"},
    "home.numbers": {"en": "In numbers", "nl": "In cijfers"},
    "home.per_class": {"en": "Entities per class", "nl": "Entiteiten per klasse"},
    "home.per_source": {"en": "Entities per source", "nl": "Entiteiten per bron"},
    "home.per_theme": {"en": "Entities per theme", "nl": "Entiteiten per thema"},
    "home.sources": {"en": "Source documents", "nl": "Brondocumenten"},
    "home.cite": {"en": "How to cite", "nl": "Zo citeer je"},
    "home.licence": {"en": "Licence", "nl": "Licentie"},
    "home.release": {"en": "Release", "nl": "Versie"},
    "home.built": {"en": "built", "nl": "gebouwd op"},
    "home.downloads": {"en": "Downloads", "nl": "Downloads"},
    "home.triples": {"en": "Triples", "nl": "Triples"},
    "home.entities": {"en": "Entities", "nl": "Entiteiten"},
    "home.link.search": {"en": "Search", "nl": "Zoeken"},
    "home.link.browse": {"en": "Browse by kind", "nl": "Bladeren per soort"},
    "home.link.challenges": {
        "en": "Challenges and the recommendations that address them",
        "nl": "Uitdagingen en de aanbevelingen die ze aanpakken",
    },
    "home.link.sparql": {"en": "SPARQL editor", "nl": "SPARQL-editor"},
    "home.link.docs": {"en": "API documentation", "nl": "API-documentatie"},
    "home.link.catalog": {"en": "DCAT-AP catalogue", "nl": "DCAT-AP-catalogus"},
    "home.link.downloads": {"en": "Dumps with checksums", "nl": "Dumps met checksums"},
    "home.link.ontology": {"en": "Ontology and vocabularies", "nl": "Ontologie en vocabulaires"},
    "home.link.rest": {"en": "REST API", "nl": "REST-API"},
    "home.link.queries": {"en": "named queries", "nl": "benoemde queries"},
    "entity.types": {"en": "Types", "nl": "Typen"},
    "entity.inferred": {"en": "Inferred types", "nl": "Afgeleide typen"},
    "entity.properties": {"en": "Properties", "nl": "Eigenschappen"},
    "entity.none": {"en": "No properties.", "nl": "Geen eigenschappen."},
    "entity.incoming": {"en": "Linked from", "nl": "Gelinkt vanuit"},
    "entity.no_incoming": {"en": "Nothing links here.", "nl": "Niets linkt hierheen."},
    "entity.provenance": {"en": "Provenance", "nl": "Herkomst"},
    "entity.source": {"en": "Source", "nl": "Bron"},
    "entity.where": {"en": "Where", "nl": "Waar"},
    "entity.graph": {"en": "Neighbourhood", "nl": "Omgeving"},
    "entity.graph_help": {
        "en": "Click a node to open it. The same links are listed on this page.",
        "nl": "Klik op een knoop om hem te openen. Dezelfde links staan op deze pagina.",
    },
    "entity.formats": {"en": "This resource as data", "nl": "Deze bron als data"},
    "entity.query": {"en": "Query it with SPARQL", "nl": "Bevraag met SPARQL"},
    "entity.capped": {
        "en": "Only the first links are shown; use SPARQL for all of them.",
        "nl": "Alleen de eerste links staan hier; gebruik SPARQL voor alle.",
    },
    "page.previous": {"en": "Previous", "nl": "Vorige"},
    "page.next": {"en": "Next", "nl": "Volgende"},
    "page.of": {"en": "of", "nl": "van"},
    "page.pages": {"en": "Pages", "nl": "Pagina's"},
    "browse.title": {"en": "Browse", "nl": "Bladeren"},
    "browse.kinds": {"en": "Kinds of entities", "nl": "Soorten entiteiten"},
    "browse.filter": {"en": "Filter", "nl": "Filteren"},
    "browse.apply": {"en": "Apply", "nl": "Toepassen"},
    "browse.clear": {"en": "Clear filters", "nl": "Filters wissen"},
    "browse.all": {"en": "all", "nl": "alle"},
    "browse.entities": {"en": "entities", "nl": "entiteiten"},
    "browse.name": {"en": "Name", "nl": "Naam"},
    "browse.none": {"en": "No entity matches.", "nl": "Geen entiteit gevonden."},
    "facet.sector": {"en": "Sector", "nl": "Sector"},
    "facet.theme": {"en": "Theme", "nl": "Thema"},
    "facet.source": {"en": "Source", "nl": "Bron"},
    "facet.level": {"en": "Level", "nl": "Niveau"},
    "matrix.title": {
        "en": "Challenges and recommendations",
        "nl": "Uitdagingen en aanbevelingen",
    },
    "matrix.lead": {
        "en": "Which recommendations address which challenges, as the sources say.",
        "nl": "Welke aanbevelingen welke uitdagingen aanpakken, volgens de bronnen.",
    },
    "matrix.challenge": {"en": "Challenge", "nl": "Uitdaging"},
    "matrix.recommendations": {"en": "Recommendations", "nl": "Aanbevelingen"},
    "matrix.links": {"en": "links", "nl": "links"},
    "matrix.network": {"en": "Network", "nl": "Netwerk"},
    "matrix.interpreted": {"en": "interpreted link", "nl": "geïnterpreteerde link"},
    "sparql.title": {"en": "SPARQL editor", "nl": "SPARQL-editor"},
    "sparql.lead": {
        "en": "Query the graph; the tabs hold the project's named queries. "
        "The endpoint is {endpoint}.",
        "nl": "Bevraag de graaf; de tabbladen bevatten de benoemde queries van het project. "
        "Het endpoint is {endpoint}.",
    },
    "sparql.examples": {
        "en": "Open an example query in a new tab",
        "nl": "Open een voorbeeldquery in een nieuw tabblad",
    },
    "sparql.noscript": {
        "en": "The editor needs JavaScript. The endpoint answers the SPARQL 1.1 Protocol: ",
        "nl": "De editor heeft JavaScript nodig. Het endpoint volgt het SPARQL 1.1-protocol: ",
    },
    "ontology.classes": {"en": "Classes", "nl": "Klassen"},
    "ontology.properties": {"en": "Properties", "nl": "Eigenschappen"},
    "ontology.definition": {"en": "Definition", "nl": "Definitie"},
    "ontology.super_classes": {"en": "Super-classes", "nl": "Superklassen"},
    "ontology.super_properties": {"en": "Super-properties", "nl": "Supereigenschappen"},
    "ontology.equivalent": {"en": "Equivalent to", "nl": "Equivalent aan"},
    "ontology.domain": {"en": "Domain", "nl": "Domein"},
    "ontology.range": {"en": "Range", "nl": "Bereik"},
    "ontology.download": {"en": "Download", "nl": "Downloaden"},
    "ontology.contents": {"en": "Contents", "nl": "Inhoud"},
    "ontology.version": {"en": "version", "nl": "versie"},
    "error.title": {"en": "Error", "nl": "Fout"},
    "error.text": {
        "en": "The request could not be answered.",
        "nl": "Het verzoek kon niet worden beantwoord.",
    },
    "error.400.title": {"en": "Bad request", "nl": "Ongeldig verzoek"},
    "error.400.text": {
        "en": "The request could not be understood: a parameter, the address or the query "
        "is not valid.",
        "nl": "Het verzoek is niet te begrijpen: een parameter, het adres of de query is ongeldig.",
    },
    "error.403.title": {"en": "Not allowed", "nl": "Niet toegestaan"},
    "error.403.text": {
        "en": "This service does not run this request.",
        "nl": "Deze dienst voert dit verzoek niet uit.",
    },
    "error.404.title": {"en": "Not found", "nl": "Niet gevonden"},
    "error.404.text": {
        "en": "There is nothing at this address.",
        "nl": "Op dit adres staat niets.",
    },
    "error.404.iri": {
        "en": "Nothing in the knowledge graph is described by",
        "nl": "Niets in de kennisgraaf wordt beschreven door",
    },
    "error.404.suggestions": {"en": "Did you mean:", "nl": "Bedoelde je:"},
    "error.404.search": {"en": "Search the knowledge graph", "nl": "Zoek in de kennisgraaf"},
    "error.404.browse": {
        "en": "Or browse the %(vocab)s, the %(ontology)s, or ask the %(sparql)s.",
        "nl": "Of blader door de %(vocab)s of de %(ontology)s, of bevraag het %(sparql)s.",
    },
    "error.404.vocab": {"en": "vocabularies", "nl": "vocabulaires"},
    "error.404.ontology": {"en": "ontology", "nl": "ontologie"},
    "error.404.sparql": {"en": "SPARQL endpoint", "nl": "SPARQL-endpoint"},
    "error.405.title": {"en": "Method not allowed", "nl": "Methode niet toegestaan"},
    "error.405.text": {
        "en": "This address does not answer this HTTP method.",
        "nl": "Dit adres beantwoordt deze HTTP-methode niet.",
    },
    "error.406.title": {"en": "Not acceptable", "nl": "Formaat niet beschikbaar"},
    "error.406.text": {
        "en": "This resource is not offered in the format the request asks for.",
        "nl": "Deze bron is niet beschikbaar in het gevraagde formaat.",
    },
    "error.406.alternates": {
        "en": "This resource is available as:",
        "nl": "Deze bron is beschikbaar als:",
    },
    "error.408.title": {"en": "Request timeout", "nl": "Verzoek verlopen"},
    "error.408.text": {
        "en": "The body of the request did not arrive in time.",
        "nl": "De inhoud van het verzoek kwam niet op tijd aan.",
    },
    "error.413.title": {"en": "Request too large", "nl": "Verzoek te groot"},
    "error.413.text": {
        "en": "The request is larger than this service accepts.",
        "nl": "Het verzoek is groter dan deze dienst aanneemt.",
    },
    "error.415.title": {"en": "Unsupported media type", "nl": "Mediatype niet ondersteund"},
    "error.415.text": {
        "en": "The body of the request is in a format this service does not read.",
        "nl": "De inhoud van het verzoek heeft een formaat dat deze dienst niet leest.",
    },
    "error.429.title": {"en": "Too many requests", "nl": "Te veel verzoeken"},
    "error.429.text": {
        "en": "The service is busy with other requests.",
        "nl": "De dienst is bezig met andere verzoeken.",
    },
    "error.431.title": {"en": "Request headers too large", "nl": "Verzoekheaders te groot"},
    "error.431.text": {
        "en": "The headers of the request are larger than this service accepts.",
        "nl": "De headers van het verzoek zijn groter dan deze dienst aanneemt.",
    },
    "error.500.title": {"en": "Internal error", "nl": "Interne fout"},
    "error.500.text": {
        "en": "Something went wrong on our side; it has been logged.",
        "nl": "Er ging bij ons iets mis; dat is vastgelegd.",
    },
    "error.502.title": {"en": "Store error", "nl": "Fout in de opslag"},
    "error.502.text": {
        "en": "The store behind this service answered with an error.",
        "nl": "De opslag achter deze dienst antwoordde met een fout.",
    },
    "error.503.title": {"en": "Service unavailable", "nl": "Dienst niet beschikbaar"},
    "error.503.text": {
        "en": "The service cannot answer at the moment.",
        "nl": "De dienst kan op dit moment niet antwoorden.",
    },
    "error.504.title": {"en": "Timeout", "nl": "Time-out"},
    "error.504.text": {
        "en": "The request took longer than this service allows.",
        "nl": "Het verzoek duurde langer dan deze dienst toestaat.",
    },
    "error.507.title": {"en": "Too much memory", "nl": "Te veel geheugen"},
    "error.507.text": {
        "en": "The query needs more memory than this service allows.",
        "nl": "De query heeft meer geheugen nodig dan deze dienst toestaat.",
    },
    "error.detail": {"en": "Detail", "nl": "Toelichting (Engels)"},
    "error.retry": {
        "en": "Try again in {seconds} seconds.",
        "nl": "Probeer het over {seconds} seconden opnieuw.",
    },
    "footer.licence": {
        "en": "Data licence: CC BY 4.0. Code: MIT.",
        "nl": "Licentie van de data: CC BY 4.0. Code: MIT.",
    },
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the interface string ``key`` in ``lang`` (English fallback)."""

    def t(key: str, **values: str) -> str:
        texts = STRINGS.get(key)
        if texts is None:
            return key
        text = texts.get(lang) or texts[DEFAULT]
        return text.format(**values) if values else text

    return t


def _accept_language(header: str | None) -> str | None:
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((header or "")[:512].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            key = (-q, index, primary)
            if best is None or key < best:
                best = key
    return best[2] if best else None


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The interface language (see the module docstring)."""
    for candidate in (query, cookie):
        if candidate and candidate.lower() in LANGUAGES:
            return candidate.lower()
    return _accept_language(accept_language) or DEFAULT


def pick(labels: Mapping[str, str], lang: str) -> str | None:
    """The label in ``lang``, else English, else without a language tag, else any."""
    for wanted in (lang, DEFAULT, ""):
        if labels.get(wanted):
            return labels[wanted]
    return next(iter(sorted(labels.items())), ("", None))[1]
