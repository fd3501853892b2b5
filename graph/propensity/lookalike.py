"""Look-alike expansion: rank households by how much they resemble a seed segment.

Every household is described by standardised features (genre shares, device mix, decayed ad
behaviour); a regularised logistic regression of "in the seed" against everyone else learns which
of them set the seed apart, and its score ranks the non-seed households.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from graph.errors import GraphError
from graph.params import PropensityParams
from graph.propensity.features import Context, decayed_counts

__all__ = ["BadSeed", "expand", "household_features"]


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


def expand(
    features: pd.DataFrame, seed: list[str], size: int, params: PropensityParams | None = None
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
    x = StandardScaler().fit_transform(features.to_numpy(dtype=np.float64))
    lr = LogisticRegression(C=p.lookalike_c, max_iter=2000, class_weight="balanced")
    lr.fit(x, members.astype(int))
    sim = lr.predict_proba(x[~members])[:, 1]
    order = np.argsort(-sim, kind="stable")[:size]
    return pd.DataFrame(
        {
            "household": features.index[~members][order],
            "similarity": np.round(sim[order], 6),
            "rank": np.arange(1, len(order) + 1),
        }
    )
