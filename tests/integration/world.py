"""A small generated world, written once per session and ingested by the tests that need it
(:func:`ingested`: once per world; later tests get the same graph restored)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from generator.params import WorldParams
from generator.run import generate_to_dir
from graph.client import GraphClient
from ingest.batch import prepare
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer
from ingest.sink import write_batch

SECRET = "integration-world-secret"


def make_world(out: Path, households: int = 60, days: int = 7, seed: int = 11) -> dict:
    truth, _ = generate_to_dir(WorldParams(households=households, days=days, seed=seed, secret=SECRET), out)
    return truth


def ingest_dir(client: GraphClient, out: Path, batch: int = 5000) -> int:
    """Catalog then events of a world directory, the way ``hausgraph ingest --from-file`` does."""
    pseudo = Pseudonymizer(SECRET)
    fresh = 0
    for name, kind in (
        ("content.jsonl", "content"),
        ("campaigns.jsonl", "campaign"),
        ("events.jsonl", "view"),
    ):
        if not (out / name).exists():
            continue
        with open_lines(str(out / name)) as stream:
            for chunk in chunks(file_records(stream, name, kind), batch):
                now = int(time.time() * 1000)
                fresh += write_batch(client, prepare(chunk, pseudo, now), f"file:{kind}", now).fresh
    return fresh


#: (world directory, batch, then) -> (the graph before, what the first call added: nodes, relationships)
_SNAPSHOTS: dict[tuple[str, int, str], tuple[list, list, list]] = {}
_CHUNK = 5000
#: Neo4j 5.26's dynamic labels and types: the labels and the type come from the rows, as parameters
_CREATE_NODES = (
    "UNWIND $rows AS row CREATE (n:$(row.l)) SET n = row.p RETURN row.i AS old, elementId(n) AS id"
)
_CREATE_RELS = (
    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row.a MATCH (b) WHERE elementId(b) = row.b "
    "CREATE (a)-[r:$(row.t)]->(b) SET r = row.p"
)


def ingested(
    client: GraphClient, out: Path, batch: int = 5000, then: Callable[[GraphClient], object] | None = None
) -> None:
    """:func:`ingest_dir` (and ``then``, e.g. every job) into a graph that holds only its schema's
    records (``clean_db`` then ``migrate``), once per world and session; later calls restore what
    that first call added (every node, relationship and property, in a fraction of the time). For
    the tests that read an ingested world; the tests of ingest itself call :func:`ingest_dir`."""
    key = (str(out.resolve()), batch, getattr(then, "__qualname__", ""))
    before = _summary(client)
    if key not in _SNAPSHOTS:
        known = {r["i"] for r in _read(client, "MATCH (n) RETURN elementId(n) AS i")}
        ingest_dir(client, out, batch)
        if then is not None:
            then(client)
        _SNAPSHOTS[key] = (before, *_snapshot(client, known))
        return
    assert before == _SNAPSHOTS[key][0], f"ingested() restores onto the graph it first saw, not {before}"
    nodes, rels = _SNAPSHOTS[key][1:]
    _restore(client, nodes, rels)
    kinds = _read(client, "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n")
    assert {r["t"]: r["n"] for r in kinds} == dict(Counter(r["t"] for r in rels)), "restore lost edges"
    want = Counter(dict(before)) + Counter(tuple(r["l"]) for r in nodes)
    assert dict(_summary(client)) == dict(want), "restore lost nodes"


def _read(client: GraphClient, query: str) -> list:
    return client.driver.execute_query(query, database_=client.database).records


def _summary(client: GraphClient) -> list:
    return [
        (tuple(sorted(r["l"])), r["n"])
        for r in _read(client, "MATCH (n) WITH labels(n) AS l, count(*) AS n RETURN l, n ORDER BY l")
    ]


def _snapshot(client: GraphClient, known: set[str]) -> tuple[list, list]:
    query = "MATCH (n) RETURN elementId(n) AS i, labels(n) AS l, properties(n) AS p"
    nodes = [
        {"i": r["i"], "l": sorted(r["l"]), "p": r["p"]} for r in _read(client, query) if r["i"] not in known
    ]
    query = "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, elementId(b) AS b, type(r) AS t, properties(r) AS p"
    rels = [dict(r) for r in _read(client, query)]
    assert not any(r["a"] in known or r["b"] in known for r in rels), "ingest linked a node it did not make"
    return nodes, rels


def _restore(client: GraphClient, nodes: list, rels: list) -> None:
    new: dict[str, str] = {}
    for i in range(0, len(nodes), _CHUNK):
        done = client.driver.execute_query(
            _CREATE_NODES, rows=nodes[i : i + _CHUNK], database_=client.database
        )
        new.update((r["old"], r["id"]) for r in done.records)
    for i in range(0, len(rels), _CHUNK):
        part = [{**r, "a": new[r["a"]], "b": new[r["b"]]} for r in rels[i : i + _CHUNK]]
        client.driver.execute_query(_CREATE_RELS, rows=part, database_=client.database)
