"""A conservative SPARQL lexer: which keywords does the executing engine see?

The safety check (:mod:`api.sparql.safety`) must not rely on a second parser
whose view of the text can differ from Oxigraph's (rdflib ended a ``#``
comment at ``\\n`` only, Oxigraph at ``\\r`` too, so ``#\\r SERVICE <…>`` ran).
This module reads the text the way the SPARQL 1.1 grammar's terminals do, as
pyoxigraph 0.5 implements them (probed in ``tests/web/test_safety_lexer.py``):

* a comment runs from ``#`` to the first ``\\r`` or ``\\n``;
* strings are ``"…"``, ``'…'``, ``\"\"\"…\"\"\"``, ``'''…'''``; a backslash
  takes the next character with it (``\\"`` does not end a string); a short
  string ends at a line break at the latest;
* ``<…>`` is an IRI when it matches ``IRIREF`` (no spaces, ``<>"{}|^`\\``
  except ``\\u``/``\\U`` escapes), otherwise ``<`` is an operator;
* keywords are matched **without a word boundary**, as Oxigraph does
  (``SERVICESILENT<http://…>{…}`` runs a ``SERVICE SILENT``, and so does
  ``?s ?p trueSERVICE<…>{…}``): a bare word, or the prefix of a prefixed name
  (``SERVICEx:y``), that *starts with* a keyword counts as that keyword, and
  one that *contains* ``SERVICE`` anywhere counts as ``SERVICE``. Variable
  names and the local part of prefixed names (``schema:serviceType``) are not
  words.

It is conservative where engines may differ: the text is lexed in every
reading an engine could take (``\\u`` escapes resolved before lexing, as the
SPARQL 1.1 grammar §19.2 says, or only inside strings and IRIs, as pyoxigraph
0.5 does; comments ended by ``\\n`` only or by ``\\r`` too), and a keyword
seen in **any** reading counts. A ``SERVICE`` it still missed would be stopped
one layer down: the worker processes cannot open network sockets
(:mod:`api.store.sandbox`), and an attempt is reported as the same refusal.

>>> sorted(scan("SELECT * { # hidden SERVICE\\r SERVICE <http://x/> { ?s ?p ?o } }").keywords)
['SELECT', 'SERVICE']
>>> sorted(scan("SELECT ('SERVICE' AS ?x) { ?s <http://e/SERVICE> ?o }").keywords)
['SELECT']
>>> scan("SELECT*{SERVICEsilent<http://x/>{}}").keywords >= {"SERVICE"}
True
>>> scan("SELECT * { { { ?s ?p ?o } } }").depth
3
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Keywords the safety check decides on. Each is matched as a word *prefix*.
KEYWORDS = (
    "SELECT",
    "CONSTRUCT",
    "DESCRIBE",
    "ASK",
    "SERVICE",
    "FROM",
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
    "BASE",
    "PREFIX",
    # functions whose value changes from one evaluation to the next
    "NOW",
    "RAND",
    "UUID",
    "STRUUID",
    "BNODE",
)

#: Keywords that make a result non-deterministic (never cached, no strong ETag).
NONDETERMINISTIC = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})

_WORD = re.compile(r"[^\W\d]\w*")
_VARNAME = re.compile(r"\w+")
# Dots end it (a word after a dot is lexed on its own: `ex:o.SERVICE` is checked).
_LOCAL = re.compile(r"(?:[\w\-%:\u00b7]|\\.)*")
_IRIREF = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>')
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_OPEN = "{(["
_CLOSE = "})]"


@dataclass(frozen=True)
class Scan:
    """What the lexer saw in the code (outside comments, strings and IRIs).

    ``keywords``: the :data:`KEYWORDS` seen in any reading; ``first``: the
    first keyword of the text that is not ``BASE``/``PREFIX`` (the query form
    or the update operation) in the engine's own reading; ``depth``: the
    deepest bracket nesting in any reading; ``blank_nodes``: blank-node
    syntax (``_:b``, ``[``) seen in code in any reading.
    """

    keywords: frozenset[str]
    first: str | None
    depth: int
    blank_nodes: bool = False  # `_:x` or `[` in code (a CONSTRUCT template mints new ones)


def unescape_codepoints(text: str) -> str:
    r"""Resolve ``\uXXXX`` / ``\UXXXXXXXX`` everywhere (SPARQL 1.1 Query §19.2).

    Invalid code points are left as they are.

    >>> unescape_codepoints(r"SELECT \u003F\u0078 {}")
    'SELECT ?x {}'
    """

    def repl(m: re.Match[str]) -> str:
        value = int(m.group(1) or m.group(2), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            return m.group(0)
        return chr(value)

    return _CODEPOINT.sub(repl, text)


def _keyword(word: str) -> str | None:
    upper = word.upper()
    if "SERVICE" in upper:  # `trueSERVICE<…>{…}` is `true` then SERVICE to Oxigraph
        return "SERVICE"
    for keyword in KEYWORDS:
        if upper.startswith(keyword):
            return keyword
    return None


def _string_end(text: str, i: int, quote: str) -> int:
    """Index just past the string that starts at ``i`` (a quote character)."""
    n = len(text)
    if text.startswith(quote * 3, i):
        j = i + 3
        while j < n:
            if text[j] == "\\":
                j += 2
            elif text.startswith(quote * 3, j):
                return j + 3
            else:
                j += 1
        return n
    j = i + 1
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
        elif c == quote:
            return j + 1
        elif c in "\r\n":
            return j  # a short string cannot span lines: what follows is code
        else:
            j += 1
    return n


def _lex(text: str, comment_ends: str) -> tuple[list[str], int, bool]:
    """Keywords in order of appearance, the deepest bracket nesting, blank-node syntax."""
    found: list[str] = []
    depth = deepest = 0
    blank = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = i + 1
            while j < n and text[j] not in comment_ends:
                j += 1
            i = j
        elif c in "\"'":
            i = _string_end(text, i, c)
        elif c == "<":
            m = _IRIREF.match(text, i)
            i = m.end() if m else i + 1
        elif c in "?$":  # a variable: its name is no keyword
            m = _VARNAME.match(text, i + 1)
            i = m.end() if m else i + 1
        elif c == "\\":  # an escape in a prefixed name's local part (\#, \.)
            i += 2
        elif c == ":":  # the local part of a prefixed name is no keyword
            i = _LOCAL.match(text, i + 1).end()  # type: ignore[union-attr]
        elif (m := _WORD.match(text, i)) is not None:
            blank = blank or (m.group(0) == "_" and text.startswith(":", m.end()))
            keyword = _keyword(m.group(0))
            if keyword is not None:
                found.append(keyword)
            i = m.end()
        elif c in _OPEN:
            blank = blank or c == "["
            depth += 1
            deepest = max(deepest, depth)
            i += 1
        elif c in _CLOSE:
            depth = max(depth - 1, 0)
            i += 1
        else:
            i += 1
    return found, deepest, blank


def scan(query: str) -> Scan:
    """Lex ``query`` in every reading (see the module docstring) and merge what they saw."""
    texts = [query]
    unescaped = unescape_codepoints(query)
    if unescaped != query:
        texts.append(unescaped)
    keywords: set[str] = set()
    first: str | None = None
    deepest = 0
    blank_nodes = False
    for k, text in enumerate(texts):
        for comment_ends in ("\r\n", "\n"):
            found, depth, blank = _lex(text, comment_ends)
            keywords.update(found)
            deepest = max(deepest, depth)
            blank_nodes = blank_nodes or blank
            if k == 0 and comment_ends == "\r\n":  # pyoxigraph 0.5's own reading
                first = next((w for w in found if w not in ("BASE", "PREFIX")), None)
    return Scan(frozenset(keywords), first, deepest, blank_nodes)
