"""The README stays true: its graph table is what `ccai stats` prints for the
real build, and the commands it shows exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from api.build.summary import graph_summary, render_markdown
from api.cli import build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- graph-summary:start -->", "<!-- graph-summary:end -->"


def test_readme_graph_section_matches_the_build(project_build) -> None:
    out_dir, _ = project_build
    text = README.read_text(encoding="utf-8")
    block = text[text.index(START) + len(START) : text.index(END)].strip("\n") + "\n"
    expected = render_markdown(graph_summary(out_dir))
    assert block == expected, (
        "README's 'What is in the graph' is out of date: replace the block between the "
        "graph-summary markers with the output of `ccai stats`"
    )


def test_readme_quick_start_and_cli_commands_exist() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make serve" in text and "make test" in text
    commands = set(re.findall(r"^\s*ccai ([a-z]+)", text, re.MULTILINE))
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    assert commands, "the README shows no ccai command"
    assert commands <= set(subparsers.choices), commands - set(subparsers.choices)


def readme_examples() -> list[str]:
    """The ``ccai …`` lines of the README's sh code blocks."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    return [
        line.split("  #")[0].strip()
        for block in blocks
        for line in block.splitlines()
        if line.startswith("ccai ")
    ]


@pytest.mark.parametrize("example", readme_examples())
def test_readme_example_runs(example: str, project_build, capsys, monkeypatch) -> None:
    out_dir, _ = project_build
    monkeypatch.chdir(README.parent)
    argv = shlex.split(example)[1:]
    if argv[0] in {"query", "stats"}:
        argv += ["--store", str(out_dir)]
    assert main(argv) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip()
