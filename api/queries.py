"""Named SPARQL queries: ``queries/*.rq`` files with a metadata header.

Each file is plain SPARQL preceded by a comment header::

    # title: Recommendations on a theme
    # description: Recommendations whose area or theme is the given concept,
    #   with who proposed them and the source's words.
    # param: theme iri = https://w3id.org/ccai/vocab/themes/data
    #   The theme (a concept of the themes scheme).
    # param: limit integer = 100 | Maximum number of rows.

A parameter is ``# param: NAME TYPE [= DEFAULT] [| DESCRIPTION]``; lines that
start with ``#   `` (three spaces) continue the previous field. Types:
``iri``, ``string``, ``integer``, ``decimal``, ``date``, ``year``, ``language``.
A parameter without default is optional: left unbound, its variable matches
anything. ``limit``/``offset`` of type integer are also applied to the query's
results by the caller.

Values reach the query as RDF terms in a ``VALUES`` block placed at the start
of the outermost ``WHERE`` group (:meth:`NamedQuery.render`). The block is
built from pyoxigraph terms, whose N-Triples form escapes every value, so a
value cannot change the query's structure. (pyoxigraph's ``substitutions``
only accepts projected variables, which would force every parameter into the
result rows.) A parameter used in ``HAVING`` must therefore be filtered in an
outer group around a sub-select.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import pyoxigraph as ox

from api.resources import queries_dir

XSD = "http://www.w3.org/2001/XMLSchema#"
ParamType = Literal["iri", "string", "integer", "decimal", "date", "year", "language"]
PARAM_TYPES: tuple[ParamType, ...] = get_args(ParamType)
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD_RE = re.compile(r"^#\s*(title|description|param|tags):\s*(.*)$")
_CONT_RE = re.compile(r"^#\s{2,}(.*)$")
_PARAM_RE = re.compile(
    r"^(?P<name>[a-z][a-z0-9_]*)\s+(?P<type>[a-z]+)"
    r"(?:\s*=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<description>.*))?$"
)
_IRI_RE = re.compile(r"^(https?|urn):[^\s<>\"{}|\\^`]+$")
_LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
MAX_STRING_LENGTH = 500


class QueryDefinitionError(ValueError):
    """A ``.rq`` file whose header or parameters are malformed."""


class ParameterError(ValueError):
    """A request value that does not fit its parameter; ``.parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Parameter:
    name: str
    type: ParamType
    default: str | None = None
    description: str = ""

    def convert(self, raw: str) -> ox.NamedNode | ox.Literal:
        """Turn a request value into the RDF term bound to ``?name``.

        Raises:
            ParameterError: the value is not of the parameter's type.

        >>> Parameter("n", "integer").convert("3")
        <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
        """
        value = raw.strip()
        if self.type == "iri":
            if not _IRI_RE.match(value):
                raise ParameterError(self.name, f"not an absolute IRI: {raw!r}")
            return ox.NamedNode(value)
        if self.type == "string":
            if len(value) > MAX_STRING_LENGTH:
                raise ParameterError(self.name, f"longer than {MAX_STRING_LENGTH} characters")
            return ox.Literal(value)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,12}", value):
                raise ParameterError(self.name, f"not an integer: {raw!r}")
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "decimal":
            if not re.fullmatch(r"[+-]?(\d{1,15}(\.\d{0,10})?|\.\d{1,10})", value):
                raise ParameterError(self.name, f"not a decimal number: {raw!r}")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
        if self.type == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ParameterError(self.name, f"not a date (YYYY-MM-DD): {raw!r}") from None
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        if self.type == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise ParameterError(self.name, f"not a year (YYYY): {raw!r}")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        if self.type == "language":
            if not _LANG_RE.match(value):
                raise ParameterError(self.name, f"not a language tag: {raw!r}")
            return ox.Literal(value.lower())
        raise ParameterError(self.name, f"unknown type {self.type}")  # pragma: no cover


