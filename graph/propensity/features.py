"""Time-decayed ad features per (household, campaign) as of a moment, and next-week labels.

Input rows are plain: ad events ``{household, device, campaign_id, event, ts}`` (``ts`` epoch ms;
``search`` rows carry no campaign; an optional ``n`` says how many such events one row stands for),
household genre shares ``{household, genre, share}``, devices
``{household, device, device_type}`` and social links ``{a, b, weight}``. Nothing here knows where
they came from (a generated world's files or the graph).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from graph.params import DAY_MS, DEVICE_TYPES, PropensityParams

__all__ = [
    "COUNT_FEATURES",
    "FEATURES",
    "KEYS",
    "Context",
    "decay_weight",
    "decayed_counts",
    "feature_table",
    "next_conversions",
    "prepare_events",
]

KEYS = ("household", "campaign_id")
COUNT_FEATURES = ("im", "cl", "ps", "cn", "im_all", "cl_all", "cn_all", "friends_cn", "n_devices")
FEATURES = (*COUNT_FEATURES, "affinity", "campaign_rate", *(f"share_{t}" for t in DEVICE_TYPES))
_EVENT_COL = {"impression": "im", "click": "cl", "search": "ps", "conversion": "cn"}


def decay_weight(dt_ms: np.ndarray | float, half_life_days: float) -> np.ndarray | float:
    """Weight of an event ``dt_ms`` before the moment of evaluation: one half-life → 0.5.

    >>> float(decay_weight(DAY_MS, 1.0)), float(decay_weight(0, 7.0)), float(decay_weight(2 * DAY_MS, 1.0))
    (0.5, 1.0, 0.25)
    """
    return np.power(0.5, np.asarray(dt_ms, dtype=np.float64) / (half_life_days * DAY_MS))


def prepare_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events with their feature column (``im``, ``cl``, ``ps``, ``cn``) resolved once, ads only.

    >>> prepare_events(pd.DataFrame({"event": ["click", "view"], "ts": [1, 2]}))["col"].tolist()
    ['cl']
    """
    col = events["event"].map(_EVENT_COL)
    n = events["n"] if "n" in events.columns else 1
    return events.assign(col=col, n=n)[col.notna()].reset_index(drop=True)


