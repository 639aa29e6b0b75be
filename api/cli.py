"""The ``ccai`` command line: build, validate, query, stats, serve, load, fmt.

Exit codes (every command):

====  ==============================================================
0     success (the data conforms, the files are canonical)
1     the data does not conform (SHACL violations), or ``fmt --check``
      found files that are not canonical
2     unusable input or usage: a file that does not parse (reported as
      ``file:line:column: message``), an unknown file type, a missing
      path, a malformed query, no built store, a missing component
====  ==============================================================

Errors are one line on standard error (``--traceback`` shows the Python
traceback of unexpected errors); reports and results go to standard output.
Hostile input is an error naming the path, never a hang or a traceback: a
FIFO, socket or device, an unreadable file or directory, a symbolic link loop,
or input without RDF (an empty directory or file, JSON that is not JSON-LD)
exits 2. An ill-typed literal such as ``"2024-06-31"^^xsd:date`` is, in
``validate``, a violation naming its lexical form and the reason; elsewhere an
input warning of one line, ``path:line: warning: …``.
:func:`main` takes the arguments and returns the exit code, so tests call
``main(["validate", "graph/"])`` directly.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict, overload

from api import __version__, resources
from api.namespaces import PREFIXES
from api.rdf.parsing import RdfInputError, RdfInputWarning, quiet_ill_typed_literals

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2


class CommandError(Exception):
    """A one-line error that ends a command with an exit code (default 2)."""

    def __init__(self, message: str, code: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.code = code


# --- build ---------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    from api.build.pipeline import BuildError, BuildFailed, build

    out = Path(args.out)
    progress = None if args.quiet else (lambda step: _err(f"ccai build: {step}…"))
    try:
        report = build(
            out,
            graph_dir=_existing_dir(args.graph_dir, "--graph-dir"),
            shapes_dir=_existing_dir(args.shapes, "--shapes"),
            progress=progress,
            force=args.force,
        )
    except BuildFailed as exc:
        _print(_render_validation(exc.validation, "text"))
        _err(f"ccai build: {exc}; nothing written to {out}")
        return EXIT_FAILED
    except BuildError as exc:
        raise CommandError(f"ccai build: {exc}") from None

    if report.skipped:
        _print(
            f"{out} is up to date (inputs sha256 {report.inputs.get('sha256', '')[:12]}…); "
            "--force rebuilds"
        )
        return EXIT_OK
    data = report.as_dict()
    lines = [f"Built {out} (ccai-kg {report.version})", "", "Triples per named graph:"]
    width = max((len(g) for g in data["triples"]["graphs"]), default=0)
    for graph, count in data["triples"]["graphs"].items():
        lines.append(f"  {graph:<{width}}  {count:>8}")
    lines.append(
        f"  asserted {data['triples']['asserted']}, inferred {data['triples']['inferred']}, "
        f"total {data['triples']['total']}"
    )
    lines += ["", "Triples per source:"]
    lines += [f"  {slug:<40}  {n:>8}" for slug, n in data["sources"].items()] or ["  (none)"]
    counts = ", ".join(f"{k} {v}" for k, v in data["validation"]["counts"].items()) or "no results"
    lines += ["", f"Validation: conforms={data['validation']['conforms']} ({counts})"]
    ent = data["entailments"]
    lines.append(f"Entailments: kept {ent['kept']}, dropped {ent['dropped']} (of {ent['total']})")
    for message in ent.get("inconsistencies", []):
        lines.append(f"  inconsistency: {message}")
    timings = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in data["timings"].items())
    lines += [f"Timings: {timings}", f"Store: {out / data['store']['path']}"]
    _print("\n".join(lines))
    return EXIT_OK


# --- validate ------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    """``ccai validate``: exit 0 conforms, 1 failing results (``--fail-on``), 2 unusable input."""
    from api.validate import exit_code, validate_paths

    validation = _validation_module()
    extra = [_existing_dir(d, "--shapes") for d in args.shapes]
    graph = _existing_dir(args.graph, "--graph")
    files: list[str] = []
    if args.paths or args.profile != "core":
        outcome = validate_paths(args.paths, profile=args.profile, shapes=extra, graph=graph)
        report = outcome.report
        files = [str(f) for f in outcome.files]
        if args.verbose:
            _err(f"ccai validate: profile {outcome.profile}; background: {outcome.background}")
            for file in files:
                _err(f"ccai validate: read {file}")
            timings = ", ".join(f"{k} {v:.2f}s" for k, v in outcome.timings.items())
            _err(f"ccai validate: {timings}")
    else:
        # the project's own graph, ontology and vocabularies included
        from rdflib import Graph

        from api.build.loader import load
        from api.validate import profile_shapes

        data = load().asserted_union()
        shapes = profile_shapes("core", extra) if extra else None
        report = validation.validate(data, shapes, ontology=Graph())
    if args.format == "junit":
        text = validation.render_junit(
            report,
            suite=f"ccai validate --profile {args.profile}",
            files=files,
            fail_on={"violation": "Violation", "warning": "Warning", "info": "Info"}[args.fail_on],
        ).rstrip("\n")
    else:
        text = _render_validation(report, args.format)
    if not args.quiet:
        _print(text)
    code = exit_code(report, args.fail_on)
    c = report.counts
    summary = (
        f"{c.get('Violation', 0)} violation(s), {c.get('Warning', 0)} warning(s), "
        f"{c.get('Info', 0)} info(s)"
    )
    if code:
        _err(f"ccai validate: {summary}")
    elif args.verbose:
        _err(f"ccai validate: conforms ({summary})")
    return code


def _validation_module() -> Any:
    try:
        from api import validation
    except ImportError as exc:
        raise CommandError(f"SHACL validation is unavailable (api.validation: {exc})") from None
    return validation


def _render_validation(report: Any, fmt: str) -> str:
    validation = _validation_module()
    render = {
        "text": validation.render_text,
        "json": validation.render_json,
        "turtle": validation.render_turtle,
    }[fmt]
    return render(report).rstrip("\n")


# --- query ---------------------------------------------------------------------

RESULT_FORMATS = ("json", "csv", "tsv", "xml", "table", "turtle", "ntriples")


def cmd_query(args: argparse.Namespace) -> int:
    """Run a query the way the service does: through the one read path
    (:class:`api.store.reader.Reader`) over a sandboxed, killable worker."""
    from api.errors import CcaiError, NotAcceptable
    from api.settings import Settings
    from api.store.pool import WorkerPoolStore
    from api.store.reader import Reader, SyncReader

    text = _query_text(args.query, args.param)
    store_dir = _store_dir(Path(args.store))
    settings = Settings()
    timeout = args.timeout if args.timeout is not None else settings.query_timeout
    store = WorkerPoolStore(
        store_dir,
        workers=1,
        reserved=0,
        max_queued=0,
        queue_timeout=timeout,
        long_query_seconds=timeout,
        memory_limit_mb=settings.worker_memory_mb,
        max_result_rows=settings.max_result_rows,
        sandbox=settings.worker_sandbox == "on",
        spare=False,
        prefixes=dict(PREFIXES),  # the command line may leave the project's prefixes out
    )
    sync = SyncReader(Reader(store, timeout=timeout, include_inferred=args.graph == "union"))
    try:
        sync.run(store.start())
        result = sync.query(text, formats=_query_formats(args.format))
    except NotAcceptable:
        kind = "SELECT/ASK" if args.format in _RDF_MEDIA else "CONSTRUCT/DESCRIBE"
        raise CommandError(
            f"ccai query: --format {args.format} is for {kind} results; a SELECT or ASK "
            "result takes json, csv, tsv, xml or table, a CONSTRUCT or DESCRIBE result "
            "turtle, ntriples or table"
        ) from None
    except CcaiError as exc:
        raise CommandError(f"ccai query: {_one_line(exc.message)}") from None
    finally:
        sync.run(store.close())
        sync.close()
    output = _render_result(result, args.format)
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return EXIT_OK


_RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_RDF_MEDIA = {"turtle": "text/turtle", "ntriples": "application/n-triples"}


def _query_formats(fmt: str | None) -> Any:
    """The media types to ask the store for, per result kind, for ``--format``."""
    from api.store.base import FormatChoice

    if fmt is None:
        return FormatChoice(_RESULT_MEDIA["json"], _RDF_MEDIA["turtle"])
    if fmt == "table":
        return FormatChoice(_RESULT_MEDIA["json"], _RDF_MEDIA["ntriples"])
    return FormatChoice(_RESULT_MEDIA.get(fmt), _RDF_MEDIA.get(fmt))


def _render_result(result: Any, fmt: str | None) -> str:
    """The store's serialised result as the command prints it (``table``: aligned text)."""
    import pyoxigraph as ox

    if fmt != "table":
        return result.body.decode("utf-8")
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        triples = ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)
        rows = [(q.subject, q.predicate, q.object) for q in triples]
        return _table(["subject", "predicate", "object"], rows)
    parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return "true" if bool(parsed) else "false"
    names = [v.value for v in parsed.variables]
    return _table(names, [tuple(solution[v] for v in parsed.variables) for solution in parsed])


