"""``hausgraph db``: schema migrations and reset."""

from __future__ import annotations

import typer
from rich.table import Table

from graph.admin import migrate, reset
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import graph_client

__all__ = ["app"]

app = typer.Typer(help="Schema migrations and reset of the graph database.", no_args_is_help=True)


@app.command("migrate")
@handle_errors
def migrate_cmd() -> None:
    """Apply the numbered schema files not applied yet (idempotent)."""
    with graph_client(get_settings()) as client:
        result = migrate(client)
    for name in result.applied:
        console.print(f"[green]applied[/] {name}")
    console.print(f"{len(result.applied)} applied, {len(result.skipped)} already up to date")


@app.command("reset")
@handle_errors
def reset_cmd(yes: bool = typer.Option(False, "--yes", help="Really delete every node.")) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    if not yes:
        console.print("[red]refusing to empty the graph without --yes[/]")
        raise typer.Exit(2)
    with graph_client(get_settings()) as client:
        before = reset(client)
        migrate(client)
    table = Table("kind", "name", "deleted")
    for kind, counts in before.items():
        for name, n in sorted(counts.items()):
            table.add_row(kind, name, f"{n:,}")
    console.print(table if table.rows else "the graph was already empty")
