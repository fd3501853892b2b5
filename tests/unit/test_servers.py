"""Unit tests of hausgraph.servers that need no running servers."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from hausgraph.servers import Connections, NotStarted, PortInUse, manager, resolve_connections
from hausgraph.servers.config import (
    NEO4J_KNOWN_KEYS,
    kafka_command,
    neo4j_command,
    parse_properties,
    render_kafka_log4j,
    render_kafka_properties,
    render_neo4j_conf,
)
from hausgraph.servers.errors import JavaMissing, MavenFailed
from hausgraph.servers.fetch import ensure_jars, java_major_version
from hausgraph.servers.layout import server_paths
from hausgraph.servers.neo4j_server import managed_password, password_file
from hausgraph.servers.process import is_alive, port_free, rss_bytes, uptime_s, write_private
from hausgraph.settings import Settings

_ENV = (
    "NEO4J_URI",
    "HAUSGRAPH_NEO4J_URI",
    "NEO4J_PASSWORD",
    "HAUSGRAPH_NEO4J_PASSWORD",
    "NEO4J_USER",
    "NEO4J_USERNAME",
    "HAUSGRAPH_NEO4J_USER",
    "NEO4J_DATABASE",
    "KAFKA_BOOTSTRAP_SERVERS",
    "HAUSGRAPH_KAFKA_BOOTSTRAP_SERVERS",
)


@pytest.fixture(autouse=True)
def _no_server_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in _ENV:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        state_dir=tmp_path / "state",
        cache_dir=tmp_path / "cache",
        neo4j_bolt_port=17001,
        neo4j_http_port=17002,
        kafka_port=17003,
        kafka_controller_port=17004,
        neo4j_heap="300m",
        neo4j_pagecache="64m",
        kafka_heap="200m",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- config rendering -------------------------------------------------------------


def test_neo4j_conf_uses_only_known_keys_and_loopback(settings: Settings) -> None:
    conf = parse_properties(render_neo4j_conf(settings, server_paths(settings, "neo4j")))
    assert set(conf) == NEO4J_KNOWN_KEYS
    addresses = {k: v for k, v in conf.items() if k.endswith("_address")}
    assert addresses and all(v.startswith("127.0.0.1") for v in addresses.values())
    assert conf["server.bolt.listen_address"] == "127.0.0.1:17001"
    assert conf["server.http.listen_address"] == "127.0.0.1:17002"
    assert conf["server.memory.pagecache.size"] == "64m"
    assert conf["dbms.usage_report.enabled"] == "false"
    assert conf["server.https.enabled"] == "false"
    state = str(settings.state_dir)
    assert all(v.startswith(state) for k, v in conf.items() if k.startswith("server.directories."))


def test_neo4j_heap_comes_from_jvm_flags_only(settings: Settings) -> None:
    paths = server_paths(settings, "neo4j")
    argv = neo4j_command("java", settings, paths)
    assert "-Xms300m" in argv and "-Xmx300m" in argv
    assert argv[-2:] == [f"--home-dir={paths.home}", f"--config-dir={paths.conf_dir}"]
    assert not any("heap" in key for key in parse_properties(render_neo4j_conf(settings, paths)))


def test_kafka_properties_single_node_kraft_on_loopback(settings: Settings) -> None:
    paths = server_paths(settings, "kafka")
    props = parse_properties(render_kafka_properties(settings, paths))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:17003,CONTROLLER://127.0.0.1:17004"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:17003"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:17004"
    assert props["process.roles"] == "broker,controller"
    assert props["num.partitions"] == "4"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["auto.create.topics.enable"] == "true"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["log.dirs"] == str(paths.data_dir)
    assert str(paths.logs_dir) in render_kafka_log4j(paths)
    argv = kafka_command("java", settings, paths)
    assert "-Xmx200m" in argv and argv[-2] == "kafka.Kafka"


def test_cache_keyed_by_version_state_per_checkout(settings: Settings) -> None:
    paths = server_paths(settings, "neo4j")
    assert paths.lib_dir == settings.cache_dir / f"neo4j-{settings.neo4j_version}" / "lib"
    assert paths.home == settings.state_dir / "neo4j"
    with pytest.raises(ValueError):
        server_paths(settings, "redis")


# --- password ---------------------------------------------------------------------


def test_generated_password_is_private_and_stable(settings: Settings) -> None:
    assert managed_password(settings) is None
    first = managed_password(settings, create=True)
    assert first and len(first) >= 20
    mode = stat.S_IMODE(password_file(settings).stat().st_mode)
    assert mode == 0o600
    assert managed_password(settings, create=True) == first


def test_user_password_wins(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "chosen-by-user")
    chosen = Settings(state_dir=settings.state_dir)
    assert managed_password(chosen, create=True) == "chosen-by-user"
    assert not password_file(chosen).exists()


def test_write_private_tightens_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


# --- ports and processes ----------------------------------------------------------


def test_port_in_use_is_detected() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_free(port)
    assert port_free(_free_port())


def test_start_names_the_taken_port_and_its_setting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager, "find_java", lambda: "java")
    server_paths(settings, "kafka").lib_dir.mkdir(parents=True)  # pretend the jars are cached
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", settings.kafka_controller_port))
        sock.listen()
        with pytest.raises(PortInUse) as info:
            manager.start(settings, ["kafka"])
    assert info.value.port == settings.kafka_controller_port
    assert info.value.setting == "HAUSGRAPH_KAFKA_CONTROLLER_PORT"
    assert "HAUSGRAPH_KAFKA_CONTROLLER_PORT" in str(info.value)


def test_own_process_is_alive_with_memory_and_uptime() -> None:
    pid = os.getpid()
    assert is_alive(pid) and is_alive(pid, "python")
    assert not is_alive(pid, "no-such-marker-anywhere")
    assert not is_alive(None) and not is_alive(2**22 + 1)
    assert (rss_bytes(pid) or 0) > 1_000_000
    assert (uptime_s(pid) or -1) >= 0


def test_status_of_never_started_servers(settings: Settings) -> None:
    items = manager.status(settings)
    assert [i.name for i in items] == ["neo4j", "kafka"]
    assert all(i.managed and not i.running and i.pid is None for i in items)
    assert items[0].ports == {"bolt": 17001, "http": 17002}


# --- java / maven -----------------------------------------------------------------


def test_java_version_parsing() -> None:
    assert java_major_version('openjdk version "21.0.2" 2024-01-16') == 21
    assert java_major_version('java version "1.8.0_401"') == 8
    assert java_major_version("") is None


def test_missing_java_home_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from hausgraph.servers.fetch import find_java

    monkeypatch.setenv("JAVA_HOME", "/nonexistent")
    with pytest.raises(JavaMissing, match="Java 17"):
        find_java()


def _fake_mvn(tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    mvn = bindir / "mvn"
    mvn.write_text("#!/bin/sh\n" + script)
    mvn.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")


def test_offline_maven_leaves_no_half_cache(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_mvn(
        tmp_path,
        "echo '[ERROR] Could not transfer artifact x from/to central'; exit 1\n",
        monkeypatch,
    )
    paths = server_paths(settings, "kafka")
    with pytest.raises(MavenFailed) as info:
        ensure_jars(paths)
    assert info.value.network and "not reachable" in str(info.value)
    assert not paths.lib_dir.parent.exists()
    assert [p.name for p in paths.lib_dir.parent.parent.iterdir() if not p.name.endswith(".lock")] == []


def test_successful_fetch_renames_into_place(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake mvn honours -DoutputDirectory=... like copy-dependencies does.
    script = 'for a in "$@"; do case "$a" in -DoutputDirectory=*) d="${a#*=}";; esac; done\n'
    script += 'mkdir -p "$d" && touch "$d/fake.jar"\n'
    _fake_mvn(tmp_path, script, monkeypatch)
    paths = server_paths(settings, "neo4j")
    assert ensure_jars(paths) == paths.lib_dir
    assert (paths.lib_dir / "fake.jar").exists()
    assert ensure_jars(paths) == paths.lib_dir  # cached: mvn not needed again


# --- connections --------------------------------------------------------------------


def test_resolve_external_servers_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j://graph.example:7687")
    monkeypatch.setenv("NEO4J_USER", "app")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    conns = resolve_connections(Settings(state_dir=tmp_path))
    assert conns == Connections(
        neo4j_uri="neo4j://graph.example:7687",
        neo4j_user="app",
        neo4j_password="s3cret-pw",
        neo4j_database="neo4j",
        kafka_bootstrap="k1:9092,k2:9092",
    )
    assert "s3cret-pw" not in repr(conns)


def test_resolve_managed_reads_stored_password(settings: Settings) -> None:
    with pytest.raises(NotStarted):
        resolve_connections(settings)
    password = managed_password(settings, create=True)
    conns = resolve_connections(settings)
    assert conns.neo4j_uri == "bolt://127.0.0.1:17001"
    assert conns.neo4j_password == password
    assert conns.kafka_bootstrap == "127.0.0.1:17003"
    assert conns.neo4j_managed and conns.kafka_managed


def test_cli_reports_server_errors_as_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from hausgraph.cli.common import handle_errors

    app = typer.Typer()

    @app.command()
    @handle_errors
    def boom() -> None:
        raise PortInUse("kafka", 9092, "HAUSGRAPH_KAFKA_PORT")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 1
    assert "HAUSGRAPH_KAFKA_PORT" in result.output and "Traceback" not in result.output


def test_kafka_cluster_id_with_a_leading_dash_stays_one_argument(settings: Settings) -> None:
    # urlsafe base64 ids may start with "-"; as a separate argv token argparse reads it as a flag
    from hausgraph.servers.config import kafka_storage_format_command

    argv = kafka_storage_format_command("java", server_paths(settings, "kafka"), "-Xy1")
    assert "--cluster-id=-Xy1" in argv and "-Xy1" not in argv


def test_status_exits_3_when_a_managed_server_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from hausgraph.cli import app
    from tests.servers import test_ports

    monkeypatch.setenv("HAUSGRAPH_STATE_DIR", str(tmp_path / "state"))
    for i, var in enumerate(("NEO4J_BOLT_PORT", "NEO4J_HTTP_PORT", "KAFKA_PORT", "KAFKA_CONTROLLER_PORT")):
        monkeypatch.setenv(f"HAUSGRAPH_{var}", str(test_ports().private(20 + i)))  # nothing listens there
    runner = CliRunner()
    plain = runner.invoke(app, ["servers", "status"])
    assert plain.exit_code == 3, plain.output
    assert "stopped" in plain.output
    as_json = runner.invoke(app, ["servers", "status", "--json"])
    assert as_json.exit_code == 0 and '"running": false' in as_json.output
