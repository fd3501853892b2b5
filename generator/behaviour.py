"""One simulated day of events as numpy arrays: who, when, where, what (vectorised per day)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generator.catalog import GENRES, christmas_share
from generator.personas import count_after_switch, persona_day
from generator.schedule import SLOT_MS, DaySchedule

__all__ = ["EVENTS", "N_ADS", "DayEvents", "Sampler", "simulate_day"]

EVENTS = ("view", "impression", "click", "search", "conversion", "bookmark")
N_ADS = 90
_CHRISTMAS = GENRES.index("christmas")
# Local-hour activity weights per device form (tv, phone, tablet, laptop, desktop, console), weekday.
_H = {
    "tv": [1, 0.5, 0.2, 0.1, 0.1, 0.3, 1, 2, 1.5, 1, 1, 1, 1.5, 1.5, 2, 2.5, 3, 4, 6, 9, 11, 10, 7, 3],
    "phone": [0.8, 0.3, 0.1, 0.1, 0.1, 0.3, 2, 4, 4, 3, 3, 3, 5, 4, 3, 3, 3.5, 4.5, 4, 4, 5, 5, 4, 2],
    "tablet": [0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 1.5, 1, 1, 1, 1, 1.5, 2, 3, 3.5, 3.5, 3, 3, 4, 5, 5, 3, 1],
    "laptop": [0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 2, 3, 3, 3, 2.5, 3, 3, 3, 2.5, 2, 2, 3, 3.5, 3, 2, 1],
    "desktop": [0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1, 2, 3, 3, 3, 2.5, 3, 3, 3, 2.5, 2, 2, 3, 3.5, 3, 2, 1],
    "console": [
        1,
        0.5,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
        0.2,
        0.3,
        0.3,
        0.5,
        0.8,
        1,
        2,
        4,
        5,
        5,
        5,
        6,
        7,
        6,
        4,
        2,
    ],
    "kid": [0, 0, 0, 0, 0, 0, 0.5, 1, 0.2, 0.1, 0.1, 0.2, 0.5, 2, 5, 6, 6, 5, 4, 3, 1, 0.2, 0, 0],
}
_ROWS = ("tv", "phone", "tablet", "laptop", "desktop", "console", "kid")
_MEDIAN_S = {
    "series_episode": 1500,
    "movie": 3600,
    "show": 1800,
    "live": 2400,
    "article": 70,
    "recipe": 150,
    "game": 900,
    "clip": 60,
    "other": 300,
}
# Which location kinds a device form follows its owner to (home, office, mobile, cafe, visit).
_FOLLOWS = np.array(
    [
        [1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1],
        [1, 0, 0, 1, 1],
        [1, 1, 0, 1, 0],
        [1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0],
    ],
    dtype=bool,
)


def _flat_cum(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Flattened cumulative distributions: row r occupies (r, r+1], so one searchsorted samples any row."""
    flat, start = [], [0]
    for r, w in enumerate(rows):
        c = np.cumsum(w, dtype=np.float64)
        flat.append(c / c[-1] + r)
        start.append(start[-1] + len(w))
    return np.concatenate(flat), np.array(start)


class Sampler:
    """Precomputed sampling tables of a world (hours, genres, content per age band)."""

    def __init__(self, world) -> None:
        self.w = world
        cat = world.catalog
        wkend = [np.array(_H[k]) for k in _ROWS]
        wkend = [
            np.roll(h, -1) * 0.5 + h * 0.5 + (h.mean() * 0.3 if k != "kid" else 0)
            for k, h in zip(_ROWS, wkend)
        ]
        self.hours = _flat_cum([np.array(_H[k], float) for k in _ROWS] + wkend)
        self.genre = _flat_cum(list(world.person_taste))
        rows, items = [], []
        for max_rating in (6, 12, 18):
            for g in range(len(GENRES)):
                it = cat.genre_items[g]
                it = it[cat.ratings[it] <= max_rating]
                if len(it) == 0:
                    it = cat.genre_items[GENRES.index("kids")]
                rows.append(1.0 / np.arange(1, len(it) + 1) ** 1.05)  # Zipf within genre
                items.append(it)
        self.content, self.content_start = _flat_cum(rows)
        self.content_items = np.concatenate(items)
        kinds = np.array([_MEDIAN_S[k] for k in cat.kinds], dtype=np.float64)
        self.median_s = kinds
        self.ads = _flat_cum([1.0 / np.arange(1, N_ADS + 1) ** 0.9])[0]
        self.refresh_homes()
        self.band = np.array([0, 1, 2])[2 - world.person_role]  # kid->0, teen->1, adult->2
        self.binge_pos = {int(p): 0 for p in np.flatnonzero(world.person_series >= 0)}

    def refresh_homes(self) -> None:
        """Members (and the kid) of every household, again after a move (``generator.moves``)."""
        world = self.w
        n_h = len(world.hh_persons)
        width = max(len(x) for x in world.hh_persons)
        self.members = np.zeros((n_h, width), dtype=np.int64)
        for h, ps in enumerate(world.hh_persons):
            if ps:  # a slot a move emptied has no devices left either
                self.members[h] = (ps * width)[:width]
        self.kid = np.array(
            [next((p for p in ps if world.person_role[p] == 2), -1) for ps in world.hh_persons]
        )


