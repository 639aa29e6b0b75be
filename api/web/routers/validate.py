"""``POST /validate``: SHACL validation of an uploaded RDF document.

The body is the document (``Content-Type`` names its format: Turtle, JSON-LD,
RDF/XML, N-Triples, N-Quads, TriG) or a ``multipart/form-data`` form with one
file. ``profile`` chooses the shapes as ``ccai validate --profile`` does;
the report is JSON (a summary), Turtle or JSON-LD (the ``sh:ValidationReport``
graph) or text, by ``Accept`` or ``format``. The handler reads its inputs and
calls one function, :meth:`~api.validate_service.ValidationService.validate_request`;
limits and errors are described in :mod:`api.validate_service`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.negotiation import content_type_header
from api.validate_service.upload import REPORT_FORMAT_PARAMETER, REPORT_FORMATS, UPLOAD_FORMATS
from api.web.deps import ValidatorDep
from api.web.routing import content, error_responses

router = APIRouter(tags=["validation"])

_TURTLE_EXAMPLE = """\
@prefix ccai: <https://w3id.org/ccai/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<https://w3id.org/ccai/id/place/Bad_Slug> a ccai:Place ;
    rdfs:label "Somewhere"@en .
"""
_JSONLD_EXAMPLE = {
    "@context": {"ccai": "https://w3id.org/ccai/ontology#"},
    "@id": "https://w3id.org/ccai/id/place/Bad_Slug",
    "@type": "ccai:Place",
}
_REPORT_EXAMPLE = {
    "conforms": False,
    "counts": {"Info": 0, "Violation": 1, "Warning": 0},
    "results": [
        {
            "severity": "Violation",
            "focusNode": "https://w3id.org/ccai/id/place/Bad_Slug",
            "path": None,
            "pathIri": None,
            "value": "<https://w3id.org/ccai/id/place/Bad_Slug>",
            "message": "A place IRI must be https://w3id.org/ccai/id/place/{slug}",
            "sourceShape": "https://w3id.org/ccai/shapes#PlaceShape-iri",
            "constraint": "http://www.w3.org/ns/shacl#PatternConstraintComponent",
        }
    ],
}
_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": "The RDF document to validate, or a multipart/form-data form with one file "
    "(its format from its own Content-Type or its file name's suffix). Nothing uploaded is "
    "stored, and nothing in it is fetched (remote JSON-LD contexts, DTDs and entity "
    "declarations in RDF/XML are refused; owl:imports is not followed).",
    "content": {
        **{
            media_type: {"schema": {"type": "string"}}
            for media_type in UPLOAD_FORMATS
            if media_type not in ("application/ld+json", "application/json")
        },
        "text/turtle": {
            "schema": {"type": "string"},
            "examples": {"place": {"summary": "A place with a bad slug", "value": _TURTLE_EXAMPLE}},
        },
        "application/ld+json": {
            "schema": {"type": "object"},
            "examples": {"place": {"summary": "The same in JSON-LD", "value": _JSONLD_EXAMPLE}},
        },
        "application/json": {"schema": {"type": "object"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The SHACL validation report (200 whether or not the data conforms): "
        "a JSON summary (conforms, counts per severity, results with focus node, path, value, "
        "message, shape, severity), the sh:ValidationReport graph in Turtle or JSON-LD, or text.",
        "content": {
            **content(*REPORT_FORMATS),
            "application/json": {"schema": {}, "example": _REPORT_EXAMPLE},
        },
    },
    **error_responses(400, 406, 413, 415, 429, 503, 504, 507),
}
_RESPONSES[400]["description"] = (
    "malformed-rdf (with position: line, column), unsafe-rdf (a DTD, a remote context, a "
    "fetch), invalid-parameter (profile, format)"
)
_RESPONSES[413]["description"] = "The upload is larger than CCAI_VALIDATE_MAX_BYTES"
_RESPONSES[504]["description"] = "The validation ran past CCAI_VALIDATE_TIMEOUT"
_RESPONSES[507]["description"] = "The validation needed more than CCAI_VALIDATE_MEMORY_MB"


@router.post(
    "/validate",
    summary="Validate RDF against the SHACL shapes",
    description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def validate(
    request: Request,
    validator: ValidatorDep,
    profile: Annotated[
        str,
        Query(
            description="Shapes to validate against: core (the project's own graph) or "
            "linkset (data that links to the graph), as `ccai validate --profile`.",
            examples=["core"],
        ),
    ] = "core",
    format: Annotated[
        str | None,
        Query(
            description="Report format; overrides Accept.",
            json_schema_extra={"enum": list(REPORT_FORMAT_PARAMETER)},
        ),
    ] = None,
) -> Response:
    report, media_type = await validator.validate_request(
        content_type=request.headers.get("content-type"),
        accept=request.headers.get("accept"),
        body=request.body,  # read once the parameters and media types are checked
        profile=profile,
        fmt=format,
    )
    return Response(report, media_type=content_type_header(media_type), headers={"Vary": "Accept"})
