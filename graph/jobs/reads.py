"""Reads shared by the graph jobs, turned into the plain rows the pure cores take."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.client import GraphClient

__all__ = ["all_presence", "current_assignment", "expand_presence", "presence_rows", "watch_rows"]


def expand_presence(grouped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per hour bucket from rows grouped per (device, network).

    >>> expand_presence([{"device": "d", "device_type": "tv", "network": "n", "family": 4,
    ...                   "hours": [0, 3600000], "events": [2, 1]}])[1]["hour"]
    3600000
    """
    return [
        {
            "device": g["device"],
            "device_type": g["device_type"],
            "network": g["network"],
            "family": g["family"],
            "hour": h,
            "events": e,
        }
        for g in grouped
        for h, e in zip(g["hours"], g["events"])
    ]


def presence_rows(
    client: GraphClient, since: int = 0, devices: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Presence rows (``device, device_type, network, family, hour, events``) since ``since``."""
    grouped = client.read(
        "jobs/read_presence", since=since, devices=list(devices) if devices is not None else None
    )
    return expand_presence(grouped)


def current_assignment(client: GraphClient) -> dict[str, str]:
    """``device_key -> household_id`` as stored."""
    return {r["device"]: r["household"] for r in client.read("jobs/read_assignment")}


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
