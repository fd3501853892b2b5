"""The analysts' Cypher console: the one place where query text comes from a user, not from ``cypher/``.

Read-only by construction, in three layers:

1. :func:`screen` (pure) refuses text that must never reach the server: ``LOAD CSV``,
   ``CALL ... IN TRANSACTIONS``, ``USE`` of another database, administration commands, and
   procedures that touch files, URLs or the DBMS (``apoc.load.*``, ``dbms.*`` ...).
2. :func:`run_console_query` ``EXPLAIN``\\ s the text first and refuses any plan whose
   ``query_type`` is not ``'r'`` (:func:`judge_plan`, pure).
3. It then runs it in a READ transaction with a timeout, stopping after the row cap.

Server errors come back as :class:`ConsoleRefusal` / :class:`ConsoleError` carrying the
server's own message, never a traceback.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError
from neo4j.graph import Node, Path, Relationship

__all__ = [
    "FORBIDDEN_PROCEDURES",
    "ConsoleError",
    "ConsoleRefusal",
    "ConsoleResult",
    "graph_elements",
    "judge_plan",
    "parse_params",
    "run_console_query",
    "screen",
]

#: Procedure / function name prefixes the console refuses (files, URLs, the DBMS, dynamic Cypher).
FORBIDDEN_PROCEDURES = (
    "apoc.load.",
    "apoc.import.",
    "apoc.export.",
    "apoc.cypher.",
    "apoc.periodic.",
    "apoc.systemdb.",
    "apoc.trigger.",
    "apoc.custom.",
    "apoc.util.",
    "apoc.log.",
    "apoc.static.",
    "apoc.config.",
    "apoc.create.",
    "apoc.refactor.",
    "apoc.merge.",
    "apoc.nodes.delete",
    "apoc.schema.assert",
    "dbms.",
    "db.create.",
    "db.index.fulltext.create",
    "gds.",
    "tx.",
)
_ADMIN_START = re.compile(
    r"^\s*(?:TERMINATE|GRANT|DENY|REVOKE|ALTER|DROP|START|STOP|ENABLE|DEALLOCATE|RENAME"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:USER|ROLE|DATABASE|COMPOSITE|ALIAS|SERVER|CONSTRAINT|INDEX)"
    # SHOW is allowed only for schema listings (indexes, constraints, functions, procedures)
    r"|SHOW\s+(?!(?:(?:ALL|RANGE|TEXT|POINT|FULLTEXT|VECTOR|LOOKUP|UNIQUE|EXISTENCE|KEY|NODE"
    r"|RELATIONSHIP|PROPERTY|BUILT|IN|USER|DEFINED)\s+)*(?:INDEX|INDEXES|CONSTRAINTS?|FUNCTIONS?|PROCEDURES?)\b))",
    re.I | re.S,
)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)


class ConsoleError(Exception):
    """The server failed the query; ``message`` is the server's text and ``code`` its status code."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConsoleRefusal(ConsoleError):
    """The console will not run this text; ``message`` says why."""


