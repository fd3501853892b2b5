"""``hausgraph erase`` and ``hausgraph retention``: erasure of devices and expiry of old data."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from graph.erasure import erase_devices
from graph.jobs import run_job
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import graph_client, graph_params, pseudonymizer
from ingest.contract import normalize_mac
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer

__all__ = ["device_key_of", "erase", "retention_app"]

retention_app = typer.Typer(help="Expire old data (presence, watch and exposure edges, stale devices).")

_HEX = set("0123456789abcdef")


def device_key_of(text: str, pseudo: Pseudonymizer | None) -> str:
    """A line of an erasure request as a device key: a 32-hex key as it is, else a MAC keyed here.

    >>> device_key_of("0164CE5D6991974DC7B423F259ACFD9B ", None)
    '0164ce5d6991974dc7b423f259acfd9b'
    >>> device_key_of("A4-5E-60-0F-12-9C", Pseudonymizer("s"))
    '0164ce5d6991974dc7b423f259acfd9b'
    """
    value = text.strip().lower()
    if len(value) == 32 and set(value) <= _HEX:
        return value
    if pseudo is None:
        raise InvalidRecord("bad_key", "not a device key (32 hex characters)")
    return pseudo.mac(normalize_mac(value))


@handle_errors
def erase(
    mac: list[str] = typer.Option(
        [], "--mac", help="A device's MAC (any notation; keyed here, never stored)."
    ),
    key: list[str] = typer.Option([], "--key", help="A device key (contract §3)."),
    file: Path | None = typer.Option(None, "--file", help="One MAC or device key a line (# comments)."),
    rederive: bool = typer.Option(
        True, help="Re-run the left households and the social and affinity jobs now."
    ),
) -> None:
    """Erase devices (GDPR Art. 17): delete each with its edges and memberships, re-run its household,
    and suppress it, so that replays and future events of it are dropped (reason ``erased``)."""
    settings = get_settings()
    lines = list(mac) + list(key)
    if file is not None:
        lines += [
            ln for ln in file.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")
        ]
    if not lines:
        console.print("[red]nothing to erase: give --mac, --key or --file[/]")
        raise typer.Exit(2)
    pseudo = pseudonymizer(settings) if (mac or file is not None) else None
    keys = []
    for n, line in enumerate(lines, 1):
        try:
            keys.append(device_key_of(line, pseudo))
        except InvalidRecord as err:  # the line may be a MAC: never echo it
            console.print(
                f"[red]entry {n} is neither a MAC nor a device key ({err.reason}); nothing erased[/]"
            )
            raise typer.Exit(2) from None
    say = lambda m: console.print(f"  {m}")
    plural = "s" if len(keys) != 1 else ""
    with graph_client(settings) as client, console.status(f"erasing {len(keys)} device{plural}"):
        counts = erase_devices(client, keys, graph_params(settings), rederive, progress=say)
    console.print(
        f"erased {counts['devices']} of {counts['requested']} devices ({counts['edges']:,} edges); "
        f"{counts['suppressed']} on the suppression list; "
        f"re-ran: {', '.join(counts['rederived']) or 'nothing'}"
    )
    console.print(
        f"[dim]running ingesters drop their events within {settings.suppression_refresh_s:g} s; "
        "raw events stay in Kafka until the views topic's retention removes them[/]"
    )


@retention_app.command("apply")
@handle_errors
def apply(
    days: int | None = typer.Option(None, help="Keep this many days (default: HAUSGRAPH_RETENTION_DAYS)."),
) -> None:
    """Delete presence, watch and exposure edges older than DAYS days, and devices seen only before then."""
    settings = get_settings()
    params = graph_params(settings)
    if days is not None:
        from dataclasses import replace

        params = replace(params, retention=replace(params.retention, days=days))
    status = console.status(f"deleting data older than {params.retention.days} days")
    with graph_client(settings) as client, status:
        ctx = run_job(client, "retention", params)
    typer.echo(json.dumps(ctx.counts, sort_keys=True))
