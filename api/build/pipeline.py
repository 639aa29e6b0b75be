"""The build: load → reason → validate → serialise, atomically.

:func:`build` writes everything into a fresh sibling folder
(``<out>.tmp-XXXX``) and only when every step has succeeded swaps it into
place: the previous ``<out>`` is renamed aside, the new one renamed to
``<out>``, the old one deleted. A failing build (bad input, non-conforming
data, an error while writing) leaves ``<out>`` exactly as it was.

Both sibling folders carry the builder's process id (``<out>.tmp-<pid>-XXXX``,
``<out>.old-<pid>-XXXX``): a build that was killed (``SIGKILL`` runs no
clean-up) leaves one behind, and the next build removes it, as soon as that
process is gone (:func:`remove_stale_builds`).

Example (what ``ccai build --out build`` runs)::

    report = build(Path("build"))
    report.validation["conforms"]        # True
    report.triples["graphs"]             # {named graph IRI: triples}
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rdflib import OWL, RDF, Graph, URIRef

from api import __version__, resources
from api.build import artefacts
from api.build import fingerprint as fingerprints
from api.build.loader import LoadedGraphs, load
from api.build.reasoning import InferenceResult
from api.build.rules import infer
from api.namespaces import CCAI, GRAPH_INFERRED, PREFIXES
from api.rdf.parsing import RdfInputError, parse_paths


class ValidationReportLike(Protocol):
    """What the build needs from :class:`api.validation.ValidationReport`."""

    conforms: bool
    counts: Any  # mapping severity name → number of results


#: ``validator(data) -> report``: validates the asserted union.
Validator = Callable[[Graph], ValidationReportLike]


class BuildError(Exception):
    """The build could not run (for example, the validator is missing)."""


class BuildFailed(Exception):
    """The data does not conform to the shapes; nothing was written.

    Attributes:
        validation: the validator's report (render it with ``api.validation.render_text``).
        report: the :class:`BuildReport` so far (load, reasoning and validation).
    """

    def __init__(self, validation: ValidationReportLike, report: BuildReport) -> None:
        counts = dict(_counts(validation))
        super().__init__(f"the graph does not conform to the shapes ({_format_counts(counts)})")
        self.validation = validation
        self.report = report


@dataclass
class BuildReport:
    """What a build did; written as ``report.json``."""

    version: str
    started: str
    finished: str | None = None
    out_dir: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    triples: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    classes: dict[str, dict[str, int]] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    entailments: dict[str, Any] = field(default_factory=dict)
    artefacts: list[dict[str, Any]] = field(default_factory=list)
    store: dict[str, Any] = field(default_factory=dict)
    #: :func:`api.build.fingerprint.fingerprint` of what the build was made from.
    inputs: dict[str, Any] = field(default_factory=dict)
    #: True when ``ccai build`` found the build up to date and wrote nothing.
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_validator(shapes_dir: Path | None = None) -> Validator:
    """The project's SHACL validation (:func:`api.validation.validate`).

    Imported lazily, so that loading and reasoning work even where the
    validation module is unavailable.

    Raises:
        BuildError: :mod:`api.validation` cannot be imported.
    """
    try:
        from api import validation
    except ImportError as exc:  # pragma: no cover - depends on the checkout
        raise BuildError(f"SHACL validation is unavailable (api.validation: {exc})") from None

    shapes = None
    if shapes_dir is not None:
        shapes = parse_paths([shapes_dir])

    def run(data: Graph) -> ValidationReportLike:
        # ``data`` is the asserted union, ontology and vocabularies included.
        return validation.validate(data, shapes, ontology=Graph(), engine="fast")

    return run


def build(
    out_dir: Path,
    *,
    graph_dir: Path | None = None,
    ontology_file: Path | None = None,
    vocabularies_dir: Path | None = None,
    shapes_dir: Path | None = None,
    validator: Validator | None = None,
    progress: Callable[[str], None] | None = None,
    force: bool = True,
) -> BuildReport:
    """Build the dataset into ``out_dir``.

    Args:
        out_dir: where the artefacts end up (replaced as a whole on success).
        graph_dir, ontology_file, vocabularies_dir: inputs (default: the
            project's, see :mod:`api.resources`).
        shapes_dir: SHACL shapes for the default validator (default: the project's).
        validator: ``validator(asserted_union) -> report`` with ``.conforms`` and
            ``.counts``; the default is :func:`default_validator`.
        progress: called with a short message before each step.
        force: build even when ``out_dir`` is a build of the same inputs (the
            content hash of :mod:`api.build.fingerprint`); without it such a
            build is left as it is and its report returned, ``skipped`` set.

    Raises:
        RdfInputError: an input file cannot be used (names the file and line).
        BuildFailed: the data does not conform; ``out_dir`` is untouched.
        BuildError: the build cannot run at all.
    """
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    for stale in remove_stale_builds(out_dir):
        say(f"removed {stale.name}, left by a build that was killed")
    started = time.perf_counter()
    inputs = fingerprints.fingerprint(
        {
            "graph": graph_dir or resources.graph_dir(),
            "ontology": ontology_file or resources.ontology_file(),
            "vocabularies": vocabularies_dir or resources.vocabularies_dir(),
            "shapes": shapes_dir or resources.shapes_dir(),
        }
    )
    # A build checked by another validator than the default is never reused.
    if not force and validator is None and fingerprints.up_to_date(out_dir, inputs):
        previous = fingerprints.recorded_report(out_dir) or {}
        known = {k: v for k, v in previous.items() if k in BuildReport.__dataclass_fields__}
        return BuildReport(**{**known, "skipped": True})
    report = BuildReport(version=__version__, started=_now(), inputs=inputs)
    timings = report.timings

    say("loading")
    with _timed(timings, "load"):
        loaded = load(
            graph_dir=graph_dir, ontology_file=ontology_file, vocabularies_dir=vocabularies_dir
        )
        asserted = loaded.asserted_union()

    say("reasoning")
    with _timed(timings, "reason"):
        inference = infer(loaded.source_union(), loaded.ontology, loaded.vocabularies)
        inferred_graph = loaded.dataset.graph(GRAPH_INFERRED)
        inferred_graph += inference.graph
    report.entailments = inference.summary()

    say("validating")
    with _timed(timings, "validate"):
        check = validator or default_validator(shapes_dir)
        validation = check(asserted)
    report.validation = {"conforms": bool(validation.conforms), "counts": dict(_counts(validation))}
    _count_triples(report, loaded, asserted, inference)
    if not validation.conforms:
        timings["total"] = round(time.perf_counter() - started, 3)
        report.finished = _now()
        raise BuildFailed(validation, report)

    say("writing")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out_dir, "tmp"), dir=out_dir.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a build is published
        with _timed(timings, "serialise"):
            with_inferred = Graph()
            with_inferred += asserted
            with_inferred += inference.graph
            written = artefacts.write_dumps(staging, loaded.dataset, asserted, with_inferred)
        with _timed(timings, "store"):
            store = artefacts.write_store(staging, staging / "dataset.nq")
            report.store = {key: value for key, value in store.items() if key != "triples"}
        # One definition of the graph's size (api.store.layout.TripleCounts), read
        # off the store that is served, replaces the in-memory estimate.
        report.triples = dict(store["triples"])
        report.artefacts = [a.as_dict() for a in written]
        report.out_dir = str(out_dir)
        timings["total"] = round(time.perf_counter() - started, 3)
        report.finished = _now()
        artefacts.write_report(staging, report.as_dict())
        # SHA256SUMS lists what /download serves; the store's checksums are apart.
        artefacts.write_checksums(staging, [staging / a.file for a in written])
        artefacts.write_store_checksums(staging, store["files"])
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


# --- helpers -----------------------------------------------------------------


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging``; the old folder is removed afterwards.

    Two renames on the same file system: between them ``out_dir`` is briefly
    absent, but never half-written.
    """
    old: Path | None = None
    if out_dir.exists() or out_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out_dir, "old"), dir=out_dir.parent))
        old.rmdir()
        out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale_builds(out_dir: Path, *, legacy_age: float = 3600.0) -> list[Path]:
    """Remove the ``<out>.tmp-*`` and ``<out>.old-*`` folders of builds that were killed.

    A folder is stale when the process id in its name is no live process, or,
    for a name without one (made before names carried it), when it has not
    changed for ``legacy_age`` seconds. The folders of a running build are
    kept. A stale ``<out>.old-*`` while ``<out>`` is missing (a build killed
    between its two renames) is the previous build: it is renamed back to
    ``<out>`` instead. Returns the folders removed.
    """
    pattern = re.compile(re.escape(out_dir.name) + r"\.(tmp|old)-(?:(\d+)-)?[A-Za-z0-9_]+")
    removed: list[Path] = []
    try:
        siblings = sorted(out_dir.parent.iterdir())
    except OSError:
        return removed
    for path in siblings:
        match = pattern.fullmatch(path.name)
        if not match or path.is_symlink() or not path.is_dir():
            continue
        pid = int(match.group(2)) if match.group(2) else None
        if pid is not None and _process_alive(pid):
            continue
        if pid is None and time.time() - path.stat().st_mtime < legacy_age:
            continue
        if match.group(1) == "old" and not (out_dir.exists() or out_dir.is_symlink()):
            try:
                path.rename(out_dir)
                continue
            except OSError:
                pass
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _sibling_prefix(out_dir: Path, kind: str) -> str:
    """``<out>.tmp-<pid>-``: the owner's process id tells a stale folder from a live one."""
    return f"{out_dir.name}.{kind}-{os.getpid()}-"


