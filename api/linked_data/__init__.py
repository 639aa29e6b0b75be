"""The linked-data publication layer: every IRI under https://w3id.org/ccai/ dereferences.

* :mod:`~api.linked_data.iris`: canonical IRIs ↔ this server's URLs; path validation.
* :mod:`~api.linked_data.describe`: :func:`describe`, the bounded description of an IRI.
* :mod:`~api.linked_data.formats`: the representations (HTML, Turtle, JSON-LD,
  N-Triples, RDF/XML) and how one is chosen.
* :mod:`~api.linked_data.jsonld`: the published JSON-LD context.
* :mod:`~api.linked_data.view`: the data of an HTML page.
* :mod:`~api.linked_data.pages`: the data of the web interface's pages (entity pages,
  listings, challenges × recommendations), in the visitor's language.
* :mod:`~api.linked_data.ontology_docs`: the ontology's human documentation.
* :mod:`~api.linked_data.service`: :class:`LinkedData`, one per app.

The HTTP routes are in :mod:`api.web.routers.linked_data`.
"""

from api.linked_data.describe import describe
from api.linked_data.iris import to_canonical, to_public
from api.linked_data.service import LinkedData
from api.linked_data.source import ReaderSource, SparqlSource

__all__ = ["LinkedData", "ReaderSource", "SparqlSource", "describe", "to_canonical", "to_public"]
