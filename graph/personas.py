"""Explainable personas (pure, vectorised): one persona per device and calendar week from explicit rules,
transitions between a device's weeks with a churn risk, and the current persona with its evidence.

Layer 3 of the personas model, over the frames of :mod:`graph.activity`. A week (Monday 00:00 UTC)
is judged only from the device's own days: its events, genres and series, and the gap back to its
previous active day. So re-running on the same data changes nothing, and a new day changes only the
devices with events that day. Weeks without any event are not judged (there is nothing to explain);
the absence shows in the churn risk and in the evidence (``days_since_active``).

The rules (thresholds in :class:`graph.params.PersonaParams`), tried in ``params.order``:

- ``ghoster``: no genre interest (no genre above 30 % of seconds with 2 h or more, on 2 days or
  more), and either prolonged inactivity (at most 2 active days and few events in the week, one of
  them after an inactive gap of 4+ days or each with at most 2 active days in the 7 days up to it:
  a ghost region) or sporadic short sessions (the 7 days up to the week's last active day hold at
  most 25 events and 4 h of viewing, and no day with more than 8 events: a device woken now and
  then, also by the household's other screens, however many days that touches).
- ``kids``: the kids' genre holds half of the watched seconds.
- ``binger``: one series watched 4+ times inside one activity period of the week, and it is 30 %+
  of the week's views.
- ``night_owl`` / ``weekender``: half of the events at night / 70 % on the weekend.
- ``loyal``: one genre holds 35 % of the seconds (an interest: 2 h or more, on 2 days or more).
- ``explorer``: genre entropy high over 6+ genres. ``casual``: none of these (also: too little data,
  or a device with a single event ever).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.activity import DayFrames, day_rows, genre_entropy, period_ids
from graph.params import PersonaParams

__all__ = [
    "CHURN",
    "PERSONAS",
    "assign_personas",
    "current_personas",
    "transitions",
    "week_of",
    "weekly_features",
]

PERSONAS = ("binger", "ghoster", "explorer", "loyal", "kids", "night_owl", "weekender", "casual")
CHURN = ("low", "medium", "high")


def week_of(day: np.ndarray) -> np.ndarray:
    """Monday-based week number of day numbers since the epoch (1970-01-01 was a Thursday).

    >>> week_of(np.array([0, 3, 4, 10, 11])).tolist()
    [0, 0, 1, 1, 2]
    """
    return (np.asarray(day) + 3) // 7


def _trailing_active(dev: np.ndarray, day: np.ndarray, window: int) -> np.ndarray:
    """Active days of the device in the ``window`` days ending at each active day (rows sorted by dev, day).

    >>> _trailing_active(np.array([0, 0, 0, 1]), np.array([1, 3, 9, 3]), 7).tolist()
    [1, 2, 2, 1]
    """
    key = dev.astype(np.int64) * (1 << 32) + day.astype(np.int64)
    return np.arange(len(key)) - np.searchsorted(key, key - (window - 1), side="left") + 1


def weekly_features(
    f: DayFrames, params: PersonaParams = PersonaParams(), data_start: int | None = None
) -> pd.DataFrame:
    """One row per device and week with activity: the figures the rules read.

    Columns: dev, week, active_days, first_day, last_day, events, views, clicks, searches, night,
    weekend, seconds, kids_seconds, gap_before (longest inactive run ending at an active day of the
    week; -1 when the week holds only the device's first day), genre_seconds, top_genre,
    top_genre_seconds, top_genre_days,
    genres_seen, entropy, series_views (most views of one series within one activity period),
    top_series, full_week (the device was seen before this week began), trail_max (most active days
    in the 7 days up to one of the week's days), window_seen (those 7 days lie inside the data, which
    begins on day ``data_start``, default its first day: a device silent there was seen to be silent).

    >>> from graph.activity import day_frames
    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 5, "series_ids": ["s"], "series_views": [2]}
    ...         for d in (4, 5, 20)]
    >>> w = weekly_features(day_frames(rows))
    >>> w[["week", "active_days", "views", "series_views", "gap_before", "full_week"]].values.tolist()
    [[1, 2, 10, 4, 0, False], [3, 1, 5, 2, 14, True]]
    """
    d = f.days
    dev, day = d["dev"].to_numpy(), d["day"].to_numpy().astype(np.int64)
    week = week_of(day)
    new = np.r_[True, (dev[1:] != dev[:-1]) | (week[1:] != week[:-1])]
    starts = np.flatnonzero(new)
    wk = np.cumsum(new) - 1  # the (dev, week) row of each day
    n = len(starts)
    same = np.r_[False, dev[1:] == dev[:-1]]
    gap = np.where(same, day - np.r_[0, day[:-1]] - 1, -1)
    period = period_ids(dev, day, params.gap_tolerance_days)

    def total(col) -> np.ndarray:
        return np.add.reduceat(np.asarray(col), starts) if n else np.zeros(0)

    out = pd.DataFrame(
        {
            "dev": dev[starts],
            "week": week[starts],
            "active_days": np.diff(np.r_[starts, len(day)]),
            "first_day": day[starts],
            "last_day": day[np.r_[starts[1:], len(day)] - 1] if n else day[:0],
        }
    )
    for c in ("events", "views", "clicks", "searches", "night", "seconds", "kids_seconds"):
        out[c] = total(d[c].to_numpy())
    out["weekend"] = total(np.where((day + 3) % 7 >= 5, d["events"].to_numpy(), 0))
    out["gap_before"] = np.maximum.reduceat(gap, starts) if n else gap[:0]
    trail = _trailing_active(dev, day, params.ghost_window_days)
    out["trail_max"] = np.maximum.reduceat(trail, starts) if n else trail[:0]
    first_seen = day[np.r_[True, dev[1:] != dev[:-1]]][
        np.cumsum(np.r_[True, dev[1:] != dev[:-1]])[starts] - 1
    ]
    out["full_week"] = first_seen < out["week"].to_numpy() * 7 - 3
    # the trailing windows of the week's days lie inside what was observed of the device
    events_of_dev = np.add.reduceat(d["events"].to_numpy(), np.flatnonzero(np.r_[True, dev[1:] != dev[:-1]]))
    out["device_events"] = events_of_dev[np.cumsum(np.r_[True, dev[1:] != dev[:-1]])[starts] - 1] if n else 0
    start = int(day.min()) if data_start is None and len(day) else (data_start or 0)
    out["window_seen"] = start <= out["first_day"].to_numpy() - (params.ghost_window_days - 1)
    _trail_figures(out, dev, day, d, params, start)
    _genre_figures(out, f, wk[day_rows(f, f.genres)])
    _series_figures(out, f, wk, period)
    return _compact(out)


def _compact(out: pd.DataFrame) -> pd.DataFrame:
    """Integer columns as int32 and float columns as float32 (a million devices' weeks stay small).

    >>> _compact(pd.DataFrame({"a": [1], "b": [0.5], "c": [True]})).dtypes.astype(str).tolist()
    ['int32', 'float32', 'bool']
    """
    kinds = {
        c: (np.int32 if t.kind in "iu" else np.float32) for c, t in out.dtypes.items() if t.kind in "iuf"
    }
    return out.astype(kinds)


def _trail_figures(
    out: pd.DataFrame, dev: np.ndarray, day: np.ndarray, d: pd.DataFrame, params: PersonaParams, start: int
) -> None:
    """Per (dev, week) row: events, seconds and busy days (more than ``ghost_session_max_events`` events)
    of the device in the ``ghost_trail_days`` days up to the week's last active day, and whether those
    days lie inside the data (``trail_seen``)."""
    key = dev.astype(np.int64) * (1 << 32) + day
    last = out["dev"].to_numpy().astype(np.int64) * (1 << 32) + out["last_day"].to_numpy().astype(np.int64)
    end = np.searchsorted(key, last, side="right")
    beg = np.searchsorted(key, last - (params.ghost_trail_days - 1), side="left")
    events = d["events"].to_numpy()
    for col, values in (
        ("trail_events", events),
        ("trail_seconds", d["seconds"].to_numpy(dtype=np.float64)),
        ("trail_busy_days", events > params.ghost_session_max_events),
    ):
        cum = np.r_[0, np.cumsum(values)]
        out[col] = cum[end] - cum[beg]
    out["trail_seen"] = start <= out["last_day"].to_numpy() - (params.ghost_trail_days - 1)


def _first_max(grp: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the first largest value of each group (``grp`` sorted ascending).

    >>> _first_max(np.array([0, 0, 0, 2, 2]), np.array([1.0, 5.0, 5.0, 2.0, 1.0])).tolist()
    [1, 3]
    """
    if len(grp) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    best = np.maximum.reduceat(values, starts)
    sizes = np.diff(np.r_[starts, len(grp)])
    hit = np.flatnonzero(values == np.repeat(best, sizes))
    return hit[np.r_[True, grp[hit][1:] != grp[hit][:-1]]]


def _genre_figures(out: pd.DataFrame, f: DayFrames, grp_of_row: np.ndarray) -> None:
    """Per (dev, week) row: genre seconds, top genre and its seconds, genres seen, entropy."""
    n, names = len(out), max(len(f.genre_names), 1)
    genre = f.genres["genre"].to_numpy().astype(np.int64)
    key, inv = np.unique(grp_of_row * names + genre, return_inverse=True)
    secs = np.bincount(inv, weights=f.genres["seconds"].to_numpy().astype(np.float64), minlength=len(key))
    days = np.bincount(inv, minlength=len(key))  # genre rows are one per device, day and genre
    grp, g = key // names, key % names
    out["genre_seconds"] = np.bincount(grp, weights=secs, minlength=n)
    first = _first_max(grp, secs)
    out["top_genre"] = -1
    out["top_genre_seconds"] = 0.0
    out.loc[grp[first], "top_genre"] = g[first]
    out.loc[grp[first], "top_genre_seconds"] = secs[first]
    out["top_genre_days"] = 0
    out.loc[grp[first], "top_genre_days"] = days[first]
    out["genres_seen"] = np.bincount(grp, weights=(secs > 0).astype(float), minlength=n).astype(int)
    out["entropy"] = genre_entropy(grp, secs, n)


def _series_figures(out: pd.DataFrame, f: DayFrames, wk: np.ndarray, period: np.ndarray) -> None:
    """Per (dev, week) row: most views of one series within one activity period, and that series."""
    rows = day_rows(f, f.series)
    ser = f.series["series"].to_numpy().astype(np.int64)
    names = max(len(f.series_names), 1)
    # (week row, period) pairs are ordered like the days, so one running id per pair
    pair = np.unique(wk[rows] * (len(period) + 1) + period[rows], return_inverse=True)[1]
    key, inv = np.unique(pair.astype(np.int64) * names + ser, return_inverse=True)
    views = np.bincount(inv, weights=f.series["views"].to_numpy().astype(np.float64), minlength=len(key))
    grp = wk[rows][np.unique(inv, return_index=True)[1]] if len(key) else np.zeros(0, np.int64)
    s = key % names
    order = np.argsort(grp, kind="stable")
    first = order[_first_max(grp[order], views[order])]
    out["series_views"] = 0
    out["top_series"] = -1
    out.loc[grp[first], "series_views"] = views[first].astype(int)
    out.loc[grp[first], "top_series"] = s[first]


def _share(a: pd.Series, b: pd.Series) -> np.ndarray:
    b = b.to_numpy(dtype=float)
    return np.where(b > 0, a.to_numpy(dtype=float) / np.maximum(b, 1e-12), 0.0).astype(np.float32)


def assign_personas(w: pd.DataFrame, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """``w`` with ``persona`` (the first rule of ``params.order`` that holds) and the shares it used.

    The third week below is a ghoster's phone woken on five days by the household's TV: no gap and
    no ghost region, but seven days of sporadic short sessions.

    >>> w = pd.DataFrame({"active_days": [1, 5, 5], "events": [2, 80, 8], "views": [2, 60, 8],
    ...     "night": [0, 5, 0], "weekend": [0, 10, 2], "seconds": [60.0, 9e4, 1800.0],
    ...     "kids_seconds": [0.0, 0.0, 0.0], "gap_before": [9, 0, 1], "genre_seconds": [60.0, 9e4, 1800.0],
    ...     "top_genre_seconds": [60.0, 3e4, 1800.0], "genres_seen": [1, 5, 1], "entropy": [0.0, 0.7, 0.0],
    ...     "series_views": [0, 30, 0], "full_week": [True, True, True], "window_seen": [True, True, True],
    ...     "trail_max": [1, 7, 5], "top_genre_days": [1, 5, 5], "device_events": [5, 400, 30],
    ...     "trail_events": [2, 300, 9], "trail_seconds": [60.0, 2e5, 2000.0], "trail_busy_days": [0, 6, 0],
    ...     "trail_seen": [True, True, True]})
    >>> assign_personas(w)["persona"].tolist()
    ['ghoster', 'binger', 'ghoster']
    """
    p = params
    w = w.copy(deep=False)  # new columns only: the caller's frame stays as it was
    w["genre_share"] = _share(w["top_genre_seconds"], w["genre_seconds"])
    w["kids_share"] = _share(w["kids_seconds"], w["seconds"])
    w["series_share"] = _share(w["series_views"], w["views"])
    w["night_share"] = _share(w["night"], w["events"])
    w["weekend_share"] = _share(w["weekend"], w["events"])
    interest = (
        (w["genre_share"] > p.interest_share)
        & (w["top_genre_seconds"] >= p.interest_min_seconds)
        & (w["top_genre_days"] >= p.interest_min_days)
    )
    enough = w["events"] >= p.min_events
    # prolonged inactivity: a return after a gap, or a week inside a ghost region ...
    ghost_region = (
        (w["active_days"] <= p.ghost_max_active_days)
        & (w["events"] <= p.ghost_max_events)
        & (
            (w["gap_before"] >= p.ghost_min_gap_days)
            | (w["window_seen"] & (w["trail_max"] <= p.ghost_max_active_days))
        )
    )
    # ... or sporadic short sessions: a week that ends seven days of little viewing, never much on a day
    sporadic = (
        w["trail_seen"]
        & (w["trail_events"] <= p.ghost_trail_max_events)
        & (w["trail_seconds"] <= p.ghost_trail_max_seconds)
        & (w["trail_busy_days"] == 0)
    )
    rules = {
        "ghoster": (w["device_events"] >= p.ghost_min_device_events) & ~interest & (ghost_region | sporadic),
        "kids": enough & (w["kids_share"] >= p.kids_min_share),
        "binger": (w["series_views"] >= p.binge_min_views) & (w["series_share"] >= p.binge_min_share),
        "night_owl": enough & (w["night_share"] >= p.night_min_share),
        "weekender": enough & w["full_week"] & (w["weekend_share"] >= p.weekend_min_share),
        "loyal": enough & (w["genre_share"] >= p.loyal_min_share) & interest,
        "explorer": enough
        & (w["entropy"] >= p.explorer_min_entropy)
        & (w["genres_seen"] >= p.explorer_min_genres),
        "casual": np.ones(len(w), dtype=bool),
    }
    code = np.select([np.asarray(rules[n], dtype=bool) for n in p.order], list(range(len(p.order))), -1)
    w["persona"] = pd.Categorical.from_codes(np.where(code >= 0, code, p.order.index("casual")), p.order)
    return w


def _by_device_week(w: pd.DataFrame) -> pd.DataFrame:
    """``w`` sorted by device and week (as it is when it comes from :func:`weekly_features`: no copy)."""
    key = w["dev"].to_numpy().astype(np.int64) * (1 << 32) + w["week"].to_numpy().astype(np.int64)
    return w if (np.diff(key) >= 0).all() else w.sort_values(["dev", "week"], kind="stable")


def _last_week_as(w: pd.DataFrame, persona: str) -> np.ndarray:
    """Per row (sorted by dev, week): the device's latest earlier week with ``persona`` (-inf: none).

    >>> w = pd.DataFrame({"dev": [0, 0, 0, 1], "week": [1, 2, 3, 3],
    ...                   "persona": ["binger", "casual", "x", "y"]})
    >>> _last_week_as(w, "binger").tolist()
    [-inf, 1.0, 1.0, -inf]
    """
    mark = pd.Series(np.where(w["persona"].to_numpy() == persona, w["week"].to_numpy(), np.nan))
    dev = pd.Series(w["dev"].to_numpy())
    last = mark.groupby(dev).shift(1)
    return last.groupby(dev).ffill().fillna(-np.inf).to_numpy()


def transitions(w: pd.DataFrame, params: PersonaParams = PersonaParams()) -> pd.DataFrame:
    """Persona changes and stays between a device's consecutive judged weeks, with a churn risk.

    Binger → ghoster is ``high`` (also with other weeks between, when the device was a binger within
    ``churn_lookback_weeks``); any other persona → ghoster ``medium``; else ``low``. An absence of
    ``churn_sleepy_days`` or more between the two weeks (a sleepy region) raises the risk one step.
    Columns: dev, week_from, week_to, from, to, absent_days, churn (0 low, 1 medium, 2 high).

    >>> w = pd.DataFrame({"dev": [0, 0, 0], "week": [1, 2, 5], "first_day": [4, 11, 32],
    ...                   "last_day": [9, 12, 32], "persona": ["casual", "binger", "ghoster"]})
    >>> transitions(w)[["from", "to", "absent_days", "churn"]].values.tolist()
    [['casual', 'binger', 1, 0], ['binger', 'ghoster', 19, 2]]
    """
    w = _by_device_week(w[["dev", "week", "first_day", "last_day", "persona"]])
    dev = w["dev"].to_numpy()
    same = np.r_[False, dev[1:] == dev[:-1]]
    idx = np.flatnonzero(same)
    prev, cur = w.iloc[idx - 1], w.iloc[idx]
    to, frm = cur["persona"].to_numpy(), prev["persona"].to_numpy()
    absent = cur["first_day"].to_numpy() - prev["last_day"].to_numpy() - 1
    # a binger within the lookback who is a ghoster now turned ghoster, whatever came in between
    last_binger = _last_week_as(w, "binger")[idx]
    binged = (cur["week"].to_numpy() - last_binger) <= params.churn_lookback_weeks
    into = np.where(frm == "binger", 2, np.where(frm == "ghoster", 0, np.where(binged, 2, 1)))
    risk = np.where(to == "ghoster", into, 0) + (absent >= params.churn_sleepy_days)
    return pd.DataFrame(
        {
            "dev": cur["dev"].to_numpy(),
            "week_from": prev["week"].to_numpy(),
            "week_to": cur["week"].to_numpy(),
            "from": frm,
            "to": to,
            "absent_days": absent,
            "churn": np.minimum(risk, 2),
        }
    )


def current_personas(
    w: pd.DataFrame, trans: pd.DataFrame, as_of: int, params: PersonaParams = PersonaParams()
) -> pd.DataFrame:
    """Each device's latest judged week, with ``since`` (first day of its run of that persona),
    ``previous`` (the persona before that run, or ``None``), ``days_since_active`` and ``churn``:
    the highest risk of its transitions in the last ``churn_lookback_weeks`` weeks, one step
    higher when the device has been absent ``churn_sleepy_days`` or more up to ``as_of``.

    >>> w = pd.DataFrame({"dev": [0, 0, 0], "week": [1, 2, 3], "first_day": [4, 11, 18],
    ...                   "last_day": [9, 12, 18], "persona": ["binger", "ghoster", "ghoster"]})
    >>> c = current_personas(w, transitions(w), as_of=20)
    >>> c[["persona", "since", "previous", "churn", "days_since_active"]].values.tolist()
    [['ghoster', 11, 'binger', 2, 2]]
    """
    w = _by_device_week(w)
    dev, persona = w["dev"].to_numpy(), np.asarray(w["persona"].to_numpy(), dtype=object)
    new_run = np.r_[True, (dev[1:] != dev[:-1]) | (persona[1:] != persona[:-1])]
    run = np.cumsum(new_run) - 1
    run_start = w["first_day"].to_numpy()[new_run][run]
    first_of_dev = np.r_[True, dev[1:] != dev[:-1]]
    prev_persona = np.where(new_run & ~first_of_dev, np.r_[None, persona[:-1]], None)
    prev_of_run = prev_persona[new_run][run]
    last = np.r_[dev[1:] != dev[:-1], True]
    cur = w[last].copy()
    cur["since"] = run_start[last]
    cur["previous"] = prev_of_run[last]
    cur["days_since_active"] = as_of - cur["last_day"].to_numpy()
    binger_week = _last_week_as(w, "binger")[last]
    cur["binger_weeks_ago"] = np.where(np.isfinite(binger_week), cur["week"].to_numpy() - binger_week, np.nan)
    recent = trans[trans["week_to"] > week_of(as_of) - params.churn_lookback_weeks]
    risk = recent.groupby("dev")["churn"].max().reindex(cur["dev"]).fillna(0).to_numpy(int)
    asleep = cur["days_since_active"].to_numpy() >= params.churn_sleepy_days
    cur["churn"] = np.minimum(risk + asleep, 2)
    return cur.reset_index(drop=True)
