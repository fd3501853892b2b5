"""Social-link job shell: presence + assignment → :func:`graph.social.social_links` → SOCIAL_LINK."""

from __future__ import annotations

import json
from typing import Any

from graph.jobs.reads import all_presence, current_assignment
from graph.jobs.runs import JobContext
from graph.params import GraphParams
from graph.social import social_links

__all__ = ["run_social_job", "write_links"]


def run_social_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    client = ctx.client
    assignment = current_assignment(client)
    rows = all_presence(client, ctx.shared)
    write_links(ctx, social_links(rows, assignment, params.social, params.households))


def write_links(ctx: JobContext, links: list[dict[str, Any]]) -> None:
    """Store ``links`` (the core's rows) as this run's SOCIAL_LINKs and remove the ones it did not
    find again; the local job and ``import links`` (the Spark engine's output) share it."""
    client = ctx.client
    out = [
        {
            "a": x["household_a"],
            "b": x["household_b"],
            "weight": round(float(x["weight"]), 4),
            "visits": int(x["visits"]),
            "first": int(x["first_seen"]),
            "last": int(x["last_seen"]),
            "evidence": json.dumps(x["evidence"], sort_keys=True),
        }
        for x in links
    ]
    client.write("jobs/write_social_links", out, run=ctx.run_id)
    removed = client.run_write("jobs/delete_stale_links", run=ctx.run_id)[0]["deleted"]
    ctx.counts.update(links=len(out), removed=removed)
    ctx.progress(f"social: {len(out):,} links between households")