def _query_text(argument: str, params: Sequence[str] = ()) -> str:
    """The query to run. A named query file (``@queries/x.rq`` with a header)
    gets its parameters bound: the header's defaults, overridden by
    ``--param name=value``, validated and bound as RDF terms."""
    from api.queries import ParameterError, QueryDefinitionError, parse_query_file

    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CommandError(f"ccai query: --param takes NAME=VALUE, not {item!r}")
        values[name.strip()] = value
    if argument.startswith("@"):
        path = Path(argument[1:])
        text = _read_query_file(path)
        if text.lstrip().startswith("# title:"):
            try:
                return parse_query_file(path).render(values)
            except (QueryDefinitionError, ParameterError) as exc:
                raise CommandError(f"{path}: {exc}") from None
    elif argument == "-":
        text = sys.stdin.read()
    else:
        text = argument
    if values:
        raise CommandError("ccai query: --param only applies to a named query file (@file.rq)")
    return text


#: Cap on a query file's size (a query is text, not data).
MAX_QUERY_FILE_BYTES = 1 << 20


def _read_query_file(path: Path) -> str:
    """The text of ``@file``: a regular, readable, UTF-8 file (a FIFO is refused)."""
    from api.rdf.parsing import open_regular

    try:
        with open_regular(path) as stream:
            data = stream.read(MAX_QUERY_FILE_BYTES + 1)
    except RdfInputError as exc:
        raise CommandError(f"{exc.path}: cannot read query file: {exc.message}") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read query file: {exc.strerror or exc}") from None
    if len(data) > MAX_QUERY_FILE_BYTES:
        raise CommandError(f"{path}: query file larger than {MAX_QUERY_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: query file is not UTF-8 ({exc.reason})") from None


