"""The REST API: named queries as operations, label search, class listings.

=====================================  ==============================================
module                                 concern
=====================================  ==============================================
:mod:`api.rest.named`                  ``queries/*.rq`` as ``GET /api/queries/{name}``
:mod:`api.rest.search`                 the in-memory label index and its ranking
:mod:`api.rest.classes`                ontology classes and their instances
:mod:`api.rest.catalogue`              what is read once from the store (lazily)
:mod:`api.rest.service`                one function per operation
:mod:`api.rest.results`                SELECT → typed rows; rows → CSV
:mod:`api.rest.paging`                 page bounds and links
:mod:`api.rest.models`                 the JSON documents (pydantic)
:mod:`api.rest.errors`                 errors with stable codes and HTTP status
=====================================  ==============================================

The routes are in :mod:`api.web.routers.rest` (``build_router()``).
"""
