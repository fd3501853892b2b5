"""Data and marketer-safe formatting of the Campaigns page: live reports (short TTL), k-household masking."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards.resources import client
from graph.jobs.campaigns import read_campaign_reports
from graph.vocabulary import DAY_MS

__all__ = [
    "CACHE_S",
    "DEFINITIONS",
    "LIVE_S",
    "daily_spend",
    "detail",
    "mask",
    "masked_curve",
    "masked_sources",
    "masked_table",
    "reports",
]

#: seconds between refreshes of the page's figures during live ingest (the issue's bound is 10)
LIVE_S = 5
#: how long one read is shared between viewers: under LIVE_S, so every refresh shows figures at most
#: CACHE_S + the report's own time old (a TTL of LIVE_S could hand a refresh the previous one's data)
CACHE_S = 1

DEFINITIONS = {
    "Impressions": "ad impressions counted once: the same event_id, or a re-sent copy of the same ad event "
    "for the same device within 2 s under another id, is a duplicate (contract §5)",
    "Households reached": "distinct households with at least one counted ad event; a device without a "
    "household counts as a household of its own",
    "Devices reached": "distinct devices with at least one counted ad event",
    "Avg frequency": "impressions per reached household",
    "Over the cap": "share of reached households that saw more impressions than the campaign's frequency "
    "cap within some window of the cap's length (default cap: 3 per hour per household)",
    "CTR": "clicks / impressions",
    "CVR": "conversions / clicks",
    "Spend": "by the cost model: CPM impressions / 1000 × rate, CPC clicks × rate, CPA conversions × rate",
    "eCPM": "spend / impressions × 1000",
    "CPC": "spend / clicks",
    "CPA": "spend / conversions",
    "Cost per household": "spend / households reached",
    "Pacing": "share of the budget spent / share of the flight elapsed (1.0 = on pace), at the newest "
    "exposure's time",
    "Duplicates": "re-sent copies of an ad event (same device, ad and kind within 2 s under another "
    "event_id, or the same event_id again) counted once and shown here by source",
}


@st.cache_data(ttl=CACHE_S, show_spinner=False)
def reports() -> list[dict[str, Any]]:
    """Every campaign's headline figures, computed live from the exposures (at most LIVE_S old)."""
    return read_campaign_reports(client())


@st.cache_data(ttl=CACHE_S, show_spinner=False)
def detail(campaign: str) -> dict[str, Any] | None:
    """One campaign's report with its breakdowns (by day, device type, source; the reach curve)."""
    rows = read_campaign_reports(client(), campaign)
    return rows[0] if rows else None


def mask(n: int | None, k: int) -> str:
    """A household count as a marketer may see it.

    >>> mask(49, 50), mask(50, 50), mask(1234, 50), mask(None, 50)
    ('< 50', '50', '1,234', '—')
    """
    if n is None:
        return "—"
    return f"< {k}" if n < k else f"{n:,}"


def masked_table(rows: list[dict[str, Any]], key: str, k: int) -> pd.DataFrame:
    """Breakdown rows (by day, device type, ...) with every count of a row under ``k`` households hidden.

    >>> rows = [{"type": "tv", "impressions": 900, "clicks": 3, "households_reached": 60, "spend": 4.5},
    ...         {"type": "console", "impressions": 9, "clicks": 0, "households_reached": 2, "spend": 0.05}]
    >>> masked_table(rows, "type", 50)["impressions"].tolist()
    ['900', '< 50 households']
    """
    out = []
    for r in rows:
        small = (r.get("households_reached") or 0) < k
        out.append(
            {
                key: r[key],
                "households": mask(r.get("households_reached"), k),
                **{
                    c: f"< {k} households" if small else f"{r.get(c) or 0:,}"
                    for c in ("impressions", "clicks", "conversions")
                },
                "spend": "—" if small or r.get("spend") is None else f"{r['spend']:,.2f}",
            }
        )
    return pd.DataFrame(out)


def masked_curve(curve: list[dict[str, Any]], k: int) -> pd.DataFrame:
    """The reach curve from its first point with at least ``k`` households (earlier points are small).

    >>> pts = [{"day": 0, "impressions": 9, "households": 3},
    ...        {"day": 1, "impressions": 200, "households": 60}]
    >>> masked_curve(pts, 50)["households"].tolist(), masked_curve(pts[:1], 50).empty
    ([60], True)
    """
    return pd.DataFrame(
        [p for p in curve if p["households"] >= k], columns=["day", "impressions", "households"]
    )


def masked_sources(rows: list[dict[str, Any]], k: int) -> pd.DataFrame:
    """Counts and duplicates per source, every count of a source under ``k`` households hidden.

    >>> rows = [{"source": "app", "impressions": 900, "clicks": 3, "conversions": 1, "duplicates": 20,
    ...          "households": 70}, {"source": "web", "impressions": 5, "clicks": 0, "conversions": 0,
    ...          "duplicates": 1, "households": 4}]
    >>> masked_sources(rows, 50)["duplicates"].tolist()
    ['20', '< 50 households']
    """
    out = []
    for r in rows:
        small = (r.get("households") or 0) < k
        out.append(
            {
                "source": r["source"],
                "households": mask(r.get("households"), k),
                **{
                    c: f"< {k} households" if small else f"{r.get(c) or 0:,}"
                    for c in ("impressions", "clicks", "conversions", "duplicates")
                },
            }
        )
    return pd.DataFrame(out)


def daily_spend(report: dict[str, Any]) -> pd.DataFrame:
    """Cumulative spend per day beside the budget and an even pace over the flight.

    >>> rep = {"budget": 100.0, "start": 0, "end": 4 * 86_400_000,
    ...        "by_day": [{"day": 0, "spend": 10.0}, {"day": 86_400_000, "spend": 30.0}]}
    >>> daily_spend(rep)["spent"].tolist(), daily_spend(rep)["even pace"].tolist()
    ([10.0, 40.0], [25.0, 50.0])
    """
    rows, total = [], 0.0
    for d in report["by_day"]:
        total += d.get("spend") or 0.0
        row = {"day": pd.Timestamp(d["day"], unit="ms"), "spent": total}
        if report.get("budget") is not None:
            flight = report["end"] - report["start"]
            elapsed = min(max((d["day"] + DAY_MS - report["start"]) / flight, 0.0), 1.0)
            row.update({"budget": report["budget"], "even pace": report["budget"] * elapsed})
        rows.append(row)
    return pd.DataFrame(rows).set_index("day") if rows else pd.DataFrame()
