"""The propensity model as plain data: spline knots, scaler, coefficients (JSON), rebuilt without pickle.

A fitted scikit-learn pipeline (``SplineTransformer`` → ``StandardScaler`` → ``LogisticRegression``) is
exported to numbers only, so a model record read back from the graph is data to check, never code to
trust. :class:`SplineLogit` evaluates the same B-spline bases with ``scipy.interpolate.BSpline``
(including the transformer's linear extrapolation beyond the training range), and gives the same
scores as the pipeline it came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import BSpline

from graph.errors import GraphError

__all__ = ["BadModelRecord", "SplineLogit", "model_hash", "pipeline_data"]


class BadModelRecord(GraphError):
    """A stored model that cannot be used (``reason``): malformed, or its numbers do not match its hash."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"unusable propensity model record: {reason}")


def model_hash(window: dict, data: dict) -> str:
    """Short SHA-256 of the window and the model's numbers, as canonical JSON.

    >>> model_hash({"end": 1}, {"intercept": 0.5}) == model_hash({"end": 1}, {"intercept": 0.5})
    True
    """
    text = json.dumps({"window": window, "model": data}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pipeline_data(pipe, features: list[str]) -> dict:
    """The numbers of a fitted spline → scaler → logistic pipeline, JSON-able (floats kept exactly)."""
    spline, scaler, logit = pipe[0], pipe[1], pipe[-1]
    return {
        "format": "spline-logit/1",
        "features": list(features),
        "degree": int(spline.degree),
        "knots": [[float(v) for v in b.t] for b in spline.bsplines_],
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "coef": [float(v) for v in logit.coef_[0]],
        "intercept": float(logit.intercept_[0]),
    }


def _basis(x: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    """Quadratic (degree ``k``) B-spline bases of ``x`` on knot vector ``t``, continued linearly outside
    ``[t[k], t[-k-1]]`` like scikit-learn's ``SplineTransformer(extrapolation="linear")``.

    >>> t = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    >>> _basis(np.array([0.5]), t, 2).round(3).tolist()
    [[0.125, 0.75, 0.125]]
    """
    n = len(t) - k - 1
    lo, hi = t[k], t[-k - 1]
    out = np.zeros((len(x), n))
    if not hi > lo:  # a feature constant in training: no span, every basis is zero (as in scikit-learn)
        return out
    spl = BSpline(t, np.eye(n), k, extrapolate=False)
    inside = (x >= lo) & (x <= hi)
    if inside.any():
        out[inside] = spl(x[inside])
    below, above = x < lo, x > hi
    if below.any() or above.any():
        f_lo, f_hi, d_lo, d_hi = spl(lo), spl(hi), spl(lo, nu=1), spl(hi, nu=1)
        for j in range(k if k > 1 else k + 1):
            out[below, j] = f_lo[j] + (x[below] - lo) * d_lo[j]
            out[above, n - 1 - j] = f_hi[n - 1 - j] + (x[above] - hi) * d_hi[n - 1 - j]
    return out


@dataclass(frozen=True)
class SplineLogit:
    """A logistic regression on standardised B-spline bases of each feature, from plain numbers."""

    features: tuple[str, ...]
    degree: int
    knots: tuple[np.ndarray, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_data(cls, data: Any) -> SplineLogit:
        """Check and rebuild :func:`pipeline_data` output (e.g. parsed from the graph's JSON)."""
        try:
            features = tuple(str(f) for f in data["features"])
            degree = int(data["degree"])
            knots = tuple(np.asarray(t, dtype=np.float64) for t in data["knots"])
            arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
            intercept = float(data["intercept"])
        except (KeyError, TypeError, ValueError) as e:
            raise BadModelRecord(f"missing or malformed field: {e}") from e
        if len(knots) != len(features) or degree < 1:
            raise BadModelRecord(f"{len(knots)} knot vectors for {len(features)} features, degree {degree}")
        width = sum(len(t) - degree - 1 for t in knots)
        if any(a.shape != (width,) for a in arrays) or not all(np.isfinite(a).all() for a in arrays):
            raise BadModelRecord(f"mean/scale/coef must be {width} finite numbers each")
        return cls(features, degree, knots, *arrays, intercept)

    def parts(self, x: np.ndarray) -> np.ndarray:
        """Per row and feature, that feature's contribution to the logit (its bases × coefficients)."""
        out = np.empty((len(x), len(self.features)))
        col = 0
        for i, t in enumerate(self.knots):
            b = _basis(x[:, i], t, self.degree)
            sl = slice(col, col + b.shape[1])
            out[:, i] = ((b - self.mean[sl]) / self.scale[sl]) @ self.coef[sl]
            col += b.shape[1]
        return out
