"""Where the shipped data lives: ontology, vocabularies, shapes, graph, queries.

In a source checkout (editable install, tests) the folders sit at the repository
root, beside ``api/``. A wheel (``pip install .``) carries copies under
``api/_data/`` (see ``[tool.hatch.build.targets.wheel.force-include]``).
The packaged copy wins when it exists, so an installed ``ccai`` never depends on
the current directory.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED = _PACKAGE_DIR / "_data"
_CHECKOUT = _PACKAGE_DIR.parent


def data_root() -> Path:
    """The folder that holds ``ontology/``, ``shapes/``, ``graph/`` and ``queries/``."""
    if (_PACKAGED / "ontology").is_dir():
        return _PACKAGED
    return _CHECKOUT


def ontology_dir() -> Path:
    """``ontology/``: the OWL ontology (``ccai.ttl``) and ``vocabularies/``."""
    return data_root() / "ontology"


def ontology_file() -> Path:
    return ontology_dir() / "ccai.ttl"


def vocabularies_dir() -> Path:
    """``ontology/vocabularies/``: one SKOS concept scheme per file."""
    return ontology_dir() / "vocabularies"


def shapes_dir() -> Path:
    """``shapes/``: the SHACL shapes that validate the graph."""
    return data_root() / "shapes"


def graph_dir() -> Path:
    """``graph/``: one Turtle file per source document."""
    return data_root() / "graph"


def queries_dir() -> Path:
    """``queries/``: named SPARQL queries (``*.rq``) with a metadata header."""
    return data_root() / "queries"
