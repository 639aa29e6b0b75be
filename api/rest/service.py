"""One function per REST operation (the routes call these and nothing else).

=====================================  ============================================
operation                              function
=====================================  ============================================
``GET /api/queries``                   :func:`api.rest.named.describe`
``GET /api/queries/{name}``            :func:`api.rest.named.run`
``GET /api/search``                    :func:`search`
``GET /api/classes``                   :func:`list_classes`
``GET /api/classes/{name}``            :func:`class_instances`
=====================================  ============================================
"""

from __future__ import annotations

import re

from api.linked_data.iris import to_public

from .catalogue import Catalogue
from .classes import describe, instances, resolve
from .errors import InvalidParameter
from .models import ClassList, ClassPage, SearchHit, SearchPage
from .paging import PageLinks, offset
from .search import MAX_QUERY_LENGTH

_LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


async def search(
    catalogue: Catalogue,
    *,
    q: str,
    lang: str | None,
    type_: str | None,
    page: int,
    page_size: int,
    links: PageLinks,
) -> SearchPage:
    """``GET /api/search``: ranked label matches (see :mod:`api.rest.search`).

    Raises:
        InvalidParameter: ``q`` empty or longer than 200 characters, ``lang`` not a
            language tag, ``type`` neither a class of the ontology (local name) nor an IRI.
    """
    text = q.strip()
    if not text:
        raise InvalidParameter("q", "must not be empty")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidParameter("q", f"longer than {MAX_QUERY_LENGTH} characters")
    if lang is not None and not _LANG_RE.match(lang):
        raise InvalidParameter("lang", f"not a language tag: {lang!r}")
    class_iri = None
    if type_ is not None:
        if not type_:
            raise InvalidParameter("type", "must not be empty")
        classes = await catalogue.classes()
        if type_ in classes:
            class_iri = classes[type_].iri
        elif _IRI_RE.match(type_):
            class_iri = type_
        else:
            raise InvalidParameter(
                "type",
                f"{type_!r} is neither a class of the ontology (see /api/classes) nor an IRI",
            )
    index = await catalogue.label_index()
    result = index.search(
        text, language=lang, class_iri=class_iri, start=offset(page, page_size), count=page_size
    )
    base = catalogue.settings.public_base_url
    previous, following = links.around(page, offset(page, page_size) + page_size < result.total)
    return SearchPage(
        q=text,
        lang=lang,
        type=class_iri,
        total=result.total,
        page=page,
        page_size=page_size,
        next=following,
        previous=previous,
        hits=[
            SearchHit(
                iri=hit.iri,
                url=to_public(hit.iri, base),
                label=hit.label,
                matched_label=hit.matched_label,
                language=hit.language,
                types=list(hit.types),
                match=hit.match,  # type: ignore[arg-type]
                score=hit.score,
            )
            for hit in result.hits
        ],
    )


async def list_classes(catalogue: Catalogue) -> ClassList:
    """``GET /api/classes``: every class of the ontology with its instance count."""
    return describe(await catalogue.classes(), catalogue.settings)


async def class_instances(
    catalogue: Catalogue, name: str, *, page: int, page_size: int, links: PageLinks
) -> ClassPage:
    """``GET /api/classes/{name}``: a page of the class's instances, by label.

    Raises:
        api.rest.errors.NotFound: ``name`` is not the local name of an ontology class.
    """
    cls = resolve(await catalogue.classes(), name)
    return await instances(
        catalogue.store, catalogue.settings, cls, page=page, page_size=page_size, links=links
    )
