"""``hausgraph dashboard``: the Streamlit app, bound to loopback unless configured otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from hausgraph.cli.common import console, get_settings, handle_errors

__all__ = ["dashboard", "streamlit_command"]

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def streamlit_command(port: int, headless: bool, address: str | None) -> list[str]:
    """The ``streamlit run`` command line.

    >>> streamlit_command(8501, True, None)[-6:]
    ['--server.port', '8501', '--server.headless', 'true', '--server.address', '127.0.0.1']
    """
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--browser.gatherUsageStats",
        "false",
        "--server.port",
        str(port),
        "--server.headless",
        "true" if headless else "false",
    ]
    # Marketers' data: loopback only, unless the operator configured an address for Streamlit.
    if not address:
        cmd += ["--server.address", "127.0.0.1"]
    return cmd


@handle_errors
def dashboard(
    port: int | None = typer.Option(None, help="Port (default: HAUSGRAPH_DASHBOARD_PORT, 8501)."),
    headless: bool = typer.Option(False, "--headless", help="Do not open a browser."),
) -> None:
    """Run the Streamlit dashboard (overview, household explorer, social graph, audiences, console)."""
    settings = get_settings()
    port = port or settings.dashboard_port
    address = os.environ.get("STREAMLIT_SERVER_ADDRESS")
    console.print(f"dashboard on http://{address or '127.0.0.1'}:{port}")
    raise typer.Exit(subprocess.call(streamlit_command(port, headless, address)))
