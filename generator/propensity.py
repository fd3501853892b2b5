"""Ground-truth conversions: a household's daily chance to convert on a campaign, and the draws.

The day simulation (:mod:`generator.behaviour`) emits impressions and clicks; its own conversions
follow clicks blindly. This post-processing step replaces them, day by day, with conversions drawn
from a known hazard that depends on

* recent exposure: exponentially decayed impressions and clicks of the campaign by the household,
* affinity: the household's taste for the campaign's (hidden) genre, as a lift over the average home,
* social proof: friend households that converted on the campaign before.

Only households that have seen the campaign can convert. The hazard of every (household, campaign)
is the truth a propensity model is judged against (``truth.json`` → ``propensity``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from generator.behaviour import N_ADS, DayEvents
from generator.catalog import GENRES
from generator.params import DAY_MS

__all__ = ["ConversionTruth", "TruthCoefficients", "daily_hazard", "decay_factor"]

_CONVERSION, _IMPRESSION, _CLICK = 4, 1, 2
_ADS_PER_CAMPAIGN = 3


@dataclass(frozen=True)
class TruthCoefficients:
    """The hidden hazard: ``logit p = base + exposure·log1p(E) + clicks·log1p(K) + affinity·log(lift)
    + friends·min(F, friends_cap)``, per household, campaign and day."""

    base: float = -7.2
    exposure: float = 1.3
    clicks: float = 1.2
    affinity: float = 1.6
    friends: float = 0.9
    friends_cap: int = 3
    half_life_days: float = 3.0


def decay_factor(days: float, half_life_days: float) -> float:
    """Weight left after ``days`` with the given half-life.

    >>> decay_factor(3.0, 3.0), decay_factor(0.0, 3.0)
    (0.5, 1.0)
    """
    return float(0.5 ** (days / half_life_days))


def daily_hazard(
    exposure: np.ndarray, clicks: np.ndarray, lift: np.ndarray, friends: np.ndarray, c: TruthCoefficients
) -> np.ndarray:
    """Probability of a conversion today; zero where the household never saw the campaign.

    >>> c = TruthCoefficients()
    >>> h = daily_hazard(np.array([0.0, 1.0, 5.0]), np.zeros(3), np.ones(3), np.zeros(3), c)
    >>> bool(h[0] == 0 and 0 < h[1] < h[2] < 1)
    True
    """
    z = (
        c.base
        + c.exposure * np.log1p(exposure)
        + c.clicks * np.log1p(clicks)
        + c.affinity * np.log(np.clip(lift, 0.05, None))
        + c.friends * np.minimum(friends, c.friends_cap)
    )
    return np.where(exposure > 0, 1.0 / (1.0 + np.exp(-z)), 0.0)


class ConversionTruth:
    """Per-world state of the truth model; :meth:`apply` rewrites one day's conversions (days in order)."""

    def __init__(self, world, seed: int, coefficients: TruthCoefficients | None = None) -> None:
        self.c = coefficients or TruthCoefficients()
        self.w = world
        self.n_campaigns = -(-N_ADS // _ADS_PER_CAMPAIGN)
        rng = np.random.default_rng([seed, 40])
        genres = [g for g in range(len(GENRES)) if GENRES[g] != "christmas"]
        self.campaign_genre = rng.choice(genres, size=self.n_campaigns)
        taste = np.array([world.person_taste[ps].mean(axis=0) for ps in world.hh_persons])
        self.lift = taste[:, self.campaign_genre] / np.maximum(taste.mean(axis=0)[self.campaign_genre], 1e-9)
        n_h = len(world.hh_persons)
        self.exposure = np.zeros((n_h, self.n_campaigns))
        self.clicks = np.zeros((n_h, self.n_campaigns))
        self.friends = np.zeros((n_h, self.n_campaigns))
        self.converted = np.zeros((n_h, self.n_campaigns), dtype=bool)
        self.last_device = np.full((n_h, self.n_campaigns), -1, dtype=np.int64)
        pairs = np.array(world.friends, dtype=np.int64).reshape(-1, 2)
        self.friend_a = np.concatenate([pairs[:, 0], pairs[:, 1]])
        self.friend_b = np.concatenate([pairs[:, 1], pairs[:, 0]])
        self.snapshots: dict[int, np.ndarray] = {}

    def hazard(self) -> np.ndarray:
        """Today's conversion probability of every (household, campaign), from the state so far."""
        return daily_hazard(self.exposure, self.clicks, self.lift, self.friends, self.c)

    def apply(self, day: int, ev: DayEvents, day_ms: int, rng: np.random.Generator) -> DayEvents:
        """``ev`` without its own conversions, plus conversions drawn from today's hazard."""
        p = self.hazard()
        self.snapshots[day] = p
        h_idx, c_idx = np.nonzero(rng.random(p.shape) < p)
        keep = ev.event != _CONVERSION
        ev = DayEvents(*(getattr(ev, f)[keep] for f in DayEvents.__dataclass_fields__))
        self._observe(ev, day)
        if len(h_idx):
            ev = self._add_conversions(ev, h_idx, c_idx, day_ms, rng)
            new = np.zeros_like(self.converted)
            new[h_idx, c_idx] = True
            np.add.at(self.friends, self.friend_b, new[self.friend_a])
            self.converted |= new
        return ev

    def _observe(self, ev: DayEvents, day: int) -> None:
        keep = 0.5 ** (1.0 / self.c.half_life_days)
        self.exposure *= keep
        self.clicks *= keep
        ad = ev.ad >= 0
        home = self.w.dev_home[ev.dev[ad]]
        camp = ev.ad[ad] // _ADS_PER_CAMPAIGN
        kind = ev.event[ad]
        np.add.at(self.exposure, (home[kind == _IMPRESSION], camp[kind == _IMPRESSION]), 1.0)
        np.add.at(self.clicks, (home[kind == _CLICK], camp[kind == _CLICK]), 1.0)
        self.last_device[home, camp] = ev.dev[ad]

    def _add_conversions(
        self, ev: DayEvents, h_idx: np.ndarray, c_idx: np.ndarray, day_ms: int, rng: np.random.Generator
    ) -> DayEvents:
        w, n = self.w, len(h_idx)
        dev = self.last_device[h_idx, c_idx]
        tod = rng.integers(8 * 3_600_000, DAY_MS - 1, size=n)
        ad = np.minimum(c_idx * _ADS_PER_CAMPAIGN + rng.integers(0, _ADS_PER_CAMPAIGN, size=n), N_ADS - 1)
        add = DayEvents(
            ts=day_ms + tod + w.dev_skew_ms[dev],
            dev=dev,
            event=np.full(n, _CONVERSION),
            content=np.full(n, -1),
            duration=np.full(n, np.nan),
            ad=ad,
            loc_kind=np.zeros(n, dtype=np.int64),
            loc=w.dev_home[dev].astype(np.int64),
        )
        both = {f: np.concatenate([getattr(ev, f), getattr(add, f)]) for f in DayEvents.__dataclass_fields__}
        order = np.argsort(both["ts"], kind="stable")
        return replace(ev, **{f: v[order] for f, v in both.items()})

    def truth(self, days: int, horizon_days: int = 7) -> list[dict]:
        """Per exposed (household, campaign): the chance of a conversion within ``horizon_days`` from
        the start of the held-back week (day ``days - horizon_days``), and the final daily hazard."""
        start = max(days - horizon_days, 0)
        stay = np.ones_like(self.exposure)
        for d in range(start, days):
            stay *= 1.0 - self.snapshots.get(d, np.zeros_like(stay))
        final = self.hazard()
        out = []
        for h, c in zip(*np.nonzero((self.snapshots.get(start, final) > 0) | (final > 0))):
            out.append(
                {
                    "household": self.w.hh_ids[h],
                    "campaign": f"cmp-{c:02d}",
                    "genre": GENRES[self.campaign_genre[c]],
                    "lift": round(float(self.lift[h, c]), 4),
                    "p_next_7d": round(float(1.0 - stay[h, c]), 6),
                    "p_day_final": round(float(final[h, c]), 6),
                }
            )
        return out
