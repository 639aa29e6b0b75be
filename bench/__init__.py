"""On-demand benchmark of the ccai SPARQL service (``python -m bench.run``); not part of pytest."""
