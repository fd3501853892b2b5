"""``hausgraph campaigns``: campaign report (reach, frequency, costs, pacing) and budget plans."""

from __future__ import annotations

import csv
import io
import json
import math

import typer
from rich.table import Table

from graph.campaigns.plan import PlanRefused, parse_split
from graph.jobs.campaigns import ALL_HOUSEHOLDS, read_campaign_reports, read_plan
from graph.vocabulary import DEVICE_TYPES
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import graph_client

__all__ = ["HEADLINE", "app", "parse_segment"]

app = typer.Typer(help="Campaign figures by household and budget plans (contract §5).", no_args_is_help=True)

#: the columns of the CSV and the table, in order
HEADLINE = (
    "campaign_id", "impressions", "clicks", "conversions", "duplicates", "devices_reached",
    "households_reached", "avg_frequency", "over_cap_share", "ctr", "cvr", "spend", "ecpm", "cpc", "cpa",
    "cost_per_household", "budget", "budget_left", "pacing_index",
)  # fmt: skip
_INT = ("min_size", "max_size", "min_degree")
_FLOAT = ("min_score", "min_affluence")


def parse_segment(text: str | None) -> dict:
    """``genre=kids,min_affluence=0.6,device_types=tv+console,kids=true`` → audience query parameters.

    >>> parse_segment("genre=kids,device_types=tv+console,min_size=2")["device_types"]
    ['tv', 'console']
    """
    out = dict(ALL_HOUSEHOLDS)
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key not in out or key == "active_since":
            raise PlanRefused("segment", f"unknown segment filter {key!r}; choose from {', '.join(out)}")
        try:
            if key in _INT:
                out[key] = int(value)
            elif key in _FLOAT:
                out[key] = float(value)
            elif key == "kids":
                out[key] = {"true": True, "false": False}[value.lower()]
            elif key == "device_types":
                out[key] = [t for t in value.split("+") if t]
                bad = [t for t in out[key] if t not in DEVICE_TYPES]
                if bad:
                    raise PlanRefused("segment", f"unknown device type {bad[0]!r}")
            else:
                out[key] = value
        except (ValueError, KeyError):
            raise PlanRefused("segment", f"bad value for {key}: {value!r}") from None
    return out


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4f}" if abs(v) < 1 else f"{v:,.2f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


@app.command("report")
@handle_errors
def report(
    campaign: str | None = typer.Option(None, "--campaign", help="One campaign id (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="A JSON list, one object per campaign."),
    as_csv: bool = typer.Option(False, "--csv", help="Headline figures as CSV."),
    detail: bool = typer.Option(
        False, "--detail", help="Add breakdowns by day, device type and source and the reach curve (slower)."
    ),
    live_cap: bool = typer.Option(
        False, "--live-cap", help="Count households over the cap now, not as the campaigns job last did."
    ),
) -> None:
    """Impressions, clicks, conversions (de-duplicated), device and household reach, frequency, costs."""
    with graph_client(get_settings()) as client:
        reports = read_campaign_reports(client, campaign, detail=detail or None, stored_cap=not live_cap)
    if as_json:
        typer.echo(json.dumps(reports, indent=2, default=_clean))
        return
    if as_csv:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(HEADLINE)
        w.writerows([r[k] for k in HEADLINE] for r in reports)
        typer.echo(out.getvalue(), nl=False)
        return
    table = Table(*HEADLINE[:12])
    for r in reports:
        table.add_row(*(_fmt(r[k]) for k in HEADLINE[:12]))
    console.print(table)


@app.command("plan")
@handle_errors
def plan(
    budget: float = typer.Option(..., "--budget", help="Total budget (in the campaign's currency)."),
    split: str | None = typer.Option(
        None, "--split", help="Shares per device type: tv=0.5,phone=0.3,tablet=0.2"
    ),
    segment: str | None = typer.Option(
        None,
        "--segment",
        help="Audience filters: genre=kids,min_score=1.2,min_affluence=0.6,device_types=tv+console",
    ),
    campaign: str | None = typer.Option(
        None, "--campaign", help="Weight the recommendation by this one's CTR."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Money, reachable households and devices per device type; the recommended split beside it."""
    shares = parse_split(split, DEVICE_TYPES) if split else None
    with graph_client(get_settings()) as client:
        result = read_plan(client, budget, shares, parse_segment(segment), campaign)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table("type", "share", "money", "households", "devices", "money/household", "recommended share")
    for row in result["split"]:
        cells = (row["share"], row["money"], row["households"], row["devices"], row["money_per_household"])
        table.add_row(row["type"], *map(_fmt, cells), _fmt(result["recommended"].get(row["type"])))
    console.print(table)
    console.print(
        "recommended: " + ", ".join(f"{t}={s:g}" for t, s in result["recommended"].items())
        + "  (reachable households × observed CTR per type)"
    )  # fmt: skip
