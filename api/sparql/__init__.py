"""The SPARQL 1.1 Protocol service: request parsing, the safety check, the service
functions and the service description.

Modules: :mod:`~api.sparql.safety` (parse every query before it runs; refuse
SERVICE and updates), :mod:`~api.sparql.protocol` (GET / POST forms of the
query operation), :mod:`~api.sparql.service` (one function per route),
:mod:`~api.sparql.description` (SPARQL 1.1 Service Description).
"""
