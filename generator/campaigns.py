"""Every campaign record and the ad traffic of a world, with their truth (contract §5; issues #14, #16).

One source for both features: campaign records (budgets, cost models, caps, contexts, device splits, a
replacement and an invalid record), ad breaks in which one ad repeats and the TV-then-phone follow-up
journey (activation), and re-sent ad events under new ids (duplicate bids). :class:`AdBreaks` adds rows
to a day's :class:`~generator.behaviour.DayEvents` before addresses are resolved, from its own random
stream, and records each journey as truth; :func:`bid_copies` counts its copies per campaign.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields
from datetime import UTC, datetime

import numpy as np
import orjson

from generator.behaviour import DayEvents
from generator.params import DAY_MS, WorldParams
from generator.render import ad_ids

__all__ = [
    "AD_BREAK_RATE",
    "AD_EVENT_CODES",
    "BID_COPY_SPREAD_MS",
    "COOKING_CAMPAIGN",
    "INVALID_CAMPAIGN",
    "LIVE_FLIGHT_DAYS",
    "N_CAMPAIGNS",
    "AdBreaks",
    "bid_copies",
    "campaign_lines",
    "campaign_records",
    "valid_campaign_records",
]

#: campaigns of the renderer's creatives (``render.ad_ids(90)``: three creatives each)
N_CAMPAIGNS = 30
#: event codes (``behaviour.EVENTS``) of impression, click and conversion
AD_EVENT_CODES = (1, 2, 4)
#: a copy comes back this many ms after the original (all copies of one event within 2 s of each other)
BID_COPY_SPREAD_MS = (50, 1900)
#: days a flight that does not end inside the world runs on after it (the live feed and the demo's
#: activation API run on the real clock, after the world's days)
LIVE_FLIGHT_DAYS = 400
#: the id of the one record the validation must reject (``bad_split``)
INVALID_CAMPAIGN = "cmp-bad"
#: about how many cost units one household yields per campaign and day in a generated world
#: (impressions / 1000, clicks, conversions): budgets are sized to it, so pacing varies around 1
_UNITS_PER_HOUSEHOLD_DAY = {"cpm": 1.1 / 1000, "cpc": 0.015, "cpa": 0.017}
_ADVERTISERS = ("Acme Foods", "Nordlicht Travel", "Kiddo Toys", "Brightbank", "Velo Motors", "Casa Home")
_SPLITS = (
    {"tv": 0.5, "phone": 0.3, "tablet": 0.2},
    {"tv": 0.7, "desktop": 0.3},
    {"phone": 0.6, "tablet": 0.4},
    {"tv": 0.4, "phone": 0.4, "console": 0.2},
)

#: share of TV views at home followed by an ad break
AD_BREAK_RATE = 0.12
#: share of cooking views on a TV whose household then opens a recipe on a phone or tablet
JOURNEY_RATE = 0.5
#: the campaign whose ads run in cooking shows (its creatives are ``ad-00-c1..c3``)
COOKING_CAMPAIGN = "cmp-00"
_N_ADS = 90
_TV, _PHONE, _TABLET = 0, 1, 2
_IMPRESSION, _VIEW = 1, 0


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decision_rules(out: list[dict], params: WorldParams) -> None:
    """The first six campaigns exercise one activation decision rule each (issue #14)."""
    out[0].update(
        name="Cooking follow-up", prefer_contexts=["cooking"], frequency_cap={"max": 2, "window_s": 1800}
    )
    out[1].update(name="Adults only", age_min=18, avoid_contexts=["kids_watching", "christmas"])
    out[2].update(name="Per device", frequency_cap={"max": 2, "window_s": 3600, "per": "device"})
    out[3].update(name="Spent", budget=0.001)
    out[4].update(name="Ended", start=_iso(params.start_ms - 30 * DAY_MS), end=_iso(params.start_ms))
    out[5].update(name="Daily cap", frequency_cap={"max": 4, "window_s": 86_400})


def campaign_records(params: WorldParams) -> list[dict]:
    """The world's campaign records in send order: one per campaign, then a replacement and an invalid one.

    Cost models, rates, budgets, caps, contexts and device splits vary by campaign; budgets fit the
    world's size (an even pace of 0.6-1.6 over the flight); a third of the flights (``cmp-08`` to
    ``cmp-26``) end inside the world, the others run on :data:`LIVE_FLIGHT_DAYS` after it; the first
    six exercise one activation rule each (cooking context, adults only, a per-device cap, a spent
    budget, an ended flight, a daily cap). The replacement (a later record of ``cmp-00``
    with another budget) is what a compacted topic keeps; the last record (shares summing to 0.9) must
    be rejected with ``bad_split``.

    >>> recs = campaign_records(WorldParams(households=2, days=3))
    >>> len(recs), recs[0]["campaign_id"], recs[-2]["campaign_id"], recs[-1]["campaign_id"]
    (32, 'cmp-00', 'cmp-00', 'cmp-bad')
    >>> recs[1]["avoid_contexts"], recs[-2]["name"], recs[-2]["budget"] - recs[0]["budget"]
    (['kids_watching', 'christmas'], 'Cooking follow-up', 1000.0)
    """
    rng = np.random.default_rng([params.seed, 30])
    world_end = params.day_start_ms(params.days)
    out = []
    for i in range(N_CAMPAIGNS):
        model = ("cpm", "cpc", "cpa")[i % 3]
        start = params.start_ms - int(rng.integers(0, 4)) * DAY_MS
        # a third of the flights end inside the world, the rest run past it (pacing has both)
        inside = world_end - int(rng.integers(1, max(2, params.days // 2))) * DAY_MS
        ends_inside = i % 3 == 2 and 5 < i < N_CAMPAIGNS - 1  # cmp-29: activation's live cap test
        end = max(inside if ends_inside else world_end + LIVE_FLIGHT_DAYS * DAY_MS, start + DAY_MS)
        rate = {"cpm": round(float(rng.uniform(3, 12)), 2), "cpc": round(float(rng.uniform(0.3, 2)), 2),
                "cpa": round(float(rng.uniform(10, 60)), 2)}[model]  # fmt: skip
        # the budget an even pace of about `pace` spends over the flight (spent share / elapsed share)
        pace = float(rng.uniform(0.6, 1.6))
        per_day = rate * _UNITS_PER_HOUSEHOLD_DAY[model] * params.households
        budget = max(10.0, float(round(per_day * (end - start) / DAY_MS / pace, -1)))
        rec = {
            "campaign_id": f"cmp-{i:02d}",
            "advertiser": _ADVERTISERS[i % len(_ADVERTISERS)],
            "name": f"Campaign {i:02d}",
            "start": _iso(start),
            "end": _iso(end),
            "budget": budget,
            "cost_model": model,
            "rate": rate,
        }
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
    _decision_rules(out, params)
    out.append({**out[0], "budget": out[0]["budget"] + 1000.0})
    out.append({**out[1], "campaign_id": INVALID_CAMPAIGN, "device_split": {"tv": 0.5, "phone": 0.4}})
    return out


def valid_campaign_records(params: WorldParams) -> list[dict]:
    """The records a compacted topic keeps and validation accepts: the latest valid one per campaign.

    >>> recs = valid_campaign_records(WorldParams(households=2, days=3))
    >>> len(recs), recs[0]["budget"] == campaign_records(WorldParams(households=2, days=3))[-2]["budget"]
    (30, True)
    """
    latest = {r["campaign_id"]: r for r in campaign_records(params) if r["campaign_id"] != INVALID_CAMPAIGN}
    return [latest[k] for k in sorted(latest)]


def campaign_lines(params: WorldParams) -> tuple[list[bytes], list[bytes]]:
    """Campaign records as JSON lines with their Kafka keys (the campaign id: the topic is compacted)."""
    recs = campaign_records(params)
    return [orjson.dumps(r) for r in recs], [r["campaign_id"].encode() for r in recs]


class AdBreaks:
    """Adds ad breaks and follow-up journeys to each simulated day; ``journeys`` is their truth."""

    def __init__(self, world, seed: int, rate: float = AD_BREAK_RATE) -> None:
        self.w = world
        self.seed = seed
        self.rate = rate
        recs = world.catalog.records
        self.recipes = np.array([i for i, r in enumerate(recs) if r["kind"] == "recipe"])
        self.cooking = np.array(
            [i for i, r in enumerate(recs) if "cooking" in (r.get("genres") or []) and r["kind"] != "recipe"]
        )
        self.ads = ad_ids(_N_ADS)
        self.cooking_ads = [i for i, (_, c) in enumerate(self.ads) if c == COOKING_CAMPAIGN]
        self.refresh_homes()
        self.journeys: list[dict] = []

    def refresh_homes(self) -> None:
        """Phones and tablets of every household, again after a move (``generator.moves``)."""
        self.second_screens = {
            h: [d for d in devs if self.w.dev_form[d] in (_PHONE, _TABLET)]
            for h, devs in enumerate(self.w.hh_devices)
        }

    def add(self, ev: DayEvents, day: int) -> DayEvents:
        """``ev`` with the day's ad breaks and journeys added, sorted by time again."""
        rng = np.random.default_rng([self.seed, 22, day])
        w = self.w
        tv_home = np.flatnonzero((ev.event == _VIEW) & (w.dev_form[ev.dev] == _TV) & (ev.loc_kind == 0))
        rows: list[tuple[int, int, int, int, float, int, int, int]] = []
        for i in tv_home[rng.random(len(tv_home)) < self.rate].tolist():
            start = int(ev.ts[i]) + int(min(np.nan_to_num(ev.duration[i]), 900) * 1000)
            picks = rng.choice(_N_ADS, size=3, replace=False).tolist()
            for k, a in enumerate([picks[0], picks[1], picks[0], picks[2]]):  # the first ad repeats
                rows.append(
                    (start + k * 20_000, int(ev.dev[i]), _IMPRESSION, -1, np.nan, a, 0, int(ev.loc[i]))
                )
        if len(self.cooking):
            cook = tv_home[np.isin(ev.content[tv_home], self.cooking)]
            for i in cook[rng.random(len(cook)) < JOURNEY_RATE].tolist():
                home = int(w.dev_home[ev.dev[i]])
                screens = self.second_screens[home]
                if not screens:
                    continue
                seen = int(ev.ts[i]) + 60_000
                phone = screens[int(rng.integers(len(screens)))]
                opened = seen + int(rng.integers(120_000, 290_000))  # "about 5 minutes later"
                ad = self.cooking_ads[int(rng.integers(len(self.cooking_ads)))]
                recipe = int(self.recipes[int(rng.integers(len(self.recipes)))])
                rows.append((seen, int(ev.dev[i]), _IMPRESSION, -1, np.nan, ad, 0, home))
                rows.append((opened, phone, _VIEW, recipe, float(rng.integers(60, 400)), -1, 0, home))
                self.journeys.append(
                    {
                        "household": w.hh_label[home],
                        "tv": w.dev_mac[int(ev.dev[i])],
                        "second_screen": w.dev_mac[phone],
                        "ad_id": self.ads[ad][0],
                        "campaign_id": self.ads[ad][1],
                        "seen_ms": seen,
                        "opened_ms": opened,
                    }
                )
        if not rows:
            return ev
        extra = list(zip(*rows))
        cols = {}
        for f, col in zip(fields(ev), extra):
            old = getattr(ev, f.name)
            cols[f.name] = np.concatenate([old, np.asarray(col, dtype=old.dtype)])
        order = np.argsort(cols["ts"], kind="stable")
        return DayEvents(**{k: v[order] for k, v in cols.items()})


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
