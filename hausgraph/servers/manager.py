"""Start, stop and inspect the managed servers; the shell around the pure config code."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from hausgraph.servers import kafka_server, neo4j_server
from hausgraph.servers.connections import Connections, resolve_connections
from hausgraph.servers.errors import NotReady, PortInUse, ServerDied, Unreachable
from hausgraph.servers.fetch import ensure_jars, find_java
from hausgraph.servers.layout import SERVER_NAMES, ServerPaths, server_paths
from hausgraph.servers.process import (
    file_lock,
    is_alive,
    port_free,
    read_pid,
    rss_bytes,
    spawn_detached,
    stop_process,
    uptime_s,
)
from hausgraph.settings import Settings

__all__ = ["ServerStatus", "ensure_started", "is_managed", "start", "status", "stop"]

logger = logging.getLogger(__name__)

_MODULES: dict[str, ModuleType] = {"neo4j": neo4j_server, "kafka": kafka_server}
_LOG_TAIL_LINES = 30
_PROBE_INTERVAL_S = 0.5


@dataclass(frozen=True)
class ServerStatus:
    """What ``hausgraph servers status`` shows for one server."""

    name: str
    managed: bool
    running: bool
    address: str
    version: str | None = None
    pid: int | None = None
    ports: dict[str, int] = field(default_factory=dict)
    rss_bytes: int | None = None
    uptime_s: float | None = None
    log: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "name": self.name,
            "managed": self.managed,
            "running": self.running,
            "address": self.address,
            "version": self.version,
            "pid": self.pid,
            "ports": dict(self.ports),
            "rss_bytes": self.rss_bytes,
            "uptime_s": None if self.uptime_s is None else round(self.uptime_s, 1),
            "log": self.log,
        }


def is_managed(settings: Settings, name: str) -> bool:
    """Whether server ``name`` is the managed local one (no external address configured)."""
    return not (settings.neo4j_uri if name == "neo4j" else settings.kafka_bootstrap_servers)


def _marker(paths: ServerPaths) -> str:
    # The state path is in every argv we launch, so it tells our JVM from a recycled pid.
    return str(paths.conf_dir)


def _running_pid(paths: ServerPaths) -> int | None:
    pid = read_pid(paths.pid_file)
    return pid if is_alive(pid, _marker(paths)) else None


def _probe(settings: Settings, name: str, *, timeout_s: float = 3.0) -> bool:
    if name == "kafka":
        bootstrap = settings.kafka_bootstrap_servers or f"127.0.0.1:{settings.kafka_port}"
        return kafka_server.probe(bootstrap, timeout_s=timeout_s)
    conns = resolve_connections(settings)
    return neo4j_server.probe(
        conns.neo4j_uri,
        conns.neo4j_user,
        conns.neo4j_password,
        conns.neo4j_database,
        managed=conns.neo4j_managed,
        timeout_s=timeout_s,
    )


def _read_from(path: Path, offset: int) -> list[str]:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass
class _Launch:
    name: str
    paths: ServerPaths
    proc: subprocess.Popen[bytes] | None = None
    pid: int | None = None
    log_offsets: dict[Path, int] = field(default_factory=dict)

    def log_tail(self) -> str:
        lines: list[str] = []
        for path, offset in self.log_offsets.items():
            new = _read_from(path, offset)[-_LOG_TAIL_LINES:]
            if new:
                lines += [f"--- {path.name} ---", *new]
        return "\n".join(lines) if lines else "(the server wrote no log lines)"

    def exited(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is not None
        return not is_alive(self.pid, _marker(self.paths))


def _status_cm(console: Any, message: str) -> Any:
    return console.status(message) if console is not None else nullcontext()


def _say(console: Any, message: str) -> None:
    if console is not None:
        console.print(message)


def _wait_ready(settings: Settings, launches: list[_Launch], console: Any) -> None:
    timeout = settings.server_start_timeout_s
    started = time.monotonic()
    pending = list(launches)
    with _status_cm(console, "Waiting for " + " and ".join(x.name for x in pending) + " to answer…"):
        while pending:
            for launch in list(pending):
                if _probe(settings, launch.name):
                    waited = time.monotonic() - started
                    logger.info("server ready name=%s waited_s=%.1f", launch.name, waited)
                    _say(console, f"[green]{launch.name} ready[/] after {waited:.1f}s")
                    pending.remove(launch)
                elif launch.exited():
                    launch.paths.pid_file.unlink(missing_ok=True)
                    raise ServerDied(launch.name, launch.log_tail(), str(launch.paths.main_log))
            if not pending:
                break
            waited = time.monotonic() - started
            if waited > timeout:
                for launch in pending:
                    if launch.proc is not None:  # only what this call started
                        stop_process(launch.proc.pid, _marker(launch.paths), _stop_timeout(launch.name))
                        launch.paths.pid_file.unlink(missing_ok=True)
                raise NotReady(pending[0].name, waited, str(pending[0].paths.main_log))
            time.sleep(_PROBE_INTERVAL_S)


def _stop_timeout(name: str) -> float:
    return float(_MODULES[name].stop_timeout_s)


def start(settings: Settings, names: Sequence[str] = SERVER_NAMES, console: Any = None) -> None:
    """Start the managed servers ``names`` (detached) and wait until they really answer.

    Already running servers are left alone (a no-op when they answer). Servers whose
    address is configured externally are skipped. Preflight (Java, jars, free ports)
    runs for all servers before any is launched.

    Parameters
    ----------
    settings
        Ports, memory, versions, ``state_dir`` / ``cache_dir``, start timeout.
    names
        Subset of ``("neo4j", "kafka")``.
    console
        Optional ``rich.console.Console`` for progress output.

    Raises
    ------
    ServerError
        ``JavaMissing``, ``MavenMissing``, ``MavenFailed``, ``PortInUse``, ``ServerDied``,
        ``NotReady`` or ``AuthFailed``, each with a message fit for the user.
    """
    names = [n for n in SERVER_NAMES if n in names and is_managed(settings, n)]
    if not names:
        return
    with ExitStack() as stack:
        launches: list[_Launch] = []
        to_launch: list[_Launch] = []
        for name in names:
            paths = server_paths(settings, name)
            stack.enter_context(file_lock(paths.lock_file))
            launch = _Launch(name, paths, pid=_running_pid(paths))
            launches.append(launch)
            if launch.pid is None:
                to_launch.append(launch)
            else:
                logger.info("server already running name=%s pid=%d", name, launch.pid)
        if to_launch:
            java = find_java()
            for launch in to_launch:
                module = _MODULES[launch.name]
                if not launch.paths.lib_dir.is_dir():
                    size = "~125 MB" if launch.name == "neo4j" else "~45 MB"
                    message = (
                        f"Downloading {launch.name} {launch.paths.version} jars from Maven Central "
                        f"(first run only, {size})…"
                    )
                    with _status_cm(console, message):
                        ensure_jars(launch.paths)
                    _say(
                        console,
                        f"{launch.name} {launch.paths.version} jars cached in {launch.paths.lib_dir.parent}",
                    )
                for _label, port, setting in module.ports(settings):
                    if not port_free(port):
                        raise PortInUse(launch.name, port, setting)
            for launch in to_launch:
                module = _MODULES[launch.name]
                with _status_cm(console, f"Preparing {launch.name}…"):
                    module.prepare(settings, launch.paths, java)
                launch.log_offsets = {p: _size(p) for p in (launch.paths.main_log, launch.paths.out_file)}
                launch.proc = spawn_detached(
                    module.command(java, settings, launch.paths),
                    cwd=launch.paths.home,
                    out_file=launch.paths.out_file,
                    pid_file=launch.paths.pid_file,
                )
                launch.pid = launch.proc.pid
                _say(console, f"{launch.name} starting (pid {launch.pid})")
        _wait_ready(settings, launches, console)


def stop(settings: Settings, names: Sequence[str] = SERVER_NAMES) -> dict[str, bool]:
    """Stop the managed servers ``names``: SIGTERM the process group, wait, SIGKILL.

    Returns
    -------
    dict
        ``{name: True}`` for each server that was running and is now stopped.
    """
    stopped: dict[str, bool] = {}
    for name in reversed(SERVER_NAMES):  # Kafka first: it is quick, Neo4j check-points
        if name not in names:
            continue
        paths = server_paths(settings, name)
        pid = read_pid(paths.pid_file)
        stopped[name] = pid is not None and stop_process(pid, _marker(paths), _stop_timeout(name))
        paths.pid_file.unlink(missing_ok=True)
        logger.info("server stop name=%s was_running=%s", name, stopped[name])
    return stopped


def status(settings: Settings, names: Sequence[str] = SERVER_NAMES) -> list[ServerStatus]:
    """Describe each server: running, pid, ports, RSS and uptime (managed) or reachability."""
    out: list[ServerStatus] = []
    for name in SERVER_NAMES:
        if name not in names:
            continue
        module = _MODULES[name]
        if not is_managed(settings, name):
            address = settings.neo4j_uri if name == "neo4j" else settings.kafka_bootstrap_servers
            try:
                up = _probe(settings, name, timeout_s=2.0)
            except Exception:  # noqa: BLE001 - status reports, it does not raise
                up = False
            out.append(ServerStatus(name=name, managed=False, running=up, address=str(address)))
            continue
        paths = server_paths(settings, name)
        pid = _running_pid(paths)
        ports = {label: port for label, port, _ in module.ports(settings)}
        first = next(iter(ports.values()))
        address = f"bolt://127.0.0.1:{first}" if name == "neo4j" else f"127.0.0.1:{first}"
        out.append(
            ServerStatus(
                name=name,
                managed=True,
                running=pid is not None,
                address=address,
                version=paths.version,
                pid=pid,
                ports=ports,
                rss_bytes=rss_bytes(pid) if pid else None,
                uptime_s=uptime_s(pid) if pid else None,
                log=str(paths.main_log),
            )
        )
    return out


def _check_external(settings: Settings, name: str) -> None:
    address = settings.neo4j_uri if name == "neo4j" else settings.kafka_bootstrap_servers
    if not _probe(settings, name, timeout_s=10.0):
        raise Unreachable(name, str(address), "no answer within 10s")


def ensure_started(settings: Settings, console: Any = None) -> Connections:
    """Start whatever managed servers are needed, check external ones, return connections.

    Parameters
    ----------
    settings
        As for :func:`start`; external addresses are checked, not started.
    console
        Optional ``rich.console.Console`` for progress output.

    Returns
    -------
    Connections
        Ready-to-use addresses and credentials.

    Raises
    ------
    ServerError
        See :func:`start`; also ``Unreachable`` / ``AuthFailed`` for external servers.
    """
    start(settings, SERVER_NAMES, console)
    for name in SERVER_NAMES:
        if not is_managed(settings, name):
            _check_external(settings, name)
    return resolve_connections(settings)
