"""Train on days [0, T − horizon), evaluate on the held-back [T − horizon, T), score as of T."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.params import DAY_MS, PropensityParams
from graph.propensity.features import Context, feature_table, next_conversions, prepare_events
from graph.propensity.model import NotTrainable, evaluate, fit_model, recalibrate, score

__all__ = ["fit_for_scoring", "recent_clicks", "snapshot_times", "train_and_evaluate", "training_set"]


def snapshot_times(start_ms: int, end_ms: int, params: PropensityParams) -> list[int]:
    """Training moments: every ``train_step_days`` from ``min_history_days`` in, while the moment's
    horizon still ends before the held-back week.

    >>> [t // DAY_MS for t in snapshot_times(0, 28 * DAY_MS, PropensityParams())]
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    """
    h = params.horizon_days * DAY_MS
    first = start_ms + params.min_history_days * DAY_MS
    last = end_ms - 2 * h
    return list(range(first, last + 1, params.train_step_days * DAY_MS))


def training_set(events: pd.DataFrame, ctx: Context, moments: list[int], params: PropensityParams):
    """Feature rows at each moment with their next-horizon labels, stacked."""
    tables = [feature_table(events, ctx, t, params) for t in moments]
    table = pd.concat(tables, ignore_index=True) if tables else feature_table(events, ctx, 0, params).head(0)
    return table, next_conversions(events, table, params.horizon_days)


def recent_clicks(events: pd.DataFrame, table: pd.DataFrame, days: int) -> np.ndarray:
    """Baseline score: the household's clicks on the campaign in the ``days`` before each row's as_of."""
    clicks = events[events["event"] == "click"]
    clicks = clicks.assign(n=clicks["n"] if "n" in clicks.columns else 1)[
        ["household", "campaign_id", "ts", "n"]
    ]
    keys = table[["household", "campaign_id", "as_of"]].reset_index(drop=True).reset_index()
    m = keys.merge(clicks, on=["household", "campaign_id"])
    m = m[(m["ts"] < m["as_of"]) & (m["ts"] >= m["as_of"] - days * DAY_MS)]
    out = np.zeros(len(table))
    np.add.at(out, m["index"].to_numpy(), m["n"].to_numpy(dtype=np.float64))
    return out


def train_and_evaluate(
    events: pd.DataFrame, ctx: Context, start_ms: int, end_ms: int, params: PropensityParams | None = None
) -> tuple[dict, pd.DataFrame]:
    """Model record (with held-back metrics and the recent-clicks baseline) and the held-back rows.

    Raises :class:`~graph.propensity.model.NotTrainable` when the data cannot support a model.
    """
    p = params or PropensityParams()
    events = prepare_events(events)
    holdout = end_ms - p.horizon_days * DAY_MS
    moments = snapshot_times(start_ms, end_ms, p)
    if not moments:
        raise NotTrainable(
            "too little history for a held-back week",
            days=round((end_ms - start_ms) / DAY_MS, 1),
            needed=p.min_history_days + 2 * p.horizon_days,
        )
    train, y = training_set(events, ctx, moments, p)
    window = {"start": start_ms, "train_end": holdout, "end": end_ms, "horizon_days": p.horizon_days}
    record = fit_model(train, y, p, window)
    if p.recalibrate_recent_snapshots > 0:
        moments = sorted(train["as_of"].unique())
        recent = (train["as_of"] >= moments[-min(p.recalibrate_recent_snapshots, len(moments))]).to_numpy()
        record = recalibrate(record, train[recent], y[recent])
    test = feature_table(events, ctx, holdout, p)
    y_test = next_conversions(events, test, p.horizon_days)
    scores = score(record, test) if len(test) else np.zeros(0)
    record["metrics"] = evaluate(y_test, scores, p.calibration_bins)
    base = evaluate(y_test, recent_clicks(events, test, p.horizon_days), p.calibration_bins)
    record["baseline"] = {"name": "clicks in the last 7 days", "auc": base["auc"]}
    return record, test.assign(score=scores, converted=y_test)


def fit_for_scoring(
    events: pd.DataFrame,
    ctx: Context,
    start_ms: int,
    end_ms: int,
    evaluated: dict,
    params: PropensityParams | None = None,
) -> dict:
    """The model to score with as of ``end_ms``: the evaluated recipe refit on every moment whose labels
    are complete by then (the held-back week's too), so the moment scored is a week from the last one
    trained on rather than two. Carries the evaluated model's held-back metrics and hash (``evaluated``).
    """
    p = params or PropensityParams()
    events = prepare_events(events)
    h = p.horizon_days * DAY_MS
    train, y = training_set(events, ctx, snapshot_times(start_ms, end_ms + h, p), p)
    window = {"start": start_ms, "train_end": end_ms, "end": end_ms, "horizon_days": p.horizon_days}
    record = fit_model(train, y, p, {**window, "evaluated_model": evaluated["hash"]})
    if p.recalibrate_recent_snapshots > 0:
        moments = sorted(train["as_of"].unique())
        recent = (train["as_of"] >= moments[-min(p.recalibrate_recent_snapshots, len(moments))]).to_numpy()
        record = recalibrate(record, train[recent], y[recent])
    return {**record, "metrics": evaluated["metrics"], "baseline": evaluated["baseline"]}
