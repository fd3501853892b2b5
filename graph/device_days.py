"""Per-device-day rows from parsed view events and the content catalog (pure): the personas core's input.

A device-day row is the aggregate ingest keeps per device and UTC day (``DeviceDay``); this module
builds the same rows from events, so tests, ``bench/personas.py`` and world scoring need no servers,
and it is the reference the ingest aggregate must equal. One row:

========================  ==================================================================
``device``                the device's key
``day``                   epoch ms of the UTC day's start
``device_type``           the type the device reported last (or ``None``)
``views`` ...             counts per event type: ``views``, ``impressions``, ``clicks``,
                          ``searches``, ``conversions``, ``bookmarks``
``seconds``               seconds watched (views)
``hour_events``           24 counts: events per UTC hour
``contents``              sorted ids of the distinct content viewed or bookmarked;
                          ``content_views`` / ``content_seconds`` parallel (what the device watched
                          of each: the graph keeps no per-content watch edge)
``series_ids``            sorted series watched; ``series_views`` / ``series_seconds`` parallel
``genres``                sorted genres watched; ``genre_seconds`` parallel
``movie_seconds``         seconds of films; ``episode_seconds`` of series episodes
``kids_seconds``          seconds of content with the kids' genre
``max_age``               highest age rating watched (``None``: no rated content)
========================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.vocabulary import DAY_MS, EVENT_TYPES, HOUR_MS, KIDS_GENRE

__all__ = [
    "COUNT_FIELDS",
    "add_content",
    "add_view",
    "catalog_meta",
    "device_days_from_events",
    "empty_day",
    "finish_day",
]

#: the per-type count fields of a row, in EVENT_TYPES order
COUNT_FIELDS = tuple("searches" if k == "search" else k + "s" for k in EVENT_TYPES)


def catalog_meta(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``content_id -> {kind, series, genres, age}`` from content catalog records (contract §2).

    >>> catalog_meta([{"content_id": "e1", "kind": "series_episode", "series_id": "s", "genres": ["kids"]}])
    {'e1': {'kind': 'series_episode', 'series': 's', 'genres': ['kids'], 'age': None}}
    """
    return {
        r["content_id"]: {
            "kind": r.get("kind"),
            "series": r.get("series_id"),
            "genres": list(r.get("genres") or ()),
            "age": r.get("age_rating"),
        }
        for r in records
    }


def empty_day(device: str, day: int) -> dict[str, Any]:
    """A device-day row before its first event (ingest's aggregate and the personas job start from it).

    >>> row = empty_day("d", 0)
    >>> row["views"], row["hour_events"][:2], row["contents"], row["max_age"]
    (0, [0, 0], {}, None)
    """
    row: dict[str, Any] = {"device": device, "day": day}
    row.update(dict.fromkeys(COUNT_FIELDS, 0))
    row.update(
        seconds=0.0,
        hour_events=[0] * 24,
        contents={},
        series={},
        genres={},
        movie_seconds=0.0,
        episode_seconds=0.0,
        kids_seconds=0.0,
        max_age=None,
    )
    return row


def add_content(row: dict[str, Any], content: str, kind: str, secs: float) -> None:
    """Count a view (with its seconds) or a bookmark (``kind``) of ``content`` in a day row's contents.

    >>> row = {"contents": {}}
    >>> add_content(row, "c", "view", 60.0); add_content(row, "c", "bookmark", 0.0)
    >>> row["contents"]
    {'c': [1, 60.0]}
    """
    seen = row["contents"].get(content)
    if seen is None:
        seen = row["contents"][content] = [0, 0.0]
    if kind == "view":
        seen[0] += 1
        seen[1] += secs