def _frame(rows: Iterable[Mapping[str, Any]] | pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    for c in columns:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    return df


class Context:
    """Household facts that do not change with the moment: genre shares, device mix, friends."""

    def __init__(self, genres=(), devices=(), friends=()) -> None:
        g = _frame(genres, ("household", "genre", "share"))
        self.genres = g.pivot_table(index="household", columns="genre", values="share", aggfunc="sum").fillna(
            0
        )
        d = _frame(devices, ("household", "device", "device_type"))
        mix = pd.crosstab(d["household"], d["device_type"]) if len(d) else pd.DataFrame()
        mix = mix.reindex(columns=list(DEVICE_TYPES), fill_value=0)
        n = mix.sum(axis=1)
        self.devices = mix.div(n.where(n > 0, 1), axis=0).add_prefix("share_").assign(n_devices=n)
        f = _frame(friends, ("a", "b", "weight"))
        f = f.assign(weight=f["weight"].fillna(1.0))
        self.friends = pd.concat(
            [f[["a", "b", "weight"]], f.rename(columns={"a": "b", "b": "a"})[["a", "b", "weight"]]]
        ).rename(columns={"a": "household", "b": "friend"})


def decayed_counts(events: pd.DataFrame, as_of_ms: int, params: PropensityParams) -> pd.DataFrame:
    """Decayed impressions, clicks and conversions per (household, campaign), with the household's
    decayed searches and its all-campaign totals; rows for pairs with an impression before ``as_of``.

    >>> ev = pd.DataFrame({"household": ["h", "h", "h"], "campaign_id": ["c", "c", None],
    ...     "event": ["impression", "click", "search"], "ts": [0, 0, 0]})
    >>> out = decayed_counts(ev, 3 * DAY_MS, PropensityParams())
    >>> out.loc[("h", "c"), ["im", "cl", "ps"]].round(3).tolist()
    [0.5, 0.743, 0.5]
    """
    p = params
    past = events[events["ts"] < as_of_ms]
    half = {
        "im": p.half_life_impression_days,
        "cl": p.half_life_click_days,
        "ps": p.half_life_search_days,
        "cn": p.half_life_conversion_days,
    }
    col = past["col"] if "col" in past.columns else past["event"].map(_EVENT_COL)
    life = col.map(half).to_numpy(dtype=np.float64)
    n = past["n"].to_numpy(dtype=np.float64) if "n" in past.columns else 1.0
    past = past.assign(col=col, w=n * decay_weight((as_of_ms - past["ts"].to_numpy()) / life, 1.0))
    ad = past[past["col"].isin(["im", "cl", "cn"])]
    pair = ad.groupby([*KEYS, "col"])["w"].sum().unstack("col", fill_value=0.0)
    pair = pair.reindex(columns=["im", "cl", "cn"], fill_value=0.0)
    pair = pair[pair["im"] > 0]  # exposed: an impression's weight never decays to zero
    house = past.groupby(["household", "col"])["w"].sum().unstack("col", fill_value=0.0)
    house = house.reindex(columns=["im", "cl", "cn", "ps"], fill_value=0.0)
    house.columns = ["im_all", "cl_all", "cn_all", "ps"]
    if pair.empty:  # nothing exposed before as_of (a short history): no rows, the same columns
        return pair.assign(**dict.fromkeys(house.columns, 0.0))
    return pair.join(house, on="household")


def _campaign_profiles(events: pd.DataFrame, as_of_ms: int, ctx: Context, prior: float) -> pd.DataFrame:
    """Per campaign: the genre mix of households that converted before ``as_of``, shrunk to the mean."""
    mean = ctx.genres.mean(axis=0)
    conv = events[(events["event"] == "conversion") & (events["ts"] < as_of_ms)]
    conv = conv.drop_duplicates(["household", "campaign_id"])
    conv = conv[conv["household"].isin(ctx.genres.index)]
    sums = ctx.genres.loc[conv["household"]].set_axis(conv["campaign_id"].to_numpy()).groupby(level=0).sum()
    n = conv.groupby("campaign_id").size().reindex(sums.index)
    return (sums.add(mean * prior, axis=1)).div(n + prior, axis=0)


def _affinity(pairs: pd.DataFrame, ctx: Context, profiles: pd.DataFrame) -> np.ndarray:
    """Household genre mix · log lift of the campaign's converters' mix over the population's."""
    if profiles.empty or ctx.genres.empty:
        return np.zeros(len(pairs))
    mean = ctx.genres.mean(axis=0)
    log_lift = np.log((profiles + 1e-4).div(mean + 1e-4, axis=1))
    hh = ctx.genres.reindex(pairs["household"]).fillna(0).to_numpy()
    lift = log_lift.reindex(pairs["campaign_id"]).fillna(0).to_numpy()
    return (hh * lift).sum(axis=1)


def _friend_conversions(events: pd.DataFrame, as_of_ms: int, ctx: Context, params: PropensityParams):
    conv = events[(events["event"] == "conversion") & (events["ts"] < as_of_ms)]
    n = conv["n"].to_numpy(dtype=np.float64) if "n" in conv.columns else 1.0
    conv = conv.assign(w=n * decay_weight(as_of_ms - conv["ts"].to_numpy(), params.half_life_friend_days))
    per = conv.groupby(["household", "campaign_id"])["w"].sum().rename("w").reset_index()
    linked = ctx.friends.merge(per, left_on="friend", right_on="household", suffixes=("", "_f"))
    linked = linked.assign(friends_cn=linked["w"] * linked["weight"])
    return linked.groupby(["household", "campaign_id"])["friends_cn"].sum()


def _campaign_rate(events: pd.DataFrame, as_of_ms: int) -> pd.Series:
    """Log share of exposed households that converted, per campaign (smoothed)."""
    past = events[(events["ts"] < as_of_ms) & events["campaign_id"].notna()]
    seen = past.groupby("campaign_id")["household"].nunique()
    conv = past[past["event"] == "conversion"].groupby("campaign_id")["household"].nunique()
    return np.log((conv.reindex(seen.index, fill_value=0) + 1) / (seen + 20))


def feature_table(
    events: pd.DataFrame,
    ctx: Context,
    as_of_ms: int,
    params: PropensityParams | None = None,
    per_device: bool = False,
) -> pd.DataFrame:
    """One row per (household, campaign) exposed before ``as_of_ms``: keys plus :data:`FEATURES`.

    ``per_device``: one row per (device, campaign) instead, with a ``device`` column; the decayed
    counts are the device's own, the searches, totals, affinity, mix and friends its household's.
    """
    p = params or PropensityParams()
    if per_device:
        homes = events.drop_duplicates("device").set_index("device")["household"]
        own = decayed_counts(events.assign(household=events["device"]), as_of_ms, p)[["im", "cl", "cn"]]
        own = own.rename_axis(["device", "campaign_id"]).reset_index()
        own["household"] = own["device"].map(homes)
        house = feature_table(events, ctx, as_of_ms, p).drop(columns=["im", "cl", "cn"])
        out = own.merge(house, on=list(KEYS), how="left")
        return out.reindex(columns=["device", *KEYS, *FEATURES, "as_of"]).fillna({f: 0.0 for f in FEATURES})
    out = decayed_counts(events, as_of_ms, p).reset_index()
    out = out.join(ctx.devices, on="household")
    out["affinity"] = _affinity(out, ctx, _campaign_profiles(events, as_of_ms, ctx, p.profile_prior))
    out = out.join(_friend_conversions(events, as_of_ms, ctx, p), on=list(KEYS))
    out = out.join(_campaign_rate(events, as_of_ms).rename("campaign_rate"), on="campaign_id")
    out = out.reindex(columns=[*KEYS, *FEATURES])
    out[list(FEATURES)] = out[list(FEATURES)].astype(float).fillna(0.0)
    out["as_of"] = as_of_ms
    return out


def next_conversions(events: pd.DataFrame, table: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """1 where the row's household converts on the campaign within ``horizon_days`` after its ``as_of``.

    >>> ev = pd.DataFrame({"household": ["h"], "campaign_id": ["c"], "event": ["conversion"], "ts": [DAY_MS]})
    >>> t = pd.DataFrame({"household": ["h", "h"], "campaign_id": ["c", "c"], "as_of": [0, 2 * DAY_MS]})
    >>> next_conversions(ev, t, 7).tolist()
    [1, 0]
    """
    conv = events[events["event"] == "conversion"][["household", "campaign_id", "ts"]]
    keys = table[["household", "campaign_id", "as_of"]].reset_index(drop=True).reset_index()
    m = keys.merge(conv, on=["household", "campaign_id"])
    hit = (m["ts"] >= m["as_of"]) & (m["ts"] < m["as_of"] + horizon_days * DAY_MS)
    y = np.zeros(len(table), dtype=np.int64)
    y[m.loc[hit, "index"].unique()] = 1
    return y
