"""The classes of the ccai ontology and paginated lists of their instances.

``sparql/classes.rq`` lists the classes under ``https://w3id.org/ccai/ontology#``
with an English label and the number of distinct IRIs typed with the class or
a subclass (``rdf:type/rdfs:subClassOf*``, so the counts do not depend on the
inferred graph). ``sparql/class-instances.rq`` lists those IRIs sorted by label
(English, else language-neutral, else any; case-insensitive), paged by
appending ``LIMIT``/``OFFSET``.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.linked_data.iris import to_public
from api.settings import Settings
from api.store.base import Store

from .errors import NotFound
from .models import ClassInfo, ClassList, ClassPage, Instance
from .paging import PageLinks, offset
from .queries import internal_query
from .results import select

CCAI = "https://w3id.org/ccai/ontology#"
LISTING = "/api/classes/"


@dataclass(frozen=True)
class OntologyClass:
    name: str
    iri: str
    label: str
    instances: int


async def read_classes(
    store: Store, settings: Settings, *, timeout: float | None = None
) -> dict[str, OntologyClass]:
    """The ontology's classes by local name (one SELECT)."""
    sparql = internal_query("classes").render({})
    _columns, rows = await select(store, settings, sparql, timeout=timeout)
    out: dict[str, OntologyClass] = {}
    for row in rows:
        iri = row["class"].value
        name = iri[len(CCAI) :]
        label = row["label"].value if "label" in row else name
        out[name] = OntologyClass(name, iri, label, int(row["instances"].value))
    return dict(sorted(out.items()))


def class_info(cls: OntologyClass, settings: Settings) -> ClassInfo:
    base = settings.public_base_url
    return ClassInfo(
        name=cls.name,
        iri=cls.iri,
        url=to_public(cls.iri, base),
        label=cls.label,
        instances=cls.instances,
        listing=base.rstrip("/") + LISTING + cls.name,
    )


def describe(classes: dict[str, OntologyClass], settings: Settings) -> ClassList:
    """The document of ``GET /api/classes``."""
    return ClassList(classes=[class_info(c, settings) for c in classes.values()])


def resolve(classes: dict[str, OntologyClass], name: str) -> OntologyClass:
    """The class with local name ``name``; raises :class:`NotFound`."""
    try:
        return classes[name]
    except KeyError:
        raise NotFound(
            f"No class {name!r} in the ccai ontology; GET /api/classes lists them."
        ) from None


async def instances(
    store: Store,
    settings: Settings,
    cls: OntologyClass,
    *,
    page: int,
    page_size: int,
    links: PageLinks,
) -> ClassPage:
    """One page of the instances of ``cls``, sorted by label."""
    text = internal_query("class-instances").render({"class": cls.iri})
    start = offset(page, page_size)
    _columns, rows = await select(
        store, settings, f"{text}\nLIMIT {page_size + 1} OFFSET {start}\n"
    )
    has_next = len(rows) > page_size
    previous, following = links.around(page, has_next)
    return ClassPage(
        class_=class_info(cls, settings),
        total=cls.instances,
        page=page,
        page_size=page_size,
        next=following,
        previous=previous,
        instances=[
            Instance(
                iri=row["s"].value,
                url=to_public(row["s"].value, settings.public_base_url),
                label=row["label"].value if "label" in row else "",
            )
            for row in rows[:page_size]
        ],
    )
