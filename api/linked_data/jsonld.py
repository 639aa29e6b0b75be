"""The JSON-LD context published at ``/context.jsonld``.

It is built from :data:`api.namespaces.PREFIXES`, so JSON-LD keys and values
read as the same compact IRIs as our Turtle (``organisation:nemo``,
``ccai:organiser``).

Resource bodies **embed** this context rather than pointing at it: a JSON-LD
processor then needs no network access to expand them (``rdflib`` parses them
offline). The published copy is referenced from every JSON-LD response by a
``Link: <…/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"`` header
so clients can cache it and compact other data with it.

>>> context()["ccai"]
'https://w3id.org/ccai/ontology#'
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph

from api.namespaces import PREFIXES

CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def context() -> dict[str, str]:
    """The prefix map of the context (a fresh copy), in a stable order."""
    return dict(sorted(PREFIXES.items()))


def context_document() -> dict[str, Any]:
    """The document served at ``/context.jsonld``."""
    return {"@context": context()}


def to_jsonld(graph: Graph) -> str:
    """Compact JSON-LD of ``graph`` with the context embedded (parses offline)."""
    return graph.serialize(format="json-ld", context=context(), auto_compact=True, indent=2)


def script_safe_json(text: str) -> str:
    """JSON text safe inside ``<script type="application/ld+json">``.

    ``<``, ``>`` and ``&`` can only occur inside JSON strings, where ``\\u003c``
    etc. mean the same characters; so ``</script>`` can never close the element.

    >>> script_safe_json('{"a": "</script>"}')
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
