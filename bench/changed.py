"""A changed copy of an N-Triples file, for timing a graph loaded again (issue 11):
``python -m bench.changed IN OUT [--every 1000]`` (see bench/README.md).

Deterministic, line by line (``IN`` and ``OUT`` may be gzipped, by their names):

* every ``every``-th line is left out;
* the line after it is edited: a link to ``organisation/nemo`` now points at
  ``organisation/cnrs``, one to ``organisation/faro`` at ``organisation/nemo``, and a
  literal label gets `` (edited)`` at its end; a line with none of these is kept;
* the line after that is kept, and written again under a new subject (its subject
  IRI with ``-copy`` appended).

So about three lines in ``every`` change: ``every`` = 1000 changes 0.2–0.3 % of the
graph, taking triples out (the dropped and edited lines) and bringing others in.
Prints the counts of each kind.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

ID = "https://w3id.org/ccai/id/organisation/"
_LABEL = re.compile(r'^(<[^>]+> <[^>]+> ")(.*)("(?:@[A-Za-z-]+)?) \.$')
_SUBJECT = re.compile(r"^<([^>]+)>")


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return path.open(mode, encoding="utf-8")


def edited(line: str) -> str | None:
    """``line`` edited as the module says, or ``None`` when nothing in it is edited."""
    if f"<{ID}nemo>" in line:
        return line.replace(f"<{ID}nemo>", f"<{ID}cnrs>")
    if f"<{ID}faro>" in line:
        return line.replace(f"<{ID}faro>", f"<{ID}nemo>")
    match = _LABEL.match(line)
    if match and "\\" not in match.group(2):
        return f"{match.group(1)}{match.group(2)} (edited){match.group(3)} ."
    return None


def changed(lines: Iterator[str], every: int, counts: dict[str, int]) -> Iterator[str]:
    """The lines of the changed copy (each without its line break)."""
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        step = number % every
        if step == 0:
            counts["dropped"] += 1
            continue
        if step == 1 and number > 1:
            new = edited(line)
            if new is not None:
                counts["edited"] += 1
                yield new
                continue
        yield line
        if step == 2 and number > 2 and (subject := _SUBJECT.match(line)):
            counts["copied"] += 1
            yield f"<{subject.group(1)}-copy>" + line[subject.end() :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.changed", description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--every", type=int, default=1000)
    args = parser.parse_args(argv)
    counts = {"dropped": 0, "edited": 0, "copied": 0}
    with _open(args.source, "r") as source, _open(args.target, "w") as target:
        for line in changed(iter(source), args.every, counts):
            target.write(line + "\n")
    print(", ".join(f"{n:,} lines {kind}" for kind, n in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
