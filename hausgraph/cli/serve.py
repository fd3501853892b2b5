"""``hausgraph serve``: the activation API (contract §7) on loopback port 8600 by default."""

from __future__ import annotations

from pathlib import Path

import typer

from hausgraph.cli.common import console, get_settings, handle_errors

__all__ = ["serve"]


@handle_errors
def serve(
    host: str | None = typer.Option(None, help="Address to bind (default HAUSGRAPH_API_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default HAUSGRAPH_API_PORT, 8600)."),
    rules: Path | None = typer.Option(None, help="House rules (TOML) on top of the campaign records."),
    campaigns: Path | None = typer.Option(None, help="Campaign records (JSON Lines) instead of the topic."),
) -> None:
    """Serve decisions, follow-ups and households over HTTP from the live views stream (docs at /docs)."""
    from hausgraph.api.server import RefusedStart
    from hausgraph.api.server import serve as run
    from hausgraph.servers import resolve_connections

    settings = get_settings()
    update = {k: v for k, v in (("activation_rules", rules), ("activation_campaigns_file", campaigns)) if v}
    if update:
        settings = settings.model_copy(update=update)
    try:
        conn = resolve_connections(settings)
        console.print(
            f"activation API on http://{host or settings.api_host}:{port or settings.api_port}/docs"
        )
        run(settings, conn, host, port)
    except RefusedStart as err:
        console.print(f"[bold red]error:[/] [red]{err}[/]")
        raise typer.Exit(2) from None
