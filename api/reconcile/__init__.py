"""The W3C Entity Reconciliation API over the graph (``/reconcile``; OpenRefine and others).

* :mod:`~api.reconcile.index`: the matching index (names in every language,
  accent- and case-insensitive, word order, typos, acronyms) and the match rule;
* :mod:`~api.reconcile.models`: the requests, parsed and checked (400 on bad input);
* :mod:`~api.reconcile.manifest`: the 0.2 and 1.0-draft manifests;
* :mod:`~api.reconcile.service`: the service built once in the app's lifespan;
* the routes: :mod:`api.web.routers.reconcile`.
"""
