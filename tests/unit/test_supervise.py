"""Supervision and hardening without servers: the restart budget, dead vs stopped, the rendered neo4j.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausgraph.servers import supervise
from hausgraph.servers.config import parse_properties, render_neo4j_conf, transaction_memory_limits
from hausgraph.servers.layout import server_paths
from hausgraph.servers.supervise import RestartBudget, Supervisor
from hausgraph.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache", supervise_max_restarts=2)


def test_neo4j_conf_blocks_urls_files_and_caps_transaction_memory(settings: Settings) -> None:
    conf = parse_properties(render_neo4j_conf(settings, server_paths(settings, "neo4j")))
    assert conf["internal.dbms.cypher_ip_blocklist"] == "0.0.0.0/0,::/0"
    assert conf["dbms.security.allow_csv_import_from_file_urls"] == "false"
    per_tx, total = transaction_memory_limits(settings.neo4j_heap)
    assert conf["db.memory.transaction.max"] == per_tx
    assert conf["db.memory.transaction.total.max"] == total


@pytest.mark.parametrize("heap", ["256m", "768m", "1g", "4g"])
def test_transaction_memory_stays_well_inside_the_heap(heap: str) -> None:
    from hausgraph.servers.config import size_bytes

    per_tx, total = (size_bytes(v) for v in transaction_memory_limits(heap))
    assert 0 < per_tx < total <= size_bytes(heap) * 0.6


def test_budget_refills_as_the_window_moves() -> None:
    budget = RestartBudget(max_restarts=3, window_s=10)
    assert [budget.take(t) for t in (0, 1, 2, 3, 10.5, 10.6)] == [True, True, True, False, True, False]


def test_a_dead_server_is_restarted_a_stopped_one_is_not(settings: Settings, monkeypatch) -> None:
    started: list[str] = []
    running = {"neo4j": False, "kafka": False}

    class _Status:
        def __init__(self, name: str) -> None:
            self.running = running[name]

    monkeypatch.setattr(supervise.manager, "status", lambda s, names: [_Status(n) for n in names])
    monkeypatch.setattr(supervise.manager, "start", lambda s, names: started.extend(names))
    neo4j_pid = server_paths(settings, "neo4j").pid_file
    neo4j_pid.parent.mkdir(parents=True, exist_ok=True)
    neo4j_pid.write_text("12345\n")  # pid file kept, process gone: died
    said: list[str] = []
    sup = Supervisor(settings, say=said.append)
    events = sup.check_once()
    assert started == ["neo4j"]  # kafka has no pid file: stopped on purpose
    assert events == ["neo4j exited (pid 12345)", "neo4j restarted"]
    sup.check_once()
    assert started == ["neo4j", "neo4j"]
    events = sup.check_once()  # third death inside the window: over budget
    assert started == ["neo4j", "neo4j"]
    assert "neo4j: giving up after 2 restarts" in events
    assert sup.watches[0].given_up and not sup.exhausted  # kafka is still watched
