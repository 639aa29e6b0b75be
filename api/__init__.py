"""ccai-kg: a linked-data knowledge graph of AI in the cultural and creative sectors.

The package holds the store, the build pipeline, the command line (``ccai``) and
the FastAPI application that publishes the graph.
"""

__version__ = "0.1.0"