def _process_alive(pid: int) -> bool:
    """True when process ``pid`` exists (on this machine)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def _count_triples(
    report: BuildReport, loaded: LoadedGraphs, asserted: Graph, inference: InferenceResult
) -> None:
    graphs = {
        str(context.identifier): len(context)
        for context in loaded.dataset.graphs()
        if isinstance(context.identifier, URIRef) and len(context)
    }
    report.triples = {
        "graphs": dict(sorted(graphs.items())),
        "asserted": len(asserted),
        "inferred": len(inference.graph),
        "total": len(asserted) + len(inference.graph),
    }
    report.sources = {slug: len(graph) for slug, graph in sorted(loaded.sources.items())}

    data = loaded.source_union()
    with_inferred = Graph()
    with_inferred += data
    with_inferred += inference.graph
    classes: dict[str, dict[str, int]] = {}
    owl_classes = loaded.ontology.subjects(RDF.type, OWL.Class)
    for cls in sorted({c for c in owl_classes if isinstance(c, URIRef)}):  # not class expressions
        if not str(cls).startswith(str(CCAI)):
            continue
        name = "ccai:" + str(cls)[len(str(CCAI)) :]
        classes[name] = {
            "asserted": len(set(data.subjects(RDF.type, cls))),
            "with_inference": len(set(with_inferred.subjects(RDF.type, cls))),
        }
    report.classes = classes


def _counts(validation: ValidationReportLike) -> Iterator[tuple[str, int]]:
    counts = getattr(validation, "counts", None) or {}
    items = counts.items() if hasattr(counts, "items") else []
    for key, value in items:
        name = getattr(key, "name", None) or str(key)
        if name.startswith(PREFIXES["sh"]):
            name = name[len(PREFIXES["sh"]) :]
        yield name, int(value)


def _format_counts(counts: dict[str, int]) -> str:
    shown = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    return shown or "no results"


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = round(time.perf_counter() - start, 3)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


__all__ = [
    "BuildError",
    "BuildFailed",
    "BuildReport",
    "RdfInputError",
    "Validator",
    "build",
    "default_validator",
    "remove_stale_builds",
]
