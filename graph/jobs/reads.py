"""Reads shared by the graph jobs, turned into the plain rows the pure cores take."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.client import GraphClient
from graph.vocabulary import DAY_MS, HOUR_MS

__all__ = [
    "all_presence",
    "current_assignment",
    "expand_presence",
    "pending_moves",
    "presence_rows",
    "watch_rows",
]


def expand_presence(grouped: list[dict[str, Any]], since: int = 0) -> list[dict[str, Any]]:
    """One row per hour bucket (from ``since`` on) from day rows grouped per (device, network).

    Each grouped row has ``days`` (epoch ms of UTC day starts) and ``counts`` (per day, 24 events
    per UTC hour); hours without events give no row.

    >>> g = [{"device": "d", "device_type": "tv", "network": "n", "family": 4,
    ...       "days": [0], "counts": [[2, 1] + [0] * 22]}]
    >>> [(r["hour"], r["events"]) for r in expand_presence(g)]
    [(0, 2), (3600000, 1)]
    >>> [r["hour"] for r in expand_presence(g, since=HOUR_MS)]
    [3600000]
    """
    return [
        {
            "device": g["device"],
            "device_type": g["device_type"],
            "network": g["network"],
            "family": g["family"],
            "hour": day + h * HOUR_MS,
            "events": e,
        }
        for g in grouped
        for day, counts in zip(g["days"], g["counts"])
        for h, e in enumerate(counts)
        if e and day + h * HOUR_MS >= since
    ]


def presence_rows(
    client: GraphClient, since: int = 0, devices: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Presence rows (``device, device_type, network, family, hour, events``) since ``since``."""
    grouped = client.read(
        "jobs/read_presence",
        since_day=since - since % DAY_MS,
        devices=list(devices) if devices is not None else None,
    )
    return expand_presence(grouped, since)


def current_assignment(client: GraphClient) -> dict[str, str]:
    """``device_key -> household_id`` as stored."""
    return {r["device"]: r["household"] for r in client.read("jobs/read_assignment")}


def pending_moves(client: GraphClient) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """``device_key -> {household, runs, since}``: moves full runs proposed and held; and the
    devices only incremental runs have placed (``graph.households.hold``)."""
    rows = client.read("jobs/read_pending_moves")
    pending = {
        r["device"]: {"household": r["household"], "runs": r["runs"], "since": r["since"]}
        for r in rows
        if r["household"] is not None
    }
    return pending, {r["device"] for r in rows if r.get("provisional")}


def watch_rows(client: GraphClient) -> list[dict[str, Any]]:
    """``device, content_id, views, seconds`` per device and content watched."""
    return [
        {"device": g["device"], "content_id": c, "views": v, "seconds": s}
        for g in client.read("jobs/read_watch")
        for c, v, s in zip(g["contents"], g["views"], g["seconds"])
    ]


def all_presence(client: GraphClient, shared: dict[str, Any]) -> list[dict[str, Any]]:
    """Every presence row, read once per job chain (``shared`` is the chain's memo)."""
    if "presence" not in shared:
        shared["presence"] = presence_rows(client)
    return shared["presence"]