@dataclass(frozen=True)
class NamedQuery:
    """One ``queries/<name>.rq`` file: its metadata, parameters and text."""

    name: str
    title: str
    description: str
    text: str
    path: Path
    form: str
    parameters: tuple[Parameter, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)

    def render(self, values: Mapping[str, str]) -> str:
        """The query text with the validated values bound (see module docstring).

        >>> q = parse_query_file(queries_dir() / "entity-provenance.rq")
        >>> 'VALUES ?entity { <https://w3id.org/ccai/id/x> }' in q.render({"entity": "https://w3id.org/ccai/id/x"})
        True
        """
        bindings = self.bind(values)
        if not bindings:
            return self.text
        block = " ".join(f"VALUES ?{var.value} {{ {term} }}" for var, term in bindings.items())
        where = _outer_where(self.text)
        return f"{self.text[:where]} {block}\n{self.text[where:]}"

    def bind(self, values: Mapping[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Validate request values and return pyoxigraph substitutions.

        Unknown names raise :class:`ParameterError`; missing values take the
        default, or stay unbound when the parameter has none.
        """
        known = {p.name: p for p in self.parameters}
        for key in values:
            if key not in known:
                raise ParameterError(key, f"unknown parameter; expected one of {sorted(known)}")
        bindings: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
        for param in self.parameters:
            raw = values.get(param.name)
            if raw is None or raw == "":
                raw = param.default
            if raw is None:
                continue
            bindings[ox.Variable(param.name)] = param.convert(raw)
        return bindings


def _parse_header(path: Path, text: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    params: list[str] = []
    current: tuple[str, int] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if match := _FIELD_RE.match(line):
            key, value = match.group(1), match.group(2).strip()
            if key == "param":
                params.append(value)
                current = ("param", len(params) - 1)
            else:
                if key in fields:
                    raise QueryDefinitionError(f"{path}:{lineno}: duplicate field {key!r}")
                fields[key] = value
                current = (key, 0)
        elif (match := _CONT_RE.match(line)) and current is not None:
            extra = match.group(1).strip()
            key, index = current
            if key == "param":
                params[index] += (" " if "|" in params[index] else " | ") + extra
            else:
                fields[key] = f"{fields[key]} {extra}".strip()
    return fields, params


def _query_form(path: Path, text: str) -> str:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    body = re.sub(r"(?im)^\s*(PREFIX|BASE)\s+[^\n]*$", "", body)
    match = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
    if not match:
        raise QueryDefinitionError(f"{path}: no SELECT, CONSTRUCT, ASK or DESCRIBE found")
    return match.group(1).upper()


def parse_query_file(path: Path) -> NamedQuery:
    """Read one ``.rq`` file.

    Raises:
        QueryDefinitionError: missing title/description, malformed parameter
            line, unknown parameter type, or a parameter the query never uses.
    """
    text = path.read_text(encoding="utf-8")
    fields, raw_params = _parse_header(path, text)
    for required in ("title", "description"):
        if not fields.get(required):
            raise QueryDefinitionError(f"{path}: header has no '# {required}:' line")
    parameters = []
    for raw in raw_params:
        match = _PARAM_RE.match(raw)
        if not match:
            raise QueryDefinitionError(f"{path}: malformed parameter line: {raw!r}")
        ptype = match.group("type")
        if ptype not in PARAM_TYPES:
            raise QueryDefinitionError(f"{path}: parameter type {ptype!r} not in {PARAM_TYPES}")
        default = match.group("default")
        param = Parameter(
            name=match.group("name"),
            type=ptype,
            default=default.strip() if default and default.strip() else None,
            description=(match.group("description") or "").strip(),
        )
        if param.default is not None:
            param.convert(param.default)
        if not re.search(rf"[?$]{param.name}\b", _strip_comments(text)):
            raise QueryDefinitionError(f"{path}: parameter ?{param.name} is not used")
        parameters.append(param)
    if parameters:
        try:
            _outer_where(text)
        except QueryDefinitionError as exc:
            raise QueryDefinitionError(f"{path}: {exc}") from None
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise QueryDefinitionError(f"{path}: a parameter is declared twice")
    tags = tuple(t.strip() for t in fields.get("tags", "").split(",") if t.strip())
    return NamedQuery(
        name=path.stem,
        title=fields["title"],
        description=fields["description"],
        text=text,
        path=path,
        form=_query_form(path, text),
        parameters=tuple(parameters),
        tags=tags,
    )


_WHERE_RE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _outer_where(text: str) -> int:
    """Offset just after the ``{`` that opens the outermost WHERE group."""
    masked = "\n".join(
        " " * len(line) if line.lstrip().startswith("#") else line for line in text.splitlines()
    )
    match = _WHERE_RE.search(masked)
    if not match:
        raise QueryDefinitionError("a named query needs an explicit 'WHERE {'")
    return match.end()


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


@cache
def _load(directory: Path) -> dict[str, NamedQuery]:
    queries: dict[str, NamedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        if not _NAME_RE.match(path.stem.replace("-", "_")):
            raise QueryDefinitionError(f"{path}: file name must be a lower-case slug")
        queries[path.stem] = parse_query_file(path)
    return queries


def load_queries(directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries of ``queries/`` (not ``queries/checks/``), by name."""
    return dict(_load((directory or queries_dir()).resolve()))
