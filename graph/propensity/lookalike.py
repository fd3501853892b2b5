"""Look-alike expansion: rank households by how much they resemble a seed segment.

Every household is described by standardised features (genre shares, device mix, decayed ad
behaviour). Two rankings of the non-seed households:

* ``logistic`` (default): a regularised logistic regression of "in the seed" against everyone else
  (the usual seed-vs-population look-alike model) learns which features set the seed apart;
* ``centroid``: cosine similarity to the seed's mean in the standardised space, every feature weighing
  the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from graph.errors import GraphError
from graph.params import PropensityParams
from graph.propensity.features import Context, decayed_counts

__all__ = ["METHODS", "BadSeed", "expand", "household_features"]

METHODS = ("logistic", "centroid")


class BadSeed(GraphError):
    """A seed segment that cannot be expanded (``reason``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"cannot expand the seed: {reason}")


def household_features(
    events: pd.DataFrame, ctx: Context, as_of_ms: int, params: PropensityParams
) -> pd.DataFrame:
    """One row per household known to ``ctx``: genre shares, device mix, decayed all-campaign behaviour."""
    house = ctx.genres.add_prefix("genre_").join(ctx.devices, how="outer")
    if len(events):
        ad = decayed_counts(events.assign(campaign_id=events["campaign_id"].fillna("")), as_of_ms, params)
        behaviour = ad.groupby(level="household")[["im_all", "cl_all", "cn_all", "ps"]].first()
        house = house.join(np.log1p(behaviour), how="left")
    house.index.name = "household"
    return house.fillna(0.0)


def _logistic(x: np.ndarray, members: np.ndarray, c: float) -> np.ndarray:
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    lr.fit(x, members.astype(int))
    return lr.predict_proba(x[~members])[:, 1]


def _centroid(x: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Cosine similarity of each non-member to the members' mean (standardised features).

    >>> x = np.array([[1.0, 0.0], [1.0, 0.2], [0.9, 0.1], [-1.0, 0.0]])
    >>> _centroid(x, np.array([1, 1, 0, 0], bool)).round(3).tolist()
    [1.0, -0.995]
    """
    centre = x[members].mean(axis=0)
    rest = x[~members]
    norms = np.linalg.norm(rest, axis=1) * np.linalg.norm(centre)
    return rest @ centre / np.where(norms > 0, norms, 1.0)


def expand(
    features: pd.DataFrame,
    seed: list[str],
    size: int,
    params: PropensityParams | None = None,
    method: str = "logistic",
) -> pd.DataFrame:
    """The ``size`` non-seed households most like the seed: ``household, similarity, rank``.

    >>> f = pd.DataFrame({"x": [5.0, 5.1, 4.9, 0.0, 0.1, 4.8, -0.1]}, index=list("abcdefg"))
    >>> expand(f, ["a", "b", "c"], 2)["household"].tolist()
    ['f', 'e']
    """
    p = params or PropensityParams()
    members = features.index.isin(seed)
    if members.sum() < 2:
        raise BadSeed(f"{int(members.sum())} seed households are known; need at least 2")
    if (~members).sum() == 0:
        raise BadSeed("the seed covers every household; there is nobody to add")
    if size < 1:
        raise BadSeed(f"size must be at least 1, got {size}")
    if method not in METHODS:
        raise BadSeed(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    x = StandardScaler().fit_transform(features.to_numpy(dtype=np.float64))
    sim = _logistic(x, members, p.lookalike_c) if method == "logistic" else _centroid(x, members)
    order = np.argsort(-sim, kind="stable")[:size]
    return pd.DataFrame(
        {
            "household": features.index[~members][order],
            "similarity": np.round(sim[order], 6),
            "rank": np.arange(1, len(order) + 1),
        }
    )
