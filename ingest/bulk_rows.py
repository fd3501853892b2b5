"""Pure: the rows a bulk import writes for one device partition, from the streaming builders.

An empty graph has seen no event, so every event a partition's :func:`ingest.batch.prepare` keeps is
fresh, and each MERGE of the streaming write (``cypher/ingest/merge_*.cypher``) takes its ON CREATE
branch: what it stores is the builder row itself plus what the Cypher derives on create. The
derivations are the steps below (event counts, the ad counters of an exposure). Partitions split
the events by device, so device-keyed rows (SEEN_ON, DeviceDay, EXPOSED_ON) are complete
in one partition; the shared nodes (Network, Content, Campaign) are merged across partitions by
:func:`merge_networks` with the same min/max the Cypher applies.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ingest.batch import Prepared
from ingest.daily import device_day_rows, exposure_rows
from ingest.rows import bucket_rows, device_rows, network_rows, watched_contents

__all__ = [
    "PartitionRows",
    "catalog_meta",
    "content_nodes",
    "fold_catalog",
    "merge_networks",
    "partition_rows",
]

PartitionRows = dict[str, Any]


def _fresh_ids(prep: Prepared) -> set[int]:
    return {e["id"] for r in prep.presence for e in r["events"]}


def _devices(prep: Prepared, now_ms: int) -> list[dict[str, Any]]:
    """``merge_devices`` on create plus ``merge_seen_on``'s ``d.events`` (every id is new)."""
    events: Counter[str] = Counter()
    for r in prep.presence:
        events[r["device"]] += len(r["events"])
    rows = device_rows(prep.presence)
    for d in rows:
        d["events"] = events[d["device"]]
        d["ingested"] = now_ms
    return rows


def _exposures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``merge_exposed_on`` on create: every kept event is counted, copies are duplicates.

    >>> [r] = _exposures([{"events": [{"ts": 1, "kind": "click", "ad": "a"}], "copies": 2}])
    >>> r["times"], r["kinds"], r["ads"], r["clicks"], r["impressions"], r["duplicates"]
    ([1], ['click'], ['a'], 1, 0, 2)
    """
    for r in rows:
        kinds = [e["kind"] for e in r["events"]]
        r["times"] = [e["ts"] for e in r["events"]]
        r["kinds"] = kinds
        r["ads"] = [e["ad"] for e in r["events"]]
        r["impressions"] = kinds.count("impression")
        r["clicks"] = kinds.count("click")
        r["conversions"] = kinds.count("conversion")
        r["duplicates"] = r["copies"]
    return rows


def partition_rows(prep: Prepared, meta: dict[str, dict[str, Any]], now_ms: int) -> PartitionRows:
    """Node and relationship rows of one prepared partition, keyed by :data:`ingest.bulk_columns.FILES` name.

    ``meta`` is what ``merge_content`` returns per content (``{kind, series, genres, age}``), from the
    whole catalog. Also returns ``networks`` (to merge across partitions), the ids of the content
    and campaigns the rows point at, and ``fresh`` (the events stored).

    >>> from ingest.batch import Prepared
    >>> p = Prepared(presence=[{"device": "d", "network": "n", "family": 4, "day": 0, "first": 5,
    ...     "last": 9, "dtype": "tv", "events": [
    ...         {"id": 1, "ts": 5, "event": "view", "content": "c", "secs": 2.0, "campaign": None,
    ...          "ad": None, "source": None},
    ...         {"id": 2, "ts": 9, "event": "impression", "content": None, "secs": 0.0, "campaign": "k",
    ...          "ad": "a", "source": "app"}]}])
    >>> out = partition_rows(p, {}, 100)
    >>> out["Device"][0]["events"], len(out["SEEN_ON"]), out["DeviceDay"][0]["content_views"], out["fresh"]
    (2, 1, [1], 2)
    >>> out["content_ids"], out["campaign_ids"], out["EXPOSED_ON"][0]["impressions"]
    ({'c'}, {'k'}, 1)
    """
    fresh = _fresh_ids(prep)
    buckets = bucket_rows(prep.presence)
    for b in buckets:
        b["events"] = len(b["ids"])
    watched = watched_contents(prep.presence, fresh)
    days = device_day_rows(prep.presence, fresh, meta)
    exposed = _exposures(exposure_rows(prep.presence, fresh))
    return {
        "Device": _devices(prep, now_ms),
        "SEEN_ON": buckets,
        "DeviceDay": days,
        "ACTIVE_ON": days,
        "EXPOSED_ON": exposed,
        "networks": network_rows(prep.presence),
        "content_ids": set(watched),
        "campaign_ids": {r["campaign"] for r in exposed},
        "fresh": len(fresh),
    }


def merge_networks(into: dict[str, dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    """Fold one partition's network rows into ``into`` as ``merge_networks.cypher`` does.

    >>> acc = {}
    >>> merge_networks(acc, [{"network": "n", "family": 4, "first": 5, "last": 9}])
    >>> merge_networks(acc, [{"network": "n", "family": 4, "first": 2, "last": 7}])
    >>> acc["n"]["first"], acc["n"]["last"]
    (2, 9)
    """
    for r in rows:
        cur = into.get(r["network"])
        if cur is None:
            into[r["network"]] = dict(r)
        else:
            cur["first"] = min(cur["first"], r["first"])
            cur["last"] = max(cur["last"], r["last"])


def fold_catalog(into: dict[str, dict[str, Any]], catalog: list[dict[str, Any]]) -> None:
    """One batch's catalog rows (:func:`ingest.rows.content_rows`) folded as ``merge_content`` does:
    a field the record leaves out (``None``) keeps the value stored before.

    >>> acc = {}
    >>> fold_catalog(acc, [{"content_id": "c", "title": "A", "kind": "movie"}])
    >>> fold_catalog(acc, [{"content_id": "c", "title": None, "kind": "series_episode"}])
    >>> acc["c"]["title"], acc["c"]["kind"], acc["c"]["described"]
    ('A', 'series_episode', True)
    """
    for row in catalog:
        cur = into.setdefault(row["content_id"], {"content_id": row["content_id"]})
        for k, v in row.items():
            if v is not None:
                cur[k] = v
        cur["described"] = True


def content_nodes(catalog: dict[str, dict[str, Any]], referenced: set[str]) -> list[dict[str, Any]]:
    """Every Content node: the catalog's (described) and those only views reference (id only).

    >>> [r["content_id"] for r in content_nodes({"b": {"content_id": "b", "described": True}}, {"a", "b"})]
    ['a', 'b']
    """
    ids = set(catalog) | referenced
    return [catalog.get(k, {"content_id": k}) for k in sorted(ids)]


def catalog_meta(catalog: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What ``merge_content`` returns per described content (the day aggregate's input)."""
    return {
        k: {
            "kind": r.get("kind"),
            "series": r.get("series_id"),
            "genres": r.get("genres"),
            "age": r.get("age_rating"),
        }
        for k, r in catalog.items()
    }
