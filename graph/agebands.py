"""Age bands per device (pure, vectorised) from what it watched, when, and what kind of device it is.

``kid`` (< 13): the kids' genre holds most of the seconds and the days stay at young age ratings.
``teen``: the days stay at young age ratings but not kids' content. ``senior``: a TV watching
mostly news and documentaries in daytime. ``adult``: content rated for adults on some days, or
none of the above. Too few views: no band. The confidence grows with the views seen and the margin
by which the deciding figure passed its threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.activity import DayFrames
from graph.params import PersonaParams

__all__ = ["AGE_BANDS", "age_bands"]

AGE_BANDS = ("kid", "teen", "adult", "senior")


def _safe(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b > 0, a / np.maximum(b, 1e-12), 0.0)


def age_bands(f: DayFrames, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """One row per device: dev, band (``None`` when unknown), confidence in [0, 1], and the figures:
    views, kids_share, young_days (share of rated days at most ``kid_max_rating``), adult_days,
    senior_share, daytime_share.

    >>> from graph.activity import day_frames
    >>> kid = [{"device": "k", "day": d * 86_400_000, "views": 4, "seconds": 900.0, "kids_seconds": 800.0,
    ...         "max_age": 6, "genres": ["kids"], "genre_seconds": [800.0]} for d in range(10)]
    >>> adult = [{"device": "z", "day": d * 86_400_000, "views": 4, "seconds": 900.0, "max_age": 16,
    ...           "genres": ["crime"], "genre_seconds": [900.0]} for d in range(10)]
    >>> age_bands(day_frames(kid + adult))[["dev", "band", "confidence"]].values.tolist()
    [[0, 'kid', 0.65], [1, 'adult', 0.67]]
    """
    p = params
    d = f.days
    g = d.assign(
        rated=d["max_age"].notna(),
        young=d["max_age"] <= p.kid_max_rating,
        teenish=d["max_age"] <= p.teen_max_rating,
        old=d["max_age"] >= p.adult_min_rating,
    ).groupby("dev", sort=True)
    s = g.agg(
        views=("views", "sum"),
        events=("events", "sum"),
        seconds=("seconds", "sum"),
        kids=("kids_seconds", "sum"),
        daytime=("daytime", "sum"),
        rated=("rated", "sum"),
        young=("young", "sum"),
        teenish=("teenish", "sum"),
        old=("old", "sum"),
    )
    senior_codes = np.flatnonzero(np.isin(f.genre_names, p.senior_genres))
    gs = f.genres[np.isin(f.genres["genre"].to_numpy(), senior_codes)].groupby("dev")["seconds"].sum()
    all_g = f.genres.groupby("dev")["seconds"].sum()
    views = s["views"].to_numpy(float)
    kids_share = _safe(s["kids"].to_numpy(float), s["seconds"].to_numpy(float))
    young = _safe(s["young"].to_numpy(float), s["rated"].to_numpy(float))
    teenish = _safe(s["teenish"].to_numpy(float), s["rated"].to_numpy(float))
    adult_days = _safe(s["old"].to_numpy(float), s["rated"].to_numpy(float))
    senior_share = _safe(
        gs.reindex(s.index).fillna(0).to_numpy(), all_g.reindex(s.index).fillna(0).to_numpy()
    )
    daytime = _safe(s["daytime"].to_numpy(float), s["events"].to_numpy(float))
    tv = f.device_type[s.index.to_numpy()] == "tv"
    known = (views >= p.age_min_views) & (s["rated"].to_numpy() >= 2)
    kid = known & (kids_share >= p.kid_min_kids_share) & (young >= p.kid_min_young_days)
    teen = known & ~kid & (teenish >= p.teen_min_young_days)
    senior = known & tv & (senior_share >= p.senior_min_share) & (daytime >= p.senior_min_daytime)
    band = np.select([kid, teen, senior, known], ["kid", "teen", "senior", "adult"], "")
    margin = np.select(
        [kid, teen, senior, known],
        [
            kids_share - p.kid_min_kids_share + 0.1,
            teenish - p.teen_min_young_days + 0.05,
            senior_share - 0.4,
            adult_days,
        ],
        0.0,
    )
    amount = np.minimum(1.0, views / p.age_full_views)
    confidence = np.where(band != "", np.round(amount * (0.5 + 0.5 * np.minimum(1.0, margin * 4)), 2), 0.0)
    return pd.DataFrame(
        {
            "dev": s.index.to_numpy(),
            "band": np.where(band == "", None, band),
            "confidence": confidence,
            "views": views.astype(int),
            "kids_share": kids_share.round(4),
            "young_days": young.round(4),
            "adult_days": adult_days.round(4),
            "senior_share": senior_share.round(4),
            "daytime_share": daytime.round(4),
        }
    )
