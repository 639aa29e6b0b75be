"""SHACL validation as a service: ``POST /validate`` runs in sandboxed, killable workers.

The web route (:mod:`api.web.routers.validate`) hands the request's media
types and body to :meth:`ValidationService.validate_request`, which

1. checks the request before any byte is parsed (:mod:`.upload`): the
   profile (``core``, ``linkset``), the report format (``Accept`` or
   ``format=``: JSON summary, Turtle, JSON-LD, text), the upload's format
   (``Content-Type``: Turtle, JSON-LD, RDF/XML, N-Triples, N-Quads, TriG, or a
   ``multipart/form-data`` file, read in memory) and its size;
2. sends the bytes to a worker process (:mod:`.worker`) that parses them with
   the safe parser (:func:`api.rdf.parsing.parse_data`: no DTD or entity
   declarations in RDF/XML, no remote or ``@import`` JSON-LD context, nesting
   too deep is a 400), validates them through :func:`api.validation.validate`
   and renders the report;
3. stops the worker (SIGKILL) when the validation outlives
   ``validate_timeout`` (504) or its resident memory passes
   ``validate_memory_mb`` (507), and answers 503 when no worker can start.

The workers cannot reach the network (the seccomp filter of
:mod:`api.store.sandbox`: a ``socket()`` call for anything but a Unix socket
ends the process, reported as ``unsafe-rdf``), and nothing uploaded is written
anywhere: the body travels in memory, over a pipe, and is dropped with the
worker's graph.
"""

from api.validate_service.pool import ValidationService
from api.validate_service.upload import (
    REPORT_FORMATS,
    UPLOAD_BASE,
    UPLOAD_FORMATS,
    Upload,
    available_profiles,
)

__all__ = [
    "REPORT_FORMATS",
    "UPLOAD_BASE",
    "UPLOAD_FORMATS",
    "Upload",
    "ValidationService",
    "available_profiles",
]
