"""Every Cypher query of hausgraph lives in ``cypher/**/*.cypher``; this loader returns them by name.

A query's name is its path below ``cypher/`` without the suffix, e.g. ``ingest/merge_presence``.
Each file starts with header comments: ``// mode: read|write`` and ``// params: ...``.
Schema files (``schema/NNN_*.cypher``) may hold several statements separated by ``;``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from neo4j import Query

__all__ = ["CypherFile", "UnknownQuery", "load", "names", "query", "split_statements", "statements"]

_MODE = re.compile(r"^//\s*mode:\s*(read|write|schema)\b", re.MULTILINE)


class UnknownQuery(KeyError):
    """No ``.cypher`` file has that name; ``query_name`` says which was asked for."""

    def __init__(self, query_name: str) -> None:
        super().__init__(query_name)
        self.query_name = query_name


@dataclass(frozen=True)
class CypherFile:
    """One ``.cypher`` file: its name, its mode from the header, and its text."""

    name: str
    mode: str
    text: str


def _root():
    return resources.files(__name__)


@cache
def names() -> tuple[str, ...]:
    """Names of every query shipped, sorted."""
    found: list[str] = []

    def walk(node, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".cypher"):
                found.append(prefix + child.name[: -len(".cypher")])

    walk(_root(), "")
    return tuple(sorted(found))


@cache
def load(name: str) -> CypherFile:
    """The file ``cypher/<name>.cypher``, parsed once and cached.

    >>> load("schema/001_constraints").mode
    'schema'
    """
    node = _root().joinpath(*f"{name}.cypher".split("/"))
    if not node.is_file():
        raise UnknownQuery(name)
    text = node.read_text(encoding="utf-8")
    match = _MODE.search(text)
    return CypherFile(name=name, mode=match.group(1) if match else "read", text=text)


def query(name: str, timeout: float | None = None) -> Query:
    """A :class:`neo4j.Query` for the named file, tagged with its name as transaction metadata."""
    return Query(load(name).text, metadata={"query": name}, timeout=timeout)  # type: ignore[arg-type]


def statements(name: str) -> list[str]:
    """The statements of a multi-statement (schema) file, comments and blanks removed."""
    return split_statements(load(name).text)


def split_statements(text: str) -> list[str]:
    r"""Statements of a ``;``-separated Cypher text, ``//`` comment lines and blanks removed.

    >>> split_statements("// two\nDROP INDEX a IF EXISTS;\nDROP INDEX b IF EXISTS\n")
    ['DROP INDEX a IF EXISTS', 'DROP INDEX b IF EXISTS']
    """
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return [s.strip() for s in body.split(";") if s.strip()]
