"""The examples in the docstrings of the SPARQL service modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["api.negotiation", "api.sparql.cache", "api.sparql.protocol", "api.settings"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