@dataclass
class DayEvents:
    """Arrays of one day's (valid, unique) events, sorted by ``ts``."""

    ts: np.ndarray
    dev: np.ndarray
    event: np.ndarray
    content: np.ndarray  # -1 none; >= len(catalog) an item the catalog does not describe
    duration: np.ndarray  # nan none
    ad: np.ndarray  # -1 none
    loc_kind: np.ndarray
    loc: np.ndarray


def simulate_day(
    s: Sampler, sched: DaySchedule, day_ms: int, weekday: int, date, rng: np.random.Generator
) -> DayEvents:
    """Sample one day's events from the world behind sampler ``s`` and the day's schedule."""
    w, cat = s.w, s.w.catalog
    weekend = weekday >= 5
    owner = w.dev_owner
    day = (day_ms - w.params.start_ms) // 86_400_000
    active_p, dev_rate, person_series = persona_day(w, day)
    active = rng.random(w.n_devices) < active_p
    counts = rng.poisson(dev_rate * (1.25 if weekend else 1.0)) * active
    count_after_switch(w, day, counts)
    dev = np.repeat(np.arange(w.n_devices), counts)
    n = len(dev)
    form = w.dev_form[dev]
    is_kid = (owner[dev] >= 0) & (w.person_role[np.maximum(owner[dev], 0)] == 2)
    row = np.where(is_kid, 6, form) + (7 if weekend else 0)
    hour = np.searchsorted(s.hours[0], row + rng.random(n), side="right") - s.hours[1][row]
    local_s = hour * 3600 + rng.integers(0, 3600, size=n)
    tod = ((local_s - 3600) % 86_400) * 1000 + rng.integers(0, 1000, size=n)
    # who is watching: the owner, or a member of the household (kids in the afternoon)
    home = w.dev_home[dev]
    person = owner[dev].copy()
    shared = person < 0
    pick = s.members[home[shared], rng.integers(0, s.members.shape[1], size=int(shared.sum()))]
    kid = s.kid[home[shared]]
    afternoon = (
        (hour[shared] >= 14) & (hour[shared] < 19) & (kid >= 0) & (rng.random(int(shared.sum())) < 0.6)
    )
    person[shared] = np.where(afternoon, kid, pick)
    event = rng.choice(6, size=n, p=[0.79, 0.11, 0.0, 0.07, 0.0, 0.03])
    genre = np.searchsorted(s.genre[0], person + rng.random(n), side="right") - s.genre[1][person]
    xmas = christmas_share(date)
    if xmas:
        genre[rng.random(n) < xmas] = _CHRISTMAS
    crow = s.band[person] * len(GENRES) + genre
    pos = np.searchsorted(s.content, crow + rng.random(n), side="right")
    content = s.content_items[np.minimum(pos, len(s.content_items) - 1)]
    for i in np.flatnonzero((person_series[person] >= 0) & (form != 1) & (event == 0)):
        if rng.random() < 0.6:  # binge watchers: the next episode of their series
            p = int(person[i])
            eps = cat.series_episodes[person_series[p]]
            content[i] = eps[s.binge_pos[p] % len(eps)]
            s.binge_pos[p] += 1
    content[(event == 0) & (rng.random(n) < 0.004)] = len(cat) + int(rng.integers(1000))
    content[(event == 3) & (rng.random(n) < 0.6)] = -1
    duration = np.full(n, np.nan)
    v = event == 0
    med = s.median_s[np.minimum(content[v], len(cat) - 1)]
    duration[v] = np.round(med * rng.lognormal(-0.3, 0.8, size=int(v.sum())), 1)
    ad = np.full(n, -1)
    imp = event == 1
    ad[imp] = np.searchsorted(s.ads, rng.random(int(imp.sum())), side="right")
    content[imp & (rng.random(n) < 0.5)] = -1
    # follow-ups: clicks after some impressions, conversions after some clicks
    clk = np.flatnonzero(imp & (rng.random(n) < 0.04))
    conv = clk[rng.random(len(clk)) < 0.12]
    extra = np.concatenate([clk, conv])
    extra_tod = np.concatenate(
        [
            tod[clk] + rng.integers(2_000, 30_000, len(clk)),
            tod[conv] + rng.integers(300_000, 3_600_000, len(conv)),
        ]
    )
    extra_ev = np.concatenate([np.full(len(clk), 2), np.full(len(conv), 4)])
    dev, tod = np.concatenate([dev, dev[extra]]), np.minimum(np.concatenate([tod, extra_tod]), 86_399_999)
    person, form = np.concatenate([person, person[extra]]), np.concatenate([form, form[extra]])
    event = np.concatenate([event, extra_ev])
    content = np.concatenate([content, np.full(len(extra), -1)])
    duration = np.concatenate([duration, np.full(len(extra), np.nan)])
    ad = np.concatenate([ad, ad[extra]])
    # where: the owner's whereabouts if this device goes along, else home
    slot = tod // SLOT_MS
    own = w.dev_owner[dev]
    lk = np.where(own >= 0, sched.kind[np.maximum(own, 0), slot], 0)
    ll = np.where(own >= 0, sched.loc[np.maximum(own, 0), slot], w.dev_home[dev])
    stay = ~_FOLLOWS[form, lk]
    lk[stay], ll[stay] = 0, w.dev_home[dev[stay]]
    ts = day_ms + tod + w.dev_skew_ms[dev]
    order = np.argsort(ts, kind="stable")
    return DayEvents(
        ts[order],
        dev[order],
        event[order],
        content[order],
        duration[order],
        ad[order],
        lk[order].astype(np.int64),
        ll[order].astype(np.int64),
    )
