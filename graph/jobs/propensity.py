"""Propensity job shell: daily exposures → features → next-week model → PROPENSITY scores (kept over time)."""

from __future__ import annotations

import json
import logging
import time

from graph.jobs.runs import JobContext
from graph.params import DAY_MS, GraphParams
from graph.propensity.features import feature_table, prepare_events
from graph.propensity.model import NotTrainable, score, top_contributions
from graph.propensity.rows import context_from_rows, daily_events
from graph.propensity.training import fit_for_scoring, train_and_evaluate

__all__ = ["read_inputs", "run_propensity_job"]

log = logging.getLogger(__name__)


def read_inputs(client):
    """Event rows (per-day counts at noon) and the household context, from the graph."""
    exposures = client.read("propensity/read_daily_exposures")
    events = daily_events(exposures, client.read("propensity/read_daily_searches"))
    return events, context_from_rows(client.read("propensity/read_household_context"))


def run_propensity_job(
    ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False
) -> None:
    p = params.propensity
    client = ctx.client
    events, context = read_inputs(client)
    if events.empty:
        ctx.counts.update(model=None, reason="no ad exposures")
        ctx.progress("propensity: no ad exposures in the graph; no model")
        return
    start = int(events["ts"].min()) - DAY_MS // 2
    end = int(events["ts"].max()) + DAY_MS // 2  # the end of the last day with data: scores are as of then
    try:
        evaluated, _ = train_and_evaluate(events, context, start, end, p)
        record = fit_for_scoring(events, context, start, end, evaluated, p)  # + the held-back week
    except NotTrainable as e:
        log.warning("propensity no model reason=%s", e.reason)
        ctx.counts.update(model=None, reason=e.reason, **e.figures)
        ctx.progress(f"propensity: {e}")
        return
    table = feature_table(prepare_events(events), context, end, p)
    scores = score(record, table)
    reasons = top_contributions(record, table, p.top_contributions)
    m = record["metrics"]
    client.write(
        "propensity/merge_propensity_model",
        [
            {
                "hash": record["hash"],
                "trained_at": int(time.time() * 1000),
                "start": start,
                "train_end": record["window"]["train_end"],
                "end": end,
                "auc": m["auc"],
                "log_loss": m["log_loss"],
                "baseline_auc": record["baseline"]["auc"],
                "record": json.dumps(record, sort_keys=True),
            }
        ],
    )
    rows = [
        {"household": h, "campaign": c, "score": round(float(s), 6), "reasons": json.dumps(r)}
        for h, c, s, r in zip(table["household"], table["campaign_id"], scores, reasons)
    ]
    client.write("propensity/merge_propensity_scores", rows, as_of=end, model=record["hash"])
    ctx.counts.update(
        model=record["hash"], scores=len(rows), auc=m["auc"], baseline_auc=record["baseline"]["auc"]
    )
    ctx.progress(
        f"propensity: model {record['hash']} AUC {m['auc']} "
        f"(baseline {record['baseline']['auc']}), {len(rows):,} scores"
    )
