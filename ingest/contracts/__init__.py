"""The project's own copy of its external contracts (JSON Schema, draft 2020-12), shipped with the package.

``schema("view-event")`` loads ``view-event.schema.json``; tests and tools read this copy, never a
folder beside the checkout. ``README.md`` here is the contracts' prose (keys, exports, API).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["SCHEMAS", "schema", "schema_text"]

#: every schema the package ships, by short name
SCHEMAS: tuple[str, ...] = ("view-event", "content", "campaign")


def schema_text(name: str) -> str:
    """The text of schema ``name`` (one of :data:`SCHEMAS`).

    >>> '"$schema"' in schema_text("campaign")
    True
    """
    if name not in SCHEMAS:
        raise KeyError(f"unknown contract {name!r}; expected one of {SCHEMAS}")
    return files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


@cache
def schema(name: str) -> dict[str, Any]:
    """Schema ``name`` as a dict (cached; do not mutate).

    >>> schema("view-event")["type"]
    'object'
    """
    return json.loads(schema_text(name))