@dataclass
class ConsoleResult:
    """Rows as plain dicts (at most the cap), whether more existed, and graph elements for the graph view."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    nodes: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)


def _normalized(text: str) -> str:
    """Text without comments, string literals and backticks, whitespace collapsed, for screening."""
    text = _STRINGS.sub("''", _COMMENTS.sub(" ", text))
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def screen(text: str) -> str | None:
    """Why ``text`` may not run in the console, or ``None`` if it may be planned.

    >>> screen("MATCH (n) RETURN n LIMIT 5") is None
    True
    >>> screen("LOAD /* x */ CSV FROM 'file:///etc/passwd' AS r RETURN r")
    'LOAD CSV is not allowed in the console'
    >>> screen("CALL `apoc`.load.json('https://x') YIELD value RETURN value")
    'procedure apoc.load.json is not allowed in the console'
    >>> screen("MATCH (n) RETURN 'LOAD CSV' AS s") is None
    True
    """
    if not text or not text.strip():
        return "the query is empty"
    flat = _normalized(text)
    if re.search(r"\bLOAD\s+CSV\b", flat, re.I):
        return "LOAD CSV is not allowed in the console"
    if re.search(r"\bIN\s+(?:\d+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", flat, re.I):
        return "CALL { ... } IN TRANSACTIONS is not allowed in the console"
    if re.search(r"(?:^|\s)USE\s", flat, re.I):
        return "USE of another database is not allowed in the console"
    if _ADMIN_START.match(flat):
        return "administration commands are not allowed in the console"
    if ";" in flat.rstrip(";"):
        return "run one statement at a time"
    for name in re.findall(r"\b([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)+)\s*\(", flat):
        dotted = re.sub(r"\s+", "", name).lower()
        if any(dotted.startswith(p) or dotted + "." == p for p in FORBIDDEN_PROCEDURES):
            return f"procedure {dotted} is not allowed in the console"
    return None


def judge_plan(query_type: str | None) -> str | None:
    """Why a plan of this type may not run (only pure reads, ``'r'``, may).

    >>> judge_plan("r") is None
    True
    >>> judge_plan("rw")
    'the console runs read-only queries; this one would write (query type rw)'
    """
    if query_type == "r":
        return None
    what = {"w": "write", "rw": "write", "s": "change the schema or the DBMS"}.get(
        query_type or "", "not be read-only"
    )
    return f"the console runs read-only queries; this one would {what} (query type {query_type})"


def parse_params(text: str) -> dict[str, Any]:
    """Query parameters from the JSON the analyst typed (an object, or empty for none).

    >>> parse_params('{"limit": 5}')
    {'limit': 5}
    >>> parse_params("")
    {}
    """
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConsoleRefusal(
            f"parameters are not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    if not isinstance(value, dict):
        raise ConsoleRefusal('parameters must be a JSON object, e.g. {"limit": 25}')
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, Path):
        return [_plain(r) for r in value.relationships]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def graph_elements(values: list[Any]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Nodes and relationships (by element id) found anywhere in ``values``, as plain dicts."""
    nodes: dict[str, dict[str, Any]] = {}
    rels: dict[str, dict[str, Any]] = {}

    def node(n: Node) -> None:
        nodes.setdefault(n.element_id, {"id": n.element_id, "labels": sorted(n.labels), "props": dict(n)})

    def walk(v: Any) -> None:
        if isinstance(v, Node):
            node(v)
        elif isinstance(v, Relationship):
            if v.start_node is not None and v.end_node is not None:
                node(v.start_node)
                node(v.end_node)
                rels.setdefault(
                    v.element_id,
                    {
                        "id": v.element_id,
                        "type": v.type,
                        "source": v.start_node.element_id,
                        "target": v.end_node.element_id,
                        "props": dict(v),
                    },
                )
        elif isinstance(v, Path):
            for n in v.nodes:
                node(n)
            for r in v.relationships:
                walk(r)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)

    for v in values:
        walk(v)
    return nodes, rels


def run_console_query(
    driver: neo4j.Driver, database: str, text: str, params: dict[str, Any], row_cap: int, timeout_s: float
) -> ConsoleResult:
    """Screen, EXPLAIN, then run ``text`` read-only; at most ``row_cap`` rows come back.

    Raises
    ------
    ConsoleRefusal
        The text or its plan is not a pure read.
    ConsoleError
        The server failed it (syntax, timeout, ...): ``message`` is the server's message.
    """
    reason = screen(text)
    if reason:
        raise ConsoleRefusal(reason)
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            plan = session.run(neo4j.Query("EXPLAIN " + text, timeout=timeout_s), params).consume()  # type: ignore[arg-type]
            reason = judge_plan(plan.query_type)
            if reason:
                raise ConsoleRefusal(reason)

            @neo4j.unit_of_work(timeout=timeout_s, metadata={"app": "hausgraph-console"})
            def work(tx: neo4j.ManagedTransaction) -> ConsoleResult:
                result = tx.run(text, params)  # type: ignore[arg-type]
                records = result.fetch(row_cap + 1)
                columns = list(result.keys())
                kept = records[:row_cap]
                nodes, rels = graph_elements([v for r in kept for v in r.values()])
                return ConsoleResult(
                    columns=columns,
                    rows=[{k: _plain(r[k]) for k in columns} for r in kept],
                    truncated=len(records) > row_cap,
                    nodes=list(nodes.values()),
                    relationships=list(rels.values()),
                )

            return session.execute_read(work)
    except ConsoleRefusal:
        raise
    except Neo4jError as err:
        raise ConsoleError(err.message or str(err), err.code) from None
    except neo4j.exceptions.DriverError as err:
        raise ConsoleError(f"{type(err).__name__}: {err}") from None
