"""Entry point of a validation worker process (multiprocessing *spawn* context).

Before it reads any upload, the worker closes itself off (:func:`isolate`):
the seccomp filter of :mod:`api.store.sandbox` (no network sockets: an
attempt ends the process with ``SIGSYS``), a ``RLIMIT_DATA`` backstop behind
the parent's memory watchdog, and a lower CPU priority than the query
workers. Then it loads the shapes and the ontology once and answers messages
on its pipes (jobs in, replies out): ``("validate", ValidationJob)`` → ``("ok", bytes)`` |
``("error", wire-error)`` | ``("internal", None)``; ``("stop", None)`` ends it.

The upload is parsed here, never in the server: RDF/XML entity expansion, a
deep JSON-LD document or a huge literal can only cost this process, which
the parent kills at its deadline or memory limit.
"""

from __future__ import annotations

import contextlib
import os
import resource
import traceback
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from api.errors import BadRequest, CcaiError, MalformedRdf, UnsafeRdf, ValidationMemoryLimit
from api.store import sandbox

#: CPU priority of a validation worker: SPARQL queries get the cores first.
NICE = 5


@dataclass(frozen=True)
class ValidationJob:
    """One upload to validate, with the report's media type."""

    data: bytes
    format: str
    name: str
    base: str
    profile: str
    media_type: str


def isolate(use_sandbox: bool, data_limit: int) -> None:
    """Seccomp (no network), ``RLIMIT_DATA`` (when > 0) and ``nice``: irreversible.

    Raises:
        sandbox.SandboxUnavailable, OSError, ValueError.
    """
    if use_sandbox:
        sandbox.install()
    if data_limit > 0:
        resource.setrlimit(resource.RLIMIT_DATA, (data_limit, data_limit))
    with contextlib.suppress(OSError):
        os.nice(NICE)


def main(jobs: Connection, conn: Connection, use_sandbox: bool = True, data_limit: int = 0) -> None:
    """Process target: isolate, warm up, serve (``jobs`` in, ``conn`` out)."""
    try:
        isolate(use_sandbox, data_limit)
    except (sandbox.SandboxUnavailable, OSError, ValueError) as exc:
        conn.send(
            (
                "fatal",
                f"cannot isolate the validation worker: {exc}. Set CCAI_WORKER_SANDBOX=off "
                "only for a private deployment.",
            )
        )
        return
    try:
        import api.validate as cli

        for profile in cli.PROFILES:  # shapes and background parse once, before any upload
            cli.profile_shapes(profile)
        cli._ontology()
        cli.Background.from_package()
    except Exception as exc:
        conn.send(("fatal", f"cannot load the shapes: {type(exc).__name__}: {exc}"))
        return
    try:
        conn.send(("ready", {"sandboxed": sandbox.installed(), "pid": os.getpid()}))
    except OSError:  # the parent gave up waiting (BrokenPipeError)
        return
    _serve(jobs, conn)


def _serve(jobs: Connection, conn: Connection) -> None:
    while True:
        try:
            kind, payload = jobs.recv()
        except (EOFError, OSError):
            return
        if kind == "stop":
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", run(payload)) if kind == "validate" else ("internal", None)
        except CcaiError as exc:
            reply = ("error", exc.to_wire())
        except MemoryError:
            reply = ("error", ValidationMemoryLimit("The validation ran out of memory.").to_wire())
        except Exception:
            traceback.print_exc()  # server-side log only; the client gets a generic 500
            reply = ("internal", None)
        payload = None  # drop the upload before waiting for the next one
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


def run(job: ValidationJob) -> bytes:
    """Parse, validate and render one upload (in this process).

    Raises:
        MalformedRdf / UnsafeRdf (400): the upload does not parse, holds no
        triple, or asks for something refused.
    """
    from api.rdf.parsing import (
        RdfInputError,
        UnsafeInputError,
        parse_data,
        quiet_ill_typed_literals,
    )

    try:
        with warnings.catch_warnings(), quiet_ill_typed_literals():
            warnings.simplefilter("ignore")  # ill-typed literals: reported as violations
            graph = parse_data(job.data, job.format, path=job.name, base=job.base)
    except UnsafeInputError as exc:
        raise UnsafeRdf(f"{job.name}: {exc.message}", line=exc.line, column=exc.column) from None
    except RdfInputError as exc:
        raise MalformedRdf(f"{job.name}: {exc.message}", line=exc.line, column=exc.column) from None
    if len(graph) == 0:
        raise MalformedRdf(
            f"{job.name}: no RDF triples (only prefixes or comments, or JSON that is not "
            "JSON-LD): nothing to validate."
        )
    report = _validate(_inputs(job, graph), job.profile)
    del graph
    return _render(report, job.media_type).encode("utf-8")


def _inputs(job: ValidationJob, graph: Any) -> Any:
    """The upload as :class:`api.validate.inputs.Inputs` (what ``ccai validate`` reads
    from files): the graph, each subject's line, the ill-typed literals."""
    from rdflib import Literal, URIRef

    from api.validate import inputs as cli_inputs

    text = job.data.decode("utf-8", errors="replace") if job.format != "json-ld" else None
    lines = cli_inputs._subject_lines(text, graph)
    inputs = cli_inputs.Inputs(files=[], graph=graph)
    inputs.origins = {subject: (job.name, lines.get(subject)) for subject in graph.subjects()}
    for s, p, o in graph:
        if isinstance(o, Literal) and o.ill_typed and isinstance(p, URIRef):
            line = cli_inputs._find_line(text, f'"{o}"') if text is not None else None
            inputs.ill_typed.append(
                cli_inputs.IllTypedLiteral(s, p, o, cli_inputs.ill_typed_reason(o), job.name, line)
            )
    inputs.ill_typed.sort(key=lambda i: (i.line or 0, str(i.literal)))
    return inputs


def _validate(inputs: Any, profile: str) -> Any:
    """What ``ccai validate --profile`` does with parsed input: one call to
    :func:`api.validate.validate_inputs` (profile shapes and background, the engine,
    results about the background dropped, ill-typed literals as violations,
    suggestions for dangling links, each result's line)."""
    from api.validate import validate_inputs

    try:
        return validate_inputs(inputs, profile=profile).report
    except ValueError as exc:  # an unknown profile
        raise BadRequest(str(exc)) from None


def _render(report: Any, media_type: str) -> str:
    from api import validation

    if media_type == "text/turtle":
        return validation.render_turtle(report)
    if media_type == "text/plain":
        return validation.render_text(report)
    if media_type == "application/ld+json":
        from api.namespaces import PREFIXES

        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        context["sh"] = "http://www.w3.org/ns/shacl#"
        return str(report.report_graph.serialize(format="json-ld", context=context, indent=2))
    return validation.render_json(report)