def add_view(row: dict[str, Any], secs: float, meta: Mapping[str, Any] | None) -> None:
    """Add one view of ``secs`` seconds (content ``meta`` from :func:`catalog_meta`) to a day row.

    >>> row = {"seconds": 0.0, "series": {}, "genres": {}, "episode_seconds": 0.0, "movie_seconds": 0.0,
    ...        "kids_seconds": 0.0, "max_age": None}
    >>> add_view(row, 60.0, {"series": "s", "genres": ["kids"], "age": 6})
    >>> row["series"], row["kids_seconds"], row["max_age"]
    ({'s': (1, 60.0)}, 60.0, 6)
    """
    row["seconds"] += secs
    if meta is None:  # content the catalog does not describe: seconds, but no series/genre/rating
        return
    series = meta.get("series")
    if series is not None:
        views, seconds = row["series"].get(series, (0, 0.0))
        row["series"][series] = (views + 1, seconds + secs)
        row["episode_seconds"] += secs
    elif meta.get("kind") == "movie":
        row["movie_seconds"] += secs
    genres = meta.get("genres") or ()
    for g in genres:
        row["genres"][g] = row["genres"].get(g, 0.0) + secs
    if KIDS_GENRE in genres:
        row["kids_seconds"] += secs
    age = meta.get("age")
    if age is not None and (row["max_age"] is None or age > row["max_age"]):
        row["max_age"] = age


def finish_day(row: dict[str, Any]) -> dict[str, Any]:
    """A day row with its sets and maps turned into sorted lists and parallel lists (what Neo4j stores)."""
    series, genres = row.pop("series"), row.pop("genres")
    contents = row.pop("contents")
    row["contents"] = sorted(contents)
    row["content_views"] = [contents[c][0] for c in row["contents"]]
    row["content_seconds"] = [contents[c][1] for c in row["contents"]]
    row["series_ids"] = sorted(series)
    row["series_views"] = [series[s][0] for s in row["series_ids"]]
    row["series_seconds"] = [series[s][1] for s in row["series_ids"]]
    row["genres"] = sorted(genres)
    row["genre_seconds"] = [genres[g] for g in row["genres"]]
    return row


def device_days_from_events(
    events: Iterable[Mapping[str, Any]], catalog: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per (device, UTC day) of ``events``, sorted by device then day.

    ``events`` are parsed, valid, de-duplicated view events as plain dicts: ``device`` (key),
    ``ts`` (epoch ms), ``event`` (default ``view``), ``content_id``, ``duration_s``,
    ``device_type``. ``catalog`` is :func:`catalog_meta`'s map; content it lacks adds seconds only.

    >>> cat = catalog_meta([{"content_id": "e1", "kind": "series_episode", "series_id": "s",
    ...                      "genres": ["kids"], "age_rating": 6}])
    >>> ev = [{"device": "d", "ts": 3 * 3_600_000, "content_id": "e1", "duration_s": 60, "device_type": "tv"},
    ...       {"device": "d", "ts": 3 * 3_600_000 + 5, "event": "search"},
    ...       {"device": "d", "ts": 86_400_000, "content_id": "nope", "duration_s": 5}]
    >>> a, b = device_days_from_events(ev, cat)
    >>> a["views"], a["searches"], a["hour_events"][3], a["series_views"], a["kids_seconds"], a["max_age"]
    (1, 1, 2, [1], 60.0, 6)
    >>> b["day"], b["seconds"], b["genres"], b["contents"], b["device_type"]
    (86400000, 5.0, [], ['nope'], 'tv')
    """
    days: dict[tuple[str, int], dict[str, Any]] = {}
    last_type: dict[str, str] = {}
    for e in sorted(events, key=lambda e: (e["device"], e["ts"])):
        device, ts = e["device"], int(e["ts"])
        day = ts - ts % DAY_MS
        row = days.get((device, day))
        if row is None:
            row = days[(device, day)] = {**empty_day(device, day), "device_type": None}
        if e.get("device_type"):
            last_type[device] = e["device_type"]
        kind = e.get("event") or "view"
        row[COUNT_FIELDS[EVENT_TYPES.index(kind)]] += 1
        row["hour_events"][(ts - day) // HOUR_MS] += 1
        content = e.get("content_id")
        if kind in ("view", "bookmark") and content is not None:
            secs = float(e.get("duration_s") or 0.0)
            add_content(row, content, kind, secs)
            if kind == "view":
                add_view(row, secs, catalog.get(content))
    out = []
    for key in sorted(days):
        row = finish_day(days[key])
        row["device_type"] = last_type.get(key[0])
        out.append(row)
    return out
