"""Affinity job shell: watches + catalog + assignment → profiles, LIKES and SIMILAR_TO."""

from __future__ import annotations

from typing import Any

from graph.affinity import household_affinity, similar_households
from graph.jobs.reads import all_presence, current_assignment, watch_rows
from graph.jobs.runs import JobContext
from graph.params import GraphParams
from graph.vocabulary import DEVICE_TYPES

__all__ = ["profile_row", "run_affinity_job"]


def profile_row(p: dict[str, Any], last_active: int | None) -> dict[str, Any]:
    """The Household properties of one affinity profile."""
    mix = p.get("device_mix") or {}
    return {
        "household": p["household_id"],
        "devices": int(p["devices"]),
        **{k: int(mix.get(k, 0)) for k in DEVICE_TYPES},
        "kids": bool(p["kids_content"]),
        "kids_share": round(float(p.get("kids_share", 0.0)), 4),
        "top_series": [s["series_id"] for s in p["top_series"]],
        "top_content": [c["content_id"] for c in p["top_content"]],
        "top_genres": list(p["top_genres"]),
        "hour_profile": [int(x) for x in p["activity_by_hour"]],
        "weekday_profile": [int(x) for x in p["activity_by_weekday"]],
        "seconds": float(p["seconds"]),
        "views": int(p["views"]),
        "last_active": last_active,
    }


def run_affinity_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    client = ctx.client
    assignment = current_assignment(client)
    profiles = household_affinity(
        watch_rows(client),
        client.read("jobs/read_content"),
        assignment,
        all_presence(client, ctx.shared),
        params.affinity,
        params.households.network,
    )
    last_active = {r["household"]: r["last_active"] for r in client.read("jobs/read_last_active")}
    client.write(
        "jobs/write_household_profiles",
        [profile_row(p, last_active.get(p["household_id"])) for p in profiles],
        run=ctx.run_id,
    )
    likes = [
        {
            "household": p["household_id"],
            "genres": [
                {"name": g, "score": round(float(v["lift"]), 4), "share": round(float(v["share"]), 4)}
                for g, v in sorted(p["genres"].items())
            ],
        }
        for p in profiles
    ]
    client.write("jobs/write_likes", likes, batch_size=1000, run=ctx.run_id)
    similar = [
        {"a": r["household_id"], "b": r["other_id"], "score": round(float(r["cosine"]), 4), "rank": r["rank"]}
        for r in similar_households(profiles, params.affinity)
    ]
    client.write("jobs/write_similar", similar, run=ctx.run_id)
    client.run_write("jobs/delete_stale_similar", run=ctx.run_id)
    ctx.counts.update(profiles=len(profiles), similar=len(similar))
    ctx.progress(f"affinity: {len(profiles):,} household profiles, {len(similar):,} look-alike pairs")
