"""Personas of devices and households from device-day rows (pure): plain rows in, plain rows out.

``personas_from_rows`` chains the named steps of :mod:`graph.activity`, :mod:`graph.personas` and
:mod:`graph.agebands` and returns what the job writes and the export prints: the weekly history
(``HAS_PERSONA``), each device's current persona with its evidence, age band and churn risk, and
each household's persona mix, audience (its devices' age bands) and churn risk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from graph.activity import DayFrames, day_frames, device_chunks, ghost_regions, sleepy_regions
from graph.agebands import age_bands
from graph.params import PersonaParams
from graph.personas import CHURN, PERSONAS, assign_personas, current_personas, transitions, weekly_features
from graph.vocabulary import DAY_MS

__all__ = [
    "PersonaResult",
    "history_digest",
    "household_personas",
    "iso_day",
    "persona_frames",
    "personas_from_frames",
    "personas_from_rows",
]


def iso_day(day: int) -> str:
    """ISO date of a day number since the epoch.

    >>> iso_day(20422)
    '2025-11-30'
    """
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()


@dataclass(frozen=True)
class PersonaResult:
    """Plain rows: ``history`` (device, week, persona, evidence, current), ``devices`` (device, persona,
    since, churn_risk, age_band, age_confidence, evidence), ``households`` and ``transitions``."""

    history: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    households: list[dict[str, Any]]
    transitions: list[dict[str, Any]]


def persona_frames(
    f: DayFrames, as_of: int, params: PersonaParams = PersonaParams(), data_start: int | None = None
) -> dict[str, pd.DataFrame]:
    """Every frame of the model for day number ``as_of`` (days after it are ignored: clocks ahead).

    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 6} for d in range(4, 11)]
    >>> fr = persona_frames(day_frames(rows), as_of=10)
    >>> fr["current"]["persona"].tolist(), sorted(fr)
    (['casual'], ['ages', 'current', 'ghost', 'sleepy', 'transitions', 'weeks'])
    """
    if len(f.days) and f.days["day"].max() > as_of:
        keep = lambda x: x[x["day"] <= as_of].reset_index(drop=True)
        f = DayFrames(
            f.devices,
            f.device_type,
            keep(f.days),
            keep(f.genres),
            f.genre_names,
            keep(f.series),
            f.series_names,
        )
    if len(f.days) == 0:
        empty = lambda *cols: pd.DataFrame(columns=["dev", *cols])
        return {
            "weeks": empty("week", "persona"),
            "transitions": empty("week_from", "week_to", "from", "to", "churn"),
            "current": empty("week", "persona"),
            "ages": empty("band", "confidence"),
            "sleepy": empty("start", "end", "days"),
            "ghost": empty("start", "end"),
        }
    if data_start is None:
        data_start = int(f.days["day"].min())
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in device_chunks(f, params.chunk_devices):  # every step is per device: slices bound memory
        if len(chunk.days) == 0:
            continue
        weeks = assign_personas(weekly_features(chunk, params, data_start), params)
        trans = transitions(weeks, params)
        frames = {
            "weeks": weeks,
            "transitions": trans,
            "current": current_personas(weeks, trans, as_of, params),
            "ages": age_bands(chunk, params),
            "sleepy": sleepy_regions(chunk, as_of, params),
            "ghost": ghost_regions(chunk, params),
        }
        for k, v in frames.items():
            parts.setdefault(k, []).append(v)
    return {k: v[0] if len(v) == 1 else pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _week_evidence(r: Mapping[str, Any], f: DayFrames) -> dict[str, Any]:
    top_genre = f.genre_names[r["top_genre"]] if r["top_genre"] >= 0 else None
    top_series = f.series_names[r["top_series"]] if r["top_series"] >= 0 else None
    return {
        "week": iso_day(int(r["week"]) * 7 - 3),
        "active_days": int(r["active_days"]),
        "events": int(r["events"]),
        "views": int(r["views"]),
        "series_views": int(r["series_views"]),
        "series_share": round(float(r["series_share"]), 3),
        "top_series": None if top_series is None else str(top_series),
        "genre_share": round(float(r["genre_share"]), 3),
        "top_genre": None if top_genre is None else str(top_genre),
        "top_genre_days": int(r["top_genre_days"]),
        "genres_seen": int(r["genres_seen"]),
        "genre_entropy": round(float(r["entropy"]), 3),
        "kids_share": round(float(r["kids_share"]), 3),
        "night_share": round(float(r["night_share"]), 3),
        "weekend_share": round(float(r["weekend_share"]), 3),
        "gap_before_days": int(r["gap_before"]),
        "most_active_days_in_7": int(r["trail_max"]),
        "seven_days_seen": bool(r["window_seen"]),
        "events_in_7": int(r["trail_events"]),
        "minutes_in_7": round(float(r["trail_seconds"]) / 60, 1),
        "busy_days_in_7": int(r["trail_busy_days"]),
    }


def history_digest(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` (one ``HAS_PERSONA`` week) with ``digest``: a hash of its persona, evidence and current
    flag, so that a job writes only the weeks whose edge would change.

    >>> row = {"device": "a", "week": 0, "persona": "casual", "evidence": "{}", "current": True}
    >>> history_digest(row)["digest"]
    'df316d23b5c916b9'
    """
    text = f"{row['persona']}|{int(row['current'])}|{row['evidence']}"
    return {**row, "digest": hashlib.blake2b(text.encode(), digest_size=8).hexdigest()}


