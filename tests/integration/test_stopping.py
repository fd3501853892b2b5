"""Stopping the demo: SIGINT during a Neo4j outage ends it within 5 s and leaves no child behind.

The demo runs against servers of its own (a private state folder and ports), because this test kills
their Neo4j; the session's test servers stay untouched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hausgraph.servers import start, status, stop
from hausgraph.servers.process import port_free
from hausgraph.settings import Settings
from tests.servers import ROOT, test_ports

_P = test_ports().private


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(
        state_dir=tmp_path / "state",
        neo4j_bolt_port=_P(8),
        neo4j_http_port=_P(9),
        kafka_port=_P(10),
        kafka_controller_port=_P(11),
        dashboard_port=_P(12),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        kafka_heap="256m",
    )
    start(settings)
    try:
        yield settings
    finally:
        stop(settings)


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "HAUSGRAPH_STATE_DIR": str(settings.state_dir),
        "HAUSGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "HAUSGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        "HAUSGRAPH_KAFKA_PORT": str(settings.kafka_port),
        "HAUSGRAPH_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "HAUSGRAPH_DASHBOARD_PORT": str(settings.dashboard_port),
        "HAUSGRAPH_DEMO_MODE": "1",
    }


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            out += [int(c) for c in children.read_text().split()]
    return out


def test_sigint_during_a_neo4j_outage_stops_the_demo_within_5_s(private: Settings, tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "hausgraph", "demo", "--households", "12", "--days", "2",
             "--live-rate", "20", "--out", str(tmp_path / "demo")],
            cwd=ROOT, env=_env(private), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not _serving(private.dashboard_port):
            assert demo.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                "demo did not reach its live phase: " + log.read_text()[-3000:]
            )
            time.sleep(1)
        children = _children(demo.pid)
        assert children, "the demo serves the app from a child process"
        neo4j = next(s for s in status(private) if s.name == "neo4j")
        os.kill(neo4j.pid, signal.SIGKILL)  # the outage: ingest and jobs now retry
        time.sleep(3)
        began = time.monotonic()
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(15)
        except subprocess.TimeoutExpired:
            if os.environ.get("HAUSGRAPH_DEBUG_STOP"):
                spy = subprocess.run(
                    ["py-spy", "dump", "--pid", str(demo.pid)], capture_output=True, text=True
                )
                print(spy.stdout, spy.stderr)
            raise
        took = time.monotonic() - began
        assert took <= 5.0, f"demo took {took:.1f} s to stop: " + log.read_text()[-2000:]
        time.sleep(0.5)
        assert not [c for c in children if Path(f"/proc/{c}").exists()], "a child outlived the demo"
        assert port_free(private.dashboard_port)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(10)
