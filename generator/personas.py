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
    "SWITCH_SHARE",
    "PersonaPlan",
    "annotate_truth",
    "count_after_switch",
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


@dataclass(frozen=True)
class PersonaPlan:
    """Per person: the world day on which they turn from binge watcher into ghoster (-1: never)."""

    switch_day: np.ndarray
    ghoster: np.ndarray  # persons who are ghosters from the start
    after_switch: np.ndarray  # per device: events sent on or after its owner's switch day


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
    plan = PersonaPlan(
        switch,
        np.array([p == "ghoster" for p in world.person_persona], dtype=bool),
        np.zeros(world.n_devices, dtype=np.int64),
    )
    world.persona_plan = plan
    return plan


def persona_day(world, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On world day ``day``: which devices ghost, every device's event rate, every person's binge series."""
    plan = persona_plan(world)
    switched = (plan.switch_day >= 0) & (plan.switch_day <= day)
    ghost_person = plan.ghoster | switched
    owner = world.dev_owner
    owned = owner >= 0
    ghost = owned & ghost_person[np.maximum(owner, 0)]
    act = world.person_activity[np.maximum(owner, 0)]
    scale = np.where(owned & switched[np.maximum(owner, 0)], _GHOST_ACTIVITY / np.maximum(act, 1e-9), 1.0)
    series = np.where(switched, -1, world.person_series)
    return ghost, world.dev_rate * scale, series


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
