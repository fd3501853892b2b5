"""Next-week conversion model: a logistic regression on spline bases of the features, its record,
scores and reasons.

Each feature enters through a few quadratic B-spline bases (so a saturating effect, such as the
tenth impression adding less than the first, is not forced onto a straight line), standardised.
The model record is JSON-able: window, features, coefficients per feature, metrics, and the fitted
model as plain numbers (knots, scaler, coefficients: :mod:`graph.propensity.stored`) with a hash of
them; scoring rebuilds the model from those numbers, never by unpickling.
A row's contribution of a feature is the sum of its bases' coefficient × standardised value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from graph.errors import GraphError
from graph.params import PropensityParams
from graph.propensity.features import COUNT_FEATURES, FEATURES
from graph.propensity.stored import BadModelRecord, SplineLogit, model_hash, pipeline_data

__all__ = [
    "NotTrainable",
    "calibration_table",
    "check_trainable",
    "design_matrix",
    "evaluate",
    "fit_model",
    "fit_pipeline",
    "intercept_shift",
    "load_model",
    "recalibrate",
    "score",
    "top_contributions",
]


class NotTrainable(GraphError):
    """No model: the training data cannot support one (``reason`` says why)."""

    def __init__(self, reason: str, **figures: Any) -> None:
        self.reason = reason
        self.figures = figures
        detail = " ".join(f"{k}={v}" for k, v in figures.items())
        super().__init__(f"no propensity model: {reason} {detail}".strip())


def design_matrix(table: pd.DataFrame, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """Model inputs: counts as ``log1p``, the rest as they are.

    >>> design_matrix(pd.DataFrame({"im": [0.0, np.e - 1], "affinity": [0.5, -1.0]}), ("im", "affinity"))
    array([[ 0. ,  0.5],
           [ 1. , -1. ]])
    """
    cols = []
    for f in features:
        x = table[f].to_numpy(dtype=np.float64)
        cols.append(np.log1p(np.maximum(x, 0)) if f in COUNT_FEATURES else x)
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def check_trainable(table: pd.DataFrame, y: np.ndarray, params: PropensityParams) -> None:
    """Raise :class:`NotTrainable` for too few households, no conversions or a single class.

    >>> t = pd.DataFrame({"household": ["a", "b"]})
    >>> check_trainable(t, np.array([0, 1]), PropensityParams(min_households=5))
    Traceback (most recent call last):
    ...
    graph.propensity.model.NotTrainable: no propensity model: too few households households=2 needed=5
    """
    n_h = int(table["household"].nunique()) if len(table) else 0
    if n_h < params.min_households:
        raise NotTrainable("too few households", households=n_h, needed=params.min_households)
    pos = int(np.sum(y))
    if pos == 0:
        raise NotTrainable("no conversions in the training window", rows=len(y))
    if pos == len(y):
        raise NotTrainable("one class only: every row converts", rows=len(y))
    if pos < params.min_positives:
        raise NotTrainable("too few conversions", conversions=pos, needed=params.min_positives)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Rows sorted by score cut into ``bins`` equal groups: size, mean score, observed rate.

    >>> t = calibration_table(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.7, 0.9]), bins=2)
    >>> [(b["n"], b["mean_score"], b["observed"]) for b in t]
    [(2, 0.15, 0.0), (2, 0.8, 1.0)]
    """
    order = np.argsort(p, kind="stable")
    out = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if len(idx):
            out.append(
                {
                    "decile": i + 1,
                    "n": len(idx),
                    "mean_score": round(float(p[idx].mean()), 4),
                    "observed": round(float(y[idx].mean()), 4),
                }
            )
    return out


