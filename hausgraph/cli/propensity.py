"""``hausgraph export propensity|features`` and ``hausgraph audiences expand``."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pandas as pd
import typer

from dashboards.audience import Segment, export_refusal
from graph.jobs.propensity import read_inputs
from graph.params import DAY_MS, GraphParams
from graph.propensity.features import feature_table, prepare_events
from graph.propensity.lookalike import BadSeed, expand, household_features
from graph.propensity.model import NotTrainable
from hausgraph.cli.common import console, get_settings, handle_errors, register_errors
from hausgraph.cli.jobs import export_app
from hausgraph.runtime import graph_client

__all__ = ["audiences_app"]

register_errors(BadSeed, NotTrainable)

audiences_app = typer.Typer(help="Audiences: look-alike expansion of a seed segment.", no_args_is_help=True)


@export_app.command("propensity")
@handle_errors
def export_propensity(
    campaign: str = typer.Option(..., help="Campaign id."),
    out: Path = typer.Option(..., help="CSV file to write."),
) -> None:
    """``household_id,score,as_of,model,reasons``: each household's latest score for the campaign."""
    with graph_client(get_settings()) as client:
        rows = client.read("propensity/read_propensity_export", campaign=campaign)
    if not rows:
        raise typer.BadParameter(
            f"no propensity scores for campaign {campaign!r}; run `hausgraph jobs run propensity`"
        )
    buf = io.StringIO()
    w = csv.DictWriter(buf, ["household_id", "score", "as_of", "model", "reasons"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buf.getvalue())
    console.print(f"{len(rows):,} households → {out}")


@export_app.command("features")
@handle_errors
def export_features(
    out: Path = typer.Option(..., help="Parquet file to write."),
    per_device: bool = typer.Option(False, "--per-device", help="One row per device key and campaign."),
) -> None:
    """Propensity features per (household, campaign) as of the end of the data (pseudonymous ids only)."""
    with graph_client(get_settings()) as client:
        events, context = read_inputs(client)
    if events.empty:
        raise typer.BadParameter("no ad exposures in the graph; nothing to export")
    end = int(events["ts"].max()) + DAY_MS // 2
    table = feature_table(prepare_events(events), context, end, GraphParams().propensity, per_device)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, engine="pyarrow", index=False)
    console.print(f"{len(table):,} rows x {table.shape[1]} columns → {out}")


def _seed_ids(seed: Path | None, segment: str | None, min_score: float, client) -> list[str]:
    if (seed is None) == (segment is None):
        raise typer.BadParameter("give exactly one of --seed F.csv or --segment GENRE")
    if seed is not None:
        df = pd.read_csv(seed, dtype=str)
        col = "household_id" if "household_id" in df.columns else df.columns[0]
        return sorted(set(df[col].dropna()))
    params = Segment(genre=segment, min_score=min_score, max_size=1000).params(int(time.time() * 1000))
    return [
        r["household"] for r in client.read("dashboards/read_audience_members", **params, limit=1_000_000)
    ]


@audiences_app.command("expand")
@handle_errors
def audiences_expand(
    seed: Path | None = typer.Option(None, help="CSV of seed households (column household_id)."),
    segment: str | None = typer.Option(None, help="Seed: households that like this genre."),
    min_score: float = typer.Option(1.5, help="With --segment: minimum genre lift."),
    size: int = typer.Option(500, help="Households to add."),
    method: str = typer.Option("logistic", help="logistic (seed vs everyone else) or centroid (cosine)."),
    out: Path = typer.Option(Path("lookalikes.csv"), help="CSV file to write."),
) -> None:
    """Rank households by resemblance to the seed segment (the seed itself excluded)."""
    settings = get_settings()
    with graph_client(settings) as client:
        ids = _seed_ids(seed, segment, min_score, client)
        events, context = read_inputs(client)
    refusal = export_refusal(size, settings.audience_min_households)
    if refusal:
        raise typer.BadParameter(refusal, param_hint="--size")
    end = int(events["ts"].max()) + DAY_MS // 2 if len(events) else 0
    feats = household_features(
        prepare_events(events) if len(events) else events, context, end, GraphParams().propensity
    )
    ranked = expand(feats, ids, size, GraphParams().propensity, method)
    out.parent.mkdir(parents=True, exist_ok=True)
    ranked.rename(columns={"household": "household_id"}).to_csv(out, index=False)
    console.print(f"seed {len(ids):,} households → {len(ranked):,} look-alikes → {out}")
