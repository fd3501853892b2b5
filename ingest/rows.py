"""Pure aggregation of valid events into the rows the Neo4j writes ``UNWIND``.

One presence row per (device, network, UTC day) carries the day's events with their keyed
identities, so the write can count only events it has not seen before (idempotent). The graph keeps
one ``SEEN_ON`` edge per device, network and day with 24 per-hour event counts, not one edge per hour.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from graph.vocabulary import DAY_MS, HOUR_MS
from ingest.contract import ContentRecord, ViewEvent
from ingest.pseudonym import Pseudonymizer, prefix64

__all__ = [
    "HOUR_MS",
    "bucket_rows",
    "content_merge_rows",
    "content_rows",
    "device_rows",
    "event_identity",
    "hour_rows",
    "network_of",
    "network_rows",
    "presence_rows",
    "relationship_key",
    "watched_contents",
]


def event_identity(ev: ViewEvent, pseudo: Pseudonymizer) -> int:
    """The event's keyed identity: its ``event_id``, else its identifying fields (contract §1)."""
    if ev.event_id is not None:
        return pseudo.event_id("id", ev.event_id)
    return pseudo.event_id(str(ev.ts_ms), ev.ip, ev.mac, ev.event, ev.content_id or "", ev.ad_id or "")


def network_of(ev: ViewEvent, pseudo: Pseudonymizer) -> tuple[str, int]:
    """(key, family) of the event's network: the IPv4 address, or the IPv6 address's /64."""
    value, family = _network_value(ev.ip)
    return pseudo.ip(value), family


@lru_cache(maxsize=1 << 16)  # addresses repeat; formatting a prefix is costly
def _network_value(ip: str) -> tuple[str, int]:
    if ":" in ip:
        return prefix64(ipaddress.IPv6Address(ip)), 6
    return ip, 4


def presence_rows(events: Iterable[ViewEvent], pseudo: Pseudonymizer) -> list[dict[str, Any]]:
    """Group events by (device, network, UTC day); duplicates within the batch collapse.

    Rows are sorted by device then network key so that concurrent writers take locks in
    one order. Each row: ``device, dtype, network, family, day, first, last, events`` where
    ``events`` is a list of ``{id, ts, event, content, secs, campaign, ad, source}`` dicts.
    """
    buckets: dict[tuple[str, str, int], dict[str, Any]] = {}
    types: dict[tuple[str, str, int], dict[str, int]] = {}
    for ev in events:
        device = pseudo.mac(ev.mac)
        network, family = network_of(ev, pseudo)
        ts = ev.ts_ms
        k = (device, network, ts - ts % DAY_MS)
        row = buckets.get(k)
        if row is None:
            row = buckets[k] = {
                "device": device,
                "network": network,
                "family": family,
                "day": k[2],
                "first": ts,
                "last": ts,
                "events": {},
            }
        eid = event_identity(ev, pseudo)
        seen = row["events"]
        if eid in seen:
            continue
        seen[eid] = {
            "id": eid,
            "ts": ts,
            "event": ev.event,
            "content": ev.content_id,
            "secs": ev.duration_s or 0.0,
            "campaign": ev.campaign_id,
            "ad": ev.ad_id,
            "source": ev.source,
        }
        if ts < row["first"]:
            row["first"] = ts
        elif ts > row["last"]:
            row["last"] = ts
        if ev.device_type:
            counts = types.setdefault(k, {})
            counts[ev.device_type] = counts.get(ev.device_type, 0) + 1
    out = []
    for k in sorted(buckets):
        row = buckets[k]
        row["events"] = list(row["events"].values())
        counts = types.get(k)
        # the most frequent type; ties go to the type seen first, as Counter.most_common does
        row["dtype"] = max(counts, key=counts.__getitem__) if counts else None
        out.append(row)
    return out


def content_rows(records: Iterable[ContentRecord]) -> list[dict[str, Any]]:
    """Catalog rows, last record per content id wins, sorted by id."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        latest[rec.content_id] = rec.model_dump()
    return [latest[k] for k in sorted(latest)]


def content_merge_rows(catalog: list[dict[str, Any]], watched: list[str]) -> list[dict[str, Any]]:
    """Every content of a batch in id order: its catalog row (``described``) or just the id.

    >>> rows = content_merge_rows([{"content_id": "b", "title": "B"}], ["a", "b"])
    >>> [(r["content_id"], r["described"], r.get("title")) for r in rows]
    [('a', False, None), ('b', True, 'B')]
    """
    rows = {c: {"content_id": c, "described": False} for c in watched}
    rows.update((c["content_id"], {**c, "described": True}) for c in catalog)
    return [rows[k] for k in sorted(rows)]


def device_rows(presence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per device of the batch: ``device, dtype, first, last`` (sorted by device)."""
    out: dict[str, dict[str, Any]] = {}
    for r in presence:
        cur = out.get(r["device"])
        if cur is None:
            out[r["device"]] = {
                "device": r["device"],
                "dtype": r["dtype"],
                "first": r["first"],
                "last": r["last"],
            }
        else:
            cur["first"] = min(cur["first"], r["first"])
            if r["last"] >= cur["last"]:
                cur["last"] = r["last"]
                cur["dtype"] = r["dtype"] or cur["dtype"]
    return [out[k] for k in sorted(out)]


