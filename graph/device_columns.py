"""Device days as one columnar record per device (what the personas job reads from Neo4j), and the
core's frames straight from such records (pure).

``jobs/read_device_day_columns`` returns one record per device: its key and type and, per active
day, parallel lists: ``day``, the event counts, ``seconds``, ``night`` and ``daytime``
(events in those UTC hours, summed on the server from ``hour_events``), the movie, episode and
kids' seconds, ``max_age`` (null: none rated), and nested lists ``genres``/``genre_seconds``,
``series_ids``/``series_views`` and ``contents`` (null on days without a series). A few thousand
records of lists decode far faster in the driver than one record per device and day, and the
frames are built with numpy, not per-row dicts. :func:`device_columns` is the reference of the
query (from the rows of :mod:`graph.device_days`); :func:`frames_from_columns` equals
:func:`graph.activity.day_frames` of the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from graph.activity import DayFrames
from graph.params import PersonaParams
from graph.vocabulary import DAY_MS

__all__ = ["DAY_COLUMNS", "device_columns", "frames_from_columns"]

#: the per-day scalar lists of a device record
DAY_COLUMNS = (
    "views",
    "impressions",
    "clicks",
    "searches",
    "conversions",
    "bookmarks",
    "night",
    "daytime",
    "seconds",
    "kids_seconds",
    "movie_seconds",
    "episode_seconds",
    "max_age",
)
_COUNTS = ("views", "impressions", "clicks", "searches", "conversions", "bookmarks")
_FLOATS = ("seconds", "kids_seconds", "movie_seconds", "episode_seconds")


def device_columns(rows: Iterable[Mapping[str, Any]], params: PersonaParams = PersonaParams()) -> list[dict]:
    """Device records as ``jobs/read_device_day_columns`` returns them, from device-day rows (one per
    device and day), sorted by device.

    >>> [r] = device_columns([{"device": "a", "day": 2 * 86_400_000, "views": 2, "hour_events": [1] * 24},
    ...                       {"device": "a", "day": 0, "clicks": 1, "series_ids": ["s"], "contents": ["e"]}])
    >>> r["day"], r["views"], r["clicks"], r["night"], r["contents"]
    ([0, 172800000], [0, 2], [1, 0], [0, 7], [['e'], None])
    """
    night, daytime = list(params.night_hours_utc), list(params.daytime_hours_utc)
    out: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (r["device"], r["day"])):
        rec = out.get(r["device"])
        if rec is None:
            rec = out[r["device"]] = {"device": r["device"], "device_type": r.get("device_type")}
            for c in (
                *DAY_COLUMNS,
                "day",
                "genres",
                "genre_seconds",
                "series_ids",
                "series_views",
                "contents",
            ):
                rec[c] = []
        hours = r.get("hour_events") or [0] * 24
        rec["day"].append(r["day"])
        for c in _COUNTS:
            rec[c].append(r.get(c) or 0)
        rec["night"].append(sum(hours[h] for h in night))
        rec["daytime"].append(sum(hours[h] for h in daytime))
        for c in _FLOATS:
            rec[c].append(r.get(c) or 0.0)
        rec["max_age"].append(r.get("max_age"))
        for c in ("genres", "genre_seconds", "series_ids", "series_views"):
            rec[c].append(list(r.get(c) or []))
        rec["contents"].append(list(r.get("contents") or []) if r.get("series_ids") else None)
    return [out[k] for k in sorted(out)]


def _by_dev_day(frame: pd.DataFrame) -> pd.DataFrame:
    order = np.lexsort((frame["day"].to_numpy(), frame["dev"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _flat(records: list[Mapping[str, Any]], col: str, dtype, total: int) -> np.ndarray:
    return np.fromiter(chain.from_iterable(r[col] for r in records), dtype=dtype, count=total)


def _nested(records, ids: str, vals: str, dev_of_day: np.ndarray, day: np.ndarray, name: str):
    """The long frame (dev, day, code, value, row: the day's index) of one nested pair of lists, and
    the codes' names (sorted)."""
    per_day = np.fromiter((len(x) for r in records for x in r[ids]), dtype=np.int64, count=len(day))
    keys = list(chain.from_iterable(chain.from_iterable(r[ids] for r in records)))
    values = np.fromiter(
        chain.from_iterable(chain.from_iterable(r[vals] for r in records)), dtype=np.float64, count=len(keys)
    )
    codes, names = pd.factorize(pd.Series(keys, dtype=object).astype(str), sort=True)
    frame = pd.DataFrame(
        {
            "dev": np.repeat(dev_of_day, per_day),
            "day": np.repeat(day, per_day),
            name: codes.astype(np.int32),
            "value": values,
            "row": np.repeat(np.arange(len(day), dtype=np.int64), per_day),
        }
    )
    return frame, np.asarray(names, dtype=str) if len(names) else np.array([])


def _episodes(records, series: pd.DataFrame, names: np.ndarray, content_series: Mapping[str, str]) -> None:
    """Series views as the distinct episodes watched that day (from the day's ``contents``), at least 1,
    on the days that list their contents (in place)."""
    listed = [c for r in records for c in r["contents"]]
    per_day = np.fromiter((0 if c is None else len(c) for c in listed), dtype=np.int64, count=len(listed))
    has = np.fromiter((c is not None for c in listed), dtype=bool, count=len(listed))
    if int(per_day.sum()) == 0 or len(names) == 0:
        return
    index = {str(n): i for i, n in enumerate(names.tolist())}
    code_of = {c: index[s] for c, s in content_series.items() if s in index}
    code = np.fromiter(
        (code_of.get(c, -1) for c in chain.from_iterable(c for c in listed if c is not None)),
        dtype=np.int64,
        count=int(per_day.sum()),
    )
    known = code >= 0
    row = np.repeat(np.arange(len(listed), dtype=np.int64), per_day)[known]
    key, count = np.unique(row * len(names) + code[known].astype(np.int64), return_counts=True)
    want = series["row"].to_numpy() * len(names) + series["series"].to_numpy()
    at = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    found = key[at] == want if len(key) else np.zeros(len(want), dtype=bool)
    episodes = np.where(found, count[at] if len(key) else 0, 0)
    listed_day = has[series["row"].to_numpy()]
    series["value"] = np.where(listed_day, np.maximum(episodes, 1), series["value"].to_numpy())


def frames_from_columns(
    records: Iterable[Mapping[str, Any]],
    params: PersonaParams = PersonaParams(),
    content_series: Mapping[str, str] | None = None,
) -> DayFrames:
    """The core's frames from device records (one per device; their days distinct, in any order).

    >>> rows = [{"device": "b", "day": 2 * 86_400_000, "views": 2, "seconds": 90.0,
    ...          "hour_events": [0] * 23 + [2], "genres": ["news"], "genre_seconds": [90.0]},
    ...         {"device": "a", "day": 0, "clicks": 1, "device_type": "tv"}]
    >>> f = frames_from_columns(device_columns(rows))
    >>> f.devices.tolist(), f.days[["dev", "day", "views", "clicks", "night"]].values.tolist()
    (['a', 'b'], [[0, 0, 0, 1, 0], [1, 2, 2, 0, 2]])
    >>> f.genres.values.tolist(), f.device_type.tolist()
    ([[1.0, 2.0, 0.0, 90.0]], ['tv', None])
    """
    records = sorted(records, key=lambda r: r["device"])
    devices = np.array([str(r["device"]) for r in records], dtype=object)
    sizes = np.array([len(r["day"]) for r in records], dtype=np.int64)
    total = int(sizes.sum())
    dev = np.repeat(np.arange(len(records), dtype=np.int32), sizes)
    day = (_flat(records, "day", np.int64, total) // DAY_MS).astype(np.int32)
    cols: dict[str, Any] = {"dev": dev, "day": day}
    for c in (*_COUNTS, "night", "daytime"):
        cols[c] = _flat(records, c, np.int32, total)
    cols["events"] = sum(cols[c] for c in _COUNTS).astype(np.int32)
    for c in _FLOATS:
        cols[c] = _flat(records, c, np.float64, total)
    cols["max_age"] = np.fromiter(
        (np.nan if a is None else a for a in chain.from_iterable(r["max_age"] for r in records)),
        dtype=np.float64,
        count=total,
    )
    order = ["dev", "day", *_COUNTS, "events", "night", "daytime", *_FLOATS, "max_age"]
    days = pd.DataFrame({c: cols[c] for c in order})
    genres, genre_names = _nested(records, "genres", "genre_seconds", dev, day, "genre")
    series, series_names = _nested(records, "series_ids", "series_views", dev, day, "series")
    if content_series is not None:
        _episodes(records, series, series_names, content_series)
    # days in day order per device (the query does not sort: cheaper here)
    days, genres, series = days.iloc[np.lexsort((day, dev))], _by_dev_day(genres), _by_dev_day(series)
    return DayFrames(
        devices=devices,
        device_type=np.array([r.get("device_type") for r in records], dtype=object),
        days=days.reset_index(drop=True),
        genres=genres.drop(columns="row").rename(columns={"value": "seconds"}),
        genre_names=genre_names,
        series=series.drop(columns="row").rename(columns={"value": "views"}),
        series_names=series_names,
    )
