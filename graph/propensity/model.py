"""Next-week conversion model: a standardised logistic regression, its record, scores and reasons.

The model record is plain JSON-able data (window, features, scaler, coefficients, metrics, hash),
so scoring needs numpy only and a stored record is reproducible.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.preprocessing import StandardScaler

from graph.errors import GraphError
from graph.params import PropensityParams
from graph.propensity.features import COUNT_FEATURES, FEATURES

__all__ = [
    "NotTrainable",
    "calibration_table",
    "check_trainable",
    "design_matrix",
    "evaluate",
    "fit_model",
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


def fit_model(
    train: pd.DataFrame, y: np.ndarray, params: PropensityParams, window: dict, features=FEATURES
) -> dict:
    """Fit on ``train``/``y`` (after :func:`check_trainable`) and return the model record."""
    check_trainable(train, y, params)
    x = design_matrix(train, features)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = LogisticRegression(C=params.regularisation_c, max_iter=2000)
    lr.fit((x - scaler.mean_) / scale, y)
    record = {
        "kind": "propensity",
        "window": window,
        "features": list(features),
        "mean": [round(float(v), 8) for v in scaler.mean_],
        "scale": [round(float(v), 8) for v in scale],
        "coef": [round(float(v), 8) for v in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 8),
        "train": {
            "rows": len(y),
            "positives": int(np.sum(y)),
            "households": int(train["household"].nunique()),
        },
    }
    record["hash"] = model_hash(record)
    return record


def model_hash(record: dict) -> str:
    """Hash of what the scores depend on (features, scaler, coefficients, window), 16 hex chars."""
    body = {k: record[k] for k in ("window", "features", "mean", "scale", "coef", "intercept")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def _standardised(record: dict, table: pd.DataFrame) -> np.ndarray:
    x = design_matrix(table, tuple(record["features"]))
    return (x - np.asarray(record["mean"])) / np.asarray(record["scale"])


def score(record: dict, table: pd.DataFrame) -> np.ndarray:
    """Probability of a conversion within the horizon for every row of ``table``."""
    z = _standardised(record, table) @ np.asarray(record["coef"]) + record["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def top_contributions(record: dict, table: pd.DataFrame, k: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the ``k`` features that raise its score most: (name, coefficient × standardised value)."""
    c = _standardised(record, table) * np.asarray(record["coef"])
    top = np.argsort(-c, axis=1)[:, :k]
    names = record["features"]
    return [[(names[j], round(float(c[i, j]), 4)) for j in row] for i, row in enumerate(top)]
