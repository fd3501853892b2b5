"""The graph's rows as the propensity core's inputs: per-day counts become events at noon."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from graph.params import DAY_MS
from graph.propensity.features import Context

__all__ = ["context_from_rows", "daily_events"]

_KINDS = (("impressions", "impression"), ("clicks", "click"), ("conversions", "conversion"))


def daily_events(
    exposures: Iterable[Mapping[str, Any]], searches: Iterable[Mapping[str, Any]] = ()
) -> pd.DataFrame:
    """Event rows ``household, device, campaign_id, event, ts, n`` from per-device-day counts; a day's
    events are taken to happen at its noon (UTC), ``n`` of them.

    >>> ev = daily_events([{"household": "h", "device": "d", "campaign_id": "c", "day": 0,
    ...                     "impressions": 3, "clicks": 0, "conversions": 1}],
    ...                   [{"household": "h", "device": "d", "day": DAY_MS, "searches": 2}])
    >>> ev["event"].tolist(), ev["ts"].tolist(), ev["n"].tolist()
    (['impression', 'conversion', 'search'], [43200000, 43200000, 129600000], [3, 1, 2])
    """
    out = []
    for r in exposures:
        for field, kind in _KINDS:
            n = int(r.get(field) or 0)
            if n > 0:
                out.append(
                    (r["household"], r["device"], r["campaign_id"], kind, int(r["day"]) + DAY_MS // 2, n)
                )
    for r in searches:
        n = int(r.get("searches") or 0)
        if n > 0:
            out.append((r["household"], r["device"], None, "search", int(r["day"]) + DAY_MS // 2, n))
    return pd.DataFrame(out, columns=["household", "device", "campaign_id", "event", "ts", "n"])


def context_from_rows(rows: Iterable[Mapping[str, Any]]) -> Context:
    """:class:`Context` from per-household rows ``household, genres, devices, friends`` (lists of dicts).

    >>> c = context_from_rows([{"household": "a", "genres": [{"genre": "news", "share": 1.0}],
    ...     "devices": [{"device": "d1", "device_type": "tv"}], "friends": [{"friend": "b", "weight": 0.5}]}])
    >>> c.genres.loc["a", "news"], int(c.devices.loc["a", "n_devices"]), len(c.friends)
    (np.float64(1.0), 1, 2)
    """
    genres, devices, friends = [], [], []
    for r in rows:
        h = r["household"]
        genres += [{"household": h, **g} for g in r.get("genres") or [] if g.get("genre") is not None]
        devices += [{"household": h, **d} for d in r.get("devices") or [] if d.get("device") is not None]
        friends += [
            {"a": h, "b": f["friend"], "weight": f.get("weight") or 1.0}
            for f in r.get("friends") or []
            if f.get("friend") is not None and h < f["friend"]
        ]
    return Context(genres, devices, friends)
