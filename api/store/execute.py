"""Run one query against a pyoxigraph store and serialise the result, with caps.

Shared by the in-process backend and the worker processes, so both enforce the
same rules: the query is checked by :func:`api.sparql.safety.analyse` before
pyoxigraph sees it (no code path runs an unchecked query); the dataset is
resolved as documented in :class:`~api.store.base.QueryJob`; results with more
than ``max_rows`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE) raise
:class:`~api.errors.ResultTooLarge` (never truncated).

SELECT results are first written as TSV through a counting writer (one line per
row: TSV escapes newlines), which stops pyoxigraph as soon as the cap is
passed, then converted to the negotiated format by pyoxigraph itself.
"""

from __future__ import annotations

import re
import time
import traceback
from typing import IO, cast

import pyoxigraph as ox

from api.errors import BadRequest, NotAcceptable, QuerySyntaxError, QueryTimeout, ResultTooLarge
from api.namespaces import PREFIXES
from api.negotiation import RDF_FORMATS, RESULTS_FORMATS
from api.sparql.safety import QueryInfo, analyse
from api.store.base import FormatChoice, QueryJob, QueryResult
from api.store.layout import dataset_for

_OX_POSITION = re.compile(r"at (\d+):(\d+)")
_TURTLE_PREFIXES = {
    k: v for k, v in PREFIXES.items() if k in {"ccai", "rdf", "rdfs", "owl", "xsd", "skos", "dct"}
}


def too_large_message(limit: int, what: str) -> str:
    return (
        f"The result has more than {limit} {what}, the limit of this endpoint. "
        "Add a LIMIT (and ORDER BY + OFFSET to page), aggregate, or download the "
        "full dataset dumps at /download."
    )


class _RowCapWriter:
    """File-like sink counting TSV lines; raises past the cap or the deadline."""

    def __init__(self, max_rows: int, deadline: float | None) -> None:
        self.chunks: list[bytes] = []
        self.lines = 0
        self.max_lines = max_rows + 1  # + header
        self.max_rows = max_rows
        self.deadline = deadline

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.max_lines:
            raise ResultTooLarge(too_large_message(self.max_rows, "rows"))
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("The query ran past the time limit and was stopped.")
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _nodes(iris: tuple[str, ...], known: set[str]) -> list[ox.NamedNode]:
    # Only graphs the store holds are passed on: any other IRI is an empty graph
    # (SPARQL semantics) and is never handed to the engine, let alone fetched.
    out = []
    for iri in iris:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            raise BadRequest(f"Not an absolute IRI: {iri!r}") from None
        if iri in known:
            out.append(node)
    return out


def dataset_arguments(job: QueryJob, graphs: list[str], has_dataset: bool) -> dict:
    """Keyword arguments for ``pyoxigraph.Store.query`` realising the job's dataset.

    ``graphs``: the public named graphs. Without a dataset in the request or
    the query, the default graph has set semantics (:mod:`api.store.layout`).
    """
    known = set(graphs)
    if job.default_graph is not None or job.named_graphs is not None:
        # The protocol dataset overrides FROM / FROM NAMED (SPARQL 1.1 Protocol §2.1.4).
        return {
            "default_graph": _nodes(job.default_graph or (), known),
            "named_graphs": _nodes(job.named_graphs or (), known),
        }
    if has_dataset:
        return {}  # the query's FROM / FROM NAMED (selecting held graphs only)
    return dataset_for(job.include_inferred, graphs)


def _oxigraph_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    text = str(exc)
    if len(text) > 400:
        text = text[:400] + " …"
    m = _OX_POSITION.search(text)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return QuerySyntaxError(f"The query does not parse: {text}", line=line, column=col)


def _media_type(form: str, formats: FormatChoice) -> tuple[str, dict[str, str]]:
    """The negotiated media type for a result of ``form`` and its format table."""
    if form in ("SELECT", "ASK"):
        media_type, table = formats.results, RESULTS_FORMATS
    else:
        media_type, table = formats.rdf, RDF_FORMATS
    if media_type is None or media_type not in table:
        available = list(table)
        raise NotAcceptable(
            f"No acceptable format for a {form} result. Available: {', '.join(available)} "
            "(or the format parameter).",
            available=available,
        )
    return media_type, table


def _form_of(result: object, guess: str | None) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "ASK"
    if isinstance(result, ox.QuerySolutions):
        return "SELECT"
    return guess if guess in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"


def execute(
    store: ox.Store, job: QueryJob, graphs: list[str], deadline: float | None = None
) -> QueryResult:
    """Check, run and serialise ``job`` against ``store``.

    ``deadline`` (``time.monotonic()`` value) is checked cooperatively while
    results are written; blocking operators (COUNT, ORDER BY…) are not
    interrupted by it. Hard deadlines are the worker pool's job.
    """
    info = analyse(job.query)
    if info.form is not None:  # refuse an unacceptable format before any work
        _media_type(info.form, job.formats)
    return _run(store, job, info, graphs, deadline)


def _run(
    store: ox.Store,
    job: QueryJob,
    info: QueryInfo,
    graphs: list[str],
    deadline: float | None,
) -> QueryResult:
    # pyoxigraph result objects must be dropped on the thread that made them. A
    # frame kept alive by a traceback (the parser's, or ours on the way to the
    # event loop) would drop them elsewhere later, so this function owns them
    # and clears the frames of any exception that passes through.
    try:
        result = store.query(
            job.query,
            base_iri=job.base_iri,
            prefixes=dict(job.prefixes) or None,
            **dataset_arguments(job, graphs, info.has_dataset),
        )
    except SyntaxError as exc:
        raise _oxigraph_syntax_error(exc) from None
    try:
        form = _form_of(result, info.form)
        media_type, table = _media_type(form, job.formats)
        return _serialize(result, job, form, media_type, table, deadline)
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        del result


def _serialize(
    result: ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples,
    job: QueryJob,
    form: str,
    media_type: str,
    table: dict[str, str],
    deadline: float | None,
) -> QueryResult:
    if isinstance(result, ox.QueryBoolean):
        body = result.serialize(format=getattr(ox.QueryResultsFormat, table[media_type]))
        assert body is not None  # no output given: serialize() returns the bytes
        return QueryResult(body, media_type, form, 1)
    if isinstance(result, ox.QuerySolutions):
        sink = _RowCapWriter(job.max_rows, deadline)
        # the stubs ask for IO[bytes]; pyoxigraph only calls write() on it
        result.serialize(cast("IO[bytes]", sink), format=ox.QueryResultsFormat.TSV)
        tsv = b"".join(sink.chunks)
        rows = max(sink.lines - 1, 0)
        target = getattr(ox.QueryResultsFormat, table[media_type])
        if target == ox.QueryResultsFormat.TSV:
            return QueryResult(tsv, media_type, form, rows)
        solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        body = solutions.serialize(format=target)
        assert body is not None  # no output given: serialize() returns the bytes
        return QueryResult(body, media_type, form, rows)
    # CONSTRUCT / DESCRIBE
    triples = []
    for i, triple in enumerate(result):
        if i >= job.max_rows:
            raise ResultTooLarge(too_large_message(job.max_rows, "triples"))
        if deadline is not None and i % 1024 == 0 and time.monotonic() > deadline:
            raise QueryTimeout("The query ran past the time limit and was stopped.")
        triples.append(triple)
    fmt = getattr(ox.RdfFormat, table[media_type])
    prefixes = _TURTLE_PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    body = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert body is not None  # no output given: serialize() returns the bytes
    return QueryResult(body, media_type, form, len(triples))
