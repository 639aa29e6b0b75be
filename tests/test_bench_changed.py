"""``bench.changed``: the changed copy a graph loaded again is timed with."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox

from bench.changed import main

ORG = "https://w3id.org/ccai/id/organisation/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
LINES = [
    f'<https://example.org/o{i}> {LABEL} "Object {i}"@en .'
    if i % 2
    else f"<https://example.org/o{i}> <http://purl.org/dc/terms/subject> <{ORG}nemo> ."
    for i in range(1, 13)
]


def test_the_copy_drops_edits_and_copies_lines_as_documented(tmp_path: Path) -> None:
    source, target = tmp_path / "in.nt.gz", tmp_path / "out.nt"
    source.write_bytes(gzip.compress(("\n".join(LINES) + "\n").encode()))
    assert main([str(source), str(target), "--every", "4"]) == 0
    out = target.read_text().splitlines()
    assert LINES[3] not in out and LINES[7] not in out and LINES[11] not in out  # 4, 8, 12
    assert f'<https://example.org/o5> {LABEL} "Object 5 (edited)"@en .' in out
    assert f'<https://example.org/o9> {LABEL} "Object 9 (edited)"@en .' in out
    assert f"<https://example.org/o6-copy> <http://purl.org/dc/terms/subject> <{ORG}nemo> ." in out
    assert len(out) == 12 - 3 + 2  # three dropped, two copied (lines 6 and 10)
    ox.parse(target.read_bytes(), format=ox.RdfFormat.N_TRIPLES)  # still N-Triples
    again = tmp_path / "again.nt"
    main([str(source), str(again), "--every", "4"])
    assert again.read_bytes() == target.read_bytes()
