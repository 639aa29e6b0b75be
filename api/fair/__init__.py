"""FAIR metadata of the knowledge graph: DCAT-AP 3.0.1, VoID and schema.org.

One build, three descriptions, all made from the same two inputs::

    from api.fair import BuildMetadata, DatasetStatistics, build_catalog, build_void, dataset_jsonld

    meta = BuildMetadata.from_report("build/report.json")
    stats = DatasetStatistics.from_store("build/oxigraph")  # or .from_dataset(ds)
    catalog = build_catalog(meta, base_url=base, statistics=stats)  # Graph: /catalog
    void = build_void(meta, base_url=base, statistics=stats)  # Graph: /.well-known/void
    jsonld = dataset_jsonld(meta, base_url=base, statistics=stats)  # dict: landing page

``base`` is where the server runs; persistent identifiers stay under
``https://w3id.org/ccai/`` whatever it is. :mod:`api.fair.validate` checks a
catalogue against the official DCAT-AP 3.0.1 SHACL shapes.
"""

from api.fair.dcat import build_catalog
from api.fair.metadata import Artefact, BuildMetadata, ReportError
from api.fair.schema_org import dataset_jsonld
from api.fair.statistics import DatasetStatistics
from api.fair.void import build_void

__all__ = [
    "Artefact",
    "BuildMetadata",
    "DatasetStatistics",
    "ReportError",
    "build_catalog",
    "build_void",
    "dataset_jsonld",
]
