"""Campaign shells: read exposures and plans → pure cores → report, plan, job writes."""

from __future__ import annotations

import time
from typing import Any

from graph.campaigns.affluence import affluence_rows
from graph.campaigns.cap import cap_rows, units_to_check
from graph.campaigns.metrics import campaign_headlines, campaign_reports
from graph.campaigns.plan import budget_split, recommended_split
from graph.client import Client
from graph.jobs.runs import JobContext
from graph.params import GraphParams

__all__ = ["read_campaign_reports", "read_plan", "run_affluence_job", "run_campaigns_job", "update_over_cap"]

#: the segment of every household (the audience queries' parameters with no filter)
ALL_HOUSEHOLDS: dict[str, Any] = {
    "genre": None,
    "min_score": 0.0,
    "device_types": [],
    "min_size": 1,
    "max_size": 1000,
    "kids": None,
    "min_degree": 0,
    "active_since": None,
    "min_affluence": None,
}


def read_campaign_reports(
    client: Client,
    campaign: str | None = None,
    as_of: int | None = None,
    detail: bool | None = None,
    stored_cap: bool = True,
) -> list[dict[str, Any]]:
    """Reports of every campaign (or one), pacing at ``as_of`` (else the newest event's time).

    Headlines (counts, reach, frequency, cap, costs, pacing) come from counts the server aggregates;
    ``detail`` (default: when one campaign is asked for) adds the breakdowns by day, device type, day
    and type, source, and the reach curve, computed from the campaign's exposures per device.
    Both take the households over the cap as the ``campaigns`` job last stored them (``stored_cap``;
    counted here, sorting every impression time, when a campaign has none or ``stored_cap`` is off):
    that sort is the one slow step, so the job keeps it up to date incrementally.
    """
    if as_of is None:
        as_of = client.read("campaigns/read_data_clock")[0]["last"] or 0
    plans = {
        r["plan"]["id"]: r["plan"] for r in client.read("campaigns/read_campaign_plans", campaign=campaign)
    }
    stored = client.read("campaigns/read_stored_over_cap", campaign=campaign) if stored_cap else []
    over = {r["campaign"]: r["over_cap"] for r in stored}

    def covered(rows: list[dict[str, Any]]) -> dict[str, int]:
        if {r["campaign"] for r in rows} <= set(over):
            return over
        return {
            r["campaign"]: r["over_cap"]
            for r in client.read("campaigns/read_campaign_over_cap", campaign=campaign)
        }

    if detail if detail is not None else campaign is not None:
        exposures = client.read("campaigns/read_campaign_exposures", campaign=campaign)
        sources = client.read("campaigns/read_campaign_sources", campaign=campaign)
        return campaign_reports(exposures, plans, sources, as_of, covered(exposures))
    totals = client.read("campaigns/read_campaign_totals", campaign=campaign)
    return campaign_headlines(totals, covered(totals), plans, as_of)


def read_plan(
    client: Client,
    budget: float,
    shares: dict[str, float] | None,
    segment: dict[str, Any] | None = None,
    campaign: str | None = None,
) -> dict[str, Any]:
    """Money and reach per device type for ``shares`` (or the recommended split) in a segment.

    The recommendation weights reachable households by ``campaign``'s observed CTR per device type
    (all campaigns' when none is named).
    """
    reach = {
        r["type"]: {"households": r["households"], "devices": r["devices"]}
        for r in client.read("campaigns/read_reachable_by_type", **{**ALL_HOUSEHOLDS, **(segment or {})})
    }
    ctr = {
        r["type"]: (r["clicks"] / r["impressions"] if r["impressions"] else None)
        for r in client.read("campaigns/read_ctr_by_type", campaign=campaign)
    }
    # the asked split first: its refusal names the device type that cannot be reached
    split = budget_split(budget, shares, reach) if shares else None
    recommended = recommended_split(reach, ctr)
    return {
        "budget": budget,
        "reachable": reach,
        "ctr": ctr,
        "recommended": recommended,
        "split": split or budget_split(budget, recommended, reach),
    }


#: above this many units to sort, the cap job scans every exposure once instead of looking each up
_LOOKUP_MAX = 2000


def _plans(client: Client, campaign: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        r["plan"]["id"]: r["plan"] for r in client.read("campaigns/read_campaign_plans", campaign=campaign)
    }


def update_over_cap(client: Client, run: str, incremental: bool = True) -> dict[str, int]:
    """Store every campaign's units over its frequency cap (:mod:`graph.campaigns.cap`); counts of work.

    Incremental: only the units whose impression count changed since the stored state have their
    times read and sorted; a full run sorts every unit's.
    """
    plans = _plans(client)
    counts = {
        r["campaign"]: dict(zip(r["units"], r["counts"]))
        for r in client.read("campaigns/read_cap_counts", campaign=None)
    }
    stored = (
        {r["campaign"]: r for r in client.read("campaigns/read_cap_state", campaign=None)}
        if incremental
        else {}
    )
    check = units_to_check(counts, stored, plans)
    if not incremental or len(check) > _LOOKUP_MAX:  # many units: one scan beats a lookup each
        wanted = set(check)
        rows = client.read("campaigns/read_cap_times", campaign=None)
        times = [(r["campaign"], r["unit"], r["times"]) for r in rows if (r["campaign"], r["unit"]) in wanted]
    elif check:
        pairs = [{"campaign": c, "unit": u} for c, u in check]
        times = [
            (r["campaign"], r["unit"], r["times"])
            for r in client.read("campaigns/read_cap_times_of_units", pairs=pairs)
        ]
    else:
        times = []
    rows = cap_rows(counts, stored, plans, times)
    if incremental:  # a campaign whose units and counts did not change keeps its stored state
        rows = [r for r in rows if _changed(r, stored.get(r["campaign"]))]
    client.write("campaigns/write_cap_state", rows, now=int(time.time() * 1000), run=run)
    return {"campaigns": len(rows), "checked": len(check), "touched": len(rows)}


def _changed(row: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    return stored is None or any(row[k] != stored[k] for k in ("cap", "units", "counts", "over"))


def run_campaigns_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    """Units over the frequency cap on each Campaign (incremental: the units that changed), then, on a
    full run, the headline figures (the app and CLI compute those live)."""
    work = update_over_cap(ctx.client, ctx.run_id, incremental)
    ctx.counts.update(work)
    if incremental:
        ctx.progress(f"campaigns: {work['checked']:,} units checked against the cap")
        return
    reports = read_campaign_reports(ctx.client)
    rows = [
        {
            "campaign": r["campaign_id"],
            "impressions": r["impressions"],
            "clicks": r["clicks"],
            "conversions": r["conversions"],
            "duplicates": r["duplicates"],
            "devices": r["devices_reached"],
            "households": r["households_reached"],
            "spend": r["spend"],
        }
        for r in reports
    ]
    ctx.client.write("campaigns/write_campaign_summaries", rows, now=int(time.time() * 1000), run=ctx.run_id)
    ctx.counts.update(campaigns=len(rows))
    ctx.progress(f"campaigns: {len(rows):,} campaign reports")


def run_affluence_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    """The affluence proxy of every household (device count and mix) onto the Household nodes."""
    rows = affluence_rows(ctx.client.read("campaigns/read_household_device_types"))
    ctx.client.write("campaigns/write_affluence", rows, run=ctx.run_id)
    ctx.counts.update(households=len(rows))
    ctx.progress(f"affluence: {len(rows):,} households scored")
