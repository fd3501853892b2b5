"""Where each person is during a day: home, office, mobile data, café or visiting friends."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SLOTS", "SLOT_MS", "DaySchedule", "plan_day"]

SLOT_MS = 300_000
SLOTS = 288
_HOME, _OFFICE, _MOBILE, _CAFE, _VISIT = range(5)


def _slot(local_hour: float) -> int:
    """UTC slot of a local (UTC+1) hour, clamped to the day."""
    return int(min(SLOTS, max(0, round((local_hour - 1) * 12))))


@dataclass
class DaySchedule:
    """Per person and 5-minute UTC slot: location kind (LOC_KINDS index) and its id."""

    kind: np.ndarray  # persons x SLOTS int8
    loc: np.ndarray  # persons x SLOTS int32
    visits: list[tuple[int, int]]  # (visiting household, host household)


def plan_day(world, day: int, weekday: int, rng: np.random.Generator) -> DaySchedule:
    """Draw everyone's whereabouts on ``day`` (``weekday`` 0 = Monday)."""
    n = len(world.person_home)
    kind = np.zeros((n, SLOTS), dtype=np.int8)
    loc = np.repeat(world.person_home[:, None].astype(np.int32), SLOTS, axis=1)
    weekend = weekday >= 5
    n_cafes = len(world.net.cafe_ips)

    def paint(p: int, a: float, b: float, k: int, where: int) -> None:
        s, e = _slot(a), _slot(b)
        kind[p, s:e] = k
        loc[p, s:e] = where

    role, office = world.person_role, world.person_office
    for p in range(n):
        r = role[p]
        if not weekend and office[p] >= 0 and rng.random() < 0.82:  # else home office / leave
            start = 7.5 + rng.random()
            paint(p, start - 0.6, start, _MOBILE, 0)
            paint(p, start, start + 8.5, _OFFICE, office[p])
            paint(p, start + 8.5, start + 9.1, _MOBILE, 0)
        elif not weekend and r > 0:
            paint(p, 7.5, 13.5 + rng.random() * 2 if r == 1 else 13.0, _MOBILE, 0)
        if r < 2 and rng.random() < (0.3 if weekend else 0.15):
            a = 10 + rng.random() * 10
            paint(p, a, a + 0.5 + rng.random() * 1.5, _MOBILE, 0)
        if r < 2 and rng.random() < (0.12 if weekend else 0.05):
            a = 9 + rng.random() * 9
            fav = (int(world.person_home[p]) * 7 + p) % n_cafes
            paint(
                p,
                a,
                a + 0.7 + rng.random() * 1.5,
                _CAFE,
                fav if rng.random() < 0.7 else int(rng.integers(n_cafes)),
            )
    visits = []
    p_visit = 0.16 if weekend else 0.05
    for a, b in world.friends:
        if rng.random() >= p_visit:
            continue
        guest, host = (a, b) if rng.random() < 0.5 else (b, a)
        cands = [p for p in world.hh_persons[guest] if role[p] < 2]
        if not cands:
            continue
        who = cands if len(cands) == 1 or rng.random() < 0.4 else [cands[int(rng.integers(len(cands)))]]
        start = (14 + rng.random() * 6) if weekend else (18 + rng.random() * 2.5)
        dur = 2 + rng.random() * 2
        for p in who:
            paint(p, start - 0.3, start, _MOBILE, 0)
            paint(p, start, start + dur, _VISIT, host)
            paint(p, start + dur, start + dur + 0.3, _MOBILE, 0)
        visits.append((guest, host))
    return DaySchedule(kind, loc, visits)