def _store_dir(store: Path, *, command: str = "query") -> Path:
    """``DIR/oxigraph`` of a build, or ``DIR`` itself when it is an Oxigraph store."""
    for candidate in (store / "oxigraph", store):
        if (candidate / "CURRENT").is_file():  # every RocksDB database has one
            return candidate
    raise CommandError(f"ccai {command}: no built store in {store}; run `ccai build` first")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Aligned plain text, IRIs shortened with the project's prefixes."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in header]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def _cell(term: Any, limit: int = 80) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for prefix, namespace in _BY_LENGTH:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        text = f"<{iri}>"
    elif isinstance(term, ox.Literal):
        text = term.value + (f"@{term.language}" if term.language else "")
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = str(term)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- serve ---------------------------------------------------------------------


class _ServerOptions(TypedDict):
    """The keyword arguments ``ccai serve`` passes to ``uvicorn.run``."""

    host: str
    port: int
    log_level: str
    http: str
    h11_max_incomplete_event_size: int


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from api.settings import Settings
        from api.web.app import create_app
    except ImportError as exc:
        raise CommandError(
            f"ccai serve: the web service is not available ({exc}); "
            "install ccai-kg with its dependencies"
        ) from None
    # A flag overrides its CCAI_* variable only when it is given (issue 9:
    # `CCAI_PORT=9000 ccai serve` serves on 9000).
    given = {
        "host": args.host,
        "port": args.port,
        "store_path": args.store,
        "query_timeout": args.query_timeout,
        "log_level": args.log_level,
        **_backend_given(args),
    }
    try:
        settings = Settings(**{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise CommandError(f"ccai serve: invalid setting: {_one_line(str(exc))}") from None
    if settings.backend == "embedded":
        store_dir = _store_dir(Path(settings.store_path), command="serve")  # fail early
        if not args.no_verify:
            _verify_store(store_dir)
    elif not settings.query_endpoint:
        raise CommandError("ccai serve: --backend remote needs --query-endpoint")
    _configure_logging(settings.log_level)
    server_options: _ServerOptions = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        # h11, not httptools: httptools drops the body of a POST that carries
        # ``Upgrade: h2c`` (Java's HTTP client: Jena, Fuseki's SERVICE); h11 serves
        # it. Its buffer limit bounds the request head (a 2 MB Accept gets 400 at once).
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_request_head_bytes,
    }
    if args.reload:
        # The reloader imports the app in a fresh process: the factory builds
        # its own Settings from the environment, so pass the given flags there.
        import os

        names = {
            "store_path": "CCAI_STORE_PATH",
            "remote_user": "CCAI_REMOTE_USER",
            "remote_password": "CCAI_REMOTE_PASSWORD",
        }
        os.environ.update(
            {names.get(k, f"CCAI_{k.upper()}"): str(v) for k, v in given.items() if v is not None}
        )
        uvicorn.run("api.web.app:create_app", factory=True, reload=True, **server_options)
        return EXIT_OK
    try:
        app = create_app(settings)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(f"ccai serve: cannot start: {exc}") from None
    uvicorn.run(app, **server_options)
    return EXIT_OK


# --- load (issue 11) ------------------------------------------------------------


def _add_backend_options(p: argparse.ArgumentParser) -> None:
    """The store options shared by ``serve`` and ``load`` (each overrides its CCAI_* variable)."""
    g = p.add_argument_group("store backend")
    g.add_argument(
        "--backend", choices=("embedded", "remote"), help="default: CCAI_BACKEND or embedded"
    )
    g.add_argument("--query-endpoint", help="remote: SPARQL query endpoint (CCAI_QUERY_ENDPOINT)")
    g.add_argument(
        "--update-endpoint", help="remote: SPARQL update endpoint (CCAI_UPDATE_ENDPOINT)"
    )
    g.add_argument(
        "--gsp-endpoint", help="remote: Graph Store Protocol endpoint (CCAI_GSP_ENDPOINT)"
    )
    g.add_argument("--user", help="remote: user (CCAI_REMOTE_USER)")
    g.add_argument(
        "--password", help="remote: password (CCAI_REMOTE_PASSWORD; prefer the variable)"
    )
    g.add_argument("--auth", choices=("digest", "basic"), help="remote: CCAI_REMOTE_AUTH or digest")
    g.add_argument(
        "--remote-kind",
        choices=("generic", "virtuoso"),
        help="remote: server quirks to expect (CCAI_REMOTE_KIND or generic)",
    )


def _backend_given(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "backend": args.backend,
        "query_endpoint": args.query_endpoint,
        "update_endpoint": args.update_endpoint,
        "gsp_endpoint": args.gsp_endpoint,
        "remote_user": args.user,
        "remote_password": args.password,
        "remote_auth": args.auth,
        "remote_kind": args.remote_kind,
    }


def cmd_load(args: argparse.Namespace) -> int:
    from api.load import LoadError, load_files, open_target
    from api.settings import Settings

    given = {"store_path": args.store, **_backend_given(args)}
    try:
        settings = Settings(**{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise CommandError(f"ccai load: invalid setting: {_one_line(str(exc))}") from None
    if args.files and not args.graph:
        raise CommandError("ccai load: FILE… needs --graph IRI (the named graph to load into)")
    if args.graph and not args.files:
        raise CommandError("ccai load: --graph needs at least one FILE")
    try:
        if not args.files:
            build = Path(args.build)
            if settings.backend == "embedded" and (
                settings.oxigraph_path().resolve() == (build / "oxigraph").resolve()
                or settings.oxigraph_path().resolve() == build.resolve()
            ):
                _print(f"{build}: the build's own store already holds the dataset")
                return EXIT_OK
            target = open_target(settings, build=build)
            try:
                counts = target.load_build(build, quiet=args.quiet)
            finally:
                target.close()
            total = sum(counts.values())
            _print(f"loaded {len(counts)} named graphs, {total:,} triples, and the default graph")
            return EXIT_OK
        if not args.no_validate:
            _validate_linkset(args.files, Path(args.build))
        target = open_target(settings, build=Path(args.build))
        try:
            summary = load_files(
                target,
                [Path(f) for f in args.files],
                args.graph,
                quiet=args.quiet,
                skolemise=settings.backend == "remote",
            )
        finally:
            target.close()
    except LoadError as exc:
        raise CommandError(f"ccai load: {exc}") from None
    for line in summary.lines():
        _print(line)
    return EXIT_OK


def _validate_linkset(files: Sequence[str], build: Path) -> None:
    """Refuse (exit 1, nothing loaded) files that violate the linkset profile.

    The graph they link to is the build's when there is one, else the
    installed package's. The files are streamed into an in-memory Oxigraph store
    here: ``--no-validate`` skips this step for very large inputs.
    """
    from api.validate import validate_paths

    graph = build if (build / "report.json").is_file() else None
    outcome = validate_paths(list(files), profile="linkset", graph=graph)
    if not outcome.report.conforms:
        _print(_render_validation(outcome.report, "text"))
        raise CommandError(
            "ccai load: the data does not conform to the linkset profile; nothing was loaded "
            "(fix it, or load anyway with --no-validate)",
            EXIT_FAILED,
        )


def _configure_logging(level: str) -> None:
    """The service's loggers (``ccai.*``) at ``level``, on the current standard error."""
    import logging

    class _Stderr(logging.StreamHandler):
        """Writes to whatever ``sys.stderr`` is now (not the stream at creation)."""

        @property
        def stream(self) -> Any:
            return sys.stderr

        @stream.setter
        def stream(self, value: Any) -> None:
            pass

    logger = logging.getLogger("ccai")
    logger.setLevel(level.upper())
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)


def _verify_store(store_dir: Path) -> None:
    """Refuse a store whose files differ from the checksums its build wrote.

    See :func:`api.build.artefacts.verify_store`: names and sizes first, then
    SHA-256 in chunks (well under a second for the project's store; about a
    second per GB for large ones, which ``--no-verify`` skips). A store that
    no ``ccai build`` checksummed (the benchmark's) is served with a warning.
    """
    from api.build.artefacts import StoreIntegrityError, StoreUnverifiable, verify_store

    try:
        verify_store(store_dir)
    except StoreUnverifiable as exc:
        _err(f"ccai serve: warning: {exc}; not verified")
    except StoreIntegrityError as exc:
        raise CommandError(
            f"ccai serve: refusing a store that is not the one built: {exc}; "
            "rebuild with `ccai build` (or start with --no-verify)"
        ) from None
    except OSError as exc:
        name = exc.filename or store_dir
        raise CommandError(f"ccai serve: {name}: cannot verify the store: {exc.strerror}") from None


# --- fmt -----------------------------------------------------------------------


def cmd_fmt(args: argparse.Namespace) -> int:
    from rdflib.plugins.parsers.notation3 import BadSyntax

    from api.canonical import format_file
    from api.rdf.parsing import from_bad_syntax

    paths = (
        [Path(p) for p in args.paths]
        if args.paths
        else [resources.ontology_dir(), resources.graph_dir(), resources.shapes_dir()]
    )
    changed: list[Path] = []
    for path in _turtle_inputs(paths):
        try:
            result = format_file(path, check=args.check)
        except BadSyntax as exc:
            raise from_bad_syntax(path, exc) from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 ({exc.reason})") from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if result.changed:
            changed.append(path)
            if not args.check:
                _print(f"reformatted {path}")
    if args.check and changed:
        for path in changed:
            _print(f"not canonical: {path}")
        shown = " ".join(str(p) for p in changed)
        count = len(changed)
        _err(f"ccai fmt --check: {count} file(s) not in canonical form; fix with: ccai fmt {shown}")
        return EXIT_FAILED
    return EXIT_OK


def _turtle_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files named, and the ``.ttl`` files under directories named, safely.

    Only regular files are returned (a FIFO is refused, not opened), symbolic
    link loops and unreadable folders are errors, and a directory without a
    ``.ttl`` file is an error rather than nothing to check.
    """
    from api.rdf.parsing import NoRdfError, expand_paths, rdf_files_in

    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.extend(expand_paths([path]))  # missing, or not a regular file: an error
            continue
        files = [p for p in rdf_files_in(path, suffixes={".ttl"}) if p.name.endswith(".ttl")]
        if not files:
            raise NoRdfError(path, "no Turtle files (*.ttl) in this directory")
        found.extend(files)
    return found


# --- entry point ---------------------------------------------------------------


# --- stats -------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace) -> int:
    from api.build.summary import graph_summary, render_markdown

    build_dir = Path(args.store)
    if not (build_dir / "report.json").is_file() or not (build_dir / "oxigraph").is_dir():
        raise CommandError(f"{build_dir}: no finished build here; run `ccai build` first")
    print(render_markdown(graph_summary(build_dir)), end="")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccai",
        description="Build, validate, query and serve the ccai-kg knowledge graph.",
        epilog="Exit codes: 0 ok, 1 non-conformance or check failure, 2 unusable input or usage.",
    )
    parser.add_argument("--version", action="version", version=f"ccai {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the traceback of unexpected errors"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = commands.add_parser("build", help="load, reason, validate and write the dataset")
    p.add_argument("--out", default="build", help="output directory (default: build)")
    p.add_argument("--graph-dir", help="source graphs (default: the project's graph/)")
    p.add_argument("--shapes", help="SHACL shapes directory (default: the project's shapes/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.add_argument(
        "--force",
        action="store_true",
        help="build even when --out is a build of the same inputs (same content hash)",
    )
    p.set_defaults(func=cmd_build)

    p = commands.add_parser(
        "validate",
        help="validate RDF against the SHACL shapes",
        description="Validate RDF files against a profile of SHACL shapes: core (the "
        "project's own graph) or linkset (your data, under your own IRIs, linking to "
        "the ccai graph).",
        epilog="Exit codes: 0 conforms, 1 violations (or warnings with --fail-on "
        "warning), 2 unusable input or nothing to validate.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="RDF files, directories or globs ('data/**/*.ttl'); default: the project's graph",
    )
    p.add_argument(
        "--profile",
        choices=("core", "linkset"),
        default="core",
        help="core: the project's own graph (default); linkset: data that links to it",
    )
    p.add_argument("--format", choices=("text", "json", "junit", "turtle"), default="text")
    p.add_argument(
        "--shapes",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of your own SHACL shapes, added to the profile's (repeatable)",
    )
    p.add_argument(
        "--graph",
        metavar="BUILD_DIR",
        help="linkset: the ccai graph to link to, from a build (default: the installed package)",
    )
    p.add_argument(
        "--fail-on",
        choices=("violation", "warning", "info"),
        default="violation",
        help="the mildest severity that fails the run (exit 1); default: violation",
    )
    noise = p.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print no report")
    noise.add_argument(
        "-v", "--verbose", action="store_true", help="also list the files read and the timings"
    )
    p.set_defaults(func=cmd_validate)

    p = commands.add_parser("query", help="run SPARQL on the built store")
    p.add_argument("query", metavar="QUERY", help="SPARQL text, @file.rq, or - for stdin")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of a named query file (see its '# param:' header)",
    )
    p.add_argument("--store", default="build", help="build directory (default: build)")
    p.add_argument(
        "--format",
        choices=RESULT_FORMATS,
        help="default: json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE",
    )
    p.add_argument(
        "--graph",
        choices=("union", "asserted"),
        default="union",
        help="default graph: asserted and inferred triples, or asserted ones only",
    )
    p.add_argument(
        "--timeout", type=float, help="seconds before the query is stopped (CCAI_QUERY_TIMEOUT)"
    )
    p.set_defaults(func=cmd_query)

    p = commands.add_parser("serve", help="serve the SPARQL endpoint and the web pages")
    p.add_argument("--host", help="interface to bind (default: CCAI_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: CCAI_PORT or 8000)")
    p.add_argument("--store", help="build directory (default: CCAI_STORE_PATH or build)")
    p.add_argument(
        "--query-timeout", type=float, help="seconds per query (default: CCAI_QUERY_TIMEOUT or 30)"
    )
    p.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="default: CCAI_LOG_LEVEL or info",
    )
    p.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    p.add_argument(
        "--no-verify",
        action="store_true",
        help="skip checking the store's files against oxigraph.SHA256SUMS at start-up",
    )
    _add_backend_options(p)
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser(
        "load", help="load the built dataset, or RDF files into a named graph, into a store"
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="RDF files (any common syntax, .gz)")
    p.add_argument("--graph", help="named graph IRI the FILEs replace")
    p.add_argument("--store", help="embedded: store or build directory (CCAI_STORE_PATH)")
    p.add_argument(
        "--build",
        default="build",
        help="the build to load without FILEs; with FILEs, the build they are checked "
        "against and, on a remote store, that keeps the store's label index",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip the linkset profile check of the FILEs (it reads them in memory)",
    )
    _add_backend_options(p)
    p.set_defaults(func=cmd_load)

    p = commands.add_parser("stats", help="entities per class and source of a build (Markdown)")
    p.add_argument("--store", default="build", help="build directory (default: build)")
    p.set_defaults(func=cmd_stats)

    p = commands.add_parser("fmt", help="rewrite Turtle files in canonical form")
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories (default: ontology graph shapes)",
    )
    p.add_argument("--check", action="store_true", help="only report files that would change")
    p.set_defaults(func=cmd_fmt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ccai`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_UNUSABLE
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_UNUSABLE
    try:
        with _one_line_warnings():
            return func(args)
    except RdfInputError as exc:
        _err(str(exc))
        return EXIT_UNUSABLE
    except CommandError as exc:
        _err(str(exc))
        return exc.code
    except KeyboardInterrupt:
        _err("ccai: interrupted")
        return 130
    except Exception as exc:
        if args.traceback:
            traceback.print_exc()
        message = _one_line(str(exc)) or type(exc).__name__
        _err(f"ccai {args.command}: unexpected error: {type(exc).__name__}: {message}")
        return EXIT_UNUSABLE


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Show each :class:`RdfInputWarning` as ``path:line: warning: message``.

    rdflib's logged traceback for an ill-typed literal is silenced for the whole
    command (parsing reports the literal; validation may build it again).
    """
    with warnings.catch_warnings(), quiet_ill_typed_literals():
        warnings.simplefilter("always", RdfInputWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if isinstance(message, RdfInputWarning):
                _err(f"{message.where}: warning: {message.text}")
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


@overload
def _existing_dir(value: str, option: str) -> Path: ...
@overload
def _existing_dir(value: None, option: str) -> None: ...
def _existing_dir(value: str | None, option: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_dir():
        raise CommandError(f"{option} {value}: no such directory")
    return path


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
