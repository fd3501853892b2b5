"""The managed servers for real, in a private state dir and on private ports.

These tests start and stop their own servers, so they never touch the shared ones the
rest of the integration suite uses (``.hausgraph-test``) or a user's (``.hausgraph``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from kafka import KafkaAdminClient

from hausgraph.servers import ServerDied, resolve_connections, start, status, stop
from hausgraph.servers.process import port_free
from hausgraph.settings import Settings
from tests.servers import test_ports

_P = test_ports().private

_ENV = (
    "NEO4J_URI",
    "HAUSGRAPH_NEO4J_URI",
    "NEO4J_PASSWORD",
    "HAUSGRAPH_NEO4J_PASSWORD",
    "KAFKA_BOOTSTRAP_SERVERS",
    "HAUSGRAPH_KAFKA_BOOTSTRAP_SERVERS",
)


@pytest.fixture(autouse=True)
def _managed_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in _ENV:
        monkeypatch.delenv(key, raising=False)


def _private(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "state_dir": tmp_path / "state",
        "neo4j_bolt_port": _P(0),
        "neo4j_http_port": _P(1),
        "kafka_port": _P(2),
        "kafka_controller_port": _P(3),
        "neo4j_heap": "512m",
        "neo4j_pagecache": "128m",
        "kafka_heap": "256m",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Settings]:
    settings = _private(tmp_path)
    try:
        yield settings
    finally:
        stop(settings)


def _pids_gone(pids: list[int]) -> bool:
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_start_is_idempotent_status_shows_memory_and_stop_leaves_nothing(private: Settings) -> None:
    start(private)
    first = {s.name: s for s in status(private)}
    assert all(s.running and s.pid and (s.rss_bytes or 0) > 50 * 2**20 for s in first.values())
    pids = [s.pid for s in first.values() if s.pid]

    began = time.monotonic()
    start(private)  # already up: must neither restart nor take long
    assert time.monotonic() - began < 15
    assert {s.name: s.pid for s in status(private)} == {n: s.pid for n, s in first.items()}

    conns = resolve_connections(private)
    with neo4j.GraphDatabase.driver(conns.neo4j_uri, auth=(conns.neo4j_user, conns.neo4j_password)) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one", database_=conns.neo4j_database)
        assert records[0]["one"] == 1
    admin = KafkaAdminClient(bootstrap_servers=conns.kafka_bootstrap)
    try:
        assert isinstance(admin.list_topics(), list)
    finally:
        admin.close()

    assert stop(private) == {"kafka": True, "neo4j": True}
    assert _pids_gone(pids)
    assert all(port_free(p) for p in (_P(0), _P(1), _P(2), _P(3)))
    assert not any(s.running for s in status(private))
    assert stop(private) == {"kafka": False, "neo4j": False}


def test_server_dying_at_startup_reports_its_log(tmp_path: Path) -> None:
    # The JVM itself refuses a 1 KiB heap, after the config and password steps passed.
    broken = _private(tmp_path, neo4j_heap="1k", neo4j_bolt_port=_P(4), neo4j_http_port=_P(5))
    try:
        with pytest.raises(ServerDied) as info:
            start(broken, ["neo4j"])
    finally:
        stop(broken)
    assert info.value.name == "neo4j"
    assert "heap" in info.value.log_tail.lower()


def test_invalid_config_is_one_clear_error(tmp_path: Path) -> None:
    from hausgraph.servers import ServerError

    broken = _private(tmp_path, neo4j_pagecache="lots", neo4j_bolt_port=_P(6), neo4j_http_port=_P(7))
    with pytest.raises(ServerError, match=r"server\.memory\.pagecache\.size"):
        start(broken, ["neo4j"])