def household_personas(
    devices: list[Mapping[str, Any]], assignment: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Per household: persona mix (names and counts), audience (age bands of its devices) and churn
    risk, the lowest of its devices' (a household churns when none of its devices stays engaged).

    >>> [h] = household_personas(
    ...     [{"device": "a", "persona": "binger", "churn_risk": "high", "age_band": "adult"},
    ...     {"device": "b", "persona": "kids", "churn_risk": "low", "age_band": "kid"}], {"a": "H", "b": "H"})
    >>> h["personas"], h["counts"], h["audience"], h["churn_risk"]
    (['binger', 'kids'], [1, 1], ['kid', 'adult'], 'low')
    """
    by: dict[str, list[Mapping[str, Any]]] = {}
    for d in devices:
        h = assignment.get(d["device"])
        if h is not None:
            by.setdefault(h, []).append(d)
    out = []
    for h in sorted(by):
        ds = by[h]
        mix = {p: sum(1 for d in ds if d["persona"] == p) for p in PERSONAS}
        bands = {d["age_band"] for d in ds if d.get("age_band")}
        out.append(
            {
                "household": h,
                "personas": [p for p in PERSONAS if mix[p]],
                "counts": [mix[p] for p in PERSONAS if mix[p]],
                "audience": [b for b in ("kid", "teen", "adult", "senior") if b in bands],
                "churn_risk": CHURN[min(CHURN.index(d["churn_risk"]) for d in ds)],
            }
        )
    return out


def personas_from_rows(
    rows: Iterable[Mapping[str, Any]],
    as_of_ms: int | None = None,
    params: PersonaParams = PersonaParams(),
    assignment: Mapping[str, str] | None = None,
    content_series: Mapping[str, str] | None = None,
    data_start_ms: int | None = None,
) -> PersonaResult:
    """The personas model over device-day rows (see :mod:`graph.device_days` for their shape).

    ``as_of_ms`` (default: the latest day in ``rows``) is "today"; rows after it come from clocks
    ahead and are ignored, and a device with no other rows is ``casual`` with reason ``clock_ahead``.
    ``content_series`` (content id -> series id) turns series views into distinct episodes.
    ``data_start_ms`` is the first day the data covers (default: the earliest row's day).

    >>> rows = [{"device": "a", "day": d * 86_400_000, "views": 6, "series_ids": ["s"], "series_views": [5]}
    ...         for d in range(4, 11)] + [{"device": "b", "day": 10 * 86_400_000, "views": 1}]
    >>> r = personas_from_rows(rows)
    >>> [(d["device"], d["persona"], d["since"], d["churn_risk"]) for d in r.devices]
    [('a', 'binger', '1970-01-05', 'low'), ('b', 'casual', '1970-01-11', 'low')]
    """
    return personas_from_frames(
        day_frames(rows, params, content_series), as_of_ms, params, assignment, data_start_ms
    )


def personas_from_frames(
    f: DayFrames,
    as_of_ms: int | None = None,
    params: PersonaParams = PersonaParams(),
    assignment: Mapping[str, str] | None = None,
    data_start_ms: int | None = None,
) -> PersonaResult:
    """:func:`personas_from_rows` over frames already built (``day_frames`` or
    ``graph.device_columns.frames_from_columns``); every device of ``f.devices`` gets a row.

    >>> f = day_frames([{"device": "a", "day": 3 * 86_400_000, "views": 2}])
    >>> [(d["device"], d["persona"], d["evidence"]) for d in personas_from_frames(f, as_of_ms=0).devices]
    [('a', 'casual', '{"reason": "clock_ahead", "rule": "casual"}')]
    """
    as_of = int(f.days["day"].max()) if as_of_ms is None and len(f.days) else (as_of_ms or 0) // DAY_MS
    start = None if data_start_ms is None else data_start_ms // DAY_MS
    fr = persona_frames(f, as_of, params, start)
    weeks, cur = fr["weeks"], fr["current"]
    sleepy = fr["sleepy"].groupby("dev")["days"].max()
    ghosts = fr["ghost"].groupby("dev").size()
    is_current = np.zeros(len(weeks), dtype=bool)
    last_week = cur.set_index("dev")["week"]
    is_current[(weeks["week"].to_numpy() == last_week.reindex(weeks["dev"]).to_numpy())] = True
    history = [
        history_digest(
            {
                "device": str(f.devices[r["dev"]]),
                "week": (int(r["week"]) * 7 - 3) * DAY_MS,
                "persona": r["persona"],
                "evidence": json.dumps(_week_evidence(r, f), sort_keys=True),
                "current": bool(c),
            }
        )
        for r, c in zip(weeks.to_dict("records"), is_current)
    ]
    devices = []
    age_of = {int(a["dev"]): a for a in fr["ages"].to_dict("records")}
    for r in cur.to_dict("records"):
        dev = r["dev"]
        age = age_of.get(int(dev))
        ev = _week_evidence(r, f) | {
            "rule": r["persona"],
            "previous": r["previous"] if isinstance(r["previous"], str) else None,
            "days_since_active": int(r["days_since_active"]),
            "binger_weeks_ago": None
            if r["binger_weeks_ago"] != r["binger_weeks_ago"]
            else int(r["binger_weeks_ago"]),
            "longest_sleepy_days": int(sleepy.get(dev, 0)),
            "ghost_regions": int(ghosts.get(dev, 0)),
            "device_events": int(r["device_events"]),
        }
        if age is not None:
            ev["age"] = {k: float(age[k]) for k in ("kids_share", "young_days", "adult_days", "senior_share")}
        devices.append(
            {
                "device": str(f.devices[dev]),
                "persona": r["persona"],
                "since": iso_day(r["since"]),
                "churn_risk": CHURN[int(r["churn"])],
                "age_band": age["band"] if age is not None and isinstance(age["band"], str) else None,
                "age_confidence": 0.0 if age is None else float(age["confidence"]),
                "evidence": json.dumps(ev, sort_keys=True, allow_nan=False),
            }
        )
    seen = {d["device"] for d in devices}
    for key in sorted({str(k) for k in f.devices} - seen):  # only days after as_of: clock ahead
        devices.append(
            {
                "device": key,
                "persona": "casual",
                "since": iso_day(as_of),
                "churn_risk": "low",
                "age_band": None,
                "age_confidence": 0.0,
                "evidence": json.dumps({"reason": "clock_ahead", "rule": "casual"}),
            }
        )
    devices.sort(key=lambda d: d["device"])
    trans = [
        {
            "device": str(f.devices[t["dev"]]),
            "week_from": (int(t["week_from"]) * 7 - 3) * DAY_MS,
            "week_to": (int(t["week_to"]) * 7 - 3) * DAY_MS,
            "from": t["from"],
            "to": t["to"],
            "churn_risk": CHURN[int(t["churn"])],
        }
        for t in fr["transitions"].to_dict("records")
        if t["from"] != t["to"]
    ]
    return PersonaResult(history, devices, household_personas(devices, assignment or {}), trans)
