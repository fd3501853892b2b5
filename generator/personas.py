"""Persona behaviour that changes during a world, and each device's intended persona and age band.

Some binge watchers lose interest mid-world and become ghosters (rare, sparse activity, no binge):
the transitions a persona model should find. Their plan is drawn from its own random stream, so
the rest of the world (households, devices, events before the switch) stays what it was.

The truth records per device the persona the generator *intends* (``None`` where it intends none
a model could see: a shared device of several people, a binge watcher's phone, which never binges
here, a person whose persona has no behaviour of its own) and the age band of its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

__all__ = [
    "GHOST_STYLES",
    "SWITCH_SHARE",
    "PersonaPlan",
    "annotate_truth",
    "count_after_switch",
    "ghost_days",
    "persona_day",
    "persona_plan",
]

#: share of binge watchers who turn into ghosters during a world of 14 days or more
SWITCH_SHARE = 0.4
_GHOST_ACTIVE = 0.15  # chance a ghoster's device is active on a day (others: 0.9)
_GHOST_ACTIVITY = 0.04  # a ghoster's activity level (events per day scale)
_BAND = ("adult", "teen", "kid")  # by world role
_PHONE = 1
_LOYAL = ("sports_fan", "foodie", "news_junkie", "gamer")  # one genre raised above the rest


#: ghosters' habits (``WorldParams.ghost_styles`` weighs them)
GHOST_STYLES = ("sporadic", "returner", "trial", "household")


@dataclass(frozen=True)
class PersonaPlan:
    """Per person: the world day on which they turn from binge watcher into ghoster (-1: never)."""

    switch_day: np.ndarray
    ghoster: np.ndarray  # persons who are ghosters from the start
    after_switch: np.ndarray  # per device: events sent on or after its owner's switch day
    # per person and world day: chance a ghoster's device is active, and its events that day (nan: its own)
    ghost_active: np.ndarray | None = None
    ghost_rate: np.ndarray | None = None


def ghost_days(styles: np.ndarray, days: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per ghoster (style index into ``GHOST_STYLES``) and day: active chance and events (nan: own rate).

    >>> p, r = ghost_days(np.array([0, 1, 2, 3]), 28, np.random.default_rng(1))
    >>> float(p[0].max()), int((p[1] == 1).sum()) in (2, 3), int((p[2] > 0).sum()) <= 2, float(p[3].max())
    (0.15, True, True, 0.5)
    """
    n = len(styles)
    active = np.zeros((n, days))
    rate = np.full((n, days), np.nan)
    for i, style in enumerate(styles.tolist()):
        if style == 0:
            active[i] = _GHOST_ACTIVE
        elif style == 1:  # back for a day (and maybe the next) after 10-17 days away
            d = int(rng.integers(0, 10))
            while d < days:
                active[i, d], active[i, min(d + 1, days - 1)] = 1.0, max(active[i, min(d + 1, days - 1)], 0.5)
                rate[i, d : d + 2] = 3.0
                d += int(rng.integers(10, 18))
        elif style == 2:  # a one-off trial: a day or two of looking around, never again
            d = int(rng.integers(0, days))
            active[i, d : d + 2] = (1.0, 0.5)[: len(active[i, d : d + 2])]
            rate[i, d : d + 2] = 5.0
        else:  # the household's screen, picked up briefly on half the days
            active[i] = 0.5
            rate[i] = 1.0
    return active, rate


