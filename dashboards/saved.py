"""Saved analyst queries: the ``cypher/analyst/*.cypher`` files and example parameters from their headers."""

from __future__ import annotations

import json
import re

import cypher

__all__ = ["description", "example_params", "saved_queries"]

_PARAM = re.compile(r"\$([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?")
_EXAMPLES = {"int": 25, "float": 0.5, "bool": True, "list": [], "map": {}}


def saved_queries() -> list[str]:
    """Names of the saved analyst queries, e.g. ``analyst/top_social_households``."""
    return [n for n in cypher.names() if n.startswith("analyst/")]


def example_params(text: str) -> str:
    """JSON of example parameters from the ``// params:`` header (ints 25, strings empty).

    >>> example_params("// mode: read\\n// params: $limit (int), $genre (str). Stuff $x\\nMATCH (n) RETURN n")
    '{"limit": 25, "genre": ""}'
    """
    line = next((ln for ln in text.splitlines() if ln.lstrip().startswith("// params:")), "")
    head = line.split(".")[0]
    params = {}
    for name, kind in _PARAM.findall(head):
        first = (kind or "str").split()[0].lower()
        params[name] = _EXAMPLES.get(first, "")
    return json.dumps(params)


def description(text: str) -> str:
    """The prose after the params list in the header.

    >>> description("// params: $limit (int). Households with links.\\nMATCH (n) RETURN n")
    'Households with links.'
    """
    line = next((ln for ln in text.splitlines() if ln.lstrip().startswith("// params:")), "")
    return line.split(".", 1)[1].strip() if "." in line else ""
