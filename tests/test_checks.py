"""Invariants of the graph written as SPARQL queries that must return no rows.

Each ``queries/checks/*-violation.rq`` runs over the union of the ontology, the
vocabularies and every source graph; a failing check prints the offending rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from api.resources import queries_dir

CHECKS = sorted((queries_dir() / "checks").glob("*-violation.rq"))


@pytest.mark.parametrize("check", CHECKS, ids=[c.stem for c in CHECKS])
def test_check_finds_no_violation(check: Path, asserted_union, untraced) -> None:
    # rdflib's SPARQL engine only: no need for the coverage tracer
    rows = untraced(lambda: list(asserted_union.query(check.read_text(encoding="utf-8"))))()
    shown = "\n".join(" | ".join(str(v) for v in row) for row in rows[:40])
    assert not rows, f"{check.name}: {len(rows)} violation(s)\n{shown}"
