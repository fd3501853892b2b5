"""``hausgraph serve``: the activation API (contract §7) on loopback port 8600 by default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

__all__ = ["serve"]


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default HAUSGRAPH_API_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default HAUSGRAPH_API_PORT, 8600)."),
    rules: Path | None = typer.Option(None, help="House rules (TOML) on top of the campaign records."),
    campaigns: Path | None = typer.Option(None, help="Campaign records (JSON Lines) instead of the topic."),
) -> None:
    """Serve decisions, follow-ups and households over HTTP from the live views stream (docs at /docs).

    The command replaces itself with ``python -m hausgraph.api``, a process that never loads the CLI's
    analytics libraries (a third of the memory).
    """
    argv = [sys.executable, "-m", "hausgraph.api"]
    for flag, value in (("--host", host), ("--port", port), ("--rules", rules), ("--campaigns", campaigns)):
        if value is not None:
            argv += [flag, str(value)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)
