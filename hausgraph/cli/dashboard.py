"""``hausgraph dashboard``: the Streamlit app, bound to loopback unless configured otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import webbrowser
from pathlib import Path

import typer

from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.cli.signals import spawn_child, stop_child, stop_on_signals

__all__ = ["dashboard", "sign_in_refusal", "streamlit_command"]

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def streamlit_command(port: int, address: str | None) -> list[str]:
    """The ``streamlit run`` command line; always headless, so Streamlit never prompts or opens a browser.

    >>> streamlit_command(8501, None)[-6:]
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
        "true",
    ]
    # Marketers' data: loopback only, unless the operator configured an address for Streamlit.
    if not address:
        cmd += ["--server.address", "127.0.0.1"]
    return cmd


def sign_in_refusal(address: str | None, *passwords: object) -> str | None:
    """Why the app may not start: served beyond loopback with no sign-in configured (fails closed).

    OIDC sign-in lives in ``.streamlit/secrets.toml``; its presence counts as configured.

    >>> sign_in_refusal(None), sign_in_refusal("127.0.0.1"), sign_in_refusal("0.0.0.0", "pw")
    (None, None, None)
    >>> sign_in_refusal("0.0.0.0", None, None)[:40]
    'refused: serving on 0.0.0.0 needs a sign'
    """
    from ipaddress import ip_address

    if not address or address == "localhost":
        return None  # the command binds 127.0.0.1 itself when no address is configured
    try:
        if ip_address(address).is_loopback:
            return None
    except ValueError:
        pass
    secrets = [Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]
    if any(p is not None for p in passwords) or any(f.exists() for f in secrets):
        return None
    return (
        f"refused: serving on {address} needs a sign-in; set HAUSGRAPH_DASHBOARD_PASSWORD and "
        "HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD (or OIDC in .streamlit/secrets.toml)"
    )


@handle_errors
def dashboard(
    port: int | None = typer.Option(None, help="Port (default: HAUSGRAPH_DASHBOARD_PORT, 8501)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the app in this machine's browser."),
) -> None:
    """Run the Streamlit dashboard (overview, household explorer, social graph, audiences, console)."""
    settings = get_settings()
    port = port or settings.dashboard_port
    address = os.environ.get("STREAMLIT_SERVER_ADDRESS")
    refusal = sign_in_refusal(address, settings.dashboard_password, settings.dashboard_analyst_password)
    if refusal:
        console.print(f"[red]{refusal}[/]")
        raise typer.Exit(2)
    console.print(f"dashboard on http://{address or '127.0.0.1'}:{port}")
    # Streamlit's first-run prompt ("Email:") waits on stdin: give it none, and no browser to open
    with stop_on_signals() as stopping:
        app = spawn_child(streamlit_command(port, address), stdin=subprocess.DEVNULL)
        if open_browser:
            webbrowser.open(f"http://{address or '127.0.0.1'}:{port}")
        while not stopping.wait(0.5) and app.poll() is None:
            pass
        (code,) = stop_child(app)
    raise typer.Exit(0 if stopping.is_set() else code or 0)
