"""Retention job: presence, watch, exposure and per-day records older than N days go, and stale devices."""

from __future__ import annotations

import time

from graph.client import GraphClient
from graph.jobs.runs import JobContext
from graph.params import GraphParams
from graph.vocabulary import DAY_MS

__all__ = ["cutoff_ms", "delete_older_than", "run_retention_job"]

#: what goes, in this order: edges first (small transactions), then the devices left with nothing recent
_STEPS = (
    ("presence", "privacy/delete_old_presence"),
    ("watched", "privacy/delete_old_watched"),
    ("exposures", "privacy/delete_old_exposures"),
    ("device_days", "privacy/delete_old_device_days"),
    ("devices", "privacy/delete_old_devices"),
)


def cutoff_ms(now_ms: int, days: int) -> int:
    """The oldest instant kept.

    >>> cutoff_ms(10 * DAY_MS, 3) == 7 * DAY_MS
    True
    """
    if days < 1:
        raise ValueError(f"retention must keep at least 1 day, got {days}")
    return now_ms - days * DAY_MS


def _until_done(client: GraphClient, name: str, limit: int, **params) -> int:
    """Run a ``... LIMIT $limit DELETE ... RETURN count`` query until it deletes nothing."""
    total = 0
    while True:
        n = client.run_write(name, limit=limit, **params)[0]["deleted"]
        total += n
        if n < limit:
            return total


def delete_older_than(client: GraphClient, cutoff: int, batch: int = 10_000) -> dict[str, int]:
    """Delete everything the retention rule says is too old; counts per kind."""
    counts = {kind: _until_done(client, name, batch, cutoff=cutoff) for kind, name in _STEPS}
    counts["networks"] = _until_done(client, "privacy/delete_orphan_networks", batch)
    counts["households_retired"] = client.run_write("jobs/delete_empty_households")[0]["deleted"]
    return counts


def run_retention_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    """Delete what is older than ``params.retention.days``; the counts go on the run record."""
    rp = params.retention
    cutoff = cutoff_ms(int(time.time() * 1000), rp.days)
    ctx.counts.update(days=rp.days, cutoff=cutoff, **delete_older_than(ctx.client, cutoff, rp.batch))
    ctx.progress(f"retention: {ctx.counts}")