def evaluate(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict:
    """AUC, log-loss, base rate and calibration of scores ``p`` against outcomes ``y``."""
    both = 0 < int(np.sum(y)) < len(y)
    return {
        "rows": len(y),
        "positives": int(np.sum(y)),
        "auc": round(float(roc_auc_score(y, p)), 4) if both else None,
        "log_loss": round(float(log_loss(y, np.clip(p, 1e-9, 1 - 1e-9), labels=[0, 1])), 4)
        if len(y)
        else None,
        "calibration": calibration_table(y, p, bins),
    }


def fit_pipeline(x: np.ndarray, y: np.ndarray, params: PropensityParams):
    """The scikit-learn pipeline (spline bases → standardise → logistic regression) fitted on ``x``, ``y``."""
    pipe = make_pipeline(
        SplineTransformer(n_knots=params.spline_knots, degree=2, extrapolation="linear"),
        StandardScaler(),
        LogisticRegression(C=params.regularisation_c, max_iter=3000),
    )
    return pipe.fit(x, y)


def fit_model(
    train: pd.DataFrame, y: np.ndarray, params: PropensityParams, window: dict, features=FEATURES
) -> dict:
    """Fit on ``train``/``y`` (after :func:`check_trainable`) and return the model record."""
    check_trainable(train, y, params)
    pipe = fit_pipeline(design_matrix(train, features), y, params)
    data = pipeline_data(pipe, list(features))
    coef = pipe[-1].coef_[0].reshape(len(features), -1)
    return {
        "kind": "propensity",
        "window": window,
        "features": list(features),
        "coef": {f: [round(float(v), 6) for v in row] for f, row in zip(features, coef)},
        "intercept": round(float(pipe[-1].intercept_[0]), 6),
        "train": {
            "rows": len(y),
            "positives": int(np.sum(y)),
            "households": int(train["household"].nunique()),
        },
        "model": data,
        "hash": model_hash(window, data),
    }


def intercept_shift(logits: np.ndarray, y: np.ndarray) -> float:
    """The shift of the logit that makes the expected conversions equal the observed ones (0 when the
    rows have a single class: nothing to match).

    >>> round(intercept_shift(np.zeros(4), np.array([1, 1, 1, 0])), 4)  # 0.5 → 0.75: log 3
    1.0986
    """
    pos = float(np.sum(y))
    if not 0 < pos < len(y):
        return 0.0
    return float(brentq(lambda d: float(expit(logits + d).sum()) - pos, -20.0, 20.0))


def recalibrate(record: dict, recent: pd.DataFrame, y: np.ndarray) -> dict:
    """``record`` with its intercept shifted so the most recent training rows' (``recent``, ``y``) mean
    score equals their conversion rate — calibration-in-the-large on the moment nearest to the one the
    model is applied at; the hash covers the new numbers."""
    parts = _parts(record, recent).sum(axis=1) + record["model"]["intercept"]
    shift = intercept_shift(parts, y)
    data = {**record["model"], "intercept": record["model"]["intercept"] + shift}
    out = {**record, "model": data, "intercept": round(data["intercept"], 6)}
    out["recalibration"] = {"rows": len(y), "shift": round(shift, 6)}
    out["hash"] = model_hash(record["window"], data)
    return out


def load_model(record: dict) -> SplineLogit:
    """The record's model rebuilt from its numbers, after checking them against the record's hash.

    Raises :class:`~graph.propensity.stored.BadModelRecord` for a record without model data, with
    malformed numbers, or whose numbers do not give its hash (changed since it was written).
    """
    if not isinstance(record, dict) or not isinstance(record.get("model"), dict):
        raise BadModelRecord("no model data (records written before models were stored as data?)")
    if model_hash(record.get("window"), record["model"]) != record.get("hash"):
        raise BadModelRecord(f"its numbers do not match its hash {record.get('hash')!r}")
    return SplineLogit.from_data(record["model"])


def _parts(record: dict, table: pd.DataFrame, batch: int = 200_000) -> np.ndarray:
    """Per row and feature: the feature's contribution to the logit (batched to bound memory)."""
    model = load_model(record)
    out = np.empty((len(table), len(model.features)))
    for i in range(0, len(table), batch):
        out[i : i + batch] = model.parts(design_matrix(table.iloc[i : i + batch], model.features))
    return out


def score(record: dict, table: pd.DataFrame) -> np.ndarray:
    """Probability of a conversion within the horizon for every row of ``table``."""
    z = _parts(record, table).sum(axis=1) + record["model"]["intercept"]
    return expit(z)


def top_contributions(record: dict, table: pd.DataFrame, k: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the ``k`` features that raise its score most: (name, contribution to the logit)."""
    c = _parts(record, table)
    top = np.argsort(-c, axis=1)[:, :k]
    names = record["features"]
    return [[(names[j], round(float(c[i, j]), 4)) for j in row] for i, row in enumerate(top)]
