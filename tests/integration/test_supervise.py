"""Supervised managed servers for real: a Neo4j killed by a runaway query and a Kafka killed by a signal
are noticed within 5 s and restarted; a server stopped on purpose stays stopped; restarts are bounded."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from hausgraph.servers import resolve_connections, start, status, stop
from hausgraph.servers.supervise import Supervisor
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


@pytest.fixture
def private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for key in _ENV:
        monkeypatch.delenv(key, raising=False)
    settings = Settings(
        state_dir=tmp_path / "state",
        neo4j_bolt_port=_P(30),
        neo4j_http_port=_P(31),
        kafka_port=_P(32),
        kafka_controller_port=_P(33),
        neo4j_heap="512m",
        neo4j_pagecache="64m",
        kafka_heap="256m",
        supervise_interval_s=1.0,
        supervise_max_restarts=1,
        supervise_window_s=600.0,
    )
    try:
        yield settings
    finally:
        stop(settings)


def _pid(settings: Settings, name: str) -> int | None:
    return next(s.pid for s in status(settings, [name]))


def _wait(predicate, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s} s")


class _Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    def __call__(self, line: str) -> None:
        self.lines.append((time.monotonic(), line))

    def first(self, text: str) -> float | None:
        return next((t for t, line in self.lines if text in line), None)


def test_dead_servers_are_restarted_and_stopped_ones_left_alone(private: Settings) -> None:
    start(private)
    neo4j_pid, kafka_pid = _pid(private, "neo4j"), _pid(private, "kafka")
    said = _Recorder()
    supervisor = Supervisor(private, say=said)
    halt = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(halt,), daemon=True)
    thread.start()
    try:
        # the killer: one query that builds a string beyond the heap (guard bypassed on purpose)
        conns = resolve_connections(private)
        with neo4j.GraphDatabase.driver(conns.neo4j_uri, auth=(conns.neo4j_user, conns.neo4j_password)) as d:
            with pytest.raises(neo4j.exceptions.DriverError), d.session() as session:
                session.run("RETURN size(reduce(s = 'x', i IN range(1, 40) | s + s)) AS n").consume()
            killed_at = time.monotonic()  # the connection drops when the JVM exits
        _wait(lambda: said.first("neo4j exited") is not None, 10)
        assert said.first("neo4j exited") - killed_at < 5
        _wait(lambda: said.first("neo4j restarted") is not None, 240)
        assert _pid(private, "neo4j") not in (None, neo4j_pid)
        with neo4j.GraphDatabase.driver(conns.neo4j_uri, auth=(conns.neo4j_user, conns.neo4j_password)) as d:
            assert d.execute_query("RETURN 1 AS ok")[0][0]["ok"] == 1

        os.killpg(kafka_pid, signal.SIGKILL)
        killed_at = time.monotonic()
        _wait(lambda: said.first("kafka exited") is not None, 10)
        assert said.first("kafka exited") - killed_at < 5
        _wait(lambda: said.first("kafka restarted") is not None, 240)
        assert _pid(private, "kafka") not in (None, kafka_pid)

        stop(private, ["kafka"])  # on purpose: must stay stopped
        time.sleep(3 * private.supervise_interval_s)
        assert _pid(private, "kafka") is None
        assert len([line for _, line in said.lines if "kafka exited" in line]) == 1

        # bounded: neo4j has spent its one restart in the window, so its next death is given up on
        os.killpg(_pid(private, "neo4j"), signal.SIGKILL)
        _wait(lambda: said.first("neo4j: giving up") is not None, 10)
        time.sleep(2 * private.supervise_interval_s)
        assert _pid(private, "neo4j") is None
        assert supervisor.watches[0].given_up and supervisor.watches[0].restarts == 1
    finally:
        halt.set()
        thread.join(130)
