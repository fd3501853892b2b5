"""Ad traffic for activation (issue #14): campaign records, ad breaks in which one ad repeats, and the
TV-then-phone follow-up journey (a cooking ad on the TV, the recipe page on a phone ~5 minutes later).

:class:`AdBreaks` adds rows to a day's :class:`~generator.behaviour.DayEvents` before addresses are
resolved, from its own random stream, and records each journey as truth.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import numpy as np
import orjson

from generator.behaviour import DayEvents
from generator.params import WorldParams
from generator.render import ad_ids

__all__ = ["AD_BREAK_RATE", "COOKING_CAMPAIGN", "AdBreaks", "campaign_lines", "campaign_records"]

#: share of TV views at home followed by an ad break
AD_BREAK_RATE = 0.12
#: share of cooking views on a TV whose household then opens a recipe on a phone or tablet
JOURNEY_RATE = 0.5
#: the campaign whose ads run in cooking shows (its creatives are ``ad-00-c1..c3``)
COOKING_CAMPAIGN = "cmp-00"
_N_ADS = 90
_TV, _PHONE, _TABLET = 0, 1, 2
_IMPRESSION, _VIEW = 1, 0


def campaign_records(params: WorldParams) -> list[dict]:
    """One record (contract §5) per campaign of the generated ads; a few exercise each decision rule.

    >>> recs = campaign_records(WorldParams(households=1, days=1))
    >>> len(recs), recs[1]["avoid_contexts"]
    (30, ['kids_watching', 'christmas'])
    """
    start = params.start
    end = start + timedelta(days=params.days + 400)  # the live feed runs on after the world's days
    out = []
    for campaign in sorted({c for _, c in ad_ids(_N_ADS)}):
        rec: dict = {
            "campaign_id": campaign,
            "advertiser": f"Advertiser {campaign[-2:]}",
            "start": f"{start.isoformat()}T00:00:00Z",
            "end": f"{end.isoformat()}T00:00:00Z",
            "budget": 1_000_000,
            "cost_model": "cpm",
            "rate": 5.0,
        }
        out.append(rec)
    out[0].update(
        name="Cooking follow-up", prefer_contexts=["cooking"], frequency_cap={"max": 2, "window_s": 1800}
    )
    out[1].update(name="Adults only", age_min=18, avoid_contexts=["kids_watching", "christmas"])
    out[2].update(name="Per device", frequency_cap={"max": 2, "window_s": 3600, "per": "device"})
    out[3].update(name="Spent", budget=0.001)
    out[4].update(name="Ended", start=f"{(start - timedelta(days=30)).isoformat()}T00:00:00Z",
                  end=f"{start.isoformat()}T00:00:00Z")  # fmt: skip
    out[5].update(name="Daily cap", frequency_cap={"max": 4, "window_s": 86_400})
    return out


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
        self.second_screens = {
            h: [d for d in devs if world.dev_form[d] in (_PHONE, _TABLET)]
            for h, devs in enumerate(world.hh_devices)
        }
        self.journeys: list[dict] = []

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
                        "household": w.hh_ids[home],
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
