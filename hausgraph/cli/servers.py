"""``hausgraph servers``: start, stop and inspect the managed local Neo4j and Kafka."""

from __future__ import annotations

import json
import shlex
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.cli.signals import stop_on_signals
from hausgraph.servers import SERVER_NAMES, resolve_connections, start, status, stop
from hausgraph.servers.layout import server_paths
from hausgraph.servers.manager import is_managed
from hausgraph.servers.process import tail_lines
from hausgraph.servers.supervise import Supervisor

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Managed local Neo4j and Kafka (jars from Maven Central, cached per machine; "
        "state in ./.hausgraph). Ignored for servers set via NEO4J_URI / KAFKA_BOOTSTRAP_SERVERS."
    ),
    no_args_is_help=True,
)

_stdout = Console(highlight=False)


class Server(StrEnum):
    neo4j = "neo4j"
    kafka = "kafka"


_ServerArg = Annotated[Server | None, typer.Argument(help="Only this server (default: both).")]


def _names(server: Server | None) -> tuple[str, ...]:
    return SERVER_NAMES if server is None else (server.value,)


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.0f} MiB"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


@app.command("start")
@handle_errors
def start_cmd(
    server: _ServerArg = None,
) -> None:
    """Start the managed servers detached and wait until they answer (no-op if up)."""
    settings = get_settings()
    names = _names(server)
    for name in names:
        if not is_managed(settings, name):
            console.print(f"{name}: external server configured, nothing to start")
    start(settings, names, console=console)
    for item in status(settings, names):
        if item.managed and item.running:
            console.print(
                f"[green]{item.name}[/] up at {item.address} (pid {item.pid}, {_mib(item.rss_bytes)})"
            )


@app.command("stop")
@handle_errors
def stop_cmd(
    server: _ServerArg = None,
) -> None:
    """Stop the managed servers (SIGTERM, then SIGKILL after a grace period)."""
    with console.status("Stopping…"):
        result = stop(get_settings(), _names(server))
    for name, was_running in result.items():
        console.print(f"{name}: {'stopped' if was_running else 'was not running'}")


@app.command("status")
@handle_errors
def status_cmd(
    server: _ServerArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Show each server: running, pid, ports, resident memory and uptime.

    Exits 3 when a server is not running (as ``systemctl status`` does), so scripts can test it;
    ``--json`` always exits 0 and says it in each item's ``running``.
    """
    items = status(get_settings(), _names(server))
    if as_json:
        _stdout.print_json(json.dumps([item.to_dict() for item in items]))
        return
    table = Table("server", "kind", "state", "pid", "address / ports", "RSS", "uptime", "version")
    for item in items:
        state = "[green]running[/]" if item.running else "[red]stopped[/]"
        if not item.managed:
            state = "[green]reachable[/]" if item.running else "[red]unreachable[/]"
        ports = ", ".join(f"{k} {v}" for k, v in item.ports.items()) or item.address
        table.add_row(
            item.name,
            "managed" if item.managed else "external",
            state,
            str(item.pid or "-"),
            ports,
            _mib(item.rss_bytes),
            _duration(item.uptime_s),
            item.version or "-",
        )
    _stdout.print(table)
    raise typer.Exit(_status_code(items))


def _status_code(items) -> int:
    """0 when every server asked about runs (or answers, if external), else 3 (LSB "not running")."""
    return 0 if all(item.running for item in items) else 3


@app.command("logs")
@handle_errors
def logs_cmd(
    server: _ServerArg = None,
    lines: Annotated[int, typer.Option("-n", "--lines", help="How many trailing lines.")] = 50,
) -> None:
    """Print the last lines of the managed servers' main logs."""
    settings = get_settings()
    for name in _names(server):
        paths = server_paths(settings, name)
        console.print(f"[bold]==> {paths.main_log} <==[/]")
        for line in tail_lines(paths.main_log, lines):
            _stdout.out(line, highlight=False)


@app.command("env")
@handle_errors
def env_cmd() -> None:
    """Print ``export`` lines for NEO4J_* and KAFKA_BOOTSTRAP_SERVERS (includes the password)."""
    conns = resolve_connections(get_settings())
    values = {
        "NEO4J_URI": conns.neo4j_uri,
        "NEO4J_USER": conns.neo4j_user,
        "NEO4J_PASSWORD": conns.neo4j_password,
        "NEO4J_DATABASE": conns.neo4j_database,
        "KAFKA_BOOTSTRAP_SERVERS": conns.kafka_bootstrap,
    }
    for key, value in values.items():
        _stdout.out(f"export {key}={shlex.quote(value)}", highlight=False)


@app.command("supervise")
@handle_errors
def supervise_cmd(
    server: _ServerArg = None,
) -> None:
    """Start the managed servers and keep them up: a server that exits is restarted within seconds.

    Restarts are bounded (HAUSGRAPH_SUPERVISE_MAX_RESTARTS per HAUSGRAPH_SUPERVISE_WINDOW_S);
    a server stopped with `hausgraph servers stop` stays stopped. Runs until SIGINT/SIGTERM,
    or exits 1 once it has given up on every server (let systemd's Restart= decide then).
    """
    settings = get_settings()
    names = _names(server)
    start(settings, names, console=console)
    supervisor = Supervisor(settings, names, say=console.print)
    console.print(f"supervising {', '.join(w.name for w in supervisor.watches) or 'nothing (all external)'}")
    with stop_on_signals() as stop_event:
        supervisor.run(stop_event)
    if supervisor.exhausted:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
