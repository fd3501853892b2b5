"""Thin shell: write one prepared batch to Neo4j in one transaction, offsets included."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from neo4j import ManagedTransaction

from graph.client import GraphClient, batched
from ingest.batch import Prepared
from ingest.daily import device_day_rows, exposure_rows
from ingest.rows import bucket_rows, content_merge_rows, device_rows, network_rows, watched_contents

__all__ = ["BatchResult", "read_offsets", "write_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchResult:
    fresh: int  # events that were new to the graph
    duplicates: int  # valid events the graph already had
    already_committed: bool = False  # a retried batch that had committed before


def read_offsets(client: GraphClient, group: str) -> dict[tuple[str, int], int]:
    """Next offset per (topic, partition) as stored with the data."""
    return {(r["topic"], r["partition"]): r["next"] for r in client.read("ingest/read_offsets", group=group)}


def write_batch(
    client: GraphClient,
    prep: Prepared,
    group: str,
    now_ms: int,
    rows_per_query: int = 2000,
    skip_committed: bool = False,
) -> BatchResult:
    """Write presence, catalog, offsets, dead-letter counts and stats atomically.

    The driver retries the whole transaction on transient errors (deadlocks, leader
    switches), which is safe because every statement is idempotent.
    """
    offsets = [
        {"id": f"{group}|{t}|{p}", "group": group, "topic": t, "partition": p, "next": n}
        for (t, p), n in sorted(prep.next_offsets.items())
    ]
    devices, networks, buckets = (
        device_rows(prep.presence),
        network_rows(prep.presence),
        bucket_rows(prep.presence),
    )

    def work(tx: ManagedTransaction) -> int:
        if skip_committed and offsets:
            # A retry after a commit whose acknowledgement was lost (e.g. the server went down
            # mid-commit): the stored offsets already cover the batch, so it is not written again.
            stored = {
                (r["topic"], r["partition"]): r["next"]
                for r in client.tx_run(tx, "ingest/read_offsets", group=group)
            }
            if all(stored.get((o["topic"], o["partition"]), 0) >= o["next"] for o in offsets):
                return -1
        # Lock order, the same in every ingester: devices, networks (each in key order), content
        # (in id order), campaigns, then the group's own offsets, counters and stats. Devices are
        # the partition key, so they are an ingester's own; the rest is shared.
        for chunk in batched(devices, rows_per_query):
            client.tx_run(tx, "ingest/merge_devices", rows=list(chunk), now=now_ms)
        for chunk in batched(networks, rows_per_query):
            client.tx_run(tx, "ingest/merge_networks", rows=list(chunk))
        fresh_ids: set[int] = set()
        for chunk in batched(buckets, rows_per_query):
            fresh_ids.update(client.tx_run(tx, "ingest/merge_seen_on", rows=list(chunk))[0]["fresh"])
        watched = watched_contents(prep.presence, fresh_ids)
        # merge_content returns what the day aggregate needs of each content (read after this
        # batch's catalog records are in); the DeviceDay nodes hang off this ingester's own devices
        # and keep what each device watched (there is no per-content watch edge)
        meta: dict = {}
        for chunk in batched(content_merge_rows(prep.content, watched), rows_per_query):
            meta.update((r["id"], r) for r in client.tx_run(tx, "ingest/merge_content", rows=list(chunk)))
        for chunk in batched(device_day_rows(prep.presence, fresh_ids, meta), rows_per_query):
            client.tx_run(tx, "ingest/merge_device_days", rows=list(chunk))
        exposed = exposure_rows(prep.presence, fresh_ids)
        if exposed or prep.campaigns:
            ids = {r["campaign"] for r in exposed} | {r["id"] for r in prep.campaigns}
            client.tx_run(tx, "ingest/merge_campaign_ids", ids=sorted(ids))
        if prep.campaigns:
            client.tx_run(tx, "ingest/merge_campaigns", rows=prep.campaigns, now=now_ms)
        for chunk in batched(exposed, rows_per_query):
            client.tx_run(tx, "ingest/merge_exposed_on", rows=list(chunk))
        fresh = len(fresh_ids)
        if offsets:
            client.tx_run(tx, "ingest/write_offsets", rows=offsets, now=now_ms)
        if prep.dead or prep.erased:
            client.tx_run(tx, "ingest/add_dead_letters", rows=prep.dead_letter_rows(now_ms))
        client.tx_run(
            tx,
            "ingest/add_stats",
            id=group,
            now=now_ms,
            valid=prep.valid,
            invalid=len(prep.dead),
            fresh=fresh,
            late=prep.late,
            duplicates=prep.valid_views - fresh,
        )
        return fresh

    fresh = client.transaction(work)
    if fresh < 0:
        return BatchResult(fresh=0, duplicates=0, already_committed=True)
    return BatchResult(fresh=fresh, duplicates=prep.valid_views - fresh)
