"""The JSON documents the REST API answers with (pydantic models, so /openapi.json types them).

A :class:`Term` leaves out its ``None`` fields; elsewhere ``None`` is ``null``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class Term(BaseModel):
    """One RDF term of a result row (the SPARQL 1.1 JSON results term, with ``lang``)."""

    type: Literal["uri", "literal", "bnode"]
    value: str
    lang: str | None = Field(None, description="Language tag of a literal.")
    datatype: str | None = Field(None, description="Datatype IRI of a typed literal.")
    url: str | None = Field(
        None, description="For an IRI under https://w3id.org/ccai/: its page on this server."
    )

    @model_serializer(mode="wrap")
    def _drop_nulls(self, handler: SerializerFunctionWrapHandler) -> dict:
        return {k: v for k, v in handler(self).items() if v is not None}


class ParameterInfo(BaseModel):
    name: str
    type: Literal["iri", "string", "integer", "decimal", "date", "year", "language"]
    default: str | None = None
    description: str = ""
    required: bool = False


class QueryInfo(BaseModel):
    """A named query (``queries/<name>.rq``) as an API operation."""

    name: str
    title: str
    description: str
    tags: list[str]
    parameters: list[ParameterInfo]
    url: str = Field(description="The REST operation that runs it.")
    sparql: str = Field(description="The query text, before values are bound.")


class QueryList(BaseModel):
    queries: list[QueryInfo]


class QueryPage(BaseModel):
    """One page of a named query's results."""

    query: str = Field(description="Name of the query.")
    title: str
    parameters: dict[str, str] = Field(
        description="The value bound to each parameter (given or default); "
        "parameters left unbound are absent."
    )
    columns: list[str]
    rows: list[dict[str, Term]] = Field(description="One object per row; unbound columns absent.")
    page: int
    page_size: int
    next: str | None = Field(None, description="URL of the next page, if there is one.")
    previous: str | None = None


class SearchHit(BaseModel):
    iri: str
    url: str = Field(description="The resource's page on this server.")
    label: str = Field(description="A display label (English if there is one).")
    matched_label: str = Field(description="The label that matched the query.")
    language: str | None = Field(None, description="Language tag of the matched label.")
    types: list[str] = Field(description="The rdf:type values of the resource.")
    match: Literal["exact", "prefix", "word-prefix", "words", "substring"]
    score: float = Field(
        description="1.0 exact, 0.8 prefix, 0.6 word prefix, 0.4 all words, 0.2 substring."
    )


class SearchPage(BaseModel):
    q: str
    lang: str | None = None
    type: str | None = Field(None, description="IRI of the class filter.")
    total: int = Field(description="Hits over all pages.")
    page: int
    page_size: int
    next: str | None = None
    previous: str | None = None
    hits: list[SearchHit]


class ClassInfo(BaseModel):
    name: str = Field(description="Local name of the class (the path segment of its listing).")
    iri: str
    url: str = Field(description="The class's documentation on this server.")
    label: str
    instances: int = Field(description="IRIs typed with the class or one of its subclasses.")
    listing: str = Field(description="URL of the paginated list of its instances.")


class ClassList(BaseModel):
    classes: list[ClassInfo]


class Instance(BaseModel):
    iri: str
    url: str
    label: str


class ClassPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    class_: ClassInfo = Field(alias="class")
    total: int
    page: int
    page_size: int
    next: str | None = None
    previous: str | None = None
    instances: list[Instance]


class ErrorBody(BaseModel):
    """Every error: a stable code, a message, and for a bad value the parameter it concerns."""

    error: str = Field(examples=["invalid-parameter"])
    message: str
    spec: str | None = None
    parameter: str | None = None
