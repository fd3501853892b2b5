"""Pure aggregation of valid events into the rows the Neo4j writes ``UNWIND``.

One presence row per (device, network, hour bucket) carries the bucket's events with their
keyed identities, so the write can count only events it has not seen before (idempotent).
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ingest.contract import ContentRecord, ViewEvent
from ingest.pseudonym import Pseudonymizer, prefix64

__all__ = ["HOUR_MS", "event_identity", "network_of", "presence_rows", "content_rows"]

HOUR_MS = 3_600_000


def event_identity(ev: ViewEvent, pseudo: Pseudonymizer) -> str:
    """The event's keyed identity: its ``event_id``, else its identifying fields (contract §1)."""
    if ev.event_id is not None:
        return pseudo.event_id("id", ev.event_id)
    return pseudo.event_id(str(ev.ts_ms), ev.ip, ev.mac, ev.event, ev.content_id or "", ev.ad_id or "")


def network_of(ev: ViewEvent, pseudo: Pseudonymizer) -> tuple[str, int]:
    """(key, family) of the event's network: the IPv4 address, or the IPv6 address's /64."""
    if ev.ipv6:
        return pseudo.ip(prefix64(ipaddress.IPv6Address(ev.ip))), 6
    return pseudo.ip(ev.ip), 4


def presence_rows(events: Iterable[ViewEvent], pseudo: Pseudonymizer) -> list[dict[str, Any]]:
    """Group events by (device, network, hour); duplicates within the batch collapse.

    Rows are sorted by device then network key so that concurrent writers take locks in
    one order. Each row: ``device, dtype, network, family, hour, first, last, events`` where
    ``events`` is a list of ``{id, ts, event, content, secs, campaign}`` dicts.
    """
    buckets: dict[tuple[str, str, int], dict[str, Any]] = {}
    types: dict[tuple[str, str, int], Counter[str]] = {}
    for ev in events:
        device = pseudo.mac(ev.mac)
        network, family = network_of(ev, pseudo)
        hour = ev.ts_ms - ev.ts_ms % HOUR_MS
        k = (device, network, hour)
        row = buckets.get(k)
        if row is None:
            row = buckets[k] = {
                "device": device, "network": network, "family": family, "hour": hour,
                "first": ev.ts_ms, "last": ev.ts_ms, "events": {},
            }
            types[k] = Counter()
        eid = event_identity(ev, pseudo)
        if eid in row["events"]:
            continue
        row["events"][eid] = {
            "id": eid, "ts": ev.ts_ms, "event": ev.event, "content": ev.content_id,
            "secs": ev.duration_s or 0.0, "campaign": ev.campaign_id,
        }
        row["first"] = min(row["first"], ev.ts_ms)
        row["last"] = max(row["last"], ev.ts_ms)
        if ev.device_type:
            types[k][ev.device_type] += 1
    out = []
    for k in sorted(buckets):
        row = buckets[k]
        row["events"] = list(row["events"].values())
        row["dtype"] = types[k].most_common(1)[0][0] if types[k] else None
        out.append(row)
    return out


def content_rows(records: Iterable[ContentRecord]) -> list[dict[str, Any]]:
    """Catalog rows, last record per content id wins, sorted by id."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        latest[rec.content_id] = rec.model_dump()
    return [latest[k] for k in sorted(latest)]
