"""The build pipeline: load → reason → validate → serialise (see :mod:`api.build.pipeline`).

Modules, one job each: :mod:`~api.build.loader` (files → named graphs),
:mod:`~api.build.reasoning` (OWL RL, filtered), :mod:`~api.build.artefacts`
(dumps, checksums, the pyoxigraph store), :mod:`~api.build.pipeline` (the steps,
timings, the report, the atomic swap).
"""

from api.build.pipeline import BuildError, BuildFailed, BuildReport, build

__all__ = ["BuildError", "BuildFailed", "BuildReport", "build"]
