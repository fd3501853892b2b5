"""Pure per-day aggregates of fresh events: one row per device and UTC day, one per ad exposure group.

Both are computed from the events the graph did not have yet (``fresh_ids`` from ``merge_seen_on``),
so a replay adds nothing. The device-day row feeds presence, personas and campaigns; the exposure
row keeps what a campaign report needs (``ad_id``, ``source``, the day) and the event times that
recognise a re-sent ad event (same device, ad, kind and source within :data:`BID_COPY_MS`); the
ad of every counted event is kept beside its time.
"""

from __future__ import annotations

from typing import Any

from graph.device_days import add_content, add_view, empty_day, finish_day
from graph.vocabulary import DAY_MS, HOUR_MS
from ingest.rows import relationship_key

__all__ = [
    "AD_EVENTS",
    "BID_COPY_MS",
    "NO_CAMPAIGN",
    "device_day_rows",
    "exposure_rows",
    "split_bid_copies",
]

#: a re-sent ad event for the same device within this many ms under another id counts once (contract §5)
BID_COPY_MS = 2000
AD_EVENTS = ("impression", "click", "conversion")
#: the campaign of ad events that name none
NO_CAMPAIGN = "(none)"
_WATCH = ("view", "bookmark")


def _fresh(presence: list[dict[str, Any]], fresh_ids: set[int]):
    for r in presence:
        for e in r["events"]:
            if e["id"] in fresh_ids:
                yield r["device"], e


def _new_day(device: str, day: int) -> dict[str, Any]:
    return {"id": relationship_key(device, "day", day), **empty_day(device, day)}


def device_day_rows(
    presence: list[dict[str, Any]], fresh_ids: set[int], meta: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per (device, UTC day) of the fresh events, sorted by device then day.

    ``meta`` maps a content id to ``{kind, series, genres, age}`` (content the catalog does not
    describe yet adds its seconds but no series, genre or rating). Per-series and per-genre
    figures are parallel lists (``series_ids``/``series_views``/``series_seconds``,
    ``genres``/``genre_seconds``); ``hour_events`` counts events per UTC hour.

    >>> ev = [{"id": 1, "ts": 3 * 3_600_000, "event": "view", "content": "e1", "secs": 60.0},
    ...       {"id": 2, "ts": 3 * 3_600_000 + 5, "event": "search", "content": None, "secs": 0.0}]
    >>> meta = {"e1": {"kind": "series_episode", "series": "s", "genres": ["kids"], "age": 6}}
    >>> [r] = device_day_rows([{"device": "d", "events": ev}], {1, 2}, meta)
    >>> r["views"], r["searches"], r["hour_events"][3], r["series_ids"], r["series_views"], r["kids_seconds"]
    (1, 1, 2, ['s'], [1], 60.0)
    >>> device_day_rows([{"device": "d", "events": ev}], set(), meta)
    []
    """
    days: dict[tuple[str, int], dict[str, Any]] = {}
    for device, e in _fresh(presence, fresh_ids):
        ts = e["ts"]
        day = ts - ts % DAY_MS
        row = days.get((device, day))
        if row is None:
            row = days[(device, day)] = _new_day(device, day)
        kind = e["event"]
        row["searches" if kind == "search" else kind + "s"] += 1
        row["hour_events"][(ts - day) // HOUR_MS] += 1
        if kind in _WATCH and e["content"] is not None:
            add_content(row, e["content"], kind, e["secs"])
            if kind == "view":
                add_view(row, e["secs"], meta.get(e["content"]))
    return [finish_day(days[k]) for k in sorted(days)]


def split_bid_copies(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Events of one exposure group in time order, without re-sent copies; and how many were copies.

    A copy is an event of the same kind and ad within :data:`BID_COPY_MS` of one already kept.

    >>> kept, copies = split_bid_copies([{"ts": 1500, "kind": "impression", "ad": "a"},
    ...     {"ts": 0, "kind": "impression", "ad": "a"}, {"ts": 900, "kind": "click", "ad": "a"},
    ...     {"ts": 1000, "kind": "impression", "ad": "b"}, {"ts": 9000, "kind": "impression", "ad": "a"}])
    >>> [e["ts"] for e in kept], copies
    ([0, 900, 1000, 9000], 1)
    """
    kept: list[dict[str, Any]] = []
    last: dict[tuple[str, str], int] = {}
    for e in sorted(events, key=lambda e: (e["ts"], e["kind"], e["ad"])):
        prev = last.get((e["kind"], e["ad"]))
        if prev is not None and e["ts"] - prev <= BID_COPY_MS:
            continue
        last[(e["kind"], e["ad"])] = e["ts"]
        kept.append(e)
    return kept, len(events) - len(kept)


def exposure_rows(presence: list[dict[str, Any]], fresh_ids: set[int]) -> list[dict[str, Any]]:
    """One row per (device, campaign, UTC day, source) of fresh ad events, sorted by campaign.

    Rows carry the kept events (``{ts, kind, ad}``; the write drops those within :data:`BID_COPY_MS`
    of an event of the same kind and ad it already counted) and ``copies``, the re-sent copies found
    inside the batch.

    >>> ev = [{"id": i, "ts": t, "event": "impression", "campaign": "k", "ad": "a", "source": "app"}
    ...       for i, t in ((1, 100), (2, 1100), (3, 50_000))]
    >>> [r] = exposure_rows([{"device": "d", "events": ev}], {1, 2, 3})
    >>> r["campaign"], len(r["events"]), r["copies"], r["first"], r["last"]
    ('k', 2, 1, 100, 50000)
    """
    groups: dict[tuple[str, str, int, str], list[dict[str, Any]]] = {}
    for device, e in _fresh(presence, fresh_ids):
        if e["event"] not in AD_EVENTS:
            continue
        ts = e["ts"]
        k = (e["campaign"] or NO_CAMPAIGN, device, ts - ts % DAY_MS, e["source"] or "")
        groups.setdefault(k, []).append({"ts": ts, "kind": e["event"], "ad": e["ad"] or ""})
    out = []
    # by campaign first: devices are locked already, campaigns are the shared nodes (lock order)
    for k in sorted(groups):
        campaign, device, day, source = k
        kept, copies = split_bid_copies(groups[k])
        out.append(
            {
                "key": relationship_key(device, campaign, day, source),
                "device": device,
                "campaign": campaign,
                "day": day,
                "source": source,
                "events": kept,
                "copies": copies,
                "first": kept[0]["ts"],
                "last": max(e["ts"] for e in kept),
            }
        )
    return out
