"""Shared fixtures: the project's graph loaded once per test session."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from rdflib import Graph

from api.resources import graph_dir, ontology_dir

F = TypeVar("F", bound=Callable[..., Any])

#: The checkout (this file is ``<checkout>/tests/conftest.py``) and the shared
#: folder that sits beside it: ``../shared`` holds the source documents and the
#: official standards (``.ci/run`` promises it on CI).
CHECKOUT = Path(__file__).resolve().parents[1]
SHARED = CHECKOUT.parent / "shared"


def require_shared(path: Path, what: str) -> Path:
    """``path`` (under ``../shared``) if it exists; otherwise skip, or fail under ``CI=true``."""
    if path.exists():
        return path
    message = f"{what} not found at {path} (../shared beside the checkout)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI runs with ../shared in place")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_sources() -> Path:
    """``../shared/sources``: the five source documents the graph is built from.

    Skips when the folder is missing on a developer's machine; fails when the
    environment variable ``CI`` is ``true``, where it must be there.
    """
    return require_shared(SHARED / "sources", "the source documents")


# --- the coverage tracer and third-party reasoners --------------------------------------


def untraced(function: F) -> F:
    """``function`` run with this thread's coverage tracer off (under ``make check``).

    For third-party code only (pySHACL, owlrl): coverage does not report its
    lines (``[tool.coverage.run] source = ["api"]``), but Python 3.11's tracer
    slows it down two- to three-fold. Coverage's C tracer is stopped and started
    again in place, so the calling frames go on being measured; other threads
    keep their own tracers.
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = sys.gettrace()
        if type(tracer).__name__ != "CTracer":
            return function(*args, **kwargs)
        tracer.stop()
        try:
            return function(*args, **kwargs)
        finally:
            tracer.start()

    return wrapper  # type: ignore[return-value]


@pytest.fixture(scope="session", name="untraced")
def untraced_fixture() -> Callable[[F], F]:
    """:func:`untraced`, for a test that runs third-party code only (e.g. rdflib's SPARQL)."""
    return untraced


@pytest.fixture(scope="session", autouse=True)
def _third_party_untraced() -> Iterator[None]:
    """pySHACL validation and the owlrl closure run untraced (:func:`untraced`).

    ``CCAI_TRACE_THIRD_PARTY=1`` turns this off (to compare timings or coverage).
    """
    if os.environ.get("CCAI_TRACE_THIRD_PARTY"):
        yield
        return
    import owlrl

    import api.fair.validate
    import api.validation

    targets = [
        (api.validation, "_pyshacl_validate"),  # pyshacl.validate
        (api.fair.validate, "validate"),  # pyshacl.validate
        (owlrl.DeductiveClosure, "expand"),
    ]
    with pytest.MonkeyPatch.context() as patch:
        for owner, name in targets:
            if hasattr(owner, name):
                patch.setattr(owner, name, untraced(getattr(owner, name)))
        yield


@pytest.fixture(scope="session")
def asserted_union() -> Graph:
    """Ontology + vocabularies + every graph/*.ttl, merged into one rdflib Graph."""
    union = Graph()
    for path in [*sorted(ontology_dir().rglob("*.ttl")), *sorted(graph_dir().glob("*.ttl"))]:
        union.parse(path, format="turtle")
    return union


# --- build and command-line fixtures (tests/test_build*.py, test_cli*.py, …) ---

FIXTURES_INPUT = Path(__file__).parent / "fixtures" / "input"


@pytest.fixture(scope="session")
def input_dir() -> Path:
    """``tests/fixtures/input/``: small good and bad RDF inputs."""
    return FIXTURES_INPUT


@pytest.fixture(scope="session")
def fixture_graph_dir() -> Path:
    """A one-source graph directory that conforms to the shapes (``--graph-dir``)."""
    return FIXTURES_INPUT / "graph"


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory, fixture_graph_dir: Path):
    """A build of :func:`fixture_graph_dir` with the real validator: ``(out_dir, report)``."""
    from api.build import build

    out = tmp_path_factory.mktemp("fixture-build") / "build"
    report = build(out, graph_dir=fixture_graph_dir)
    return out, report


# The project's build takes half a minute of pure-Python work (owlrl, pySHACL). It runs
# as `ccai build` in a child process, started when collection ends (if a selected test
# needs it) at a slightly lower CPU priority (nice 3; the shapes tests' validations run
# at 15), so that it uses the second core while the first tests run, and is not slowed
# down by the coverage tracer of `make check`. The pipeline's own lines are covered
# in-process by fixture_build and tests/test_build*.py.


@dataclasses.dataclass
class _BackgroundBuild:
    process: subprocess.Popen
    out: Path
    log: Path


_PROJECT_BUILD = pytest.StashKey[_BackgroundBuild]()


def _start_project_build() -> _BackgroundBuild:
    root = Path(tempfile.mkdtemp(prefix="ccai-project-build-"))
    out, log = root / "build", root / "build.log"
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "build", "--quiet", "--out", str(out)],
            cwd=CHECKOUT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.nice(3),  # this process's tests come first
        )
    return _BackgroundBuild(process, out, log)


def _needs_project_build(item: pytest.Item) -> bool:
    return "project_build" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need the project's build run last (in their order), so that its
    background run (:func:`pytest_collection_finish`) is over when they start."""
    items[:] = [i for i in items if not _needs_project_build(i)] + [
        i for i in items if _needs_project_build(i)
    ]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the project's build in the background if a selected test needs it."""
    if session.config.option.collectonly:
        return
    if any(_needs_project_build(item) for item in session.items):
        session.config.stash[_PROJECT_BUILD] = _start_project_build()


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(_PROJECT_BUILD, None)
    if started is not None:
        if started.process.poll() is None:
            started.process.kill()
        started.process.wait()
        shutil.rmtree(started.out.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def project_build(request: pytest.FixtureRequest):
    """The real project built once per session: ``(out_dir, report)``.

    Fails (rather than skips) when the project's graph does not conform.
    """
    from api.build.pipeline import BuildReport

    started = request.config.stash.get(_PROJECT_BUILD, None)
    if started is None:  # e.g. requested by a test outside the collected set
        started = request.config.stash[_PROJECT_BUILD] = _start_project_build()
    code = started.process.wait()
    output = started.log.read_text(encoding="utf-8", errors="replace")
    if code == 1:
        pytest.fail(f"the project's graph does not conform:\n{output}")
    if code != 0:
        pytest.fail(f"ccai build exited with {code}:\n{output}")
    data = json.loads((started.out / "report.json").read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(BuildReport)}
    return started.out, BuildReport(**{k: v for k, v in data.items() if k in names})


@pytest.fixture(autouse=True)
def _ccai_logging_restored():
    """`ccai serve` sets the level and handler of the `ccai` loggers for its process;
    in the test process that must not leak into the next test's captured stderr."""
    import logging

    logger = logging.getLogger("ccai")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
