"""Every shipped .cypher file compiles on the real server; migrations are idempotent."""

from __future__ import annotations

import re

import pytest

import cypher
from graph.admin import migrate, schema_files
from graph.client import GraphClient

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
QUERIES = [n for n in cypher.names() if cypher.load(n).mode != "schema"]


@pytest.fixture(scope="module")
def client(neo4j_driver, services) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database)
    migrate(c)
    return c


@pytest.mark.parametrize("name", QUERIES)
def test_query_compiles(client, name):
    text = cypher.load(name).text
    params = {p: None for p in _PARAM.findall(text)}
    with client.driver.session(database=client.database) as session:
        summary = session.run("EXPLAIN " + text, params).consume()
    expected = {"read": ("r",), "write": ("w", "rw", "s")}[cypher.load(name).mode]
    assert summary.query_type in expected, (
        f"{name} is declared {cypher.load(name).mode} but plans as {summary.query_type}"
    )


def test_migrate_twice_applies_nothing_the_second_time(client):
    again = migrate(client)
    assert again.applied == [] and again.skipped == schema_files()
