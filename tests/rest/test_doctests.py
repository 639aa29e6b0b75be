"""The examples in the docstrings of ``api.rest`` run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "api.rest.errors",
    "api.rest.paging",
    "api.rest.queries",
    "api.rest.results",
    "api.rest.search",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
