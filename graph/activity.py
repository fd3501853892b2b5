"""Behaviour over time (pure, vectorised): device-day frames, activity periods, ghost and sleepy regions.

Layer 2 of the personas model. Input is the per-device-day rows of :mod:`graph.device_days` (the
``DeviceDay`` aggregate of ingest); :func:`day_frames` turns them into columnar frames once, and
every step here and in :mod:`graph.personas` works on those frames (a million devices × 30 days
fit). Days are day numbers since the epoch (``day_ms // DAY_MS``), UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from graph.params import PersonaParams
from graph.vocabulary import DAY_MS

__all__ = [
    "INTERACTIONS",
    "DayFrames",
    "activity_periods",
    "day_frames",
    "day_rows",
    "device_chunks",
    "genre_entropy",
    "ghost_regions",
    "household_frames",
    "period_ids",
    "sleepy_regions",
]

#: the interactions a period can be dominated by (layer 1)
INTERACTIONS = ("views", "searches", "clicks", "bookmarks")
_COUNTS = ("views", "impressions", "clicks", "searches", "conversions", "bookmarks")


@dataclass(frozen=True)
class DayFrames:
    """Columnar device-days. ``days``, ``genres`` and ``series`` are sorted by ``dev, day``; ``dev``
    indexes ``devices``.

    ``days`` columns: dev, day, the event counts, events, seconds, night, daytime (events in the
    night / daytime UTC hours), kids_seconds, movie_seconds, episode_seconds, max_age (NaN: none).
    ``genres``: dev, day, genre (index into ``genre_names``), seconds. ``series``: dev, day,
    series (index into ``series_names``), views.
    """

    devices: np.ndarray
    device_type: np.ndarray
    days: pd.DataFrame
    genres: pd.DataFrame
    genre_names: np.ndarray
    series: pd.DataFrame
    series_names: np.ndarray


def device_chunks(f: DayFrames, size: int) -> Iterator[DayFrames]:
    """The frames of devices ``[0, size)``, ``[size, 2 size)``, ... in turn (device codes kept), so
    that every per-device step runs on a bounded slice: its working memory follows ``size``, not
    the number of devices (frames not sorted by ``dev`` are sorted first).

    >>> f = day_frames([{"device": k, "day": 0, "views": 1, "genres": ["news"], "genre_seconds": [5.0]}
    ...                 for k in "abc"])
    >>> [(c.days["dev"].tolist(), c.genres["dev"].tolist()) for c in device_chunks(f, 2)]
    [([0, 1], [0, 1]), ([2], [2])]
    """

    def by_dev(frame: pd.DataFrame) -> pd.DataFrame:  # frames built elsewhere may come unsorted
        if frame["dev"].is_monotonic_increasing:
            return frame
        return frame.sort_values(["dev", "day"], kind="stable", ignore_index=True)

    f = DayFrames(
        f.devices,
        f.device_type,
        by_dev(f.days),
        by_dev(f.genres),
        f.genre_names,
        by_dev(f.series),
        f.series_names,
    )

    def rows(frame: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
        dev = frame["dev"].to_numpy()
        a, b = np.searchsorted(dev, [lo, hi], side="left")
        return frame.iloc[a:b] if (a, b) != (0, len(dev)) else frame

    for lo in range(0, max(len(f.devices), 1), max(size, 1)):
        hi = lo + max(size, 1)
        yield DayFrames(
            f.devices,
            f.device_type,
            rows(f.days, lo, hi),
            rows(f.genres, lo, hi),
            f.genre_names,
            rows(f.series, lo, hi),
            f.series_names,
        )


def _long(rows: list[Mapping[str, Any]], dev: np.ndarray, day: np.ndarray, ids: str, vals: str, name: str):
    n = np.array([len(r[ids]) for r in rows], dtype=np.int64)
    keys = np.array([k for r in rows for k in r[ids]], dtype=object)
    values = np.array([v for r in rows for v in r[vals]], dtype=np.float64)
    names, codes = np.unique(keys.astype(str), return_inverse=True) if len(keys) else (np.array([]), keys)
    frame = pd.DataFrame(
        {"dev": np.repeat(dev, n), "day": np.repeat(day, n), name: codes.astype(np.int32), "value": values}
    )
    return frame, names


def _episodes(row: Mapping[str, Any], content_series: Mapping[str, str]) -> list[int]:
    """Distinct episodes watched per series of ``row["series_ids"]`` (from its ``contents``), at least 1.

    >>> _episodes({"series_ids": ["s"], "series_views": [5], "contents": ["e1", "e1b", "m"]},
    ...           {"e1": "s", "e1b": "s"})
    [2]
    """
    seen: dict[str, int] = {}
    for c in row.get("contents") or ():
        s = content_series.get(c)
        if s is not None:
            seen[s] = seen.get(s, 0) + 1
    return [max(1, seen.get(s, 0)) for s in row["series_ids"]]


def day_frames(
    rows: Iterable[Mapping[str, Any]],
    params: PersonaParams = PersonaParams(),
    content_series: Mapping[str, str] | None = None,
) -> DayFrames:
    """Frames of device-day rows (rows of one device and day are summed; order does not matter).

    With ``content_series`` (content id -> series id) and rows that list their ``contents``, a
    series counts the distinct episodes watched that day instead of its views (a binger moves on
    through a series; a popular episode watched again is not binging).

    >>> rows = [{"device": "b", "day": 2 * 86_400_000, "views": 2, "seconds": 90.0,
    ...          "hour_events": [0] * 23 + [2], "genres": ["news"], "genre_seconds": [90.0]},
    ...         {"device": "a", "day": 0, "clicks": 1, "device_type": "tv"}]
    >>> f = day_frames(rows)
    >>> f.devices.tolist(), f.days[["dev", "day", "views", "clicks", "night"]].values.tolist()
    (['a', 'b'], [[0, 0, 0, 1, 0], [1, 2, 2, 0, 2]])
    """
    rows = [dict(r) for r in rows]  # filled in below; the caller's rows stay as they were
    keys = np.array([r["device"] for r in rows], dtype=object)
    devices, dev = np.unique(keys.astype(str), return_inverse=True) if rows else (np.array([]), np.zeros(0))
    dev = dev.astype(np.int32)
    day = np.array([r["day"] // DAY_MS for r in rows], dtype=np.int32)
    hours = np.array([r.get("hour_events") or [0] * 24 for r in rows], dtype=np.int64).reshape(-1, 24)
    night = np.isin(np.arange(24), params.night_hours_utc)
    daytime = np.isin(np.arange(24), params.daytime_hours_utc)
    cols: dict[str, Any] = {"dev": dev, "day": day}
    for c in _COUNTS:
        cols[c] = np.array([r.get(c) or 0 for r in rows], dtype=np.int32)
    cols["events"] = sum(cols[c] for c in _COUNTS).astype(np.int32)
    cols["night"] = hours[:, night].sum(axis=1).astype(np.int32)
    cols["daytime"] = hours[:, daytime].sum(axis=1).astype(np.int32)
    for c in ("seconds", "kids_seconds", "movie_seconds", "episode_seconds"):
        cols[c] = np.array([r.get(c) or 0.0 for r in rows], dtype=np.float64)
    cols["max_age"] = np.array(
        [np.nan if r.get("max_age") is None else r["max_age"] for r in rows], dtype=np.float64
    )
    for r in rows:
        r.setdefault("genres", []), r.setdefault("genre_seconds", [])
        r.setdefault("series_ids", []), r.setdefault("series_views", [])
        if content_series is not None and r.get("contents") is not None:
            r["series_views"] = _episodes(r, content_series)
    days = pd.DataFrame(cols)
    agg = {c: "sum" for c in days.columns if c not in ("dev", "day", "max_age")} | {"max_age": "max"}
    days = days.groupby(["dev", "day"], sort=True, as_index=False).agg(agg)
    genres, genre_names = _long(rows, dev, day, "genres", "genre_seconds", "genre")
    series, series_names = _long(rows, dev, day, "series_ids", "series_views", "series")
    types = np.full(len(devices), None, dtype=object)
    for d, r in zip(dev.tolist(), rows):
        if r.get("device_type"):
            types[d] = r["device_type"]
    by_dev = lambda x: x.sort_values(["dev", "day"], kind="stable", ignore_index=True)
    return DayFrames(
        devices=devices,
        device_type=types,
        days=days,
        genres=by_dev(genres.rename(columns={"value": "seconds"})),
        genre_names=genre_names,
        series=by_dev(series.rename(columns={"value": "views"})),
        series_names=series_names,
    )


def household_frames(f: DayFrames, assignment: Mapping[str, str]) -> DayFrames:
    """The same frames per household: its devices' days summed (``devices`` are then household ids),
    so :func:`activity_periods` and the regions work per household too. Unassigned devices drop out.

    >>> f = day_frames([{"device": d, "day": n * 86_400_000, "views": 1} for d, n in (("a", 0), ("b", 1))])
    >>> h = household_frames(f, {"a": "H1", "b": "H1"})
    >>> h.devices.tolist(), activity_periods(h)[["start", "end", "views"]].values.tolist()
    (['H1'], [[0, 1, 2]])
    """
    keys = np.array([assignment.get(str(k)) for k in f.devices], dtype=object)
    known = keys != None  # noqa: E711 - elementwise on an object array
    names, code = np.unique(keys[known].astype(str), return_inverse=True)
    of_dev = np.full(len(f.devices), -1)
    of_dev[np.flatnonzero(known)] = code

    def regroup(frame: pd.DataFrame, by: list[str], agg: dict) -> pd.DataFrame:
        frame = frame.assign(dev=of_dev[frame["dev"].to_numpy()])
        return frame[frame["dev"] >= 0].groupby(["dev", *by], sort=True, as_index=False).agg(agg)

    days = regroup(
        f.days,
        ["day"],
        {c: ("max" if c == "max_age" else "sum") for c in f.days.columns if c not in ("dev", "day")},
    )
    return DayFrames(
        devices=names.astype(object),
        device_type=np.full(len(names), None, dtype=object),
        days=days,
        genres=regroup(f.genres, ["day", "genre"], {"seconds": "sum"}),
        genre_names=f.genre_names,
        series=regroup(f.series, ["day", "series"], {"views": "sum"}),
        series_names=f.series_names,
    )


def day_rows(f: DayFrames, other: pd.DataFrame) -> np.ndarray:
    """Row in ``f.days`` of each (dev, day) of ``other`` (a genre or series frame of the same days).

    >>> f = day_frames([{"device": "a", "day": d * 86_400_000, "views": 1} for d in (0, 1)])
    >>> day_rows(f, pd.DataFrame({"dev": [0, 0], "day": [1, 0]})).tolist()
    [1, 0]
    """
    key = f.days["dev"].to_numpy().astype(np.int64) * (1 << 32) + f.days["day"].to_numpy()
    want = other["dev"].to_numpy().astype(np.int64) * (1 << 32) + other["day"].to_numpy()
    return np.searchsorted(key, want)


def period_ids(dev: np.ndarray, day: np.ndarray, gap_tolerance: int) -> np.ndarray:
    """Activity period number of each active day (sorted by dev, day): a new period starts at a new
    device or after more than ``gap_tolerance`` inactive days.

    >>> period_ids(np.array([0, 0, 0, 0, 1]), np.array([1, 2, 4, 9, 9]), 1).tolist()
    [0, 0, 0, 1, 2]
    """
    if len(dev) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(len(dev), dtype=bool)
    new[1:] = (dev[1:] != dev[:-1]) | (day[1:] - day[:-1] > gap_tolerance + 1)
    return np.cumsum(new) - 1


def genre_entropy(group: np.ndarray, seconds: np.ndarray, n_groups: int) -> np.ndarray:
    """Normalised Shannon entropy of genre seconds per group (0: one genre; 1: even over those seen).

    ``group`` and ``seconds`` are one row per (group, genre).

    >>> genre_entropy(np.array([0, 1, 1]), np.array([5.0, 1.0, 1.0]), 3).round(3).tolist()
    [0.0, 1.0, 0.0]
    """
    total = np.bincount(group, weights=seconds, minlength=n_groups)
    p = np.where(total[group] > 0, seconds / np.maximum(total[group], 1e-12), 0.0)
    h = np.bincount(
        group, weights=np.where(p > 0, -p * np.log(np.maximum(p, 1e-300)), 0.0), minlength=n_groups
    )
    k = np.bincount(group, weights=(seconds > 0).astype(float), minlength=n_groups)
    return np.where(k > 1, h / np.log(np.maximum(k, 2)), 0.0)


def _sum_by(keys: pd.DataFrame, by: list[str], col: str) -> pd.DataFrame:
    return keys.groupby(by, sort=False, as_index=False)[col].sum()


def activity_periods(f: DayFrames, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """One row per activity period: dev, period, start, end (day numbers), active_days, the interaction
    counts, dominant interaction, series_share / film_share of watched seconds, genre_entropy and
    distinct_series.

    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 3, "searches": s, "seconds": 100.0,
    ...          "episode_seconds": 100.0, "series_ids": ["s1"], "series_views": [3]}
    ...         for d, s in ((0, 0), (1, 9), (5, 0))]
    >>> p = activity_periods(day_frames(rows))
    >>> p[["start", "end", "active_days", "dominant", "series_share", "distinct_series"]].values.tolist()
    [[0, 1, 2, 'searches', 1.0, 1], [5, 5, 1, 'views', 1.0, 1]]
    """
    d = f.days
    dev, day = d["dev"].to_numpy(), d["day"].to_numpy()
    pid = period_ids(dev, day, params.gap_tolerance_days)
    starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]]) if len(pid) else np.zeros(0, np.int64)
    ends = np.r_[starts[1:], len(pid)] - 1 if len(pid) else starts

    def total(col: str) -> np.ndarray:
        return np.add.reduceat(d[col].to_numpy(), starts) if len(pid) else np.zeros(0)

    out = pd.DataFrame(
        {"period": np.arange(len(starts)), "dev": dev[starts], "start": day[starts], "end": day[ends]}
    )
    out["active_days"] = ends - starts + 1
    for c in (*INTERACTIONS, "seconds"):
        out[c] = total(c)
    movie, episode = total("movie_seconds"), total("episode_seconds")
    counts = out[list(INTERACTIONS)].to_numpy()
    out["dominant"] = np.array(INTERACTIONS, dtype=object)[counts.argmax(axis=1)] if len(out) else []
    watched = movie + episode
    out["series_share"] = np.where(watched > 0, episode / np.maximum(watched, 1e-12), 0.0)
    out["film_share"] = np.where(watched > 0, movie / np.maximum(watched, 1e-12), 0.0)
    n = len(out)
    names = max(len(f.genre_names), 1)
    gkey = pid[day_rows(f, f.genres)] * names + f.genres["genre"].to_numpy()
    key, inv = np.unique(gkey, return_inverse=True)
    secs = np.bincount(inv, weights=f.genres["seconds"].to_numpy().astype(np.float64), minlength=len(key))
    out["genre_entropy"] = genre_entropy(key // names, secs, n)
    names = max(len(f.series_names), 1)
    pairs = np.sort(pid[day_rows(f, f.series)] * names + f.series["series"].to_numpy())
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # sort: np.unique hashes
    out["distinct_series"] = np.bincount(pairs // names, minlength=n)
    return out


def sleepy_regions(f: DayFrames, as_of: int, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """Long, complete absences: runs of at least ``sleepy_days`` days without activity between two
    active days, or from the last active day to ``as_of`` (``trailing``). Columns: dev, start, end, days.

    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 1} for d in (0, 1, 10)]
    >>> sleepy_regions(day_frames(rows), as_of=20).values.tolist()
    [[0, 2, 9, 8, False], [0, 11, 20, 10, True]]
    """
    d = f.days
    dev, day = d["dev"].to_numpy(), d["day"].to_numpy()
    nxt_same = np.r_[dev[1:] == dev[:-1], False]
    nxt = np.where(nxt_same, np.r_[day[1:], 0], as_of + 1)
    gap = nxt - day - 1
    keep = gap >= params.sleepy_days
    return pd.DataFrame(
        {
            "dev": dev[keep],
            "start": day[keep] + 1,
            "end": nxt[keep] - 1,
            "days": gap[keep],
            "trailing": ~nxt_same[keep],
        }
    ).reset_index(drop=True)


def ghost_regions(f: DayFrames, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """Sparse, sporadic spikes with no clear interest. An active day is sporadic when both the
    ``ghost_window_days`` before and after it (itself included) hold at most ``ghost_max_active_days``
    active days; consecutive sporadic days (less than ``sleepy_days`` apart) of a device form a region,
    kept when it has two active days or more and no genre above ``interest_share`` of its seconds
    with ``interest_min_seconds``. Columns: dev, start, end, active_days, top_genre_share.

    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 1} for d in (0, 5, 9, 20, 21, 22)]
    >>> ghost_regions(day_frames(rows))[["dev", "start", "end", "active_days"]].values.tolist()
    [[0, 0, 9, 3]]
    """
    d = f.days
    dev = d["dev"].to_numpy(np.int64)
    day = d["day"].to_numpy(np.int64)
    key = dev * (1 << 32) + day
    w, most = params.ghost_window_days, params.ghost_max_active_days
    before = np.arange(len(key)) - np.searchsorted(key, key - (w - 1), side="left") + 1
    after = np.searchsorted(key, key + (w - 1), side="right") - np.arange(len(key))
    sporadic = (before <= most) & (after <= most)
    idx = np.flatnonzero(sporadic)
    cols = ["dev", "start", "end", "active_days", "top_genre_share"]
    if len(idx) == 0:
        return pd.DataFrame(columns=cols)
    sd, sday = dev[idx], day[idx]
    new = np.r_[True, (sd[1:] != sd[:-1]) | (sday[1:] - sday[:-1] >= params.sleepy_days)]
    region = np.cumsum(new) - 1
    reg = pd.DataFrame({"dev": sd, "day": sday, "region": region})
    out = reg.groupby("region").agg(
        dev=("dev", "first"), start=("day", "min"), end=("day", "max"), active_days=("day", "size")
    )
    gen = f.genres.merge(reg, on=["dev", "day"])
    by = _sum_by(gen, ["region", "genre"], "seconds")
    total = by.groupby("region")["seconds"].sum()
    top = by.groupby("region")["seconds"].max()
    share = (top / total.where(total > 0)).reindex(out.index).fillna(0.0)
    interest = (share > params.interest_share) & (
        top.reindex(out.index).fillna(0) >= params.interest_min_seconds
    )
    out["top_genre_share"] = share.round(4)
    out = out[(out["active_days"] >= 2) & ~interest]
    return out.reset_index(drop=True)[cols]
