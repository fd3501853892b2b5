"""Household content affinities (genre lift, top series and content, activity) and look-alikes.

Genre affinity is the household's share of viewing seconds in a genre over the genre's
share in the whole catalogue's viewing (lift), shrunk towards 1 for households that watch
little, so a genre everybody watches (news) does not top every household's list.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from graph.clock import localized
from graph.households.core import as_table
from graph.networks import PresenceTable, local_time
from graph.params import DEVICE_TYPES, AffinityParams, HouseholdParams, NetworkParams

__all__ = ["household_affinity", "similar_households"]


def household_affinity(
    watch_rows: Iterable[Mapping[str, Any]],
    content_rows: Iterable[Mapping[str, Any]],
    assignment: Mapping[str, str],
    presence: PresenceTable | Iterable[Mapping[str, Any]] | None = None,
    params: AffinityParams | None = None,
    network_params: NetworkParams | None = None,
) -> list[dict[str, Any]]:
    """One affinity profile per household.

    Parameters
    ----------
    watch_rows : iterable of dict
        ``device, content_id, views, seconds``.
    content_rows : iterable of dict
        ``content_id, kind, series_id, genres, age_rating``.
    assignment : dict
        ``device_key -> household_id``; devices without a household are ignored.
    presence : presence rows or PresenceTable, optional
        For device mix and activity by local hour and weekday.
    params, network_params : optional (the latter for the local time offset)

    Returns
    -------
    list of dict, sorted by household_id
        ``household_id, devices, device_mix, seconds, views, genres`` (genre -> ``{share, lift}``),
        ``top_genres`` (by lift), ``top_series``, ``top_content``, ``kids_content`` (bool),
        ``kids_share``, ``activity_by_hour`` (24 device-hours, local),
        ``activity_by_weekday`` (7, Monday first).

    Examples
    --------
    >>> content = [{"content_id": "n", "genres": ["news"]}, {"content_id": "c", "genres": ["cooking"]}]
    >>> watch = ([{"device": f"d{i}", "content_id": "n", "views": 1, "seconds": 900.0} for i in range(4)]
    ...          + [{"device": "d0", "content_id": "c", "views": 1, "seconds": 300.0}])
    >>> prof = household_affinity(watch, content, {f"d{i}": f"h{i}" for i in range(4)})
    >>> prof[0]["top_genres"][0], prof[1]["top_genres"][0]
    ('cooking', 'news')
    """
    p = params or AffinityParams()
    catalog = {str(c["content_id"]): c for c in content_rows}
    members: dict[str, set[str]] = defaultdict(set)
    for d, h in assignment.items():
        members[h].add(d)
    sec_g: dict[str, Counter[str]] = defaultdict(Counter)
    sec_series: dict[str, Counter[str]] = defaultdict(Counter)
    sec_content: dict[str, Counter[str]] = defaultdict(Counter)
    views: Counter[str] = Counter()
    total: Counter[str] = Counter()
    kids: Counter[str] = Counter()
    for r in watch_rows:
        h = assignment.get(str(r["device"]))
        if h is None:
            continue
        cid, secs = str(r["content_id"]), float(r.get("seconds") or 0.0)
        c = catalog.get(cid, {})
        genres = list(c.get("genres") or [])
        total[h] += secs
        views[h] += int(r.get("views") or 0)
        sec_content[h][cid] += secs
        if c.get("series_id"):
            sec_series[h][str(c["series_id"])] += secs
        for g in genres:
            sec_g[h][g] += secs / len(genres)
        if any(g in p.kids_genres for g in genres):
            kids[h] += secs
    cat = Counter()
    for cnt in sec_g.values():
        cat.update(cnt)
    cat_total = sum(cat.values()) or 1.0
    base = {g: s / cat_total for g, s in cat.items()}
    hh_types, hour_hist, wd_hist = _presence_profile(presence, assignment, network_params)
    out = []
    for h in sorted(members):
        genre_total = sum(sec_g[h].values())
        genres = {}
        for g, pg in sorted(base.items()):
            share = sec_g[h][g] / genre_total if genre_total else 0.0
            smoothed = (sec_g[h][g] + p.smoothing_seconds * pg) / (genre_total + p.smoothing_seconds)
            genres[g] = {"share": round(share, 4), "lift": round(smoothed / pg, 4)}
        watched = [g for g in genres if sec_g[h][g] > 0]
        out.append(
            {
                "household_id": h,
                "devices": len(members[h]),
                "device_mix": dict(sorted(hh_types.get(h, Counter()).items())),
                "seconds": round(total[h], 1),
                "views": views[h],
                "genres": genres,
                "top_genres": sorted(watched, key=lambda g: (-genres[g]["lift"], g))[: p.top_n],
                "top_series": [
                    {"series_id": s, "seconds": round(v, 1)} for s, v in _top(sec_series[h], p.top_n)
                ],
                "top_content": [
                    {"content_id": s, "seconds": round(v, 1)} for s, v in _top(sec_content[h], p.top_n)
                ],
                "kids_content": kids[h] > 0,
                "kids_share": round(kids[h] / total[h], 4) if total[h] else 0.0,
                "activity_by_hour": hour_hist.get(h, [0] * 24),
                "activity_by_weekday": wd_hist.get(h, [0] * 7),
            }
        )
    return out


def _top(counter: Counter[str], n: int) -> list[tuple[str, float]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _presence_profile(presence, assignment, network_params):
    """Device mix and local activity histograms (device-hours) per household."""
    if presence is None:
        return {}, {}, {}
    t = as_table(presence)
    np_ = localized(HouseholdParams(network=network_params or NetworkParams()), t).network  # local time
    hids = sorted(set(assignment.values()))
    code = {h: i for i, h in enumerate(hids)}
    dev_hh = np.array([code.get(assignment.get(k), -1) for k in t.device_keys], dtype=np.int64)
    types: dict[str, Counter[str]] = defaultdict(Counter)
    for d in np.flatnonzero(dev_hh >= 0).tolist():
        x = int(t.device_type[d])
        types[hids[dev_hh[d]]][DEVICE_TYPES[x] if x >= 0 else "unknown"] += 1
    hh = dev_hh[t.dev]
    ok = hh >= 0
    lh, _, wd = local_time(t.hour[ok], np_.local_offset_hours)
    byh = np.bincount(hh[ok] * 24 + lh, minlength=len(hids) * 24).reshape(-1, 24)
    byw = np.bincount(hh[ok] * 7 + wd, minlength=len(hids) * 7).reshape(-1, 7)
    return (
        types,
        {h: byh[i].tolist() for i, h in enumerate(hids)},
        {h: byw[i].tolist() for i, h in enumerate(hids)},
    )


def similar_households(
    profiles: list[dict[str, Any]], params: AffinityParams | None = None
) -> list[dict[str, Any]]:
    """Top-k most similar households by cosine of their log-lift genre vectors.

    Returns
    -------
    list of dict
        ``{household_id, other_id, cosine, rank}`` (rank 1 = most similar), for pairs with
        cosine >= ``similar_min_cosine``, sorted by (household_id, rank).

    Examples
    --------
    >>> mk = lambda h, a, b: {"household_id": h, "genres": {"x": {"lift": a}, "y": {"lift": b}}}
    >>> rows = similar_households([mk("h1", 2.0, 0.5), mk("h2", 3.0, 0.4), mk("h3", 0.5, 2.0)])
    >>> [(r["household_id"], r["other_id"]) for r in rows]
    [('h1', 'h2'), ('h2', 'h1')]
    """
    from sklearn.neighbors import NearestNeighbors

    p = params or AffinityParams()
    if len(profiles) < 2:
        return []
    genres = sorted({g for pr in profiles for g in pr["genres"]})
    gi = {g: i for i, g in enumerate(genres)}
    X = np.zeros((len(profiles), len(genres)), dtype=np.float32)
    for r, pr in enumerate(profiles):
        for g, v in pr["genres"].items():
            X[r, gi[g]] = math.log(max(v["lift"], 1e-6))
    norms = np.linalg.norm(X, axis=1)
    usable = np.flatnonzero(norms > 1e-9)
    if len(usable) < 2:
        return []
    k = min(p.similar_k + 1, len(usable))
    nn = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(X[usable])
    dist, idx = nn.kneighbors(X[usable])
    out = []
    for row, (ds, js) in enumerate(zip(dist, idx)):
        me = profiles[usable[row]]["household_id"]
        rank = 0
        for dval, j in zip(ds.tolist(), js.tolist()):
            other = profiles[usable[j]]["household_id"]
            cos = 1.0 - dval
            if other == me or cos < p.similar_min_cosine or rank >= p.similar_k:
                continue
            rank += 1
            out.append({"household_id": me, "other_id": other, "cosine": round(cos, 4), "rank": rank})
    out.sort(key=lambda r: (r["household_id"], r["rank"]))
    return out
