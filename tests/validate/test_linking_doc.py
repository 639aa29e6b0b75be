"""docs/linking.md runs: its commands, its example files and the output it shows."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import pytest

from api.cli import main

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "linking.md"
EXAMPLES = REPO / "docs" / "examples" / "linking"
TEXT = DOC.read_text(encoding="utf-8")


def commands() -> list[tuple[str, int]]:
    """``ccai …  # exit N`` lines of the guide's sh blocks."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", TEXT, re.DOTALL):
        for line in block.splitlines():
            match = re.fullmatch(r"(ccai .*?)\s+# exit (\d)", line.strip())
            if match:
                found.append((match.group(1), int(match.group(2))))
    return found


def test_the_guide_has_commands() -> None:
    assert len(commands()) >= 2


@pytest.mark.parametrize(("command", "code"), commands())
def test_command_exits_as_the_guide_says(
    command: str, code: int, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert main(shlex.split(command)[1:]) == code, capsys.readouterr()


@pytest.mark.parametrize(
    ("path", "block"), re.findall(r"<!-- file: (\S+) -->\n```turtle\n(.*?)```", TEXT, re.DOTALL)
)
def test_shown_file_is_the_example_file(path: str, block: str) -> None:
    assert (REPO / path).read_text(encoding="utf-8") == block


@pytest.mark.parametrize(
    ("command", "shown"),
    re.findall(r"<!-- output of: (ccai .*?) -->\n```text\n(.*?)```", TEXT, re.DOTALL),
)
def test_shown_output_is_the_output(
    command: str, shown: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    main(shlex.split(command)[1:])
    assert capsys.readouterr().out == shown


def test_the_csv_shown_and_the_reconciled_links() -> None:
    """The CSV in the guide is the example file; the Turtle export holds one
    exactMatch per reconciled row (the template's output)."""
    raw = (EXAMPLES / "institutions.csv").read_text(encoding="utf-8")
    assert f"```text\n{raw}```" in TEXT
    with (EXAMPLES / "institutions-reconciled.csv").open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row["ccai"]]
    turtle = (EXAMPLES / "institutions.ttl").read_text(encoding="utf-8")
    for row in rows:
        assert (
            f"<https://collectie.example.nl/id/agent/{row['id']}> <https://schema.org/name> "
            f'"{row["name"]}" ; <http://www.w3.org/2004/02/skos/core#exactMatch> '
            f"<{row['ccai']}> ."
        ) in turtle
    assert turtle.count("exactMatch") == len(rows) == 5
