"""Shared fixtures: the project's graph loaded once per test session."""

from __future__ import annotations

import functools
import os
import sys
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


@pytest.fixture(scope="session")
def project_build(tmp_path_factory: pytest.TempPathFactory):
    """The real project built once per session: ``(out_dir, report)``.

    Built by ``ccai build`` in a child process (``python -m api.cli`` from the
    checkout): the same code as in-process, but not slowed down four-fold by the
    coverage tracer of ``make check``; the pipeline's lines are covered by
    :func:`fixture_build` and the build tests. Fails (rather than skips) when the
    project's graph does not conform.
    """
    import dataclasses
    import json
    import subprocess
    import sys

    from api.build.pipeline import BuildReport

    out = tmp_path_factory.mktemp("project-build") / "build"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "build", "--quiet", "--out", str(out)],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 1:
        pytest.fail(f"the project's graph does not conform:\n{done.stdout}{done.stderr}")
    if done.returncode != 0:
        pytest.fail(f"ccai build exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(BuildReport)}
    return out, BuildReport(**{k: v for k, v in data.items() if k in names})


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