def persona_plan(world) -> PersonaPlan:
    """The world's plan, drawn once (from its own stream, seed-determined) and kept on the world.

    >>> from generator.params import WorldParams
    >>> from generator.world import build_world
    >>> w = build_world(WorldParams(households=60, days=28, seed=2))
    >>> plan = persona_plan(w); bool((plan.switch_day[plan.switch_day >= 0] >= 9).all())
    True
    """
    plan = getattr(world, "persona_plan", None)
    if plan is not None:
        return plan
    rng = np.random.default_rng([world.params.seed, 31])
    n = len(world.person_persona)
    switch = np.full(n, -1, dtype=np.int64)
    days = world.params.days
    bingers = np.flatnonzero(world.person_series >= 0)
    draw = rng.random(len(bingers))
    when = rng.integers(int(days * 0.35), max(int(days * 0.6), int(days * 0.35) + 1), size=len(bingers))
    if days >= 14:
        switch[bingers] = np.where(draw < SWITCH_SHARE, when, -1)
    ghoster = np.array([p == "ghoster" for p in world.person_persona], dtype=bool)
    weights = np.asarray(getattr(world.params, "ghost_styles", (1.0, 0.0, 0.0, 0.0)), dtype=float)
    active = rate = None
    if weights[1:].sum() > 0:  # other habits than sporadic: drawn from their own stream
        srng = np.random.default_rng([world.params.seed, 32])
        styles = np.zeros(n, dtype=np.int64)
        styles[ghoster] = srng.choice(len(GHOST_STYLES), size=int(ghoster.sum()), p=weights / weights.sum())
        active, rate = np.zeros((n, days)), np.full((n, days), np.nan)
        active[ghoster], rate[ghoster] = ghost_days(styles[ghoster], days, srng)
    plan = PersonaPlan(switch, ghoster, np.zeros(world.n_devices, dtype=np.int64), active, rate)
    world.persona_plan = plan
    return plan


def persona_day(world, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On world day ``day``: each device's chance to be active and its event rate; each person's series."""
    plan = persona_plan(world)
    switched = (plan.switch_day >= 0) & (plan.switch_day <= day)
    ghost_person = plan.ghoster | switched
    owner = world.dev_owner
    owned = owner >= 0
    own = np.maximum(owner, 0)
    ghost = owned & ghost_person[own]
    act = world.person_activity[own]
    scale = np.where(owned & switched[own], _GHOST_ACTIVITY / np.maximum(act, 1e-9), 1.0)
    series = np.where(switched, -1, world.person_series)
    active = np.where(ghost, _GHOST_ACTIVE, 0.9)
    rate = world.dev_rate * scale
    if plan.ghost_active is not None:  # ghosters of other habits (switched bingers stay sporadic)
        styled = owned & plan.ghoster[own]
        active = np.where(styled, plan.ghost_active[own, day], active)
        fixed = plan.ghost_rate[own, day]
        rate = np.where(styled & ~np.isnan(fixed), fixed, rate)
    return active, rate, series


def count_after_switch(world, day: int, counts: np.ndarray) -> None:
    """Count the day's events of devices whose owner has switched (the switches events reveal)."""
    plan = persona_plan(world)
    owner = world.dev_owner
    sw = plan.switch_day[np.maximum(owner, 0)]
    plan.after_switch[:] += np.where((owner >= 0) & (sw >= 0) & (sw <= day), counts, 0)


def _intended(world, d: int, plan: PersonaPlan) -> tuple[str | None, int]:
    owner = int(world.dev_owner[d])
    if owner < 0:
        members = world.hh_persons[int(world.dev_home[d])]
        if len(members) != 1:
            return None, -1
        owner = members[0]
        if world.person_persona[owner] != "binge_watcher" or plan.switch_day[owner] >= 0:
            return None, -1  # a lone ghoster's shared TV is not a ghoster's device (not thinned here)
    persona, switch = world.person_persona[owner], int(plan.switch_day[owner])
    if switch >= 0:  # a switch to silence is not a ghoster anyone could see
        return ("ghoster" if plan.after_switch[d] > 0 else None), switch
    if persona == "binge_watcher":
        return (None if world.dev_form[d] == _PHONE else "binger"), -1
    if persona == "ghoster":
        return "ghoster", -1
    if persona == "kids_fan":
        return "kids", -1
    if persona in _LOYAL:
        return "loyal", -1
    return None, -1


def annotate_truth(world, params, devices: list[dict]) -> None:
    """Add ``persona``, ``persona_switch`` and ``age_band`` to each device dict of the truth (in place)."""
    plan = persona_plan(world)
    for d, dev in enumerate(devices):
        persona, switch = _intended(world, d, plan)
        owner = int(world.dev_owner[d])
        dev["persona"] = persona
        dev["persona_switch"] = (
            {
                "from": "binger" if world.dev_form[d] != _PHONE else None,
                "to": "ghoster",
                "day": (params.start + timedelta(days=switch)).isoformat(),
                "events_after": int(plan.after_switch[d]),
            }
            if switch >= 0
            else None
        )
        dev["age_band"] = _BAND[int(world.person_role[owner])] if owner >= 0 else None
