"""The ``ccai`` command line: build, validate, query, stats, serve, fmt.

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
:func:`main` takes the arguments and returns the exit code, so tests call
``main(["validate", "graph/"])`` directly.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from api import __version__, resources
from api.namespaces import GRAPH_INFERRED, PREFIXES
from api.rdf.parsing import RdfInputError

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
        )
    except BuildFailed as exc:
        _print(_render_validation(exc.validation, "text"))
        _err(f"ccai build: {exc}; nothing written to {out}")
        return EXIT_FAILED
    except BuildError as exc:
        raise CommandError(f"ccai build: {exc}") from None

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
    from rdflib import Graph

    from api.rdf.parsing import parse_paths

    validation = _validation_module()
    if args.paths:
        # validate() merges the ontology and the vocabularies into the data.
        data = parse_paths([Path(p) for p in args.paths])
        ontology = None
    else:
        from api.build.loader import load

        data = load().asserted_union()  # ontology and vocabularies included
        ontology = Graph()
    shapes = None
    if args.shapes:
        shapes = parse_paths([_existing_dir(args.shapes, "--shapes")])
    report = validation.validate(data, shapes, ontology=ontology)
    _print(_render_validation(report, args.format))
    violations = _violation_count(report)
    if violations:
        _err(f"ccai validate: {violations} violation(s)")
        return EXIT_FAILED
    return EXIT_OK


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


def _violation_count(report: Any) -> int:
    """Results of severity Violation; warnings and infos never fail a check."""
    counts = getattr(report, "counts", None) or {}
    total = 0
    found_key = False
    for key, value in dict(counts).items():
        name = getattr(key, "name", None) or str(key)
        if name.rsplit("#", 1)[-1].rsplit(":", 1)[-1].lower() == "violation":
            total += int(value)
            found_key = True
    if not found_key and not report.conforms:
        return max(1, len(getattr(report, "results", []) or []))
    return total


# --- query ---------------------------------------------------------------------

RESULT_FORMATS = ("json", "csv", "tsv", "xml", "table", "turtle", "ntriples")


def cmd_query(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    text = _query_text(args.query, args.param)
    store_dir = _store_dir(Path(args.store))
    try:
        store = ox.Store.read_only(str(store_dir))
    except OSError as exc:
        raise CommandError(f"ccai query: cannot open the store {store_dir}: {exc}") from None
    options: dict[str, Any] = {"prefixes": dict(PREFIXES)}
    if args.graph == "asserted":
        inferred = ox.NamedNode(str(GRAPH_INFERRED))
        options["default_graph"] = [g for g in store.named_graphs() if g != inferred]
    else:
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(text, **options)
        output = _serialise_result(result, args.format)
    except SyntaxError as exc:
        raise CommandError(f"ccai query: malformed query: {_one_line(str(exc))}") from None
    except OSError as exc:  # evaluation errors (e.g. SERVICE failures)
        raise CommandError(f"ccai query: {exc}") from None
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return EXIT_OK


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
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read query file: {exc.strerror}") from None
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


def _store_dir(store: Path, *, command: str = "query") -> Path:
    """``DIR/oxigraph`` of a build, or ``DIR`` itself when it is an Oxigraph store."""
    for candidate in (store / "oxigraph", store):
        if (candidate / "CURRENT").is_file():  # every RocksDB database has one
            return candidate
    raise CommandError(f"ccai {command}: no built store in {store}; run `ccai build` first")


def _serialise_result(result: Any, fmt: str | None) -> str:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryTriples):
        fmt = fmt or "turtle"
        if fmt == "table":
            rows = [(t.subject, t.predicate, t.object) for t in result]
            return _table(["subject", "predicate", "object"], rows)
        rdf_formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}
        if fmt not in rdf_formats:
            raise CommandError(
                f"ccai query: --format {fmt} is for SELECT/ASK results; "
                "a CONSTRUCT or DESCRIBE result takes turtle, ntriples or table"
            )
        if fmt == "turtle":  # pyoxigraph's serialize() writes PREFIX lines, QueryTriples' does not
            return ox.serialize(
                result, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)
            ).decode()
        return result.serialize(format=rdf_formats[fmt]).decode("utf-8")
    fmt = fmt or "json"
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            return "true" if bool(result) else "false"
        names = [v.value for v in result.variables]
        rows = [tuple(solution[v] for v in result.variables) for solution in result]
        return _table(names, rows)
    result_formats = {
        "json": ox.QueryResultsFormat.JSON,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
        "xml": ox.QueryResultsFormat.XML,
    }
    if fmt not in result_formats:
        raise CommandError(
            f"ccai query: --format {fmt} is for CONSTRUCT/DESCRIBE results; "
            "a SELECT or ASK result takes json, csv, tsv, xml or table"
        )
    return result.serialize(format=result_formats[fmt]).decode("utf-8")


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
    store = Path(args.store)
    _store_dir(store, command="serve")  # fail early, in one line, without a built store
    settings = Settings(
        host=args.host, port=args.port, store_path=store, query_timeout=args.query_timeout
    )
    if args.reload:
        # The reloader imports the app in a fresh process: the factory builds
        # its own Settings, from the same values passed as CCAI_* variables.
        import os

        os.environ.update(
            {
                "CCAI_HOST": args.host,
                "CCAI_PORT": str(args.port),
                "CCAI_STORE_PATH": str(store),
                "CCAI_QUERY_TIMEOUT": str(args.query_timeout),
            }
        )
        uvicorn.run(
            "api.web.app:create_app", factory=True, reload=True, host=args.host, port=args.port
        )
        return EXIT_OK
    try:
        app = create_app(settings)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(f"ccai serve: cannot start: {exc}") from None
    uvicorn.run(app, host=args.host, port=args.port)
    return EXIT_OK


# --- fmt -----------------------------------------------------------------------


def cmd_fmt(args: argparse.Namespace) -> int:
    from rdflib.plugins.parsers.notation3 import BadSyntax

    from api.canonical import format_file, turtle_files
    from api.rdf.parsing import MissingInputError, from_bad_syntax

    paths = (
        [Path(p) for p in args.paths]
        if args.paths
        else [resources.ontology_dir(), resources.graph_dir(), resources.shapes_dir()]
    )
    for path in paths:
        if not path.exists():
            raise MissingInputError(path, "no such file or directory")
    changed: list[Path] = []
    for path in turtle_files(paths):
        try:
            result = format_file(path, check=args.check)
        except BadSyntax as exc:
            raise from_bad_syntax(path, exc) from None
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
    p.set_defaults(func=cmd_build)

    p = commands.add_parser("validate", help="validate RDF against the SHACL shapes")
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="RDF files or directories (default: the project's graph)",
    )
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    p.add_argument("--shapes", help="SHACL shapes directory (default: the project's shapes/)")
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
        help="default graph: all named graphs, or all but the inferred one",
    )
    p.set_defaults(func=cmd_query)

    p = commands.add_parser("serve", help="serve the SPARQL endpoint and the web pages")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--store", default="build", help="build directory (default: build)")
    p.add_argument("--query-timeout", type=float, default=30.0, help="seconds per query")
    p.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    p.set_defaults(func=cmd_serve)

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
