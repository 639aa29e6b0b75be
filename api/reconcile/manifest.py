"""The service manifests: 0.2 at ``/reconcile``, 1.0-draft at ``/reconcile/v1``.

The two versions cannot share one manifest (0.2 describes each suggest service
by URL, 1.0 by booleans), so each has its own base URL. Both point at the same
data:

* ids are the entity's IRI below ``https://w3id.org/ccai/`` (the 0.2
  ``identifierSpace``), e.g. ``id/organisation/nemo``; ``view`` opens the
  entity's page on this server (``{base}{{id}}``);
* types are the ontology's classes, by local name (``Organisation``; the
  0.2 ``schemaSpace`` is the ontology namespace), and ``skos:Concept`` by IRI;
  ``defaultTypes`` are the classes with instances, most instances first;
* properties are the predicates the entities use: the ontology's by local
  name (``memberOf``), the others by IRI.

>>> from api.reconcile.index import ReconIndex
>>> m = manifest_v02(ReconIndex.from_rows(names=[]), "http://127.0.0.1:8000/")
>>> m["identifierSpace"], m["view"]["url"]
('https://w3id.org/ccai/', 'http://127.0.0.1:8000/{{id}}')
"""

from __future__ import annotations

from typing import Any

from api import __version__

from .index import BASE, CCAI, ReconIndex

NAME = "ccai-kg: AI in the cultural and creative sectors"
PREVIEW_WIDTH = 430
PREVIEW_HEIGHT = 160
DEFAULT_TYPES = 25


def default_types(index: ReconIndex) -> list[dict[str, str]]:
    """The classes with instances, most instances first (at most :data:`DEFAULT_TYPES`)."""
    classes = [c for c in index.classes.values() if c.instances > 0]
    classes.sort(key=lambda c: (-c.instances, c.id))
    return [{"id": c.id, "name": c.name} for c in classes[:DEFAULT_TYPES]]


def manifest_v02(index: ReconIndex, base: str) -> dict[str, Any]:
    """The 0.2 manifest (OpenRefine 3.x); ``base`` is the service's public base URL."""
    service = base + "reconcile"
    return {
        "versions": ["0.2"],
        "name": NAME,
        "identifierSpace": BASE,
        "schemaSpace": CCAI,
        "documentation": base + "docs#/reconcile",
        "serviceVersion": __version__,
        "view": {"url": base + "{{id}}"},
        "preview": {
            "url": service + "/preview?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "defaultTypes": default_types(index),
        "suggest": {
            kind: {"service_url": service, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": service, "service_path": "/propose_properties"},
            "property_settings": [
                {
                    "type": "number",
                    "name": "limit",
                    "label": "Limit",
                    "default": 0,
                    "help_text": "Maximum number of values per entity (0: all)",
                }
            ],
        },
    }


def manifest_v1(index: ReconIndex, base: str) -> dict[str, Any]:
    """The 1.0-draft manifest; its endpoints are below ``{base}reconcile/v1``."""
    return {
        "versions": ["1.0-draft"],
        "name": NAME,
        "lang": "en",
        "documentation": base + "docs#/reconcile",
        "serviceVersion": __version__,
        "view": {"url": base + "{{id}}"},
        "preview": {"width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "defaultTypes": default_types(index),
        "suggest": {"entity": True, "property": True, "type": True},
        "extend": {
            "proposeProperties": True,
            "propertySettings": [
                {
                    "type": "number",
                    "id": "limit",
                    "name": "Limit",
                    "default": 0,
                    "helpText": "Maximum number of values per entity (0: all)",
                }
            ],
        },
        "standardizedScore": True,
    }
