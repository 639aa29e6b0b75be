"""One object per app that answers linked-data requests: :class:`LinkedData`.

It holds the read facade (a :class:`~api.store.reader.SyncReader`, seen
through :class:`~api.linked_data.source.ReaderSource`), the public base URL,
the SPARQL endpoint URL, the IRIs a 404 may suggest (the label index, built
at start-up), the Jinja2 environment (autoescape on) and the ontology
documentation, rendered once per process. The app builds it in its lifespan
(:mod:`api.web.services`).

>>> import pyoxigraph as ox
>>> from api.store.reader import reader_over
>>> ld = LinkedData(reader_over(ox.Store()), public_base="http://127.0.0.1:8000/")
>>> ld.sparql_url
'http://127.0.0.1:8000/sparql'
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph

from api.linked_data import ontology_docs
from api.linked_data.describe import describe, incoming_links, ontology_graph, similar
from api.linked_data.iris import ResourceRef, to_public
from api.linked_data.source import SparqlSource, as_source
from api.namespaces import CCAI
from api.store.reader import SyncReader

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def template_environment() -> Environment:
    """Jinja2 over ``api/web/templates`` with autoescape on for every template.

    Its globals are the English interface (``t``, ``lang``); a page rendered for a
    chosen language passes its own (:mod:`api.web.render`).
    """
    from api.web.i18n import DEFAULT, translator

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=translator(DEFAULT), lang=DEFAULT, lang_urls={}, nav="")
    return env


class LinkedData:
    """The linked-data layer of one app (see the module docstring)."""

    def __init__(
        self,
        reader: SparqlSource | SyncReader,
        *,
        public_base: str = "https://w3id.org/ccai/",
        sparql_url: str | None = None,
        use_pylode: bool = True,
        known_iris: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        self.source = as_source(reader)
        self.known_iris = known_iris
        self.public_base = public_base if public_base.endswith("/") else public_base + "/"
        self.sparql_url = sparql_url or self.public_base + "sparql"
        self.use_pylode = use_pylode
        self.templates = template_environment()
        self._ontology_html: str | None = None
        self._ontology_doc: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def describe(self, ref: ResourceRef, *, incoming: bool = True) -> Graph:
        return describe(self.source, ref, sparql_url=self.sparql_url, incoming=incoming)

    def incoming_links(self, ref: ResourceRef) -> Graph:
        return incoming_links(self.source, str(ref.iri))

    def similar(self, ref: ResourceRef) -> list[str]:
        return similar(ref, self.known_iris())

    def href(self, iri: str) -> str:
        return to_public(iri, self.public_base)

    def render(self, template: str, **context: Any) -> str:
        return self.templates.get_template(template).render(base=self.public_base, **context)

    def ontology_html(
        self, alternates: list[Any], lang: str = "en", context: dict[str, Any] | None = None
    ) -> str:
        """The ontology documentation: pyLODE's page when configured (rendered once),
        else the built-in page in the site's frame with labels in ``lang`` (the
        documentation data is computed once; ``context`` holds the page's language
        switch and translator, see :mod:`api.web.render`)."""
        with self._lock:
            if self._ontology_doc is None:
                graph = ontology_graph(self.source)
                if self.use_pylode:
                    self._ontology_html = ontology_docs.pylode_html(graph)
                self._ontology_doc = ontology_docs.documentation(graph, str(CCAI))
            if self._ontology_html is not None:
                return self._ontology_html
            doc = self._ontology_doc
        return self.render(
            "ontology.html",
            **{**(context or {}), "lang": lang},
            title=doc["title"],
            doc=doc,
            alternates=alternates,
        )