def network_rows(presence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per network of the batch: ``network, family, first, last`` (sorted by key)."""
    out: dict[str, dict[str, Any]] = {}
    for r in presence:
        cur = out.get(r["network"])
        if cur is None:
            out[r["network"]] = {
                "network": r["network"],
                "family": r["family"],
                "first": r["first"],
                "last": r["last"],
            }
        else:
            cur["first"] = min(cur["first"], r["first"])
            cur["last"] = max(cur["last"], r["last"])
    return [out[k] for k in sorted(out)]


def relationship_key(*parts: str | int) -> int:
    """A 64-bit key of a relationship from its end keys (already pseudonyms) and bucket.

    >>> relationship_key("d1", "n1", 0) == relationship_key("d1", "n1", 0) != relationship_key("d1", "n1", 1)
    True
    """
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def bucket_rows(presence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``bucket, device, network, day, first, last, ids, hours, counts`` per presence row.

    ``ids`` are the events' keyed identities (no payload), ``hours`` the UTC hour of each (parallel),
    ``counts`` the 24 per-hour event counts of the row (what a new edge starts with).

    >>> [r] = bucket_rows([{"device": "d", "network": "n", "day": 0, "first": 5, "last": 7_200_000,
    ...     "events": [{"id": 1, "ts": 5}, {"id": 2, "ts": 7_200_000}]}])
    >>> r["ids"], r["hours"], r["counts"][:3]
    ([1, 2], [0, 2], [1, 0, 1])
    """
    out = []
    for r in presence:
        day = r["day"]
        hours = [(e["ts"] - day) // HOUR_MS for e in r["events"]]
        counts = [0] * 24
        for h in hours:
            counts[h] += 1
        out.append(
            {
                "bucket": relationship_key(r["device"], r["network"], "day", day),
                "device": r["device"],
                "network": r["network"],
                "day": day,
                "first": r["first"],
                "last": r["last"],
                "ids": [e["id"] for e in r["events"]],
                "hours": hours,
                "counts": counts,
            }
        )
    return out


def hour_rows(presence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``device, device_type, network, family, hour, events`` row per hour bucket of presence rows.

    What the jobs read from the graph (``graph.jobs.reads.presence_rows``), made from ``prepare``'s rows.

    >>> hour_rows([{"device": "d", "dtype": "tv", "network": "n", "family": 4, "day": 0,
    ...             "events": [{"ts": 5}, {"ts": 6}, {"ts": 7_200_000}]}])[1]["hour"]
    7200000
    """
    out = []
    for r in presence:
        counts: dict[int, int] = {}
        for e in r["events"]:
            hour = e["ts"] - e["ts"] % HOUR_MS
            counts[hour] = counts.get(hour, 0) + 1
        out.extend(
            {
                "device": r["device"],
                "device_type": r.get("dtype"),
                "network": r["network"],
                "family": r["family"],
                "hour": hour,
                "events": n,
            }
            for hour, n in sorted(counts.items())
        )
    return out


def watched_contents(presence: list[dict[str, Any]], fresh_ids: set[int]) -> list[str]:
    """Ids of the content that the views and bookmarks new to the graph reference, sorted.

    What a device watched is kept per device and day (:func:`ingest.daily.device_day_rows`); the
    content nodes themselves are merged from these ids.

    >>> p = [{"device": "d", "events": [
    ...     {"id": 1, "ts": 5, "event": "view", "content": "c"},
    ...     {"id": 2, "ts": 7, "event": "click", "content": None},
    ...     {"id": 3, "ts": 9, "event": "bookmark", "content": "a"}]}]
    >>> watched_contents(p, {1, 2, 3}), watched_contents(p, {2})
    (['a', 'c'], [])
    """
    return sorted(
        {
            e["content"]
            for r in presence
            for e in r["events"]
            if e["id"] in fresh_ids and e["event"] in ("view", "bookmark") and e["content"] is not None
        }
    )
