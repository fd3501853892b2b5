"""Every docstring example in the packages runs (they are the smallest exact cases of each core)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("cypher", "generator", "graph", "ingest", "hausgraph", "dashboards")


def _modules() -> list[str]:
    names = []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        names.append(pkg)
        names += [
            m.name
            for m in pkgutil.walk_packages(mod.__path__, pkg + ".")
            if not m.name.startswith("dashboards.screens") and m.name != "dashboards.app"
        ]
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
