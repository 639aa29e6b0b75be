"""Shared fixtures: the project's graph loaded once per test session."""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import json
import os
import shutil
import signal
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


# The project's build (`ccai build`, about ten seconds) runs once per test run, in a child
# process started when collection ends (if a selected test needs it), at a slightly lower
# CPU priority (nice 3) so that the first tests go first. Under pytest-xdist every worker
# collects every test, so the first worker to claim the run's shared folder starts the
# build and the others wait for it: the build holds an exclusive lock on
# `project-build/lock` until it has written its exit code, and a waiting test takes a
# shared lock on it (no polling). The folder is under the run's base temporary folder
# (pytest keeps the last three runs'). The pipeline's own lines are covered in-process
# by fixture_build and tests/test_build*.py.


@dataclasses.dataclass
class _ProjectBuild:
    folder: Path  # build/, build.log, exit-code, lock
    process: subprocess.Popen | None  # None: another worker of this run started it

    @property
    def out(self) -> Path:
        return self.folder / "build"

    def wait(self) -> int:
        """Block until the build has ended; its exit code."""
        with (self.folder / "lock").open("rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            return int((self.folder / "exit-code").read_text(encoding="ascii"))
        except (OSError, ValueError):
            return -1  # stopped before it could say (the run was interrupted)


_PROJECT_BUILD = pytest.StashKey[_ProjectBuild]()


def _run_folder(config: pytest.Config) -> Path:
    """The base temporary folder of this run, which every xdist worker's lies in."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _start_project_build(config: pytest.Config) -> _ProjectBuild:
    folder = _run_folder(config) / "project-build"
    claim = Path(tempfile.mkdtemp(prefix="project-build-claim-", dir=folder.parent))
    lock = os.open(claim / "lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            claim.rename(folder)  # atomic; fails when another worker's claim is there
        except OSError:
            shutil.rmtree(claim, ignore_errors=True)
            return _ProjectBuild(folder, None)
        command = [sys.executable, "-m", "api.cli", "build", "--quiet", "--out", "build"]
        with (folder / "build.log").open("w", encoding="utf-8") as sink:
            process = subprocess.Popen(
                ["sh", "-c", '"$@"; echo $? > "$0"', str(folder / "exit-code"), *command],
                cwd=folder,  # the build goes to ./build; the inputs are the package's
                env={**os.environ, "PYTHONPATH": str(CHECKOUT)},  # api from this checkout
                stdout=sink,
                stderr=subprocess.STDOUT,
                pass_fds=(lock,),  # the lock is held until exit-code is written
                start_new_session=True,  # killed as a group if the run is interrupted
                preexec_fn=lambda: os.nice(3),  # this process's tests come first
            )
    finally:
        os.close(lock)
    return _ProjectBuild(folder, process)


def _needs_project_build(item: pytest.Item) -> bool:
    return "project_build" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In one process, the tests that need the project's build run last (in their order),
    so that its background run (:func:`pytest_collection_finish`) is over when they start.
    Under pytest-xdist, the longest test files go first (:data:`_LONGEST_FIRST`)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_longest_first)
        return
    items[:] = [i for i in items if not _needs_project_build(i)] + [
        i for i in items if _needs_project_build(i)
    ]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the project's build in the background if a selected test needs it."""
    if session.config.option.collectonly:
        return
    if any(_needs_project_build(item) for item in session.items):
        session.config.stash[_PROJECT_BUILD] = _start_project_build(session.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An interrupted run stops the build it started; otherwise the build is left to
    finish: another xdist worker may still be waiting for it."""
    started = session.config.stash.get(_PROJECT_BUILD, None)
    if started is not None and started.process is not None:
        if exitstatus == pytest.ExitCode.INTERRUPTED and started.process.poll() is None:
            os.killpg(started.process.pid, signal.SIGKILL)
        started.process.wait()


@pytest.fixture(scope="session")
def project_build(request: pytest.FixtureRequest):
    """The real project built once per test run: ``(out_dir, report)``.

    Fails (rather than skips) when the project's graph does not conform.
    """
    from api.build.pipeline import BuildReport

    started = request.config.stash.get(_PROJECT_BUILD, None)
    if started is None:  # e.g. requested by a test outside the collected set
        started = request.config.stash[_PROJECT_BUILD] = _start_project_build(request.config)
    code = started.wait()
    output = (started.folder / "build.log").read_text(encoding="utf-8", errors="replace")
    if code == 1:
        pytest.fail(f"the project's graph does not conform:\n{output}")
    if code != 0:
        pytest.fail(f"ccai build exited with {code}:\n{output}")
    data = json.loads((started.out / "report.json").read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(BuildReport)}
    return started.out, BuildReport(**{k: v for k, v in data.items() if k in names})


# --- pytest-xdist: which tests go to the same worker, and in which order ------------------

#: The longest test files and folders, longest first: seconds of one worker, `make suite`
#: on 2 cores (2026-12-02). Sent to the workers first, so that no worker is left running
#: one of them alone at the end; the other files follow in collection order.
_LONGEST_FIRST = (
    "tests/remote/",  # 75 s: Virtuoso, every route on both backends
    "tests/shacl/test_oracle.py",  # 60 s: pySHACL, the oracle
    "tests/web/test_openapi_fuzz.py",  # 58 s: schemathesis
    "tests/web/browser/",  # 53 s: Chromium
    "tests/store/test_pool_limits.py",  # 24 s
    "tests/test_rules.py",  # 19 s: owlrl, the oracle
    "tests/shapes/test_shapes_fixtures.py",  # 19 s
    "tests/test_load.py",  # 17 s
    "tests/validate/test_packaging.py",  # 16 s: pre-commit
    "tests/test_owl_dl.py",  # 16 s: HermiT
    "tests/web/test_validate_service.py",  # 16 s
    "tests/test_cli.py",  # 15 s
)


def _longest_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return next(
        (rank for rank, prefix in enumerate(_LONGEST_FIRST) if path.startswith(prefix)),
        len(_LONGEST_FIRST),
    )


#: Folders whose test files share costly session fixtures (a Virtuoso server): each
#: folder's tests go to one worker; every other test file is a unit of its own.
_ONE_WORKER_FOLDERS = ("tests/remote/",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Tests are sent to workers a file at a time (as ``--dist loadfile``), with the
    folders of :data:`_ONE_WORKER_FOLDERS` a unit each, in the order of the collection
    (:func:`pytest_collection_modifyitems`: the longest first)."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # the collection's order, not most tests first

    class _FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((f for f in _ONE_WORKER_FOLDERS if path.startswith(f)), path)

    return _FileScheduling(config, log)


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
