"""Schema migrations and reset: apply ``cypher/schema/*.cypher`` once each, empty the graph."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import cypher
from graph.client import GraphClient

__all__ = ["MigrationResult", "count_graph", "migrate", "reset", "schema_files"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MigrationResult:
    applied: list[str]
    skipped: list[str]


def schema_files() -> list[str]:
    """Names of the schema files in the order they are applied (their number)."""
    return [n for n in cypher.names() if n.startswith("schema/")]


def _checksum(name: str) -> str:
    return hashlib.sha256(cypher.load(name).text.encode()).hexdigest()[:16]


def migrate(client: GraphClient) -> MigrationResult:
    """Apply every schema file not yet recorded (or changed since); statements are idempotent."""
    done = {r["name"]: r["checksum"] for r in client.read("db/read_migrations")}
    applied, skipped = [], []
    for name in schema_files():
        checksum = _checksum(name)
        if done.get(name) == checksum:
            skipped.append(name)
            continue
        with client.driver.session(database=client.database) as session:
            for statement in cypher.statements(name):
                session.run(statement).consume()  # schema commands need auto-commit
        client.run_write("db/record_migration", name=name, checksum=checksum)
        log.info("schema applied name=%s", name)
        applied.append(name)
    return MigrationResult(applied=applied, skipped=skipped)


def count_graph(client: GraphClient) -> dict[str, dict[str, int]]:
    """``{"node": {label: n}, "relationship": {type: n}}`` with zero counts left out."""
    out: dict[str, dict[str, int]] = {"node": {}, "relationship": {}}
    for row in client.read("db/count_by_label"):
        if row["count"]:
            out[row["kind"]][row["name"]] = row["count"]
    return out


def reset(client: GraphClient) -> dict[str, dict[str, int]]:
    """Delete every node and relationship (schema stays); returns what was there."""
    before = count_graph(client)
    client.run_autocommit("db/delete_all_relationships")
    client.run_autocommit("db/delete_all_nodes")
    log.info("graph reset nodes=%d", sum(before["node"].values()))
    return before
