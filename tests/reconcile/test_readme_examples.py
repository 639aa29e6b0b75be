"""The ``curl`` examples of the README's reconciliation section run, and answer what they say."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Reconciliation (OpenRefine)") :]
    section = section[: section.index("\n## ")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [
        line.split("   #")[0].strip()
        for block in blocks
        for line in block.splitlines()
        if line.startswith("curl ")
    ]


def test_the_section_has_examples() -> None:
    assert len(examples()) >= 3


@pytest.mark.parametrize("example", examples())
def test_readme_curl_example(client, example: str) -> None:
    argv = shlex.split(example)[1:]
    url, form, headers, body = None, {}, {}, None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-s":
            pass
        elif arg == "--data-urlencode":
            key, _, value = argv[i + 1].partition("=")
            form[key] = value
            i += 1
        elif arg == "-H":
            name, _, value = argv[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 1
        elif arg == "-d":
            body = argv[i + 1]
            i += 1
        else:
            url = arg
        i += 1
    assert url is not None
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if form:
        response = client.post(path, data=form)
    elif body is not None:
        response = client.post(path, content=body.encode(), headers=headers)
    else:
        response = client.get(path)
    assert response.status_code == 200, response.text
    answer = response.json()
    if "queries" in form:
        assert answer["q0"]["result"][0]["id"] == "id/organisation/nemo"
        assert answer["q0"]["result"][0]["match"] is True
    if body is not None:
        assert answer["results"][0]["candidates"][0]["id"] == "id/organisation/cwi"
