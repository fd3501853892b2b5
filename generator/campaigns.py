"""Campaign records of a world (contract §5) and re-sent ad events (duplicate bids), with their truth."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import numpy as np

from generator.params import DAY_MS, WorldParams

__all__ = ["AD_EVENT_CODES", "BID_COPY_SPREAD_MS", "N_CAMPAIGNS", "bid_copies", "campaign_records"]

#: campaigns of the renderer's creatives (``render.ad_ids(90)``: three creatives each)
N_CAMPAIGNS = 30
#: event codes (``behaviour.EVENTS``) of impression, click and conversion
AD_EVENT_CODES = (1, 2, 4)
#: a copy comes back this many ms after the original (all copies of one event within 2 s of each other)
BID_COPY_SPREAD_MS = (50, 1900)
_ADVERTISERS = ("Acme Foods", "Nordlicht Travel", "Kiddo Toys", "Brightbank", "Velo Motors", "Casa Home")
_SPLITS = (
    {"tv": 0.5, "phone": 0.3, "tablet": 0.2},
    {"tv": 0.7, "desktop": 0.3},
    {"phone": 0.6, "tablet": 0.4},
    {"tv": 0.4, "phone": 0.4, "console": 0.2},
)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def campaign_records(params: WorldParams) -> list[dict]:
    """The world's campaign records in send order: one per campaign, then a replacement and an invalid one.

    The replacement (a later record of ``cmp-00`` with another budget) is what a compacted topic keeps;
    the last record (shares summing to 0.9) must be rejected with ``bad_split``.

    >>> recs = campaign_records(WorldParams(households=2, days=3))
    >>> len(recs), recs[0]["campaign_id"], recs[-2]["campaign_id"], recs[-1]["campaign_id"]
    (32, 'cmp-00', 'cmp-00', 'cmp-bad')
    """
    rng = np.random.default_rng([params.seed, 30])
    world_end = params.day_start_ms(params.days)
    out = []
    for i in range(N_CAMPAIGNS):
        model = ("cpm", "cpc", "cpa")[i % 3]
        start = params.start_ms - int(rng.integers(0, 4)) * DAY_MS
        # a third of the flights end inside the world, the rest run past it (pacing has both)
        end = (
            world_end - int(rng.integers(1, max(2, params.days // 2))) * DAY_MS
            if i % 3 == 2
            else world_end + 7 * DAY_MS
        )
        end = max(end, start + DAY_MS)
        rec = {
            "campaign_id": f"cmp-{i:02d}",
            "advertiser": _ADVERTISERS[i % len(_ADVERTISERS)],
            "name": f"Campaign {i:02d}",
            "start": _iso(start),
            "end": _iso(end),
            "budget": float(round(rng.uniform(500, 5000), -1)),
            "cost_model": model,
            "rate": {"cpm": round(float(rng.uniform(3, 12)), 2), "cpc": round(float(rng.uniform(0.3, 2)), 2),
                     "cpa": round(float(rng.uniform(10, 60)), 2)}[model],
        }  # fmt: skip
        if i % 4:
            rec["frequency_cap"] = {"max": int(rng.integers(2, 6)), "window_s": (3600, 86400)[i % 2]}
        if i % 5 == 0:
            rec["age_min"] = 16
            rec["avoid_contexts"] = ["kids"]
        if i % 6 == 1:
            rec["prefer_contexts"] = ["sports"]
        if i % 2 == 0:
            rec["device_split"] = _SPLITS[(i // 2) % len(_SPLITS)]
        out.append(rec)
    out.append({**out[0], "budget": out[0]["budget"] + 1000.0})
    out.append({**out[1], "campaign_id": "cmp-bad", "device_split": {"tv": 0.5, "phone": 0.4}})
    return out


def bid_copies(
    objs: list[dict], ts: np.ndarray, event: np.ndarray, rate: float, rng: np.random.Generator, tag: str
) -> tuple[list[dict], np.ndarray, Counter]:
    """Re-sent copies of some ad events: ``(copies, index of each copy's original, copies per campaign)``.

    A copy is the same ad event for the same device 50–1900 ms later under a new ``event_id``; a fifth
    of the picked events come back twice. Copies never cross a UTC midnight (the day is part of how
    exposures are kept).

    >>> objs = [{"ts": 0, "event": "impression", "campaign_id": "k"}, {"ts": 5, "event": "view"}]
    >>> rng = np.random.default_rng(1)
    >>> copies, idx, per = bid_copies(objs, np.array([1000, 5]), np.array([1, 0]), 1.0, rng, "t")
    >>> len(copies) >= 1, set(idx.tolist()), per["k"] == len(copies), copies[0]["event_id"].startswith("t-b")
    (True, {0}, True, True)
    """
    ad = np.flatnonzero(np.isin(event, AD_EVENT_CODES))
    pick = ad[rng.random(len(ad)) < rate]
    pick = np.concatenate([pick, pick[rng.random(len(pick)) < 0.2]])
    delta = rng.integers(*BID_COPY_SPREAD_MS, size=len(pick))
    # the time the original says it was sent: a rendered RFC 3339 text without millis drops them
    base = np.array([_sent_ms(objs[i]["ts"], int(ts[i])) for i in pick.tolist()], dtype=np.int64)
    keep = (base % DAY_MS) + delta < DAY_MS
    pick, delta, base = pick[keep], delta[keep], base[keep]
    copies, per = [], Counter()
    for n, (i, t) in enumerate(zip(pick.tolist(), (base + delta).tolist())):
        copies.append({**objs[i], "ts": t, "event_id": f"{tag}-b{n:06d}"})
        per[objs[i].get("campaign_id") or "(none)"] += 1
    return copies, pick, per


def _sent_ms(rendered: str | int, ms: int) -> int:
    """The epoch ms a rendered ``ts`` stands for.

    >>> _sent_ms("2026-11-02T19:04:11Z", 1793646251789), _sent_ms("2026-11-02T19:04:11.789Z", 1793646251789)
    (1793646251000, 1793646251789)
    """
    return ms - ms % 1000 if isinstance(rendered, str) and "." not in rendered else ms
