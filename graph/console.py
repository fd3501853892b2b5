"""The analysts' Cypher console: the one place where query text comes from a user, not from ``cypher/``.

House rule 5 keeps every query of the project in ``cypher/**/*.cypher``; the console is the
documented exception, since its text is the analyst's. It is read-only by construction:

1. :func:`graph.console_guard.screen` (pure) accepts only read clauses, allowed procedures and
   functions, one bounded statement (an allowlist over a real tokenizer).
2. :func:`run_console_query` ``EXPLAIN``\\ s the text and refuses any plan that is not a pure
   read built from allowed operators (:func:`graph.console_guard.judge_plan`).
3. It runs the text in an explicit READ transaction whose timeout the server enforces (no
   driver retries), and stops reading after the row cap or the byte cap.
4. The managed Neo4j blocks every address for URL loads, refuses file URLs and caps each
   transaction's memory and all transactions' memory together (``hausgraph.servers.config``).

Server errors come back as :class:`ConsoleRefusal` / :class:`ConsoleError` carrying the
server's own message, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError
from neo4j.graph import Node, Path, Relationship

from graph.console_guard import judge_plan, screen
from graph.errors import GraphError

__all__ = [
    "MAX_PARAMS_BYTES",
    "ConsoleError",
    "ConsoleRefusal",
    "ConsoleResult",
    "check_plan",
    "graph_elements",
    "parse_params",
    "plain",
    "plan_operators",
    "run_console_query",
]

#: the largest parameters object (JSON text) the console accepts
MAX_PARAMS_BYTES = 64 * 1024
_METADATA = {"app": "hausgraph-console"}


class ConsoleError(GraphError):
    """The server failed the query; ``message`` is the server's text and ``code`` its status code."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConsoleRefusal(ConsoleError):
    """The console will not run this text; ``message`` says why."""


@dataclass
class ConsoleResult:
    """Rows as plain dicts (within the caps), whether more existed, and graph elements for the graph view."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool
    nodes: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    #: why the rows stop early: "row cap" or "byte cap" (``None`` when all rows came back)
    stopped_by: str | None = None


def parse_params(text: str) -> dict[str, Any]:
    """Query parameters from the JSON the analyst typed (an object, or empty for none).

    >>> parse_params('{"limit": 5}')
    {'limit': 5}
    >>> parse_params("")
    {}
    """
    if not text or not text.strip():
        return {}
    if len(text.encode("utf-8")) > MAX_PARAMS_BYTES:
        raise ConsoleRefusal(f"parameters are larger than {MAX_PARAMS_BYTES // 1024} KiB")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConsoleRefusal(
            f"parameters are not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    if not isinstance(value, dict):
        raise ConsoleRefusal('parameters must be a JSON object, e.g. {"limit": 25}')
    return value


def plain(value: Any) -> Any:
    """A driver value as JSON-friendly data (nodes and relationships as dicts, temporals as ISO text).

    >>> plain([1, {"a": "b"}])
    [1, {'a': 'b'}]
    """
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **dict(value)}
    if isinstance(value, Relationship):
        return {"type": value.type, **dict(value)}
    if isinstance(value, Path):
        return [plain(r) for r in value.relationships]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
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


def plan_operators(plan: dict[str, Any] | None) -> Iterator[tuple[str, str]]:
    """``(operatorType, details)`` of every node of an ``EXPLAIN`` plan, as the driver returns it.

    >>> list(plan_operators({"operatorType": "ProduceResults@neo4j", "args": {"Details": "n"},
    ...                      "children": [{"operatorType": "AllNodesScan@neo4j", "children": []}]}))
    [('ProduceResults@neo4j', 'n'), ('AllNodesScan@neo4j', '')]
    """
    if not plan:
        return
    yield str(plan.get("operatorType", "?")), str((plan.get("args") or {}).get("Details", ""))
    for child in plan.get("children") or []:
        yield from plan_operators(child)


def _plan_refusal(session: neo4j.Session, text: str, params: dict[str, Any], timeout_s: float) -> str | None:
    # explicit transactions: the driver retries nothing (a memory-limit error is "transient")
    with session.begin_transaction(timeout=timeout_s, metadata=_METADATA) as tx:
        plan = tx.run("EXPLAIN " + text, params).consume()  # type: ignore[arg-type]
    return judge_plan(plan.query_type, plan_operators(plan.plan))


def check_plan(
    driver: neo4j.Driver, database: str, text: str, params: dict[str, Any], timeout_s: float
) -> str | None:
    """Why the server's plan of ``text`` may not run (the second layer alone, without :func:`screen`).

    Raises
    ------
    ConsoleError
        The server cannot plan the text; ``message`` is its message.
    """
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            return _plan_refusal(session, text, params, timeout_s)
    except Neo4jError as err:
        raise ConsoleError(err.message or str(err), err.code) from None


def _row_bytes(row: dict[str, Any]) -> int:
    return len(json.dumps(row, default=str, ensure_ascii=False).encode("utf-8"))


def run_console_query(
    driver: neo4j.Driver,
    database: str,
    text: str,
    params: dict[str, Any],
    row_cap: int,
    timeout_s: float,
    byte_cap: int = 16 * 2**20,
) -> ConsoleResult:
    """Screen, EXPLAIN, then run ``text`` read-only; at most ``row_cap`` rows and ``byte_cap`` bytes return.

    Raises
    ------
    ConsoleRefusal
        The text or its plan is not an allowed read.
    ConsoleError
        The server failed or stopped it (syntax, timeout, memory limit, ...): ``message`` is the
        server's message and ``code`` its status code.
    """
    reason = screen(text)
    if reason:
        raise ConsoleRefusal(reason)
    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            reason = _plan_refusal(session, text, params, timeout_s)
            if reason:
                raise ConsoleRefusal(reason)
            with session.begin_transaction(timeout=timeout_s, metadata=_METADATA) as tx:
                result = tx.run(text, params)  # type: ignore[arg-type]
                columns = list(result.keys())
                rows: list[dict[str, Any]] = []
                values: list[Any] = []
                size = 0
                stopped_by = None
                for record in result:
                    if len(rows) >= row_cap:
                        stopped_by = "row cap"
                        break
                    row = {k: plain(record[k]) for k in columns}
                    size += _row_bytes(row)
                    if size > byte_cap:
                        stopped_by = "byte cap"
                        break
                    rows.append(row)
                    values.extend(record.values())
                tx.rollback()  # a read; leaving early also stops the query on the server
            nodes, rels = graph_elements(values)
            return ConsoleResult(
                columns=columns,
                rows=rows,
                truncated=stopped_by is not None,
                nodes=list(nodes.values()),
                relationships=list(rels.values()),
                stopped_by=stopped_by,
            )
    except ConsoleRefusal:
        raise
    except Neo4jError as err:
        raise ConsoleError(err.message or str(err), err.code) from None
    except neo4j.exceptions.DriverError as err:
        raise ConsoleError(f"{type(err).__name__}: {err}") from None
