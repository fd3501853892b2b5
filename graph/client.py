"""The one database seam: named queries in, plain rows out, always naming the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import neo4j
from neo4j import Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import Neo4jError

import cypher
from graph.errors import QueryFailed

__all__ = ["Client", "GraphClient", "RecordingClient", "batched", "connect"]

log = logging.getLogger(__name__)


def batched(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    """Consecutive slices of ``rows`` of at most ``size``.

    >>> [len(b) for b in batched([{}] * 5, 2)]
    [2, 2, 1]
    """
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Client(Protocol):
    """What jobs and the app need from Neo4j; :class:`GraphClient` is the real one."""

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def read_plain(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...

    def write(
        self, name: str, rows: Sequence[dict[str, Any]], /, batch_size: int = ..., **params: Any
    ) -> int: ...

    def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]: ...


def connect(uri: str, user: str, password: str, **config: Any) -> Driver:
    """A verified driver; raises the driver's own error when the server is unreachable."""
    config.setdefault("notifications_min_severity", "OFF")  # planner hints are for the console
    driver = neo4j.GraphDatabase.driver(uri, auth=(user, password), **config)
    try:
        driver.verify_connectivity()
    except Exception:
        driver.close()
        raise
    return driver


@dataclass
class GraphClient:
    """Runs the named queries of :mod:`cypher` with ``driver.execute_query``.

    Parameters
    ----------
    driver : neo4j.Driver
        Shared, thread-safe driver.
    database : str
        Always passed explicitly (no home-database round trip).
    timeout : float, optional
        Server-side transaction timeout in seconds for every query.
    """

    driver: Driver
    database: str = "neo4j"
    timeout: float | None = None

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the driver (``with graph_client(settings) as client:`` does it on leaving)."""
        self.driver.close()

    def _query(self, name: str) -> neo4j.Query:
        return cypher.query(name, timeout=self.timeout)

    def _execute(
        self, name: str, params: dict[str, Any], routing: RoutingControl, plain: bool = False
    ) -> list[dict[str, Any]]:
        try:
            records, _, _ = self.driver.execute_query(
                self._query(name), params, routing_=routing, database_=self.database
            )
        except Neo4jError as err:
            raise QueryFailed(name, err.code, err.message or str(err)) from err
        if plain:
            return [dict(zip(r.keys(), r.values())) for r in records]
        return [r.data() for r in records]

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Rows of a read query as plain dicts (routed to a reader)."""
        return self._execute(name, params, RoutingControl.READ)

    def read_plain(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """:meth:`read` for a query that returns only values (numbers, strings, lists, maps; no nodes,
        relationships or paths): the rows as they come, without ``Record.data()``, which walks every
        element of every list (ten times slower on long nested lists, such as a device's days)."""
        return self._execute(name, params, RoutingControl.READ, plain=True)

    def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Rows of one write query run once with ``params``."""
        return self._execute(name, params, RoutingControl.WRITE)

    def run_autocommit(self, name: str, /, **params: Any) -> None:
        """Run a query in an auto-commit transaction (needed by ``CALL {...} IN TRANSACTIONS``).

        No timeout: such a query commits as it goes and may rightly run for long on a big graph.
        """
        try:
            with self.driver.session(database=self.database) as session:
                session.run(cypher.query(name), params).consume()
        except Neo4jError as err:
            raise QueryFailed(name, err.code, err.message or str(err)) from err

    def write(
        self, name: str, rows: Sequence[dict[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> int:
        """``UNWIND $rows`` write in batches, one transaction each; returns the rows written."""
        done = 0
        for batch in batched(rows, batch_size):
            self.run_write(name, rows=list(batch), **params)
            done += len(batch)
        return done

    def transaction(self, work: Callable[[ManagedTransaction], Any]) -> Any:
        """Run ``work(tx)`` in one retried write transaction (for multi-query atomic writes)."""
        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def tx_run(self, tx: ManagedTransaction, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named query inside ``tx`` (see :meth:`transaction`)."""
        q = cypher.load(name)
        return [r.data() for r in tx.run(q.text, params)]


@dataclass
class RecordingClient:
    """A fake :class:`Client` for unit tests of job logic: records writes, answers reads from a table."""

    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        cypher.load(name)  # an unknown name fails here as it would against the server
        self.calls.append((name, params))
        return list(self.answers.get(name, []))

    def read_plain(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return self.read(name, **params)

    def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        cypher.load(name)
        self.calls.append((name, params))
        return list(self.answers.get(name, []))

    def write(
        self, name: str, rows: Iterable[dict[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> int:
        rows = list(rows)
        self.run_write(name, rows=rows, **params)
        return len(rows)

    def transaction(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(tx)`` once; ``tx_run`` inside it records like :meth:`run_write`."""
        return work(None)

    def tx_run(self, tx: Any, name: str, /, **params: Any) -> list[dict[str, Any]]:
        return self.run_write(name, **params)

    def written(self, name: str) -> list[dict[str, Any]]:
        """Every row written with query ``name``."""
        return [row for n, p in self.calls if n == name for row in p.get("rows", [])]
